"""Setting up agreements and the states that take part in them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from truce.domain.agreement import Agreement, State, Term, check_agreement
from truce.domain.breaches import rule_data
from truce.domain.errors import Conflict, Invalid
from truce.domain.i18n import N_
from truce.domain.permissions import Action, Actor, require
from truce.services import common
from truce.store.ledger_store import Change
from truce.store.uow import UnitOfWork


@dataclass(frozen=True)
class NewAgreement:
    slug: str
    title: str
    signed_at: datetime
    effective_at: datetime
    acceptance_deadline: datetime
    timezone: str
    guarantors: tuple[str, ...]
    members: tuple[str, ...] = ()
    excluded_lists: tuple[str, ...] = ()
    terms: tuple[Term, ...] = field(default=())
    procedures: dict[str, Any] = field(default_factory=dict)


def add_state(state: State, uow: UnitOfWork, *, actor: Actor) -> State:
    """Register a state or organisation that agreements can name."""
    require(actor, Action.CREATE_AGREEMENT)
    if not state.code.strip() or not state.name.strip():
        raise Invalid(N_("A state needs a code and a name."), field="code")
    if uow.states.get(state.code) is not None:
        raise Conflict(N_("State {code} already exists."), field="code", code=state.code)
    uow.states.add(state)
    uow.record(
        actor,
        Change(
            "state.added",
            f"state:{state.code}",
            {"code": state.code, "name": state.name, "kind": state.kind},
        ),
    )
    uow.commit()
    return state


def create_agreement(cmd: NewAgreement, uow: UnitOfWork, *, actor: Actor) -> Agreement:
    """Create an agreement with its terms, clock, guarantors and members."""
    require(actor, Action.CREATE_AGREEMENT)
    draft = Agreement(
        id=0,
        slug=cmd.slug,
        title=cmd.title,
        signed_at=common.utc(cmd.signed_at, "signed_at"),
        effective_at=common.utc(cmd.effective_at, "effective_at"),
        acceptance_deadline=common.utc(cmd.acceptance_deadline, "acceptance_deadline"),
        timezone=cmd.timezone,
        guarantors=cmd.guarantors,
        members=cmd.members,
        excluded_lists=cmd.excluded_lists,
        terms=cmd.terms,
        procedures=cmd.procedures,
    )
    check_agreement(draft)
    for code in (*draft.guarantors, *draft.members):
        common.require_state(uow, code, "guarantors" if code in draft.guarantors else "members")
    if uow.agreements.by_slug(draft.slug) is not None:
        raise Conflict(N_("An agreement {slug!r} already exists."), field="slug", slug=draft.slug)
    created_at = uow.now()
    agreement_id = uow.agreements.add(draft, created_at)
    payload = _payload(draft, agreement_id) | {"created_at": common.stamp(created_at)}
    uow.record(actor, Change("agreement.created", f"agreement:{agreement_id}", payload))
    uow.commit()
    return common.agreement(uow, agreement_id)


def _payload(draft: Agreement, agreement_id: int) -> dict[str, object]:
    return {
        "agreement_id": agreement_id,
        "slug": draft.slug,
        "title": draft.title,
        "signed_at": common.stamp(draft.signed_at),
        "effective_at": common.stamp(draft.effective_at),
        "acceptance_deadline": common.stamp(draft.acceptance_deadline),
        "timezone": draft.timezone,
        "guarantors": list(draft.guarantors),
        "members": list(draft.members),
        "excluded_lists": list(draft.excluded_lists),
        "terms": [_term(t) for t in draft.terms],
        "procedures": dict(draft.procedures),
    }


def list_agreements(uow: UnitOfWork) -> list[Agreement]:
    """Every agreement, oldest first."""
    return uow.agreements.all()


def _term(term: Term) -> dict[str, Any]:
    data: dict[str, Any] = {"number": term.number, "title": term.title, "text": term.text}
    if term.breach is not None:
        data["breach"] = rule_data(term.breach)
    return data
