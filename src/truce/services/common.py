"""Lookups every service needs, with the errors users see when they fail."""

from __future__ import annotations

from datetime import UTC, datetime

from truce.domain.agreement import Agreement
from truce.domain.errors import Invalid, NotFound
from truce.domain.i18n import N_
from truce.domain.parties import Party
from truce.domain.times import NEEDS_OFFSET
from truce.ledger.entry import rfc3339
from truce.store.uow import UnitOfWork


def agreement(uow: UnitOfWork, agreement_id: int | None) -> Agreement:
    """The agreement with this id; with None, the newest one."""
    if agreement_id is None:
        found = uow.agreements.all()
        if not found:
            raise NotFound(N_("No agreement has been set up yet."), field="agreement_id")
        return found[-1]
    result = uow.agreements.get(agreement_id)
    if result is None:
        raise NotFound(N_("There is no agreement {id}."), field="agreement_id", id=agreement_id)
    return result


def timezone(uow: UnitOfWork, agreement_id: int | None = None) -> str:
    """The agreement's time zone, on whose clock typed dates and local times are read
    (domain/times.py); UTC while no agreement is set up."""
    if agreement_id is None and not uow.agreements.all():
        return "UTC"
    return agreement(uow, agreement_id).timezone


def party(uow: UnitOfWork, party_id: int) -> Party:
    """The party with this id."""
    result = uow.parties.get(party_id)
    if result is None:
        raise NotFound(N_("There is no party {id}."), field="party_id", id=party_id)
    return result


def require_state(uow: UnitOfWork, code: str, field: str) -> str:
    """A state code that exists."""
    if uow.states.get(code) is None:
        raise Invalid(
            N_("Unknown state {code!r}: use a code listed at /api/v1/states."),
            field=field,
            code=code,
        )
    return code


def utc(moment: datetime, field: str) -> datetime:
    """An aware time converted to UTC; naive times are refused, not guessed."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise Invalid(NEEDS_OFFSET, field=field, name=field)
    return moment.astimezone(UTC)


def stamp(moment: datetime | None) -> str | None:
    """A time as it is written in ledger payloads."""
    return rfc3339(moment) if moment else None
