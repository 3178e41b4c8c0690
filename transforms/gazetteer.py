"""The GB/T 2260 gazetteer shipped in ``transforms/data/regions.tsv`` (see regions.SOURCE.md)."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache, cached_property
from importlib import resources
from typing import Literal

import ahocorasick

Level = Literal["province", "city", "county"]

# Short forms that are everyday words far more often than places (安康 "well-being",
# 和平 "peace", 阿里 in company names); they count only when written in full.
SHORT_NAME_STOPLIST = frozenset(
    [
        "安康",
        "和平",
        "阿里",
        "新华",
        "长安",
        "太平",
        "永安",
        "城关",
        "平安",
        "东区",
        "西区",
        "南区",
        "北区",
        "中区",
        "城区",
        "郊区",
        "矿区",
        "新区",
        "开发",
        "白云",
        "青山",
        "红旗",
        "东风",
        "胜利",
        "前进",
        "友谊",
        "团结",
        "向阳",
        "建设",
        "城中",
        "城东",
        "城西",
        "城南",
        "城北",
        "江北",
        "江南",
        "河东",
        "河西",
        "山南",
        "海南",
        "中山",
        "文山",
        "金山",
        "宝山",
        "铁山",
        "普陀",
        "朝阳",
        "鼓楼",
        "市中",
        "桥东",
        "桥西",
    ]
)


@dataclass(frozen=True, slots=True)
class Region:
    code: str
    name: str
    level: Level
    parent: str | None
    short_names: tuple[str, ...]


@dataclass(frozen=True)
class Gazetteer:
    regions: dict[str, Region]
    by_surface: dict[str, tuple[str, ...]]  # surface → candidate codes
    automaton: ahocorasick.Automaton

    def province_of(self, code: str) -> Region:
        region = self.regions[code]
        while region.parent:
            region = self.regions[region.parent]
        return region

    def ancestors(self, code: str) -> list[str]:
        chain = []
        parent = self.regions[code].parent
        while parent:
            chain.append(parent)
            parent = self.regions[parent].parent
        return chain

    @cached_property
    def _name_set(self) -> frozenset[str]:
        return frozenset(self.by_surface)

    def names(self) -> frozenset[str]:
        """Every surface name: one set per gazetteer, whose hash is computed once."""
        return self._name_set


def _read_rows() -> list[Region]:
    text = resources.files("transforms.data").joinpath("regions.tsv").read_text(encoding="utf-8")
    rows = []
    for row in csv.DictReader(text.splitlines(), delimiter="\t"):
        rows.append(
            Region(
                code=row["code"],
                name=row["name"],
                level=row["level"],  # type: ignore[arg-type]
                parent=row["parent"] or None,
                short_names=tuple(s for s in row["short_names"].split("|") if s),
            )
        )
    return rows


@cache
def load_gazetteer() -> Gazetteer:
    regions = {r.code: r for r in _read_rows()}
    by_surface: dict[str, list[str]] = {}
    for region in regions.values():
        surfaces = [region.name, *(s for s in region.short_names if s not in SHORT_NAME_STOPLIST)]
        for surface in surfaces:
            if len(surface) >= 2:
                by_surface.setdefault(surface, []).append(region.code)
    automaton = ahocorasick.Automaton()
    for surface, codes in by_surface.items():
        automaton.add_word(surface, (surface, tuple(codes)))
    automaton.make_automaton()
    return Gazetteer(regions, {k: tuple(v) for k, v in by_surface.items()}, automaton)
