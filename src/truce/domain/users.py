"""Rules for user names and passwords."""

from __future__ import annotations

import re

from truce.domain.errors import Invalid
from truce.domain.i18n import N_

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
