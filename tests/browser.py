"""Headless Chromium for tests that look at pages: Debian's browser (installed by `make test`),
driven through Playwright's Python client, which never downloads a browser of its own here."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("CHARITYNEWS_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
REQUIRE_SERVICES = os.environ.get("CHARITYNEWS_REQUIRE_SERVICES") == "1"


def chromium_path() -> str:
    """The browser's path; skips (fails under CHARITYNEWS_REQUIRE_SERVICES=1) when it is missing."""
    if not Path(CHROMIUM).exists():
        message = f"Chromium not found at {CHROMIUM} (`make chromium` installs it)"
        if REQUIRE_SERVICES:
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    return CHROMIUM


@contextmanager
def chromium_page(width: int, height: int, device_scale_factor: float = 1.0) -> Iterator[object]:
    """A Playwright page in headless Chromium with the given viewport (CSS pixels)."""
    from playwright.sync_api import sync_playwright

    executable = chromium_path()
    with sync_playwright() as playwright:
        # --no-sandbox: tests run as root in containers, where Chromium's sandbox cannot start.
        browser = playwright.chromium.launch(executable_path=executable, headless=True, args=["--no-sandbox"])
        try:
            context = browser.new_context(
                viewport={"width": width, "height": height}, device_scale_factor=device_scale_factor
            )
            yield context.new_page()
        finally:
            browser.close()
