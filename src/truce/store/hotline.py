"""The hotline's threads, messages, receipts and the ordered events of its live feed."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from truce.domain.hotline import (
    EventKind,
    HotlineEvent,
    Message,
    Priority,
    Receipt,
    Thread,
    ThreadKind,
)
from truce.store.tables import (
    HotlineEventRow,
    HotlineMessageRow,
    HotlineReceiptRow,
    HotlineThreadRow,
)

FEED_BATCH = 500


def _thread(row: HotlineThreadRow) -> Thread:
    return Thread(
        row.id,
        row.agreement_id,
        ThreadKind(row.kind),
        row.subject,
        tuple(row.sides),
        row.created_by,
        row.created_at,
    )


def _receipt(row: HotlineReceiptRow) -> Receipt:
    return Receipt(
        row.side,
        row.due_at,
        row.read_at,
        row.read_by,
        row.acknowledged_at,
        row.acknowledged_by,
        row.overdue_at,
    )


class Hotline:
    def __init__(self, session: Session) -> None:
        self.session = session

    # --- threads ---------------------------------------------------------------------------

    def add_thread(
        self,
        agreement_id: int,
        kind: ThreadKind,
        subject: str,
        sides: Sequence[str],
        created_by: str,
        now: datetime,
    ) -> Thread:
        row = HotlineThreadRow(
            agreement_id=agreement_id,
            kind=kind,
            subject=subject,
            sides=list(sides),
            created_by=created_by,
            created_at=now,
        )
        self.session.add(row)
        self.session.flush()
        return _thread(row)

    def thread(self, thread_id: int) -> Thread | None:
        row = self.session.get(HotlineThreadRow, thread_id)
        return _thread(row) if row is not None else None

    def threads_of(self, side: str) -> list[Thread]:
        """The threads ``side`` speaks on, newest first (sides are few: filtered here, the
        same way on both databases)."""
        rows = self.session.scalars(select(HotlineThreadRow).order_by(HotlineThreadRow.id.desc()))
        return [_thread(row) for row in rows if side in row.sides]

    def activity(
        self, thread_ids: Sequence[int], side: str
    ) -> dict[int, tuple[int, int, datetime | None]]:
        """Per thread: messages, those ``side`` has yet to acknowledge, the last one's time."""
        if not thread_ids:
            return {}
        totals = dict(
            self.session.execute(
                select(HotlineMessageRow.thread_id, func.count())
                .where(HotlineMessageRow.thread_id.in_(thread_ids))
                .group_by(HotlineMessageRow.thread_id)
            ).all()
        )
        last = dict(
            self.session.execute(
                select(HotlineMessageRow.thread_id, func.max(HotlineMessageRow.sent_at))
                .where(HotlineMessageRow.thread_id.in_(thread_ids))
                .group_by(HotlineMessageRow.thread_id)
            ).all()
        )
        waiting = dict(
            self.session.execute(
                select(HotlineMessageRow.thread_id, func.count())
                .join(HotlineReceiptRow, HotlineReceiptRow.message_id == HotlineMessageRow.id)
                .where(
                    HotlineMessageRow.thread_id.in_(thread_ids),
                    HotlineReceiptRow.side == side,
                    HotlineReceiptRow.acknowledged_at.is_(None),
                )
                .group_by(HotlineMessageRow.thread_id)
            ).all()
        )
        return {tid: (totals.get(tid, 0), waiting.get(tid, 0), last.get(tid)) for tid in thread_ids}

    # --- messages --------------------------------------------------------------------------

    def add_message(
        self,
        thread: Thread,
        author: str,
        author_side: str,
        priority: Priority,
        text: str,
        lang: str | None,
        now: datetime,
        due_at: datetime,
        recipients: Sequence[str],
    ) -> Message:
        row = HotlineMessageRow(
            thread_id=thread.id,
            author=author,
            author_side=author_side,
            priority=priority,
            text=text,
            lang=lang,
            sent_at=now,
            due_at=due_at,
        )
        self.session.add(row)
        self.session.flush()
        self.session.add_all(
            HotlineReceiptRow(message_id=row.id, side=side, due_at=due_at) for side in recipients
        )
        self._event(thread, row.id, EventKind.MESSAGE, author_side, now)
        self.session.flush()
        found = self.message(row.id)
        assert found is not None
        return found

    def _event(
        self, thread: Thread, message_id: int, kind: EventKind, side: str, now: datetime
    ) -> None:
        self.session.add(
            HotlineEventRow(
                thread_id=thread.id,
                message_id=message_id,
                kind=kind,
                side=side,
                sides=list(thread.sides),
                at=now,
            )
        )

    def message(self, message_id: int) -> Message | None:
        found = self._messages(select(HotlineMessageRow).where(HotlineMessageRow.id == message_id))
        return found[0] if found else None

    def messages(self, thread_id: int) -> list[Message]:
        """A thread's messages, oldest first, each with its receipts."""
        return self._messages(
            select(HotlineMessageRow)
            .where(HotlineMessageRow.thread_id == thread_id)
            .order_by(HotlineMessageRow.id)
        )

    def _messages(self, query) -> list[Message]:  # type: ignore[no-untyped-def]
        rows = list(self.session.scalars(query))
        receipts: dict[int, list[Receipt]] = defaultdict(list)
        if rows:
            for receipt in self.session.scalars(
                select(HotlineReceiptRow)
                .where(HotlineReceiptRow.message_id.in_([r.id for r in rows]))
                .order_by(HotlineReceiptRow.side)
            ):
                receipts[receipt.message_id].append(_receipt(receipt))
        return [
            Message(
                r.id,
                r.thread_id,
                r.author,
                r.author_side,
                Priority(r.priority),
                r.text,
                r.lang,
                r.sent_at,
                r.due_at,
                tuple(receipts[r.id]),
            )
            for r in rows
        ]

    # --- receipts --------------------------------------------------------------------------

    def mark_read(self, thread: Thread, side: str, username: str, now: datetime) -> list[int]:
        """``side`` has read the thread: the messages it had not read before, now read."""
        unread = list(
            self.session.scalars(
                select(HotlineReceiptRow)
                .join(HotlineMessageRow, HotlineMessageRow.id == HotlineReceiptRow.message_id)
                .where(
                    HotlineMessageRow.thread_id == thread.id,
                    HotlineReceiptRow.side == side,
                    HotlineReceiptRow.read_at.is_(None),
                )
            )
        )
        for receipt in unread:
            receipt.read_at, receipt.read_by = now, username
            self._event(thread, receipt.message_id, EventKind.READ, side, now)
        return [receipt.message_id for receipt in unread]

    def acknowledge(
        self, thread: Thread, message_id: int, side: str, username: str, now: datetime
    ) -> bool:
        """Record ``side``'s acknowledgement (and its reading); False when it had already."""
        done = self.session.execute(
            update(HotlineReceiptRow)
            .where(
                HotlineReceiptRow.message_id == message_id,
                HotlineReceiptRow.side == side,
                HotlineReceiptRow.acknowledged_at.is_(None),
            )
            .values(acknowledged_at=now, acknowledged_by=username)
        )
        if not done.rowcount:  # type: ignore[attr-defined]
            return False
        self.session.execute(
            update(HotlineReceiptRow)
            .where(
                HotlineReceiptRow.message_id == message_id,
                HotlineReceiptRow.side == side,
                HotlineReceiptRow.read_at.is_(None),
            )
            .values(read_at=now, read_by=username)
        )
        self._event(thread, message_id, EventKind.ACKNOWLEDGED, side, now)
        return True

    def overdue(self, now: datetime, *, unreported: bool = False) -> list[tuple[Message, Receipt]]:
        """Every receipt past its deadline without an acknowledgement, oldest deadline first;
        with ``unreported``, only those whose lapse has not been reported yet (the worker's
        round asks every few seconds: the lapses it reported before are not read again)."""
        query = select(HotlineReceiptRow).where(
            HotlineReceiptRow.acknowledged_at.is_(None), HotlineReceiptRow.due_at <= now
        )
        if unreported:
            query = query.where(HotlineReceiptRow.overdue_at.is_(None))
        rows = list(
            self.session.scalars(
                query.order_by(HotlineReceiptRow.due_at, HotlineReceiptRow.message_id)
            )
        )
        found = (
            {
                m.id: m
                for m in self._messages(
                    select(HotlineMessageRow).where(
                        HotlineMessageRow.id.in_({r.message_id for r in rows})
                    )
                )
            }
            if rows
            else {}
        )
        return [(found[r.message_id], _receipt(r)) for r in rows]

    def overdue_at(self, agreement_id: int, cutoff: datetime) -> list[tuple[Message, Receipt]]:
        """Receipts of the agreement's threads due by ``cutoff`` and not acknowledged by then
        (the record as it stood at the cut-off), oldest deadline first."""
        query = (
            select(HotlineReceiptRow)
            .join(HotlineMessageRow, HotlineMessageRow.id == HotlineReceiptRow.message_id)
            .join(HotlineThreadRow, HotlineThreadRow.id == HotlineMessageRow.thread_id)
            .where(
                HotlineThreadRow.agreement_id == agreement_id,
                HotlineMessageRow.sent_at <= cutoff,
                HotlineReceiptRow.due_at <= cutoff,
                (HotlineReceiptRow.acknowledged_at.is_(None))
                | (HotlineReceiptRow.acknowledged_at > cutoff),
            )
            .order_by(HotlineReceiptRow.due_at, HotlineReceiptRow.message_id)
        )
        rows = list(self.session.scalars(query))
        ids = {r.message_id for r in rows}
        found = (
            {
                m.id: m
                for m in self._messages(
                    select(HotlineMessageRow).where(HotlineMessageRow.id.in_(ids))
                )
            }
            if rows
            else {}
        )
        return [(found[r.message_id], _receipt(r)) for r in rows]

    def mark_overdue(self, thread: Thread, message_id: int, side: str, now: datetime) -> bool:
        """Note that ``side``'s lapse has been reported; False when it was already."""
        done = self.session.execute(
            update(HotlineReceiptRow)
            .where(
                HotlineReceiptRow.message_id == message_id,
                HotlineReceiptRow.side == side,
                HotlineReceiptRow.overdue_at.is_(None),
                HotlineReceiptRow.acknowledged_at.is_(None),
            )
            .values(overdue_at=now)
        )
        if not done.rowcount:  # type: ignore[attr-defined]
            return False
        self._event(thread, message_id, EventKind.OVERDUE, side, now)
        return True

    # --- the live feed ---------------------------------------------------------------------

    def last_event_id(self) -> int:
        return self.session.scalar(select(func.max(HotlineEventRow.id))) or 0

    def events_after(self, after: int, side: str, limit: int = FEED_BATCH) -> list[HotlineEvent]:
        """The events after ``after`` that ``side`` may see, in order."""
        rows = self.session.scalars(
            select(HotlineEventRow)
            .where(HotlineEventRow.id > after)
            .order_by(HotlineEventRow.id)
            .limit(limit)
        )
        return [
            HotlineEvent(r.id, r.thread_id, r.message_id, EventKind(r.kind), r.side, r.at)
            for r in rows
            if side in r.sides
        ]
