"""The published situation reports over the API, on both databases: issuing one (and only
once, and only by whom may), the list, one's digests, and its content as issued, which hashes
to the digests of its ledger entry."""

from __future__ import annotations

import hashlib

import pytest
from fastapi.testclient import TestClient

from tests.e2e.test_api import API, auth, head
from tests.helpers import World
from truce.web.app import create_app

DAY = "2016-03-04"


@pytest.fixture
def client(world: World) -> TestClient:
    return TestClient(create_app(world.truce), raise_server_exceptions=False)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_a_guarantor_issues_a_report_once_and_anyone_checks_it(
    client: TestClient, world: World
) -> None:
    made = client.post(f"{API}/sitreps/published", headers=auth(world, "us"),
                       json={"kind": "daily", "params": {"date": DAY}})  # fmt: skip
    assert made.status_code == 201, made.text
    issued = made.json()
    assert issued["kind"] == "daily" and issued["params"] == {"date": DAY}
    assert issued["entry_seq"] == head(client)["seq"] > issued["built_from"]["seq"]
    assert set(issued["digests"]) == {"en", "ar", "ru"}

    # The ledger entry that issued it carries the same digests.
    entry = client.get(f"{API}/ledger", headers=auth(world, "monitor"),
                       params={"after": issued["entry_seq"] - 1, "limit": 1})  # fmt: skip
    (signed,) = entry.json()["items"]
    assert signed["action"] == "report.published"
    assert signed["payload"]["json"] == issued["json"]
    assert signed["payload"]["digests"] == issued["digests"]

    # Anyone: the list, the one, and the content as issued, hashing to the digests.
    listed = client.get(f"{API}/sitreps/published", params={"kind": "daily"})
    assert listed.status_code == 200, listed.text
    assert listed.json()["total"] == 1 and listed.json()["items"] == [issued]
    assert client.get(f"{API}/sitreps/published/{issued['id']}").json() == issued
    content = f"{API}/sitreps/published/{issued['id']}/content"
    as_json = client.get(content)
    assert as_json.status_code == 200 and as_json.headers["content-type"] == "application/json"
    assert sha256(as_json.content) == issued["json"]
    assert as_json.json()["cutoff"] == issued["cutoff"] and issued["cutoff"].startswith("2016-03")
    assert as_json.headers["truce-ledger-head"].startswith(f"{issued['built_from']['seq']}:")
    as_html = client.get(content, params={"format": "html", "lang": "ar"})
    assert sha256(as_html.content) == issued["digests"]["ar"]["html"]
    as_pdf = client.get(content, params={"format": "pdf", "lang": "ru"})
    assert as_pdf.headers["content-type"] == "application/pdf"
    assert sha256(as_pdf.content) == issued["digests"]["ru"]["pdf"]
    # Built again from today's record, the bulletin names a newer head: not the one issued.
    rebuilt = client.get(f"{API}/sitreps/daily/{DAY}")
    assert sha256(rebuilt.content) != issued["json"]

    # Issued once: a second publish is refused and writes nothing.
    before = head(client)
    again = client.post(f"{API}/sitreps/published", headers=auth(world, "admin"),
                        json={"kind": "daily", "params": {"date": DAY}})  # fmt: skip
    assert again.status_code == 409, again.text
    assert again.json()["field"] == "params"
    assert head(client) == before


def test_who_may_not_and_what_is_malformed_are_refused(client: TestClient, world: World) -> None:
    before = head(client)
    url = f"{API}/sitreps/published"
    monitor = client.post(url, headers=auth(world, "monitor"),
                          json={"kind": "daily", "params": {"date": DAY}})  # fmt: skip
    assert monitor.status_code == 403, monitor.text
    anonymous = client.post(url, json={"kind": "daily", "params": {"date": DAY}})
    assert anonymous.status_code == 401
    admin = auth(world, "admin")
    for body, field in (
        ({"kind": "weekly", "params": {"date": DAY}}, "kind"),
        ({"kind": "daily", "params": {"date": "2016-02-30"}}, "date"),
        ({"kind": "daily", "params": {"date": DAY, "lang": "ar"}}, "lang"),
        ({"kind": "daily", "params": {}}, "date"),
    ):
        refused = client.post(url, headers=admin, json=body)
        assert refused.status_code == 422, (body, refused.text)
        assert refused.json()["field"] == field, (body, refused.json())
    assert head(client) == before
    assert client.get(url).json()["total"] == 0
    assert client.get(url, params={"kind": "weekly"}).status_code == 422
    missing = client.get(f"{url}/99")
    assert missing.status_code == 404 and missing.json()["field"] == "report_id"
    assert client.get(f"{url}/99/content").status_code == 404
