"""Webhooks: admins subscribe receivers; changes write events into the outbox in their own
transaction (``emit``); a worker delivers what is due (``deliver_due``), signed, and tries a
failed delivery again later, each time waiting twice as long (domain/webhooks.py).

Delivery is at least once: a worker that dies between sending and recording sends again, with
the same ``webhook-id``, so the receiver drops the duplicate.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import uuid
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from truce.domain.errors import NotFound
from truce.domain.i18n import N_
from truce.domain.permissions import Action, Actor, require
from truce.domain.webhooks import (
    SECRET_BYTES,
    DeliveryState,
    NewSubscription,
    accepted,
    after_failure,
    check_subscription,
    secret_from,
)
from truce.outbound.webhooks import Answer, send, signed_headers
from truce.store.ledger_store import Change, utc_now
from truce.store.uow import UnitOfWork
from truce.store.webhooks import DueDelivery, Subscription

log = logging.getLogger("truce.webhooks")
OpenUow = Callable[[], AbstractContextManager[UnitOfWork]]
Sender = Callable[[str, dict[str, str], str], Answer]
# A claimed delivery whose worker never reports back is tried again after this.
LEASE = timedelta(minutes=2)
BATCH = 100


@dataclass(frozen=True)
class Subscribed:
    """A new subscription, and its signing secret: shown this once, never again."""

    subscription: Subscription
    secret: str


def add_subscription(cmd: NewSubscription, uow: UnitOfWork, *, actor: Actor) -> Subscribed:
    """Subscribe a receiver to event types; a ledger entry (without the secret)."""
    require(actor, Action.MANAGE_WEBHOOKS)
    checked = check_subscription(cmd)
    secret = secret_from(os.urandom(SECRET_BYTES))
    now = uow.now()
    subscription_id = uow.webhooks.add_subscription(
        checked.url, checked.event_types, checked.description, secret, actor.username, now
    )
    uow.record(
        actor,
        Change(
            "webhook.subscribed",
            f"webhook:{subscription_id}",
            {
                "url": checked.url,
                "event_types": list(checked.event_types),
                # The row for replay, without its secret (not ledger state).
                "images": {
                    "webhook_subscriptions": uow.images("webhook_subscriptions", [subscription_id])
                },
            },
        ),
    )
    uow.commit()
    found = uow.webhooks.subscription(subscription_id)
    assert found is not None
    return Subscribed(found, secret)


def remove_subscription(subscription_id: int, uow: UnitOfWork, *, actor: Actor) -> None:
    """Stop a subscription: nothing more is delivered to it; a ledger entry."""
    require(actor, Action.MANAGE_WEBHOOKS)
    if not uow.webhooks.deactivate(subscription_id):
        raise NotFound(
            N_("No active webhook subscription {id}."), field="subscription_id", id=subscription_id
        )
    rows = {"webhook_subscriptions": uow.images("webhook_subscriptions", [subscription_id])}
    uow.record(actor, Change("webhook.unsubscribed", f"webhook:{subscription_id}",
                             {"images": rows}))  # fmt: skip
    uow.commit()


def subscriptions(uow: UnitOfWork, *, actor: Actor) -> list[Subscription]:
    """Every subscription with its deliveries counted by state."""
    require(actor, Action.MANAGE_WEBHOOKS)
    return uow.webhooks.subscriptions()


def emit(uow: UnitOfWork, event_type: str, events: list[dict[str, Any]]) -> list[str]:
    """Put events into the outbox, in the caller's transaction; their ``webhook-id``s. Nothing
    is sent unless that transaction commits; the worker is woken once it has."""
    now = uow.now()
    messages = [(f"msg_{uuid.uuid4().hex}", _body(event_type, now, data)) for data in events]
    if uow.webhooks.enqueue(event_type, messages, now):
        uow.after_commit(WAKE.set)
    return [message_id for message_id, _ in messages]


def _body(event_type: str, now: datetime, data: dict[str, Any]) -> str:
    # The specification's envelope: type, timestamp, data.
    envelope = {"type": event_type, "timestamp": now.isoformat(), "data": data}
    return json.dumps(envelope, ensure_ascii=False, sort_keys=True, default=str)


@dataclass(frozen=True)
class Round:
    """What one pass of the worker did."""

    attempted: int = 0
    delivered: int = 0
    retrying: int = 0
    failed: int = 0


def deliver_due(
    open_uow: OpenUow,
    *,
    sender: Sender = send,
    clock: Callable[[], datetime] = utc_now,
    limit: int = BATCH,
) -> Round:
    """Attempt every delivery that is due, ``limit`` at a time, each claimed first so that
    two workers do not both send it, and record each answer."""
    counts = {state: 0 for state in DeliveryState}
    attempted = 0
    while True:
        with open_uow() as uow:
            due = uow.webhooks.due(clock(), limit)
        for delivery in due:
            with open_uow() as uow:
                claimed = uow.webhooks.claim(delivery.id, delivery.attempts, clock() + LEASE)
                uow.commit()
            if claimed:
                attempted += 1
                counts[_attempt(open_uow, delivery, sender, clock)] += 1
        if len(due) < limit:  # what failed now waits for its delay: it is not due again
            break
    return Round(
        attempted,
        counts[DeliveryState.DELIVERED],
        counts[DeliveryState.PENDING],
        counts[DeliveryState.FAILED],
    )


def _attempt(
    open_uow: OpenUow, delivery: DueDelivery, sender: Sender, clock: Callable[[], datetime]
) -> DeliveryState:
    headers = signed_headers(delivery.secret, delivery.message_id, clock(), delivery.body)
    answer = sender(delivery.url, headers, delivery.body)
    now = clock()
    attempts = delivery.attempts + 1
    if accepted(answer.status):
        state, next_at = DeliveryState.DELIVERED, None
    else:
        state, next_at = after_failure(attempts, now)
        log.warning(
            "webhook %s to subscription at %s failed (attempt %d): %s",
            delivery.message_id,
            delivery.url,
            attempts,
            answer.error or answer.status,
        )
    with open_uow() as uow:
        uow.webhooks.settle(
            delivery.id,
            state,
            status=answer.status,
            error=answer.error,
            next_attempt_at=next_at,
            now=now,
        )
        uow.commit()
    return state


# Set when an event is committed: the worker delivers it at once instead of at its next round.
WAKE = threading.Event()
