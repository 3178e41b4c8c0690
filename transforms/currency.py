"""Reference rates for expressing amounts in CNY.

Why fixed rates: researchers compare orders of magnitude across sources, and a reproducible
conversion beats a live feed the pipeline cannot reach offline.  The rates are approximate
2026 averages (units of CNY per unit of currency); the original value and currency are always
kept next to the converted one.
"""

from __future__ import annotations

from decimal import Decimal

CNY_PER_UNIT: dict[str, Decimal] = {
    "CNY": Decimal("1"),
    "HKD": Decimal("0.91"),
    "MOP": Decimal("0.89"),
    "TWD": Decimal("0.22"),
    "USD": Decimal("7.10"),
    "EUR": Decimal("7.90"),
    "GBP": Decimal("9.30"),
    "JPY": Decimal("0.047"),
}
CURRENCIES = tuple(CNY_PER_UNIT)

LOCAL_CURRENCY = {"mainland": "CNY", "hk": "HKD", "mo": "MOP", "tw": "TWD"}


def to_cny(value: Decimal, currency: str) -> Decimal | None:
    rate = CNY_PER_UNIT.get(currency)
    return None if rate is None else (value * rate).quantize(Decimal("0.01"))
