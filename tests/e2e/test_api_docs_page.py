"""/api/v1/docs in a real headless Chromium: Swagger UI from our own static files, offline.

Every request that would leave the site is recorded and refused, so the page passes only if it
lists the operations with nothing but what Truce serves, under the site's CSP (a violation is
a console error, which js_errors collects).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, Route, expect

from tests.e2e.browsing import JsErrors, serve
from tests.helpers import sqlite_truce
from truce.api.app import create_api
from truce.web.app import create_app
from truce.web.rendering import HERE

pytestmark = pytest.mark.browser

SWAGGER_UI = HERE / "static" / "vendor" / "swagger-ui" / "swagger-ui-bundle.js"


@pytest.fixture(scope="module")
def site(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if not SWAGGER_UI.exists():
        pytest.fail(f"Swagger UI is missing ({SWAGGER_UI}): run `make vendor`")
    truce = sqlite_truce(sqlite_template, tmp_path_factory.mktemp("docs"))
    with serve(create_app(truce)) as url:
        yield url
    truce.close()


def test_the_api_page_lists_every_operation_offline(
    site: str, page: Page, js_errors: JsErrors
) -> None:
    elsewhere: list[str] = []

    def only_ours(route: Route) -> None:
        url = route.request.url
        if url.startswith(f"{site}/") or url.startswith("data:"):
            route.continue_()
        else:
            elsewhere.append(url)
            route.abort()

    page.context.route("**/*", only_ours)
    response = page.goto(f"{site}/api/v1/docs")
    assert response is not None and response.status == 200
    assert "script-src 'self'" in response.headers["content-security-policy"]
    document = create_api(truce=None).openapi()
    count = sum(len(item) for item in document["paths"].values())
    operations = page.locator(".opblock")
    expect(operations).to_have_count(count, timeout=20_000)
    expect(page.locator(".opblock-summary-path").first).to_be_visible()
    expect(page.get_by_text("/status-proposals/{proposal_id}/decision")).to_be_visible()
    assert elsewhere == []
    assert js_errors == []
