"""Render the weekly digest (HTML with inline CSS, and plain text) with Jinja2."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

import jinja2

from transforms.normalize import to_simplified
from warehouse.weekly import DigestFilter, Gift, ProvinceTotal, WeekDigest

if TYPE_CHECKING:
    from pipelines.digest.source_health import WeekFetches

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
    "in_kind": "捐赠款物",
    "threshold": "门槛",
    "target": "目标",
    "other": "金额",
    None: "金额",
}
ORGANIZATION_TYPE_NAMES = {
    "foundation": "基金会",
    "charity_federation": "慈善会",
    "red_cross": "红十字会",
    "government": "政府部门",
    "party": "党群组织",
    "company": "企业",
    "bank": "银行",
    "school": "学校",
    "hospital": "医院",
    "media": "媒体",
    "other": "其他",
}
QUALIFIER_MARKS = {"exact": "", "approximate": "约", "lower_bound": "逾"}
SENDER_NAME = "公益慈善周报"
# Provinces the chart draws as bars; the rest share one "其他" bar (the table lists them all).
CHART_ROWS = 12
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


def gift_amount(gift: Gift) -> str:
    """约620万元, 300万至500万元, 100万港元（约合92万元）."""
    text = QUALIFIER_MARKS.get(gift.qualifier, "") + format_amount(gift.value, gift.currency)
    if gift.high is not None and gift.high != gift.value:
        text = QUALIFIER_MARKS.get(gift.qualifier, "") + (
            format_amount(gift.value, gift.currency).removesuffix(
                CURRENCY_NAMES.get(gift.currency, gift.currency)
            )
            + "至"
            + format_amount(gift.high, gift.currency)
        )
    if gift.currency != "CNY":
        text += f"（约合{format_amount(gift.value_cny)}）"
    return text


def gift_parties(gift: Gift) -> str:
    """Who gave to whom, saying so when the article does not name a side (money raised goes
    from the public the article names to the fundraiser)."""
    role = ROLE_NAMES.get(gift.role, "金额")
    return f"{gift.donor or '捐赠方未注明'} → {gift.recipient or '受助方未注明'}（{role}）"


def format_change(total: ProvinceTotal) -> str:
    """Change from last week: +200万元（+25%）, −50万元（−100%）, or 新 when last week had none."""
    if not total.previous_cny:
        return "新"
    change = total.change_cny
    sign = "+" if change > 0 else "−" if change < 0 else "±"
    percent = total.change_percent
    return (
        f"{sign}{format_amount(abs(change))}（{'+' if percent and percent > 0 else ''}{percent}%）".replace(
            "（-", "（−"
        )
    )


def describe_filter(digest_filter: DigestFilter, province_names: dict[str, str]) -> str:
    parts = []
    if digest_filter.provinces:
        parts.append("地区：" + "、".join(province_names.get(c, c) for c in sorted(digest_filter.provinces)))
    if digest_filter.organization_types:
        parts.append(
            "机构类型："
            + "、".join(ORGANIZATION_TYPE_NAMES.get(t, t) for t in sorted(digest_filter.organization_types))
        )
    if digest_filter.min_amount_cny is not None:
        parts.append(f"单笔不低于{format_amount(digest_filter.min_amount_cny)}")
    return "；".join(parts)


def digest_subject(digest: WeekDigest) -> str:
    year, week = digest.iso_week.split("-W")
    return f"{SENDER_NAME} {year}年第{int(week)}周（{digest.start:%-m月%-d日}—{digest.end:%-m月%-d日}）"


@dataclass(frozen=True)
class RenderedDigest:
    subject: str
    html: str
    text: str
    preheader: str


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(_TEMPLATES),
        autoescape=jinja2.select_autoescape(["html", "html.j2"]),
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )
    env.filters.update(
        amount=format_amount,
        gift_amount=gift_amount,
        parties=gift_parties,
        change=format_change,
        # Quotes and headlines of Hong Kong, Macao and Taiwan sources, in the digest's script.
        simplified=to_simplified,
    )
    env.globals.update(ORGANIZATION_TYPE_NAMES=ORGANIZATION_TYPE_NAMES)
    return env


def _preheader(digest: WeekDigest) -> str:
    if not digest.gifts:
        return f"本周收录{digest.articles}篇报道，没有符合条件的捐赠。"
    top = digest.gifts[0]
    return f"本周{digest.gifts_total}笔捐赠；最大一笔：{gift_parties(top)} {gift_amount(top)}。"


def render_digest(
    digest: WeekDigest,
    *,
    name: str = "",
    unsubscribe_url: str | None = None,
    chart_src: str | None = None,
    filter_text: str = "",
    fetches: WeekFetches | None = None,
) -> RenderedDigest:
    """The digest for one reader (``name`` and ``unsubscribe_url`` empty for the general preview).

    ``chart_src`` is where the HTML finds the province chart (``cid:…`` in an email, a file name
    in a preview); None leaves the chart out, the table of the same numbers stays.  ``fetches``
    is what the crawler did that week, for the data note (None: the note says only what failed).
    """
    env = _environment()
    subject = digest_subject(digest)
    preheader = _preheader(digest)
    context = {
        "d": digest,
        "subject": subject,
        "preheader": preheader,
        "name": name,
        "unsubscribe_url": unsubscribe_url,
        "chart_src": chart_src,
        "filter_text": filter_text,
        "fetches": fetches,
        "chart_rows": CHART_ROWS,
    }
    return RenderedDigest(
        subject=subject,
        html=env.get_template("digest.html.j2").render(context),
        text=env.get_template("digest.txt.j2").render(context),
        preheader=preheader,
    )


def write_digest(
    rendered: RenderedDigest, directory: Path, stem: str, chart_png: bytes | None = None
) -> tuple[Path, Path]:
    """Write ``{stem}.html`` and ``{stem}.txt`` (and the chart as ``{stem}-chart.png``)."""
    directory.mkdir(parents=True, exist_ok=True)
    html_path = directory / f"{stem}.html"
    text_path = directory / f"{stem}.txt"
    html_path.write_text(rendered.html, encoding="utf-8")
    text_path.write_text(rendered.text, encoding="utf-8")
    if chart_png is not None:
        (directory / f"{stem}-chart.png").write_bytes(chart_png)
    return html_path, text_path
