"""A fictional fortnight of charity news for the digest tests, as staging records.

Week 2026-W47 (11月16日—22日) and the week before.  Every offset is computed from the text.
What each report is there to show is said beside it; the expected numbers in the tests follow
from these texts alone.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from typing import Any

from spiders.registry import Site
from tests.warehouse_rows import SITE

OTHER_SITE = Site(
    name="lianhe",
    title="联合公益报",
    homepage="http://lianhe.example/",
    start_urls=("http://lianhe.example/",),
    list_url_pattern=re.compile("x"),
    article_url_pattern=re.compile("y"),
)
SITES = [SITE, OTHER_SITE]
WEEK = "2026-W47"


@dataclass(frozen=True)
class Sentence:
    text: str
    organizations: tuple[tuple[str, str], ...] = ()  # (name as written = canonical, type)
    regions: tuple[tuple[str, str, str], ...] = ()  # (surface, code, role)
    amounts: tuple[tuple[str, int, str, str], ...] = ()  # (surface, value, currency, role)
    # What each amount means, as the extractor writes it (gift, restates, giver, recipient);
    # empty: a record of an extractor before meanings existed.
    meanings: tuple[dict[str, Any], ...] = ()


@dataclass(frozen=True)
class Report:
    url: str
    site: str
    published: str
    title: str
    sentences: tuple[Sentence, ...]
    tail: str = field(default="")


def staging_row(report: Report) -> dict[str, Any]:
    body = "".join(s.text for s in report.sentences) + report.tail
    amounts, organizations, regions = [], [], []
    cursor = 0
    for sentence in report.sentences:
        s_start = body.index(sentence.text, cursor)
        s_end = cursor = s_start + len(sentence.text)
        bounds = {"sentence_start": s_start, "sentence_end": s_end}
        for name, kind in sentence.organizations:
            start = body.index(name, s_start)
            organizations.append(
                {
                    "surface": name,
                    "name": name,
                    "type": kind,
                    "start": start,
                    "end": start + len(name),
                    **bounds,
                    "expanded_from_context": False,
                }
            )
        for surface, code, role in sentence.regions:
            start = body.index(surface, s_start)
            regions.append(
                {
                    "surface": surface,
                    "code": code,
                    "start": start,
                    "end": start + len(surface),
                    **bounds,
                    "role": role,
                }
            )
        meanings = sentence.meanings or ({},) * len(sentence.amounts)
        for (surface, value, currency, role), meaning in zip(sentence.amounts, meanings, strict=True):
            start = body.index(surface, s_start)
            if meaning:
                meaning = {"gift": True, "restates": None, "giver": None, "recipient": None, **meaning}
            amounts.append(
                {
                    "raw": surface,
                    "start": start,
                    "end": start + len(surface),
                    **bounds,
                    "value": str(value),
                    "currency": currency,
                    "qualifier": "exact",
                    "high": None,
                    "role": role,
                    "cumulative": False,
                    "conversion_of": None,
                    **meaning,
                }
            )
    return {
        "url": report.url,
        "site": report.site,
        "title": report.title,
        "published": report.published,
        "fetched_at": "2026-11-21T10:00:00+00:00",
        "variant": "simplified",
        "encoding": "utf-8",
        "text": body,
        "simplified": body,
        "content_hash": hashlib.sha256(body.encode()).hexdigest(),
        "fingerprint": int(hashlib.sha256(body.encode()).hexdigest()[:15], 16),
        "source_line": None,
        "extractor_version": "test",
        "amounts": amounts,
        "organizations": organizations,
        "regions": regions,
    }


QINGHE = ("青禾公益基金会", "foundation")
YUNNAN_RED_CROSS = ("云南省红十字会", "red_cross")
SONGXI = ("松溪市慈善总会", "charity_federation")
HUAHE = ("华禾控股集团有限公司", "company")
GANGJIU = ("港九慈善基金会", "foundation")
MACAU_MUTUAL = ("澳门仁爱互助会", "other")
HUAIAN = ("槐安市红十字会", "red_cross")


def org(name: str) -> dict[str, Any]:
    return {"kind": "organization", "name": name, "code": None}


def place(name: str, code: str) -> dict[str, Any]:
    return {"kind": "region", "name": name, "code": code}


_NUJIANG = Sentence(
    "青禾公益基金会向云南省红十字会捐赠300万元，用于怒江州山区学校的饮水工程。",
    organizations=(QINGHE, YUNNAN_RED_CROSS),
    regions=(("怒江", "533300", "beneficiary"),),
    amounts=(("300万元", 3_000_000, "CNY", "donated"),),
    meanings=({"giver": org("青禾公益基金会"), "recipient": org("云南省红十字会")},),
)
_NUJIANG_TAIL = "项目覆盖福贡、贡山两县的十二所小学，预计明年春季学期前完工，受益师生约三千人。"

REPORTS = (
    # Last week: Yunnan 100万 (this week 300万: +200%), Hunan 80万 (nothing this week: −100%).
    Report(
        "http://demo.example/news/zhaotong",
        "demo",
        "2026-11-10T09:00:00",
        "青禾公益基金会资助昭通助学",
        (
            Sentence(
                "青禾公益基金会向云南省红十字会捐赠100万元，资助昭通市贫困家庭学生完成学业。",
                organizations=(QINGHE, YUNNAN_RED_CROSS),
                regions=(("昭通市", "530600", "beneficiary"),),
                amounts=(("100万元", 1_000_000, "CNY", "donated"),),
                meanings=({"giver": org("青禾公益基金会"), "recipient": org("云南省红十字会")},),
            ),
        ),
        "首批受助学生共四百二十人，名单已在县教育局公示。",
    ),
    Report(
        "http://demo.example/news/xiangxi",
        "demo",
        "2026-11-12T15:00:00",
        "槐安市红十字会驰援湘西",
        (
            Sentence(
                "槐安市红十字会向湘西土家族苗族自治州捐赠80万元，用于受灾群众过冬物资。",
                organizations=(HUAIAN,),
                regions=(("湘西土家族苗族自治州", "433100", "beneficiary"),),
                amounts=(("80万元", 800_000, "CNY", "donated"),),
                meanings=(
                    {"giver": org("槐安市红十字会"), "recipient": place("湘西土家族苗族自治州", "433100")},
                ),
            ),
        ),
        "物资包括棉被、棉衣和取暖器，已于当日启运。",
    ),
    # This week.  A gift with donor and receiver, syndicated by a second site two days later.
    Report(
        "http://demo.example/news/nujiang",
        "demo",
        "2026-11-16T10:00:00",
        "青禾公益基金会捐建怒江饮水工程",
        (_NUJIANG,),
        _NUJIANG_TAIL,
    ),
    Report(
        "http://lianhe.example/a/8812",
        "lianhe",
        "2026-11-18T08:30:00",
        "青禾公益基金会捐建怒江饮水工程",
        (_NUJIANG,),
        _NUJIANG_TAIL,
    ),
    # The only organization named receives; the giver is a group word.
    Report(
        "http://lianhe.example/a/8820",
        "lianhe",
        "2026-11-18T11:00:00",
        "松溪市民踊跃捐助困难家庭取暖",
        (
            Sentence(
                "当天，百余名市民向松溪市慈善总会捐赠善款5万元，用于贵阳市困难家庭冬季取暖。",
                organizations=(SONGXI,),
                regions=(("贵阳市", "520100", "beneficiary"),),
                amounts=(("5万元", 50_000, "CNY", "donated"),),
                meanings=(
                    {
                        "giver": {"kind": "group", "name": "市民", "code": None},
                        "recipient": org("松溪市慈善总会"),
                    },
                ),
            ),
        ),
        "慈善总会表示，善款将在十二月上旬发放到户。",
    ),
    # A giver and a receiving place.
    Report(
        "http://demo.example/news/dingxi",
        "demo",
        "2026-11-19T14:20:00",
        "华禾集团捐资支持定西乡村医疗",
        (
            Sentence(
                "华禾控股集团有限公司日前捐赠1200万元，支持甘肃省定西市的乡村卫生室建设。",
                organizations=(HUAHE,),
                regions=(("定西市", "621100", "beneficiary"),),
                amounts=(("1200万元", 12_000_000, "CNY", "donated"),),
                meanings=({"giver": org("华禾控股集团有限公司"), "recipient": place("定西市", "621100")},),
            ),
        ),
        "首批三十个村卫生室将在明年六月前完成设备更新。",
    ),
    # Another currency: shown in 港元 with its CNY equivalent.
    Report(
        "http://demo.example/news/macau",
        "demo",
        "2026-11-20T16:00:00",
        "港九慈善基金会支持澳门长者服务",
        (
            Sentence(
                "港九慈善基金会向澳门仁爱互助会捐赠200万港元，用于澳门长者居家照护服务。",
                organizations=(GANGJIU, MACAU_MUTUAL),
                regions=(("澳门", "820000", "beneficiary"),),
                amounts=(("200万港元", 2_000_000, "HKD", "donated"),),
                meanings=({"giver": org("港九慈善基金会"), "recipient": org("澳门仁爱互助会")},),
            ),
        ),
        "服务将覆盖约六百名独居长者。",
    ),
)


def rows() -> list[dict[str, Any]]:
    return [staging_row(r) for r in REPORTS]
