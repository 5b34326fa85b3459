"""Routes for webhook subscriptions (admins): list, subscribe (the secret shown once), remove."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any

from fastapi import FastAPI, Path, Response
from pydantic import Field, StringConstraints

from truce.api.deps import CurrentActor, Reader, Writer
from truce.api.schemas import MAX_ID, Strict
from truce.domain.webhooks import EVENT_TYPES, MAX_DESCRIPTION, MAX_URL, NewSubscription
from truce.services import webhooks
from truce.store.webhooks import Subscription


class SubscriptionIn(Strict):
    url: Annotated[str, StringConstraints(min_length=1, max_length=MAX_URL)] = Field(
        description="The receiver's http(s) address."
    )
    event_types: Annotated[list[str], Field(min_length=1, max_length=len(EVENT_TYPES))] = Field(
        description=f"Event types to receive: {', '.join(EVENT_TYPES)}."
    )
    description: Annotated[str, StringConstraints(max_length=MAX_DESCRIPTION)] = ""


def _view(subscription: Subscription) -> dict[str, Any]:
    data = asdict(subscription)
    data["event_types"] = list(subscription.event_types)
    return data


def install(api: FastAPI) -> None:
    """Register the routes on the API application."""

    @api.get("/webhooks/event-types", tags=["webhooks"])
    def list_event_types() -> list[dict[str, str]]:
        """The event types a subscription may ask for, and what each tells."""
        return [{"type": name, "about": about} for name, about in EVENT_TYPES.items()]

    @api.get("/webhooks", tags=["webhooks"])
    def list_subscriptions(actor: CurrentActor, uow: Reader) -> list[dict[str, Any]]:
        """Every subscription with its deliveries by state (admins); never a secret."""
        return [_view(s) for s in webhooks.subscriptions(uow, actor=actor)]

    @api.post("/webhooks", status_code=201, tags=["webhooks"])
    def add_subscription(body: SubscriptionIn, actor: CurrentActor, uow: Writer) -> dict[str, Any]:
        """Subscribe a receiver (admins). The answer holds its signing secret, this once:
        verify each request's `webhook-signature` with it (the Standard Webhooks scheme)."""
        cmd = NewSubscription(body.url, tuple(body.event_types), body.description)
        made = webhooks.add_subscription(cmd, uow, actor=actor)
        return {**_view(made.subscription), "secret": made.secret}

    @api.delete("/webhooks/{subscription_id}", status_code=204, tags=["webhooks"])
    def remove_subscription(
        subscription_id: Annotated[int, Path(ge=1, le=MAX_ID)], actor: CurrentActor, uow: Writer
    ) -> Response:
        """Stop a subscription (admins): nothing more is delivered to it."""
        webhooks.remove_subscription(subscription_id, uow, actor=actor)
        return Response(status_code=204)
