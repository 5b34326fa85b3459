"""Webhook subscriptions, the outbox of events and each event's delivery to each subscriber."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from truce.domain.webhooks import DeliveryState
from truce.store.keyring import Keyring
from truce.store.tables import WebhookDeliveryRow, WebhookEventRow, WebhookSubscriptionRow


@dataclass(frozen=True)
class Subscription:
    """A subscription as admins see it: never its secret."""

    id: int
    url: str
    event_types: tuple[str, ...]
    description: str
    active: bool
    created_by: str
    created_at: datetime
    pending: int  # deliveries waiting for an attempt
    delivered: int
    failed: int


@dataclass(frozen=True)
class DueDelivery:
    """A delivery whose attempt is due, with what the attempt needs."""

    id: int
    url: str
    secret: str
    message_id: str
    event_type: str
    body: str
    created_at: datetime
    attempts: int


def _label(subscription_id: int) -> str:
    return f"webhook-subscription:{subscription_id}"


class Webhooks:
    def __init__(self, session: Session, keyring: Keyring | None) -> None:
        self.session = session
        self.keyring = keyring

    def _keyring(self) -> Keyring:
        if self.keyring is None:
            raise RuntimeError("webhook secrets need the installation's secret: TRUCE_SECRET_KEY")
        return self.keyring

    def add_subscription(
        self,
        url: str,
        event_types: tuple[str, ...],
        description: str,
        secret: str,
        created_by: str,
        now: datetime,
    ) -> int:
        row = WebhookSubscriptionRow(
            url=url,
            event_types=list(event_types),
            description=description,
            sealed_secret=b"",
            active=True,
            created_by=created_by,
            created_at=now,
        )
        self.session.add(row)
        self.session.flush()  # the id is the label the secret is sealed under
        row.sealed_secret = self._keyring().seal_text(secret, _label(row.id))
        return row.id

    def deactivate(self, subscription_id: int) -> bool:
        """Stop a subscription; its pending deliveries are not attempted any more."""
        row = self.session.get(WebhookSubscriptionRow, subscription_id)
        if row is None or not row.active:
            return False
        row.active = False
        return True

    def subscription(self, subscription_id: int) -> Subscription | None:
        return next(iter(self._subscriptions([subscription_id])), None)

    def subscriptions(self) -> list[Subscription]:
        return self._subscriptions(None)

    def _subscriptions(self, ids: list[int] | None) -> list[Subscription]:
        query = select(WebhookSubscriptionRow).order_by(WebhookSubscriptionRow.id)
        if ids is not None:
            query = query.where(WebhookSubscriptionRow.id.in_(ids))
        rows = list(self.session.scalars(query))
        counts: dict[tuple[int, str], int] = {}
        if rows:
            tally = (
                select(WebhookDeliveryRow.subscription_id, WebhookDeliveryRow.state, func.count())
                .where(WebhookDeliveryRow.subscription_id.in_([r.id for r in rows]))
                .group_by(WebhookDeliveryRow.subscription_id, WebhookDeliveryRow.state)
            )
            counts = {(sid, state): n for sid, state, n in self.session.execute(tally)}
        return [
            Subscription(
                r.id,
                r.url,
                tuple(r.event_types),
                r.description,
                r.active,
                r.created_by,
                r.created_at,
                counts.get((r.id, DeliveryState.PENDING), 0),
                counts.get((r.id, DeliveryState.DELIVERED), 0),
                counts.get((r.id, DeliveryState.FAILED), 0),
            )
            for r in rows
        ]

    def enqueue(self, event_type: str, messages: list[tuple[str, str]], now: datetime) -> int:
        """Each (message id, body) as an event in the outbox, with a delivery for each active
        subscription to ``event_type``; the number of deliveries. With no subscriber to the
        type nothing is written: a later subscription hears of later events only."""
        wanted = [
            row.id
            for row in self.session.scalars(
                select(WebhookSubscriptionRow).where(WebhookSubscriptionRow.active.is_(True))
            )
            if event_type in row.event_types
        ]
        if not wanted or not messages:
            return 0
        events = [
            WebhookEventRow(message_id=message_id, event_type=event_type, body=body, created_at=now)
            for message_id, body in messages
        ]
        self.session.add_all(events)
        self.session.flush()
        self.session.add_all(
            WebhookDeliveryRow(
                event_id=event.id,
                subscription_id=sid,
                attempts=0,
                state=DeliveryState.PENDING,
                next_attempt_at=now,
            )
            for event in events
            for sid in wanted
        )
        return len(events) * len(wanted)

    def due(self, now: datetime, limit: int) -> list[DueDelivery]:
        """Pending deliveries of active subscriptions whose attempt is due, oldest first."""
        query = (
            select(WebhookDeliveryRow, WebhookEventRow, WebhookSubscriptionRow)
            .join(WebhookEventRow, WebhookEventRow.id == WebhookDeliveryRow.event_id)
            .join(
                WebhookSubscriptionRow,
                WebhookSubscriptionRow.id == WebhookDeliveryRow.subscription_id,
            )
            .where(
                WebhookDeliveryRow.state == DeliveryState.PENDING,
                WebhookDeliveryRow.next_attempt_at <= now,
                WebhookSubscriptionRow.active.is_(True),
            )
            .order_by(WebhookDeliveryRow.next_attempt_at, WebhookDeliveryRow.id)
            .limit(limit)
        )
        keyring = self._keyring()
        return [
            DueDelivery(
                d.id,
                s.url,
                keyring.open_text(s.sealed_secret, _label(s.id)),
                e.message_id,
                e.event_type,
                e.body,
                e.created_at,
                d.attempts,
            )
            for d, e, s in self.session.execute(query)
        ]

    def claim(self, delivery_id: int, attempts: int, until: datetime) -> bool:
        """Take a delivery for one attempt (another worker that read it too loses): its next
        attempt moves to ``until`` in case this one never reports back."""
        done = self.session.execute(
            update(WebhookDeliveryRow)
            .where(
                WebhookDeliveryRow.id == delivery_id,
                WebhookDeliveryRow.attempts == attempts,
                WebhookDeliveryRow.state == DeliveryState.PENDING,
            )
            .values(attempts=attempts + 1, next_attempt_at=until)
        )
        return bool(done.rowcount)  # type: ignore[attr-defined]

    def settle(
        self,
        delivery_id: int,
        state: DeliveryState,
        *,
        status: int | None,
        error: str | None,
        next_attempt_at: datetime | None,
        now: datetime,
    ) -> None:
        """What the attempt gave: delivered, waiting for the next attempt, or failed for good."""
        row = self.session.get(WebhookDeliveryRow, delivery_id)
        assert row is not None
        row.state = state
        row.last_status = status
        row.last_error = error[:500] if error else None
        row.next_attempt_at = next_attempt_at
        if state is DeliveryState.DELIVERED:
            row.delivered_at = now
