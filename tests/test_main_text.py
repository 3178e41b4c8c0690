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
        ("发布日期： 9/17/2004 5:54:13 AM", date(2004, 9, 17)),  # en-US, month first (ASP sites)
        ("发布日期： 3/4/2006 8:05:10 PM", date(2006, 3, 4)),
        ("17/9/2004", date(2004, 9, 17)),  # 17 cannot be a month: day first
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


@pytest.mark.parametrize(
    ("page", "title", "published", "first", "last", "furniture"),
    [
        # "Site - Headline": the headline part of <title> agrees, not the site name in the logo.
        (
            "site_first_title",
            "渔港志愿者冬季送暖活动圆满结束",
            "2024-12-28",
            "12月27日",
            "两个镇。",
            "版权所有",
        ),
        # A <title> that is only the site, a forum subject printed after a "主题：" label.
        (
            "forum_subject",
            "我们小区的旧衣回收箱到底送到哪里去了？",
            "2024-10-09",
            "楼下",
            "你们的经历。",
            "Copyright",
        ),
        # Only the site name in <title>; the headline is a coloured line in the post's header row.
        (
            "site_name_title",
            "看完《海边的小图书馆》：一座书屋和一个渔村",
            None,
            "这部纪录片",
            "这个地方。",
            "返回",
        ),
        # "作者：标题" above the body, which repeats the headline proper; month-first en-US date.
        ("author_prefix", "我在山区小学当了一年志愿者", "2006-03-14", "林夕", "添置图书。", "All rights"),
        # A blog archive of dated posts: the first (newest) post, not the longest.
        ("blog_archive", "周末去敬老院包饺子 (图)", "2024-11-18", "周六上午", "说说话。", "露天电影"),
        # A comment thread longer than the post it follows stays out.
        ("blog_comments", "入驻公益博客", "2024-05-20", "受朋友邀请", "对大家有用。", "顶一下"),
        # The post's own footer lines: read counts and trackback links.
        ("blog_comments", "入驻公益博客", "2024-05-20", "受朋友邀请", "对大家有用。", "已被阅读"),
        ("blog_comments", "入驻公益博客", "2024-05-20", "受朋友邀请", "对大家有用。", "引用通告"),
        # An agenda whose venue lines recur far apart: each is text, kept each time.
        (
            "agenda_repeats",
            "第三届社区公益论坛会议日程",
            "2024-10-15",
            "第三届社区公益论坛",
            "一楼报告厅",
            "版权所有",
        ),
        # The text ends announcing an attachment ("附：…"); the table after it is part of it.
        (
            "attachment_table",
            "慈善艺术学院2025年公益讲师招募简章",
            None,
            "一、招募对象",
            "白沙村小学",
            "Copyright",
        ),
        # A forum post header dated just before the headline; an older date inside the text.
        ("post_header_date", "农村留守儿童的阅读状况调查", "2024-06-12", "张晓、李明", "读起来。", "powered"),
        # A table beside a <form> holding only another table: both are the page's text.
        (
            "form_siblings",
            "[原创]请正确看待乡村捐赠！",
            None,
            "公益社区-大话公益",
            "正常登录",
            "→",
        ),
        # The headline is the whole <title>, however short: a serial's chapter number.
        ("chapter_number", "3", None, "《灯塔》连载简介", "过年的热闹。", "读书频道"),
        # Replies under the article, inside its container, after a "网友回复" heading.
        ("reply_heading", "社区图书漂流站开张", "2024-04-23", "4月22日", "送去修补。", "明天送过去"),
        # Marks printed before a heading (a bullet, a level sign) are not part of it.
        ("bullet_heading", "第二编 近代", None, "*第二编 近代", "一种形式。", "无规矩"),
    ],
)
def test_more_error_class_pages(
    page: str, title: str, published: str | None, first: str, last: str, furniture: str
) -> None:
    raw = (ARTICLE_PAGES / f"{page}.html").read_bytes()
    article = parse_article(f"http://news.example/{page}.asp?id=7", raw, "text/html; charset=utf-8")
    assert article.title == title
    found = article.published.date().isoformat() if article.published else None
    assert found == published
    lines = article.body.split("\n")
    assert lines[0].startswith(first) and lines[-1].endswith(last), lines
    assert furniture not in article.body


def test_agenda_keeps_each_venue_line() -> None:
    raw = (ARTICLE_PAGES / "agenda_repeats.html").read_bytes()
    body = parse_article("http://news.example/a.asp", raw, "text/html; charset=utf-8").body
    assert body.count("地 点：滨江大学图书馆一楼报告厅") == 2
    assert body.count("地 点：公共管理学院三楼会议室") == 2


def test_undecodable_bytes_are_counted_not_kept() -> None:
    raw = (
        "<html><head><title>助学金发放</title></head><body><h1>助学金发放</h1><p>".encode()
        + "县慈善总会向一百名学生发放助学金".encode()
        + b"\xff\xfe"
        + "，每人两千元，用于购买学习用品和冬衣。".encode()
        + b"</p></body></html>"
    )
    article = parse_article("http://news.example/a.html", raw, "text/html; charset=utf-8")
    assert article.replacement_chars > 0
    assert "\ufffd" not in article.body and "助学金，每人两千元" in article.body
