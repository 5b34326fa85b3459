"""The hotline on both databases: threads between the guarantors and with a party's liaison,
messages kept verbatim, read receipts, acknowledgements, lapses reported and told by a signed
webhook to a real receiver, and the live feed a reconnecting browser reads."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from standardwebhooks.webhooks import Webhook

from tests.helpers import World, assert_state_replays, ledger_entries
from tests.integration.test_webhooks import Receiver
from truce.bootstrap import Truce
from truce.domain.errors import Forbidden, Invalid, NotFound
from truce.domain.hotline import EventKind, Priority, ThreadKind
from truce.domain.permissions import SYSTEM
from truce.domain.webhooks import HOTLINE_ACKNOWLEDGED, HOTLINE_OVERDUE, NewSubscription
from truce.services import agreements, hotline, webhooks
from truce.services.worker import run_round

# Arabic and Russian as written, with the spacing the author gave it.
TEXT = "  Обстрел в районе Хан-Шейхуна, 14:20.\nقصف قرب خان شيخون  "
T0 = datetime(2016, 3, 4, 12, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _state_replays(truce: Truce) -> Iterator[None]:
    """After each test, its tables are what a replay of its ledger gives."""
    yield
    assert_state_replays(truce)


@pytest.fixture
def clock() -> Iterator[time_machine.Coordinates]:
    with time_machine.travel(T0, tick=False) as traveller:
        yield traveller


def guarantors_thread(world: World, priority: Priority = Priority.URGENT) -> tuple[int, int]:
    with world.truce.uow() as uow:
        thread = hotline.open_thread(
            hotline.OpenThread(ThreadKind.GUARANTORS, "Khan Shaykhun, 4 March"),
            uow,
            actor=world.actors["us"],
        )
    with world.truce.uow() as uow:
        message = hotline.send_message(
            hotline.SendMessage(thread.id, TEXT, priority, "ru"), uow, actor=world.actors["us"]
        )
    return thread.id, message.id


def test_a_message_is_kept_verbatim_read_and_acknowledged_once(
    world: World, clock: time_machine.Coordinates
) -> None:
    us, ru = world.actors["us"], world.actors["ru"]
    thread_id, message_id = guarantors_thread(world)
    with world.truce.uow(write=False) as uow:
        [summary] = hotline.inbox(uow, actor=ru)
        _, [message] = hotline.thread_messages(thread_id, uow, actor=ru)
    assert (summary.messages, summary.waiting) == (1, 1)
    assert message.text == TEXT and message.lang == "ru"
    assert message.due_at == T0 + timedelta(minutes=15)  # urgent
    assert [r.side for r in message.receipts] == ["state:RU"]

    clock.shift(timedelta(minutes=3))
    with world.truce.uow() as uow:
        assert hotline.mark_read(thread_id, uow, actor=ru) == 1
    with world.truce.uow() as uow:
        assert hotline.mark_read(thread_id, uow, actor=ru) == 0
    clock.shift(timedelta(minutes=2))
    with world.truce.uow() as uow:
        acked = hotline.acknowledge(message_id, uow, actor=ru)
    receipt = acked.receipt("state:RU")
    assert receipt is not None
    assert receipt.read_at == T0 + timedelta(minutes=3) and receipt.read_by == "ru-ops"
    assert receipt.acknowledged_at == T0 + timedelta(minutes=5)
    with world.truce.uow() as uow:
        hotline.acknowledge(message_id, uow, actor=ru)  # again: nothing new
    assert ledger_entries(world.truce, "hotline.message.acknowledged") == 1
    assert ledger_entries(world.truce, "hotline.message.sent") == 1
    with world.truce.uow() as uow, pytest.raises(Invalid) as own:
        hotline.acknowledge(message_id, uow, actor=us)
    assert own.value.field == "message_id"
    with world.truce.uow(write=False) as uow:
        [summary] = hotline.inbox(uow, actor=ru)
        assert summary.waiting == 0
        # The ledger keeps the text's digest, never the text.
        payloads = [str(e.payload) for e in uow.ledger.page(0, 1000)]
    assert not any("Хан-Шейхуна" in p for p in payloads)


def test_only_the_thread_s_sides_read_it(world: World, clock: time_machine.Coordinates) -> None:
    thread_id, message_id = guarantors_thread(world)
    for label in ("liaison",):
        with world.truce.uow(write=False) as uow, pytest.raises(NotFound):
            hotline.thread_messages(thread_id, uow, actor=world.actors[label])
        with world.truce.uow() as uow, pytest.raises(NotFound):
            hotline.acknowledge(message_id, uow, actor=world.actors[label])
    for label in ("admin", "monitor", "member", "analyst"):
        with world.truce.uow(write=False) as uow, pytest.raises(Forbidden):
            hotline.thread_messages(thread_id, uow, actor=world.actors[label])
    with world.truce.uow(write=False) as uow, pytest.raises(Forbidden):
        hotline.inbox(uow, actor=SYSTEM)
    with world.truce.uow(write=False) as uow:
        assert hotline.inbox(uow, actor=world.actors["liaison"]) == []
        # The other desk of the same state reads the thread as its own.
        assert len(hotline.thread_messages(thread_id, uow, actor=world.actors["us2"])[1]) == 1


def test_liaison_threads_join_one_guarantor_and_one_party(
    world: World, clock: time_machine.Coordinates
) -> None:
    fsa = world.parties["fsa"]
    with world.truce.uow() as uow:
        to_fsa = hotline.open_thread(
            hotline.OpenThread(ThreadKind.LIAISON, "Access to Darayya", party_id=fsa),
            uow,
            actor=world.actors["us"],
        )
    with world.truce.uow() as uow:
        to_ru = hotline.open_thread(
            hotline.OpenThread(ThreadKind.LIAISON, "Shelling near Saraf", state="RU"),
            uow,
            actor=world.actors["liaison"],
        )
    assert to_fsa.sides == ("state:US", f"party:{fsa}")
    assert to_ru.sides == ("state:RU", f"party:{fsa}")
    with world.truce.uow(write=False) as uow:
        seen = {s.thread.id for s in hotline.inbox(uow, actor=world.actors["liaison"])}
        ru_seen = {s.thread.id for s in hotline.inbox(uow, actor=world.actors["ru"])}
    assert seen == {to_fsa.id, to_ru.id} and ru_seen == {to_ru.id}
    bad = [
        (hotline.OpenThread(ThreadKind.LIAISON, "x", state="GB"), "liaison", "state"),
        (hotline.OpenThread(ThreadKind.LIAISON, "x"), "us", "party_id"),
        (hotline.OpenThread(ThreadKind.LIAISON, "x", party_id=10**9), "us", "party_id"),
        (hotline.OpenThread(ThreadKind.GUARANTORS, "   "), "us", "subject"),
    ]
    for cmd, label, field in bad:
        with world.truce.uow() as uow, pytest.raises(Invalid) as refused:
            hotline.open_thread(cmd, uow, actor=world.actors[label])
        assert refused.value.field == field, cmd
    with world.truce.uow() as uow, pytest.raises(Forbidden):
        hotline.open_thread(
            hotline.OpenThread(ThreadKind.GUARANTORS, "x"), uow, actor=world.actors["liaison"]
        )
    with world.truce.uow() as uow, pytest.raises(Invalid) as empty:
        hotline.send_message(hotline.SendMessage(to_ru.id, " \n "), uow, actor=world.actors["ru"])
    assert empty.value.field == "text"


def test_an_unacknowledged_urgent_message_is_overdue_and_a_signed_webhook_says_so(
    world: World, clock: time_machine.Coordinates
) -> None:
    receiver = Receiver(fail_first=1)
    try:
        with world.truce.uow() as uow:
            made = webhooks.add_subscription(
                NewSubscription(receiver.url, (HOTLINE_OVERDUE, HOTLINE_ACKNOWLEDGED)),
                uow,
                actor=SYSTEM,
            )
        thread_id, message_id = guarantors_thread(world)
        clock.shift(timedelta(minutes=14))
        assert run_round(world.truce.uow) == (0, 0)
        with world.truce.uow(write=False) as uow:
            assert hotline.overdue(uow, actor=world.actors["us"]) == []
        clock.shift(timedelta(minutes=1))
        assert run_round(world.truce.uow) == (1, 1)  # reported; its delivery fails once
        with world.truce.uow(write=False) as uow:
            for label in ("us", "ru"):  # the sender sees it, and the side that owes it
                [(late, receipt)] = hotline.overdue(uow, actor=world.actors[label])
                assert late.id == message_id and receipt.side == "state:RU"
            assert hotline.overdue(uow, actor=world.actors["liaison"]) == []
        assert run_round(world.truce.uow) == (0, 0)  # reported once; the retry not yet due
        clock.shift(timedelta(seconds=11))
        assert run_round(world.truce.uow) == (0, 1)
        with world.truce.uow() as uow:
            hotline.acknowledge(message_id, uow, actor=world.actors["ru"])
        assert run_round(world.truce.uow) == (0, 1)

        verifier = Webhook(made.secret)
        told = []
        for raw, body in receiver.received:
            headers = {k.lower(): v for k, v in raw.items()}
            event = verifier.verify(body, headers)
            told.append((headers["webhook-id"], event["type"], event["data"]["message_id"]))
        assert [t[1:] for t in told] == [
            (HOTLINE_OVERDUE, message_id),
            (HOTLINE_OVERDUE, message_id),
            (HOTLINE_ACKNOWLEDGED, message_id),
        ]
        assert told[0][0] == told[1][0] != told[2][0]  # the retry is the same event
        assert ledger_entries(world.truce, "hotline.message.overdue") == 1
        with world.truce.uow(write=False) as uow:
            assert hotline.overdue(uow, actor=world.actors["us"]) == []
        assert thread_id
    finally:
        receiver.close()


def test_the_live_feed_replays_after_the_last_event_seen(
    world: World, clock: time_machine.Coordinates
) -> None:
    ru, liaison = world.actors["ru"], world.actors["liaison"]
    thread_id, message_id = guarantors_thread(world, Priority.ROUTINE)
    with world.truce.uow() as uow:
        hotline.mark_read(thread_id, uow, actor=ru)
    with world.truce.uow() as uow:
        hotline.acknowledge(message_id, uow, actor=ru)
    with world.truce.uow(write=False) as uow:
        everything = hotline.events_after(0, uow, actor=ru)
        assert [e.kind for e in everything] == [
            EventKind.MESSAGE,
            EventKind.READ,
            EventKind.ACKNOWLEDGED,
        ]
        after_first = hotline.events_after(everything[0].id, uow, actor=ru)
        assert after_first == everything[1:]
        assert hotline.events_after(0, uow, actor=liaison) == []
        assert hotline.last_event(uow, actor=ru) == everything[-1].id


def test_the_deadlines_are_agreement_data(world: World, clock: time_machine.Coordinates) -> None:
    with world.truce.uow() as uow:
        agreement = uow.agreements.get(world.agreement_id)
    assert agreement is not None
    base = agreements.NewAgreement(
        slug="astana",
        title="Astana",
        signed_at=agreement.signed_at,
        effective_at=agreement.effective_at,
        acceptance_deadline=agreement.acceptance_deadline,
        timezone="Asia/Damascus",
        guarantors=("US", "RU"),
    )
    for procedures, field in (
        ({"hotline": {"acknowledge_within_minutes": {"urgent": 0}}}, "acknowledge_within_minutes"),
        ({"hotline": {"acknowledge_within_minutes": {"flash": 5}}}, "acknowledge_within_minutes"),
    ):
        with world.truce.uow() as uow, pytest.raises(Invalid) as refused:
            agreements.create_agreement(
                agreements.NewAgreement(**{**base.__dict__, "procedures": procedures}),
                uow,
                actor=SYSTEM,
            )
        assert refused.value.field == field
    quick = {"hotline": {"acknowledge_within_minutes": {"urgent": 5}}}
    with world.truce.uow() as uow:
        made = agreements.create_agreement(
            agreements.NewAgreement(**{**base.__dict__, "procedures": quick}), uow, actor=SYSTEM
        )
    with world.truce.uow() as uow:
        thread = hotline.open_thread(
            hotline.OpenThread(ThreadKind.GUARANTORS, "Astana", agreement_id=made.id),
            uow,
            actor=world.actors["ru"],
        )
    with world.truce.uow() as uow:
        urgent = hotline.send_message(
            hotline.SendMessage(thread.id, "Срочно", Priority.URGENT), uow, actor=world.actors["ru"]
        )
        routine = hotline.send_message(
            hotline.SendMessage(thread.id, "Plus tard", Priority.ROUTINE),
            uow,
            actor=world.actors["ru"],
        )
    assert urgent.due_at == T0 + timedelta(minutes=5)
    assert routine.due_at == T0 + timedelta(hours=24)  # the default where the data is silent
