"""What the browser tests share: the app served on a free port, and a record of JS errors.

Chromium is Debian's /usr/bin/chromium (`playwright install` is not needed). Without it the
browser tests are skipped, except under CI=true, where that is a failure. The fixtures that use
these (browser, context, page, js_errors) are in tests/e2e/conftest.py.
"""

from __future__ import annotations

import os
import re
import socket
import threading
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import uvicorn
from fastapi import FastAPI
from playwright.sync_api import ConsoleMessage, Page

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
IN_CI = os.environ.get("CI", "").lower() == "true"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
_ENROLMENT_CODE = re.compile(r"enrolment code for (\S+): (\S+)")
# The one-time enrolment codes `truce demo` printed for its guarantors, by the address the
# demo is served at: the first browser a guarantor signs in with enrols their key with it.
DEMO_CODES: dict[str, dict[str, str]] = {}


def keep_enrolment_codes(site: str, demo_output: str) -> None:
    """Remember the codes in the output of `truce demo` for the demo served at ``site``."""
    codes = dict(_ENROLMENT_CODE.findall(demo_output))
    assert {"us-ops", "ru-ops"} <= set(codes), demo_output
    DEMO_CODES[site] = codes


def enrol_if_asked(page: Page, username: str) -> None:
    """After signing in: when the page asks for the enrolment code (the guarantor's first
    sign-in on this demo), give it, so this browser makes and holds the guarantor's key."""
    if urlsplit(page.url).path != "/account/key":
        return
    parts = urlsplit(page.url)
    code = DEMO_CODES[f"{parts.scheme}://{parts.netloc}"].pop(username)
    form = page.get_by_test_id("enrol-form")
    form.locator("#code").fill(code)
    form.locator("button[type=submit]").click()
    page.wait_for_load_state()


@contextmanager
def serve(app: FastAPI, ready_path: str = "/") -> Iterator[str]:
    """``app`` behind uvicorn in a background thread on a free localhost port; its base URL
    once ``ready_path`` answers 200."""
    sock = _free_socket()
    host, port = sock.getsockname()
    # No websockets, no lifespan, no logging set-up: nothing the app does not use, so the
    # server thread has nothing to warn about (warnings are errors in this suite).
    config = uvicorn.Config(
        app, log_config=None, log_level="warning", access_log=False, ws="none", lifespan="off"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, name="uvicorn", daemon=True
    )
    thread.start()
    url = f"http://{host}:{port}"
    try:
        _wait_until_answering(f"{url}{ready_path}", server, thread)
        yield url
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
    assert not thread.is_alive(), "the web server did not stop"


def _free_socket() -> socket.socket:
    """A socket bound to a free localhost port, handed to uvicorn (no race for the port)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


def _wait_until_answering(url: str, server: uvicorn.Server, thread: threading.Thread) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if not thread.is_alive():
            pytest.fail("the web server stopped while starting")
        if server.started:
            try:
                with urllib.request.urlopen(url, timeout=2) as response:
                    if response.status == 200:
                        return
            except OSError:
                pass
        time.sleep(0.05)
    pytest.fail(f"the web server did not answer at {url} within 20 s")


class JsErrors(list[str]):
    """Uncaught exceptions and console errors of the pages a test opened."""

    def watch(self, page: Page) -> None:
        page.on("pageerror", lambda exc: self.append(f"{page.url}: uncaught {exc}"))
        page.on("console", lambda message: self._console(page, message))

    def _console(self, page: Page, message: ConsoleMessage) -> None:
        if message.type == "error":
            where = message.location.get("url") or page.url
            self.append(f"{page.url}: console error {message.text} ({where})")
