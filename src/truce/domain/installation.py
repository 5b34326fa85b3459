"""This installation, as its first ledger entry records it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class Installation:
    """The installation's name, the id of the system's signing key, and the check of the
    secret it was set up with (a secret that gives another check is not its own)."""

    name: str
    key_id: str
    secret_check: str
    created_at: datetime
