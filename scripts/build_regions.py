#!/usr/bin/env python3
"""Build the GB/T 2260 region gazetteer ``transforms/data/regions.tsv``.

The gazetteer lists every province-level, prefecture-level (city) and
county-level administrative division of mainland China, plus Taiwan (710000),
Hong Kong (810000) and Macau (820000) as province-level rows, with rule-based
short forms that news articles use (湘西, 延边, 长沙, ...).

Source data
-----------
The input is the Ministry of Civil Affairs (民政部) list of county-level and
higher division codes as kept, year by year, in the public repository
``yescallop/areacodes`` (file ``data/<year>.txt``; one ``<code> <name>`` pair
per line, UTF-8).  Obtain it with, e.g.::

    git clone https://github.com/yescallop/areacodes
    git -C areacodes checkout 2da87e7648f0da7e10dea39e8a613107ed3fe273
    python3 scripts/build_regions.py areacodes/data/2025.txt

or download only that file from the repository at the commit above
(``data/2025.txt``, 3,212 lines, 36,399 characters).  See
``transforms/data/regions.SOURCE.md`` for the exact version used for the
shipped file.

Accepted input formats (several files may be given; they are merged):

* ``<code> <name>`` lines separated by spaces, a tab or a comma (the areacodes
  format); a header line and ``#`` comments are ignored; names may be quoted;
* codes of 2 or 4 digits are padded with zeros to 6 (the layout of the
  ``provinces.csv`` / ``cities.csv`` / ``areas.csv`` files of other
  division datasets); 12-digit statistical codes are cut to 6 digits, and
  rows below county level are ignored.  Note that National Bureau of
  Statistics (统计用区划代码) lists are not GB/T 2260: they also carry
  development zones and other functional areas (codes xxxx7x and the like),
  which this script does not filter out.  Use the MCA list.

Placeholder rows (市辖区, 县, 省直辖县级行政区划, 自治区直辖县级行政区划) are
dropped and their children attached to the province.  Subdivisions of Taiwan,
Hong Kong and Macau are dropped.

Output: ``code<TAB>name<TAB>level<TAB>parent<TAB>short_names`` with a header,
sorted by code; ``level`` is province | city | county, ``parent`` is the
parent's code ('' for provinces) and ``short_names`` is a '|'-separated list
(possibly empty).

Short-name rules (see ``short_names``): strip 自治区/自治州/自治县/自治旗 together
with the ethnic words before them (with or without 族: 黔东南苗族侗族自治州 ->
黔东南, 伊犁哈萨克自治州 -> 伊犁; a name that is only an ethnic name keeps it:
东乡族自治县 -> 东乡); otherwise strip the first of 特别行政区, 地区, 盟, 省, 市,
新区, 特区, 矿区, 林区, 联合旗, 县, 区, 旗 that leaves at least 2 characters
(3 for 林区, so 万柏林区 -> 万柏林), also dropping ethnic words before 区/县/旗
(管城回族区 -> 管城).  Banners whose remainder ends in 左/右/前/中/后
(巴林左旗) get no short form; 和县, 芒市, 城区 get none either.

Usage::

    python3 scripts/build_regions.py SOURCE [SOURCE ...] [-o OUTPUT]

Standard library only.
"""

import argparse
import csv
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUTPUT = REPO_ROOT / "transforms" / "data" / "regions.tsv"

# The 55 officially recognised ethnic minorities of China (汉族 excluded),
# used to strip ethnic words from names of autonomous divisions.
# fmt: off
ETHNIC_GROUPS: tuple[str, ...] = (
    "蒙古族", "回族", "藏族", "维吾尔族", "苗族", "彝族", "壮族", "布依族",
    "朝鲜族", "满族", "侗族", "瑶族", "白族", "土家族", "哈尼族", "哈萨克族",
    "傣族", "黎族", "傈僳族", "佤族", "畲族", "高山族", "拉祜族", "水族",
    "东乡族", "纳西族", "景颇族", "柯尔克孜族", "土族", "达斡尔族", "仫佬族",
    "羌族", "布朗族", "撒拉族", "毛南族", "仡佬族", "锡伯族", "阿昌族",
    "普米族", "塔吉克族", "怒族", "乌孜别克族", "俄罗斯族", "鄂温克族",
    "德昂族", "保安族", "裕固族", "京族", "塔塔尔族", "独龙族", "鄂伦春族",
    "赫哲族", "门巴族", "珞巴族", "基诺族",
)
# fmt: on

# Rows that are grouping placeholders in some code lists, not divisions.
PLACEHOLDER_NAMES: frozenset[str] = frozenset(
    {"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"}
)

# Province-level rows that must exist, with their canonical names.
REQUIRED_PROVINCES: dict[str, str] = {
    "710000": "台湾省",
    "810000": "香港特别行政区",
    "820000": "澳门特别行政区",
}
# Their subdivisions are out of scope.
NO_SUBDIVISIONS: frozenset[str] = frozenset(code[:2] for code in REQUIRED_PROVINCES)

AUTONOMOUS_SUFFIXES: tuple[str, ...] = ("自治区", "自治州", "自治县", "自治旗")
# Tried in order; the first suffix that leaves a valid short form wins.
PLAIN_SUFFIXES: tuple[str, ...] = (
    "特别行政区",
    "地区",
    "盟",
    "省",
    "市",
    "新区",
    "特区",
    "矿区",
    "林区",
    "联合旗",
    "县",
    "区",
    "旗",
)
# A short form must keep at least this many characters.
MIN_SHORT_LEN = 2
# 林区 is a division type only in 神农架林区; many district names merely end
# in 林 (万柏林区, 碑林区), so that suffix needs a longer remainder.
MIN_SHORT_LEN_BY_SUFFIX: dict[str, int] = {"林区": 3}
# 巴林左旗 -> 巴林左 is not a name anyone uses: keep no short form for banners
# whose remainder ends in a direction word.
BANNER_DIRECTION_ENDINGS: tuple[str, ...] = ("左", "右", "前", "中", "后")

LEVELS: tuple[str, ...] = ("province", "city", "county")


def _ethnic_tokens(allow_bare: bool) -> tuple[str, ...]:
    """Ethnic words to strip, longest first.

    With ``allow_bare`` the group names without 族 (哈萨克, 蒙古, 锡伯, ...) are
    included as well, as used in e.g. 伊犁哈萨克自治州; single-character bare
    names (回, 藏, ...) are never stripped.
    """
    tokens = set(ETHNIC_GROUPS) | {"各族"}
    if allow_bare:
        tokens |= {g[:-1] for g in ETHNIC_GROUPS if len(g) - 1 >= 2}
    return tuple(sorted(tokens, key=len, reverse=True))


_TOKENS_WITH_ZU = _ethnic_tokens(allow_bare=False)
_TOKENS_ANY = _ethnic_tokens(allow_bare=True)


def strip_ethnic(text: str, allow_bare: bool) -> str:
    """Remove trailing ethnic words repeatedly (苗族侗族 -> '')."""
    tokens = _TOKENS_ANY if allow_bare else _TOKENS_WITH_ZU
    changed = True
    while changed:
        changed = False
        for token in tokens:
            if not text.endswith(token) or len(text) == len(token):
                continue
            rest = text[: -len(token)]
            bare = not token.endswith("族")
            if bare and len(rest) < MIN_SHORT_LEN:
                continue  # 内蒙古 must not become 内
            text = rest
            changed = True
            break
    return text


def short_names(name: str) -> list[str]:
    """Short forms of a division name, by suffix rules; [] if none."""
    result: list[str] = []
    for suffix in AUTONOMOUS_SUFFIXES:
        if name.endswith(suffix):
            base = name[: -len(suffix)]
            short = strip_ethnic(base, allow_bare=True)
            if len(short) < MIN_SHORT_LEN or (short == base and base.endswith("族")):
                # The whole base is an ethnic name: 东乡族自治县 -> 东乡,
                # 鄂温克族自治旗 -> 鄂温克, 鄂伦春自治旗 -> 鄂伦春.
                short = base.removesuffix("族")
            if len(short) >= MIN_SHORT_LEN:
                result.append(short)
            break
    else:
        for suffix in PLAIN_SUFFIXES:
            if not name.endswith(suffix):
                continue
            rest = name[: -len(suffix)]
            if suffix in ("区", "县", "旗"):
                rest = strip_ethnic(rest, allow_bare=False)  # 管城回族区 -> 管城
            if len(rest) < MIN_SHORT_LEN_BY_SUFFIX.get(suffix, MIN_SHORT_LEN):
                continue
            if suffix == "旗" and rest.endswith(BANNER_DIRECTION_ENDINGS):
                continue
            result.append(rest)
            break
    return [s for s in dict.fromkeys(result) if s != name]


@dataclass(frozen=True)
class Region:
    code: str
    name: str
    level: str
    parent: str
    short_names: tuple[str, ...]


def level_of(code: str) -> str:
    if code[2:] == "0000":
        return "province"
    if code[4:] == "00":
        return "city"
    return "county"


def normalise_code(raw: str) -> str | None:
    """6-digit code, or None for rows below county level."""
    if not raw.isdigit():
        raise ValueError(f"not a numeric code: {raw!r}")
    if len(raw) in (2, 4):
        return raw.ljust(6, "0")
    if len(raw) == 6:
        return raw
    if len(raw) == 12:
        return raw[:6] if raw[6:] == "0" * 6 else None
    if len(raw) == 9:  # township codes in some lists
        return None
    raise ValueError(f"unexpected code length: {raw!r}")


def split_line(line: str) -> tuple[str, str] | None:
    """(code, name) from one input line, or None for headers and blanks."""
    line = line.strip().lstrip("\ufeff")
    if not line or line.startswith("#"):
        return None
    if "," in line:
        fields = next(csv.reader([line]))
    elif "\t" in line:
        fields = line.split("\t")
    else:
        fields = line.split(None, 1)
    if len(fields) < 2:
        raise ValueError(f"cannot split line: {line!r}")
    code, name = fields[0].strip().strip('"'), fields[1].strip().strip('"')
    if not code.isdigit():
        return None  # header line such as "code,name"
    return code, name


def read_sources(paths: list[Path]) -> dict[str, str]:
    """Merge ``code -> name`` from all sources; conflicting names are fatal."""
    names: dict[str, str] = {}
    for path in paths:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            for lineno, line in enumerate(handle, 1):
                try:
                    pair = split_line(line)
                    if pair is None:
                        continue
                    code = normalise_code(pair[0])
                except ValueError as exc:
                    raise SystemExit(f"{path}:{lineno}: {exc}") from None
                if code is None:
                    continue
                name = pair[1]
                if not name:
                    raise SystemExit(f"{path}:{lineno}: empty name for {code}")
                if names.get(code, name) != name:
                    raise SystemExit(f"{path}:{lineno}: {code} is {name!r} here but {names[code]!r} earlier")
                names[code] = name
    return names


def build(names: dict[str, str], log: list[str]) -> list[Region]:
    kept: dict[str, str] = {}
    skipped = Counter[str]()
    for code, name in names.items():
        if name in PLACEHOLDER_NAMES:
            skipped["placeholder"] += 1
            continue
        if code[:2] in NO_SUBDIVISIONS and level_of(code) != "province":
            skipped["Taiwan/Hong Kong/Macau subdivision"] += 1
            continue
        kept[code] = name
    for code, canonical in REQUIRED_PROVINCES.items():
        if code not in kept:
            log.append(f"added missing {code} {canonical}")
        elif kept[code] != canonical:
            log.append(f"renamed {code} {kept[code]} -> {canonical}")
        kept[code] = canonical
    for reason, count in sorted(skipped.items()):
        log.append(f"skipped {count} rows: {reason}")

    regions: list[Region] = []
    for code in sorted(kept):
        level = level_of(code)
        province = code[:2] + "0000"
        if level == "province":
            parent = ""
        elif level == "city":
            parent = province
        else:
            city = code[:4] + "00"
            parent = city if city in kept and city != province else province
        if parent and parent not in kept:
            raise SystemExit(f"{code} {kept[code]}: parent {parent} is missing")
        regions.append(Region(code, kept[code], level, parent, tuple(short_names(kept[code]))))
    return regions


def check(regions: list[Region]) -> None:
    codes = [r.code for r in regions]
    if len(codes) != len(set(codes)):
        raise SystemExit("duplicate codes in output")
    by_code = {r.code: r for r in regions}
    for r in regions:
        if len(r.code) != 6 or not r.code.isdigit():
            raise SystemExit(f"bad code {r.code!r}")
        if any(c in r.name for c in "\t\n|") or any(c in s for s in r.short_names for c in "\t\n|"):
            raise SystemExit(f"{r.code}: separator character in a name")
        if r.level == "province":
            if r.parent:
                raise SystemExit(f"{r.code}: province with a parent")
            continue
        parent = by_code.get(r.parent)
        if parent is None:
            raise SystemExit(f"{r.code}: parent {r.parent!r} not found")
        allowed = ("province",) if r.level == "city" else ("province", "city")
        if parent.level not in allowed:
            raise SystemExit(f"{r.code}: parent {r.parent} is a {parent.level}")


def write_tsv(regions: list[Region], output: Path) -> None:
    output.parent.mkdir(parents=True, exist_ok=True)
    with output.open("w", encoding="utf-8", newline="\n") as handle:
        handle.write("code\tname\tlevel\tparent\tshort_names\n")
        for r in regions:
            handle.write(f"{r.code}\t{r.name}\t{r.level}\t{r.parent}\t{'|'.join(r.short_names)}\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Build transforms/data/regions.tsv from MCA division codes.")
    parser.add_argument("sources", nargs="+", type=Path, help="source file(s)")
    parser.add_argument(
        "-o",
        "--output",
        type=Path,
        default=DEFAULT_OUTPUT,
        help=f"output TSV (default: {DEFAULT_OUTPUT.relative_to(REPO_ROOT)})",
    )
    args = parser.parse_args(argv)

    log: list[str] = []
    regions = build(read_sources(args.sources), log)
    check(regions)
    write_tsv(regions, args.output)

    counts = Counter(r.level for r in regions)
    for line in log:
        print(line, file=sys.stderr)
    print(
        f"wrote {len(regions)} rows to {args.output}: "
        + ", ".join(f"{level} {counts[level]}" for level in LEVELS),
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
