"""A party's standing over time, designations, commitments and new parties."""

from datetime import UTC, datetime, timedelta

import pytest

from tests.unit.cessation import DEADLINE, SIGNED, TICK, UN_LIST, cessation
from truce.domain.errors import Conflict, Invalid
from truce.domain.parties import (
    Alias,
    Designation,
    Party,
    Status,
    StatusChange,
    check_commitment,
    check_new_party,
    excluding_designation,
    status_at,
)
from truce.domain.text import fold

AGREEMENT = cessation()
ISLAM = Party(id=7, slug="jaysh-al-islam", name="Jaysh al-Islam", sponsor="US")
NUSRA = Party(id=9, slug="nusra", name="Jabhat al-Nusra", aliases=(Alias("جبهة النصرة", "ar"),))
NUSRA_LISTED = Designation(9, UN_LIST, "QDe.137", datetime(2014, 5, 14, tzinfo=UTC))


def day(n: int) -> datetime:
    return datetime(2016, 2, n, 12, 0, tzinfo=UTC)


HISTORY = [
    StatusChange(Status.COMMITTED, day(25), "commitment to US"),
    StatusChange(Status.SUSPENDED, day(28), "proposal 3 approved"),
    StatusChange(Status.COMMITTED, day(29), "proposal 4 approved"),
]


@pytest.mark.parametrize(
    ("at", "expected"),
    [
        (day(24), Status.UNKNOWN),
        (day(25) - TICK, Status.UNKNOWN),
        (day(25), Status.COMMITTED),
        (day(27), Status.COMMITTED),
        (day(28), Status.SUSPENDED),
        (day(29) - TICK, Status.SUSPENDED),
        (day(29), Status.COMMITTED),
    ],
)
def test_status_at_is_the_latest_change_not_after_the_moment(
    at: datetime, expected: Status
) -> None:
    assert status_at(HISTORY, at) is expected
    assert status_at(reversed(HISTORY), at) is expected


def test_status_with_no_history_is_unknown() -> None:
    assert status_at([], day(28)) is Status.UNKNOWN


def test_future_changes_are_ignored() -> None:
    history = [*HISTORY, StatusChange(Status.EXCLUDED, day(29) + timedelta(days=90), "referral")]
    assert status_at(history, day(29) + timedelta(days=1)) is Status.COMMITTED


def test_party_names_put_the_canonical_name_first() -> None:
    assert NUSRA.names() == ("Jabhat al-Nusra", "جبهة النصرة")


@pytest.mark.parametrize(
    ("at", "in_force"),
    [
        (datetime(2014, 5, 14, tzinfo=UTC) - TICK, False),
        (datetime(2014, 5, 14, tzinfo=UTC), True),
        (day(26), True),
    ],
)
def test_designation_in_force_from_listing(at: datetime, in_force: bool) -> None:
    assert NUSRA_LISTED.in_force(at) is in_force


def test_designation_ends_when_delisted() -> None:
    delisted = Designation(9, UN_LIST, "QDe.137", day(1), delisted_at=day(20))
    assert delisted.in_force(day(20) - TICK)
    assert not delisted.in_force(day(20))
    assert not delisted.in_force(day(26))


def test_only_a_list_the_agreement_excludes_puts_a_party_outside() -> None:
    other_list = Designation(9, "EU terrorist list", "EU-1", day(1))
    assert excluding_designation(AGREEMENT, [other_list], day(26)) is None
    assert excluding_designation(AGREEMENT, [other_list, NUSRA_LISTED], day(26)) == NUSRA_LISTED


def test_a_designation_not_yet_or_no_longer_in_force_does_not_exclude() -> None:
    later = Designation(9, UN_LIST, "QDe.200", day(28))
    delisted = Designation(9, UN_LIST, "QDe.100", day(1), delisted_at=day(10))
    assert excluding_designation(AGREEMENT, [later, delisted], day(26)) is None
    assert excluding_designation(AGREEMENT, [later, delisted], day(28)) == later


@pytest.mark.parametrize(
    ("at", "late"),
    [
        (SIGNED, False),
        (DEADLINE - TICK, False),
        (DEADLINE, False),
        (DEADLINE + TICK, True),
        (datetime(2016, 3, 21, tzinfo=UTC), True),
    ],
)
def test_a_commitment_is_late_only_after_the_deadline(at: datetime, late: bool) -> None:
    assert check_commitment(AGREEMENT, ISLAM, "US", at, []).late is late


def test_a_commitment_may_be_made_to_either_guarantor() -> None:
    assert check_commitment(AGREEMENT, ISLAM, "RU", day(25), []).late is False


def test_a_designated_party_cannot_commit() -> None:
    with pytest.raises(Conflict) as raised:
        check_commitment(AGREEMENT, NUSRA, "RU", day(25), [NUSRA_LISTED])
    message = str(raised.value)
    assert UN_LIST in message
    assert "QDe.137" in message
    assert "Jabhat al-Nusra" in message
    assert raised.value.field == "party_id"


def test_a_listing_the_agreement_does_not_exclude_does_not_stop_a_commitment() -> None:
    eu = Designation(9, "EU terrorist list", "EU-1", day(1))
    delisted = Designation(9, UN_LIST, "QDe.1", day(1), delisted_at=day(2))
    assert check_commitment(AGREEMENT, NUSRA, "US", day(25), [eu, delisted]).late is False


@pytest.mark.parametrize("guarantor", ["FR", "TR", ""])
def test_a_commitment_to_a_state_that_is_not_a_guarantor_is_invalid(guarantor: str) -> None:
    with pytest.raises(Invalid) as raised:
        check_commitment(AGREEMENT, ISLAM, guarantor, day(25), [])
    assert raised.value.field == "guarantor"
    assert "US, RU" in str(raised.value)


def test_a_commitment_before_signing_is_invalid() -> None:
    with pytest.raises(Invalid) as raised:
        check_commitment(AGREEMENT, ISLAM, "US", SIGNED - TICK, [])
    assert raised.value.field == "committed_at"


def test_a_new_party_gets_its_folded_key() -> None:
    assert check_new_party("Jaish al-Islam", [fold("Ahrar al-Sham")]) == fold("Jaysh al-Islam")


@pytest.mark.parametrize("name", ["", "   ", " -- () "])
def test_a_new_party_needs_a_name(name: str) -> None:
    with pytest.raises(Invalid) as raised:
        check_new_party(name, [])
    assert raised.value.field == "name"


@pytest.mark.parametrize("name", ["Jaysh al-Islam", "JAISH AL ISLAM", "Jeish al-Islam"])
def test_a_new_party_whose_name_folds_to_a_taken_key_is_refused(name: str) -> None:
    with pytest.raises(Conflict) as raised:
        check_new_party(name, [fold("Ahrar al-Sham"), fold("Jaysh al-Islam")])
    assert raised.value.field == "name"
    assert name in str(raised.value)


def test_a_similar_but_different_name_is_not_a_duplicate() -> None:
    assert check_new_party("Jaysh al-Nasr", iter([fold("Jabhat al-Nusra")])) == fold("Jaysh Nasr")
