"""Staging rows: mentions converted to plain dicts exactly as dataclasses.asdict would."""

import json
from dataclasses import asdict, dataclass
from decimal import Decimal

from pipelines.staging import ORIGIN_RUNS, extract_mentions, origin_runs, plain, restored_normalization
from transforms.extract import extract_article
from transforms.normalize import normalize
from warehouse.syndication import minhash


@dataclass(frozen=True, slots=True)
class _Inner:
    name: str
    share: Decimal | None


@dataclass(frozen=True)
class _Outer:
    inner: _Inner | None
    names: tuple[str, ...]
    parts: list[_Inner]
    extra: dict[str, _Inner]


def test_plain_equals_asdict_on_nested_dataclasses() -> None:
    value = _Outer(
        _Inner("甲", Decimal("1.5")), ("乙", "丙"), [_Inner("丁", None)], {"k": _Inner("戊", None)}
    )
    assert plain(value) == asdict(value)
    assert type(plain(value)["names"]) is tuple  # as asdict keeps it


def test_plain_equals_asdict_on_an_extraction() -> None:
    text = "本报讯 星河慈善基金会向青山县教育局捐赠人民币120万元，用于修缮三所乡村小学。"
    result = extract_article(text, "mainland", None)
    mentions = [*result.amounts, *result.organizations, *result.regions]
    assert mentions  # the sentence names an amount and bodies
    assert [plain(m) for m in mentions] == [asdict(m) for m in mentions]


# Fictional texts whose normalization edits nothing, converts script keeping length, converts
# Taiwan vocabulary changing length (記憶體 → 内存), and repairs markup and injected pinyin.
_NORMALIZED_TEXTS = [
    ("星河慈善基金会向青山县教育局捐赠人民币120万元。", "mainland"),
    ("星河慈善基金會向青山縣教育局捐贈港幣120萬元，用於修繕三所鄉村小學。", "hk"),
    ("晨光科技基金會捐贈記憶體與軟體，價值新臺幣300萬元。\n第二段：善款(kuǎn)已撥付。", "tw"),
    ("青山县慈善总会&nbsp;收到捐款&rdquo;50万元<br/>，，用于助学。", "mainland"),
    ("", "mainland"),
]


def test_a_staged_normalization_is_restored_exactly() -> None:
    for text, locale in _NORMALIZED_TEXTS:
        normalized = normalize(text, locale)
        staged = json.loads(
            json.dumps(
                {
                    "text": text,
                    "locale": locale,
                    "simplified": normalized.simplified,
                    "variant": normalized.variant,
                    ORIGIN_RUNS: origin_runs(normalized),
                }
            )
        )
        assert restored_normalization(staged) == normalized, text
    assert origin_runs(normalize(_NORMALIZED_TEXTS[0][0], "mainland")) is None  # the usual case
    assert origin_runs(normalize(_NORMALIZED_TEXTS[2][0], "tw")) is not None


def test_extraction_from_a_staged_article_equals_extraction_from_its_text() -> None:
    articles = []
    for number, (text, locale) in enumerate(_NORMALIZED_TEXTS):
        normalized = normalize(text, locale)
        articles.append(
            {
                "url": f"https://example.org/{number}",
                "site": "example",
                "locale": locale,
                "region": None,
                "text": text,
                "simplified": normalized.simplified,
                "variant": normalized.variant,
                ORIGIN_RUNS: origin_runs(normalized),
            }
        )
    rows, failures = extract_mentions(json.loads(json.dumps(articles)))
    assert not failures
    for row, (text, locale) in zip(rows, _NORMALIZED_TEXTS, strict=True):
        assert ORIGIN_RUNS not in row
        result = extract_article(text, locale, None)
        assert row["amounts"] == [plain(a) for a in result.amounts]
        assert row["organizations"] == [plain(o) for o in result.organizations]
        assert row["regions"] == [plain(r) for r in result.regions]
        # The syndication signature comes with the fingerprints, of the staged simplified text.
        assert row["minhash"] == minhash(normalize(text, locale).simplified).hex()
    assert any(row["amounts"] for row in rows)


def test_staged_urls_are_the_urls_of_the_rows(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from pipelines.staging import staged_urls, write_jsonl

    rows = [
        {"url": "http://a.example/1", "text": "正文", "amounts": [{"value": Decimal("1.5")}]},
        {"url": 'http://a.example/"quoted"\\back', "text": "x"},  # escapes: decoded whole
        {"url": "http://a.example/路径/2", "title": '{"url": "http://not.this/"}'},
        {"title": "url not first", "url": "http://a.example/3"},
    ]
    path = tmp_path / "mentions.jsonl"
    write_jsonl(path, rows)
    assert list(staged_urls(path)) == [row["url"] for row in rows]
    assert list(staged_urls(tmp_path / "missing.jsonl")) == []
    # A file written by an earlier version (the json module's spaced layout) reads alike.
    spaced = tmp_path / "spaced.jsonl"
    spaced.write_text("".join(json.dumps(row, ensure_ascii=False, default=str) + "\n" for row in rows))
    assert list(staged_urls(spaced)) == [row["url"] for row in rows]


def test_a_staged_row_holds_its_mentions_as_plain_would_give_them(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from pipelines.staging import read_jsonl, write_jsonl

    text = "本报讯 星河慈善基金会向青山县教育局捐赠人民币120万元，用于修缮三所乡村小学。"
    result = extract_article(text, "mainland", None)
    row = {"url": "http://a.example/1", "text": text, "amounts": result.amounts, "regions": result.regions}
    path = tmp_path / "mentions.jsonl"
    assert write_jsonl(path, [row, _Outer(None, ("乙",), [_Inner("丁", Decimal("2.50"))], {})]) == 2
    staged, outer = read_jsonl(path)
    # What the json module made of plain(): Decimals as strings, tuples as lists.
    assert staged == json.loads(json.dumps(plain(row), default=str))
    assert staged["amounts"] and staged["amounts"][0]["value"] == str(result.amounts[0].value)
    assert outer == {"inner": None, "names": ["乙"], "parts": [{"name": "丁", "share": "2.50"}], "extra": {}}
