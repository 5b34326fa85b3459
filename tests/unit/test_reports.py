"""The report record: what a channel hands over, what is wrong with it, what is stored."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone

import pytest

from truce.domain.reports import (
    Figure,
    ReportDraft,
    ReportInvalid,
    casualties_from_record,
    casualties_record,
    casualty_total,
    check_report,
    content_digest,
    problems,
    window_end,
)

DAMASCUS = timezone(timedelta(hours=2))
SHELLING = ("Explosions/Remote violence", "Shelling/artillery/missile attack")


def draft(**changes: object) -> ReportDraft:
    base = ReportDraft(
        channel="api",
        source="Truce monitoring",
        event_type=SHELLING[0],
        sub_event_type=SHELLING[1],
        occurred_start=datetime(2016, 3, 1, 14, 30, tzinfo=DAMASCUS),
        received_at=datetime(2016, 3, 1, 18, 0, tzinfo=UTC),
        lat=33.52,
        lon=36.29,
        casualties={("killed", "civilians"): Figure(best=2)},
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def fields_of(found: ReportDraft) -> list[str]:
    return [p.field for p in problems(found)]


def test_a_complete_report_has_no_problems() -> None:
    assert problems(draft()) == []


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"channel": "fax"}, "channel"),
        ({"source": "  "}, "source"),
        ({"reliability": "G"}, "reliability"),
        ({"occurred_start": None}, "occurred_start"),
        ({"occurred_start": datetime(2016, 3, 1, 14, 30)}, "occurred_start"),
        ({"occurred_end": datetime(2016, 2, 1, tzinfo=UTC)}, "occurred_end"),
        ({"occurred_end": datetime(2018, 2, 1, tzinfo=UTC)}, "occurred_end"),
        ({"occurred_start": datetime(2016, 3, 9, tzinfo=UTC)}, "occurred_start"),  # future
        ({"time_precision": "hour"}, "time_precision"),
        ({"lon": None}, "lon"),
        ({"lat": 91.0}, "lat"),
        ({"lon": float("nan")}, "lon"),
        ({"lat": None, "lon": None}, "location"),
        ({"geo_precision": "street"}, "geo_precision"),
        ({"event_type": "Skirmish"}, "event_type"),
        ({"sub_event_type": "Barrel bomb"}, "sub_event_type"),
        ({"weapon_class": "catapult"}, "weapon_class"),
        ({"actor1_party_id": 0}, "actor1_party_id"),
        ({"casualties": {("killed", "horses"): Figure(best=1)}}, "casualties"),
        ({"casualties": {("killed", "side_a"): Figure(3, 2, 5)}}, "killed.side_a"),
        ({"casualties": {("injured", "unknown"): Figure(best=-1)}}, "injured.unknown"),
        ({"text": "a\x00b"}, "text"),
        ({"text": "x" * 20_001}, "text"),
        ({"lang": "Arabic"}, "lang"),
        ({"attachments": ("not-a-digest",)}, "attachments"),
        ({"hide_reporter": True}, "reporter"),
    ],
)
def test_each_problem_names_its_field(changes: dict[str, object], field: str) -> None:
    found = problems(draft(**changes))
    assert [p.field for p in found] == [field], found
    assert found[0].render()  # a sentence, filled in


def test_every_problem_is_listed_and_the_first_is_raised() -> None:
    bad = draft(source="", lat=None, lon=None, weapon_class="sling")
    with pytest.raises(ReportInvalid) as caught:
        check_report(bad)
    assert [p.field for p in caught.value.problems] == ["source", "location", "weapon_class"]
    assert caught.value.field == "source"
    assert "sling" in caught.value.problems[2].render()


def test_a_place_name_or_a_province_is_enough() -> None:
    assert problems(draft(lat=None, lon=None, location="Kafr Zita")) == []
    assert problems(draft(lat=None, lon=None, admin1="Idlib")) == []


def test_the_stored_report_is_trimmed_spelled_and_in_utc() -> None:
    stored = check_report(
        draft(
            source=" SOHR ",
            event_type="explosions/remote violence",
            sub_event_type="shelling/artillery/missile attack",
            weapon_class="Mortar",
            actor1=" Syrian Arab Army ",
            attachments=("b" * 64, "a" * 64, "b" * 64),
        )
    )
    assert stored.source == "SOHR"
    assert (stored.event_type, stored.sub_event_type) == SHELLING
    assert stored.weapon_class == "mortar"
    assert stored.actor1 == "Syrian Arab Army"
    assert stored.occurred_start == datetime(2016, 3, 1, 12, 30, tzinfo=UTC)
    assert stored.occurred_start.tzinfo is UTC
    assert stored.geo_precision == "exact"  # a point without a precision is the point itself
    assert stored.attachments == ("a" * 64, "b" * 64)


def test_the_window_closes_at_the_end_of_its_day_week_or_month() -> None:
    start = datetime(2016, 2, 27, tzinfo=UTC)
    assert window_end(start, "day") == datetime(2016, 2, 27, 23, 59, 59, 999999, tzinfo=UTC)
    assert window_end(start, "week") == datetime(2016, 3, 4, 23, 59, 59, 999999, tzinfo=UTC)
    december = datetime(2016, 12, 1, tzinfo=UTC)
    assert window_end(december, "month") == datetime(2016, 12, 31, 23, 59, 59, 999999, tzinfo=UTC)
    assert check_report(draft(occurred_start=start)).occurred_end == window_end(start, "day")


def test_one_account_digests_alike_however_it_is_sent() -> None:
    first = check_report(draft())
    again = check_report(
        draft(
            source="Truce monitoring  ",
            received_at=datetime(2016, 3, 2, tzinfo=UTC),
            reliability="B",
            occurred_start=datetime(2016, 3, 1, 12, 30, tzinfo=UTC),
        )
    )
    assert content_digest(first) == content_digest(again)
    other = check_report(draft(casualties={("killed", "civilians"): Figure(best=3)}))
    assert content_digest(other) != content_digest(first)
    elsewhere = check_report(draft(source_ref="ucdp:1"))
    assert content_digest(elsewhere) != content_digest(first)


def test_casualties_total_and_round_trip() -> None:
    counts = {
        ("killed", "side_a"): Figure(best=2),
        ("killed", "civilians"): Figure(1, 3, 4),
        ("injured", "unknown"): Figure(best=7),
    }
    assert casualty_total(counts, "killed") == Figure(3, 5, 6)
    assert casualty_total(counts, "injured") == Figure(7, 7, 7)
    ucdp = {**counts, ("killed", "total"): Figure(4, 5, 9)}
    assert casualty_total(ucdp, "killed") == Figure(4, 5, 9)  # the source's own range
    assert casualty_total({}, "killed") is None
    assert casualties_from_record(casualties_record(ucdp)) == ucdp
