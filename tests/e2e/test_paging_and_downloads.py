"""Lists over HTTP: totals, cursor links that keep the filters, and downloads people can open."""

from __future__ import annotations

import csv
import html
import io
import json
import re
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from tests.helpers import EFFECTIVE, World, add_area, approve_status, square, token_for
from tests.integration.test_lists import DAY, add_article, add_statements
from truce.domain.paging import MAX_LIMIT
from truce.domain.parties import Status
from truce.domain.permissions import SYSTEM, Role
from truce.services import parties, users
from truce.store.tables import StatementRow
from truce.web.app import create_app

API = "/api/v1"
BOM = "\ufeff".encode()
LAVROV_AR = "سيرغي لافروف"
MARCH_1 = "2016-03-01T12:00:00Z"


@pytest.fixture
def client(world: World) -> Iterator[TestClient]:
    with TestClient(create_app(world.truce), raise_server_exceptions=False) as test_client:
        yield test_client


def bearer(world: World, label: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token_for(world, label)}"}


@pytest.fixture
def said(world: World) -> dict[str, list[int]]:
    """183 statements, as /statements had when it stopped at 100: 150 by Lavrov (50 of them
    in Arabic), the other 33 by Peskov for the FSA; some at the same time, some undated."""
    article = add_article(world.truce, DAY, title="Talks")
    times = [DAY + timedelta(minutes=n % 40) for n in range(97)] + [None] * 3
    lavrov = add_statements(world.truce, article, times)
    arabic = add_statements(world.truce, article, [DAY] * 50, speaker=LAVROV_AR)
    peskov = add_statements(world.truce, article, [DAY - timedelta(days=1)] * 33,
                            speaker="Dmitry Peskov", party_id=world.parties["fsa"])  # fmt: skip
    return {"lavrov": lavrov, "arabic": arabic, "peskov": peskov}


def walk_api(client: TestClient, path: str, **params: Any) -> list[dict[str, Any]]:
    """Every page of an API list, by its `next` links; each page's Link header agrees."""
    headers = params.pop("headers", {})
    key = params.pop("items_key", "items")
    response = client.get(f"{API}{path}", params=params, headers=headers)
    found: list[dict[str, Any]] = []
    while True:
        assert response.status_code == 200, response.text
        body = response.json()
        found.append(body)
        header = response.headers.get("link", "")
        links = {rel: url for url, rel in re.findall(r'<([^>]*)>; rel="(\w+)"', header)}
        assert links.get("next") == body["next"] and links.get("prev") == body["previous"]
        if body["next"] is None:
            return found
        assert body["next"].startswith(f"{API}{path}?") and len(body[key]) > 0
        response = client.get(body["next"], headers=headers)


def ids(found: list[dict[str, Any]], key: str = "items") -> list[int]:
    return [item["id"] for page in found for item in page[key]]


# --- the API's lists ------------------------------------------------------------------------


def test_the_statements_api_no_longer_stops_at_100(
    client: TestClient, world: World, said: dict[str, list[int]]
) -> None:
    first = client.get(f"{API}/statements").json()
    assert len(first["items"]) == 100 and first["total"] == 183 and first["next"]
    walked = walk_api(client, "/statements")
    seen = ids(walked)
    assert len(seen) == len(set(seen)) == 183 and set(seen) == {i for v in said.values() for i in v}
    with world.truce.uow(write=False) as uow:
        assert uow.session.scalar(select(func.count(StatementRow.id))) == 183
    assert {page["total"] for page in walked} == {183}


def test_the_next_link_keeps_the_filters(
    client: TestClient, world: World, said: dict[str, list[int]]
) -> None:
    walked = walk_api(client, "/statements", speaker="Lavrov", limit=7)
    assert all("speaker=Lavrov" in page["next"] and "limit=7" in page["next"]
               for page in walked[:-1])  # fmt: skip
    # One man in two scripts: the Latin name finds his Arabic statements too, and back.
    both = sorted(said["lavrov"] + said["arabic"])
    assert sorted(ids(walked)) == both and {p["total"] for p in walked} == {150}
    arabic = walk_api(client, "/statements", speaker=LAVROV_AR, limit=10)
    assert sorted(ids(arabic)) == both
    fsa = walk_api(client, "/statements", party_id=world.parties["fsa"], limit=10,
                   until="2016-02-27T00:00:00Z")  # fmt: skip
    assert sorted(ids(fsa)) == said["peskov"] and len(fsa) == 4


def test_every_list_route_answers_the_same_shape(
    client: TestClient, world: World, said: dict[str, list[int]]
) -> None:
    for _ in range(3):
        add_article(world.truce, DAY)
    approve_status(world, "fsa", Status.COMMITTED)
    add_area(world, "us", "fsa", square(37, 36, 37.1, 36.1))
    add_area(world, "ru", "fsa", square(37, 36, 37.2, 36.2))
    token = bearer(world, "monitor")
    registry = walk_api(client, "/parties", limit=1)
    assert [p["name"] for p in registry for p in p["items"]] == [
        "Ahrar al-Sham", "Free Syrian Army", "Jabhat al-Nusra",
    ]  # fmt: skip
    committed = walk_api(client, "/parties", limit=1, status="committed")
    assert ids(committed) == [world.parties["fsa"]] and committed[0]["total"] == 1
    assert len(walk_api(client, "/articles", limit=2)) == 2
    ledger = walk_api(client, "/ledger", limit=50, headers=token)
    with world.truce.uow(write=False) as uow:
        head = uow.ledger.head()[0]
    assert [e["seq"] for page in ledger for e in page["items"]] == list(range(1, head + 1))
    assert ledger[0]["total"] == head and ledger[0]["head"]["seq"] == head
    areas = walk_api(client, "/areas", at=MARCH_1, limit=1, items_key="features")
    assert len(ids(areas, "features")) == 2 and areas[0]["type"] == "FeatureCollection"
    for page in (registry[0], ledger[0], areas[0], client.get(f"{API}/statements").json()):
        assert {"total", "next", "previous"} <= page.keys()


@pytest.mark.parametrize("path", ["/statements", "/parties", "/articles", "/areas", "/ledger"])
def test_a_malformed_cursor_or_limit_is_a_422_naming_the_field(
    client: TestClient, world: World, path: str
) -> None:
    token = bearer(world, "monitor")
    for params, field in (
        ({"cursor": "not-a-cursor"}, "cursor"),
        ({"cursor": "eyJsIjoib3RoZXIiLCJrIjpbMV19"}, "cursor"),  # {"l":"other","k":[1]}
        ({"cursor": "x" * 3000}, "cursor"),
        ({"limit": MAX_LIMIT + 1}, "limit"),
        ({"limit": 0}, "limit"),
    ):
        response = client.get(f"{API}{path}", params=params, headers=token)
        assert response.status_code == 422, (path, params, response.text)
        assert response.json()["field"] == field, response.json()


def test_the_openapi_document_names_the_paging_parameters_and_downloads(client: TestClient) -> None:
    paths = client.get(f"{API}/openapi.json").json()["paths"]
    for path in ("/statements", "/parties", "/articles", "/areas", "/ledger"):
        names = {p["name"] for p in paths[path]["get"]["parameters"]}
        assert {"cursor", "limit"} <= names, path
    assert "text/csv" in paths["/parties"]["get"]["responses"]["200"]["content"]
    assert "text/csv" in paths["/statements"]["get"]["responses"]["200"]["content"]
    assert "application/geo+json" in paths["/areas"]["get"]["responses"]["200"]["content"]


# --- the web's lists ------------------------------------------------------------------------

QUOTE = re.compile(r'<q dir="auto">quote (\d+)</q>')


def links(body: str) -> dict[str, str]:
    return {
        rel: html.unescape(href)
        for rel, href in re.findall(r'<a rel="(next|prev)" href="([^"]*)"', body)
    }


def showing(body: str) -> str:
    return re.sub(r"\s+", " ", re.search(r'data-testid="showing">([^<]*)<', body)[1])  # type: ignore[index]


def test_the_statements_page_shows_the_total_and_pages_through_all(
    client: TestClient, said: dict[str, list[int]]
) -> None:
    response = client.get("/statements")
    assert showing(response.text) == "Showing 1–50 of 183"
    assert "prev" not in links(response.text)
    rows = 0
    while True:
        assert response.status_code == 200
        rows += len(re.findall(r"<tr>\s*<td>", response.text))
        following = links(response.text).get("next")
        if following is None:
            break
        response = client.get(following)
    assert rows == 183 and showing(response.text) == "Showing 151–183 of 183"
    back = client.get(links(response.text)["prev"])
    assert showing(back.text) == "Showing 101–150 of 183"


def test_the_statements_pages_keep_the_filters_in_their_links(
    client: TestClient, world: World, said: dict[str, list[int]]
) -> None:
    query = {"speaker": "Lavrov", "until": "2016-02-27"}
    response = client.get("/statements", params=query)
    # 97 dated in Latin script and 50 in Arabic; the 3 undated ones are left out.
    assert showing(response.text) == "Showing 1–50 of 147"
    second = links(response.text)["next"]
    assert "speaker=Lavrov" in second and "until=2016-02-27" in second
    page_two = client.get(second)
    assert showing(page_two.text) == "Showing 51–100 of 147"
    assert links(page_two.text)["prev"] == "/statements?speaker=Lavrov&until=2016-02-27"
    page_three = client.get(links(page_two.text)["next"])
    assert showing(page_three.text) == "Showing 101–147 of 147"
    assert "next" not in links(page_three.text)
    download = re.search(r'href="(/statements\?[^"]*format=csv)"', response.text)
    assert download is not None
    assert html.unescape(download[1]) == "/statements?speaker=Lavrov&until=2016-02-27&format=csv"


def test_the_registry_page_shows_its_total_and_a_download_with_its_filters(
    client: TestClient, world: World
) -> None:
    with world.truce.uow() as uow:
        for n in range(60):
            parties.create_party(parties.NewParty(f"Brigade {n:02d}"), uow, actor=SYSTEM)
    response = client.get("/")
    assert showing(response.text) == "Showing 1–50 of 63" and "63 parties" in response.text
    assert len(re.findall(r"<tr data-party=", response.text)) == 50
    rest = client.get(links(response.text)["next"])
    assert showing(rest.text) == "Showing 51–63 of 63"
    assert len(re.findall(r"<tr data-party=", rest.text)) == 13
    found = client.get("/", params={"q": "brigade 1", "status": "unknown"})
    assert showing(found.text) == "Showing 1–10 of 10"
    assert 'href="/?q=brigade+1&amp;status=unknown&amp;format=csv"' in found.text


def sign_in(client: TestClient, world: World, role: Role = Role.ANALYST) -> None:
    password = "a long password for the web"
    with world.truce.uow() as uow:
        users.add_user(users.NewUser(f"web-{role.value}", role, password), uow, actor=SYSTEM)
    form = client.get("/login").text
    csrf = re.search(r'name="csrf" value="([^"]*)"', form)[1]  # type: ignore[index]
    data = {"csrf": csrf, "username": f"web-{role.value}", "password": password, "next": "/"}
    assert client.post("/login", data=data, follow_redirects=False).status_code == 303


def test_the_ledger_page_pages_newest_first(client: TestClient, world: World) -> None:
    sign_in(client, world)
    with world.truce.uow(write=False) as uow:
        head = uow.ledger.head()[0]
    response = client.get("/ledger")
    assert showing(response.text) == f"Showing 1–{min(head, 50)} of {head}"
    seqs = [int(s) for s in re.findall(r"<tr><td>(\d+)</td>", response.text)]
    assert seqs == list(range(head, max(head - 50, 0), -1))


def test_the_areas_page_lists_a_day_and_pages(client: TestClient, world: World) -> None:
    approve_status(world, "fsa", Status.COMMITTED)
    for n in range(53):
        add_area(world, "us", "fsa", square(36 + n / 100, 35, 36.005 + n / 100, 35.005))
    add_area(world, "ru", "fsa", square(37, 36, 37.2, 36.2),
             valid_from=EFFECTIVE + timedelta(days=10))  # fmt: skip
    response = client.get("/areas", params={"date": "2016-03-01"})
    assert showing(response.text) == "Showing 1–50 of 53"
    assert 'href="/areas?date=2016-03-01&amp;format=geojson"' in response.text
    assert "date=2016-03-01" in links(response.text)["next"]
    later = client.get("/areas", params={"date": "2016-03-10", "guarantor": "RU"})
    assert showing(later.text) == "Showing 1–1 of 1"
    assert client.get("/areas", params={"guarantor": "GB"}).status_code == 422
    page = client.get("/map", params={"date": "2016-03-01"}).text
    assert 'href="/areas?date=2016-03-01&amp;format=geojson"' in page


# --- downloads ------------------------------------------------------------------------------


def read_csv(response: Any) -> list[dict[str, str]]:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.content.startswith(BOM)
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"), newline="")))


def filename(response: Any) -> str:
    return re.fullmatch(r'attachment; filename="([^"]+)"', response.headers["content-disposition"])[
        1
    ]  # type: ignore[index]


def test_the_registry_csv_holds_the_filtered_parties_with_their_arabic_names(
    client: TestClient, world: World
) -> None:
    approve_status(world, "fsa", Status.COMMITTED)
    everyone = read_csv(client.get(f"{API}/parties", params={"format": "csv"}))
    assert [r["name"] for r in everyone] == ["Ahrar al-Sham", "Free Syrian Army", "Jabhat al-Nusra"]
    fsa = everyone[1]
    assert fsa["name_ar"] == "الجيش السوري الحر" and fsa["status"] == "committed"
    assert everyone[2]["name_ru"] == "Джебхат ан-Нусра" and everyone[2]["designated"] == "yes"
    found = client.get(f"{API}/parties", params={"format": "csv", "q": "الجيش"})
    assert [r["name"] for r in read_csv(found)] == ["Free Syrian Army"]
    assert re.fullmatch(r"coh-registry-\d{4}-\d{2}-\d{2}\.csv", filename(found))
    by_status = client.get(f"{API}/parties", params={"status": "committed"},
                           headers={"Accept": "text/csv"})  # fmt: skip
    assert [r["id"] for r in read_csv(by_status)] == [str(world.parties["fsa"])]
    web = client.get("/", params={"format": "csv", "q": "الجيش"})
    assert web.content == found.content


def test_public_downloads_hold_no_restricted_field_or_staff_name(
    client: TestClient, world: World
) -> None:
    body = {"agreement_id": world.agreement_id, "party_id": world.parties["fsa"],
            "guarantor": "US", "channel": "phone", "note": "via Amman"}  # fmt: skip
    assert (
        client.post(f"{API}/commitments", json=body, headers=bearer(world, "us")).status_code == 201
    )
    proposal = {"agreement_id": world.agreement_id, "party_id": world.parties["ahrar"],
                "status": "committed", "reason": "they said so"}  # fmt: skip
    posted = client.post(f"{API}/status-proposals", json=proposal, headers=bearer(world, "us"))
    assert posted.status_code == 201
    public = client.get(f"{API}/parties", params={"format": "csv"})
    text = public.content.decode("utf-8-sig")
    for secret in ("us-ops", "via Amman", "phone", "internal note"):
        assert secret not in text
    rows = read_csv(public)
    assert "notes" not in rows[0] and rows[0]["open_proposals"] == "US: committed"
    assert rows[1]["committed_to"] == "US" and rows[1]["late"] == "yes"
    analyst = read_csv(client.get(f"{API}/parties?format=csv", headers=bearer(world, "analyst")))
    assert analyst[1]["notes"] == "internal note"
    sign_in(client, world)  # the web serves its download to the signed-in user, as its pages
    assert read_csv(client.get("/?format=csv"))[1]["notes"] == "internal note"


def test_a_cell_that_would_run_as_a_formula_is_quoted(client: TestClient, world: World) -> None:
    risky = '=HYPERLINK("http://example.com","click")'
    created = client.post(f"{API}/parties", json={"name": risky, "side": "-1+2"},
                          headers=bearer(world, "admin"))  # fmt: skip
    assert created.status_code == 201, created.text
    [row] = read_csv(client.get(f"{API}/parties", params={"format": "csv", "q": "hyperlink"}))
    assert (row["name"], row["side"]) == (f"'{risky}", "'-1+2")


def test_the_statements_csv_is_not_paged_and_keeps_the_filters(
    client: TestClient, world: World, said: dict[str, list[int]]
) -> None:
    many = add_statements(world.truce, add_article(world.truce, DAY + timedelta(days=1)),
                          [DAY + timedelta(days=1)] * 950, speaker="Sergey Lavrov")  # fmt: skip
    everything = read_csv(client.get(f"{API}/statements", params={"format": "csv"}))
    assert len(everything) == 183 + 950 > MAX_LIMIT  # more than one page, all in one file
    assert [int(r["id"]) for r in everything[:950]] == many
    arabic = client.get(f"{API}/statements", params={"format": "csv", "speaker": LAVROV_AR})
    rows = read_csv(arabic)
    assert sorted(int(r["id"]) for r in rows) == sorted(said["lavrov"] + said["arabic"] + many)
    assert {r["speaker"] for r in rows} == {LAVROV_AR, "Sergey Lavrov"}
    assert re.fullmatch(r"truce-statements-\d{4}-\d{2}-\d{2}\.csv", filename(arabic))
    web = client.get("/statements", params={"speaker": "Peskov", "until": "2016-02-27",
                                             "format": "csv"})  # fmt: skip
    assert sorted(int(r["id"]) for r in read_csv(web)) == said["peskov"]
    assert set(read_csv(web)[0]) == {
        "id", "said_at", "speaker", "role", "party_id", "quote", "kind", "cue", "reported_by",
        "article_id", "article_title", "outlet",
    }  # fmt: skip
    assert client.get(f"{API}/statements", params={"format": "xml"}).json()["field"] == "format"


def test_the_areas_geojson_is_a_feature_collection_of_the_chosen_day(
    client: TestClient, world: World
) -> None:
    approve_status(world, "fsa", Status.COMMITTED)
    early = add_area(world, "us", "fsa", square(36, 35, 36.1, 35.1))
    later = add_area(world, "ru", "nusra", square(37, 36, 37.2, 36.2),
                     valid_from=EFFECTIVE + timedelta(days=10))  # fmt: skip
    response = client.get(f"{API}/areas", params={"format": "geojson", "at": MARCH_1})
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/geo+json"
    assert filename(response) == "coh-areas-2016-03-01.geojson"
    collection = json.loads(response.content)
    assert (
        collection["type"] == "FeatureCollection"
        and collection["at"] == "2016-03-01T12:00:00+00:00"
    )
    [feature] = collection["features"]
    assert feature["type"] == "Feature" and feature["id"] == early
    assert feature["geometry"]["type"] == "Polygon"
    assert (
        feature["properties"]["status"] == "committed"
        and feature["properties"]["party"] == "Free Syrian Army"
    )
    listed = client.get(f"{API}/areas", params={"at": MARCH_1}).json()
    assert listed["features"] == collection["features"]
    tenth = client.get(f"{API}/areas", params={"at": "2016-03-10T12:00:00Z"},
                       headers={"Accept": "application/geo+json"})  # fmt: skip
    assert [f["id"] for f in json.loads(tenth.content)["features"]] == [early, later]
    web = client.get(
        "/areas", params={"date": "2016-03-10", "guarantor": "RU", "format": "geojson"}
    )
    assert filename(web) == "coh-areas-2016-03-10-RU.geojson"
    assert [f["id"] for f in json.loads(web.content)["features"]] == [later]
    before = json.loads(client.get(f"{API}/areas?format=geojson&at=2016-02-20T12:00:00Z").content)
    assert before["features"] == []
    assert (
        client.get(f"{API}/areas", params={"format": "geojson", "guarantor": "GB"}).status_code
        == 422
    )
