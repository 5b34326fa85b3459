"""The in-process engine and the PostGIS engine give the same answers."""

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from tests.helpers import EFFECTIVE, add_area, approve_status, square
from truce.domain.parties import Status
from truce.geo.results import VERDICTS, micros
from truce.services import territory
from truce.store import postgis

START = datetime(2016, 2, 20, tzinfo=UTC)
SPAN_DAYS = 70
WEST, SOUTH, EAST, NORTH = 35.7, 32.3, 42.0, 37.3


def _random_geometry(rng):
    x, y = rng.uniform(WEST, EAST - 0.6), rng.uniform(SOUTH, NORTH - 0.6)
    w, h = rng.uniform(0.05, 0.6, 2)
    shape = rng.integers(3)
    if shape == 0:
        return square(x, y, x + w, y + h), None
    if shape == 1:
        return {"type": "Point", "coordinates": [x, y]}, float(rng.uniform(2_000, 40_000))
    other = square(x + w + 0.01, y, x + 2 * w, y + h / 2)["coordinates"]
    return {
        "type": "MultiPolygon",
        "coordinates": [square(x, y, x + w, y + h)["coordinates"], other],
    }, None


@pytest.fixture
def busy_map(world):
    """Three hundred areas of three parties with changing statuses and overlapping validities."""
    rng = np.random.default_rng(2016)
    approve_status(world, "fsa", Status.COMMITTED)
    approve_status(world, "ahrar", Status.COMMITTED, at=EFFECTIVE + timedelta(days=5))
    approve_status(world, "ahrar", Status.SUSPENDED, at=EFFECTIVE + timedelta(days=20))
    areas = []
    for _ in range(300):
        geometry, radius = _random_geometry(rng)
        who, party = [("us", "fsa"), ("ru", "nusra"), ("us", "ahrar"), ("ru", "fsa")][
            rng.integers(4)
        ]
        start = START + timedelta(days=int(rng.integers(0, SPAN_DAYS)))
        end = start + timedelta(days=int(rng.integers(3, 60))) if rng.random() < 0.5 else None
        areas.append(
            add_area(world, who, party, geometry, radius_m=radius, valid_from=start, valid_to=end)
        )
        if rng.random() < 0.1:  # replace an earlier area of the same side and party
            later = start + timedelta(days=int(rng.integers(1, 20)))
            geometry, radius = _random_geometry(rng)
            add_area(
                world,
                who,
                party,
                geometry,
                radius_m=radius,
                valid_from=later,
                supersedes_id=areas[-1],
            )
    return world


def _queries(count, seed):
    rng = np.random.default_rng(seed)
    lon = rng.uniform(WEST, EAST, count)
    lat = rng.uniform(SOUTH, NORTH, count)
    at = micros(START) + rng.integers(0, SPAN_DAYS * 86_400, count) * 1_000_000
    return lon, lat, at


@pytest.mark.postgres
@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
def test_ten_thousand_random_queries_agree(busy_map):
    lon, lat, at = _queries(12_000, seed=7)
    with busy_map.truce.uow(write=False) as uow:
        agreement = uow.agreements.get(busy_map.agreement_id)
        in_process = territory.territory(uow, agreement).classify(lon, lat, at)
        in_postgis = postgis.classify(uow.session, agreement, lon, lat, at)
    assert (in_process.verdicts == in_postgis.verdicts).all()
    for state in ("US", "RU"):
        assert (in_process.by_guarantor[state] == in_postgis.by_guarantor[state]).all()
    seen = {VERDICTS[c] for c in in_process.verdicts}
    assert len(seen) == 5, seen  # every verdict occurs, so the agreement is not vacuous


@pytest.mark.postgres
@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
def test_single_answers_agree_in_detail(busy_map):
    lon, lat, at = _queries(300, seed=11)
    with busy_map.truce.uow(write=False) as uow:
        agreement = uow.agreements.get(busy_map.agreement_id)
        engine = territory.territory(uow, agreement)
        for x, y, t in zip(lon, lat, at, strict=True):
            moment = datetime(1970, 1, 1, tzinfo=UTC) + timedelta(microseconds=int(t))
            mine = engine.answer(float(y), float(x), moment)
            theirs = postgis.answer(uow.session, agreement, float(y), float(x), moment)
            assert (mine.verdict, mine.by_guarantor) == (theirs.verdict, theirs.by_guarantor)
            assert mine.parties == theirs.parties
            if mine.nearest_protected_km is None:
                assert theirs.nearest_protected_km is None
            else:  # a plane scaled at the mean latitude against the spheroid: within 5 %
                assert mine.nearest_protected_km == pytest.approx(
                    theirs.nearest_protected_km, rel=0.05, abs=0.5
                )
