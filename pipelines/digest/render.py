"""Render the weekly digest (HTML with inline CSS, and plain text) with Jinja2."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import jinja2

from warehouse.queries import WeekDigest

CURRENCY_NAMES = {
    "CNY": "元",
    "HKD": "港元",
    "MOP": "澳门元",
    "TWD": "新台币",
    "USD": "美元",
    "EUR": "欧元",
    "GBP": "英镑",
    "JPY": "日元",
}
ROLE_NAMES = {
    "raised": "募集",
    "donated": "捐赠",
    "pledged": "认捐",
    "disbursed": "拨付/资助",
    "fund_size": "基金规模",
    "in_kind": "款物价值",
    "threshold": "门槛",
    None: "金额",
}
QUALIFIER_MARKS = {"exact": "", "approximate": "约", "lower_bound": "逾"}
_TEMPLATES = Path(__file__).resolve().parent / "templates"


def format_amount(value: Decimal, currency: str = "CNY") -> str:
    """Chinese reading style: 6200000 → 620万元, 230000000 → 2.3亿元, 4500 → 4,500元."""
    unit = CURRENCY_NAMES.get(currency, currency)
    if value >= 100_000_000:
        number = f"{value / 100_000_000:.2f}".rstrip("0").rstrip(".") + "亿"
    elif value >= 10_000:
        number = f"{value / 10_000:.2f}".rstrip("0").rstrip(".") + "万"
    else:
        number = f"{value:,.2f}".rstrip("0").rstrip(".")
    return number + unit


@dataclass(frozen=True)
class RenderedDigest:
    subject: str
    html: str
    text: str


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(_TEMPLATES),
        autoescape=jinja2.select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["amount"] = format_amount
    env.globals.update(ROLE_NAMES=ROLE_NAMES, QUALIFIER_MARKS=QUALIFIER_MARKS)
    return env


def render_digest(digest: WeekDigest) -> RenderedDigest:
    env = _environment()
    subject = f"公益慈善周报 {digest.start:%Y年%-m月%-d日}—{digest.end:%-m月%-d日}"
    context = {
        "d": digest,
        "subject": subject,
        "max_total": max((t for _, t, _ in digest.province_totals), default=Decimal(1)),
    }
    return RenderedDigest(
        subject=subject,
        html=env.get_template("digest.html.j2").render(context),
        text=env.get_template("digest.txt.j2").render(context),
    )


def write_digest(rendered: RenderedDigest, directory: Path, iso_week: str) -> tuple[Path, Path]:
    directory.mkdir(parents=True, exist_ok=True)
    html_path = directory / f"digest-{iso_week}.html"
    text_path = directory / f"digest-{iso_week}.txt"
    html_path.write_text(rendered.html, encoding="utf-8")
    text_path.write_text(rendered.text, encoding="utf-8")
    return html_path, text_path
