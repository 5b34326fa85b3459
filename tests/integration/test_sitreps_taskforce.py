"""The task force pack and case files over the real UCDP month of the 2016 scenario, on both
databases: allegations, requests, assessments and findings made through the services, the pack
read a week later lists what the meeting must decide (ages and lateness computed here again
from the stored times), a case file holds its reports and its ledger entries, each entry's
inclusion proof checked against a Merkle tree built here from the ledger itself; sealed
assessments stay out until every guarantor has submitted; only admins, guarantors and members
may read either, and neither is ever published."""

from __future__ import annotations

import re
import subprocess
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.helpers import ledger_entries
from tests.integration.test_findings import CONFIRMED, NOT_CONFIRMED, assess, file, fsa_incidents
from tests.integration.test_findings import month as month  # the fixture
from tests.ucdp import PROTECTED, Month
from truce.domain.errors import Forbidden, Invalid, NotFound, Unauthenticated
from truce.domain.hotline import Priority, ThreadKind
from truce.domain.permissions import SYSTEM, Role
from truce.domain.sitreps import Sitrep
from truce.ledger import merkle
from truce.services import findings, hotline, sitreps, users
from truce.services.worker import run_round
from truce.sitreps import render_html, render_json
from truce.store.ledger_store import utc_now
from truce.store.tables import AllegationRow, FindingRow, LedgerEntryRow
from truce.web.app import create_app

SECRET_RATIONALE = "Two sources agree; our own imagery."  # CONFIRMED's rationale
SECRET_MESSAGE = "Our patrol saw the launch site at dawn."  # the hotline's text is the sides'


def build(month: Month, kind: str, params: dict[str, Any], who: str = "guarantor") -> Sitrep:
    actor = SYSTEM if who == "admin" else month.actors[who]
    with month.truce.uow(write=False) as uow:
        return sitreps.build(kind, params, uow, actor=actor)


def moment(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def ask(month: Month, allegation: int, question: str) -> findings.InformationRequest:
    with month.truce.uow() as uow:
        return findings.request_information(
            findings.RequestInformation(allegation, question), uow, actor=month.actors["guarantor"]
        )


def assert_reproducible(month: Month, kind: str, params: dict[str, Any]) -> None:
    first, second = build(month, kind, params), build(month, kind, params, who="member")
    assert render_json(first) == render_json(second)  # one document for every reader
    for lang in ("en", "ar"):
        assert render_html(first, lang) == render_html(second, lang)


# --- the pack ---------------------------------------------------------------------------------


def test_the_pack_lists_what_the_meeting_must_decide(month: Month) -> None:
    truce = month.truce
    first, second = fsa_incidents(month, 2)
    us = month.actors["guarantor"]
    disputed = file(month, first)
    for who, draft in (("guarantor", CONFIRMED), ("ru-ops", NOT_CONFIRMED)):
        assess(month, who, disputed, draft)
    # A week on, the worker lapses the disagreement (and every allegation the check opened on
    # the month, which nobody assessed) into disputes; a new allegation is filed and asked
    # about; four days later its request is overdue and the pack for that day is the record at
    # its newest entry.
    week = utc_now() + timedelta(days=7, minutes=5)
    with time_machine.travel(week, tick=False):
        run_round(truce.uow)
        open_one = file(month, second)
        asked = ask(month, open_one, "Were your units at this place that day?")
        assess(month, "guarantor", open_one)  # one of two: still open, and sealed
        with truce.uow() as uow:
            thread = hotline.open_thread(
                hotline.OpenThread(ThreadKind.GUARANTORS, "Ar Rastan"), uow, actor=us
            )
        with truce.uow() as uow:
            message = hotline.send_message(
                hotline.SendMessage(thread.id, SECRET_MESSAGE, Priority.URGENT, "en"),
                uow,
                actor=us,
            )
    later = week + timedelta(days=4, hours=2)
    with time_machine.travel(later, tick=False):
        run_round(truce.uow)
    zone = ZoneInfo("Asia/Damascus")
    day = later.astimezone(zone).date().isoformat()
    sitrep = build(month, "taskforce", {"date": day})
    pack = sitrep.content
    cutoff = moment(sitrep.cutoff)
    with truce.uow(write=False) as uow:
        newest_at = uow.session.scalar(
            select(LedgerEntryRow.at).order_by(LedgerEntryRow.seq.desc())
        )
        opened = {
            row.id: row.opened_at.replace(tzinfo=row.opened_at.tzinfo or UTC)
            for row in uow.session.scalars(select(AllegationRow))
        }
        states = dict(uow.session.execute(select(FindingRow.allegation_id, FindingRow.state)).all())
    # The report prints its cut-off to the second; it counts to the newest entry's instant.
    assert newest_at is not None and cutoff == moment(newest_at).replace(microsecond=0)
    assert pack["cutoff"] == sitrep.cutoff and pack["date"] == day
    cutoff = moment(newest_at)

    # Every allegation without a finding is open, with its age in whole days from the cut-off.
    rows = {a["id"]: a for a in pack["open_allegations"]["items"]}
    assert set(rows) == set(opened) - set(states) == {open_one}
    for allegation_id, row in rows.items():
        assert row["age_days"] == (cutoff - opened[allegation_id]) // timedelta(days=1)
        assert moment(row["opened_at"]) == opened[allegation_id].replace(microsecond=0)
    assert rows[open_one]["age_days"] == 4 and rows[open_one]["age_bucket"] == "3-7"
    assert not rows[open_one]["past_deadline"] and rows[open_one]["submitted"] == ["US"]
    assert rows[open_one]["awaiting"] == ["RU"]
    by_age = pack["open_allegations"]["by_age"]
    assert by_age == {"0-1": 0, "1-3": 0, "3-7": 1, "7-14": 0, "14-30": 0, "30+": 0}
    assert pack["totals"]["open_allegations"] == 1

    with truce.uow(write=False) as uow:
        incident = uow.incidents.get(second)
    assert incident is not None and rows[open_one]["admin1"] == incident.admin1
    assert moment(rows[open_one]["occurred_at"]) == incident.start.replace(microsecond=0)

    [late] = pack["overdue_requests"]
    assert (late["id"], late["allegation_id"]) == (asked.id, open_one)
    assert late["to_side"] == f"party:{month.parties['fsa']}"
    assert late["to_name"] == "Free Syrian Army"
    assert late["hours_late"] == (cutoff - asked.due_at.replace(tzinfo=UTC)) // timedelta(hours=1)

    # The urgent message the RU desk never acknowledged: owed by RU, counted, no text.
    acknowledgements = pack["overdue_acknowledgements"]
    [owed] = acknowledgements["items"]
    assert (owed["message_id"], owed["thread_id"]) == (message.id, thread.id)
    assert (owed["side"], owed["side_name"], owed["author_name"]) == ("state:RU", "RU", "US")
    assert owed["priority"] == "urgent" and owed["hours_late"] > 0
    assert acknowledgements["by_side"] == {"state:RU": 1}
    assert pack["totals"]["overdue_acknowledgements"] == 1

    listed = {d["id"]: d for d in pack["disputed_findings"]}
    assert set(listed) == {a for a, state in states.items() if state == "disputed"}
    assert listed[disputed]["incident_ids"] == [first]
    assert listed[disputed]["party_name"] == "Free Syrian Army"
    assert pack["totals"]["disputed_findings"] == len(listed) > 1 and pack["clocks"]

    # The page shows the same rows in each language; nothing of a sealed assessment.
    for lang in ("en", "ar"):
        html = render_html(sitrep, lang)
        assert f'data-request="{asked.id}"' in html
        assert f'<tr data-allegation="{disputed}">' in html
        assert f'<tr data-allegation="{open_one}">' in html
        assert SECRET_RATIONALE not in html and SECRET_MESSAGE not in html
    assert SECRET_RATIONALE.encode() not in render_json(sitrep)
    assert SECRET_MESSAGE.encode() not in render_json(sitrep)
    assert_reproducible(month, "taskforce", {"date": day})


def test_the_pack_of_a_day_before_the_record_is_empty(month: Month) -> None:
    file(month, month.incident_of(PROTECTED))
    sitrep = build(month, "taskforce", {"date": "2016-03-04"})
    # The record at the end of 4 March 2016, Damascus time: nothing had been written yet.
    assert sitrep.cutoff == "2016-03-04T22:00:00Z"
    assert (sitrep.ledger_head.seq, sitrep.ledger_head.hash) == (0, None)
    assert sitrep.content["totals"]["open_allegations"] == 0
    assert sitrep.content["overdue_requests"] == []
    assert "—" in render_html(sitrep, "ar")  # renders without a ledger head


# --- case files -------------------------------------------------------------------------------


def verify_every_proof(month: Month, content: dict[str, Any]) -> None:
    """Each entry's proof leads to the file's root, and that root is the one a tree built here
    from the ledger's own entry hashes has at that size."""
    root = content["ledger_root"]
    size = root["tree_size"]
    with month.truce.uow(write=False) as uow:
        hashes = list(uow.session.scalars(select(LedgerEntryRow.hash).order_by(LedgerEntryRow.seq)))
    ours = merkle.MemoryTree(bytes.fromhex(h) for h in hashes[:size])
    assert ours.root().hex() == root["root"]
    expected = bytes.fromhex(root["root"])
    assert content["ledger"]
    for entry in content["ledger"]:
        proof = entry["proof"]
        leaf = merkle.leaf_hash(bytes.fromhex(entry["hash"]))
        assert proof["tree_size"] == size and proof["leaf_hash"] == leaf.hex()
        path = [bytes.fromhex(h) for h in proof["hashes"]]
        assert merkle.verify_inclusion(entry["seq"] - 1, size, leaf, path, expected)
        assert hashes[entry["seq"] - 1] == entry["hash"]
        # A proof is worth something only if it fails for another entry.
        other = merkle.leaf_hash(bytes.fromhex(hashes[entry["seq"] % size]))
        assert not merkle.verify_inclusion(entry["seq"] - 1, size, other, path, expected)


def test_a_case_file_holds_its_reports_entries_and_proofs(month: Month) -> None:
    incident = month.incident_of(PROTECTED)
    allegation = file(month, incident)
    asked = ask(month, allegation, "Who held the ridge?")
    with month.truce.uow() as uow:
        findings.answer_request(asked.id, "Not our units.", uow, actor=month.actors["fsa-liaison"])
    assess(month, "guarantor", allegation)

    sealed = build(month, "casefile", {"allegation": allegation})
    [case] = sealed.content["allegations"]
    assert case["id"] == allegation
    assert case["assessments"] == {"sealed": True, "submitted": ["US"], "items": []}
    assert case["finding"] is None
    [request] = case["requests"]
    assert (request["question"], request["answer"]) == ("Who held the ridge?", "Not our units.")
    assert request["to_name"] == "Free Syrian Army" and case["admin1"] == "Homs"
    assert SECRET_RATIONALE.encode() not in render_json(sealed)
    for lang in ("en", "ar"):
        html = render_html(sealed, lang)
        assert SECRET_RATIONALE not in html and 'data-sealed="true"' in html

    # Every report of the incident, as the store links them.
    with month.truce.uow(write=False) as uow:
        linked = sorted(r.id for _, r in uow.incident_reports.of([incident])[incident])
    assert [r["id"] for r in sealed.content["reports"]] == linked
    assert "216744" in {r["source_ref"] for r in sealed.content["reports"]}
    [shown] = sealed.content["incidents"]
    assert shown["id"] == incident and shown["applicability"]["verdict"] == "protected"
    # The check's values in the reader's words, not as stored.
    arabic = render_html(sealed, "ar")
    assert "<strong>محمي</strong>" in arabic and "<strong>protected</strong>" not in arabic
    assert "(ملتزم)" in arabic and "(committed)" not in arabic  # the parties' standing
    assert "<strong>protected</strong>" in render_html(sealed, "en")
    assert [t["number"] for t in sealed.content["terms"]] == [2]
    actions = {e["action"] for e in sealed.content["ledger"]}
    assert {"incident.reports_linked", "allegation.filed", "request.sent", "request.answered",
            "assessment.submitted"} <= actions  # fmt: skip
    verify_every_proof(month, sealed.content)
    assert_reproducible(month, "casefile", {"allegation": allegation})

    # The second guarantor submits: the finding is made and both assessments are shown.
    assess(month, "ru-ops", allegation)
    opened = build(month, "casefile", {"allegation": allegation})
    [case] = opened.content["allegations"]
    assert not case["assessments"]["sealed"]
    assert sorted(a["state"] for a in case["assessments"]["items"]) == ["RU", "US"]
    assert case["finding"]["state"] == "confirmed"
    assert SECRET_RATIONALE in render_html(opened, "en")
    assert "finding.made" in {e["action"] for e in opened.content["ledger"]}
    verify_every_proof(month, opened.content)

    # The confirmed finding puts the party on the pack's referral watch: one of three.
    today = utc_now().astimezone(ZoneInfo("Asia/Damascus")).date().isoformat()
    referral = build(month, "taskforce", {"date": today}).content["referral"]
    fsa = next(p for p in referral if p["party_id"] == month.parties["fsa"])
    assert (fsa["confirmed_in_window"], fsa["threshold"], fsa["more_to_refer"]) == (1, 3, 2)
    assert not fsa["referred"]
    decided = moment(case["finding"]["decided_at"])
    assert moment(fsa["window_eases_at"]) == decided + timedelta(days=14)

    # Rebuilt as the record stood before, the file is the sealed one again, byte for byte.
    again = build(month, "casefile", {"allegation": allegation, "as_of": sealed.ledger_head.seq})
    assert again.content == sealed.content

    # The incident's file holds this allegation and the ones the check opened on it.
    by_incident = build(month, "casefile", {"incident": incident}, who="admin")
    ids = [a["id"] for a in by_incident.content["allegations"]]
    assert allegation in ids and len(ids) > 1
    with month.truce.uow(write=False) as uow:
        about = {a.id for a in uow.findings.of_incidents([incident])}
    assert set(ids) == about
    verify_every_proof(month, by_incident.content)


def test_case_files_name_what_is_missing(month: Month) -> None:
    for params, error, field in (
        ({"allegation": 999_999}, NotFound, "allegation"),
        ({"incident": 999_999}, NotFound, "incident"),
        ({}, Invalid, "incident"),
        ({"incident": 1, "allegation": 1}, Invalid, "allegation"),
        ({"incident": "x"}, Invalid, "incident"),
        ({"date": "2016-03-04"}, Invalid, "date"),
    ):
        with pytest.raises(error) as raised:
            build(month, "casefile", params)
        assert raised.value.field == field, params


# --- who may read them, and that they are never published ---------------------------------


def test_only_admins_guarantors_and_members_read_them_and_none_is_published(month: Month) -> None:
    allegation = file(month, month.incident_of(PROTECTED))
    today = utc_now().date().isoformat()
    for kind, params in (("taskforce", {"date": today}), ("casefile", {"allegation": allegation})):
        for who in ("monitor", "analyst", "fsa-liaison"):
            with pytest.raises(Forbidden) as refused:
                build(month, kind, params, who=who)
            assert "admin, guarantor, member" in str(refused.value)
        with month.truce.uow(write=False) as uow, pytest.raises(Unauthenticated) as signed_out:
            sitreps.build(kind, params, uow, actor=None)
        assert "Sign in" in str(signed_out.value)
        for who in ("admin", "guarantor", "member", "ru-ops"):
            assert build(month, kind, params, who=who).kind == kind
        assert sitreps.kinds()[kind].restricted
        with month.truce.uow() as uow, pytest.raises(Forbidden) as never:
            sitreps.publish(sitreps.Publish(kind, params, pdf=False), uow, actor=SYSTEM)
        assert "never published" in str(never.value)
    assert not sitreps.kinds()["daily"].restricted
    assert ledger_entries(month.truce, "report.published") == 0
    with month.truce.uow(write=False) as uow:
        assert sitreps.published_page(uow).total == 0


# --- the API and the pages --------------------------------------------------------------------


def web_client(month: Month, role: Role, state: str | None) -> TestClient:
    client = TestClient(create_app(month.truce), raise_server_exceptions=False)
    password = "a long password for the web"
    name = f"web-{role.value}"
    with month.truce.uow() as uow:
        users.add_user(users.NewUser(name, role, password, state=state), uow, actor=SYSTEM)
    form = client.get("/login").text
    csrf = re.search(r'name="csrf" value="([^"]*)"', form)[1]  # type: ignore[index]
    data = {"csrf": csrf, "username": name, "password": password, "next": "/"}
    assert client.post("/login", data=data, follow_redirects=False).status_code == 303
    return client


def test_the_routes_answer_signed_in_readers_only(month: Month) -> None:
    incident = month.incident_of(PROTECTED)
    allegation = file(month, incident)
    api = TestClient(create_app(month.truce), raise_server_exceptions=False)
    tokens = {}
    for who in ("guarantor", "monitor"):
        with month.truce.uow() as uow:
            tokens[who] = users.issue_token("test", uow, actor=month.actors[who])
    today = utc_now().astimezone(ZoneInfo("Asia/Damascus")).date().isoformat()
    paths = (
        f"/api/v1/sitreps/taskforce/{today}",
        f"/api/v1/cases/incidents/{incident}",
        f"/api/v1/cases/allegations/{allegation}",
    )
    for path in paths:
        assert api.get(path).status_code == 401
        refused = api.get(path, headers={"Authorization": f"Bearer {tokens['monitor']}"})
        assert refused.status_code == 403 and refused.json()["code"] == "forbidden"
        assert "admin, guarantor, member" in refused.json()["detail"]
        bearer = {"Authorization": f"Bearer {tokens['guarantor']}"}
        found = api.get(path, headers=bearer)
        assert found.status_code == 200, found.text
        head = found.json()["ledger_head"]
        assert found.headers["truce-ledger-head"] == f"{head['seq']}:{head['hash']}"
        html = api.get(path, params={"format": "html", "lang": "ar"}, headers=bearer)
        assert html.headers["content-type"].startswith("text/html")
        assert '<html lang="ar" dir="rtl">' in html.text
    pdf = api.get(paths[2], params={"format": "pdf", "lang": "ar"}, headers=bearer)
    assert pdf.content.startswith(b"%PDF")
    text = subprocess.run(
        ["pdftotext", "-", "-"], input=pdf.content, capture_output=True, check=True
    ).stdout.decode("utf-8")
    assert "حمص" in text and "216744" in text  # Homs in Arabic, shaped; the UCDP event
    assert f'filename="case-allegation-{allegation}-ar.pdf"' in pdf.headers["content-disposition"]
    missing = api.get("/api/v1/cases/allegations/999999", headers=bearer)
    assert missing.status_code == 404 and missing.json()["field"] == "allegation"

    # The pages: the public is sent to sign in, a monitor refused, a guarantor served; the
    # incident's and the allegation's pages link the case file only for who may read it.
    page = f"/cases/allegations/{allegation}"
    public = api.get(page, follow_redirects=False)
    assert public.status_code == 303 and public.headers["location"].startswith("/login?next=")
    monitor = web_client(month, Role.MONITOR, None)
    assert monitor.get(page).status_code == 403
    assert 'data-testid="case-file-link"' not in monitor.get(f"/incidents/{incident}").text
    member = web_client(month, Role.MEMBER, "GB")
    for path in (page, f"/cases/incidents/{incident}", f"/reports/taskforce/{today}"):
        shown = member.get(path)
        assert shown.status_code == 200, path
        assert 'data-testid="sitrep-downloads"' in shown.text
    assert f'href="/cases/incidents/{incident}"' in member.get(f"/incidents/{incident}").text
    assert (
        f'href="/cases/allegations/{allegation}"' in member.get(f"/allegations/{allegation}").text
    )
