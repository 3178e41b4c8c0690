"""Publication dates as news pages write them."""

from __future__ import annotations

import re
from datetime import date, datetime

_ISO = re.compile(
    r"(?P<y>20\d{2}|19\d{2})[-/.年](?P<m>\d{1,2})[-/.月](?P<d>\d{1,2})日?"
    r"(?:\s*(?P<H>\d{1,2})[:：时](?P<M>\d{2})(?:[:：分](?P<S>\d{2}))?)?"
)
# 民國114年8月15日 / 中華民國115年11月17日: the ROC calendar (year 1 = 1912).
_ROC = re.compile(r"民[國国](?P<y>\d{2,3})年(?P<m>\d{1,2})月(?P<d>\d{1,2})日")
# Dates in article URLs: /2022-09/16/, /202312/17/, /20261117-slug
_URL_DATE = re.compile(r"/(20\d{2})-?(\d{2})/(\d{2})/|/(20\d{2})(\d{2})(\d{2})(?:[-_/]|\.html?)")
_PUBLISH_LABEL = re.compile(r"(?:发布时间|发布日期|發佈時間|發佈日期|發布日期|日期|时间|時間)[:：]?\s*")


def _build(
    y: int, m: int, d: int, hh: str | None = None, mm: str | None = None, ss: str | None = None
) -> datetime | None:
    try:
        return datetime(y, m, d, int(hh or 0), int(mm or 0), int(ss or 0))
    except ValueError:
        return None


def parse_date(text: str) -> datetime | None:
    """The first complete date in ``text`` (Gregorian or ROC calendar)."""
    roc = _ROC.search(text)
    iso = _ISO.search(text)
    if roc and (iso is None or roc.start() < iso.start()):
        return _build(int(roc["y"]) + 1911, int(roc["m"]), int(roc["d"]))
    if iso:
        return _build(int(iso["y"]), int(iso["m"]), int(iso["d"]), iso["H"], iso["M"], iso["S"])
    return None


def find_published(text: str) -> datetime | None:
    """A date after a publish label (发布时间：…) if there is one, else the first date."""
    label = _PUBLISH_LABEL.search(text)
    if label:
        found = parse_date(text[label.end() : label.end() + 40])
        if found:
            return found
    return parse_date(text)


def date_from_url(url: str) -> date | None:
    m = _URL_DATE.search(url)
    if not m:
        return None
    y, mo, d = (m.group(1), m.group(2), m.group(3)) if m.group(1) else m.group(4, 5, 6)
    built = _build(int(y), int(mo), int(d))
    return built.date() if built else None
