"""Limits on failed sign-ins, per user name and per client address (a moving window).

Only failures are counted, and a sign-in is refused while either count is full, even with the
right password: otherwise guessing would simply go on until it hit. Attempts arriving at the
same instant may each pass the check before any is counted: a few extra guesses, no more. The
counts live in the `limits` library's storage: this process's memory by default, or a store
shared by several workers (Redis, MongoDB) named by TRUCE_RATE_LIMIT_STORAGE.
"""

from __future__ import annotations

import logging
import math
import time

from limits import RateLimitItem, parse
from limits.storage import MovingWindowSupport, storage_from_string
from limits.strategies import MovingWindowRateLimiter

log = logging.getLogger("truce.sign_in")
_NAMESPACE = "truce-sign-in"


class SignInLimits:
    """How many failed sign-ins a user name, and a client address, may have in a window."""

    def __init__(self, per_user: str, per_address: str, storage_uri: str = "memory://") -> None:
        storage = storage_from_string(storage_uri)
        if not isinstance(storage, MovingWindowSupport):
            scheme = storage_uri.split(":", 1)[0]
            raise ValueError(f"{scheme}: not a synchronous storage with a moving window")
        self._limiter = MovingWindowRateLimiter(storage)
        self._limits: dict[str, RateLimitItem] = {
            "user": parse(per_user),
            "address": parse(per_address),
        }

    def _keys(self, username: str, address: str) -> dict[str, str]:
        # User names are lower case: folding stops "Admin" and "admin" from counting apart.
        return {"user": username.strip().lower()[:40], "address": address or "unknown"}

    def retry_after(self, username: str, address: str) -> int:
        """Seconds until this user name may try again from this address; 0 when it may now."""
        wait = 0.0
        for kind, key in self._keys(username, address).items():
            item = self._limits[kind]
            if not self._limiter.test(item, _NAMESPACE, kind, key):
                reset = self._limiter.get_window_stats(item, _NAMESPACE, kind, key).reset_time
                wait = max(wait, reset - time.time(), 1.0)
                # Neither the name (people type passwords into it) nor a password is logged.
                log.warning("sign-in refused: too many failures for this %s", kind)
        return math.ceil(wait)

    def failed(self, username: str, address: str) -> None:
        """Count one failed sign-in against the user name and the address."""
        for kind, key in self._keys(username, address).items():
            self._limiter.hit(self._limits[kind], _NAMESPACE, kind, key)
