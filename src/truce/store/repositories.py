"""Repositories: rows in, domain objects out."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import asdict, fields, replace
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
from truce.domain.joint import Vote
from truce.domain.paging import KeyPart, Page
from truce.domain.parties import Alias, Commitment, Designation, Party, Status, StatusChange
from truce.domain.permissions import Role
from truce.domain.proposals import Proposal, ProposalState, require_open
from truce.domain.territory import Area
from truce.domain.users import ApiToken, User, WebSession
from truce.ledger.keys import Signer, public_key_id
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
    EnrolmentCodeRow,
    ExcludedListRow,
    PartyRow,
    ProposalRow,
    ProposalVoteRow,
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
            procedures=row.procedures or {},
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
            procedures=dict(agreement.procedures),
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
            notes=row.notes,
            uncertain=tuple(row.uncertain or ()),
            sources=tuple(row.sources or ()),
        )

    def _with_aliases(self, rows: Sequence[PartyRow]) -> list[Party]:
        aliases = self.aliases(row.id for row in rows)
        return [self._domain(row, aliases[row.id]) for row in rows]

    def all(self) -> list[Party]:
        """Every party with its aliases, by name."""
        return self._with_aliases(self.all_rows())

    def names(self) -> dict[int, str]:
        """Every party's name, by id."""
        return {pid: name for pid, name in self.session.execute(select(PartyRow.id, PartyRow.name))}

    def members(self, coalition_id: int) -> list[Party]:
        """The parties that belong to a coalition, by name (without their aliases)."""
        rows = self.session.scalars(
            select(PartyRow).where(PartyRow.coalition_id == coalition_id).order_by(PartyRow.name)
        )
        return [self._domain(row, ()) for row in rows]

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
    ) -> Page[Party]:
        """Parties by name, or best match first for a search key, with the status at ``at``,
        among the ids in ``only`` when given; each with its aliases."""
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
        found = paging.page(self.session, query, keyset, cursor, limit).map(lambda row: row[0])
        return replace(found, items=self._with_aliases(found.items))

    def ids(self) -> list[int]:
        return list(self.session.scalars(select(PartyRow.id)))

    def name_keys(self) -> list[str]:
        return list(self.session.scalars(select(PartyRow.name_key)))

    def add(self, party: Party, *, name_key: str, created_at: datetime) -> int:
        """Store a new party (``party.id`` and its aliases are not stored; see ``add_alias``)."""
        row = PartyRow(
            slug=party.slug,
            name=party.name,
            name_key=name_key,
            side=party.side,
            coalition_id=party.coalition_id,
            sponsor_state=party.sponsor,
            notes=party.notes,
            uncertain=list(party.uncertain),
            sources=list(party.sources),
            created_at=created_at,
        )
        self.session.add(row)
        self.session.flush()
        return row.id

    def add_alias(self, party_id: int, alias: Alias, folded: str) -> int:
        """Store another name of a party; its id."""
        row = AliasRow(
            party_id=party_id,
            text=alias.text,
            lang=alias.lang,
            folded=folded,
            valid_from=alias.valid_from,
            valid_to=alias.valid_to,
        )
        self.session.add(row)
        self.session.flush()
        return row.id

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

    def of(self, party_id: int | None = None) -> list[Designation]:
        """The designations of one party (of every party when None), by listing date."""
        statement = select(DesignationRow).order_by(DesignationRow.listed_at, DesignationRow.id)
        if party_id is not None:
            statement = statement.where(DesignationRow.party_id == party_id)
        return [self._domain(row) for row in self.session.scalars(statement)]

    def by_party(self) -> dict[int, list[Designation]]:
        found: dict[int, list[Designation]] = defaultdict(list)
        for designation in self.of():
            found[designation.party_id].append(designation)
        return found

    @staticmethod
    def _domain(row: DesignationRow) -> Designation:
        return Designation(
            row.party_id, row.list_name, row.reference, row.listed_at, row.delisted_at,
            row.source, row.id, row.recorded_by, row.recorded_at,
        )  # fmt: skip

    def add(self, designation: Designation) -> int:
        """Store a new designation (``designation.id`` is ignored); its id."""
        assert designation.recorded_at is not None, "a designation is stored with its time"
        row = DesignationRow(
            party_id=designation.party_id,
            list_name=designation.list_name,
            reference=designation.reference,
            listed_at=designation.listed_at,
            delisted_at=designation.delisted_at,
            source=designation.source,
            recorded_by=designation.recorded_by,
            recorded_at=designation.recorded_at,
        )
        self.session.add(row)
        self.session.flush()
        return row.id


class Commitments:
    def __init__(self, session: Session) -> None:
        self.session = session

    @staticmethod
    def _domain(row: CommitmentRow) -> Commitment:
        return Commitment(
            row.id, row.party_id, row.guarantor_state, row.committed_at, row.late,
            row.recorded_at, row.recorded_by, row.channel, row.note,
        )  # fmt: skip

    def add(self, agreement_id: int, commitment: Commitment) -> Commitment:
        """Store a new commitment under an agreement; as stored, with its id."""
        row = CommitmentRow(
            agreement_id=agreement_id,
            party_id=commitment.party_id,
            guarantor_state=commitment.guarantor,
            committed_at=commitment.committed_at,
            late=commitment.late,
            channel=commitment.channel,
            note=commitment.note,
            recorded_by=commitment.recorded_by,
            recorded_at=commitment.recorded_at,
        )
        self.session.add(row)
        self.session.flush()
        return self._domain(row)

    def get(self, commitment_id: int) -> Commitment | None:
        row = self.session.get(CommitmentRow, commitment_id)
        return self._domain(row) if row else None

    def list(self, agreement_id: int, party_id: int | None = None) -> list[Commitment]:
        """An agreement's commitments (of one party, if given), the earliest first."""
        statement = (
            select(CommitmentRow)
            .where(CommitmentRow.agreement_id == agreement_id)
            .order_by(CommitmentRow.committed_at, CommitmentRow.id)
        )
        if party_id is not None:
            statement = statement.where(CommitmentRow.party_id == party_id)
        return [self._domain(row) for row in self.session.scalars(statement)]


class Proposals:
    def __init__(self, session: Session) -> None:
        self.session = session

    def _domain(self, row: ProposalRow) -> Proposal:
        votes = self.session.execute(
            select(ProposalVoteRow.state, ProposalVoteRow.vote)
            .where(ProposalVoteRow.proposal_id == row.id)
            .order_by(ProposalVoteRow.voted_at, ProposalVoteRow.state)
        ).all()
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
            votes=tuple((state, Vote(vote)) for state, vote in votes),
        )

    def get(self, proposal_id: int, *, lock: bool = False) -> Proposal | None:
        """A proposal; with ``lock``, its row held until the transaction ends (PostgreSQL), so
        that two guarantors approving at once are counted one after the other."""
        query = select(ProposalRow).where(ProposalRow.id == proposal_id)
        if lock:
            query = query.with_for_update()
        row = self.session.scalar(query)
        return self._domain(row) if row else None

    def add_vote(
        self, proposal: Proposal, state: str, vote: Vote, user_id: int, at: datetime, reason: str
    ) -> None:
        row = ProposalVoteRow(
            proposal_id=proposal.id,
            state=state,
            vote=vote,
            voted_by=user_id,
            voted_at=at,
            reason=reason,
        )
        self.session.add(row)
        self.session.flush()

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

    def of(self, agreement_id: int, party_id: int | None = None) -> list[StatusChange]:
        """A party's status changes under an agreement (every party's when None), in order."""
        statement = (
            select(StatusChangeRow)
            .where(StatusChangeRow.agreement_id == agreement_id)
            .order_by(StatusChangeRow.effective_at, StatusChangeRow.id)
        )
        if party_id is not None:
            statement = statement.where(StatusChangeRow.party_id == party_id)
        return [self._domain(row) for row in self.session.scalars(statement)]

    def by_party(self, agreement_id: int) -> dict[int, list[StatusChange]]:
        found: dict[int, list[StatusChange]] = defaultdict(list)
        statement = (
            select(StatusChangeRow)
            .where(StatusChangeRow.agreement_id == agreement_id)
            .order_by(StatusChangeRow.effective_at, StatusChangeRow.id)
        )
        for row in self.session.scalars(statement):
            found[row.party_id].append(self._domain(row))
        return found

    @staticmethod
    def _domain(row: StatusChangeRow) -> StatusChange:
        return StatusChange(
            Status(row.status), row.effective_at, row.cause, row.proposal_id,
            row.designation_id, row.recorded_at,
        )  # fmt: skip

    def add(self, agreement_id: int, party_id: int, change: StatusChange) -> int:
        """Store a party's new status under an agreement; its id."""
        assert change.recorded_at is not None, "a status change is stored with its time"
        row = StatusChangeRow(
            agreement_id=agreement_id,
            party_id=party_id,
            status=change.status.value,
            effective_at=change.effective_at,
            cause=change.cause,
            proposal_id=change.proposal_id,
            designation_id=change.designation_id,
            recorded_at=change.recorded_at,
        )
        self.session.add(row)
        self.session.flush()
        return row.id


def _user(row: UserRow) -> User:
    return User(
        id=row.id,
        username=row.username,
        display_name=row.display_name,
        role=Role(row.role),
        state=row.state_code,
        party_id=row.party_id,
        key_id=row.key_id,
        active=row.active,
        created_at=row.created_at,
        password_hash=row.password_hash,
        locale=row.locale,
    )


class Users:
    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, user_id: int) -> User | None:
        row = self.session.get(UserRow, user_id)
        return _user(row) if row else None

    def by_name(self, username: str) -> User | None:
        row = self.session.scalar(select(UserRow).where(UserRow.username == username))
        return _user(row) if row else None

    def all(self) -> list[User]:
        return [_user(r) for r in self.session.scalars(select(UserRow).order_by(UserRow.username))]

    def key_taken(self, key_id: str) -> bool:
        """Whether a user already has the key with this id."""
        return self.session.scalar(select(UserRow.id).where(UserRow.key_id == key_id)) is not None

    def custody(self, user_id: int) -> str:
        """Who holds the user's private key: "server" or "holder"."""
        row = self.session.get(UserRow, user_id)
        return row.custody if row else "server"

    def add_enrolment_code(
        self, user_id: int, code_hash: str, created_by: str, at: datetime, expires_at: datetime
    ) -> None:
        """Keep a one-time enrolment code (its hash) for a user."""
        self.session.add(
            EnrolmentCodeRow(
                user_id=user_id,
                code_hash=code_hash,
                created_by=created_by,
                created_at=at,
                expires_at=expires_at,
            )
        )
        self.session.flush()

    def spend_enrolment_code(self, user_id: int, code_hash: str, at: datetime) -> str | None:
        """Use the user's unused, unexpired code with this hash once; who issued it, or None."""
        row = self.session.scalar(
            select(EnrolmentCodeRow)
            .where(EnrolmentCodeRow.code_hash == code_hash)
            .where(EnrolmentCodeRow.user_id == user_id)
            .with_for_update()
        )
        if row is None or row.used_at is not None or row.expires_at <= at:
            return None
        row.used_at = at
        self.session.flush()
        return row.created_by

    def enrolment_open(self, user_id: int, at: datetime) -> bool:
        """Whether the user has an enrolment code still to use."""
        found = self.session.scalar(
            select(EnrolmentCodeRow.id)
            .where(EnrolmentCodeRow.user_id == user_id)
            .where(EnrolmentCodeRow.used_at.is_(None))
            .where(EnrolmentCodeRow.expires_at > at)
            .limit(1)
        )
        return found is not None

    def hold_key(self, user_id: int, public_key: bytes) -> None:
        """The user now holds their own key: the server keeps only its public half."""
        row = self.session.get(UserRow, user_id)
        assert row is not None
        row.key_id, row.public_key = public_key_id(public_key), public_key
        row.sealed_seed, row.custody = None, "holder"
        self.session.flush()

    def add(
        self,
        user: User,
        *,
        signer: Signer | None = None,
        sealed_seed: bytes | None = None,
        public_key: bytes | None = None,
    ) -> User:
        """Store a new user (``user.id`` is ignored) with their signing key, sealed (server
        custody), or only the public key of the key they hold (``public_key``); the user as
        stored, with their id."""
        if signer is not None:
            public_key = signer.public_key
        assert public_key is not None
        row = UserRow(
            username=user.username,
            display_name=user.display_name,
            role=user.role.value,
            state_code=user.state,
            party_id=user.party_id,
            password_hash=user.password_hash,
            key_id=public_key_id(public_key),
            public_key=public_key,
            sealed_seed=sealed_seed,
            custody="server" if sealed_seed is not None else "holder",
            active=user.active,
            created_at=user.created_at,
        )
        self.session.add(row)
        self.session.flush()
        return _user(row)

    def set_password(self, user_id: int, password_hash: str) -> None:
        self.session.execute(
            update(UserRow).where(UserRow.id == user_id).values(password_hash=password_hash)
        )

    def set_locale(self, user_id: int, locale: str) -> None:
        self.session.execute(update(UserRow).where(UserRow.id == user_id).values(locale=locale))

    def deactivate(self, user_id: int) -> None:
        self.session.execute(update(UserRow).where(UserRow.id == user_id).values(active=False))

    def names(self, user_ids: Iterable[int | None]) -> dict[int, str]:
        ids = {uid for uid in user_ids if uid is not None}
        if not ids:
            return {}
        rows = self.session.execute(select(UserRow.id, UserRow.username).where(UserRow.id.in_(ids)))
        return {uid: name for uid, name in rows}


def _token(row: TokenRow) -> ApiToken:
    return ApiToken(row.id, row.user_id, row.label, row.created_at, row.revoked_at)


class Tokens:
    def __init__(self, session: Session) -> None:
        self.session = session

    def by_hash(self, token_hash: str) -> ApiToken | None:
        row = self.session.scalar(select(TokenRow).where(TokenRow.token_hash == token_hash))
        return _token(row) if row else None

    def add(self, user_id: int, token_hash: str, label: str, created_at: datetime) -> int:
        row = TokenRow(user_id=user_id, token_hash=token_hash, label=label, created_at=created_at)
        self.session.add(row)
        self.session.flush()
        return row.id

    def of(self, user_id: int) -> list[ApiToken]:
        rows = self.session.scalars(
            select(TokenRow).where(TokenRow.user_id == user_id).order_by(TokenRow.id)
        )
        return [_token(row) for row in rows]

    def get(self, token_id: int) -> ApiToken | None:
        row = self.session.get(TokenRow, token_id)
        return _token(row) if row else None

    def revoke(self, token_id: int, at: datetime) -> None:
        """Revoke one token, unless it already is."""
        self.session.execute(
            update(TokenRow)
            .where(TokenRow.id == token_id, TokenRow.revoked_at.is_(None))
            .values(revoked_at=at)
        )

    def revoke_all(self, user_id: int, at: datetime) -> None:
        self.session.execute(
            update(TokenRow)
            .where(TokenRow.user_id == user_id, TokenRow.revoked_at.is_(None))
            .values(revoked_at=at)
        )


class Sessions:
    def __init__(self, session: Session) -> None:
        self.session = session

    def by_hash(self, token_hash: str) -> WebSession | None:
        row = self.session.scalar(select(SessionRow).where(SessionRow.token_hash == token_hash))
        return WebSession(row.id, row.user_id, row.expires_at, row.revoked_at) if row else None

    def add(
        self,
        user_id: int,
        token_hash: str,
        *,
        created_at: datetime,
        expires_at: datetime,
        user_agent: str,
        address: str,
    ) -> int:
        row = SessionRow(
            user_id=user_id,
            token_hash=token_hash,
            created_at=created_at,
            expires_at=expires_at,
            user_agent=user_agent,
            address=address,
        )
        self.session.add(row)
        self.session.flush()
        return row.id

    def revoke(self, token_hash: str, at: datetime) -> None:
        """End one session, unless it already is."""
        self.session.execute(
            update(SessionRow)
            .where(SessionRow.token_hash == token_hash, SessionRow.revoked_at.is_(None))
            .values(revoked_at=at)
        )

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


_AREA_FIELDS = tuple(f.name for f in fields(Area))


def _area(row: AreaRow) -> Area:
    return Area(**{name: getattr(row, name) for name in _AREA_FIELDS})


class Areas:
    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, area_id: int) -> Area | None:
        row = self.session.get(AreaRow, area_id)
        return _area(row) if row else None

    def of(self, agreement_id: int) -> list[Area]:
        rows = self.session.scalars(
            select(AreaRow).where(AreaRow.agreement_id == agreement_id).order_by(AreaRow.id)
        )
        return [_area(row) for row in rows]

    def add(self, area: Area) -> int:
        """Store a new area (``area.id`` is ignored); its id."""
        fields_of = asdict(area)
        del fields_of["id"]
        row = AreaRow(**fields_of)
        self.session.add(row)
        self.session.flush()
        return row.id

    def supersede(self, area_id: int, at: datetime) -> None:
        """Note that a later assertion replaces the area from ``at``."""
        self.session.execute(update(AreaRow).where(AreaRow.id == area_id).values(superseded_at=at))

    def set_review(self, area_id: int, review: str) -> None:
        """The area's latest answer from the other guarantor."""
        self.session.execute(update(AreaRow).where(AreaRow.id == area_id).values(review=review))

    def active_page(
        self,
        agreement_id: int,
        at: datetime,
        *,
        guarantor: str | None,
        cursor: str | None,
        limit: int,
    ) -> Page[tuple[Area, Status]]:
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
        return found.map(lambda row: (_area(row[0]), Status(row[1])))

    def add_review(
        self, area_id: int, *, state: str, review: str, reason: str, by: str, at: datetime
    ) -> int:
        """Store the other guarantor's answer on an area (``set_review`` keeps the latest)."""
        row = AreaReviewRow(
            area_id=area_id,
            reviewer_state=state,
            review=review,
            reason=reason,
            reviewed_by=by,
            reviewed_at=at,
        )
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
