"""Users as the rules see them, and the rules for user names and passwords."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, fields
from datetime import datetime

from truce.domain.errors import Invalid
from truce.domain.i18n import N_
from truce.domain.permissions import Role

_USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,38}[a-z0-9]$")
MIN_PASSWORD_LENGTH = 12


def check_username(username: str) -> str:
    """A valid user name: 3-40 lower-case letters, digits, dot, dash or underscore."""
    if not _USERNAME.fullmatch(username):
        raise Invalid(
            N_(
                "A user name has 3-40 characters: lower-case letters, digits, '.', '-' or '_',"
                " starting and ending with a letter or digit."
            ),
            field="username",
        )
    return username


def check_password(password: str) -> str:
    """A password long enough to resist guessing."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise Invalid(
            N_("A password needs at least {n} characters."),
            field="password",
            n=MIN_PASSWORD_LENGTH,
        )
    return password


@dataclass(frozen=True)
class UserView:
    """A user as shown: who they are, what they may do, and the id of their signing key."""

    id: int
    username: str
    display_name: str
    role: Role
    state: str | None
    party_id: int | None
    key_id: str
    active: bool
    created_at: datetime


@dataclass(frozen=True, kw_only=True)
class User(UserView):
    """A user as stored: as shown, and the hash of their password (None: cannot sign in)."""

    password_hash: str | None = field(default=None, repr=False)
    locale: str | None = None  # the language they chose for the site; None: their browser's

    def view(self) -> UserView:
        """The user without the password's hash, to show."""
        return UserView(**{f.name: getattr(self, f.name) for f in fields(UserView)})


@dataclass(frozen=True)
class ApiToken:
    """An API token as stored: only the hash of the token itself is kept."""

    id: int
    user_id: int
    label: str
    created_at: datetime
    revoked_at: datetime | None


@dataclass(frozen=True)
class WebSession:
    """A web sign-in as stored; it opens nothing once revoked or expired."""

    id: int
    user_id: int
    expires_at: datetime
    revoked_at: datetime | None

    def open_at(self, now: datetime) -> bool:
        """Whether the session still signs its user in at ``now``."""
        return self.revoked_at is None and now < self.expires_at
