"""The code-table page in a real browser: the filter finds codes by words and by number.

Drives Debian's chromium (not a browser Playwright downloads) headless, offline: every
request other than the page's own file is refused and reported. Without chromium the test
is skipped, unless AICCGEN_REQUIRE_BROWSER=1 (CI sets it) makes that a failure.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from generator.cli import main

if TYPE_CHECKING:
    from playwright.sync_api import Browser, ConsoleMessage, Page, Route

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = os.environ.get("AICCGEN_CHROMIUM", "/usr/bin/chromium")
REQUIRED = os.environ.get("AICCGEN_REQUIRE_BROWSER") == "1"
FLAGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync",
]
TIMEOUT_MS = 5_000

pytestmark = pytest.mark.browser


def unavailable(reason: str) -> None:
    if REQUIRED:
        pytest.fail(f"{reason}, and AICCGEN_REQUIRE_BROWSER=1 requires the browser test to run")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("browser") / "generated"
    assert main(["generate", "--specs", str(ROOT / "specs"), "--out", str(out), "--no-cache"]) == 0
    return out / "docs"


@pytest.fixture(scope="module")
def page_url(generated: Path) -> str:
    return (generated / "code-tables.html").as_uri()


@pytest.fixture(scope="module")
def counts(generated: Path) -> tuple[int, int]:
    """(codes, tables) of the page, from the JSON export."""
    tables = json.loads((generated / "code-tables.json").read_text(encoding="utf-8"))["tables"]
    return sum(len(t["entries"]) for t in tables), len(tables)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Chromium with a fresh temporary profile (Playwright makes one per launch)."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        unavailable("playwright is not installed (pip install -e '.[test]')")
    if not os.access(CHROMIUM, os.X_OK):
        unavailable(f"no chromium at {CHROMIUM} (apt-get install chromium)")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
        try:
            yield browser
        finally:
            browser.close()


def open_page(browser: Browser, url: str, *, javascript: bool = True) -> tuple[Page, list[str]]:
    context = browser.new_context(java_script_enabled=javascript)
    context.set_default_timeout(TIMEOUT_MS)
    problems: list[str] = []  # refused requests, script errors, console errors: filled as they happen

    def route(r: Route) -> None:
        if r.request.url == url:
            r.continue_()
        else:
            problems.append(f"request refused: {r.request.url}")
            r.abort()

    def console(msg: ConsoleMessage) -> None:
        if msg.type in ("error", "warning"):
            problems.append(f"console {msg.type}: {msg.text}")

    context.route("**/*", route)
    page = context.new_page()
    page.on("pageerror", lambda exc: problems.append(f"script error: {exc}"))
    page.on("console", console)
    page.goto(url)
    return page, problems


def visible(page: Page, selector: str) -> bool:
    return page.locator(selector).is_visible()


ITA_17 = 'section#ItaCauseCode tr[data-code="17"]'
ITA_18 = 'section#ItaCauseCode tr[data-code="18"]'
ITA_16 = 'section#ItaCauseCode tr[data-code="16"]'
CALL_STATE_ROW = 'section#CallState tr[data-code="0"]'


def test_filter_finds_a_code_by_words_and_by_number(browser: Browser, page_url: str,
                                                    counts: tuple[int, int]) -> None:
    codes, tables = counts
    page, problems = open_page(browser, page_url)
    box = page.locator("#code-filter")
    status = page.locator("#filter-status")
    assert box.is_visible() and visible(page, ITA_17) and visible(page, ITA_18) and visible(page, CALL_STATE_ROW)
    total = status.inner_text()

    # keyboard only: "/" goes to the filter, then type
    page.keyboard.press("/")
    assert page.evaluate("document.activeElement.id") == "code-filter"
    page.keyboard.type("busy")
    assert page.locator(ITA_17).inner_text().split("\t")[-1].strip() == "The user is busy."
    assert visible(page, ITA_17)
    assert not visible(page, ITA_18)  # "No answer."
    assert not visible(page, CALL_STATE_ROW) and not visible(page, "section#CallState")
    assert not visible(page, "section#ReasonCode")
    assert visible(page, "section#ItaCauseCode")
    assert status.inner_text() == f"Showing 1 code of {codes}, in 1 table of {tables}."
    assert not visible(page, '[data-toc-for="CallState"]') and visible(page, '[data-toc-for="ItaCauseCode"]')

    # Esc clears: everything is back
    page.keyboard.press("Escape")
    assert box.input_value() == ""
    assert visible(page, ITA_18) and visible(page, CALL_STATE_ROW)
    assert status.inner_text() == total

    # a code, exactly: 17 finds ITA cause 17, not 1, 16 or 170-something
    page.keyboard.type("17")
    assert visible(page, ITA_17)
    assert not visible(page, ITA_16) and not visible(page, ITA_18)
    assert not visible(page, 'section#ItaCauseCode tr[data-code="1"]')
    assert not visible(page, CALL_STATE_ROW)
    assert status.inner_text().startswith(f"Showing 1 code of {codes},")
    page.keyboard.press("Enter")  # nothing is submitted anywhere
    assert page.url == page_url and visible(page, ITA_17) and not visible(page, ITA_18)

    # all words must match, in any case: a table word narrows a meaning word
    box.fill("")
    page.keyboard.type("ITA Busy")
    assert visible(page, ITA_17) and status.inner_text().startswith("Showing 1 code ")
    box.fill("")
    page.keyboard.type("busy nothing-like-this")
    assert not visible(page, ITA_17) and visible(page, "#no-match")
    assert problems == [], problems


def test_without_javascript_every_row_is_shown(browser: Browser, page_url: str, counts: tuple[int, int]) -> None:
    page, problems = open_page(browser, page_url, javascript=False)
    assert not visible(page, "#code-filter")  # no box that would do nothing
    assert page.locator("tbody tr[data-code]").count() == counts[0]
    assert page.locator("tbody tr[data-code]:visible").count() == counts[0]
    assert visible(page, ITA_17) and visible(page, CALL_STATE_ROW)
    assert problems == [], problems
