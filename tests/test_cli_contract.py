"""The ``charitynews extract`` contract (see transforms/document.py): one record per path, in order.

Files in every encoding the tool reads, plus a missing path and a binary file, through the
command's in-process entry point.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from pipelines.cli import main
from transforms.document import read_document

UTF8_ARTICLE = """杭州市慈善总会收到爱心企业捐款536万4120元
发布时间：2026-11-18
本报讯 11月17日，杭州市慈善总会举行捐赠仪式，浙江某科技有限公司向该会捐款536万4120元，用于长沙县乡村振兴项目。
据介绍，今年以来杭州市慈善总会累计募集善款1.2亿元，其中约300万元将资助长沙县困难学生。
"""
GBK_ARTICLE = """延边州红十字会向敦化市拨付救灾款
2026年8月3日
近日，延边朝鲜族自治州红十字会向敦化市拨付救灾资金85万元，并联合吉林省慈善总会募集物资价值约120万元。
"""
BIG5_ARTICLE = """公益金籌款再創新高
本港公益金今年籌得善款120萬元，較去年增加兩成。香港賽馬會慈善信託基金另撥港幣2億元(約合新臺幣8億元)，資助全港長者服務。
"""
HTML_PAGE = """<!DOCTYPE html>
<html><head><meta charset="gb2312"><title>长沙县慈善会发放助学金_长沙新闻网</title></head>
<body><div class="nav">首页 | 新闻 | 公益 | 专题</div>
<h1>长沙县慈善会发放助学金</h1><div class="info">发布时间：2026-09-01 10:30</div>
<div class="content"><p>9月1日，长沙县慈善会向全县200名困难大学新生发放助学金共计80万元。</p>
<p>据悉，该项目由湖南省慈善总会和长沙县人民政府共同资助，每人4000元。</p></div>
<div class="footer">版权所有 长沙新闻网</div></body></html>
"""
PNG_HEADER = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06"

CURRENCIES = {"CNY", "HKD", "MOP", "TWD", "USD", "EUR", "GBP", "JPY"}
ORGANIZATION_TYPES = {
    "foundation",
    "charity_federation",
    "red_cross",
    "government",
    "party",
    "company",
    "bank",
    "school",
    "hospital",
    "media",
    "other",
}
RECORD_KEYS = {
    "source",
    "variant",
    "locale",
    "title",
    "published",
    "amounts",
    "organizations",
    "regions",
    "text",
}
AMOUNT_KEYS = {
    "value",
    "currency",
    "raw",
    "start",
    "end",
    "approximate",
    "high",
    "role",
    "qualifier",
    "cumulative",
    "conversion_of",
    "restates",
    "gift",
    "giver",
    "recipient",
}
ROLES = {"donated", "raised", "pledged", "disbursed", "fund_size", "in_kind", "target", "threshold", "other"}
PARTY_KINDS = {"organization", "region", "group", "person"}
ORGANIZATION_KEYS = {"name", "type", "surfaces", "spans", "expanded_from_context", "aliases"}
REGION_KEYS = {"code", "name", "level", "role", "surfaces", "spans"}


@dataclass(frozen=True)
class Corpus:
    utf8: str
    gbk: str
    big5: str
    html: str
    missing: str
    binary: str

    @property
    def readable(self) -> list[str]:
        return [self.utf8, self.gbk, self.big5, self.html]

    @property
    def all(self) -> list[str]:
        return [self.utf8, self.missing, self.gbk, self.big5, self.binary, self.html]


@pytest.fixture
def corpus(tmp_path: Path) -> Corpus:
    files = {
        "utf8.txt": UTF8_ARTICLE.encode("utf-8"),
        "gbk.txt": GBK_ARTICLE.encode("gbk"),
        "hk-big5.txt": BIG5_ARTICLE.encode("big5"),
        "page.html": HTML_PAGE.encode("gb18030"),
        "image.png": PNG_HEADER,
    }
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    return Corpus(
        utf8=str(tmp_path / "utf8.txt"),
        gbk=str(tmp_path / "gbk.txt"),
        big5=str(tmp_path / "hk-big5.txt"),
        html=str(tmp_path / "page.html"),
        missing=str(tmp_path / "no-such-article.txt"),
        binary=str(tmp_path / "image.png"),
    )


def run_jsonl(capsys: pytest.CaptureFixture[str], paths: list[str]) -> tuple[int, list[dict[str, Any]]]:
    code = main(["extract", "--jsonl", *paths])
    lines = capsys.readouterr().out.splitlines()
    return code, [json.loads(line) for line in lines]


def by_source(records: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {record["source"]: record for record in records}


def document_text(path: str) -> str:
    """The text offsets point into: the file decoded as the command decodes it."""
    return read_document(Path(path).read_bytes(), path).text


# --- One line per path --------------------------------------------------------------------------
def test_one_json_line_per_path_in_input_order(corpus: Corpus, capsys: pytest.CaptureFixture[str]) -> None:
    code, records = run_jsonl(capsys, corpus.all)
    assert code == 1  # two of the six paths cannot be read
    assert [r["source"] for r in records] == corpus.all
    failed = {r["source"]: r for r in records if "error" in r}
    assert set(failed) == {corpus.missing, corpus.binary}
    for record in failed.values():
        assert set(record) == {"source", "error"}
        assert isinstance(record["error"], str) and record["error"]
    assert "FileNotFoundError" in failed[corpus.missing]["error"]
    assert "binary" in failed[corpus.binary]["error"]
    for record in records:
        if record["source"] not in failed:
            assert set(record) == RECORD_KEYS


def test_source_is_the_path_as_given(
    corpus: Corpus, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(Path(corpus.utf8).parent)
    paths = ["utf8.txt", "./gbk.txt", "utf8.txt", "page.html"]  # relative, dotted, repeated
    code, records = run_jsonl(capsys, paths)
    assert code == 0  # every path is readable
    assert [r["source"] for r in records] == paths
    assert records[0] == records[2]  # the same file twice: the same record twice
    assert all("error" not in r for r in records)


def test_exit_code_is_zero_when_every_path_is_readable(
    corpus: Corpus, capsys: pytest.CaptureFixture[str]
) -> None:
    code, records = run_jsonl(capsys, corpus.readable)
    assert code == 0
    assert len(records) == len(corpus.readable)
    assert all("error" not in r for r in records)


def test_exit_code_is_one_when_the_only_path_fails(
    corpus: Corpus, capsys: pytest.CaptureFixture[str]
) -> None:
    code, records = run_jsonl(capsys, [corpus.binary])
    assert code == 1
    assert [set(r) for r in records] == [{"source", "error"}]


# --- Field set and types ------------------------------------------------------------------------
def check_amount(amount: dict[str, Any]) -> None:
    assert set(amount) == AMOUNT_KEYS
    assert type(amount["value"]) in (int, float) and amount["value"] >= 0
    assert amount["currency"] in CURRENCIES
    assert isinstance(amount["raw"], str) and amount["raw"]
    assert type(amount["start"]) is int and type(amount["end"]) is int
    assert 0 <= amount["start"] < amount["end"]
    assert type(amount["approximate"]) is bool
    assert amount["high"] is None or type(amount["high"]) in (int, float)
    assert amount["role"] in ROLES  # never null: other when nothing else fits
    assert amount["qualifier"] in ("exact", "approximate", "lower_bound")
    assert amount["approximate"] == (amount["qualifier"] != "exact")
    assert type(amount["cumulative"]) is bool
    assert type(amount["gift"]) is bool
    assert amount["restates"] is None or type(amount["restates"]) is int
    if amount["gift"]:
        assert amount["restates"] is None and not amount["cumulative"]
        assert amount["role"] not in ("target", "threshold", "other")
    for side in ("giver", "recipient"):
        party = amount[side]
        assert party is None or set(party) == {"kind", "name", "code"}
        if party is not None:
            assert party["kind"] in PARTY_KINDS and isinstance(party["name"], str) and party["name"]
            assert (party["code"] is not None) == (party["kind"] == "region")


def check_amount_links(amounts: list[dict[str, Any]]) -> None:
    """``restates`` and ``conversion_of`` point at another amount of the same list."""
    for i, amount in enumerate(amounts):
        for link in ("restates", "conversion_of"):
            if amount[link] is not None:
                assert 0 <= amount[link] < len(amounts) and amount[link] != i


def check_spans(entry: dict[str, Any]) -> None:
    surfaces, spans = entry["surfaces"], entry["spans"]
    assert isinstance(surfaces, list) and surfaces
    assert all(isinstance(s, str) and s for s in surfaces)
    assert len(set(surfaces)) == len(surfaces)
    assert isinstance(spans, list) and spans
    for span in spans:
        assert isinstance(span, list) and len(span) == 2
        assert all(type(x) is int for x in span) and 0 <= span[0] < span[1]


def check_record(record: dict[str, Any]) -> None:
    assert set(record) == RECORD_KEYS
    assert record["variant"] in ("simplified", "traditional", "mixed")
    assert record["locale"] in ("mainland", "hk", "mo", "tw")
    assert record["title"] is None or isinstance(record["title"], str)
    assert record["published"] is None or re.fullmatch(r"\d{4}-\d{2}-\d{2}", record["published"])
    amounts = record["amounts"]
    assert isinstance(amounts, list)
    for index, amount in enumerate(amounts):
        check_amount(amount)
        conversion_of = amount["conversion_of"]
        assert conversion_of is None or (type(conversion_of) is int and 0 <= conversion_of < index)
    starts = [a["start"] for a in amounts]
    assert starts == sorted(starts)
    organizations = record["organizations"]
    assert isinstance(organizations, list)
    for organization in organizations:
        assert set(organization) == ORGANIZATION_KEYS
        assert isinstance(organization["name"], str) and organization["name"]
        assert organization["type"] in ORGANIZATION_TYPES
        assert type(organization["expanded_from_context"]) is bool
        aliases = organization["aliases"]
        assert isinstance(aliases, list) and all(isinstance(a, str) and a for a in aliases)
        assert organization["name"] not in aliases and len(set(aliases)) == len(aliases)
        check_spans(organization)
    names = [o["name"] for o in organizations]
    assert len(set(names)) == len(names)
    regions = record["regions"]
    assert isinstance(regions, list)
    for region in regions:
        assert set(region) == REGION_KEYS
        assert re.fullmatch(r"\d{6}", region["code"])
        assert isinstance(region["name"], str) and region["name"]
        assert region["level"] in ("province", "city", "county")
        assert region["role"] in ("seat", "beneficiary", "mention")
        check_spans(region)
    codes = [r["code"] for r in regions]
    assert len(set(codes)) == len(codes)


def test_readable_records_have_the_contract_fields(
    corpus: Corpus, capsys: pytest.CaptureFixture[str]
) -> None:
    _, records = run_jsonl(capsys, corpus.all)
    readable = [r for r in records if "error" not in r]
    assert [r["source"] for r in readable] == [corpus.utf8, corpus.gbk, corpus.big5, corpus.html]
    for record in readable:
        check_record(record)
        assert record["amounts"] and record["organizations"] and record["regions"]


# --- Offsets point into the document text -------------------------------------------------------
def test_offsets_slice_the_document_text(corpus: Corpus, capsys: pytest.CaptureFixture[str]) -> None:
    _, records = run_jsonl(capsys, corpus.readable)
    for record in records:
        text = document_text(record["source"])
        assert record["text"] == text
        for amount in record["amounts"]:
            assert text[amount["start"] : amount["end"]] == amount["raw"], (record["source"], amount)
        for entry in [*record["organizations"], *record["regions"]]:
            written = [text[start:end] for start, end in entry["spans"]]
            # Every span is one of the surfaces, and every surface is some span.
            assert set(written) == set(entry["surfaces"]), (record["source"], entry)


def test_plain_text_records_carry_the_input_as_read(
    corpus: Corpus, capsys: pytest.CaptureFixture[str]
) -> None:
    _, records = run_jsonl(capsys, [corpus.utf8, corpus.gbk, corpus.big5])
    assert [r["text"] for r in records] == [UTF8_ARTICLE, GBK_ARTICLE, BIG5_ARTICLE]


def test_html_page_without_an_article_gives_an_error_record(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    menu = tmp_path / "menu.html"
    menu.write_text('<html><body><ul class="menu"><li><a href="/">首页</a></li></ul></body></html>')
    _, (record,) = run_jsonl(capsys, [str(menu)])
    assert set(record) == {"source", "error"} and "no main text" in record["error"]


def test_html_offsets_point_into_headline_and_main_text(
    corpus: Corpus, capsys: pytest.CaptureFixture[str]
) -> None:
    _, (record,) = run_jsonl(capsys, [corpus.html])
    document = read_document(Path(corpus.html).read_bytes(), corpus.html)
    assert document.is_html
    assert record["text"] == document.text  # the text the offsets below index
    assert document.text.startswith("长沙县慈善会发放助学金\n")  # the headline, then the body
    assert "版权所有" not in document.text and "专题" not in document.text  # no furniture
    assert record["title"] == "长沙县慈善会发放助学金"
    assert record["published"] == "2026-09-01"
    assert [(a["raw"], a["value"], a["currency"]) for a in record["amounts"]] == [
        ("80万元", 800000, "CNY"),
        ("4000元", 4000, "CNY"),
    ]
    for amount in record["amounts"]:
        assert document.text[amount["start"] : amount["end"]] == amount["raw"]
    assert {o["name"] for o in record["organizations"]} == {
        "长沙县慈善会",
        "湖南省慈善总会",
        "长沙县人民政府",
    }
    assert {r["code"] for r in record["regions"]} == {"430121", "430000"}


# --- What the articles say ----------------------------------------------------------------------
def test_hong_kong_big5_article(corpus: Corpus, capsys: pytest.CaptureFixture[str]) -> None:
    _, (record,) = run_jsonl(capsys, [corpus.big5])
    assert record["variant"] == "traditional"
    assert record["locale"] == "hk"  # read from the text (本港, 港幣): no --locale given
    assert record["title"] == "公益金籌款再創新高"
    amounts = record["amounts"]
    plain, hkd, twd = amounts
    assert (plain["raw"], plain["value"], plain["currency"]) == ("120萬元", 1200000, "HKD")
    assert (hkd["raw"], hkd["value"], hkd["currency"]) == ("港幣2億元", 200000000, "HKD")
    assert (twd["value"], twd["currency"], twd["approximate"]) == (800000000, "TWD", True)
    assert twd["raw"].endswith("新臺幣8億元")
    assert twd["conversion_of"] == amounts.index(hkd)
    assert plain["conversion_of"] is None and hkd["conversion_of"] is None


def test_locale_option_overrides_what_the_text_says(
    corpus: Corpus, capsys: pytest.CaptureFixture[str]
) -> None:
    main(["extract", "--jsonl", "--locale", "mo", corpus.big5])
    (record,) = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert record["locale"] == "mo"
    assert [a["currency"] for a in record["amounts"]] == ["MOP", "HKD", "TWD"]  # only plain 元 moves


def test_gbk_article_decodes(corpus: Corpus, capsys: pytest.CaptureFixture[str]) -> None:
    _, (record,) = run_jsonl(capsys, [corpus.gbk])
    assert record["variant"] == "simplified"
    assert record["title"] == "延边州红十字会向敦化市拨付救灾款"
    assert record["published"] == "2026-08-03"
    organizations = {o["name"]: o for o in record["organizations"]}
    assert set(organizations) == {"延边朝鲜族自治州红十字会", "吉林省慈善总会"}
    red_cross = organizations["延边朝鲜族自治州红十字会"]
    assert red_cross["type"] == "red_cross"
    assert set(red_cross["surfaces"]) == {"延边州红十字会", "延边朝鲜族自治州红十字会"}
    assert organizations["吉林省慈善总会"]["type"] == "charity_federation"
    assert [(a["value"], a["currency"], a["approximate"]) for a in record["amounts"]] == [
        (850000, "CNY", False),
        (1200000, "CNY", True),
    ]
    regions = {r["code"]: r for r in record["regions"]}
    assert regions["222403"]["name"] == "敦化市" and regions["222403"]["role"] == "beneficiary"
    assert regions["222400"]["name"] == "延边朝鲜族自治州"


def test_utf8_article(corpus: Corpus, capsys: pytest.CaptureFixture[str]) -> None:
    _, (record,) = run_jsonl(capsys, [corpus.utf8])
    assert record["variant"] == "simplified" and record["locale"] == "mainland"
    assert record["title"] == "杭州市慈善总会收到爱心企业捐款536万4120元"
    assert record["published"] == "2026-11-18"
    assert [(a["raw"], a["value"], a["currency"]) for a in record["amounts"]] == [
        ("536万4120元", 5364120, "CNY"),  # the headline
        ("536万4120元", 5364120, "CNY"),
        ("1.2亿元", 120000000, "CNY"),
        ("约300万元", 3000000, "CNY"),
    ]
    assert record["amounts"][1]["role"] == "donated"
    assert record["amounts"][3]["approximate"] is True
    check_amount_links(record["amounts"])
    regions = {r["code"]: r for r in record["regions"]}
    assert regions["430121"]["name"] == "长沙县" and regions["430121"]["role"] == "beneficiary"
    assert regions["330100"]["role"] == "seat"  # only ever named inside 杭州市慈善总会


def test_utf8_article_what_the_money_means(corpus: Corpus, capsys: pytest.CaptureFixture[str]) -> None:
    """The headline repeats the body's gift; the year's running total is not a gift and the
    sum 其中 takes out of it is part of it; the one gift names its giver and its recipient."""
    _, (record,) = run_jsonl(capsys, [corpus.utf8])
    headline, body, running, part = record["amounts"]
    assert (headline["restates"], headline["gift"]) == (1, False)
    assert body["gift"] is True and body["restates"] is None
    assert body["giver"] == {"kind": "organization", "name": "浙江某科技有限公司", "code": None}
    assert body["recipient"] == {"kind": "organization", "name": "杭州市慈善总会", "code": None}
    assert (running["role"], running["cumulative"], running["gift"]) == ("raised", True, False)
    assert (part["restates"], part["gift"]) == (2, False)
    assert part["recipient"] == {"kind": "region", "name": "长沙县", "code": "430121"}


def test_gbk_article_disbursement_names_payer_and_place(
    corpus: Corpus, capsys: pytest.CaptureFixture[str]
) -> None:
    _, (record,) = run_jsonl(capsys, [corpus.gbk])
    paid = record["amounts"][0]
    assert (paid["role"], paid["gift"]) == ("disbursed", True)
    assert paid["giver"] == {"kind": "organization", "name": "延边朝鲜族自治州红十字会", "code": None}
    assert paid["recipient"] == {"kind": "region", "name": "敦化市", "code": "222403"}


def test_utf8_article_organization_names(corpus: Corpus, capsys: pytest.CaptureFixture[str]) -> None:
    _, (record,) = run_jsonl(capsys, [corpus.utf8])
    assert {o["name"] for o in record["organizations"]} == {"杭州市慈善总会", "浙江某科技有限公司"}


# --- The table ----------------------------------------------------------------------------------
def test_table_names_each_source_and_each_error(corpus: Corpus, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["extract", *corpus.all])
    captured = capsys.readouterr()
    assert code == 1
    headers = [line for line in captured.out.splitlines() if line.startswith("== ")]
    assert len(headers) == len(corpus.all)
    for path, header in zip(corpus.all, headers, strict=True):
        assert header.startswith(f"== {path}")
    missing_line = next(h for h in headers if h.startswith(f"== {corpus.missing}"))
    assert "FileNotFoundError" in missing_line
    binary_line = next(h for h in headers if h.startswith(f"== {corpus.binary}"))
    assert "binary" in binary_line
    assert "2 of 6 file(s) could not be read" in captured.err
    assert not captured.out.lstrip().startswith("{")  # a table, not JSON
    assert "5,364,120 CNY" in captured.out
    assert "200,000,000 HKD" in captured.out
    assert "restates #1" in captured.out
    assert "延边朝鲜族自治州红十字会" in captured.out
