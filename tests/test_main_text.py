"""Publication dates in every form the field guide lists, page decoding, and the main-text
fixture pages as a regression floor (the measurement itself is ``make eval``)."""

from __future__ import annotations

from datetime import date

import pytest

from evaluation.main_text import char_f1, load_gold, ours
from transforms.dates import date_from_url, find_published, month_day_with_year, year_from_url
from transforms.encoding import codec_for, decode_page


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("发布时间:2022-03-15", date(2022, 3, 15)),
        ("2023-05-02 09:12:40", date(2023, 5, 2)),
        ("2024年3月5日", date(2024, 3, 5)),  # htmldate's known failure: 2024-01-01
        ("2024/02/07 19:05", date(2024, 2, 7)),
        ("民國114年8月15日", date(2025, 8, 15)),
        ("中華民國115年11月17日", date(2026, 11, 17)),
        ("一○八年三月二日", date(2019, 3, 2)),
        ("日期：一一二年十二月三日", date(2023, 12, 3)),
        ("二〇二四年三月五日", date(2024, 3, 5)),
        ("二○二三年十月廿一日", date(2023, 10, 21)),
        ("發布日期：113-05-10", date(2024, 5, 10)),
        ("更新 2026年11月21日 星期六 发布时间：2024-01-09", date(2024, 1, 9)),  # the labelled date wins
    ],
)
def test_date_forms(text: str, expected: date) -> None:
    found = find_published(text)
    assert found is not None and found.date() == expected


@pytest.mark.parametrize("text", ["捐款113-05-10批次", "共计1130815元", "第05版", "5月10日"])
def test_things_that_are_not_full_dates(text: str) -> None:
    assert find_published(text) is None


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("http://a.example/news/2022-09/16/x.html", date(2022, 9, 16)),
        ("http://a.example/gzdt/202312/t20231217_4321.html", date(2023, 12, 17)),
        ("http://a.example/n1/2023/0510/c1001-34567.html", date(2023, 5, 10)),
        ("http://a.example/art/2024/3/5/art_1229_77.html", date(2024, 3, 5)),
        ("http://a.example/news/20261117-slug", date(2026, 11, 17)),
        ("http://a.example/show.asp?id=377", None),
    ],
)
def test_dates_in_urls(url: str, expected: date | None) -> None:
    assert date_from_url(url) == expected


def test_year_less_dates_take_the_year_from_the_url() -> None:
    year = year_from_url("http://a.example/n1/2023/0510/c1-2.html")
    assert year == 2023
    found = month_day_with_year("05-10 16:20　来源：区融媒体中心", year)
    assert found is not None and found.date() == date(2023, 5, 10)
    found = month_day_with_year("发布时间：5月10日 08:30", year)
    assert found is not None and found.date() == date(2023, 5, 10)


@pytest.mark.parametrize(
    ("label", "codec"),
    [
        ("GB2312", "gb18030"),
        ("gbk", "gb18030"),
        ("x-gbk", "gb18030"),
        ("big5", "big5hkscs"),
        ("UTF8", "utf-8"),
    ],
)
def test_legacy_charsets_widen_to_supersets(label: str, codec: str) -> None:
    assert codec_for(label) == codec


def test_decoding_order_header_bom_meta_detection() -> None:
    text = "港九公益金籌得善款逾三億港元，用於安老服務。"
    big5 = text.encode("big5hkscs")
    assert decode_page(big5, "text/html; charset=big5").source == "header"
    assert decode_page(b"\xef\xbb\xbf" + text.encode(), "text/html").source == "bom"
    meta = b'<meta http-equiv="Content-Type" content="text/html; charset=big5">' + big5
    assert decode_page(meta, "text/html").source == "meta"
    assert decode_page(big5, None).encoding == "big5hkscs"
    # A header that lies is not trusted when the bytes do not decode with it.
    lied = decode_page(meta, "text/html; charset=utf-8")
    assert (lied.source, lied.encoding, lied.bad_bytes) == ("meta", "big5hkscs", 0)


def test_bytes_that_decode_in_no_encoding_are_flagged_not_hidden() -> None:
    body = "慈善总会".encode() + bytes([0x81, 0xFF, 0xFE, 0x80]) * 4
    page = decode_page(body, "text/html; charset=utf-8")
    assert page.decoded_badly and page.bad_bytes >= 4
    assert page.text.startswith("慈善总会")


def test_char_f1() -> None:
    assert char_f1("善款用于助学", "善款用于助学") == (1.0, 1.0, 1.0)
    precision, recall, _ = char_f1("首页善款", "善款用于")
    assert (precision, recall) == (0.5, 0.5)
    assert char_f1("", "善款")[2] == 0.0


def test_fixture_pages_stay_extracted() -> None:
    """Regression floor on the tuning pages; the comparison with trafilatura is ``make eval``."""
    pages = load_gold()
    scores = [char_f1(ours(page).body, "\n".join(page.body))[2] for page in pages]
    dates = [ours(page).published == page.published for page in pages]
    assert sum(scores) / len(scores) >= 0.95
    assert sum(dates) / len(dates) >= 0.9
