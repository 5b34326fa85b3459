"""Who may do what. Every write is checked here before anything is stored."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from truce.domain.errors import Forbidden, Invalid
from truce.domain.i18n import N_, Word


class Role(StrEnum):
    """What a user is to the agreement."""

    ADMIN = "admin"
    GUARANTOR = "guarantor"
    MEMBER = "member"
    MONITOR = "monitor"
    LIAISON = "liaison"
    ANALYST = "analyst"


class Action(StrEnum):
    """Things a user can ask for that need permission."""

    CREATE_AGREEMENT = "agreement.create"
    CREATE_PARTY = "party.create"
    EDIT_PARTY = "party.edit"
    RECORD_COMMITMENT = "commitment.record"
    RECORD_DESIGNATION = "designation.record"
    PROPOSE_STATUS = "status.propose"
    DECIDE_STATUS = "status.decide"
    MANAGE_USERS = "user.manage"
    MANAGE_WEBHOOKS = "webhook.manage"
    FILE_ALLEGATION = "allegation.file"
    ASSESS_ALLEGATION = "allegation.assess"
    CHANGE_OWN_PASSWORD = "password.change"
    ASSERT_AREA = "area.assert"
    REVIEW_AREA = "area.review"
    INGEST_NEWS = "news.ingest"
    FILE_REPORT = "report.file"
    IMPORT_REPORTS = "report.import"
    SEE_HIDDEN_REPORTER = "report.see_hidden_reporter"
    READ_RESTRICTED = "restricted.read"
    READ_LEDGER = "ledger.read"
    EDIT_INCIDENTS = "incident.edit"
    PROPOSE_ASSESSMENT = "assessment.propose"
    DECIDE_ASSESSMENT = "assessment.decide"
    REGISTER_WITNESS = "witness.register"
    COSIGN_CHECKPOINT = "checkpoint.cosign"
    READ_CASE_FILES = "casefile.read"
    PUBLISH_REPORT = "sitrep.publish"


_ALLOWED: dict[Action, frozenset[Role]] = {
    Action.CREATE_AGREEMENT: frozenset({Role.ADMIN}),
    Action.CREATE_PARTY: frozenset({Role.ADMIN, Role.GUARANTOR}),
    Action.EDIT_PARTY: frozenset({Role.ADMIN, Role.GUARANTOR}),
    Action.RECORD_COMMITMENT: frozenset({Role.ADMIN, Role.GUARANTOR, Role.LIAISON}),
    Action.RECORD_DESIGNATION: frozenset({Role.ADMIN, Role.GUARANTOR}),
    Action.PROPOSE_STATUS: frozenset({Role.GUARANTOR}),
    Action.DECIDE_STATUS: frozenset({Role.GUARANTOR}),
    Action.MANAGE_USERS: frozenset({Role.ADMIN}),
    Action.MANAGE_WEBHOOKS: frozenset({Role.ADMIN}),
    Action.FILE_ALLEGATION: frozenset({Role.GUARANTOR, Role.MEMBER, Role.MONITOR, Role.LIAISON}),
    Action.ASSESS_ALLEGATION: frozenset({Role.GUARANTOR}),
    Action.CHANGE_OWN_PASSWORD: frozenset(set(Role)),
    Action.ASSERT_AREA: frozenset({Role.ADMIN, Role.GUARANTOR}),
    Action.REVIEW_AREA: frozenset({Role.GUARANTOR}),
    Action.INGEST_NEWS: frozenset({Role.ADMIN, Role.GUARANTOR, Role.MONITOR}),
    # Accounts from the field, the guarantors and the members' missions; admins import files.
    Action.FILE_REPORT: frozenset({Role.MONITOR, Role.LIAISON, Role.GUARANTOR, Role.MEMBER}),
    Action.IMPORT_REPORTS: frozenset({Role.ADMIN, Role.GUARANTOR, Role.MONITOR}),
    Action.SEE_HIDDEN_REPORTER: frozenset({Role.ADMIN}),
    Action.READ_RESTRICTED: frozenset(set(Role)),
    Action.READ_LEDGER: frozenset(set(Role)),
    Action.EDIT_INCIDENTS: frozenset({Role.ADMIN, Role.GUARANTOR, Role.MONITOR}),
    # Who did it is the guarantors' to say, together (two keys, as for statuses).
    Action.PROPOSE_ASSESSMENT: frozenset({Role.GUARANTOR}),
    Action.DECIDE_ASSESSMENT: frozenset({Role.GUARANTOR}),
    # Each guarantor's witness cosigns checkpoints; the admin may register its key for it.
    Action.REGISTER_WITNESS: frozenset({Role.ADMIN, Role.GUARANTOR}),
    Action.COSIGN_CHECKPOINT: frozenset({Role.GUARANTOR}),
    # The task force's working papers: the guarantors, the members' missions, and the admins
    # who print them for the meeting.
    Action.READ_CASE_FILES: frozenset({Role.ADMIN, Role.GUARANTOR, Role.MEMBER}),
    # A situation report is issued in the guarantors' name (or by the installation itself).
    Action.PUBLISH_REPORT: frozenset({Role.ADMIN, Role.GUARANTOR}),
}

# Fields the public (no login) never sees. Whoever acted is named to the public by the state
# they act for (a proposal's proposer_state, an area's asserted_by), never as a person.
RESTRICTED_FIELDS = frozenset(
    {
        "notes",
        "note",
        "channel",
        "recorded_by",
        "reviewed_by",
        "proposed_by",
        "decided_by",
        "ingested_by",
        "reporter",
        "linked_by",
        "removed_by",
    }
)


@dataclass(frozen=True)
class Actor:
    """The user a request acts for, with what binds their role."""

    user_id: int
    username: str
    role: Role
    state: str | None = None
    party_id: int | None = None

    @property
    def is_system(self) -> bool:
        """Whether this is the installation itself (the operator at the command line)."""
        return self.user_id == 0


SYSTEM = Actor(user_id=0, username="system", role=Role.ADMIN)


def allowed(actor: Actor | None, action: Action) -> bool:
    """Whether ``actor`` (None for the public) may do ``action``."""
    return actor is not None and actor.role in _ALLOWED[action]


# Who was refused, as the subject of the sentence that says so.
_WHO: dict[Role | None, str] = {
    Role.ADMIN: N_("An admin"),
    Role.GUARANTOR: N_("A guarantor"),
    Role.MEMBER: N_("A member"),
    Role.MONITOR: N_("A monitor"),
    Role.LIAISON: N_("A liaison"),
    Role.ANALYST: N_("An analyst"),
    None: N_("Someone not signed in"),
}

# Each action as a sentence refusing it: one whole sentence each, so translators see it whole.
REFUSALS: dict[Action, str] = {
    Action.CREATE_AGREEMENT: N_("{who} may not create agreements."),
    Action.CREATE_PARTY: N_("{who} may not add parties to the registry."),
    Action.EDIT_PARTY: N_("{who} may not edit parties."),
    Action.RECORD_COMMITMENT: N_("{who} may not record commitments."),
    Action.RECORD_DESIGNATION: N_("{who} may not record designations."),
    Action.PROPOSE_STATUS: N_("{who} may not propose status changes."),
    Action.DECIDE_STATUS: N_("{who} may not decide status proposals."),
    Action.MANAGE_USERS: N_("{who} may not manage users."),
    Action.MANAGE_WEBHOOKS: N_("{who} may not manage webhook subscriptions."),
    Action.FILE_ALLEGATION: N_("{who} may not file allegations."),
    Action.ASSESS_ALLEGATION: N_("{who} may not assess allegations or ask parties about them."),
    Action.ASSERT_AREA: N_("{who} may not assert areas."),
    Action.REVIEW_AREA: N_("{who} may not review areas."),
    Action.INGEST_NEWS: N_("{who} may not ingest news."),
    Action.FILE_REPORT: N_("{who} may not file reports."),
    Action.IMPORT_REPORTS: N_("{who} may not import report files."),
    Action.SEE_HIDDEN_REPORTER: N_("{who} may not see who gave a report whose reporter is hidden."),
    Action.READ_RESTRICTED: N_("{who} may not read restricted fields."),
    Action.READ_LEDGER: N_("{who} may not read the ledger."),
    Action.CHANGE_OWN_PASSWORD: N_("{who} may not change a password."),
    Action.EDIT_INCIDENTS: N_("{who} may not split or merge incidents."),
    Action.PROPOSE_ASSESSMENT: N_("{who} may not propose who perpetrated an incident."),
    Action.DECIDE_ASSESSMENT: N_("{who} may not decide who perpetrated an incident."),
    Action.REGISTER_WITNESS: N_("{who} may not register witness keys."),
    Action.COSIGN_CHECKPOINT: N_("{who} may not cosign ledger checkpoints."),
    Action.READ_CASE_FILES: N_("{who} may not read the task force pack or case files."),
    Action.PUBLISH_REPORT: N_("{who} may not publish situation reports."),
}


def require(actor: Actor | None, action: Action) -> Actor:
    """The actor, if allowed to do ``action``; otherwise Forbidden saying who may not do what."""
    if actor is None or not allowed(actor, action):
        raise Forbidden(
            REFUSALS[action],
            who=Word(_WHO[actor.role if actor else None]),
            role=actor.role.value if actor else "public",
            action=action.value,
        )
    return actor


def allowed_roles(action: Action) -> frozenset[Role]:
    """The roles that may do ``action``, for documentation."""
    return _ALLOWED[action]


def check_role_binding(role: Role, state: str | None, party_id: int | None) -> None:
    """A guarantor or member names its state, a liaison its party, and nobody else binds."""
    needs_state = role in (Role.GUARANTOR, Role.MEMBER)
    if needs_state and not state:
        raise Invalid(N_("A {role} must be bound to a state."), field="state", role=role.value)
    if not needs_state and state:
        raise Invalid(N_("Only guarantors and members are bound to a state."), field="state")
    if role is Role.LIAISON and party_id is None:
        raise Invalid(N_("A liaison must be bound to a party."), field="party_id")
    if role is not Role.LIAISON and party_id is not None:
        raise Invalid(N_("Only liaisons are bound to a party."), field="party_id")


def redact(record: dict[str, object], actor: Actor | None) -> dict[str, object]:
    """The record without restricted fields, unless the actor may read them."""
    if allowed(actor, Action.READ_RESTRICTED):
        return record
    return {key: value for key, value in record.items() if key not in RESTRICTED_FIELDS}
