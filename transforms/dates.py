"""Publication dates as news pages write them.

Forms: ``2024-03-15``, ``2023-05-02 09:12:40``, ``2024年3月5日``, ``2024/02/07 19:05``,
``9/17/2004 5:54:13 AM`` (month first, the en-US form of ASP sites); Chinese
numerals (``二〇二四年三月五日``); the ROC calendar (``民國114年8月15日``, ``一一二年十二月三日``,
and ``113-05-10`` after a publish label, as Taiwan's government sites write it); dates in URLs
(``/2022-09/16/``, ``/202312/17/``, ``/2023/0510/``, ``t20231217_``); and year-less ``05-10`` or
``5月10日`` completed with the year from the URL.
"""

from __future__ import annotations

import re
from datetime import date, datetime

_ISO = re.compile(
    r"(?P<y>20\d{2}|19\d{2})[-/.年](?P<m>\d{1,2})[-/.月](?P<d>\d{1,2})日?"
    r"(?:\s*(?P<H>\d{1,2})[:：时](?P<M>\d{2})(?:[:：分](?P<S>\d{2}))?)?"
)
# 7/5/2005 9:23:57 PM: month first, as ASP and .NET sites print dates in the en-US locale (a
# first number above 12 can only be a day: 17/9/2004 is read day first).
_YEAR_LAST = re.compile(
    r"(?<![\d/.])(?P<a>\d{1,2})/(?P<b>\d{1,2})/(?P<y>(?:19|20)\d{2})(?![\d/])"
    r"(?:\s+(?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2}))?(?:\s*(?P<p>[AaPp])\.?[Mm]\.?)?)?"
)
# 民國114年8月15日 / 中華民國115年11月17日: the ROC calendar (year 1 = 1912).
_ROC = re.compile(r"民[國国]\s*(?P<y>\d{2,3})\s*年\s*(?P<m>\d{1,2})\s*月\s*(?P<d>\d{1,2})\s*日")
# 113-05-10 / 113/5/10 / 113.05.10: a three-digit year is an ROC year, trusted after a label only.
_ROC_NUMERIC = re.compile(r"(?<!\d)(?P<y>1[0-4]\d|[6-9]\d)[-/.](?P<m>\d{1,2})[-/.](?P<d>\d{1,2})(?!\d)")
# 二〇二四年三月五日 (Gregorian) / 一一二年十二月三日 (ROC): digits written as characters.
_HAN_DIGITS = "〇○零一二三四五六七八九"
_HAN_DIGIT_VALUES = {c: max(0, _HAN_DIGITS.index(c) - 2) for c in _HAN_DIGITS}
_HAN_DATE = re.compile(
    rf"(?P<y>[{_HAN_DIGITS}]{{2,4}})年(?P<m>[一二三四五六七八九十]{{1,3}})月"
    r"(?P<d>[一二三四五六七八九十廿卅]{1,3})日"
)
# Dates in article URLs: /2022-09/16/, /202312/17/, /20261117-slug, /2023/0510/, /2024/3/5/
_URL_DATE = re.compile(
    r"/(?P<a>20\d{2})-?(?P<b>\d{2})/(?P<c>\d{2})/"
    r"|[/_t](?P<d>20\d{2})(?P<e>\d{2})(?P<f>\d{2})(?:[-_/.]|$)"
    r"|/(?P<g>20\d{2})/(?P<h>\d{2})(?P<i>\d{2})/"
    r"|/(?P<j>20\d{2})/(?P<k>\d{1,2})/(?P<l>\d{1,2})/"
)
_URL_YEAR = re.compile(r"/(20\d{2})(?:[-/]|\d{2,4}[-/_])")
_PUBLISH_LABEL = re.compile(
    r"(?:发布时间|发布日期|發佈時間|發佈日期|發布日期|發布時間|发表时间|發表時間|更新时间|日期|时间|時間)[:：]?\s*"
)
# Year-less month and day after a label or at the start of a date line: 05-10 16:20, 5月10日.
_MONTH_DAY = re.compile(
    r"(?<![\d年/-])(?P<m>\d{1,2})(?:-|月)(?P<d>\d{1,2})(?:日|(?=\s+\d{1,2}:\d{2})|(?!\d))"
)


def _build(
    y: int, m: int, d: int, hh: str | None = None, mm: str | None = None, ss: str | None = None
) -> datetime | None:
    try:
        return datetime(y, m, d, int(hh or 0), int(mm or 0), int(ss or 0))
    except ValueError:
        return None


def _han_number(text: str) -> int | None:
    """一 … 三十一 (and 廿/卅) as an integer."""
    digits = {c: i for i, c in enumerate("零一二三四五六七八九")}
    text = text.replace("廿", "二十").replace("卅", "三十")
    if "十" in text:
        tens, _, units = text.partition("十")
        value = (digits.get(tens, 0) if tens else 1) * 10 + (digits.get(units, 0) if units else 0)
        return value if (not tens or tens in digits) and (not units or units in digits) else None
    return digits.get(text)


def _han_date(match: re.Match[str]) -> datetime | None:
    year = int("".join(str(_HAN_DIGIT_VALUES[c]) for c in match["y"]))
    if len(match["y"]) <= 3:
        year += 1911  # a two- or three-digit year in characters is an ROC year
    month, day = _han_number(match["m"]), _han_number(match["d"])
    if month is None or day is None:
        return None
    return _build(year, month, day)


def _year_last(match: re.Match[str]) -> datetime | None:
    month, day = int(match["a"]), int(match["b"])
    if month > 12 >= day:
        month, day = day, month
    hour = int(match["H"] or 0)
    if match["p"] and match["p"].lower() == "p" and hour < 12:
        hour += 12
    elif match["p"] and match["p"].lower() == "a" and hour == 12:
        hour = 0
    return _build(int(match["y"]), month, day, str(hour), match["M"], match["S"])


def parse_date(text: str) -> datetime | None:
    """The first complete date in ``text`` (Gregorian or ROC calendar, digits or characters)."""
    found: list[tuple[int, datetime]] = []
    if (roc := _ROC.search(text)) and (built := _build(int(roc["y"]) + 1911, int(roc["m"]), int(roc["d"]))):
        found.append((roc.start(), built))
    if (iso := _ISO.search(text)) and (
        built := _build(int(iso["y"]), int(iso["m"]), int(iso["d"]), iso["H"], iso["M"], iso["S"])
    ):
        found.append((iso.start(), built))
    if (han := _HAN_DATE.search(text)) and (built := _han_date(han)):
        found.append((han.start(), built))
    if (last := _YEAR_LAST.search(text)) and (built := _year_last(last)):
        found.append((last.start(), built))
    return min(found, key=lambda pair: pair[0])[1] if found else None


def has_publish_label(text: str) -> bool:
    """Whether ``text`` carries a publish label with a number after it (发布时间：2024…, 日期 5月…),
    not the word inside a sentence (阅读时间、…)."""
    return any(text[label.end() : label.end() + 1].isdigit() for label in _PUBLISH_LABEL.finditer(text))


def last_date(text: str) -> datetime | None:
    """The last complete Gregorian date in ``text`` (the one nearest what follows it)."""
    for match in reversed(list(_ISO.finditer(text))):
        if built := _build(int(match["y"]), int(match["m"]), int(match["d"]), match["H"], match["M"]):
            return built
    return None


def _after_label(text: str) -> datetime | None:
    for label in _PUBLISH_LABEL.finditer(text):
        window = text[label.end() : label.end() + 40]
        found = parse_date(window)
        if found is None and (roc := _ROC_NUMERIC.match(window)):
            found = _build(int(roc["y"]) + 1911, int(roc["m"]), int(roc["d"]))
        if found:
            return found
    return None


def find_published(text: str) -> datetime | None:
    """A date after a publish label (发布时间：…) if there is one, else the first date."""
    return _after_label(text) or parse_date(text)


def date_from_url(url: str) -> date | None:
    m = _URL_DATE.search(url)
    if not m:
        return None
    groups = [g for g in m.groups() if g is not None]
    built = _build(int(groups[0]), int(groups[1]), int(groups[2]))
    return built.date() if built else None


def year_from_url(url: str) -> int | None:
    m = _URL_YEAR.search(url)
    return int(m.group(1)) if m else None


def month_day_with_year(text: str, year: int) -> datetime | None:
    """A year-less date (``05-10 16:20``, ``5月10日``) at the start of ``text`` or after a label,
    completed with ``year`` (from the URL or the page's context)."""
    label = _PUBLISH_LABEL.search(text[:80])
    start = label.end() if label else 0
    m = _MONTH_DAY.search(text[start : start + 40]) if label else _MONTH_DAY.match(text.lstrip()[:40])
    if not m:
        return None
    return _build(year, int(m["m"]), int(m["d"]))
