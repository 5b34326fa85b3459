"""The one reading of a typed time (domain/times.py), which every entrypoint uses."""

from datetime import UTC, date, datetime

import pytest

from truce.domain.errors import Invalid
from truce.domain.times import noon, read_date, read_period, read_time

DAMASCUS = "Asia/Damascus"  # UTC+2 in February 2016, UTC+3 from 25 March (summer time)


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def test_a_bare_date_is_noon_in_the_agreements_zone() -> None:
    assert read_time("2016-02-27", field="at", zone=DAMASCUS) == utc(2016, 2, 27, 10)
    # Summer time moves noon in Damascus one hour earlier in UTC.
    assert read_time("2016-04-01", field="at", zone=DAMASCUS) == utc(2016, 4, 1, 9)
    assert read_time("2016-02-27", field="at", zone="UTC") == utc(2016, 2, 27, 12)


def test_noon_of_a_day_is_the_moment_a_bare_date_names() -> None:
    day = date(2016, 2, 28)
    assert noon(day, DAMASCUS) == read_time("2016-02-28", field="at", zone=DAMASCUS)
    assert noon(day, DAMASCUS).isoformat() == "2016-02-28T12:00:00+02:00"


@pytest.mark.parametrize(
    ("text", "moment"),
    [
        ("2016-02-27T12:00+02:00", utc(2016, 2, 27, 10)),
        ("2016-02-27T12:00:00+0200", utc(2016, 2, 27, 10)),
        ("2016-02-27T10:00Z", utc(2016, 2, 27, 10)),
        ("2016-02-27 10:00:00z", utc(2016, 2, 27, 10)),
        ("2016-02-27t10:00:30.25-05:00", utc(2016, 2, 27, 15, 0, 30, 250000)),
        ("  2016-02-27T10:00Z  ", utc(2016, 2, 27, 10)),
    ],
)
def test_a_time_with_an_offset_is_that_moment_whatever_the_zone(
    text: str, moment: datetime
) -> None:
    assert read_time(text, field="at", zone=DAMASCUS) == moment
    assert read_time(text, field="at", zone=None) == moment
    assert read_time(text, field="at", zone=DAMASCUS).tzinfo is UTC


def test_a_time_without_an_offset_is_refused_not_guessed() -> None:
    for zone in (DAMASCUS, "UTC", None):
        with pytest.raises(Invalid, match=r"^at needs a time zone offset, e\.g\. ") as caught:
            read_time("2016-02-27T12:00", field="at", zone=zone)
        assert caught.value.field == "at"


def test_a_field_typed_on_the_agreements_clock_reads_local_times_there() -> None:
    def local(text: str, zone: str) -> datetime:
        return read_time(text, field="committed_at", zone=zone, on_agreement_clock=True)

    assert local("2016-02-27T00:00", DAMASCUS) == utc(2016, 2, 26, 22)
    assert local("2016-04-01T12:00", DAMASCUS) == utc(2016, 4, 1, 9)  # summer time
    assert local("2016-02-27 12:00:00", "UTC") == utc(2016, 2, 27, 12)
    # An offset, when there is one, still wins; and a date is still noon.
    assert local("2016-02-27T12:00Z", DAMASCUS) == utc(2016, 2, 27, 12)
    assert local("2016-02-27", DAMASCUS) == utc(2016, 2, 27, 10)


def test_without_an_agreements_clock_an_offset_is_needed() -> None:
    for text in ("2016-02-27", "2016-02-27T12:00"):
        with pytest.raises(Invalid, match="committed_at needs a time zone offset") as caught:
            read_time(text, field="committed_at", zone=None, on_agreement_clock=True)
        assert caught.value.field == "committed_at"
    with pytest.raises(Invalid, match=r"^at: give a date and time with an offset, such as "):
        read_time("tomorrow", field="at", zone=None)


def test_the_zone_is_asked_for_only_when_the_text_needs_it() -> None:
    asked: list[str] = []

    def zone() -> str:
        asked.append("zone")
        return DAMASCUS

    assert read_time("2016-02-27T10:00Z", field="at", zone=zone) == utc(2016, 2, 27, 10)
    assert asked == []
    assert read_time("2016-02-27", field="at", zone=zone) == utc(2016, 2, 27, 10)
    assert asked == ["zone"]


@pytest.mark.parametrize(
    "text",
    [
        "",
        "yesterday",
        "27/02/2016",
        "2016-2-27",
        "20160227",
        "1456567200",
        "2016-02-30",
        "2016-02-27T25:00Z",
        "2016-02-27T12:00+2",
        "2016-02-27T12:00 +02:00",
        "2016-W08-6",
    ],
)
def test_anything_else_is_refused_naming_the_field_and_the_forms(text: str) -> None:
    with pytest.raises(Invalid) as caught:
        read_time(text, field="since", zone=DAMASCUS)
    assert caught.value.field == "since"
    message = str(caught.value)
    assert message.startswith("since: give a date (YYYY-MM-DD")
    assert "2016-02-27T12:00+02:00" in message


@pytest.mark.parametrize("text", ["1899-12-31", "0001-01-01T00:00Z", "2201-01-01T00:00+14:00"])
def test_years_outside_1900_to_2200_are_refused(text: str) -> None:
    with pytest.raises(Invalid, match="the year must be between 1900 and 2200"):
        read_time(text, field="at", zone=DAMASCUS)


def test_a_period_of_dates_covers_whole_days_in_the_agreements_zone() -> None:
    since, until = read_period("2016-02-27", "2016-02-28", zone=DAMASCUS)
    assert since == utc(2016, 2, 26, 22)  # midnight in Damascus
    assert until == utc(2016, 2, 28, 22)  # the next midnight: the 28th is included
    assert read_period(None, None, zone=None) == (None, None)


def test_a_period_of_times_is_bounded_by_those_moments() -> None:
    since, until = read_period("2016-02-27T06:00Z", "2016-02-27T18:00+02:00", zone=DAMASCUS)
    assert (since, until) == (utc(2016, 2, 27, 6), utc(2016, 2, 27, 16))


def test_a_bad_bound_names_its_own_field() -> None:
    with pytest.raises(Invalid) as caught:
        read_period("2016-02-27", "soon", zone=DAMASCUS)
    assert caught.value.field == "until"


def test_a_day_is_read_as_a_date() -> None:
    assert read_date("2016-02-28", field="date") == date(2016, 2, 28)
    with pytest.raises(Invalid) as caught:
        read_date("2016-02-28T12:00Z", field="date")
    assert caught.value.field == "date"
