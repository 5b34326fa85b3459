"""An incident's summary from its reports: window, place, kinds, casualty ranges, claims."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from tests.unit.test_breaches import PROTECTED, RULES
from truce.domain.breaches import Outcome, check_incident
from truce.domain.errors import Invalid
from truce.domain.incidents import Account, Range, facts_of, is_civilians, summarise
from truce.domain.parties import Status
from truce.domain.reports import Figure

DAY = datetime(2016, 3, 5, tzinfo=UTC)

# One shelling of Kafr Zita (Hama) on 5 March 2016, as three sources tell it.
UCDP = Account(
    report_id=11,
    source="UCDP GED",
    start=DAY,
    end=DAY + timedelta(days=1),
    time_precision="day",
    event_type="Explosions/Remote violence",
    sub_event_type="Shelling/artillery/missile attack",
    lat=35.3750,
    lon=36.6017,
    geo_precision="exact",
    admin1="Hama",
    admin2="Muhradah",
    location="Kafr Zita",
    actor1="Government of Syria",
    actor1_party_id=1,
    actor2="Civilians",
    casualties={("killed", "civilians"): Figure(3, 4, 6), ("killed", "side_a"): Figure(0, 0, 0)},
)
ACLED = replace(
    UCDP,
    report_id=12,
    source="ACLED",
    lat=35.3790,
    lon=36.6050,
    location="Kafr Zeita",
    actor1="Military Forces of Syria (2000-)",
    actor2="Jaysh al-Izza",
    actor2_party_id=21,
    casualties={("killed", "side_b"): Figure(best=2), ("killed", "civilians"): Figure(best=5)},
)
MONITOR = replace(
    UCDP,
    report_id=13,
    source="monitor",
    start=datetime(2016, 3, 1, tzinfo=UTC),
    end=datetime(2016, 4, 1, tzinfo=UTC),
    time_precision="month",
    event_type="Ceasefire",
    sub_event_type="impact or airburst explosion",
    lat=None,
    lon=None,
    geo_precision="district",
    location=None,
    actor1="Syrian Arab Army",
    actor2=None,
    casualties={("injured", "unknown"): Figure(10, 12, 20)},
)


def test_the_window_is_that_of_the_most_precise_reports() -> None:
    summary = summarise([MONITOR, ACLED, UCDP])
    assert (summary.start, summary.end, summary.time_precision) == (
        DAY,
        DAY + timedelta(days=1),
        "day",
    )


def test_the_place_is_the_mean_of_the_best_placed_points() -> None:
    summary = summarise([MONITOR, ACLED, UCDP])
    assert (summary.lat, summary.lon, summary.geo_precision) == (35.377, 36.60335, "exact")
    assert (summary.admin1, summary.admin2, summary.location) == ("Hama", "Muhradah", "Kafr Zita")
    alone = summarise([MONITOR])
    assert (alone.lat, alone.geo_precision, alone.admin2) == (None, "district", "Muhradah")


def test_kinds_keep_every_source_s_coding_the_most_reported_first() -> None:
    kinds = summarise([MONITOR, ACLED, UCDP]).kinds
    assert [k.sub_event_type for k in kinds] == [
        "Shelling/artillery/missile attack",
        "impact or airburst explosion",
    ]


def test_casualties_are_ranges_across_reports_per_category_and_in_total() -> None:
    summary = summarise([MONITOR, ACLED, UCDP])
    assert summary.figure("killed", "civilians") == Range(3, 4, 6, 2)
    assert summary.figure("killed", "side_b") == Range(2, 2, 2, 1)
    # Totals per report: UCDP 3/4/6, ACLED 7/7/7; the monitor counted no dead.
    assert summary.figure("killed") == Range(3, 4, 7, 2)
    assert summary.figure("injured") == Range(10, 12, 20, 1)
    assert summary.figure("injured", "civilians") is None


def test_each_source_s_claim_stands_side_by_side_and_nothing_is_assessed() -> None:
    summary = summarise([MONITOR, ACLED, UCDP])
    assert [(c.source, c.perpetrator, c.target, c.killed) for c in summary.claims] == [
        ("UCDP GED", "Government of Syria", "Civilians", 4),
        ("ACLED", "Military Forces of Syria (2000-)", "Jaysh al-Izza", 7),
        ("monitor", "Syrian Arab Army", None, None),
    ]
    assert summary.sources == ("UCDP GED", "ACLED", "monitor")
    assert summary.claimed_perpetrators == (1,)
    assert summary.assessed_perpetrator is None
    assert summary.civilians


def test_the_facts_take_the_assessed_perpetrator_over_the_claims() -> None:
    statuses = {1: Status.COMMITTED, 21: Status.COMMITTED, 31: Status.EXCLUDED}
    names = {1: "Syrian Arab Army", 21: "Jaysh al-Izza", 31: "ISIL"}

    def status_of(party: int, at: datetime) -> Status:
        assert at == DAY + timedelta(hours=12)
        return statuses[party]

    claimed = facts_of(summarise([ACLED, UCDP]), status_of, names.__getitem__)
    assert [(p.party_id, p.status) for p in claimed.perpetrators] == [
        (1, Status.COMMITTED),
        (1, Status.COMMITTED),
    ]
    assert [t.name for t in claimed.targets] == ["Jaysh al-Izza"]  # civilians are not a party
    assert check_incident(claimed, PROTECTED, RULES).outcome is Outcome.ALLEGATION

    assessed = facts_of(summarise([ACLED, UCDP], assessed_perpetrator=31), status_of, names.get)
    assert [(p.name, p.status) for p in assessed.perpetrators] == [("ISIL", Status.EXCLUDED)]
    assert check_incident(assessed, PROTECTED, RULES).outcome is Outcome.NOT_A_VIOLATION


def test_civilians_are_recognised_in_three_languages() -> None:
    assert all(map(is_civilians, ["Civilians (Syria)", "civilians", "مدنيين", "мирные жители"]))
    assert not any(map(is_civilians, ["Syrian Arab Army", "", None]))


def test_an_empty_incident_is_refused() -> None:
    with pytest.raises(Invalid) as empty:
        summarise([])
    assert empty.value.field == "reports"


def test_a_source_s_own_total_counts_in_the_total_but_in_no_category() -> None:
    ucdp_total = replace(UCDP, casualties={("killed", "total"): Figure(2, 3, 9)})
    summary = summarise([ucdp_total, ACLED])
    assert summary.figure("killed") == Range(2, 3, 9, 2)
    assert summary.figure("killed", "civilians") == Range(5, 5, 5, 1)
    assert summary.figure("killed", "total") is summary.figure("killed")
