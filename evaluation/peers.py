"""The rule-based peers we are scored against: JioNLP (money and places) and cpca (places).

Each adapter turns a peer's output into the same shape as ours, so one scorer reads all systems:
amounts as ``(value, currency, raw)``, regions as GB/T 2260 codes.  Peers get the same text we
read (the decoded file, or the headline and main text of an HTML page), converted to simplified
script with OpenCC first, since neither handles traditional script: that only helps them.

Regions count for a peer only at the levels it found written in the text (cpca reports positions;
for JioNLP a level counts when its full or short name occurs in the text).  Levels a peer fills in
from its own hierarchy (the province of a county) are not mentions, and the gold does not list
them either.  Imported only by ``make eval`` and ``make bench``: the peers are an optional extra.
"""

from __future__ import annotations

import contextlib
import io
import math
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import cache
from typing import Any

from transforms.gazetteer import Gazetteer, load_gazetteer
from transforms.normalize import to_simplified

# JioNLP's currency words ("case") → ISO 4217.  Plain 元 is CNY for JioNLP: it has no locale.
_JIONLP_CURRENCY = {
    "元": "CNY",
    "人民币": "CNY",
    "人民币元": "CNY",
    "港元": "HKD",
    "港币": "HKD",
    "澳门币": "MOP",
    "澳门元": "MOP",
    "新台币": "TWD",
    "台币": "TWD",
    "美元": "USD",
    "美金": "USD",
    "欧元": "EUR",
    "英镑": "GBP",
    "日元": "JPY",
}


# Texts on which a peer raised instead of answering; scored as finding nothing.
PEER_FAILURES: Counter[str] = Counter()


@dataclass(frozen=True, slots=True)
class PeerAmount:
    value: Decimal
    currency: str
    raw: str


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    """JioNLP and cpca print banners on import; keep the report readable."""
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        yield


@cache
def _jionlp() -> Any:
    with _quiet():
        import jionlp

    return jionlp


@cache
def _cpca() -> Any:
    with _quiet():
        import cpca

    return cpca


def peer_text(text: str) -> str:
    return to_simplified(text)


def jionlp_amounts(text: str) -> list[PeerAmount]:
    found = _jionlp().ner.extract_money(peer_text(text), with_parsing=True)
    amounts = []
    for item in found:
        detail = item.get("detail") or {}
        num = detail.get("num")
        low = num[0] if isinstance(num, list) else num
        try:
            value = Decimal(str(low))
        except (InvalidOperation, TypeError):
            continue
        currency = _JIONLP_CURRENCY.get(str(detail.get("case")), str(detail.get("case")))
        amounts.append(PeerAmount(value, currency, item.get("text", "")))
    return amounts


def _code_for_path(gazetteer: Gazetteer, names: list[str | None]) -> list[str]:
    """Codes for a peer's (province, city, county) names, each under the one before it."""
    codes: list[str] = []
    parent: str | None = None
    for name in names:
        if not name or name in ("市辖区", "县", "省直辖县级行政区划"):
            continue
        candidates = gazetteer.by_surface.get(name, ())
        if parent is not None:
            under = [c for c in candidates if parent in gazetteer.ancestors(c)]
            candidates = tuple(under) or candidates
        if not candidates:
            break
        parent = candidates[0]
        codes.append(parent)
    return codes


def _written(gazetteer: Gazetteer, code: str, text: str) -> bool:
    region = gazetteer.regions[code]
    return any(surface in text for surface in (region.name, *region.short_names))


def jionlp_regions(text: str) -> set[str]:
    simplified = peer_text(text)
    found = _jionlp().recognize_location(simplified)
    gazetteer = load_gazetteer()
    codes: set[str] = set()
    for place, _count in found.get("domestic") or []:
        path = [place.get("province"), place.get("city"), place.get("county")]
        codes.update(c for c in _code_for_path(gazetteer, path) if _written(gazetteer, c, simplified))
    return codes


def cpca_regions(text: str) -> set[str]:
    try:
        frame = _cpca().transform_text_with_addrs(peer_text(text), pos_sensitive=True)
    except (KeyError, IndexError, ValueError):
        PEER_FAILURES["cpca"] += 1  # cpca 0.5.5 raises on a text in which it finds no address
        return set()
    gazetteer = load_gazetteer()
    codes: set[str] = set()
    for row in frame.to_dict("records"):
        adcode = str(row.get("adcode") or "")
        if len(adcode) != 6:
            continue
        levels = (
            (row.get("省_pos"), adcode[:2] + "0000"),
            (row.get("市_pos"), adcode[:4] + "00"),
            (row.get("区_pos"), adcode),
        )
        for position, code in levels:
            if _is_position(position) and code in gazetteer.regions:
                codes.add(code)
    return codes


def _is_position(value: Any) -> bool:
    return value is not None and not (isinstance(value, float) and math.isnan(value)) and int(value) >= 0


def warm_up() -> None:
    """Load the peers' dictionaries once, outside any timing (JioNLP takes ~20 s on first use)."""
    sample = "杭州市慈善总会收到捐款536万元，用于帮扶长沙县。"
    jionlp_amounts(sample)
    jionlp_regions(sample)
    cpca_regions(sample)


PEER_AMOUNTS: dict[str, Callable[[str], list[PeerAmount]]] = {"JioNLP": jionlp_amounts}
PEER_REGIONS: dict[str, Callable[[str], set[str]]] = {"JioNLP": jionlp_regions, "cpca": cpca_regions}
