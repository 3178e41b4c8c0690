"""Realistic staging records for the loader bench (``bench.loader``).

The bundled sample sites' articles go once through the pipeline's own normalization and
extractor (``pipelines.staging.extract_mentions``), so texts, mention counts, sentences and
offsets are what a load really receives.  Variants are then made from them, in place so that
offsets stay valid: digits redrawn and a third of the Han characters outside the mentions
swapped (two variants of one base are then no closer than two different reports), a paragraph
of the variant's own words appended, organization names drawn from a large pool (so
organizations keep being new), dates spread over seven years, unique URLs.  A few percent are
exact copies of an earlier variant under another URL: real syndication.
"""

from __future__ import annotations

import copy
import random
import tomllib
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from spiders.registry import Site
from transforms.article import Selectors
from transforms.fingerprint import content_hash
from warehouse.syndication import minhash

ROOT = Path(__file__).resolve().parent.parent
SITE = Site(
    name="bench",
    title="基准站",
    homepage="http://bench.example/",
    start_urls=("http://bench.example/",),
    list_url_pattern=__import__("re").compile("x"),
    article_url_pattern=__import__("re").compile("y"),
    selectors=Selectors(),
)
_WORDS = str.split(
    "乡村 学校 图书 医疗 志愿 老人 儿童 山区 培训 救灾 食堂 课桌 教师 助学 义诊 饮水 道路 桥梁 文化 体育 "
    "电脑 被褥 药品 种苗 养殖 技能 就业 住房 取暖 营养 午餐 校车 书包 眼镜 助听 康复 社区 护理 托育 图书馆 "
    "实验室 操场 水窖 光伏 农技 合作社 电商 冷链 旧衣 义卖 募捐 善款 透明 审计 公示 回访 结对 帮扶"
)
_KINDS = ("公益基金会", "慈善总会", "红十字会", "控股集团有限公司", "慈善协会", "教育基金会")
COPY_SHARE = 0.03  # exact copies under another URL


def base_records() -> list[dict[str, Any]]:
    """The sample sites' articles as the extract stage writes them."""
    from pipelines.staging import extract_mentions
    from transforms.normalize import normalize

    registry = tomllib.loads((ROOT / "sample_sites" / "sites.toml").read_text("utf-8"))
    locales = {site["name"]: site["locale"] for site in registry["site"]}
    articles = []
    for path in sorted((ROOT / "sample_sites").glob("*/articles/*.toml")):
        data = tomllib.loads(path.read_text("utf-8"))
        locale = locales[path.parent.parent.name]
        text = f"{data['title']}\n{data['body'].strip()}"
        normalized = normalize(text, locale)
        articles.append(
            {
                "url": f"http://bench.example/{data['slug']}",
                "site": SITE.name,
                "locale": locale,
                "region": None,
                "fetched_at": "2026-11-21T10:00:00+00:00",
                "encoding": "utf-8",
                "replacement_chars": 0,
                "title": data["title"],
                "published": None,
                "source_line": None,
                "text": text,
                "simplified": normalized.simplified,
                "variant": normalized.variant,
            }
        )
    rows, failures = extract_mentions(articles)
    assert not failures, failures
    return rows


def _vary(text: str, rng: random.Random, pool: str, keep: set[int]) -> str:
    """Digits redrawn, and about a third of the other Han characters outside ``keep`` (the
    mentions' spans) swapped for others: offsets stay valid, and two variants of one base share
    too few character 4-grams to pass for copies (as two different reports would)."""
    out = []
    for i, ch in enumerate(text):
        if ch.isdigit():
            ch = rng.choice("123456789")
        elif i not in keep and "\u4e00" <= ch <= "\u9fff" and rng.random() < 0.35:
            ch = rng.choice(pool)
        out.append(ch)
    return "".join(out)


def variants(count: int, seed: int = 16, first: int = 0) -> Iterator[dict[str, Any]]:
    """``count`` records numbered from ``first``; the same (seed, number) gives the same record."""
    bases = base_records()
    pool = "".join(sorted({ch for b in bases for ch in b["simplified"] if "\u4e00" <= ch <= "\u9fff"}))
    organizations = [f"第{i}号{_KINDS[i % len(_KINDS)]}" for i in range(20_000)]
    previous: dict[str, Any] | None = None
    for n in range(first, first + count):
        rng = random.Random(seed * 1_000_003 + n)
        if previous is not None and rng.random() < COPY_SHARE:
            row = copy.deepcopy(previous)
            row["url"] = f"http://bench.example/copy/{n}"
            yield row
            continue
        row = copy.deepcopy(bases[n % len(bases)])
        spans = {
            i
            for kind in ("amounts", "organizations", "regions")
            for x in row[kind]
            for i in range(x["start"], x["end"])
        }
        text = _vary(row["text"], random.Random(n), pool, spans)
        simplified = _vary(row["simplified"], random.Random(n), pool, spans)
        extra = "\n" + "、".join(rng.sample(_WORDS, 24)) + f"等项目第{n}期。"
        row["text"], row["simplified"] = text + extra, simplified + extra
        row["url"] = f"http://bench.example/news/{n}"
        published = datetime(2020, 1, 1) + timedelta(seconds=rng.randrange(7 * 365 * 86400))
        row["published"] = published.isoformat(timespec="minutes")
        # The hash and signature the extraction step stages, of this variant's text: the base's,
        # left in the copied row, would make every variant of a base a candidate copy of the others.
        row["content_hash"] = content_hash(row["simplified"])
        row["minhash"] = minhash(row["simplified"]).hex()
        row["fingerprint"] = rng.randrange(-(2**63), 2**63)
        for amount in row["amounts"]:
            amount["value"] = str(rng.randrange(1, 5000) * 10_000)
            amount["high"] = None
        for organization in row["organizations"]:
            if rng.random() < 0.5:
                organization["name"] = rng.choice(organizations)
        previous = row
        yield row
