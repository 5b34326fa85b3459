"""The daily bulletin's pure parts: its window on the agreement's clock, its rules and dates
refused naming the field, canonical JSON, and the taxonomy's names in Arabic and Russian."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest

from truce.domain.errors import Invalid
from truce.domain.events import KIND_NAMES, TAXONOMY, kind_name
from truce.domain.sitreps import (
    BulletinRules,
    bulletin_rules_from,
    canonical_json,
    daily_window,
    parse_day,
)

DAMASCUS = "Asia/Damascus"
RULES_2016 = BulletinRules(time(18), 24)


def test_the_2016_window_is_the_24_hours_to_18_00_damascus_time() -> None:
    assert daily_window(date(2016, 3, 4), DAMASCUS, RULES_2016) == (
        datetime(2016, 3, 3, 16, tzinfo=UTC),
        datetime(2016, 3, 4, 16, tzinfo=UTC),
    )
    # Syria's summer time began on 25 March 2016: the cut-off moves to 15:00 UTC, and the
    # window of the day it began is still 24 hours long, not 23.
    start, end = daily_window(date(2016, 3, 26), DAMASCUS, RULES_2016)
    assert end == datetime(2016, 3, 26, 15, tzinfo=UTC)
    assert (end - start).total_seconds() == 24 * 3600


def test_the_rules_come_from_the_agreement_or_default_to_midnight() -> None:
    assert bulletin_rules_from(None) == BulletinRules(time(0), 24)
    assert bulletin_rules_from({"daily_cutoff": "18:00"}) == RULES_2016
    assert bulletin_rules_from({"daily_cutoff": "06:30", "window_hours": 48}) == BulletinRules(
        time(6, 30), 48
    )


@pytest.mark.parametrize(
    ("spec", "field"),
    [
        ({"daily_cutoff": "18h"}, "procedures.reports.daily_cutoff"),
        ({"daily_cutoff": "24:00"}, "procedures.reports.daily_cutoff"),
        ({"daily_cutoff": 18}, "procedures.reports.daily_cutoff"),
        ({"window_hours": 0}, "procedures.reports.window_hours"),
        ({"window_hours": True}, "procedures.reports.window_hours"),
        ({"window_hours": 169}, "procedures.reports.window_hours"),
        ("18:00", "procedures.reports"),
    ],
)
def test_bad_rules_are_refused_naming_the_setting(spec: object, field: str) -> None:
    with pytest.raises(Invalid) as refused:
        bulletin_rules_from(spec)
    assert refused.value.field == field


@pytest.mark.parametrize("text", ["2016-02-31", "2016-3-4", "04/03/2016", "", "2016-03-04T00"])
def test_a_date_that_is_not_a_day_is_refused_with_the_form_to_use(text: str) -> None:
    with pytest.raises(Invalid) as refused:
        parse_day(text)
    assert refused.value.field == "date"
    assert "YYYY-MM-DD" in str(refused.value) and repr(text) in str(refused.value)


@pytest.mark.parametrize("text", ["0001-01-01", "1899-12-31", "9999-12-31"])
def test_a_day_outside_the_calendar_reports_count_in_is_refused(text: str) -> None:
    with pytest.raises(Invalid) as refused:
        parse_day(text)
    assert refused.value.field == "date"
    assert "from 1900-01-01 to 9999-12-30" in str(refused.value)
    assert parse_day("1900-01-01") == date(1900, 1, 1)


def test_canonical_json_does_not_depend_on_key_order() -> None:
    one, other = {"b": 1, "a": ["حلب", 2.5]}, {"a": ["حلب", 2.5], "b": 1}
    assert canonical_json(one) == canonical_json(other)
    assert canonical_json({"a": "حلب"}) == '{"a":"حلب"}'.encode()
    with pytest.raises(ValueError):
        canonical_json({"a": float("nan")})


def test_every_kind_of_the_taxonomy_is_named_in_arabic_and_russian() -> None:
    terms = set(TAXONOMY) | {sub for subs in TAXONOMY.values() for sub in subs}
    assert terms == set(KIND_NAMES)
    for ar, ru in KIND_NAMES.values():
        assert any("\u0600" <= c <= "\u06ff" for c in ar), ar
        assert any("\u0400" <= c <= "\u04ff" for c in ru), ru
    assert len({ar for ar, _ in KIND_NAMES.values()}) == len(KIND_NAMES)  # no two alike
    assert kind_name("Battles", "ar") == "معارك"
    assert kind_name("Battles", "ru") == "Боевые столкновения"
    assert kind_name("Battles", "en") == "Battles"
    assert kind_name("Bombardment", "ar") == "Bombardment"  # outside the taxonomy: as stored
