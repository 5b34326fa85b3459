"""Users, their passwords, API tokens and signing keys."""

from __future__ import annotations

import hashlib
import logging
import secrets
from dataclasses import dataclass, replace
from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from truce import i18n
from truce.domain.errors import Conflict, Invalid, NotFound, TooManyAttempts, Unauthenticated
from truce.domain.i18n import N_
from truce.domain.permissions import SYSTEM, Action, Actor, Role, check_role_binding, require
from truce.domain.users import User, UserView, check_password, check_username
from truce.ledger.entry import HOLDER, KEY_REGISTERED, KEY_REVOKED, SERVER, public_key_payload
from truce.ledger.keys import Signer, public_key_id
from truce.services import common
from truce.services.throttle import SignInLimits
from truce.store.keyring import Keyring
from truce.store.ledger_store import Change
from truce.store.uow import NoSecret, UnitOfWork

log = logging.getLogger("truce.users")
TOKEN_PREFIX = "truce_"
_hasher = PasswordHasher()
# Verified against when the user does not exist, so both paths take as long.
_DUMMY_HASH = _hasher.hash("not a password anyone has")


@dataclass(frozen=True)
class NewUser:
    username: str
    role: Role
    password: str | None = None
    display_name: str = ""
    state: str | None = None
    party_id: int | None = None
    # The public half of a key the user holds themselves (custody "holder"); None: the server
    # makes the key and holds it, sealed with the installation's secret (custody "server").
    public_key: bytes | None = None


def actor_of(user: User) -> Actor:
    """The actor a user acts as."""
    return Actor(user.id, user.username, user.role, user.state, user.party_id)


def add_user(cmd: NewUser, uow: UnitOfWork, *, actor: Actor) -> UserView:
    """Create a user with a fresh signing key, registered in the ledger."""
    require(actor, Action.MANAGE_USERS)
    check_username(cmd.username)
    check_role_binding(cmd.role, cmd.state, cmd.party_id)
    if cmd.password is not None:
        check_password(cmd.password)
    if cmd.state is not None:
        common.require_state(uow, cmd.state, "state")
    if cmd.party_id is not None:
        common.party(uow, cmd.party_id)
    if uow.users.by_name(cmd.username) is not None:
        raise Conflict(N_("The user name {name!r} is taken."), field="username", name=cmd.username)
    signer = Signer.generate(cmd.username) if cmd.public_key is None else None
    public_key = signer.public_key if signer else cmd.public_key
    assert public_key is not None
    if uow.users.key_taken(public_key_id(public_key)):
        raise Conflict(N_("That public key is registered already."), field="public_key")
    new = User(
        id=0,
        username=cmd.username,
        display_name=cmd.display_name or cmd.username,
        role=cmd.role,
        state=cmd.state,
        party_id=cmd.party_id,
        key_id=public_key_id(public_key),
        active=True,
        created_at=uow.now(),
        password_hash=_hasher.hash(cmd.password) if cmd.password else None,
    )
    if signer is not None:
        user = uow.users.add(new, signer=signer, sealed_seed=_keyring(uow).seal(signer))
    else:
        user = uow.users.add(new, public_key=public_key)
    custody = SERVER if signer else HOLDER
    subject = f"user:{user.id}"
    details = {
        "user_id": user.id,
        "username": user.username,
        "role": user.role.value,
        "state": user.state,
        "party_id": user.party_id,
        "display_name": new.display_name,  # for replay (docs/ledger.md)
        "created_at": common.stamp(new.created_at),
    }
    uow.record(
        actor,
        Change("user.created", subject, details),
        Change(
            KEY_REGISTERED,
            subject,
            public_key_payload(public_key, user.username, custody, user_id=user.id),
        ),
    )
    uow.commit()
    return user.view()


def _keyring(uow: UnitOfWork) -> Keyring:
    if uow.keyring is None:
        raise NoSecret("creating users needs the secret: set TRUCE_SECRET_KEY")
    return uow.keyring


def authenticate(username: str, password: str, uow: UnitOfWork) -> Actor:
    """The actor for a user name and password; Unauthenticated when they do not match."""
    row = uow.users.by_name(username) if _may_be_username(username) else None
    stored = row.password_hash if row and row.active and row.password_hash else _DUMMY_HASH
    try:
        _hasher.verify(stored, password)
    except (VerificationError, InvalidHashError):
        row = None
    if row is None or stored is _DUMMY_HASH:
        raise Unauthenticated(N_("Wrong user name or password."))
    return actor_of(row)


@dataclass(frozen=True)
class SignIn:
    """A user name and password, and the client address they came from."""

    username: str
    password: str
    address: str


def sign_in(cmd: SignIn, uow: UnitOfWork, *, limits: SignInLimits) -> Actor:
    """The actor for a user name and password, refused while either has failed too often."""
    wait = limits.retry_after(cmd.username, cmd.address)
    if wait:
        raise TooManyAttempts(
            N_("Too many failed sign-ins. Try again in {seconds} s."), retry_after=wait
        )
    try:
        return authenticate(cmd.username, cmd.password, uow)
    except Unauthenticated:
        limits.failed(cmd.username, cmd.address)
        raise


def _may_be_username(username: str) -> bool:
    # A name no user can have matches nobody, and is not sent to the database (where a NUL
    # byte, say, fails on PostgreSQL).
    try:
        check_username(username)
    except Invalid:
        return False
    return True


def _token_hash(token: str) -> str:
    # Tokens are 256 random bits, so a fast hash is enough: nobody can guess one to try.
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class IssuedToken:
    """A new API token and its id, the id being what revoking it takes."""

    id: int
    token: str


def issue(label: str, uow: UnitOfWork, *, actor: Actor) -> IssuedToken:
    """A new API token for the actor, returned once and stored only as a hash."""
    if actor.is_system:
        raise Conflict(N_("The system actor cannot hold API tokens."))
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    assert actor.user_id is not None  # a user's actor, not the system's
    token_id = uow.tokens.add(actor.user_id, _token_hash(token), label, uow.now())
    uow.commit()
    return IssuedToken(token_id, token)


def issue_token(label: str, uow: UnitOfWork, *, actor: Actor) -> str:
    """A new API token for the actor (see ``issue``), without its id."""
    return issue(label, uow, actor=actor).token


def revoke_token(token_id: int, uow: UnitOfWork, *, actor: Actor) -> None:
    """Revoke one of the actor's tokens (an admin may revoke anyone's)."""
    row = uow.tokens.get(token_id)
    if row is None or (row.user_id != actor.user_id and actor.role is not Role.ADMIN):
        raise NotFound(N_("There is no token {id} of yours."), field="token_id", id=token_id)
    if row.revoked_at is None:
        uow.tokens.revoke(row.id, uow.now())
        uow.commit()


def actor_for_token(token: str, uow: UnitOfWork) -> Actor:
    """The actor a bearer token stands for; Unauthenticated when it is unknown or revoked."""
    row = uow.tokens.by_hash(_token_hash(token)) if token.startswith(TOKEN_PREFIX) else None
    user = uow.users.get(row.user_id) if row and row.revoked_at is None else None
    if user is None or not user.active:
        raise Unauthenticated(N_("The API token is unknown or revoked."))
    return actor_of(user)


@dataclass(frozen=True)
class NewSession:
    """A web sign-in that lasts ``hours``, with where it came from (kept for the user's sake)."""

    hours: int
    user_agent: str = ""
    address: str = ""


def open_session(cmd: NewSession, uow: UnitOfWork, *, actor: Actor) -> str:
    """A new web session for the actor: its token goes in the cookie, only a hash is stored."""
    now = uow.now()
    token = secrets.token_urlsafe(32)
    uow.sessions.remove_expired(now)
    assert actor.user_id is not None  # a user's actor, not the system's
    uow.sessions.add(
        actor.user_id,
        _token_hash(token),
        created_at=now,
        expires_at=now + timedelta(hours=cmd.hours),
        user_agent=cmd.user_agent[:200],
        address=cmd.address[:64],
    )
    uow.commit()
    return token


def actor_for_session(token: str, uow: UnitOfWork) -> Actor | None:
    """The actor of a web session; None once it is over (signed out, revoked or expired)."""
    found = uow.sessions.by_hash(_token_hash(token))
    if found is None or not found.open_at(uow.now()):
        return None
    return actor_for_user(found.user_id, uow)


def end_session(token: str, uow: UnitOfWork) -> None:
    """Sign a web session out: its cookie opens nothing from now on, wherever it was copied."""
    token_hash = _token_hash(token)
    found = uow.sessions.by_hash(token_hash)
    if found is not None and found.revoked_at is None:
        uow.sessions.revoke(token_hash, uow.now())
        uow.commit()


def _end_sign_ins(user_id: int, uow: UnitOfWork) -> None:
    """Revoke every web session and API token of the user."""
    now = uow.now()
    uow.sessions.revoke_all(user_id, now)
    uow.tokens.revoke_all(user_id, now)


@dataclass(frozen=True)
class ChangePassword:
    """A new password; users who change their own also give the current one."""

    username: str
    new_password: str
    current_password: str = ""
    address: str = ""


def change_password(
    cmd: ChangePassword, uow: UnitOfWork, *, actor: Actor, limits: SignInLimits
) -> None:
    """Set a user's password and end all their sessions and tokens (an admin for others)."""
    row = _user_named(uow, cmd.username)
    if row.id == actor.user_id:
        require(actor, Action.CHANGE_OWN_PASSWORD)
        _check_current_password(cmd, uow, limits)
    else:
        require(actor, Action.MANAGE_USERS)
    check_password(cmd.new_password)
    uow.users.set_password(row.id, _hasher.hash(cmd.new_password))
    _end_sign_ins(row.id, uow)
    uow.commit()
    log.info("user %d has a new password; their sessions and tokens are revoked", row.id)


def _check_current_password(cmd: ChangePassword, uow: UnitOfWork, limits: SignInLimits) -> None:
    # Counted like a sign-in, so a borrowed session cannot be used to guess the password.
    try:
        sign_in(SignIn(cmd.username, cmd.current_password, cmd.address), uow, limits=limits)
    except Unauthenticated as exc:
        raise Invalid(N_("The current password is wrong."), field="current_password") from exc


def disable_user(username: str, uow: UnitOfWork, *, actor: Actor) -> UserView:
    """Disable a user: no sign-in, no session, no token, and their key revoked in the ledger."""
    require(actor, Action.MANAGE_USERS)
    row = _user_named(uow, username)
    if row.id == actor.user_id:
        raise Conflict(N_("You cannot disable yourself; ask another admin."), field="username")
    if not row.active:
        return row.view()
    subject = f"user:{row.id}"
    uow.record(
        actor,
        Change("user.disabled", subject, {"user_id": row.id, "username": row.username}),
        Change(KEY_REVOKED, subject, {"key_id": row.key_id, "user_id": row.id}),
    )
    uow.users.deactivate(row.id)
    _end_sign_ins(row.id, uow)
    uow.commit()
    return replace(row.view(), active=False)


def _user_named(uow: UnitOfWork, username: str) -> User:
    row = uow.users.by_name(username) if _may_be_username(username) else None
    if row is None:
        raise NotFound(N_("There is no user {name!r}."), field="username", name=username)
    return row


def actor_for_user(user_id: int, uow: UnitOfWork) -> Actor | None:
    """The actor for a signed-in user id, None if the user is gone or inactive."""
    row = uow.users.get(user_id)
    return actor_of(row) if row and row.active else None


@dataclass(frozen=True)
class ChooseLanguage:
    """The language a user reads the site in (en, ar, ru), kept for their next sign-ins."""

    locale: str


def choose_language(cmd: ChooseLanguage, uow: UnitOfWork, *, actor: Actor) -> None:
    """Remember the signed-in user's language, so that it follows them to any browser."""
    locale = i18n.check_locale(cmd.locale)
    row = uow.users.get(actor.user_id)
    if row is None or not row.active:
        raise NotFound(N_("There is no user {id}."), field="user_id", id=actor.user_id)
    if row.locale != locale:
        uow.users.set_locale(row.id, locale)
        uow.commit()


def saved_language(uow: UnitOfWork, *, actor: Actor) -> str | None:
    """The language the user chose last, if any (and if the site still speaks it)."""
    row = uow.users.get(actor.user_id)
    return row.locale if row and row.locale in i18n.SUPPORTED else None


def list_users(uow: UnitOfWork, *, actor: Actor) -> list[UserView]:
    """Every user; admins only."""
    require(actor, Action.MANAGE_USERS)
    return [user.view() for user in uow.users.all()]


def get_user(user_id: int, uow: UnitOfWork, *, actor: Actor) -> UserView:
    """One user: admins see anyone, others only themselves."""
    if actor.user_id != user_id:
        require(actor, Action.MANAGE_USERS)
    row = uow.users.get(user_id)
    if row is None:
        raise NotFound(N_("There is no user {id}."), field="user_id", id=user_id)
    return row.view()


ENROLMENT_HOURS = 24


def issue_enrolment_code(
    username: str, uow: UnitOfWork, *, actor: Actor, hours: int = ENROLMENT_HOURS
) -> str:
    """A one-time code with which the user's browser registers a key of its own, which the
    server will never hold (docs/ledger.md, "Keys held by their owners"); shown once."""
    require(actor, Action.MANAGE_USERS)
    row = _user_named(uow, username)
    if not row.active:
        raise Conflict(N_("The user {name!r} is disabled."), field="username", name=username)
    if uow.users.custody(row.id) == HOLDER:
        raise Conflict(N_("{name!r} holds their own key already."), field="username", name=username)
    code = secrets.token_urlsafe(12)
    now = uow.now()
    uow.users.add_enrolment_code(
        row.id, _token_hash(code), actor.username, now, now + timedelta(hours=hours)
    )
    uow.commit()
    return code


@dataclass(frozen=True)
class EnrolKey:
    """A browser's public key, offered with the one-time code an admin gave its user."""

    code: str
    public_key: bytes


def enrol_key(cmd: EnrolKey, uow: UnitOfWork, *, actor: Actor) -> UserView:
    """The signed-in user now holds their own key: the server forgets the key it held for them
    (revoked in the ledger) and keeps only the public half of the new one (custody holder)."""
    user = uow.users.get(actor.user_id) if not actor.is_system else None
    if user is None or not user.active:
        raise Unauthenticated(N_("Sign in first."))
    if len(cmd.public_key) != 32:
        raise Invalid(N_("The browser sent no usable Ed25519 public key."), field="public_key")
    if uow.users.custody(user.id) == HOLDER:
        raise Conflict(N_("You hold your own key already."), field="code")
    if uow.users.key_taken(public_key_id(cmd.public_key)):
        raise Conflict(N_("That public key is registered already."), field="public_key")
    issuer = uow.users.spend_enrolment_code(user.id, _token_hash(cmd.code.strip()), uow.now())
    if issuer is None:
        raise Invalid(
            N_("The enrolment code is wrong, used or expired; ask an admin for a new one."),
            field="code",
        )
    subject = f"user:{user.id}"
    # The server registers the key on the admin's code; from now on only the holder can
    # register another (ledger/verify.py refuses any other registration for them).
    uow.record(
        SYSTEM,
        Change(KEY_REVOKED, subject, {"key_id": user.key_id, "user_id": user.id}),
        Change(
            KEY_REGISTERED,
            subject,
            public_key_payload(
                cmd.public_key, user.username, HOLDER, user_id=user.id, enrolment_code_of=issuer
            ),
        ),
    )
    uow.users.hold_key(user.id, cmd.public_key)
    uow.commit()
    fresh = uow.users.get(user.id)
    assert fresh is not None
    return fresh.view()


def custody_of(uow: UnitOfWork, actor: Actor | None) -> str | None:
    """Who holds the signed-in user's key ("server" or "holder"); None for the public."""
    if actor is None or actor.is_system:
        return None
    return uow.users.custody(actor.user_id)


def enrolment_open(uow: UnitOfWork, actor: Actor) -> bool:
    """Whether the user has an enrolment code to use (their browser should enrol a key)."""
    return not actor.is_system and uow.users.enrolment_open(actor.user_id, uow.now())
