"""An agreement's clock, terms and guarantors, and the checks that refuse a senseless one."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.unit.cessation import DEADLINE, EFFECTIVE, TICK, cessation
from truce.domain.agreement import Term, check_agreement, zone
from truce.domain.errors import Invalid, NotFound
from truce.domain.permissions import SYSTEM, Actor, Role

DAMASCUS = ZoneInfo("Asia/Damascus")


def test_the_deadline_is_noon_damascus_time() -> None:
    assert datetime(2016, 2, 26, 12, 0, tzinfo=DAMASCUS) == DEADLINE


@pytest.mark.parametrize(
    ("at", "late"),
    [
        (DEADLINE - timedelta(days=2), False),
        (DEADLINE - TICK, False),
        (DEADLINE, False),
        (datetime(2016, 2, 26, 12, 0, tzinfo=DAMASCUS), False),
        (DEADLINE + TICK, True),
        (datetime(2016, 2, 26, 12, 0, 1, tzinfo=DAMASCUS), True),
        (datetime(2016, 3, 21, tzinfo=UTC), True),
    ],
)
def test_is_late_only_strictly_after_the_deadline(at: datetime, late: bool) -> None:
    assert cessation().is_late(at) is late


@pytest.mark.parametrize(
    ("at", "in_force"),
    [
        (DEADLINE, False),
        (EFFECTIVE - TICK, False),
        (EFFECTIVE, True),
        (datetime(2016, 2, 27, 0, 0, tzinfo=DAMASCUS), True),
        (EFFECTIVE + timedelta(days=30), True),
    ],
)
def test_in_force_from_the_effective_moment(at: datetime, in_force: bool) -> None:
    assert cessation().in_force(at) is in_force


def test_term_by_number() -> None:
    term = cessation().term(3)
    assert term.number == 3
    assert term.title == "Term 3"


@pytest.mark.parametrize("number", [0, 7, -1])
def test_a_missing_term_is_not_found(number: int) -> None:
    with pytest.raises(NotFound) as raised:
        cessation().term(number)
    assert raised.value.field == "number"
    assert raised.value.code == "not_found"
    assert str(number) in str(raised.value)


def test_guarantors_and_excluded_lists() -> None:
    agreement = cessation()
    assert agreement.is_guarantor("US")
    assert agreement.is_guarantor("RU")
    assert not agreement.is_guarantor("FR")
    assert not agreement.is_guarantor(None)
    assert agreement.excludes_list("UNSC 1267")
    assert not agreement.excludes_list("EU")


def test_a_state_given_for_a_guarantor_must_be_one() -> None:
    agreement = cessation()
    assert agreement.require_guarantor("RU") == "RU"
    with pytest.raises(Invalid) as raised:
        agreement.require_guarantor("GB", field="layer")
    assert raised.value.field == "layer"
    assert str(raised.value) == ("GB is not a guarantor of this agreement; choose one of US, RU.")


@pytest.mark.parametrize(
    ("actor", "state"),
    [
        (Actor(1, "us-ops", Role.GUARANTOR, state="US"), "US"),
        (Actor(2, "ru-ops", Role.GUARANTOR, state="RU"), "RU"),
        (Actor(3, "fr-ops", Role.GUARANTOR, state="FR"), None),  # not this agreement's
        (Actor(4, "uk-member", Role.MEMBER, state="GB"), None),
        (Actor(5, "us-member", Role.MEMBER, state="US"), None),  # the state, not the role
        (Actor(6, "admin", Role.ADMIN), None),
        (SYSTEM, None),
        (None, None),
    ],
)
def test_who_speaks_for_a_guarantor(actor: Actor | None, state: str | None) -> None:
    assert cessation().guarantor_of(actor) == state


def test_a_sound_agreement_passes() -> None:
    check_agreement(cessation())


@pytest.mark.parametrize(
    "changes",
    [
        {"acceptance_deadline": EFFECTIVE},
        {"signed_at": DEADLINE},
        {"members": ()},
        {"excluded_lists": ()},
        {"timezone": "UTC"},
    ],
)
def test_edge_cases_that_still_make_sense(changes: dict[str, object]) -> None:
    check_agreement(cessation(**changes))


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"acceptance_deadline": EFFECTIVE + TICK}, "acceptance_deadline"),
        ({"signed_at": DEADLINE + TICK}, "signed_at"),
        ({"guarantors": ("US",)}, "guarantors"),
        ({"guarantors": ("US", "US")}, "guarantors"),
        ({"guarantors": ()}, "guarantors"),
        ({"members": ("FR", "RU")}, "members"),
        ({"terms": (Term(1, "a", "a"), Term(1, "b", "b"))}, "terms"),
        ({"terms": (Term(0, "a", "a"), Term(1, "b", "b"))}, "terms"),
        ({"terms": (Term(-2, "a", "a"),)}, "terms"),
        ({"timezone": "Mars/Olympus"}, "timezone"),
        ({"timezone": "Asia"}, "timezone"),
        ({"timezone": ""}, "timezone"),
        ({"timezone": "../../etc/passwd"}, "timezone"),
    ],
)
def test_refusals_name_the_field(changes: dict[str, object], field: str) -> None:
    with pytest.raises(Invalid) as raised:
        check_agreement(cessation(**changes))
    assert raised.value.field == field
    assert raised.value.code == "invalid"


def test_zone_gives_the_time_zone_or_a_clear_error() -> None:
    assert zone("Asia/Damascus") == DAMASCUS
    with pytest.raises(Invalid) as raised:
        zone("Asia/Nowhere")
    assert raised.value.field == "timezone"
    assert "Asia/Nowhere" in str(raised.value)
