"""Areas, the applicability engine and disagreements, on a real store (SQLite and PostgreSQL)."""

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from tests.helpers import EFFECTIVE, add_area, approve_status, assert_state_replays, square
from truce.bootstrap import Truce
from truce.domain.errors import Conflict, Forbidden, Invalid
from truce.domain.parties import Status
from truce.domain.permissions import SYSTEM
from truce.domain.territory import Review, Verdict
from truce.services import ledger, territory

ALEPPO = (36.2, 37.15)  # lat, lon
MARCH_1 = datetime(2016, 3, 1, 10, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _state_replays(truce: Truce) -> Iterator[None]:
    """After each test, its tables are what a replay of its ledger gives."""
    yield
    assert_state_replays(truce)


@pytest.fixture
def mapped(world):
    """FSA (committed) around Aleppo for the US; Nusra (excluded) inside it for Russia."""
    approve_status(world, "fsa", Status.COMMITTED)
    world.fsa_area = add_area(world, "us", "fsa", square(37.0, 36.1, 37.3, 36.3), label="Aleppo")
    world.nusra_area = add_area(world, "ru", "nusra", square(37.1, 36.15, 37.2, 36.25))
    world.ahrar_area = add_area(world, "us", "ahrar", square(36.5, 35.8, 36.8, 36.0))
    return world


def where(world, lat, lon, at):
    with world.truce.uow(write=False) as uow:
        return territory.where(uow, lat, lon, at)


def test_mixed_where_committed_and_excluded_parties_meet(mapped):
    answer = where(mapped, *ALEPPO, MARCH_1)
    assert answer.in_force and answer.verdict is Verdict.MIXED
    assert answer.by_guarantor == {"US": Verdict.PROTECTED, "RU": Verdict.EXCLUDED}
    statuses = {p.name: (p.status, [a.guarantor for a in p.areas]) for p in answer.parties}
    assert statuses == {
        "Free Syrian Army": (Status.COMMITTED, ["US"]),
        "Jabhat al-Nusra": (Status.EXCLUDED, ["RU"]),
    }
    assert answer.nearest_protected_km == 0


def test_protected_excluded_and_unknown_places(mapped):
    assert where(mapped, 36.28, 37.02, MARCH_1).verdict is Verdict.PROTECTED
    assert where(mapped, 35.9, 36.6, MARCH_1).verdict is Verdict.UNKNOWN  # ahrar: undecided
    far = where(mapped, 36.2, 37.6, MARCH_1)  # 0.3° east of the FSA area
    assert far.verdict is Verdict.UNKNOWN and far.parties == ()
    assert 25 < far.nearest_protected_km < 29  # 0.3° of longitude at 36.2° N is about 26.9 km


def test_before_the_cessation_took_effect(mapped):
    answer = where(mapped, *ALEPPO, EFFECTIVE - timedelta(days=2))
    assert not answer.in_force and answer.verdict is Verdict.NOT_IN_FORCE
    assert answer.parties == ()  # the areas hold only from the start of the cessation


def test_the_map_of_a_past_day_survives_later_assertions(mapped):
    before = where(mapped, 36.28, 37.02, MARCH_1)
    moved = datetime(2016, 3, 15, tzinfo=UTC)
    add_area(
        mapped,
        "us",
        "fsa",
        square(37.2, 36.1, 37.3, 36.3),
        valid_from=moved,
        supersedes_id=mapped.fsa_area,
    )
    assert where(mapped, 36.28, 37.02, MARCH_1) == before
    later = where(mapped, 36.28, 37.02, moved + timedelta(days=1))
    assert later.verdict is Verdict.UNKNOWN and later.parties == ()
    assert where(mapped, 36.28, 37.25, moved + timedelta(days=1)).verdict is Verdict.PROTECTED


def test_a_replacement_must_match_and_cannot_be_replaced_twice(mapped):
    with pytest.raises(Invalid):
        add_area(mapped, "ru", "fsa", square(37, 36, 37.1, 36.1), supersedes_id=mapped.fsa_area)
    add_area(
        mapped,
        "us",
        "fsa",
        square(37, 36, 37.1, 36.1),
        supersedes_id=mapped.fsa_area,
        valid_from=MARCH_1,
    )
    with pytest.raises(Conflict):
        add_area(
            mapped,
            "us",
            "fsa",
            square(37, 36, 37.1, 36.1),
            supersedes_id=mapped.fsa_area,
            valid_from=MARCH_1,
        )


def test_status_changes_move_the_verdict_in_time(mapped):
    approve_status(mapped, "ahrar", Status.EXCLUDED, at=datetime(2016, 3, 10, tzinfo=UTC))
    assert where(mapped, 35.9, 36.6, MARCH_1).verdict is Verdict.UNKNOWN
    assert where(mapped, 35.9, 36.6, datetime(2016, 3, 11, tzinfo=UTC)).verdict is Verdict.EXCLUDED


def review(world, who, area_id, answer):
    with world.truce.uow() as uow:
        cmd = territory.ReviewArea(area_id, answer, "seen")
        territory.review_area(cmd, uow, actor=world.actors[who])


def test_only_the_other_guarantor_reviews_an_area(mapped):
    for who in ("us", "us2", "member", "monitor", "admin"):
        with pytest.raises(Forbidden):
            review(mapped, who, mapped.fsa_area, Review.ACCEPTED)
    review(mapped, "ru", mapped.fsa_area, Review.DISPUTED)
    review(mapped, "ru", mapped.fsa_area, Review.ACCEPTED)
    fsa = next(p for p in where(mapped, *ALEPPO, MARCH_1).parties if p.name == "Free Syrian Army")
    assert fsa.areas[0].review == "accepted"
    assert ledger.verify_database(mapped.truce.db).ok


def test_a_guarantor_asserts_for_its_own_state_only(mapped):
    with pytest.raises(Forbidden):
        add_area(mapped, "us", "fsa", square(37, 36, 37.1, 36.1), guarantor="RU")
    with pytest.raises(Forbidden):
        add_area(mapped, "monitor", "fsa", square(37, 36, 37.1, 36.1), guarantor="US")
    assert add_area(mapped, "admin", "fsa", square(37, 36, 37.1, 36.1), guarantor="RU") > 0


def test_points_with_a_radius_become_circles(mapped):
    point = {"type": "Point", "coordinates": [36.0, 35.0]}
    add_area(mapped, "us", "fsa", point, radius_m=5000, label="village")
    assert where(mapped, 35.04, 36.0, MARCH_1).verdict is Verdict.PROTECTED  # ~4.4 km north
    assert where(mapped, 35.05, 36.0, MARCH_1).verdict is Verdict.UNKNOWN  # ~5.6 km north
    with pytest.raises(Invalid) as no_radius:
        add_area(mapped, "us", "fsa", point)
    assert no_radius.value.field == "geometry"


def test_disagreements_of_the_day(mapped):
    review(mapped, "us", mapped.nusra_area, Review.DISPUTED)
    with mapped.truce.uow(write=False) as uow:
        _, items = territory.disagreements_at(uow, MARCH_1)
    kinds = {(item.kind.value, item.area_ids) for item in items}
    assert ("protected_vs_excluded", (mapped.fsa_area, mapped.nusra_area)) in kinds
    assert ("disputed", (mapped.nusra_area,)) in kinds
    assert ("one_side_only", (mapped.ahrar_area,)) in kinds
    overlap = next(i for i in items if i.kind.value == "protected_vs_excluded")
    assert overlap.geometry.bounds == pytest.approx((37.1, 36.15, 37.2, 36.25))


def test_batches_answer_like_single_queries(mapped):
    import numpy as np

    from truce.geo.results import VERDICTS, micros

    places = [(36.2, 37.15), (36.28, 37.02), (35.9, 36.6), (36.2, 37.6), (30.0, 30.0)]
    times = [MARCH_1, MARCH_1, MARCH_1, MARCH_1, EFFECTIVE - timedelta(hours=1)]
    with mapped.truce.uow(write=False) as uow:
        batch = territory.where_many(
            uow,
            np.array([p[1] for p in places]),
            np.array([p[0] for p in places]),
            np.array([micros(t) for t in times]),
        )
        singles = [
            territory.where(uow, lat, lon, t) for (lat, lon), t in zip(places, times, strict=True)
        ]
    assert [VERDICTS[c] for c in batch.verdicts] == [s.verdict for s in singles]
    for state in ("US", "RU"):
        assert [VERDICTS[c] for c in batch.by_guarantor[state]] == [
            s.by_guarantor[state] for s in singles
        ]


def test_cli_where_answers_with_parties_and_a_verdict(mapped):
    from typer.testing import CliRunner

    from truce.cli import app

    runner = CliRunner()
    db = ["--db", mapped.truce.db.url]
    text = runner.invoke(app, ["where", "36.2", "37.15", "--at", "2016-03-01", *db])
    assert text.exit_code == 0, text.output
    assert "verdict: mixed" in text.output and "Jabhat al-Nusra" in text.output
    early = runner.invoke(app, ["where", "36.2", "37.15", "--at", "2016-02-26", *db])
    assert "verdict: not_in_force" in early.output and "no cessation in force" in early.output
    as_json = runner.invoke(
        app, ["where", "36.2", "37.15", "--at", "2016-03-01T09:00Z", "--json", *db]
    )
    assert '"verdict": "mixed"' in as_json.output
    bad = runner.invoke(app, ["where", "36.2", "37.15", "--at", "yesterday", *db])
    assert bad.exit_code == 2 and "--at: give a date (YYYY-MM-DD" in bad.output


def test_the_2016_scenario_maps_the_reference_places(truce):
    from truce.services import scenario

    with truce.uow() as uow:
        scenario.load_scenario(scenario.read_scenario("syria-2016"), uow, actor=SYSTEM)
    aleppo = where_in(truce, *ALEPPO, MARCH_1)
    assert aleppo.verdict is Verdict.MIXED
    assert "Jabhat al-Nusra" in {p.name for p in aleppo.parties}
    palmyra = (34.55, 38.27)
    assert where_in(truce, *palmyra, MARCH_1).verdict is Verdict.EXCLUDED  # ISIL until 27 Mar
    april = datetime(2016, 4, 5, tzinfo=UTC)
    assert where_in(truce, *palmyra, april).verdict is Verdict.PROTECTED  # the government's then
    with truce.uow(write=False) as uow:
        _, items = territory.disagreements_at(uow, MARCH_1)
    assert any(i.kind.value == "disputed" for i in items)
    assert any(i.kind.value == "protected_vs_excluded" for i in items)


def where_in(truce, lat, lon, at):
    with truce.uow(write=False) as uow:
        return territory.where(uow, lat, lon, at)
