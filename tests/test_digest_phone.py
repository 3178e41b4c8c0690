"""The digest's HTML at phone width in headless Chromium: nothing wider than the screen, the
chart shown, Chinese text at a readable size.  Leaves /tmp/digest-phone.png to look at."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.orm import Session

from pipelines.digest.chart import province_chart_png
from pipelines.digest.render import render_digest, write_digest
from tests.browser import chromium_page
from tests.digest_rows import SITES, WEEK, rows
from warehouse.db import make_engine, upgrade
from warehouse.load import load_extracted
from warehouse.weekly import week_digest

SCREENSHOT = Path("/tmp/digest-phone.png")


def test_the_digest_fits_a_phone(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'warehouse.sqlite'}"
    upgrade(url)
    engine = make_engine(url)
    load_extracted(engine, SITES, rows())
    with Session(engine) as session:
        digest = week_digest(session, WEEK)
    engine.dispose()
    chart = province_chart_png(digest.province_totals)
    assert chart is not None
    rendered = render_digest(
        digest,
        name="张三",
        unsubscribe_url="https://news.charity.example/unsubscribe?token=abc",
        chart_src="digest-chart.png",
    )
    html_path, _ = write_digest(rendered, tmp_path, "digest", chart)
    with chromium_page(375, 812, device_scale_factor=2) as page:
        page.goto(html_path.as_uri())  # type: ignore[attr-defined]
        page.wait_for_load_state("load")  # type: ignore[attr-defined]
        page.screenshot(path=str(SCREENSHOT), full_page=True)  # type: ignore[attr-defined]
        width = page.evaluate("document.documentElement.scrollWidth")  # type: ignore[attr-defined]
        chart_width = page.evaluate(  # type: ignore[attr-defined]
            "(() => { const i = document.querySelector('img');"
            " return [i.naturalWidth, i.getBoundingClientRect().width]; })()"
        )
        smallest = page.evaluate(  # type: ignore[attr-defined]
            """(() => Math.min(...[...document.querySelectorAll('body *')]
                 .filter(e => e.offsetParent !== null
                              && [...e.childNodes].some(n => n.nodeType === 3 && n.textContent.trim()))
                 .map(e => parseFloat(getComputedStyle(e).fontSize))))()"""
        )
    assert width <= 375
    natural, shown = chart_width
    assert natural > 0 and 300 <= shown <= 375  # the chart loaded, at its size or shrunk to fit
    assert smallest >= 12
