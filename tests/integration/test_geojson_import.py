"""Importing areas from GeoJSON: each kind of bad geometry is named, and nothing is stored."""

import json
from collections.abc import Iterator

import pytest
from typer.testing import CliRunner

from tests.helpers import assert_state_replays, square
from truce.bootstrap import Truce
from truce.cli import app
from truce.domain.errors import Invalid
from truce.services import territory

runner = CliRunner()
GOOD = square(37.0, 36.1, 37.3, 36.3)
BOWTIE = {
    "type": "Polygon",
    "coordinates": [[[37, 36], [37.2, 36.2], [37.2, 36], [37, 36.2], [37, 36]]],
}
CLOCKWISE = {"type": "Polygon", "coordinates": [list(reversed(GOOD["coordinates"][0]))]}
OUT_OF_RANGE = square(37.0, 36.1, 190.0, 36.3)
METRES = square(4_100_000, 4_300_000, 4_120_000, 4_320_000)
LINE = {"type": "LineString", "coordinates": [[37, 36], [37.1, 36.1]]}


@pytest.fixture(autouse=True)
def _state_replays(truce: Truce) -> Iterator[None]:
    """After each test, its tables are what a replay of its ledger gives."""
    yield
    assert_state_replays(truce)


def feature(geometry, label, **properties):
    return {
        "type": "Feature",
        "geometry": geometry,
        "properties": {"label": label, "valid_from": "2016-02-27T00:00:00+02:00", **properties},
    }


def collection(*features, **extra):
    return {"type": "FeatureCollection", "features": list(features), **extra}


def import_(world, data, repair=False):
    cmd = territory.ImportAreas(world.agreement_id, world.parties["fsa"], "US", data, repair=repair)
    with world.truce.uow() as uow:
        return territory.import_areas(cmd, uow, actor=world.actors["us"])


def stored(world):
    with world.truce.uow(write=False) as uow:
        return len(uow.areas.of(world.agreement_id)), uow.ledger.head()


@pytest.mark.parametrize(
    ("geometry", "problem"),
    [
        (BOWTIE, "Self-intersection"),
        (CLOCKWISE, "clockwise"),
        (OUT_OF_RANGE, "out of range"),
        (METRES, "projected metres"),
        (LINE, "LineString cannot be an area"),
        ({"type": "Point", "coordinates": [37, 36]}, "radius_m"),
        ({"type": "Polygon", "coordinates": [[[37, 36], [37.1, 36]]]}, "malformed"),
        (None, "no geometry"),
    ],
)
def test_each_problem_names_the_feature_and_nothing_is_stored(world, geometry, problem):
    before = stored(world)
    data = collection(feature(GOOD, "fine"), feature(geometry, "Bad one"))
    with pytest.raises(Invalid) as refused:
        import_(world, data)
    assert "feature 2 (Bad one)" in str(refused.value) and problem in str(refused.value)
    assert stored(world) == before


def test_a_foreign_crs_is_refused(world):
    crs = {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::3857"}}
    with pytest.raises(Invalid) as refused:
        import_(world, collection(feature(GOOD, "fine"), crs=crs))
    assert "EPSG::3857" in str(refused.value) and refused.value.field == "features"


def test_repair_fixes_winding_and_self_intersection_but_not_bad_coordinates(world):
    result = import_(
        world, collection(feature(BOWTIE, "bow"), feature(CLOCKWISE, "cw")), repair=True
    )
    assert len(result.area_ids) == 2
    assert any("Self-intersection" in note for note in result.repaired)
    assert any("reoriented" in note for note in result.repaired)
    with pytest.raises(Invalid):
        import_(world, collection(feature(OUT_OF_RANGE, "far")), repair=True)


@pytest.fixture
def secret(world, monkeypatch):
    """The CLI reads the installation's secret from the environment, as an operator sets it."""
    monkeypatch.setenv("TRUCE_SECRET_KEY", world.truce.secret)


@pytest.mark.usefixtures("secret")
def test_cli_import_reports_every_bad_feature_and_stores_nothing(world, tmp_path):
    path = tmp_path / "areas.geojson"
    path.write_text(
        json.dumps(
            collection(feature(GOOD, "ok"), feature(BOWTIE, "Bow"), feature(OUT_OF_RANGE, "Far"))
        )
    )
    args = [
        "import",
        "geojson",
        str(path),
        "--party",
        "free-syrian-army",
        "--guarantor",
        "US",
        "--db",
        world.truce.db.url,
    ]
    before = stored(world)
    result = runner.invoke(app, args)
    assert result.exit_code == 2
    assert "feature 2 (Bow)" in result.output and "feature 3 (Far)" in result.output
    assert stored(world) == before
    path.write_text(json.dumps(collection(feature(GOOD, "ok"), feature(BOWTIE, "Bow"))))
    repaired = runner.invoke(app, [*args, "--repair", "--as", "us-ops"])
    assert repaired.exit_code == 0, repaired.output
    assert "imported 2 areas for US" in repaired.output and "repaired" in repaired.output


@pytest.mark.usefixtures("secret")
def test_cli_export_round_trips(world, tmp_path):
    import_(world, collection(feature(GOOD, "ok")))
    out = tmp_path / "out.geojson"
    args = ["areas", "export", str(out), "--at", "2016-03-01", "--db", world.truce.db.url]
    assert runner.invoke(app, args).exit_code == 0
    exported = json.loads(out.read_text())
    assert [f["properties"]["label"] for f in exported["features"]] == ["ok"]
    again = runner.invoke(
        app,
        [
            "import",
            "geojson",
            str(out),
            "--party",
            "free-syrian-army",
            "--guarantor",
            "US",
            "--db",
            world.truce.db.url,
        ],
    )
    assert again.exit_code == 0, again.output


def test_not_json_and_not_geojson_files(world, tmp_path):
    for text, message in (("{nope", "not JSON"), ('{"type": "Point"}', "FeatureCollection")):
        path = tmp_path / "bad.geojson"
        path.write_text(text)
        result = runner.invoke(
            app,
            [
                "import",
                "geojson",
                str(path),
                "--party",
                "1",
                "--guarantor",
                "US",
                "--db",
                world.truce.db.url,
            ],
        )
        assert result.exit_code == 2 and message in result.output
