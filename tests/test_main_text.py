"""Publication dates in every form the field guide lists, page decoding, and the main-text
fixture pages as a regression floor (the measurement itself is ``make eval``)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from evaluation.main_text import load_gold, ours
from evaluation.text_scores import lcs_f1, lcs_length, snippet_recall
from transforms.article import parse_article
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


def test_lcs_scores() -> None:
    assert lcs_f1("善款用于助学", "善款 用于\n助学") == (1.0, 1.0, 1.0)  # whitespace does not count
    precision, recall, _ = lcs_f1("首页善款", "善款用于")
    assert (precision, recall) == (0.5, 0.5)
    assert lcs_f1("", "善款")[2] == 0.0
    assert lcs_length("款善", "善款") == 1  # order matters, unlike a bag of characters
    assert lcs_length("ABCBDAB", "BDCABA") == 4
    assert snippet_recall("甲乙丙丁", ["乙 丙", "戊己"]) == 0.5


def test_fixture_pages_stay_extracted() -> None:
    """Regression floor on the tuning pages; the comparison with the peers is ``make eval``."""
    pages = load_gold()
    scores = [lcs_f1(ours(page).body, page.body)[2] for page in pages]
    dates = [ours(page).published == page.published for page in pages]
    assert sum(scores) / len(scores) >= 0.95
    assert sum(dates) / len(dates) >= 0.9


# --- One fictional page per error class real pages showed (tests/fixtures/article_pages/) -------
ARTICLE_PAGES = Path(__file__).parent / "fixtures" / "article_pages"


@pytest.mark.parametrize(
    ("page", "title", "published", "first", "last", "furniture"),
    [
        # The whole page inside one ASP.NET <form>, a search form nested in it.
        ("aspnet_form", "春晖助学金发放仪式在县一中举行", "2024-09-06", "9月5日上午", "回报社会。", "搜索"),
        # Wrappers whose class merely contains a furniture word (navigation, sidebar).
        ("wrapper_class", "社区食堂为独居老人送餐满一年", "2024-03-12", "去年3月", "测量血压。", "热门文章"),
        # Misspelled, custom and namespaced elements, text split by <br>.
        ("custom_element", "爱心书屋落户渔港小学", "2023-11-20", "渔港小学", "向附近村民开放。", "Copyright"),
        # Text below a 展开全文 fold, in a hidden second block.
        ("fold", "山区学校迎来第一批支教老师", "2024-08-30", "8月29日", "40多户学生家庭。", "展开全文"),
        # A government notice split over three sibling blocks.
        (
            "gov_siblings",
            "市民政局关于2024年慈善组织年报工作的通知",
            "2024-04-02",
            "各区民政局",
            "2024年4月2日",
            "备案号",
        ),
        # The first <h1> is the logo, the second a section name; og:title and <title> agree on the headline.
        ("logo_h1", "新春慰问走进福利院", "2025-01-20", "1月19日", "感谢信。", "公益动态"),
        # No <title> and no <h1>: the bold, big, centred line is the headline.
        ("no_title", "老兵志愿服务队的十年", "2006-05-18", "十年前", "一直干下去。", "作者"),
        # Dated related-story lists before and after the article; its own date closes the notice.
        (
            "related_dates",
            "关于公布2024年度“慈善之星”评选结果的公告",
            "2024-07-03",
            "经各乡镇推荐",
            "2024年7月3日",
            "理事会",
        ),
    ],
)
def test_error_class_pages(
    page: str, title: str, published: str, first: str, last: str, furniture: str
) -> None:
    raw = (ARTICLE_PAGES / f"{page}.html").read_bytes()
    article = parse_article(f"http://news.example/{page}.aspx?id=7", raw, "text/html; charset=utf-8")
    assert article.title == title
    assert article.published is not None and article.published.date().isoformat() == published
    lines = article.body.split("\n")
    assert lines[0].startswith(first) and lines[-1].endswith(last), lines
    assert furniture not in article.body
