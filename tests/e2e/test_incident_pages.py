"""The incident pages over HTTP, per role: the table and its filters, one incident with its
reports side by side, the report form, and who sees a hidden reporter (an admin only).

Every test runs on SQLite and PostgreSQL through the real app, signing in through the login
form as a person would.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.helpers import World
from truce.domain.permissions import SYSTEM, Role
from truce.services import incidents, users
from truce.store.reports import ReportFilters
from truce.web.app import create_app

PASSWORD = "correct horse battery staple"
# label: (user name, role, party key)
PEOPLE = {
    "monitor": ("field-monitor", Role.MONITOR, None),
    "liaison": ("field-liaison", Role.LIAISON, "fsa"),
    "admin": ("site-admin", Role.ADMIN, None),
    "analyst": ("desk-analyst", Role.ANALYST, None),
}
REPORT = {
    "occurred_start": "2016-03-01T14:30",
    "time_precision": "day",
    "location": "Kafr Zita",
    "admin1": "Hama",
    "event_type": "Ceasefire",
    "sub_event_type": "impact or airburst explosion",
    "weapon_class": "mortar",
    "actor1": "Jabhat al-Nusra",
    "actor2": "Free Syrian Army",
    "killed.civilians": "2",
    "injured.civilians": "5",
    "text": "Two mortar rounds hit the market.\r\nThe second one at 14:40.",
    "lang": "en",
    "source": "",
}


@pytest.fixture
def people(world: World) -> World:
    """Users who can sign in with PASSWORD, one per role these pages tell apart."""
    for username, role, party in PEOPLE.values():
        party_id = world.parties[party] if party else None
        with world.truce.uow() as uow:
            users.add_user(
                users.NewUser(username, role, PASSWORD, party_id=party_id), uow, actor=SYSTEM
            )
    return world


def client_of(world: World, label: str | None = None) -> TestClient:
    """A browser of the whole app, signed in as ``label`` (None: the public)."""
    client = TestClient(create_app(world.truce), follow_redirects=False)
    if label is not None:
        form = {"csrf": csrf_of(client), "username": PEOPLE[label][0], "password": PASSWORD,
                "next": "/"}  # fmt: skip
        assert client.post("/login", data=form).status_code == 303
    return client


def csrf_of(client: TestClient, path: str = "/login") -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', client.get(path).text)
    assert found, f"no CSRF token on {path}"
    return found.group(1)


def file_report(client: TestClient, **changes: str) -> Any:
    form = {**REPORT, **changes, "csrf": csrf_of(client, "/reports/new")}
    return client.post("/reports/new", data={k: v for k, v in form.items() if v is not None})


def incident_id(response: Any) -> int:
    assert response.status_code == 303, response.text
    found = re.fullmatch(r"/incidents/(\d+)", response.headers["location"])
    assert found, response.headers["location"]
    return int(found.group(1))


def cells(html: str, testid: str) -> list[str]:
    """The text of each element marked ``data-testid=testid``, tags removed."""
    found = re.findall(rf'data-testid="{testid}"[^>]*>(.*?)</td>', html, re.S)
    return [" ".join(re.sub(r"<[^>]+>", " ", cell).split()) for cell in found]


# --- filing through the form -----------------------------------------------------------------


def test_a_monitor_files_a_report_and_lands_on_its_incident(people: World) -> None:
    monitor = client_of(people, "monitor")
    form_page = monitor.get("/reports/new")
    assert form_page.status_code == 200
    assert 'data-testid="nav-file-report"' in form_page.text
    number = incident_id(file_report(monitor))
    page = monitor.get(f"/incidents/{number}")
    assert page.status_code == 200
    assert "Report filed and linked into this incident." in page.text
    assert cells(page.text, "report-source") == ["Truce monitoring (F)"]
    assert 'title="reliability cannot be judged">(F)' in page.text
    assert cells(page.text, "claimed-perpetrator") == ["Jabhat al-Nusra Jabhat al-Nusra"]
    assert "Two mortar rounds hit the market.\nThe second one at 14:40." in page.text
    assert cells(page.text, "report-reporter") == ["field-monitor"]  # not hidden: staff read it
    assert 'data-testid="killed">2<' in page.text
    # Placed by the gazetteer, in the district its point lies in; on the agreement's clock.
    assert "Kafr Zita, Mhardeh, Hama" in page.text
    assert 'datetime="2016-03-01T12:30:00+00:00"' in page.text
    # In the table, linked, with its source; filtered by its type and by its source.
    table = monitor.get("/incidents?event_type=Ceasefire&source=Truce+monitoring")
    assert table.status_code == 200
    assert f'href="/incidents/{number}"' in table.text
    assert "Showing 1–1 of 1" in table.text
    none = monitor.get("/incidents?event_type=Battles")
    assert 'data-testid="no-incidents"' in none.text and f'href="/incidents/{number}"' not in (
        none.text
    )


def test_the_same_report_sent_twice_is_filed_once(people: World) -> None:
    monitor = client_of(people, "monitor")
    first = incident_id(file_report(monitor))
    again = file_report(monitor)
    assert incident_id(again) == first
    page = monitor.get(f"/incidents/{first}")
    assert "This report was already filed: nothing was added." in page.text
    assert len(cells(page.text, "report-source")) == 1


def test_a_refused_report_keeps_what_was_typed_and_names_each_field(people: World) -> None:
    monitor = client_of(people, "monitor")
    refused = file_report(
        monitor, occurred_start="", lat="north-ish", lon="36.6", event_type="Skirmish",
        **{"killed.civilians": "two"},
    )  # fmt: skip
    assert refused.status_code == 422
    html = refused.text
    assert 'data-testid="form-errors"' in html
    for field in ("occurred_start", "lat", "event_type", "killed.civilians"):
        assert f'data-testid="error-{field}"' in html, field
    assert 'data-testid="error-source"' not in html  # an empty source is the filer's own
    assert "occurred_start is required" in html
    assert "lat: give a number in degrees" in html
    assert "Unknown event type &#39;Skirmish&#39;" in html
    # What was typed is there to fix, not to type again.
    assert 'value="north-ish"' in html and 'value="Kafr Zita"' in html
    assert "Two mortar rounds hit the market.\nThe second one at 14:40.</textarea>" in html
    assert 'value="two"' in html
    assert 'aria-invalid="true" aria-describedby="error-lat"' in html
    with people.truce.uow(write=False) as uow:
        assert uow.reports.page(ReportFilters(), None, 10).total == 0


def test_a_place_no_gazetteer_knows_is_named_by_the_form(people: World) -> None:
    monitor = client_of(people, "monitor")
    refused = file_report(monitor, location="Atlantis", admin1="")
    assert refused.status_code == 422
    assert 'data-testid="error-location"' in refused.text
    assert "No place named &#39;Atlantis&#39; is known" in refused.text


@pytest.mark.parametrize("label", ["analyst", "admin"])
def test_who_may_not_file_is_not_offered_the_form(people: World, label: str) -> None:
    client = client_of(people, label)
    home = client.get("/incidents")
    assert 'data-testid="nav-incidents"' in home.text
    assert 'data-testid="nav-file-report"' not in home.text
    assert client.get("/reports/new").status_code == 403
    refused = client.post("/reports/new", data={**REPORT, "csrf": csrf_of(client, "/incidents")})
    assert refused.status_code == 403


def test_the_public_reads_incidents_but_is_sent_to_sign_in_to_file(people: World) -> None:
    number = incident_id(file_report(client_of(people, "monitor")))
    public = client_of(people)
    table = public.get("/incidents")
    assert table.status_code == 200 and f'href="/incidents/{number}"' in table.text
    assert 'data-testid="nav-file-report"' not in table.text
    page = public.get(f"/incidents/{number}")
    assert page.status_code == 200
    assert cells(page.text, "report-reporter") == ["not shown"]
    assert "field-monitor" not in page.text
    assert ">Channel<" not in page.text  # a restricted field
    login = public.get("/reports/new")
    assert login.status_code == 303 and login.headers["location"] == "/login?next=/reports/new"


def test_a_hidden_reporter_is_shown_to_an_admin_only(people: World) -> None:
    liaison = client_of(people, "liaison")
    number = incident_id(file_report(liaison, hide_reporter="1"))
    seen = {}
    for label in (None, "monitor", "liaison", "analyst", "admin"):
        page = client_of(people, label).get(f"/incidents/{number}")
        assert page.status_code == 200
        seen[label] = cells(page.text, "report-reporter")
    assert seen.pop("admin") == ["field-liaison"]
    assert all(shown == ["not shown"] for shown in seen.values()), seen
    for label in (None, "monitor", "analyst"):
        assert "field-liaison" not in client_of(people, label).get(f"/incidents/{number}").text


# --- the table's filters ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "field", "words"),
    [
        ("verdict=bogus", "verdict", "verdict must be one of"),
        ("outcome=guilty", "outcome", "outcome must be one of"),
        ("event_type=Skirmish", "event_type", "event_type must be one of"),
        ("since=yesterday", "since", "since: give a date"),
        ("until=2016-02-31", "until", "until: give a date"),
        ("bbox=1,2", "bbox", "bbox is four numbers"),
        ("bbox=50,30,40,35", "bbox", "west &lt;= east"),
        ("party=fsa", "party", "party: choose a party"),
        ("cursor=not-a-cursor", "cursor", ""),
    ],
)
def test_a_bad_filter_is_named_not_a_server_error(
    people: World, query: str, field: str, words: str
) -> None:
    page = client_of(people).get(f"/incidents?{query}")
    assert page.status_code == 422, page.text[:500]
    message = re.search(r'data-testid="filter-error" data-field="([^"]*)">([^<]*)<', page.text)
    assert message, page.text[:2000]
    assert message.group(1) == field
    assert f"({field})" in message.group(2) and words in message.group(2)
    assert 'data-testid="incident-filters"' in page.text  # the form, to fix the filter


def test_the_filters_narrow_the_table_and_keep_their_values(people: World) -> None:
    monitor = client_of(people, "monitor")
    hama = incident_id(file_report(monitor))
    aleppo = incident_id(
        file_report(monitor, location="Aleppo", admin1="Aleppo", occurred_start="2016-03-05T09:00",
                    text="Shelling of Sheikh Maqsoud.", actor1="Ahrar al-Sham")
    )  # fmt: skip
    public = client_of(people)
    both = public.get("/incidents")
    assert "Showing 1–2 of 2" in both.text
    by_day = public.get("/incidents?since=2016-03-05&until=2016-03-05")
    assert f'href="/incidents/{aleppo}"' in by_day.text
    assert f'href="/incidents/{hama}"' not in by_day.text
    assert 'value="2016-03-05"' in by_day.text
    nusra = people.parties["nusra"]
    by_party = public.get(f"/incidents?party={nusra}")
    assert f'href="/incidents/{hama}"' in by_party.text
    assert f'href="/incidents/{aleppo}"' not in by_party.text
    assert f'<option value="{nusra}" selected>' in by_party.text
    in_box = public.get("/incidents?bbox=36.9,36.0,37.4,36.4")  # around Aleppo
    assert f'href="/incidents/{aleppo}"' in in_box.text
    assert f'href="/incidents/{hama}"' not in in_box.text
    paged = public.get("/incidents").text
    assert 'data-testid="next"' not in paged


def test_a_merged_incident_shows_where_it_went(people: World) -> None:
    monitor = client_of(people, "monitor")
    kept = incident_id(file_report(monitor))
    gone = incident_id(
        file_report(monitor, location="Aleppo", admin1="Aleppo", occurred_start="2016-03-05T09:00",
                    text="Shelling of Sheikh Maqsoud.")
    )  # fmt: skip
    assert kept != gone
    with people.truce.uow() as uow:
        cmd = incidents.MergeIncidents(kept, (gone,), "the same shelling, misplaced")
        incidents.merge_incidents(cmd, uow, actor=people.actors["admin"])
    page = client_of(people).get(f"/incidents/{gone}")
    assert page.status_code == 200
    assert f"This incident was merged into incident {kept}." in page.text
    assert f'href="/incidents/{kept}" data-testid="merged-into"' in page.text
    assert "the same shelling, misplaced" in page.text
    merged = client_of(people).get(f"/incidents/{kept}")
    assert len(cells(merged.text, "report-source")) == 2
    assert client_of(people).get("/incidents/999999").status_code == 404


# --- the place search ----------------------------------------------------------------------------


@pytest.mark.parametrize("query", ["Kafr Zit", "كفر زيتا", "Кафр Зита"])
def test_the_place_search_finds_a_town_in_any_script(people: World, query: str) -> None:
    answer = client_of(people).get("/api/v1/places", params={"q": query, "limit": 5})
    assert answer.status_code == 200, answer.text
    places = answer.json()["items"]
    town = next(p for p in places if p["kind"] == "city")
    assert town["country"] == "SY" and town["admin1"] == "Hama"
    assert abs(town["lat"] - 35.37) < 0.05 and abs(town["lon"] - 36.60) < 0.05


def test_the_place_search_names_a_bad_query(people: World) -> None:
    answer = client_of(people).get("/api/v1/places", params={"q": "K"})
    assert answer.status_code == 422
    assert answer.json()["field"] == "q"
