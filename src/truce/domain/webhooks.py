"""Webhooks: who is told what, and when a failed delivery is tried again.

A change that others must hear of (an allegation opened, later a finding or an overdue request)
writes an *event* into an outbox in the same transaction as the change; a worker delivers it to
each subscription that asked for its type, signed as the Standard Webhooks specification says,
and tries again with exponentially growing delays until it is accepted or the attempts run out.
Each event has one ``webhook-id`` for all its attempts, so a receiver can drop duplicates: the
worker delivers at least once, not exactly once.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from urllib.parse import urlsplit

from truce.domain.errors import Invalid
from truce.domain.i18n import N_

ALLEGATION_OPENED = "allegation.opened"
HOTLINE_ACKNOWLEDGED = "hotline.acknowledged"
HOTLINE_OVERDUE = "hotline.overdue"
FINDING_MADE = "finding.made"
REQUEST_OVERDUE = "request.overdue"
REFERRAL_OPENED = "referral.opened"
# Event types and what each says; subscriptions name the ones they want.
EVENT_TYPES: dict[str, str] = {
    ALLEGATION_OPENED: N_("An incident yields an allegation that a party breached a term."),
    HOTLINE_ACKNOWLEDGED: N_("A side acknowledges a hotline message."),
    HOTLINE_OVERDUE: N_("A hotline message is not acknowledged by its deadline."),
    FINDING_MADE: N_("The guarantors' finding on an allegation, agreed or disputed."),
    REQUEST_OVERDUE: N_("A request for information is not answered by its deadline."),
    REFERRAL_OPENED: N_("A party's confirmed findings refer it to the members."),
}
MAX_ATTEMPTS = 8
FIRST_DELAY = timedelta(seconds=10)
LONGEST_DELAY = timedelta(hours=6)
MAX_URL = 2000
MAX_DESCRIPTION = 300
SECRET_PREFIX = "whsec_"
SECRET_BYTES = 24


class DeliveryState(StrEnum):
    PENDING = "pending"  # waiting for its (next) attempt
    DELIVERED = "delivered"  # the receiver answered 2xx
    FAILED = "failed"  # every attempt failed: kept for the admins to see


@dataclass(frozen=True)
class NewSubscription:
    """A receiver's address and the event types it wants."""

    url: str
    event_types: tuple[str, ...]
    description: str = ""


def check_subscription(new: NewSubscription) -> NewSubscription:
    """The subscription with its URL and types checked; Invalid naming the field otherwise."""
    url = new.url.strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise Invalid(
            N_("url must be an http or https address, such as https://example.org/hooks."),
            field="url",
        )
    if len(url) > MAX_URL:
        raise Invalid(N_("url is longer than {limit} characters."), field="url", limit=MAX_URL)
    if parts.username or parts.password:
        raise Invalid(
            N_("url must not carry a user name or password: the signature proves the sender."),
            field="url",
        )
    types = tuple(dict.fromkeys(t.strip() for t in new.event_types if t.strip()))
    if not types:
        raise Invalid(
            N_("event_types must name at least one of: {known}."),
            field="event_types",
            known=", ".join(EVENT_TYPES),
        )
    unknown = [t for t in types if t not in EVENT_TYPES]
    if unknown:
        raise Invalid(
            N_("Unknown event type {unknown!r}: use one of {known}."),
            field="event_types",
            unknown=unknown[0],
            known=", ".join(EVENT_TYPES),
        )
    description = new.description.strip()
    if len(description) > MAX_DESCRIPTION:
        raise Invalid(
            N_("description is longer than {limit} characters."),
            field="description",
            limit=MAX_DESCRIPTION,
        )
    return NewSubscription(url, types, description)


def secret_from(random_bytes: bytes) -> str:
    """A signing secret in the specification's form: ``whsec_`` and base64 of random bytes."""
    if len(random_bytes) < SECRET_BYTES:
        raise ValueError("a webhook secret needs at least 24 random bytes")
    return SECRET_PREFIX + base64.b64encode(random_bytes).decode("ascii")


def retry_delay(attempts: int) -> timedelta:
    """How long to wait after the ``attempts``-th failed attempt: doubling, up to a ceiling."""
    delay: timedelta = FIRST_DELAY * 2 ** max(attempts - 1, 0)
    return min(delay, LONGEST_DELAY)


def after_failure(attempts: int, now: datetime) -> tuple[DeliveryState, datetime | None]:
    """The state and the next attempt's time once the ``attempts``-th attempt has failed."""
    if attempts >= MAX_ATTEMPTS:
        return DeliveryState.FAILED, None
    return DeliveryState.PENDING, now + retry_delay(attempts)


def accepted(status: int | None) -> bool:
    """Whether the receiver took the event: any 2xx answer (the specification's rule)."""
    return status is not None and 200 <= status < 300
