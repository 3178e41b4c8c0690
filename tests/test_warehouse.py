"""Migrations and loads on SQLite and the real PostgreSQL."""

from __future__ import annotations

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from tests.warehouse_rows import SITE
from warehouse import models as m
from warehouse.db import alembic_config, make_engine, upgrade
from warehouse.load import load_extracted
from warehouse.syndication import SIGNATURE_BYTES, minhash


def test_history_is_linear() -> None:
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    heads = script.get_heads()
    assert len(heads) == 1
    for revision in script.walk_revisions():
        assert not isinstance(revision.down_revision, tuple), revision.revision


def test_upgrade_then_no_drift_then_downgrade(db_url: str) -> None:
    upgrade(db_url)
    engine = make_engine(db_url)
    with engine.connect() as connection:
        diff = compare_metadata(
            MigrationContext.configure(connection, opts={"compare_type": True}), m.Base.metadata
        )
    assert diff == []
    command.downgrade(alembic_config(db_url), "base")
    with engine.connect() as connection:
        assert "article" not in set(engine.dialect.get_table_names(connection))
    engine.dispose()


def _row(url: str, amount: str = "620000", version: str = "0.1.0") -> dict:
    text = "青禾公益基金会向湘西土家族苗族自治州捐赠620万元。"
    return {
        "url": url,
        "site": "demo",
        "title": "标题",
        "published": "2026-11-17T09:30:00",
        "fetched_at": "2026-11-21T10:00:00+00:00",
        "variant": "simplified",
        "encoding": "utf-8",
        "text": text,
        "simplified": text,
        "content_hash": "h",
        "fingerprint": -123456789,
        "source_line": None,
        "extractor_version": version,
        "amounts": [
            {
                "raw": "620万元",
                "start": 18,
                "end": 23,
                "sentence_start": 0,
                "sentence_end": len(text),
                "value": amount,
                "currency": "CNY",
                "qualifier": "exact",
                "high": None,
                "role": "donated",
                "cumulative": False,
                "conversion_of": None,
            }
        ],
        "organizations": [
            {
                "surface": "青禾公益基金会",
                "name": "青禾公益基金会",
                "type": "foundation",
                "start": 0,
                "end": 7,
                "sentence_start": 0,
                "sentence_end": len(text),
                "expanded_from_context": False,
            }
        ],
        "regions": [
            {
                "surface": "湘西土家族苗族自治州",
                "code": "433100",
                "start": 8,
                "end": 18,
                "sentence_start": 0,
                "sentence_end": len(text),
                "role": "beneficiary",
            }
        ],
    }


def _counts(engine) -> dict[str, int]:  # type: ignore[no-untyped-def]
    with Session(engine) as session:
        return {
            t.__tablename__: session.scalar(select(func.count()).select_from(t)) or 0
            for t in (m.Article, m.AmountMention, m.OrganizationMention, m.RegionMention, m.Organization)
        }


def test_loads_are_idempotent_and_replace_mentions(db_url: str) -> None:
    upgrade(db_url)
    engine = make_engine(db_url)
    load_extracted(engine, [SITE], [_row("http://demo.example/a"), _row("http://demo.example/b")])
    once = _counts(engine)
    load_extracted(engine, [SITE], [_row("http://demo.example/a"), _row("http://demo.example/b")])
    assert (
        _counts(engine)
        == once
        == {
            "article": 2,
            "amount_mention": 2,
            "organization_mention": 2,
            "region_mention": 2,
            "organization": 1,
        }
    )
    load_extracted(engine, [SITE], [_row("http://demo.example/a", amount="630000", version="0.2.0")])
    with Session(engine) as session:
        values = session.execute(
            select(m.AmountMention.value, m.AmountMention.extractor_version)
            .join(m.Article)
            .where(m.Article.url == "http://demo.example/a")
        ).all()
    assert [(int(v), ver) for v, ver in values] == [(630000, "0.2.0")]
    engine.dispose()


def test_a_bad_article_is_rejected_and_the_others_load(db_url: str) -> None:
    upgrade(db_url)
    engine = make_engine(db_url)
    load_extracted(engine, [SITE], [_row("http://demo.example/a")])
    bad = _row("http://demo.example/c")
    bad["amounts"][0]["currency"] = "XXX"
    report = load_extracted(engine, [SITE], [_row("http://demo.example/b"), bad])
    assert [r.url for r in report.rejected] == ["http://demo.example/c"]
    assert "unknown currency 'XXX'" in report.rejected[0].reason
    with Session(engine) as session:
        urls = set(session.scalars(select(m.Article.url)))
    assert urls == {"http://demo.example/a", "http://demo.example/b"}
    engine.dispose()


def test_the_load_takes_the_signature_the_extraction_step_staged(db_url: str) -> None:
    """A record carries its MinHash signature (hex) from the extraction step; the load stores
    it as is, computes one for a record without it, and rejects one that is not a signature."""
    upgrade(db_url)
    engine = make_engine(db_url)
    # Another text's signature: stored as staged shows the load did not compute its own.
    staged = minhash("云岭助学促进会在澜沧县新建三所乡村小学图书室。").hex()
    carried = _row("http://demo.example/a") | {"minhash": staged}
    without = _row("http://demo.example/b")
    broken = {
        "http://demo.example/c": "zz" * SIGNATURE_BYTES,  # not hex
        "http://demo.example/d": staged[:-2],  # a byte short
        "http://demo.example/e": " ".join([staged[:4], staged[4:]]),  # fromhex would skip the blank
        "http://demo.example/f": 12345,
    }
    report = load_extracted(
        engine, [SITE], [carried, without, *(_row(url) | {"minhash": v} for url, v in broken.items())]
    )
    assert sorted(r.url for r in report.rejected) == sorted(broken)
    assert all(f"minhash is not a signature of {SIGNATURE_BYTES} bytes" in r.reason for r in report.rejected)
    with Session(engine) as session:
        signatures = dict(session.execute(select(m.Article.url, m.Article.minhash)).all())
    assert bytes(signatures["http://demo.example/a"]) == bytes.fromhex(staged)
    assert bytes(signatures["http://demo.example/b"]) == minhash(without["simplified"])
    engine.dispose()


def test_the_loader_refuses_a_region_code_the_region_table_lacks(db_url: str) -> None:
    """No foreign key checks mention region codes (migration 0009): the loader does, and says so."""
    upgrade(db_url)
    engine = make_engine(db_url)
    bad = _row("http://demo.example/c")
    bad["regions"][0]["code"] = "999999"
    report = load_extracted(engine, [SITE], [_row("http://demo.example/b"), bad])
    assert [r.url for r in report.rejected] == ["http://demo.example/c"]
    assert "regions[0] code '999999' is not in the GB/T 2260 table" in report.rejected[0].reason
    # A giver or recipient whose code is unknown keeps its name and kind but gets no code.
    odd = _row("http://demo.example/d")
    odd["amounts"][0] |= {"gift": True, "restates": None, "giver": None}
    odd["amounts"][0]["recipient"] = {"kind": "region", "name": "某县", "code": "999999"}
    assert not load_extracted(engine, [SITE], [odd]).rejected
    with Session(engine) as session:
        assert set(session.scalars(select(m.Article.url))) == {
            "http://demo.example/b",
            "http://demo.example/d",
        }
        codes = session.execute(
            select(
                m.AmountMention.recipient_name,
                m.AmountMention.recipient_region_code,
                m.AmountMention.region_code,
                m.AmountMention.province_code,
            )
            .join(m.Article, m.Article.id == m.AmountMention.article_id)
            .where(m.Article.url == "http://demo.example/d")
        ).one()
        assert tuple(codes) == ("某县", None, "433100", "430000")
        region_codes = set(session.scalars(select(m.Region.code)))
        written = set(session.scalars(select(m.RegionMention.region_code)))
        for column in ("region_code", "province_code", "recipient_province_code", "giver_region_code"):
            written |= set(session.scalars(select(getattr(m.AmountMention, column))))
    assert written - {None} <= region_codes
    engine.dispose()


def test_the_database_refuses_what_validation_would_catch(db_url: str) -> None:
    """The check constraints hold even for writes that bypass the loader."""
    upgrade(db_url)
    engine = make_engine(db_url)
    load_extracted(engine, [SITE], [_row("http://demo.example/a")])
    before = _counts(engine)
    with pytest.raises(IntegrityError), Session(engine) as session, session.begin():
        session.execute(update(m.AmountMention).values(currency="XXX"))
    with pytest.raises(IntegrityError), Session(engine) as session, session.begin():
        session.execute(update(m.AmountMention).values(value=-1))
    with pytest.raises(IntegrityError), Session(engine) as session, session.begin():
        session.add(m.Article(**{c: getattr(_first_article(session), c) for c in _ARTICLE_COPY}))
        session.flush()
    assert _counts(engine) == before
    engine.dispose()


_ARTICLE_COPY = (
    "url",
    "source_id",
    "title",
    "fetched_at",
    "script_variant",
    "encoding",
    "original_text",
    "simplified_text",
    "content_hash",
    "fingerprint",
    "extractor_version",
)


def _first_article(session: Session) -> m.Article:
    return session.scalars(select(m.Article)).first()  # type: ignore[return-value]


def test_an_amount_without_a_place_in_its_sentence_takes_the_article_main_province() -> None:
    from warehouse.load import _amount_links

    def mention(start: int, sentence: tuple[int, int], **fields: object) -> dict:
        return {"start": start, "sentence_start": sentence[0], "sentence_end": sentence[1], **fields}

    # 台湾 named in passing first, 香港 where the money goes; the headline amount's sentence
    # names no place: a beneficiary counts twice, so the tie goes to 香港.
    row = {
        "amounts": [mention(2, (0, 10))],
        "organizations": [],
        "regions": [
            mention(12, (10, 40), code="710000", role="mention"),
            mention(30, (10, 40), code="810000", role="beneficiary"),
        ],
    }
    province_of = {"710000": "710000", "810000": "810000"}
    assert _amount_links(row, [], province_of) == [(None, "810000", "article")]
    row["regions"][1]["role"] = "mention"
    assert _amount_links(row, [], province_of) == [(None, "710000", "article")]  # the earliest
