"""Who may do what, what binds a role, what the public sees, and user names and passwords."""

import pytest

from truce.domain.errors import Forbidden, Invalid
from truce.domain.permissions import (
    REFUSALS,
    RESTRICTED_FIELDS,
    SYSTEM,
    Action,
    Actor,
    Role,
    allowed,
    allowed_roles,
    check_role_binding,
    redact,
    require,
)
from truce.domain.users import MIN_PASSWORD_LENGTH, check_password, check_username

A = Action
R = Role
EVERYONE = frozenset(Role)
EXPECTED = {
    A.CREATE_AGREEMENT: {R.ADMIN},
    A.CREATE_PARTY: {R.ADMIN, R.GUARANTOR},
    A.EDIT_PARTY: {R.ADMIN, R.GUARANTOR},
    A.RECORD_COMMITMENT: {R.ADMIN, R.GUARANTOR, R.LIAISON},
    A.RECORD_DESIGNATION: {R.ADMIN, R.GUARANTOR},
    A.PROPOSE_STATUS: {R.GUARANTOR},
    A.DECIDE_STATUS: {R.GUARANTOR},
    A.MANAGE_USERS: {R.ADMIN},
    A.MANAGE_WEBHOOKS: {R.ADMIN},
    A.FILE_ALLEGATION: {R.GUARANTOR, R.MEMBER, R.MONITOR, R.LIAISON},
    A.ASSESS_ALLEGATION: {R.GUARANTOR},
    A.CHANGE_OWN_PASSWORD: EVERYONE,
    A.ASSERT_AREA: {R.ADMIN, R.GUARANTOR},
    A.REVIEW_AREA: {R.GUARANTOR},
    A.INGEST_NEWS: {R.ADMIN, R.GUARANTOR, R.MONITOR},
    A.FILE_REPORT: {R.MONITOR, R.LIAISON, R.GUARANTOR, R.MEMBER},
    A.IMPORT_REPORTS: {R.ADMIN, R.GUARANTOR, R.MONITOR},
    A.SEE_HIDDEN_REPORTER: {R.ADMIN},
    A.READ_RESTRICTED: EVERYONE,
    A.READ_LEDGER: EVERYONE,
    A.EDIT_INCIDENTS: {R.ADMIN, R.GUARANTOR, R.MONITOR},
    A.PROPOSE_ASSESSMENT: {R.GUARANTOR},
    A.DECIDE_ASSESSMENT: {R.GUARANTOR},
    A.REGISTER_WITNESS: {R.ADMIN, R.GUARANTOR},
    A.COSIGN_CHECKPOINT: {R.GUARANTOR},
    A.READ_CASE_FILES: {R.ADMIN, R.GUARANTOR, R.MEMBER},
    A.PUBLISH_REPORT: {R.ADMIN, R.GUARANTOR},
}
READS = {A.READ_RESTRICTED, A.READ_LEDGER}
OWN_ACCOUNT = {A.CHANGE_OWN_PASSWORD}
BINDINGS = {
    R.GUARANTOR: ("US", None),
    R.MEMBER: ("FR", None),
    R.LIAISON: (None, 9),
}


def actor(role: Role) -> Actor:
    state, party_id = BINDINGS.get(role, (None, None))
    return Actor(
        user_id=5, username=f"{role.value}-user", role=role, state=state, party_id=party_id
    )


def test_every_action_is_in_the_table() -> None:
    assert set(EXPECTED) == set(Action)


@pytest.mark.parametrize("action", list(Action))
@pytest.mark.parametrize("role", list(Role))
def test_the_role_table(action: Action, role: Role) -> None:
    permitted = role in EXPECTED[action]
    assert allowed(actor(role), action) is permitted
    assert (role in allowed_roles(action)) is permitted


def test_the_analyst_only_reads_and_keeps_its_own_account() -> None:
    assert {a for a in Action if allowed(actor(R.ANALYST), a)} == READS | OWN_ACCOUNT


@pytest.mark.parametrize("action", list(Action))
def test_the_public_may_do_nothing(action: Action) -> None:
    assert not allowed(None, action)
    with pytest.raises(Forbidden) as raised:
        require(None, action)
    assert str(raised.value).startswith("Someone not signed in may not ")


def test_require_returns_the_actor_when_allowed() -> None:
    guarantor = actor(R.GUARANTOR)
    assert require(guarantor, A.PROPOSE_STATUS) is guarantor


@pytest.mark.parametrize(
    ("role", "action"), [(R.ANALYST, A.CREATE_PARTY), (R.ADMIN, A.DECIDE_STATUS)]
)
def test_require_names_the_role_it_refuses(role: Role, action: Action) -> None:
    with pytest.raises(Forbidden) as raised:
        require(actor(role), action)
    assert raised.value.params["role"] == role.value
    assert role.value in str(raised.value)
    assert raised.value.code == "forbidden"


def test_the_system_actor_is_an_admin() -> None:
    assert SYSTEM.is_system
    assert SYSTEM.role is Role.ADMIN
    assert not actor(R.ADMIN).is_system


@pytest.mark.parametrize(
    ("role", "state", "party_id"),
    [
        (R.GUARANTOR, "US", None),
        (R.MEMBER, "FR", None),
        (R.LIAISON, None, 9),
        (R.ADMIN, None, None),
        (R.MONITOR, None, None),
        (R.ANALYST, None, None),
    ],
)
def test_sound_role_bindings(role: Role, state: str | None, party_id: int | None) -> None:
    check_role_binding(role, state, party_id)


@pytest.mark.parametrize(
    ("role", "state", "party_id", "field"),
    [
        (R.GUARANTOR, None, None, "state"),
        (R.GUARANTOR, "", None, "state"),
        (R.MEMBER, None, None, "state"),
        (R.ANALYST, "US", None, "state"),
        (R.ADMIN, "RU", None, "state"),
        (R.LIAISON, "US", 9, "state"),
        (R.LIAISON, None, None, "party_id"),
        (R.GUARANTOR, "US", 9, "party_id"),
        (R.MONITOR, None, 9, "party_id"),
    ],
)
def test_unsound_role_bindings_name_the_field(
    role: Role, state: str | None, party_id: int | None, field: str
) -> None:
    with pytest.raises(Invalid) as raised:
        check_role_binding(role, state, party_id)
    assert raised.value.field == field


def refusal(actor: Actor | None, action: Action) -> Forbidden:
    with pytest.raises(Forbidden) as raised:
        require(actor, action)
    return raised.value


def test_a_refusal_is_a_sentence_naming_the_role_and_the_action() -> None:
    monitor = Actor(7, "monitor", Role.MONITOR)
    assert str(refusal(monitor, A.RECORD_COMMITMENT)) == "A monitor may not record commitments."
    analyst = Actor(8, "analyst", Role.ANALYST)
    assert str(refusal(analyst, A.INGEST_NEWS)) == "An analyst may not ingest news."
    assert str(refusal(None, A.READ_LEDGER)) == "Someone not signed in may not read the ledger."


@pytest.mark.parametrize("action", list(Action))
def test_every_action_has_a_sentence_of_words_not_codes(action: Action) -> None:
    for role in [r for r in Role if r not in EXPECTED[action]] + [None]:
        message = str(refusal(actor(role) if role else None, action))
        assert message.endswith(".") and message[0].isupper()
        assert action.value not in message and "{" not in message
        assert (role.value if role else "not signed in") in message.lower()
    assert REFUSALS[action].startswith("{who} may not ")


def test_a_refusal_is_translated_whole_with_the_role_in_it() -> None:
    catalog = {
        "{who} may not record commitments.": "{who} не может записывать обязательства.",
        "A monitor": "Наблюдатель",
    }
    error = refusal(Actor(7, "monitor", Role.MONITOR), A.RECORD_COMMITMENT)
    assert error.render(lambda text: catalog.get(text, text)) == (
        "Наблюдатель не может записывать обязательства."
    )


RECORD: dict[str, object] = {
    "id": 3,
    "party": "Jaysh al-Islam",
    "notes": "source is a defector",
    "note": "call back",
    "recorded_by": "us-one",
    "reviewed_by": "ru-one",
    "proposed_by": "us-two",
    "decided_by": "ru-two",
    "ingested_by": "monitor",
    "reporter": "a shopkeeper in Daraya",
    "channel": "hotline",
    "linked_by": "monitor",
    "removed_by": "us-one",
    "proposer_state": "US",
    "decider_state": "RU",
}


def test_the_public_loses_restricted_fields() -> None:
    public = redact(RECORD, None)
    # The public reads which state acted, never which of its staff.
    assert public == {
        "id": 3,
        "party": "Jaysh al-Islam",
        "proposer_state": "US",
        "decider_state": "RU",
    }
    assert set(RECORD) >= RESTRICTED_FIELDS
    assert "notes" in RECORD


@pytest.mark.parametrize("role", list(Role))
def test_any_signed_in_role_keeps_restricted_fields(role: Role) -> None:
    assert redact(RECORD, actor(role)) == RECORD


@pytest.mark.parametrize("username", ["abc", "us-one", "ru.analyst_2", "0a9", "a" * 40])
def test_valid_usernames(username: str) -> None:
    assert check_username(username) == username


@pytest.mark.parametrize(
    "username",
    ["", "ab", "a" * 41, "Alice", ".abc", "abc-", "_abc", "a b", "élan", "alice\n", "al/ice"],
)
def test_invalid_usernames(username: str) -> None:
    with pytest.raises(Invalid) as raised:
        check_username(username)
    assert raised.value.field == "username"


def test_password_length() -> None:
    assert MIN_PASSWORD_LENGTH == 12
    assert check_password("x" * 12) == "x" * 12
    with pytest.raises(Invalid) as raised:
        check_password("x" * 11)
    assert raised.value.field == "password"
    assert "12" in str(raised.value)
