"""Repositories: rows in, domain objects out."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import (
    ColumnElement,
    CursorResult,
    bindparam,
    case,
    delete,
    func,
    or_,
    select,
    update,
)
from sqlalchemy.orm import Session

from truce.domain.agreement import Agreement, State, StateRole, Term
from truce.domain.breaches import parse_rule, rule_data
from truce.domain.paging import KeyPart, Page
from truce.domain.parties import Alias, Designation, Party, Status, StatusChange
from truce.domain.proposals import Proposal, ProposalState, require_open
from truce.store import paging
from truce.store.paging import Column, Keyset, SortKey
from truce.store.tables import (
    AgreementRow,
    AgreementStateRow,
    AliasRow,
    AreaReviewRow,
    AreaRow,
    CommitmentRow,
    DesignationRow,
    ExcludedListRow,
    PartyRow,
    ProposalRow,
    SessionRow,
    StateRow,
    StatusChangeRow,
    TermRow,
    TokenRow,
    UserRow,
)


def _like_prefix(key: str) -> str:
    return key.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


ID = KeyPart(int)
TEXT = KeyPart(str)


def status_at(agreement_id: int, party_id: Column, at: datetime) -> ColumnElement[str]:
    """A party's status at ``at``, in SQL, read as ``domain.parties.status_at`` reads it: the
    latest change not after ``at`` (the later one of two at the same time), else unknown."""
    latest = (
        select(StatusChangeRow.status)
        .where(
            StatusChangeRow.agreement_id == agreement_id,
            StatusChangeRow.party_id == party_id,
            StatusChangeRow.effective_at <= at,
        )
        .order_by(StatusChangeRow.effective_at.desc(), StatusChangeRow.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    return func.coalesce(latest, Status.UNKNOWN.value)


class States:
    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, code: str) -> State | None:
        row = self.session.get(StateRow, code)
        return State(row.code, row.name, row.kind) if row else None

    def all(self) -> list[State]:
        rows = self.session.scalars(select(StateRow).order_by(StateRow.name))
        return [State(r.code, r.name, r.kind) for r in rows]

    def names(self) -> dict[str, str]:
        return {state.code: state.name for state in self.all()}

    def add(self, state: State) -> None:
        self.session.add(StateRow(code=state.code, name=state.name, kind=state.kind))
        self.session.flush()


class Agreements:
    def __init__(self, session: Session) -> None:
        self.session = session

    def _load(self, row: AgreementRow) -> Agreement:
        states = self.session.scalars(
            select(AgreementStateRow)
            .where(AgreementStateRow.agreement_id == row.id)
            .order_by(AgreementStateRow.position)
        ).all()
        lists = self.session.scalars(
            select(ExcludedListRow.list_name).where(ExcludedListRow.agreement_id == row.id)
        ).all()
        terms = self.session.scalars(
            select(TermRow).where(TermRow.agreement_id == row.id).order_by(TermRow.number)
        ).all()
        return Agreement(
            id=row.id,
            slug=row.slug,
            title=row.title,
            signed_at=row.signed_at,
            effective_at=row.effective_at,
            acceptance_deadline=row.acceptance_deadline,
            timezone=row.timezone,
            guarantors=tuple(s.state_code for s in states if s.role == StateRole.GUARANTOR),
            members=tuple(s.state_code for s in states if s.role == StateRole.MEMBER),
            excluded_lists=tuple(sorted(lists)),
            terms=tuple(
                Term(
                    t.number, t.title, t.text, parse_rule(t.number, t.breach) if t.breach else None
                )
                for t in terms
            ),
        )

    def get(self, agreement_id: int) -> Agreement | None:
        row = self.session.get(AgreementRow, agreement_id)
        return self._load(row) if row else None

    def by_slug(self, slug: str) -> Agreement | None:
        row = self.session.scalar(select(AgreementRow).where(AgreementRow.slug == slug))
        return self._load(row) if row else None

    def all(self) -> list[Agreement]:
        rows = self.session.scalars(select(AgreementRow).order_by(AgreementRow.id))
        return [self._load(row) for row in rows]

    def add(self, agreement: Agreement, created_at: datetime) -> int:
        row = AgreementRow(
            slug=agreement.slug,
            title=agreement.title,
            signed_at=agreement.signed_at,
            effective_at=agreement.effective_at,
            acceptance_deadline=agreement.acceptance_deadline,
            timezone=agreement.timezone,
            created_at=created_at,
        )
        self.session.add(row)
        self.session.flush()
        roles = [(c, StateRole.GUARANTOR) for c in agreement.guarantors]
        roles += [(c, StateRole.MEMBER) for c in agreement.members]
        for position, (code, role) in enumerate(roles):
            self.session.add(
                AgreementStateRow(
                    agreement_id=row.id, state_code=code, role=role.value, position=position
                )
            )
        for name in agreement.excluded_lists:
            self.session.add(ExcludedListRow(agreement_id=row.id, list_name=name))
        for term in agreement.terms:
            self.session.add(
                TermRow(
                    agreement_id=row.id,
                    number=term.number,
                    title=term.title,
                    text=term.text,
                    breach=rule_data(term.breach) if term.breach else None,
                )
            )
        self.session.flush()
        return row.id


def _term(row: TermRow) -> Term:
    rule = parse_rule(row.number, row.breach) if row.breach is not None else None
    return Term(row.number, row.title, row.text, rule)


class Parties:
    def __init__(self, session: Session) -> None:
        self.session = session

    def row(self, party_id: int) -> PartyRow | None:
        return self.session.get(PartyRow, party_id)

    def by_slug(self, slug: str) -> PartyRow | None:
        return self.session.scalar(select(PartyRow).where(PartyRow.slug == slug))

    def get(self, party_id: int) -> Party | None:
        row = self.row(party_id)
        return self._domain(row, self.aliases([party_id])[party_id]) if row else None

    @staticmethod
    def _domain(row: PartyRow, aliases: Sequence[AliasRow]) -> Party:
        return Party(
            id=row.id,
            slug=row.slug,
            name=row.name,
            side=row.side,
            aliases=tuple(Alias(a.text, a.lang, a.valid_from, a.valid_to) for a in aliases),
            coalition_id=row.coalition_id,
            sponsor=row.sponsor_state,
        )

    def aliases(self, party_ids: Iterable[int]) -> dict[int, list[AliasRow]]:
        ids = list(party_ids)
        found: dict[int, list[AliasRow]] = {pid: [] for pid in ids}
        rows = self.session.scalars(
            select(AliasRow).where(AliasRow.party_id.in_(ids)).order_by(AliasRow.id)
        )
        for alias in rows:
            found[alias.party_id].append(alias)
        return found

    def all_rows(self) -> list[PartyRow]:
        return list(self.session.scalars(select(PartyRow).order_by(PartyRow.name)))

    def matching(self, key: str) -> list[int]:
        """Ids of parties with a name or alias whose folded form has a word starting ``key``,
        best match first (see ``_ranked``)."""
        ranked = _ranked(key)
        query = select(PartyRow.id).join(ranked, ranked.c.party_id == PartyRow.id)
        order = (ranked.c.rank, PartyRow.name, PartyRow.id)
        return list(self.session.scalars(query.order_by(*order)))

    def registry_page(
        self,
        agreement_id: int,
        at: datetime,
        *,
        key: str | None,
        status: Status | None,
        only: set[int] | None = None,
        cursor: str | None,
        limit: int,
    ) -> Page[PartyRow]:
        """Parties by name, or best match first for a search key, with the status at ``at``,
        among the ids in ``only`` when given."""
        query = select(PartyRow)
        if only is not None:
            query = query.where(PartyRow.id.in_(only))
        if status is not None:
            query = query.where(status_at(agreement_id, PartyRow.id, at) == status.value)
        by_name = (SortKey(PartyRow.name, TEXT), SortKey(PartyRow.id, ID))
        keyset = Keyset("parties", by_name)
        if key is not None:
            ranked = _ranked(key)
            query = query.join(ranked, ranked.c.party_id == PartyRow.id)
            keyset = Keyset("parties-found", (SortKey(ranked.c.rank, ID), *by_name))
        return paging.page(self.session, query, keyset, cursor, limit).map(lambda row: row[0])

    def ids(self) -> list[int]:
        return list(self.session.scalars(select(PartyRow.id)))

    def name_keys(self) -> list[str]:
        return list(self.session.scalars(select(PartyRow.name_key)))

    def add(self, row: PartyRow) -> int:
        self.session.add(row)
        self.session.flush()
        return row.id

    def add_alias(self, party_id: int, alias: Alias, folded: str) -> None:
        self.session.add(
            AliasRow(
                party_id=party_id,
                text=alias.text,
                lang=alias.lang,
                folded=folded,
                valid_from=alias.valid_from,
                valid_to=alias.valid_to,
            )
        )
        self.session.flush()

    def every_alias(self) -> list[tuple[int, Alias]]:
        """Every name of every party (each party's own name among them), oldest first."""
        rows = self.session.execute(
            select(AliasRow.party_id, AliasRow.text, AliasRow.lang, AliasRow.valid_from,
                   AliasRow.valid_to).order_by(AliasRow.id)
        )  # fmt: skip
        return [(pid, Alias(text, lang, start, end)) for pid, text, lang, start, end in rows]

    def has_alias(self, party_id: int, text: str) -> bool:
        return (
            self.session.scalar(
                select(AliasRow.id).where(AliasRow.party_id == party_id, AliasRow.text == text)
            )
            is not None
        )

    def remove_alias(self, party_id: int, text: str) -> None:
        self.session.execute(
            delete(AliasRow).where(AliasRow.party_id == party_id, AliasRow.text == text)
        )


def _ranked(key: str) -> Any:
    """Each party that a search key finds, with how well its best name answers it, as
    ``domain.text.rank`` grades a name: 0 exact, 1 prefix, 2 a later word's prefix."""
    pattern = _like_prefix(key)
    prefix = AliasRow.folded.like(f"{pattern}%", escape="\\")
    word = AliasRow.folded.like(f"% {pattern}%", escape="\\")
    grade = case((AliasRow.folded == key, 0), (prefix, 1), else_=2)
    return (
        select(AliasRow.party_id, func.min(grade).label("rank"))
        .where(or_(prefix, word))
        .group_by(AliasRow.party_id)
        .subquery()
    )


class Designations:
    def __init__(self, session: Session) -> None:
        self.session = session

    def of(self, party_id: int) -> list[Designation]:
        return [self._domain(row) for row in self.rows(party_id)]

    def rows(self, party_id: int | None = None) -> list[DesignationRow]:
        statement = select(DesignationRow).order_by(DesignationRow.listed_at)
        if party_id is not None:
            statement = statement.where(DesignationRow.party_id == party_id)
        return list(self.session.scalars(statement))

    def by_party(self) -> dict[int, list[Designation]]:
        found: dict[int, list[Designation]] = defaultdict(list)
        for row in self.rows():
            found[row.party_id].append(self._domain(row))
        return found

    @staticmethod
    def _domain(row: DesignationRow) -> Designation:
        return Designation(
            row.party_id, row.list_name, row.reference, row.listed_at, row.delisted_at
        )

    def add(self, row: DesignationRow) -> int:
        self.session.add(row)
        self.session.flush()
        return row.id


class Commitments:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, row: CommitmentRow) -> int:
        self.session.add(row)
        self.session.flush()
        return row.id

    def get(self, commitment_id: int) -> CommitmentRow | None:
        return self.session.get(CommitmentRow, commitment_id)

    def list(self, agreement_id: int, party_id: int | None = None) -> list[CommitmentRow]:
        statement = (
            select(CommitmentRow)
            .where(CommitmentRow.agreement_id == agreement_id)
            .order_by(CommitmentRow.committed_at, CommitmentRow.id)
        )
        if party_id is not None:
            statement = statement.where(CommitmentRow.party_id == party_id)
        return list(self.session.scalars(statement))


class Proposals:
    def __init__(self, session: Session) -> None:
        self.session = session

    @staticmethod
    def _domain(row: ProposalRow) -> Proposal:
        return Proposal(
            id=row.id,
            agreement_id=row.agreement_id,
            party_id=row.party_id,
            status=Status(row.status),
            reason=row.reason,
            proposed_by=row.proposed_by,
            proposer_state=row.proposer_state,
            proposed_at=row.proposed_at,
            state=ProposalState(row.state),
            decided_by=row.decided_by,
            decider_state=row.decider_state,
            decided_at=row.decided_at,
            decision_reason=row.decision_reason,
        )

    def get(self, proposal_id: int) -> Proposal | None:
        row = self.session.get(ProposalRow, proposal_id)
        return self._domain(row) if row else None

    def list(
        self,
        agreement_id: int,
        party_id: int | None = None,
        state: ProposalState | None = None,
    ) -> list[Proposal]:
        statement = (
            select(ProposalRow)
            .where(ProposalRow.agreement_id == agreement_id)
            .order_by(ProposalRow.proposed_at, ProposalRow.id)
        )
        if party_id is not None:
            statement = statement.where(ProposalRow.party_id == party_id)
        if state is not None:
            statement = statement.where(ProposalRow.state == state.value)
        return [self._domain(row) for row in self.session.scalars(statement)]

    def add(self, proposal: Proposal) -> int:
        row = ProposalRow(
            agreement_id=proposal.agreement_id,
            party_id=proposal.party_id,
            status=proposal.status.value,
            reason=proposal.reason,
            proposed_by=proposal.proposed_by,
            proposer_state=proposal.proposer_state,
            proposed_at=proposal.proposed_at,
            state=proposal.state.value,
        )
        self.session.add(row)
        self.session.flush()
        return row.id

    def close(self, proposal: Proposal) -> None:
        """Store how a proposal ended, only if it is still open: a proposal closes once."""
        closing = (
            update(ProposalRow)
            .where(ProposalRow.id == proposal.id, ProposalRow.state == ProposalState.OPEN.value)
            .values(
                state=proposal.state.value,
                decided_by=proposal.decided_by,
                decider_state=proposal.decider_state,
                decided_at=proposal.decided_at,
                decision_reason=proposal.decision_reason,
            )
        )
        if cast(CursorResult[Any], self.session.execute(closing)).rowcount == 1:
            return
        row = self.session.get(ProposalRow, proposal.id, populate_existing=True)
        assert row is not None, f"proposal {proposal.id} vanished"
        require_open(self._domain(row))  # raises, naming who closed it first
        raise AssertionError(f"proposal {proposal.id} is open but was not closed")


class StatusChanges:
    def __init__(self, session: Session) -> None:
        self.session = session

    def rows(self, agreement_id: int, party_id: int | None = None) -> list[StatusChangeRow]:
        statement = (
            select(StatusChangeRow)
            .where(StatusChangeRow.agreement_id == agreement_id)
            .order_by(StatusChangeRow.effective_at, StatusChangeRow.id)
        )
        if party_id is not None:
            statement = statement.where(StatusChangeRow.party_id == party_id)
        return list(self.session.scalars(statement))

    def of(self, agreement_id: int, party_id: int) -> list[StatusChange]:
        return [self._domain(row) for row in self.rows(agreement_id, party_id)]

    def by_party(self, agreement_id: int) -> dict[int, list[StatusChange]]:
        found: dict[int, list[StatusChange]] = defaultdict(list)
        for row in self.rows(agreement_id):
            found[row.party_id].append(self._domain(row))
        return found

    @staticmethod
    def _domain(row: StatusChangeRow) -> StatusChange:
        return StatusChange(Status(row.status), row.effective_at, row.cause)

    def add(self, row: StatusChangeRow) -> int:
        self.session.add(row)
        self.session.flush()
        return row.id


class Users:
    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, user_id: int) -> UserRow | None:
        return self.session.get(UserRow, user_id)

    def by_name(self, username: str) -> UserRow | None:
        return self.session.scalar(select(UserRow).where(UserRow.username == username))

    def all(self) -> list[UserRow]:
        return list(self.session.scalars(select(UserRow).order_by(UserRow.username)))

    def add(self, row: UserRow) -> int:
        self.session.add(row)
        self.session.flush()
        return row.id

    def names(self, user_ids: Iterable[int | None]) -> dict[int, str]:
        ids = {uid for uid in user_ids if uid is not None}
        if not ids:
            return {}
        rows = self.session.execute(select(UserRow.id, UserRow.username).where(UserRow.id.in_(ids)))
        return {uid: name for uid, name in rows}


class Tokens:
    def __init__(self, session: Session) -> None:
        self.session = session

    def by_hash(self, token_hash: str) -> TokenRow | None:
        return self.session.scalar(select(TokenRow).where(TokenRow.token_hash == token_hash))

    def add(self, row: TokenRow) -> int:
        self.session.add(row)
        self.session.flush()
        return row.id

    def of(self, user_id: int) -> list[TokenRow]:
        return list(
            self.session.scalars(
                select(TokenRow).where(TokenRow.user_id == user_id).order_by(TokenRow.id)
            )
        )

    def get(self, token_id: int) -> TokenRow | None:
        return self.session.get(TokenRow, token_id)

    def revoke_all(self, user_id: int, at: datetime) -> None:
        self.session.execute(
            update(TokenRow)
            .where(TokenRow.user_id == user_id, TokenRow.revoked_at.is_(None))
            .values(revoked_at=at)
        )


class Sessions:
    def __init__(self, session: Session) -> None:
        self.session = session

    def by_hash(self, token_hash: str) -> SessionRow | None:
        return self.session.scalar(select(SessionRow).where(SessionRow.token_hash == token_hash))

    def add(self, row: SessionRow) -> int:
        self.session.add(row)
        self.session.flush()
        return row.id

    def revoke_all(self, user_id: int, at: datetime) -> None:
        self.session.execute(
            update(SessionRow)
            .where(SessionRow.user_id == user_id, SessionRow.revoked_at.is_(None))
            .values(revoked_at=at)
        )

    def remove_expired(self, now: datetime) -> None:
        """Forget sessions that ended by themselves; a revoked one is kept until it expires."""
        self.session.execute(delete(SessionRow).where(SessionRow.expires_at <= now))


# Built once: an agreement's version (see Areas.version) is read on every applicability query.
_VERSION_COLUMNS = select(
    AgreementRow.id,
    AgreementRow.created_at,
    select(func.max(AreaRow.id)).where(AreaRow.agreement_id == AgreementRow.id).scalar_subquery(),
    select(func.max(AreaReviewRow.id)).scalar_subquery(),
    select(func.max(StatusChangeRow.id))
    .where(StatusChangeRow.agreement_id == AgreementRow.id)
    .scalar_subquery(),
)
_VERSION = _VERSION_COLUMNS.where(AgreementRow.id == bindparam("agreement"))
_NEWEST_VERSION = _VERSION_COLUMNS.order_by(AgreementRow.id.desc()).limit(1)


_AREAS = Keyset("areas", (SortKey(AreaRow.id, ID),))


class Areas:
    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, area_id: int) -> AreaRow | None:
        return self.session.get(AreaRow, area_id)

    def of(self, agreement_id: int) -> list[AreaRow]:
        return list(
            self.session.scalars(
                select(AreaRow).where(AreaRow.agreement_id == agreement_id).order_by(AreaRow.id)
            )
        )

    def add(self, row: AreaRow) -> int:
        self.session.add(row)
        self.session.flush()
        return row.id

    def active_page(
        self,
        agreement_id: int,
        at: datetime,
        *,
        guarantor: str | None,
        cursor: str | None,
        limit: int,
    ) -> Page[tuple[AreaRow, Status]]:
        """The areas that hold at ``at`` (of one guarantor, if given) with their party's status
        then, by id: valid from ``at`` or before, and neither ended nor replaced by then."""
        query = select(AreaRow, status_at(agreement_id, AreaRow.party_id, at)).where(
            AreaRow.agreement_id == agreement_id,
            AreaRow.valid_from <= at,
            or_(AreaRow.valid_to.is_(None), AreaRow.valid_to > at),
            or_(AreaRow.superseded_at.is_(None), AreaRow.superseded_at > at),
        )
        if guarantor is not None:
            query = query.where(AreaRow.asserted_by == guarantor)
        found = paging.page(self.session, query, _AREAS, cursor, limit)
        return found.map(lambda row: (row[0], Status(row[1])))

    def add_review(self, row: AreaReviewRow) -> int:
        self.session.add(row)
        self.session.flush()
        return row.id

    def reviews(self, area_id: int) -> list[AreaReviewRow]:
        return list(
            self.session.scalars(
                select(AreaReviewRow)
                .where(AreaReviewRow.area_id == area_id)
                .order_by(AreaReviewRow.id)
            )
        )

    def version(self, agreement_id: int | None) -> tuple[Any, ...] | None:
        """What an agreement's areas depend on, read in one indexed query; None if it is unknown.

        The agreement is the newest one when ``agreement_id`` is None. The result is (agreement
        id, its creation time, the largest id of its areas, of all reviews and of its status
        changes). Areas, reviews and status changes are only ever added: a replacement or a
        review that updates an older row adds its own row in the same transaction. So the
        result changes whenever anything the engine uses changes, and the creation time tells
        apart an agreement that took the id of another in an emptied database.
        """
        if agreement_id is None:
            found = self.session.connection().execute(_NEWEST_VERSION)
        else:
            found = self.session.connection().execute(_VERSION, {"agreement": agreement_id})
        row = found.first()
        return None if row is None else tuple(row)
