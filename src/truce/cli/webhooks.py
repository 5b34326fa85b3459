"""`truce webhooks`: subscriptions (admins' work at the command line) and the delivery worker."""

from __future__ import annotations

import time
from typing import Annotated

import typer
from rich.table import Table

from truce.cli.base import Db, console, friendly, opened
from truce.domain.permissions import SYSTEM
from truce.domain.webhooks import EVENT_TYPES, NewSubscription
from truce.services import hotline, webhooks

app = typer.Typer(help="Webhook subscriptions and their delivery.", no_args_is_help=True)


@app.command("add")
@friendly
def webhooks_add(
    url: Annotated[str, typer.Argument(help="The receiver's http(s) address.")],
    event: Annotated[
        list[str],
        typer.Option(
            "--event", help=f"An event type to receive (repeat): {', '.join(EVENT_TYPES)}."
        ),
    ],
    description: Annotated[str, typer.Option(help="Who receives, for the admins.")] = "",
    db: Db = None,
) -> None:
    """Subscribe a receiver; prints its signing secret once."""
    with opened(db) as truce, truce.uow() as uow:
        made = webhooks.add_subscription(
            NewSubscription(url, tuple(event), description), uow, actor=SYSTEM
        )
    console.print(f"[green]subscribed[/green] {made.subscription.id}: {made.subscription.url}")
    console.print(f"signing secret (shown once, store it now): [bold]{made.secret}[/bold]")


@app.command("list")
@friendly
def webhooks_list(db: Db = None) -> None:
    """Every subscription, with its deliveries by state."""
    with opened(db) as truce, truce.uow(write=False) as uow:
        found = webhooks.subscriptions(uow, actor=SYSTEM)
    table = Table(title=f"{len(found)} webhook subscriptions")
    for column in ("id", "url", "events", "active", "pending", "delivered", "failed"):
        table.add_column(column)
    for s in found:
        table.add_row(str(s.id), s.url, ", ".join(s.event_types), "yes" if s.active else "no",
                      str(s.pending), str(s.delivered), str(s.failed))  # fmt: skip
    console.print(table)


@app.command("remove")
@friendly
def webhooks_remove(
    subscription_id: Annotated[int, typer.Argument(help="The subscription's id.")], db: Db = None
) -> None:
    """Stop a subscription: nothing more is delivered to it."""
    with opened(db) as truce, truce.uow() as uow:
        webhooks.remove_subscription(subscription_id, uow, actor=SYSTEM)
    console.print(f"[green]removed[/green] subscription {subscription_id}")


@app.command("deliver")
@friendly
def webhooks_deliver(
    once: Annotated[bool, typer.Option(help="One round, then stop.")] = False,
    interval: Annotated[float, typer.Option(min=0.5, help="Seconds between rounds.")] = 5.0,
    db: Db = None,
) -> None:
    """Deliver due webhooks (`truce serve` does this in the background too)."""
    with opened(db) as truce:
        while True:
            with truce.uow() as uow:
                hotline.report_overdue(uow)
            done = webhooks.deliver_due(truce.uow)
            if done.attempted or once:
                console.print(
                    f"attempted {done.attempted}: delivered {done.delivered},"
                    f" to retry {done.retrying}, failed {done.failed}"
                )
            if once:
                return
            time.sleep(interval)
