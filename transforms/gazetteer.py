"""The GB/T 2260 gazetteer shipped in ``transforms/data/regions.tsv`` (see regions.SOURCE.md)."""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from functools import cache, cached_property
from importlib import resources
from typing import Any, Literal

try:
    from transforms import _native  # built by `python -m transforms.build_native` (make env)
except ImportError:  # no compiler where it was installed: the same scan, in Python
    _native = None  # type: ignore[assignment]

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


# Places GB/T 2260 does not list: Taiwan's cities and counties, Hong Kong's and Macau's districts
# (the guideline annotates only 台湾, 香港, 澳门 themselves).  They are scanned with the gazetteer
# so that 新北市 is read as one place and never as Changzhou's 新北区; names that are also
# gazetteer names (金门县, 大埔, 九龙, 东区) are left to the gazetteer's own rules.
_OUTSIDE_NAMES = """
    台北市 新北市 桃园市 台中市 台南市 高雄市 基隆市 新竹市 嘉义市 新竹县 苗栗县 彰化县 南投县 云林县
    嘉义县 屏东县 宜兰县 花莲县 台东县 澎湖县 台北 桃园 台中 台南 高雄 基隆 新竹 嘉义 苗栗 彰化 南投
    云林 屏东 宜兰 花莲 台东 澎湖 双北
    中西区 湾仔区 南区 油尖旺区 深水埗区 九龙城区 黄大仙区 观塘区 荃湾区 屯门区 元朗区 北区 西贡区
    沙田区 葵青区 离岛区 湾仔 油尖旺 深水埗 九龙城 黄大仙 观塘 荃湾 屯门 元朗 西贡 沙田 葵青 离岛 新界
    港岛 氹仔 路环 路氹 花地玛堂区 望德堂区 大堂区 风顺堂区 圣安多尼堂区 嘉模堂区 圣方济各堂区 花地玛 望德堂
"""
PLACES_OUTSIDE_GAZETTEER = frozenset(_OUTSIDE_NAMES.split())
# A place inside Taiwan, Hong Kong or Macau is a mention of that region (GB/T 2260 gives those
# three one code each): 台中 on a page is Taiwan.  Names too plain or too common as words to
# stand for a place on their own (北区, 南区; 桃园 "peach garden", 云林; 湾仔 and 沙田, also towns of
# Guangdong) are found but coded only
# in their full form.
_INSIDE_OF = {
    "710000": "台北 新北 桃园市 台中 台南 高雄 基隆 新竹 嘉义 苗栗 彰化 南投 云林县 屏东 宜兰 花莲 台东 "
    "澎湖 双北",
    "810000": "中西区 湾仔区 油尖旺 深水埗 九龙城 黄大仙 观塘 荃湾 屯门 元朗 西贡区 沙田区 葵青 离岛区 "
    "新界 港岛",
    "820000": "氹仔 路环 路氹 花地玛 望德堂 大堂区 风顺堂区 圣安多尼堂区 嘉模堂区 圣方济各堂区",
}


def code_outside_gazetteer(name: str) -> tuple[str, ...]:
    """The region a place outside the gazetteer lies in, as a one-code tuple; () if too plain."""
    for code, prefixes in _INSIDE_OF.items():
        if any(name.startswith(prefix) for prefix in prefixes.split()):
            return (code,)
    return ()


Hit = tuple[int, int, str, tuple[str, ...]]  # start, end, surface, candidate codes


@dataclass(frozen=True)
class NameScanner:
    """Leftmost-longest, non-overlapping matches of a fixed set of names, in one left-to-right
    pass: each position is looked up by its first two characters, which give the lengths of the
    names starting so, longest first.  (A hashed trie of depth two: on Chinese text it runs
    faster than pyahocorasick, whose root node has thousands of children to search.)  Positions
    whose two characters cannot begin a name are skipped by a regular expression, in C: on news
    text only about one position in eight is looked at.  Where ``make env`` built it,
    transforms/_native.c runs the same scan with bitmaps for the two character classes."""

    codes: dict[str, tuple[str, ...]]  # name → codes; () for a place outside the gazetteer
    lengths: dict[str, tuple[int, ...]]  # first two characters → name lengths, longest first
    candidates: re.Pattern[str]  # a character that can begin a name, before one that can follow
    # The same scan compiled (transforms/_native.c), where it is built; None: in Python.
    native: Any = field(default=None, compare=False, repr=False)

    @classmethod
    def of(cls, codes: dict[str, tuple[str, ...]]) -> NameScanner:
        lengths: dict[str, set[int]] = {}
        for name in codes:
            if len(name) < 2:
                raise ValueError(f"a name to scan for has at least two characters: {name!r}")
            lengths.setdefault(name[:2], set()).add(len(name))
        firsts = "".join(sorted({head[0] for head in lengths}))
        seconds = "".join(sorted({head[1] for head in lengths}))
        candidates = re.compile(f"[{re.escape(firsts)}](?=[{re.escape(seconds)}])")
        longest_first = {head: tuple(sorted(ls, reverse=True)) for head, ls in lengths.items()}
        native = _native.Names(codes, longest_first, firsts, seconds) if _native else None
        return cls(codes, longest_first, candidates, native)

    def scan(self, text: str) -> list[Hit]:
        if self.native is not None:
            return self.native.scan(text)  # type: ignore[no-any-return]
        return self._scan_in_python(text)

    def _scan_in_python(self, text: str) -> list[Hit]:
        hits: list[Hit] = []
        codes, lengths = self.codes, self.lengths
        position = 0  # where the next hit may start: after the last one
        # The candidate pattern matches one character, so finditer yields every candidate
        # position (cheaper than a search call per position); those inside a hit are skipped.
        # Most candidates begin no name: their positions are listed first (a comprehension
        # runs faster than this loop), and an unknown head ends the look at once.
        for start in [candidate.start() for candidate in self.candidates.finditer(text)]:
            if start < position:
                continue
            head_lengths = lengths.get(text[start : start + 2])
            if head_lengths is None:
                continue
            for length in head_lengths:
                name = text[start : start + length]  # shorter at the text's end
                found = codes.get(name)
                if found is not None:
                    position = start + len(name)
                    hits.append((start, position, name, found))
                    break
        return hits


@dataclass(frozen=True)
class Gazetteer:
    regions: dict[str, Region]
    by_surface: dict[str, tuple[str, ...]]  # surface → candidate codes
    scanner: NameScanner  # the gazetteer's surfaces and the places outside it

    def province_of(self, code: str) -> Region:
        region = self.regions[code]
        while region.parent:
            region = self.regions[region.parent]
        return region

    def ancestors(self, code: str) -> tuple[str, ...]:
        """Parent, grandparent…: computed once per gazetteer."""
        return self._ancestors[code]

    @cached_property
    def _ancestors(self) -> dict[str, tuple[str, ...]]:
        chains = {}
        for code, region in self.regions.items():
            chain = []
            parent = region.parent
            while parent:
                chain.append(parent)
                parent = self.regions[parent].parent
            chains[code] = tuple(chain)
        return chains

    @cached_property
    def short_form_places(self) -> dict[str, tuple[tuple[str, str], ...]]:
        """For each code, the places a mention of it names for short forms (省民政厅, 市慈善总会),
        with the character such a form begins with: the place itself, and its province (a
        province is named through its cities as well; a city not through its counties)."""
        places = {}
        for code in self.regions:
            named = []
            for place in (code, *self.ancestors(code)):
                region = self.regions[place]
                marker = short_form_marker(region)
                if marker and (place == code or region.level == "province"):
                    named.append((place, marker))
            places[code] = tuple(named)
        return places

    @cached_property
    def county_short_names(self) -> frozenset[str]:
        """Surfaces that are some county's short form (长沙 for 长沙县): the only readings for
        which regions asks whether a surface stands apart from the words around it."""
        return frozenset(
            surface
            for surface, codes in self.by_surface.items()
            if any(self.regions[c].level == "county" and self.regions[c].name != surface for c in codes)
        )

    @cached_property
    def _name_set(self) -> frozenset[str]:
        return frozenset(self.by_surface) | PLACES_OUTSIDE_GAZETTEER

    def names(self) -> frozenset[str]:
        """Every place name, those outside the gazetteer included: one set per gazetteer, whose
        hash is computed once."""
        return self._name_set


def short_form_marker(region: Region) -> str | None:
    """The character a short form for this kind of place begins with: 市 for 杭州市 and for a
    county-level 义乌市, 州 for a prefecture named …州, 省 for a province."""
    if region.level == "province":
        # 北京市, 上海市: a municipality is the 市 of 市慈善基金会 too.
        return {"省": "省", "市": "市"}.get(region.name[-1])
    last = region.name[-1]
    if last == "州" and region.level == "city":
        return "州"
    return last if last in "市县区" else None


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
    surfaces = {surface: tuple(codes) for surface, codes in by_surface.items()}
    # Places outside the gazetteer are found too, so they hide shorter names; their code is the
    # region they lie in (or none).
    scanned = {
        **{p: code_outside_gazetteer(p) for p in PLACES_OUTSIDE_GAZETTEER - surfaces.keys()},
        **surfaces,
    }
    return Gazetteer(regions, surfaces, NameScanner.of(scanned))
