"""Staging records for warehouse tests, shaped as pipelines/staging.py writes them.

Fictional texts assembled from a few parts so that every offset is computed, not typed.
"""

from __future__ import annotations

import random
import re
from typing import Any

from spiders.registry import Site
from transforms.article import Selectors

SITE = Site(
    name="demo",
    title="示例站",
    homepage="http://demo.example/",
    start_urls=("http://demo.example/",),
    list_url_pattern=re.compile("x"),
    article_url_pattern=re.compile("y"),
    selectors=Selectors(),
)

ORGANIZATIONS = ("青禾公益基金会", "松溪市慈善总会", "槐安市红十字会", "华禾控股集团有限公司")
REGIONS = (
    ("433100", "湘西土家族苗族自治州"),
    ("520100", "贵阳市"),
    ("620000", "甘肃省"),
    ("440300", "深圳市"),
)


# Words for a filler paragraph that differs per article, so unrelated test articles are not
# near-duplicates of one another (their donor sentences share a template).
_WORDS = (
    "乡村",
    "学校",
    "图书",
    "医疗",
    "志愿",
    "老人",
    "儿童",
    "山区",
    "培训",
    "救灾",
    "食堂",
    "课桌",
    "教师",
    "助学",
    "义诊",
    "饮水",
    "道路",
    "桥梁",
    "文化",
    "体育",
    "电脑",
    "被褥",
    "药品",
    "种苗",
    "养殖",
    "技能",
    "就业",
    "住房",
    "取暖",
    "营养",
    "午餐",
    "校车",
    "书包",
    "眼镜",
    "助听",
    "康复",
)


def filler(i: int) -> str:
    rng = random.Random(i)
    return "项目还涉及" + "、".join(rng.sample(_WORDS, 14)) + "等方面。"


def _span(text: str, part: str, after: int = 0) -> tuple[int, int]:
    start = text.index(part, after)
    return start, start + len(part)


def article_row(
    i: int,
    *,
    url: str | None = None,
    amounts: tuple[int, ...] = (620,),
    version: str = "0.1.0",
    published: str = "2026-11-17T09:30:00",
    text: str | None = None,
) -> dict[str, Any]:
    """Article ``i``: one sentence per amount, each naming a donor and a beneficiary region."""
    org = ORGANIZATIONS[i % len(ORGANIZATIONS)]
    code, region = REGIONS[i % len(REGIONS)]
    sentences = [f"{org}向{region}捐赠{a}万元，用于第{i}号助学项目。" for a in amounts]
    body = text or "".join(sentences) + filler(i)
    rows_amounts, rows_orgs, rows_regions = [], [], []
    cursor = 0
    for a, sentence in zip(amounts, sentences, strict=True):
        s_start = body.index(sentence, cursor)
        s_end = s_start + len(sentence)
        cursor = s_end
        o_start, o_end = _span(body, org, s_start)
        r_start, r_end = _span(body, region, s_start)
        a_start, a_end = _span(body, f"{a}万元", r_end)
        bounds = {"sentence_start": s_start, "sentence_end": s_end}
        rows_amounts.append(
            {
                "raw": f"{a}万元",
                "start": a_start,
                "end": a_end,
                **bounds,
                "value": str(a * 10000),
                "currency": "CNY",
                "qualifier": "exact",
                "high": None,
                "role": "donated",
                "cumulative": False,
                "conversion_of": None,
                "restates": None,
                "gift": True,
                "giver": {"kind": "organization", "name": org, "code": None},
                "recipient": {"kind": "region", "name": region, "code": code},
            }
        )
        rows_orgs.append(
            {
                "surface": org,
                "name": org,
                "type": "foundation",
                "start": o_start,
                "end": o_end,
                **bounds,
                "expanded_from_context": False,
            }
        )
        rows_regions.append(
            {"surface": region, "code": code, "start": r_start, "end": r_end, **bounds, "role": "beneficiary"}
        )
    return {
        "url": url or f"http://demo.example/news/{i}",
        "site": "demo",
        "title": f"第{i}号助学项目",
        "published": published,
        "fetched_at": "2026-11-21T10:00:00+00:00",
        "variant": "simplified",
        "encoding": "utf-8",
        "text": body,
        "simplified": body,
        "content_hash": f"h{i}",
        "fingerprint": i,
        "source_line": None,
        "extractor_version": version,
        "amounts": rows_amounts,
        "organizations": rows_orgs,
        "regions": rows_regions,
    }
