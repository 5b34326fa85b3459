"""The registry of parties: adding them, naming them, finding them and reading their standing."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import TypedDict, Unpack

from truce.domain.agreement import Agreement
from truce.domain.errors import Conflict, Invalid
from truce.domain.i18n import N_
from truce.domain.paging import DEFAULT_LIMIT, Page
from truce.domain.parties import (
    Alias,
    Commitment,
    Designation,
    Party,
    Status,
    StatusChange,
    check_new_party,
    excluding_designation,
    status_at,
)
from truce.domain.permissions import Action, Actor, allowed, redact, require
from truce.domain.proposals import (
    Accord,
    Proposal,
    ProposalState,
    accord,
    standing_rejection,
    views,
)
from truce.domain.text import fold, strip_marks
from truce.services import common
from truce.store.ledger_store import Change
from truce.store.uow import UnitOfWork

LANG = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")


@dataclass(frozen=True)
class NewParty:
    name: str
    side: str = ""
    aliases: tuple[tuple[str, str] | Alias, ...] = ()  # (text, language), or a dated Alias
    coalition_id: int | None = None
    sponsor: str | None = None
    notes: str = ""
    slug: str | None = None
    uncertain: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()


def slugify(name: str) -> str:
    """A URL-safe ASCII slug for a name."""
    ascii_name = strip_marks(name).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", "-", ascii_name).strip("-")[:80]


def create_party(cmd: NewParty, uow: UnitOfWork, *, actor: Actor) -> int:
    """Add a party with its aliases; its name must not fold to an existing party's."""
    require(actor, Action.CREATE_PARTY)
    name = cmd.name.strip()
    key = check_new_party(name, uow.parties.name_keys())
    slug = cmd.slug or slugify(name) or f"party-{len(uow.parties.name_keys()) + 1}"
    if uow.parties.by_slug(slug) is not None:
        raise Conflict(N_("The slug {slug!r} is taken."), field="slug", slug=slug)
    if cmd.coalition_id is not None:
        common.party(uow, cmd.coalition_id)
    if cmd.sponsor is not None:
        common.require_state(uow, cmd.sponsor, "sponsor")
    party = Party(
        id=0,
        slug=slug,
        name=name,
        side=cmd.side,
        coalition_id=cmd.coalition_id,
        sponsor=cmd.sponsor,
        notes=cmd.notes,
        uncertain=tuple(cmd.uncertain),
        sources=tuple(cmd.sources),
    )
    created_at = uow.now()
    party_id = uow.parties.add(party, name_key=key, created_at=created_at)
    aliases, alias_ids = _store_aliases(uow, party_id, [(name, ""), *cmd.aliases])
    payload = {
        "party_id": party_id,
        "slug": slug,
        "name": name,
        "side": cmd.side,
        "coalition_id": cmd.coalition_id,
        "sponsor": cmd.sponsor,
        "notes": cmd.notes,
        "aliases": aliases,
        "alias_ids": alias_ids,  # for replay, as created_at (docs/ledger.md)
        "uncertain": list(cmd.uncertain),
        "sources": list(cmd.sources),
        "created_at": common.stamp(created_at),  # for replay (docs/ledger.md)
    }
    uow.record(actor, Change("party.created", f"party:{party_id}", payload))
    uow.commit()
    return party_id


def _store_aliases(
    uow: UnitOfWork, party_id: int, aliases: Sequence[tuple[str, str] | Alias]
) -> tuple[list[list[str | None]], list[int]]:
    """Store the new ones; each as the ledger records it: [text, lang] or, when dated,
    [text, lang, valid_from, valid_to]; with their ids, in the same order."""
    stored: list[list[str | None]] = []
    ids: list[int] = []
    for given in aliases:
        alias = given if isinstance(given, Alias) else Alias(*given)
        text, lang = alias.text.strip(), alias.lang
        if lang and not LANG.match(lang):
            raise Invalid(
                N_("Language {lang!r} is not a language tag such as 'ar' or 'ru'."),
                field="aliases",
                lang=lang,
            )
        if alias.valid_from and alias.valid_to and alias.valid_to <= alias.valid_from:
            raise Invalid(
                N_("The alias {text!r} must stop holding after it starts."),
                field="aliases",
                text=text,
            )
        folded = fold(text)
        if not folded or uow.parties.has_alias(party_id, text):
            continue
        alias = replace(alias, text=text, lang=lang or "und")
        ids.append(uow.parties.add_alias(party_id, alias, folded))
        record: list[str | None] = [text, alias.lang]
        if alias.valid_from or alias.valid_to:
            record += [_day(alias.valid_from), _day(alias.valid_to)]
        stored.append(record)
    return stored, ids


def _alias_view(alias: Alias) -> dict[str, str]:
    view = {"text": alias.text, "lang": alias.lang}
    if alias.valid_from or alias.valid_to:  # a name held for a time, e.g. after a renaming
        view.update(valid_from=_day(alias.valid_from) or "", valid_to=_day(alias.valid_to) or "")
    return view


def _day(day: date | None) -> str | None:
    return day.isoformat() if day else None


@dataclass(frozen=True)
class NewAlias:
    """Another name of a party, in a language (BCP 47, e.g. ar, ru; empty for unknown), held
    from ``valid_from`` until (not including) ``valid_to`` when dated."""

    party_id: int
    text: str
    lang: str = ""
    valid_from: date | None = None
    valid_to: date | None = None


def add_alias(cmd: NewAlias, uow: UnitOfWork, *, actor: Actor) -> None:
    """Give a party another name."""
    require(actor, Action.EDIT_PARTY)
    party_id, text, lang = cmd.party_id, cmd.text, cmd.lang
    common.party(uow, party_id)
    if not fold(text):
        raise Invalid(N_("An alias needs at least one letter."), field="text")
    if uow.parties.has_alias(party_id, text.strip()):
        raise Conflict(N_("The party already has the alias {text!r}."), field="text", text=text)
    stored, ids = _store_aliases(uow, party_id, [Alias(text, lang, cmd.valid_from, cmd.valid_to)])
    payload = {"aliases": stored, "alias_ids": ids}
    uow.record(actor, Change("party.alias_added", f"party:{party_id}", payload))
    uow.commit()


@dataclass(frozen=True)
class ProposalView:
    """A proposal as shown: the public sees the states that acted, staff also their users."""

    id: int
    party_id: int
    status: Status
    reason: str
    proposer_state: str
    proposed_by: str | None  # None for the public
    proposed_at: datetime
    state: ProposalState
    decider_state: str | None
    decided_by: str | None  # None for the public, and while nobody has answered
    decided_at: datetime | None
    decision_reason: str
    approvals: tuple[str, ...] = ()  # states that approved an open proposal (three or more keys)


@dataclass(frozen=True)
class RegistryEntry:
    """One party as the registry shows it under one agreement."""

    id: int
    slug: str
    name: str
    aliases: list[dict[str, str]]
    side: str
    sponsor: str | None
    coalition_id: int | None
    status: Status
    views: dict[str, Status]
    accord: Accord
    designated: bool
    first_commitment: Commitment | None
    open_proposals: list[ProposalView]
    rejected: ProposalView | None = None  # why it is disputed, when a rejection is the reason
    notes: str = ""
    uncertain: list[str] = field(default_factory=list)

    @property
    def pending(self) -> bool:
        """One side proposed and the other has not answered."""
        return self.accord is Accord.PENDING

    @property
    def disputed(self) -> bool:
        """The guarantors' views conflict."""
        return self.accord is Accord.DISPUTED


def proposal_views(
    uow: UnitOfWork, proposals: list[Proposal], *, actor: Actor | None
) -> list[ProposalView]:
    """Proposals with user names in place of ids; for the public, no user names at all."""
    ids = [p.proposed_by for p in proposals] + [p.decided_by for p in proposals]
    names = uow.users.names(ids) if allowed(actor, Action.READ_RESTRICTED) else {}
    return [
        ProposalView(
            p.id,
            p.party_id,
            p.status,
            p.reason,
            p.proposer_state,
            names.get(p.proposed_by),
            p.proposed_at,
            p.state,
            p.decider_state,
            names.get(p.decided_by) if p.decided_by else None,
            p.decided_at,
            p.decision_reason,
            p.approvals,
        )
        for p in proposals
    ]


@dataclass
class _Standing:
    """What the registry needs to know about every party under one agreement."""

    changes: dict[int, list[StatusChange]]
    designations: dict[int, list[Designation]]
    proposals: dict[int, list[Proposal]]
    first_commitments: dict[int, Commitment]


def _standing(uow: UnitOfWork, agreement: Agreement) -> _Standing:
    by_party: dict[int, list[Proposal]] = {}
    for proposal in uow.proposals.list(agreement.id):
        by_party.setdefault(proposal.party_id, []).append(proposal)
    firsts: dict[int, Commitment] = {}
    for commitment in uow.commitments.list(agreement.id):
        firsts.setdefault(commitment.party_id, commitment)
    return _Standing(
        uow.status_changes.by_party(agreement.id),
        uow.designations.by_party(),
        by_party,
        firsts,
    )


def search(uow: UnitOfWork, query: str) -> list[int]:
    """Ids of parties any of whose names matches ``query``, best match first."""
    key = fold(query)
    return uow.parties.matching(key) if key else []


class RegistryFilters(TypedDict, total=False):
    """What narrows the registry (the keywords of ``registry``, the CSV and the CLI's list): the
    agreement (the newest by default), a name in any script, a status, and where the guarantors
    stand on the party."""

    agreement_id: int | None
    query: str | None
    status: Status | None
    accord_is: Accord | None


def registry(
    uow: UnitOfWork,
    *,
    actor: Actor | None,
    at: datetime | None = None,
    cursor: str | None = None,
    limit: int = DEFAULT_LIMIT,
    **filters: Unpack[RegistryFilters],
) -> tuple[Agreement, Page[RegistryEntry]]:
    """One page of the registry under one agreement at one moment, by name; narrowed by a
    name search (best match first), by status and by where the guarantors stand on each
    party (agreed, pending or disputed)."""
    agreement = common.agreement(uow, filters.get("agreement_id"))
    moment = common.utc(at, "at") if at else uow.now()
    query, accord_is = filters.get("query"), filters.get("accord_is")
    key = fold(query) if query is not None and query.strip() else None
    if key == "":
        return agreement, Page([], 0)  # a query of punctuation alone names no party
    standing = _standing(uow, agreement)
    only = None if accord_is is None else _parties_where(uow, standing, accord_is)
    rows = uow.parties.registry_page(
        agreement.id,
        moment,
        key=key,
        status=filters.get("status"),
        only=only,
        cursor=cursor,
        limit=limit,
    )
    return agreement, rows.map(lambda party: _entry(uow, agreement, party, standing, moment, actor))


def _parties_where(uow: UnitOfWork, standing: _Standing, wanted: Accord) -> set[int]:
    """Ids of the parties on which the guarantors stand as ``wanted``; a party nobody has
    proposed anything about is agreed."""
    return {pid for pid in uow.parties.ids() if accord(standing.proposals.get(pid, [])) is wanted}


def _entry(
    uow: UnitOfWork,
    agreement: Agreement,
    party: Party,
    standing: _Standing,
    moment: datetime,
    actor: Actor | None,
) -> RegistryEntry:
    status = status_at(standing.changes.get(party.id, []), moment)
    proposals = standing.proposals.get(party.id, [])
    open_proposals = [p for p in proposals if p.state is ProposalState.OPEN]
    view = views(status, open_proposals, agreement.guarantors)
    first = standing.first_commitments.get(party.id)
    designated = excluding_designation(agreement, standing.designations.get(party.id, []), moment)
    restricted = redact({"notes": party.notes}, actor)
    return RegistryEntry(
        id=party.id,
        slug=party.slug,
        name=party.name,
        aliases=[_alias_view(a) for a in party.aliases if a.text != party.name],
        side=party.side,
        sponsor=party.sponsor,
        coalition_id=party.coalition_id,
        status=status,
        views=view,
        accord=accord(proposals),
        designated=designated is not None,
        first_commitment=_redacted_commitment(first, actor) if first else None,
        open_proposals=proposal_views(uow, open_proposals, actor=actor),
        rejected=_rejected(uow, proposals, actor),
        notes=str(restricted.get("notes", "")),
        uncertain=list(party.uncertain),
    )


def _rejected(
    uow: UnitOfWork, proposals: Sequence[Proposal], actor: Actor | None
) -> ProposalView | None:
    rejection = standing_rejection(proposals)
    return proposal_views(uow, [rejection], actor=actor)[0] if rejection else None


def _redacted_commitment(commitment: Commitment, actor: Actor | None) -> Commitment:
    if allowed(actor, Action.READ_RESTRICTED):
        return commitment
    return replace(commitment, recorded_by="", channel="", note="")


@dataclass(frozen=True)
class DesignationView:
    id: int
    list_name: str
    reference: str
    listed_at: datetime
    delisted_at: datetime | None
    excludes: bool
    source: str


@dataclass(frozen=True)
class PartyDetail:
    """A party with its whole history under one agreement."""

    entry: RegistryEntry
    history: list[StatusChange]
    commitments: list[Commitment]
    proposals: list[ProposalView]
    designations: list[DesignationView]
    coalition: str | None
    members: list[tuple[int, str]]
    sources: list[str]


def party_detail(
    uow: UnitOfWork, party_id: int, *, actor: Actor | None, agreement_id: int | None = None
) -> tuple[Agreement, PartyDetail]:
    """Everything known about one party under one agreement."""
    agreement = common.agreement(uow, agreement_id)
    party = common.party(uow, party_id)
    standing = _standing(uow, agreement)
    entry = _entry(uow, agreement, party, standing, uow.now(), actor)
    coalition = uow.parties.get(party.coalition_id) if party.coalition_id else None
    return agreement, PartyDetail(
        entry=entry,
        history=uow.status_changes.of(agreement.id, party_id),
        commitments=[
            _redacted_commitment(c, actor) for c in uow.commitments.list(agreement.id, party_id)
        ],
        proposals=proposal_views(uow, standing.proposals.get(party_id, []), actor=actor),
        designations=[
            DesignationView(
                d.id,
                d.list_name,
                d.reference,
                d.listed_at,
                d.delisted_at,
                agreement.excludes_list(d.list_name),
                d.source,
            )
            for d in uow.designations.of(party_id)
        ],
        coalition=coalition.name if coalition else None,
        members=[(p.id, p.name) for p in uow.parties.members(party_id)],
        sources=list(party.sources),
    )
