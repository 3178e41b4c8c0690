"""The province chart of the digest: horizontal bars, this week against last week, as a PNG.

Mail clients block SVG and scripts, so the chart is a bitmap attached inline (Content-ID).  It is
drawn at twice its display size so it stays sharp on phones.  Chinese labels need a CJK font: the
package ships one (a subset of Noto Sans CJK SC, OFL, in fonts/: built by
scripts/build_cjk_font.py), so the chart is drawn on every machine; CHARITYNEWS_CJK_FONT names
another.  Only if the bundled file were missing are the usual system locations searched.
"""

from __future__ import annotations

import io
import logging
import os
from collections.abc import Sequence
from decimal import Decimal
from functools import cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from pipelines.digest.render import CHART_ROWS, format_amount
from transforms.gazetteer import load_gazetteer
from warehouse.weekly import ProvinceTotal

log = logging.getLogger("charitynews.digest")

BUNDLED_FONT = Path(__file__).resolve().parent / "fonts" / "NotoSansCJKsc-Regular-subset.otf"
_FONT_CANDIDATES = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/wenquanyi/wqy-microhei/wqy-microhei.ttc",
    "/System/Library/Fonts/PingFang.ttc",
    "C:/Windows/Fonts/msyh.ttc",
)
SCALE = 2  # drawn at twice the display size
WIDTH = 340  # display width in CSS pixels: fits a phone without shrinking the labels
ROW = 40
THIS_WEEK = (185, 28, 28)  # the digest's red
LAST_WEEK = (203, 213, 225)
TEXT = (31, 41, 55)
MUTED = (107, 114, 128)


@cache
def cjk_font_path() -> str | None:
    """CHARITYNEWS_CJK_FONT if it names a file, else the bundled font (else a system one)."""
    configured = os.environ.get("CHARITYNEWS_CJK_FONT")
    if configured and not Path(configured).is_file():
        log.warning("CHARITYNEWS_CJK_FONT=%s is not a file: the chart uses the bundled font", configured)
    for candidate in (configured, str(BUNDLED_FONT), *_FONT_CANDIDATES):
        if candidate and Path(candidate).is_file():
            return candidate
    for root in ("/usr/share/fonts", "/usr/local/share/fonts"):
        for found in sorted(Path(root).glob("**/*CJK*Regular*")) if Path(root).is_dir() else ():
            return str(found)
    return None


OTHERS = "其他"


def chart_rows(totals: Sequence[ProvinceTotal], limit: int = CHART_ROWS) -> list[ProvinceTotal]:
    """At most ``limit`` bars: the first ``limit - 1`` provinces and one "其他" bar for the rest."""
    if len(totals) <= limit:
        return list(totals)
    rest = totals[limit - 1 :]
    others = ProvinceTotal(
        province_code=None,
        province=OTHERS,
        total_cny=sum((t.total_cny for t in rest), Decimal(0)),
        gifts=sum(t.gifts for t in rest),
        previous_cny=sum((t.previous_cny for t in rest), Decimal(0)),
        previous_gifts=sum(t.previous_gifts for t in rest),
    )
    return [*totals[: limit - 1], others]


def province_chart_png(totals: Sequence[ProvinceTotal], limit: int = CHART_ROWS) -> bytes | None:
    """The chart (see :func:`chart_rows`), or None when there is nothing to draw or no font."""
    rows = chart_rows(totals, limit)
    font_path = cjk_font_path()
    if not rows:
        return None
    if font_path is None:
        log.warning("no CJK font found (set CHARITYNEWS_CJK_FONT): the digest goes out without its chart")
        return None
    label_font = ImageFont.truetype(font_path, 14 * SCALE)
    small_font = ImageFont.truetype(font_path, 12 * SCALE)
    height = 30 + ROW * len(rows) + 10
    image = Image.new("RGB", (WIDTH * SCALE, height * SCALE), "white")
    draw = ImageDraw.Draw(image)
    largest = max(max(t.total_cny, t.previous_cny) for t in rows) or Decimal(1)
    label_width, value_width = 78, 104
    bar_left = label_width
    bar_room = WIDTH - label_width - value_width

    def box(x0: float, y0: float, x1: float, y1: float, fill: tuple[int, int, int]) -> None:
        draw.rectangle([x0 * SCALE, y0 * SCALE, x1 * SCALE, y1 * SCALE], fill=fill)

    # Legend.
    box(bar_left, 8, bar_left + 12, 18, THIS_WEEK)
    draw.text(((bar_left + 16) * SCALE, 4 * SCALE), "本周", font=small_font, fill=TEXT)
    box(bar_left + 60, 8, bar_left + 72, 18, LAST_WEEK)
    draw.text(((bar_left + 76) * SCALE, 4 * SCALE), "上周", font=small_font, fill=TEXT)
    for i, total in enumerate(rows):
        top = 30 + ROW * i
        draw.text((0, (top + 6) * SCALE), _fit(_short_name(total), 5), font=label_font, fill=TEXT)
        for offset, value, colour in ((4, total.total_cny, THIS_WEEK), (20, total.previous_cny, LAST_WEEK)):
            length = float(value / largest) * bar_room
            box(
                bar_left, top + offset, bar_left + max(length, 1.5 if value else 0), top + offset + 11, colour
            )
        draw.text(
            ((bar_left + bar_room + 6) * SCALE, (top + 0) * SCALE),
            format_amount(total.total_cny),
            font=label_font,
            fill=TEXT,
        )
        draw.text(
            ((bar_left + bar_room + 6) * SCALE, (top + 19) * SCALE),
            "上周 " + format_amount(total.previous_cny),
            font=small_font,
            fill=MUTED,
        )
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def _short_name(total: ProvinceTotal) -> str:
    """澳门 for 澳门特别行政区: the bars leave room for five characters."""
    region = load_gazetteer().regions.get(total.province_code or "")
    return region.short_names[0] if region is not None and region.short_names else total.province


def _fit(name: str, characters: int) -> str:
    return name if len(name) <= characters else name[: characters - 1] + "…"
