"""What the page tests share: Debian's chromium under Playwright, axe-core's check, and
screenshots at the two sizes every page is looked at (a 390x844 phone, a 1280x900 screen)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from local.template import ROOT

CHROMIUM = "/usr/bin/chromium"
# Playwright's own browser download does not work on these machines (TOOLS.md).
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
AXE = ROOT / "tools" / "browser-checks" / "node_modules" / "axe-core" / "axe.min.js"
PHONE = {"width": 390, "height": 844}
SCREEN = {"width": 1280, "height": 900}


def launch(playwright: Any) -> Any:
    if not shutil.which(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: run `make install` (it installs Debian's chromium)")
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)


def chromium() -> Iterator[Any]:
    """One Chromium for a pytest worker (tests/conftest.py's session fixture `browser`):
    each test opens its own context in it (cookies, storage and routes of its own), which
    costs milliseconds where a launch costs a second or more of CPU."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = launch(playwright)
        yield launched
        launched.close()


def axe_source() -> str:
    """axe-core's script (tools/browser-checks), or the test fails saying how to install it."""
    if not AXE.is_file():
        pytest.fail(f"{AXE} is missing: run `make install` (npm ci in tools/browser-checks)")
    return AXE.read_text()


def serious_axe_violations(page: Any) -> list[str]:
    """axe-core's serious and critical findings on the page as it is now, one line each."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        axe_source()  # there, or the test fails saying how to install it
        page.add_script_tag(path=str(AXE))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


class Screenshots:
    """Full-page PNGs of each state, at both sizes, under SCREENSHOT_DIR (or pytest's tmp)."""

    def __init__(self, directory: Path) -> None:
        self.directory = Path(os.environ.get("SCREENSHOT_DIR", directory))
        self.directory.mkdir(parents=True, exist_ok=True)
        self.taken: list[Path] = []

    def take(self, page: Any, name: str) -> None:
        for size, tag in ((PHONE, "390x844"), (SCREEN, "1280x900")):
            page.set_viewport_size(size)
            path = self.directory / f"{name}-{tag}.png"
            page.screenshot(path=str(path), full_page=True)
            self.taken.append(path)
        page.set_viewport_size(PHONE)
