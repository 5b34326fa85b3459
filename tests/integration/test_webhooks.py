"""Webhooks: allegations opened by the real UCDP month reach a real receiver on this machine,
signed (checked with the ``standardwebhooks`` library), despite a failed first delivery, with
each event's retries identifiable by its ``webhook-id``."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from tests.helpers import assert_state_replays, ledger_entries
from tests.ucdp import ucdp_month
from truce.bootstrap import Truce
from truce.domain.errors import Forbidden, Invalid, NotFound
from truce.domain.permissions import SYSTEM, Actor, Role
from truce.domain.webhooks import ALLEGATION_OPENED, FIRST_DELAY, NewSubscription
from truce.services import webhooks
from truce.store.ledger_store import utc_now
from truce.store.tables import WebhookSubscriptionRow


class Receiver:
    """An HTTP receiver that answers 500 to its first ``fail_first`` requests, then 204."""

    def __init__(self, fail_first: int = 1) -> None:
        self.fail_first = fail_first
        self.received: list[tuple[dict[str, str], str]] = []
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["content-length"])).decode("utf-8")
                with receiver.lock:
                    receiver.received.append((dict(self.headers.items()), body))
                    failing = len(receiver.received) <= receiver.fail_first
                self.send_response(500 if failing else 204)
                self.end_headers()

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(autouse=True)
def _state_replays(truce: Truce) -> Iterator[None]:
    """After each test, its tables are what a replay of its ledger gives."""
    yield
    assert_state_replays(truce)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    found = Receiver()
    yield found
    found.close()


def _headers(raw: dict[str, str]) -> dict[str, str]:
    return {key.lower(): value for key, value in raw.items()}


def test_allegations_reach_the_receiver_signed_and_a_failed_delivery_is_tried_again(
    truce: Truce, receiver: Receiver
) -> None:
    with truce.uow() as uow:
        made = webhooks.add_subscription(
            NewSubscription(receiver.url, (ALLEGATION_OPENED,), "the task force's tracker"),
            uow,
            actor=SYSTEM,
        )
    month = ucdp_month(truce, link=True)  # the check against the terms opens allegations
    opened = ledger_entries(truce, "allegation.opened")
    assert opened > 0

    first = webhooks.deliver_due(truce.uow)
    assert first.attempted == opened and first.retrying == 1 and first.delivered == opened - 1
    # Not yet due: the failed one waits for its delay.
    assert webhooks.deliver_due(truce.uow).attempted == 0
    later = utc_now() + FIRST_DELAY + timedelta(seconds=1)
    second = webhooks.deliver_due(truce.uow, clock=lambda: later)
    assert (second.attempted, second.delivered) == (1, 1)

    verifier = Webhook(made.secret)
    ids = []
    for raw, body in receiver.received:
        headers = _headers(raw)
        event = verifier.verify(body, headers)
        assert event["type"] == ALLEGATION_OPENED
        assert event["data"]["incident_id"] > 0 and event["data"]["term"] in (2, 3, 4, 5)
        assert "images" not in event["data"]  # the rows kept for replay stay in the ledger
        ids.append(headers["webhook-id"])
    # Each event delivered; the retried one twice under one id, so the receiver can drop it.
    assert len(ids) == opened + 1 and len(set(ids)) == opened
    [(twice, _)] = [(i, n) for i in set(ids) if (n := ids.count(i)) == 2]
    assert twice.startswith("msg_")
    # A forged body fails verification.
    raw, body = receiver.received[-1]
    with pytest.raises(WebhookVerificationError):
        verifier.verify(body.replace('"term"', '"terms"'), _headers(raw))
    with truce.uow(write=False) as uow:
        [listed] = webhooks.subscriptions(uow, actor=SYSTEM)
    assert (listed.pending, listed.delivered, listed.failed) == (0, opened, 0)
    assert month.report_of  # the month's reports are there


def test_with_no_subscriber_nothing_is_queued_and_a_removed_one_hears_nothing(
    truce: Truce, receiver: Receiver
) -> None:
    with truce.uow() as uow:
        assert webhooks.emit(uow, ALLEGATION_OPENED, [{"incident_id": 1}])
        uow.commit()
    assert webhooks.deliver_due(truce.uow).attempted == 0
    with truce.uow() as uow:
        made = webhooks.add_subscription(
            NewSubscription(receiver.url, (ALLEGATION_OPENED,)), uow, actor=SYSTEM
        )
    with truce.uow() as uow:
        webhooks.emit(uow, ALLEGATION_OPENED, [{"incident_id": 2}])
        uow.commit()
    with truce.uow() as uow:
        webhooks.remove_subscription(made.subscription.id, uow, actor=SYSTEM)
    assert webhooks.deliver_due(truce.uow).attempted == 0
    assert receiver.received == []
    with truce.uow() as uow, pytest.raises(NotFound):
        webhooks.remove_subscription(made.subscription.id, uow, actor=SYSTEM)


def test_an_unreachable_receiver_is_given_up_after_the_last_attempt(truce: Truce) -> None:
    with truce.uow() as uow:
        # Port 9 (discard) on this machine: nothing listens, the connection is refused.
        webhooks.add_subscription(
            NewSubscription("http://127.0.0.1:9/hooks", (ALLEGATION_OPENED,)), uow, actor=SYSTEM
        )
    with truce.uow() as uow:
        webhooks.emit(uow, ALLEGATION_OPENED, [{"incident_id": 3}])
        uow.commit()
    moment = utc_now()
    rounds = 0
    while True:
        done = webhooks.deliver_due(truce.uow, clock=lambda at=moment: at)
        if done.failed:
            break
        assert done.attempted == 1 and done.retrying == 1
        rounds += 1
        moment += timedelta(hours=7)  # beyond the longest delay
    assert rounds == 7  # eight attempts in all
    with truce.uow(write=False) as uow:
        [listed] = webhooks.subscriptions(uow, actor=SYSTEM)
    assert (listed.pending, listed.failed) == (0, 1)


def test_only_admins_manage_subscriptions_and_bad_ones_name_the_field(truce: Truce) -> None:
    monitor = Actor(user_id=1, username="monitor-1", role=Role.MONITOR)
    good = NewSubscription("https://example.org/hooks", (ALLEGATION_OPENED,))
    with truce.uow() as uow, pytest.raises(Forbidden):
        webhooks.add_subscription(good, uow, actor=monitor)
    with truce.uow(write=False) as uow, pytest.raises(Forbidden):
        webhooks.subscriptions(uow, actor=monitor)
    bad = [
        (NewSubscription("ftp://example.org/x", (ALLEGATION_OPENED,)), "url"),
        (NewSubscription("https://user:pw@example.org/", (ALLEGATION_OPENED,)), "url"),
        (NewSubscription("https://example.org/", ()), "event_types"),
        (NewSubscription("https://example.org/", ("finding.made.up",)), "event_types"),
        (NewSubscription("https://example.org/", (ALLEGATION_OPENED,), "x" * 301), "description"),
    ]
    for cmd, field in bad:
        with truce.uow() as uow, pytest.raises(Invalid) as refused:
            webhooks.add_subscription(cmd, uow, actor=SYSTEM)
        assert refused.value.field == field
    with truce.uow(write=False) as uow:
        assert webhooks.subscriptions(uow, actor=SYSTEM) == []
    assert ledger_entries(truce, "webhook.subscribed") == 0


def test_the_secret_is_sealed_at_rest(truce: Truce) -> None:
    with truce.uow() as uow:
        made = webhooks.add_subscription(
            NewSubscription("https://example.org/hooks", (ALLEGATION_OPENED,)), uow, actor=SYSTEM
        )
    with truce.uow(write=False) as uow:
        recorded = [json.dumps(e.payload) for e in uow.ledger.page(0, 1000)]
        row = uow.session.get(WebhookSubscriptionRow, made.subscription.id)
        assert row is not None
        sealed = row.sealed_secret
    assert made.secret.startswith("whsec_")
    assert made.secret.encode() not in sealed and made.secret[6:].encode() not in sealed
    assert not any(made.secret[6:] in entry for entry in recorded)
    assert ledger_entries(truce, "webhook.subscribed") == 1
    assert isinstance(made.subscription.created_at, datetime)
