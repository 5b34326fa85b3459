"""A typed date is the same moment everywhere: the API, the web pages and the command line read
it by one rule (domain/times.py): noon in the agreement's time zone (Damascus, UTC+2 in 2016),
or, as a bound of a period, the whole day there.

The areas and statements here sit between UTC midnight and Damascus noon, or between Damascus
midnight and UTC midnight, so that any other reading (UTC midnight, UTC noon) gives other rows.
On SQLite and PostgreSQL.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from tests.helpers import World, add_area, approve_status, square
from tests.integration.test_news_ingest import SEED, ingest
from truce.cli import app
from truce.domain.parties import Status
from truce.web.app import create_app

API = "/api/v1"
DAY = "2016-03-01"
NOON_DAMASCUS = datetime(2016, 3, 1, 10, tzinfo=UTC)  # 12:00 +02:00
AREA = square(37.0, 36.1, 37.3, 36.3)


@pytest.fixture
def areas(world: World) -> dict[str, int]:
    """Three areas of the FSA: from before the day, from its morning, from its afternoon."""
    approve_status(world, "fsa", Status.COMMITTED)
    return {
        "before": add_area(world, "us", "fsa", AREA, label="before"),
        # 08:00 in Damascus: after UTC midnight and before noon there.
        "morning": add_area(
            world,
            "ru",
            "fsa",
            AREA,
            label="morning",
            valid_from=datetime(2016, 3, 1, 6, tzinfo=UTC),
        ),
        # 13:00 in Damascus, 11:00 UTC: after noon there, before noon in UTC.
        "afternoon": add_area(
            world,
            "us",
            "fsa",
            square(37.5, 36.5, 37.6, 36.6),
            label="afternoon",
            valid_from=datetime(2016, 3, 1, 11, tzinfo=UTC),
            guarantor="US",
        ),
    }


@pytest.fixture
def client(world: World) -> TestClient:
    return TestClient(create_app(world.truce), raise_server_exceptions=False)


def cli(world: World, *args: str) -> str:
    assert world.truce.secret
    env = {"TRUCE_DATABASE_URL": world.truce.db.url, "TRUCE_SECRET_KEY": world.truce.secret}
    result = CliRunner().invoke(app, list(args), env=env)
    assert result.exit_code == 0, result.output
    return result.output


def test_a_date_is_noon_in_the_agreements_zone_in_the_api_the_pages_and_the_cli(
    client: TestClient, world: World, areas: dict[str, int], tmp_path: Path
) -> None:
    expected = {areas["before"], areas["morning"]}

    listed = client.get(f"{API}/areas", params={"at": DAY})
    assert listed.status_code == 200, listed.text
    assert datetime.fromisoformat(listed.json()["at"]) == NOON_DAMASCUS
    assert {f["id"] for f in listed.json()["features"]} == expected

    answer = client.get(f"{API}/applicability", params={"lat": 36.2, "lon": 37.15, "at": DAY})
    assert answer.status_code == 200, answer.text
    assert datetime.fromisoformat(answer.json()["at"]) == NOON_DAMASCUS
    disagreements = client.get(f"{API}/disagreements", params={"at": DAY}).json()
    assert datetime.fromisoformat(disagreements["at"]) == NOON_DAMASCUS

    page = client.get("/areas", params={"date": DAY})
    assert page.status_code == 200, page.text
    assert {int(n) for n in re.findall(r'<tr data-area="(\d+)">', page.text)} == expected
    map_page = client.get("/map", params={"date": DAY})
    found = re.search(r'<time data-testid="date" datetime="([^"]+)"', map_page.text)
    assert found and datetime.fromisoformat(found[1]) == NOON_DAMASCUS

    exported = tmp_path / "areas.geojson"
    output = cli(world, "areas", "export", str(exported), "--at", DAY)
    assert "holding at 2016-03-01T10:00:00+00:00" in output
    features = json.loads(exported.read_text("utf-8"))["features"]
    assert {f["properties"]["label"] for f in features} == {"before", "morning"}
    where = json.loads(cli(world, "where", "36.2", "37.15", "--at", DAY, "--json"))
    assert datetime.fromisoformat(where["at"]) == NOON_DAMASCUS

    # The same moment written out, with its offset, is the same answer.
    written = client.get(f"{API}/areas", params={"at": "2016-03-01T12:00:00+02:00"}).json()
    assert {f["id"] for f in written["features"]} == expected


def test_a_time_without_its_offset_is_refused_by_the_api_and_the_cli(
    client: TestClient, world: World, areas: dict[str, int]
) -> None:
    response = client.get(f"{API}/areas", params={"at": "2016-03-01T12:00"})
    assert response.status_code == 422
    assert response.json()["field"] == "at"
    assert "at needs a time zone offset" in response.json()["detail"]
    bad = client.get(f"{API}/applicability", params={"lat": 36.2, "lon": 37.1, "at": "noon"})
    assert bad.status_code == 422 and bad.json()["field"] == "at"
    assert "give a date (YYYY-MM-DD" in bad.json()["detail"]
    env = {"TRUCE_DATABASE_URL": world.truce.db.url, "TRUCE_SECRET_KEY": world.truce.secret or ""}
    result = CliRunner().invoke(app, ["where", "36.2", "37.1", "--at", "2016-03-01T12:00"], env=env)
    assert result.exit_code == 2 and "--at needs a time zone offset" in result.output


def test_a_period_of_days_is_the_same_rows_on_the_page_and_in_the_api(
    client: TestClient, world: World
) -> None:
    # 23:00 UTC on the 22nd is 01:00 on the 23rd in Damascus: a day of the agreement's clock.
    [seed] = ingest(world, [SEED], published=datetime(2016, 2, 22, 23, tzinfo=UTC))
    assert seed.status == "ingested"

    def api(**query: str) -> list[int]:
        response = client.get(f"{API}/statements", params={**query, "limit": "100"})
        assert response.status_code == 200, response.text
        return sorted(s["id"] for s in response.json()["items"])

    def page(**query: str) -> list[str]:
        response = client.get("/statements", params=query)
        assert response.status_code == 200, response.text
        return re.findall(r'<a href="/articles/(\d+)">', response.text.split("</table>")[0])

    day = {"since": "2016-02-23", "until": "2016-02-23"}
    assert len(api(**day)) == seed.statements == len(page(**day)) == 8
    before = {"since": "2016-02-22", "until": "2016-02-22"}
    assert api(**before) == [] and page(**before) == []
    # The API's bounds written as moments: the day is Damascus midnight to midnight.
    moments = {"since": "2016-02-22T22:00:00Z", "until": "2016-02-23T22:00:00Z"}
    assert api(**moments) == api(**day)
    bad = client.get("/statements", params={"since": "23/02/2016"})
    assert bad.status_code == 422 and "since: give a date (YYYY-MM-DD" in bad.text
