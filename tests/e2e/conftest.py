"""Browser fixtures for the pages' tests: Debian's headless Chromium through Playwright."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright

from tests.e2e.browsing import ARTIFACTS, CHROMIUM_ARGS, IN_CI, JsErrors


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Debian's headless Chromium, driven by Playwright."""
    executable = shutil.which("chromium")
    if executable is None:
        if IN_CI:
            pytest.fail("chromium is not installed (CI=true requires it): apt-get install chromium")
        pytest.skip("chromium is not installed: apt-get install chromium to run browser tests")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def context(browser: Browser, request: pytest.FixtureRequest) -> Iterator[BrowserContext]:
    """A fresh browser profile (no cookies) in English; a screenshot and a Playwright trace
    are kept in test-artifacts/ when the test fails."""
    ARTIFACTS.mkdir(exist_ok=True)
    ctx = browser.new_context(locale="en-US", viewport={"width": 1280, "height": 900})
    ctx.tracing.start(screenshots=True, snapshots=True)
    failures_before = request.session.testsfailed
    yield ctx
    # The call phase is reported before teardown, so a failure of this test is counted by now.
    failed = request.session.testsfailed > failures_before
    name = re.sub(r"[^\w.-]", "_", request.node.name)
    if failed:
        for number, open_page in enumerate(ctx.pages):
            open_page.screenshot(path=ARTIFACTS / f"{name}-FAILED-{number}.png", full_page=True)
        ctx.tracing.stop(path=ARTIFACTS / f"{name}.trace.zip")
    else:
        ctx.tracing.stop()
    ctx.close()


@pytest.fixture
def js_errors() -> JsErrors:
    return JsErrors()


@pytest.fixture
def page(context: BrowserContext, js_errors: JsErrors) -> Page:
    """A tab whose JavaScript errors and console errors are collected in js_errors."""
    tab = context.new_page()
    js_errors.watch(tab)
    return tab
