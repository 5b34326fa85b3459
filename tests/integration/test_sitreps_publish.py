"""Publishing situation reports, on both databases: a report issued is stored as built, its
ledger entry carries the digests of its JSON, HTML and PDF, a file can be checked against
them, and the daily bulletin is published by the background round once its cut-off passes."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from tests.ucdp import ucdp_month
from truce.bootstrap import Truce
from truce.cli import app
from truce.domain.errors import Conflict, Forbidden, Invalid
from truce.domain.permissions import SYSTEM
from truce.domain.sitreps import sha256
from truce.services import ledger, sitreps
from truce.services.worker import run_round
from truce.sitreps import render_html, render_json, render_pdf
from truce.store.tables import PublishedReportRow

DAY = "2016-03-04"
runner = CliRunner()


def _entry(truce: Truce, seq: int):
    with truce.uow(write=False) as uow:
        (entry,) = uow.ledger.page(seq - 1, 1)
    return entry


def test_a_published_report_is_the_one_its_ledger_entry_names(truce: Truce) -> None:
    month = ucdp_month(truce, link=True)
    with truce.uow() as uow:
        issued = sitreps.publish(
            sitreps.Publish("daily", {"date": DAY}), uow, actor=month.actors["guarantor"]
        )
    assert issued.entry_seq is not None
    entry = _entry(truce, issued.entry_seq)
    assert entry.action == "report.published" and entry.subject == f"sitrep:{issued.id}"
    assert entry.actor == "guarantor-1"
    assert entry.payload["params"] == {"date": DAY}
    with truce.uow(write=False) as uow:
        # Rebuilt from the record as it stood at the head it was issued from.
        fresh = sitreps.build("daily", {"date": DAY, "as_of": issued.ledger_seq}, uow)
        newest = sitreps.build("daily", {"date": DAY}, uow)
    assert fresh.content["totals"]["incidents"] > 0  # a day of the real UCDP month
    assert newest.ledger_head.seq == issued.entry_seq  # the record moved on since: its own entry
    # The report as issued: the stored JSON is the rebuild's, byte for byte (but for the
    # parameters: as_of is how it was rebuilt, not what was issued), and hashes to the entry's
    # digest; so do the HTML and the PDF drawn from it.
    fresh = replace(fresh, params={"date": DAY})
    assert issued.content.encode() == render_json(fresh)
    assert entry.payload["json"] == sha256(render_json(fresh)) == issued.json_digest
    as_issued = sitreps.sitrep_of(issued)
    assert render_json(as_issued) == issued.content.encode()
    for lang in ("en", "ar", "ru"):
        html = render_html(as_issued, lang)
        assert entry.payload["digests"][lang]["html"] == sha256(html.encode())
    pdf = render_pdf(render_html(as_issued, "ar"))
    assert entry.payload["digests"]["ar"]["pdf"] == sha256(pdf)
    assert entry.payload["built_from"]["seq"] == issued.ledger_seq < issued.entry_seq
    # The check anyone can run names the report and the rendering.
    with truce.uow(write=False) as uow:
        (found,) = sitreps.check(pdf, uow)
        assert (found.report_id, found.format, found.lang) == (issued.id, "pdf", "ar")
        assert (found.kind, found.params) == ("daily", {"date": DAY})
        assert found.entry.seq == issued.entry_seq
        (as_json,) = sitreps.check(issued.content.encode(), uow, report_id=issued.id)
        assert (as_json.format, as_json.lang) == ("json", None)
        assert sitreps.check(pdf + b"\n", uow) == []
    # The ledger with the entry still verifies, to its head.
    report = ledger.verify_database(truce.db)
    assert report.ok, report
    assert report.head_seq == entry.seq  # nothing after it


def test_a_report_is_issued_once_and_only_by_whom_may(truce: Truce) -> None:
    month = ucdp_month(truce)
    cmd = sitreps.Publish("daily", {"date": DAY}, pdf=False)
    with truce.uow() as uow, pytest.raises(Forbidden):
        sitreps.publish(cmd, uow, actor=month.actors["monitor"])
    with truce.uow() as uow:
        first = sitreps.publish(cmd, uow, actor=SYSTEM)
    with truce.uow(write=False) as uow:
        head = uow.ledger.head()
    with truce.uow() as uow, pytest.raises(Conflict):
        # issued from the newest record whatever as_of says: the same report
        again = sitreps.Publish("daily", {"date": DAY, "as_of": 2}, pdf=False)
        sitreps.publish(again, uow, actor=SYSTEM)
    with truce.uow() as uow, pytest.raises(Invalid) as bad:
        sitreps.publish(sitreps.Publish("daily", {"day": DAY}), uow, actor=SYSTEM)
    assert bad.value.field == "day"
    with truce.uow(write=False) as uow:
        assert uow.ledger.head() == head
        assert uow.session.scalar(select(func.count()).select_from(PublishedReportRow)) == 1
        page = sitreps.published_page(uow, kind="daily")
        assert [r.id for r in page.items] == [first.id] and page.total == 1


def test_anyone_can_check_a_copy_against_the_ledger(truce: Truce, tmp_path: Path) -> None:
    ucdp_month(truce, link=True)
    with truce.uow() as uow:
        issued = sitreps.publish(
            sitreps.Publish("daily", {"date": DAY}, pdf=False), uow, actor=SYSTEM
        )
    copy = tmp_path / "daily.json"
    copy.write_bytes(issued.content.encode())
    page = tmp_path / "daily-ru.html"
    page.write_text(render_html(sitreps.sitrep_of(issued), "ru"), encoding="utf-8")
    url = truce.db.url
    found = runner.invoke(app, ["report", "check", str(copy), "--db", url])
    assert found.exit_code == 0, found.output
    assert f"is published report {issued.id}, daily {{'date': '{DAY}'}}, as json;" in found.output
    assert f"ledger entry {issued.entry_seq} (report.published by system" in found.output
    found = runner.invoke(app, ["report", "check", str(page), "--id", str(issued.id), "--db", url])
    assert found.exit_code == 0 and "as html in ru" in found.output, found.output
    # One byte changed, and it is no report that was issued.
    page.write_bytes(page.read_bytes().replace(b"</html>", b"</html> "))
    refused = runner.invoke(app, ["report", "check", str(page), "--db", url])
    assert refused.exit_code == 1 and "no match" in refused.output, refused.output
    # With no database: the public ledger export is enough.
    export = tmp_path / "ledger.jsonl"
    assert runner.invoke(app, ["ledger", "export", str(export), "--db", url]).exit_code == 0
    offline = runner.invoke(app, ["report", "check", str(copy), "--ledger", str(export)])
    assert offline.exit_code == 0 and f"report {issued.id}" in offline.output, offline.output
    other = runner.invoke(app, ["report", "check", str(copy), "--ledger", str(export),
                                "--id", str(issued.id + 1)])  # fmt: skip
    assert other.exit_code == 1, other.output


def _round_at(truce: Truce, now: datetime, catch_up_days: int) -> list[str]:
    """One background round at ``now`` publishing the daily bulletins; the days published."""
    open_uow = partial(truce.uow, clock=lambda: now)
    schedule = sitreps.DailySchedule(catch_up_days=catch_up_days, pdf=False)
    run_round(open_uow, daily=schedule)
    with truce.uow(write=False) as uow:
        return sorted(r.params["date"] for r in uow.sitreps.all_published())


def test_the_round_publishes_the_daily_bulletin_once_its_cut_off_has_passed(
    truce: Truce,
) -> None:
    ucdp_month(truce)
    # 18:00 Damascus (UTC+2 in March 2016) is 16:00 UTC.
    before_cutoff = datetime(2016, 3, 4, 15, 59, tzinfo=UTC)
    assert _round_at(truce, before_cutoff, catch_up_days=2) == ["2016-03-03"]
    after_cutoff = datetime(2016, 3, 4, 16, 0, tzinfo=UTC)
    assert _round_at(truce, after_cutoff, catch_up_days=2) == ["2016-03-03", "2016-03-04"]
    assert _round_at(truce, after_cutoff, catch_up_days=2) == ["2016-03-03", "2016-03-04"]
    with truce.uow(write=False) as uow:
        reports = uow.sitreps.all_published()
        assert {r.published_by for r in reports} == {SYSTEM.username}
        entries = [uow.ledger.page(r.entry_seq - 1, 1)[0] for r in reports]  # type: ignore[operator]
    assert [e.action for e in entries] == ["report.published"] * 2
    assert [json.loads(r.content)["cutoff"] for r in reports] == [
        "2016-03-03T16:00:00Z", "2016-03-04T16:00:00Z",
    ]  # fmt: skip


def test_the_round_catches_up_only_so_far_and_not_before_the_agreement(truce: Truce) -> None:
    ucdp_month(truce)  # the cessation took effect at 00:00 Damascus, 27 February
    assert _round_at(truce, datetime(2016, 2, 28, 20, 0, tzinfo=UTC), catch_up_days=7) == [
        "2016-02-27", "2016-02-28",
    ]  # fmt: skip
    # Days later, missed days older than the catch-up are left.
    assert _round_at(truce, datetime(2016, 3, 10, 17, 0, tzinfo=UTC), catch_up_days=2)[2:] == [
        "2016-03-09", "2016-03-10",
    ]  # fmt: skip
