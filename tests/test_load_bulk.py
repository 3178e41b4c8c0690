"""The bulk paths of a load (COPY, executemany, unnest, arrays): what they must keep."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import event, func, select, text
from sqlalchemy.orm import Session

from tests.warehouse_rows import SITE, article_row
from warehouse import models as m
from warehouse.db import make_engine, upgrade
from warehouse.load import DIGEST_FORMAT, _BatchWriter, _digest, _json_digest, load_extracted


def test_a_record_the_database_refuses_is_rejected_alone(db_url: str) -> None:
    """Validation lets an unknown script variant through; the table's check refuses it, in the
    article's bulk insert.  The batch is written again article by article: only it is lost."""
    upgrade(db_url)
    engine = make_engine(db_url)
    rows = [article_row(i) for i in range(4)]
    rows[2]["variant"] = "cuneiform"
    report = load_extracted(engine, [SITE], rows)
    assert [r.url for r in report.rejected] == [rows[2]["url"]]
    assert report.written == 3
    with Session(engine) as session:
        urls = set(session.scalars(select(m.Article.url)))
        mentions = session.scalar(select(func.count()).select_from(m.AmountMention))
    assert urls == {rows[i]["url"] for i in (0, 1, 3)}
    assert mentions == sum(len(rows[i]["amounts"]) for i in (0, 1, 3))
    engine.dispose()


class _Readings:
    """Records that can be read again, counting their readings."""

    def __init__(self, rows: list[dict]) -> None:
        self.rows, self.count = rows, 0

    def __iter__(self):  # type: ignore[no-untyped-def]
        self.count += 1
        return iter(self.rows)


def _savepoints(seen: list[str]) -> int:
    return sum(1 for sql in seen if sql.lstrip().upper().startswith("SAVEPOINT"))


def test_records_read_again_go_in_without_savepoints_until_the_database_refuses_one(
    db_url: str, caplog
) -> None:  # type: ignore[no-untyped-def]
    """A clean load of records that can be read again opens no savepoint; one the database
    refuses rolls the load back and runs it again under savepoints from the first record: the
    refused article alone is lost, and each rejection is logged once."""
    upgrade(db_url)
    engine = make_engine(db_url)
    seen = _statements(engine)
    clean = _Readings([article_row(i) for i in range(3)])
    assert load_extracted(engine, [SITE], clean).written == 3
    assert (clean.count, _savepoints(seen)) == (1, 0)

    rows = [article_row(i) for i in range(10, 15)]
    rows[1]["amounts"][0]["value"] = "-5"  # validation's rejection
    rows[3]["variant"] = "cuneiform"  # the database's
    refused = _Readings(rows)
    with caplog.at_level("WARNING", logger="warehouse.load"):
        report = load_extracted(engine, [SITE], refused)
    assert refused.count == 2 and _savepoints(seen) > 0
    assert sorted(r.url for r in report.rejected) == sorted([rows[1]["url"], rows[3]["url"]])
    assert report.written == 3 and report.articles == 6
    assert caplog.text.count(f"article rejected: {rows[1]['url']}") == 1
    assert "loading again batch by batch" in caplog.text
    with Session(engine) as session:
        urls = set(session.scalars(select(m.Article.url)))
        mentions = session.scalar(select(func.count()).select_from(m.AmountMention))
    kept = [rows[i] for i in (0, 2, 4)] + clean.rows
    assert urls == {row["url"] for row in kept}
    assert mentions == sum(len(row["amounts"]) for row in kept)
    engine.dispose()


def test_records_that_cannot_in_fact_be_read_again_fail_the_load_and_leave_the_warehouse(
    db_url: str,
) -> None:
    """An iterable (not an iterator) whose second reading is empty: the re-run after the refused
    batch would load nothing, so the load fails and commits nothing."""
    upgrade(db_url)
    engine = make_engine(db_url)
    rows = [article_row(i) for i in range(3)]
    rows[2]["variant"] = "cuneiform"

    class Once:
        def __init__(self) -> None:
            self.reading = iter(rows)

        def __iter__(self):  # type: ignore[no-untyped-def]
            return self.reading

    with pytest.raises(RuntimeError, match="fewer than the 3 read"):
        load_extracted(engine, [SITE], Once())
    with Session(engine) as session:
        assert session.scalar(select(func.count()).select_from(m.Article)) == 0
    engine.dispose()


def test_a_one_pass_stream_is_loaded_under_savepoints_from_the_start(db_url: str) -> None:
    """A generator cannot be read twice: its batches are written under savepoints, and a
    refused record is still rejected alone."""
    upgrade(db_url)
    engine = make_engine(db_url)
    seen = _statements(engine)
    rows = [article_row(i) for i in range(3)]
    rows[1]["variant"] = "cuneiform"
    report = load_extracted(engine, [SITE], (row for row in rows))
    assert [r.url for r in report.rejected] == [rows[1]["url"]]
    assert report.written == 2 and _savepoints(seen) > 0
    engine.dispose()


def test_the_first_loads_statistics_let_refresh_counted_probe_its_index(postgres_url: str) -> None:
    """A first load of over 1,000 articles ANALYZEs (the key columns) inside its transaction:
    afterwards the planner knows amount_mention is not empty and probes by article_id."""
    upgrade(postgres_url)
    engine = make_engine(postgres_url)
    load_extracted(engine, [SITE], (article_row(i) for i in range(1_100)))
    with engine.connect() as connection:
        reltuples = connection.execute(
            text("SELECT reltuples FROM pg_class WHERE relname = 'amount_mention'")
        ).scalar()
        plan = "\n".join(
            connection.execute(
                text(
                    "EXPLAIN UPDATE amount_mention SET counted = true "
                    "WHERE article_id = ANY(ARRAY[3, 5, 7]) AND counted = false"
                )
            ).scalars()
        )
    assert reltuples >= 1_000
    assert "Seq Scan on amount_mention" not in plan, plan
    engine.dispose()


def test_an_article_digested_as_json_before_format_2_is_still_recognised(db_url: str) -> None:
    """A warehouse loaded before the pickle digest holds SHA-256s of the records' JSON: a re-run
    of the same records writes nothing (ids kept), a changed record is written and gets a new
    digest, and a new record gets the current format."""
    upgrade(db_url)
    engine = make_engine(db_url)
    rows = [article_row(i) for i in range(3)]
    load_extracted(engine, [SITE], rows)
    with Session(engine) as session, session.begin():  # as a load before format 2 left them
        for row in rows:
            session.execute(
                text("UPDATE article SET load_digest = :d WHERE url = :u"),
                {"d": _json_digest(row), "u": row["url"]},
            )
        ids = sorted(session.scalars(select(m.AmountMention.id)))
    report = load_extracted(engine, [SITE], rows)
    assert (report.written, report.unchanged) == (0, 3)
    changed = {**rows[1], "title": rows[1]["title"] + "（更新）"}
    report = load_extracted(engine, [SITE], [rows[0], changed, article_row(7)])
    assert (report.written, report.unchanged) == (2, 1)
    with Session(engine) as session:
        digests = dict(session.execute(select(m.Article.url, m.Article.load_digest)).all())
        kept = sorted(
            session.scalars(
                select(m.AmountMention.id)
                .join(m.Article)
                .where(m.Article.url.in_([rows[0]["url"], rows[2]["url"]]))
            )
        )
    assert digests[rows[0]["url"]] == _json_digest(rows[0])
    assert digests[changed["url"]] == _digest(changed) and _digest(changed).startswith(DIGEST_FORMAT)
    assert len(digests[changed["url"]]) == 64
    assert kept and set(kept) <= set(ids)  # the unchanged articles' mentions keep their ids
    engine.dispose()


def test_equal_records_digest_alike_whatever_objects_they_share() -> None:
    """The digest reads values, not identities: a record whose mentions share one string object
    digests as its copy through JSON does; any changed value changes it."""
    row = article_row(1)
    shared = "CNY"
    for amount in row["amounts"]:
        amount["currency"] = shared
    copy = json.loads(json.dumps(row))
    assert _digest(row) == _digest(copy)
    copy["amounts"][0]["value"] = str(copy["amounts"][0]["value"]) + "1"
    assert _digest(row) != _digest(copy)
    assert _digest({**row, "fingerprint": 1}) != _digest({**row, "fingerprint": 1.0})


def test_a_value_the_binary_copy_cannot_send_rejects_its_article_alone(postgres_url: str) -> None:
    """A fingerprint that is not a number reaches the binary COPY (validation does not look at
    it): the COPY is refused as the server would refuse its text, and only that article is lost."""
    upgrade(postgres_url)
    engine = make_engine(postgres_url)
    rows = [article_row(i) for i in range(3)]
    rows[1]["fingerprint"] = "not a number"
    report = load_extracted(engine, [SITE], rows)
    assert [r.url for r in report.rejected] == [rows[1]["url"]]
    assert report.rejected[0].reason.startswith("DataError")
    assert report.written == 2
    engine.dispose()


def _statements(engine) -> list[str]:  # type: ignore[no-untyped-def]
    """The SQL statements the engine runs from now on."""
    seen: list[str] = []
    event.listen(engine, "before_cursor_execute", lambda _c, _cur, sql, *_: seen.append(sql))
    return seen


def _mention_keys(engine) -> set[tuple[str, str, bool]]:  # type: ignore[no-untyped-def]
    with engine.connect() as connection:
        return set(
            connection.execute(
                text(
                    "SELECT conrelid::regclass::text, conname, convalidated FROM pg_constraint "
                    "WHERE contype = 'f' AND conrelid::regclass::text IN "
                    "('amount_mention', 'organization_mention', 'region_mention')"
                )
            ).all()
        )


def test_a_backfill_checks_the_mention_keys_once_at_its_end(postgres_url: str) -> None:
    """A load that writes as many articles as the warehouse held drops the mention tables'
    foreign keys after its first batch and adds them back, validated, before its commit; a
    daily load into the larger warehouse keeps them checked row by row."""
    upgrade(postgres_url)
    engine = make_engine(postgres_url)
    keys = _mention_keys(engine)
    assert len(keys) == 7 and all(valid for _, _, valid in keys)
    seen = _statements(engine)
    load_extracted(engine, [SITE], (article_row(i) for i in range(1_200)))
    drops = [s for s in seen if "DROP CONSTRAINT" in s]
    adds = [s for s in seen if "ADD CONSTRAINT" in s]
    assert len(drops) == len(adds) == 7
    assert _mention_keys(engine) == keys  # the same keys, validated
    seen.clear()
    report = load_extracted(engine, [SITE], (article_row(i) for i in range(1_200, 1_300)))
    assert report.written == 100
    assert not [s for s in seen if "CONSTRAINT" in s]
    engine.dispose()


def test_a_reader_holding_the_tables_keeps_the_checks_per_row(postgres_url: str, caplog) -> None:  # type: ignore[no-untyped-def]
    upgrade(postgres_url)
    engine = make_engine(postgres_url)
    with engine.connect() as reader:
        reader.execute(text("SELECT COUNT(*) FROM region_mention")).scalar()  # its lock lasts the transaction
        with caplog.at_level("INFO", logger="warehouse.load"):
            report = load_extracted(engine, [SITE], (article_row(i) for i in range(1_100)))
        reader.rollback()
    assert report.written == 1_100
    assert "key checks stay per row" in caplog.text
    with engine.connect() as connection:
        assert connection.scalar(text("SELECT current_setting('lock_timeout')")) == "0"
    assert len(_mention_keys(engine)) == 7
    engine.dispose()


def test_a_row_breaking_a_deferred_key_fails_the_load_and_leaves_the_warehouse(
    postgres_url: str, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    """A loader fault (here: organization ids that do not exist, once the keys are deferred) is
    found when the keys are added back: the load fails, nothing of it is committed, the keys stay."""
    upgrade(postgres_url)
    engine = make_engine(postgres_url)
    real = _BatchWriter.organization_ids

    def wrong_ids(self, batch):  # type: ignore[no-untyped-def]
        ids = real(self, batch)
        return {name: i + 1_000_000 for name, i in ids.items()} if self.deferred else ids

    monkeypatch.setattr(_BatchWriter, "organization_ids", wrong_ids)
    with pytest.raises(RuntimeError, match="rows that break fk_"):
        load_extracted(engine, [SITE], (article_row(i) for i in range(1_200)))
    with Session(engine) as session:
        assert session.scalar(select(func.count()).select_from(m.Article)) == 0
    assert len(_mention_keys(engine)) == 7
    engine.dispose()


def test_a_role_that_does_not_own_the_tables_keeps_the_checks_per_row(postgres_url: str, caplog) -> None:  # type: ignore[no-untyped-def]
    """Only a table's owner may drop its keys: a load by a role granted only reads and writes
    (as a production loader may be) keeps the checks per row and loads all the same."""
    upgrade(postgres_url)
    owner = make_engine(postgres_url)
    schema = postgres_url.rsplit("%3D", 1)[1]
    role = f"{schema}_loader"
    with owner.begin() as connection:
        for statement in (
            f'CREATE ROLE "{role}" LOGIN',
            f'GRANT USAGE ON SCHEMA "{schema}" TO "{role}"',
            f'GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA "{schema}" TO "{role}"',
            f'GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA "{schema}" TO "{role}"',
        ):
            connection.execute(text(statement))
    loader = make_engine(postgres_url.replace("postgres@", f"{role}@", 1))
    try:
        with caplog.at_level("INFO", logger="warehouse.load"):
            report = load_extracted(loader, [SITE], (article_row(i) for i in range(1_100)))
        assert report.written == 1_100 and not report.rejected
        assert "key checks stay per row" in caplog.text and "must be owner" in caplog.text
        assert len(_mention_keys(owner)) == 7
    finally:
        loader.dispose()
        with owner.begin() as connection:
            connection.execute(text(f'DROP OWNED BY "{role}"'))
            connection.execute(text(f'DROP ROLE "{role}"'))
        owner.dispose()
