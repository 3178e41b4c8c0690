"""The annotated evaluation corpus: loading and validating gold articles.

The format and the annotation rules are in ``evaluation/GUIDELINES.md``.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

from transforms.currency import CURRENCIES
from transforms.meaning import ROLES
from transforms.organizations import ORGANIZATION_TYPES

CORPUS_DIR = Path(__file__).parent / "corpus"
SPLITS = ("dev", "heldout")

LOCALES = ("mainland", "hk", "mo", "tw")
ENCODINGS = ("utf-8", "gbk", "gb18030", "big5", "big5hkscs")
FORMATS = ("text", "html")
REGION_ROLES = ("seat", "beneficiary", "mention")
PHENOMENA = frozenset(
    re.findall(
        r"`([a-z-]+)`",
        (Path(__file__).parent / "GUIDELINES.md").read_text("utf-8").split("## Phenomena tags")[1],
    )
)
_TOP_KEYS = {"id", "locale", "encoding", "format", "phenomena", "title", "published", "text", "gold"}
_AMOUNT_KEYS = {
    "raw",
    "value",
    "currency",
    "approximate",
    "high",
    "role",
    "cumulative",
    "conversion",
    "gift",
    "restates",
    "giver",
    "recipient",
}
_ORG_KEYS = {"name", "type", "surfaces"}
_REGION_KEYS = {"code", "name", "role"}


class CorpusError(ValueError):
    """A corpus file that breaks the guideline, naming the file and what is wrong."""


@dataclass(frozen=True, slots=True)
class GoldAmount:
    raw: str
    value: Decimal
    currency: str
    approximate: bool
    high: Decimal | None
    role: str | None
    cumulative: bool
    conversion: bool
    # What the money means (GUIDELINES.md, "What amounts mean"); None where not yet annotated.
    gift: bool | None = None
    restates: int | None = None
    giver: str | None = None
    recipient: str | None = None


@dataclass(frozen=True, slots=True)
class GoldOrganization:
    name: str
    type: str
    surfaces: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class GoldRegion:
    code: str
    name: str
    role: str


@dataclass(frozen=True, slots=True)
class GoldArticle:
    id: str
    split: Literal["dev", "heldout"]
    path: Path
    locale: str
    encoding: str
    format: str
    phenomena: tuple[str, ...]
    title: str | None
    published: str | None
    text: str
    amounts: tuple[GoldAmount, ...] = field(default=())
    organizations: tuple[GoldOrganization, ...] = field(default=())
    regions: tuple[GoldRegion, ...] = field(default=())

    @property
    def suffix(self) -> str:
        return ".html" if self.format == "html" else ".txt"

    def encoded(self) -> bytes:
        """The document's bytes as the harness writes them for extraction."""
        return self.text.encode(self.encoding)


def _check(condition: bool, path: Path, message: str) -> None:
    if not condition:
        raise CorpusError(f"{path}: {message}")


def _unknown(keys: set[str], allowed: set[str], path: Path, where: str) -> None:
    extra = keys - allowed
    _check(not extra, path, f"unknown key(s) {sorted(extra)} in {where}")


def _amount(entry: dict[str, Any], path: Path, i: int) -> GoldAmount:
    _unknown(set(entry), _AMOUNT_KEYS, path, f"gold.amounts[{i}]")
    for key in ("raw", "value", "currency"):
        _check(key in entry, path, f"gold.amounts[{i}] needs {key!r}")
    _check(entry["currency"] in CURRENCIES, path, f"gold.amounts[{i}] currency {entry['currency']!r}")
    role = entry.get("role")
    _check(role is None or role in ROLES, path, f"gold.amounts[{i}] role {role!r}")
    value = Decimal(str(entry["value"]))
    _check(value >= 0, path, f"gold.amounts[{i}] value must not be negative")
    high = Decimal(str(entry["high"])) if entry.get("high") is not None else None
    _check(high is None or high >= value, path, f"gold.amounts[{i}] high is below value")
    return GoldAmount(
        raw=entry["raw"],
        value=value,
        currency=entry["currency"],
        approximate=bool(entry.get("approximate", False)),
        high=high,
        role=role,
        cumulative=bool(entry.get("cumulative", False)),
        conversion=bool(entry.get("conversion", False)),
        gift=entry.get("gift"),
        restates=entry.get("restates"),
        giver=entry.get("giver"),
        recipient=entry.get("recipient"),
    )


def load_article(path: Path, split: Literal["dev", "heldout"]) -> GoldArticle:
    try:
        data = tomllib.loads(path.read_text("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise CorpusError(f"{path}: not valid UTF-8 TOML: {exc}") from exc
    _unknown(set(data), _TOP_KEYS, path, "the top level")
    for key in ("id", "locale", "encoding", "format", "text"):
        _check(key in data, path, f"needs {key!r}")
    _check(data["id"] == path.stem, path, f"id {data['id']!r} differs from the file name")
    _check(data["locale"] in LOCALES, path, f"locale {data['locale']!r} not in {LOCALES}")
    _check(data["encoding"] in ENCODINGS, path, f"encoding {data['encoding']!r} not in {ENCODINGS}")
    _check(data["format"] in FORMATS, path, f"format {data['format']!r} not in {FORMATS}")
    unknown_tags = set(data.get("phenomena", [])) - PHENOMENA
    _check(not unknown_tags, path, f"unknown phenomena {sorted(unknown_tags)}")
    published = data.get("published")
    _check(
        published is None or bool(re.fullmatch(r"\d{4}-\d{2}-\d{2}", str(published))),
        path,
        f"published {published!r} is not YYYY-MM-DD",
    )
    gold = data.get("gold", {})
    _unknown(set(gold), {"amounts", "organizations", "regions"}, path, "gold")
    amounts = tuple(_amount(a, path, i) for i, a in enumerate(gold.get("amounts", [])))
    organizations = []
    for i, o in enumerate(gold.get("organizations", [])):
        _unknown(set(o), _ORG_KEYS, path, f"gold.organizations[{i}]")
        _check("name" in o and "type" in o, path, f"gold.organizations[{i}] needs name and type")
        _check(o["type"] in ORGANIZATION_TYPES, path, f"gold.organizations[{i}] type {o['type']!r}")
        organizations.append(GoldOrganization(o["name"], o["type"], tuple(o.get("surfaces", []))))
    regions = []
    for i, r in enumerate(gold.get("regions", [])):
        _unknown(set(r), _REGION_KEYS, path, f"gold.regions[{i}]")
        _check({"code", "name", "role"} <= set(r), path, f"gold.regions[{i}] needs code, name and role")
        _check(r["role"] in REGION_ROLES, path, f"gold.regions[{i}] role {r['role']!r}")
        regions.append(GoldRegion(str(r["code"]), r["name"], r["role"]))
    return GoldArticle(
        id=data["id"],
        split=split,
        path=path,
        locale=data["locale"],
        encoding=data["encoding"],
        format=data["format"],
        phenomena=tuple(data.get("phenomena", [])),
        title=data.get("title"),
        published=str(published) if published is not None else None,
        text=data["text"],
        amounts=amounts,
        organizations=tuple(organizations),
        regions=tuple(regions),
    )


def load_corpus(splits: tuple[str, ...] = SPLITS, root: Path = CORPUS_DIR) -> list[GoldArticle]:
    articles = []
    for split in splits:
        if split not in SPLITS:
            raise CorpusError(f"unknown split {split!r}; expected one of {SPLITS}")
        for path in sorted((root / split).glob("*.toml")):
            articles.append(load_article(path, split))  # type: ignore[arg-type]
    return articles
