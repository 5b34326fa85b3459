"""The background worker of `truce serve`: each round signs a checkpoint when due, publishes
the daily bulletins due (TRUCE_PUBLISH_DAILY), reports hotline messages gone overdue (which
become webhooks) and delivers the webhooks that are due."""

from __future__ import annotations

import logging
import threading

from truce.services import checkpoints, findings, hotline, sitreps
from truce.services.checkpoints import CheckpointPolicy
from truce.services.sitreps import DailySchedule
from truce.services.webhooks import WAKE, OpenUow, deliver_due

log = logging.getLogger("truce.worker")


class Worker(threading.Thread):
    """Runs a round every ``interval`` seconds, or at once when an event is committed."""

    def __init__(
        self,
        open_uow: OpenUow,
        interval: float = 5.0,
        checkpoints: CheckpointPolicy | None = None,
        daily: DailySchedule | None = None,
    ) -> None:
        super().__init__(name="truce-worker", daemon=True)
        self.open_uow = open_uow
        self.checkpoints = checkpoints
        self.daily = daily
        self.interval = interval
        self._stop_event = threading.Event()

    def run(self) -> None:
        while not self._stop_event.is_set():
            try:
                run_round(self.open_uow, self.checkpoints, daily=self.daily)
            except Exception:  # the worker must outlive a bad round; the next one tries again
                log.exception("worker round failed")
            WAKE.wait(self.interval)
            WAKE.clear()

    def stop(self) -> None:
        self._stop_event.set()
        WAKE.set()


def run_round(
    open_uow: OpenUow,
    policy: CheckpointPolicy | None = None,
    *,
    daily: DailySchedule | None = None,
) -> tuple[int, int]:
    """One round: a ledger checkpoint signed if one is due (with a ``policy``), the daily
    bulletins due published (with a ``daily`` schedule), lapses reported (hotline messages,
    requests for information, assessments past their deadline), then due webhooks delivered;
    how many lapses and deliveries."""
    if policy is not None:
        with open_uow() as uow:
            checkpoints.sign_due(uow, policy)
    if daily is not None:
        for issued in sitreps.publish_due_daily(open_uow, daily):
            log.info("published the daily bulletin of %s (report %d)", issued.params["date"],
                     issued.id)  # fmt: skip
    with open_uow() as uow:
        lapsed = hotline.report_overdue(uow)
    with open_uow() as uow:
        requests, disputed = findings.sweep(uow)
    lapsed += requests + disputed
    return lapsed, deliver_due(open_uow).attempted
