"""Reports in: filed one by one (roles, idempotence, hidden reporters) and imported from files
(every row stored or rejected with its column and reason, once), on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.helpers import ROOT, UCDP_GED, assert_state_replays, shared_file
from truce.bootstrap import Truce
from truce.domain.errors import Forbidden, NotFound
from truce.domain.permissions import SYSTEM, Actor, Role
from truce.domain.reports import Figure, ReportDraft, ReportInvalid, evolve
from truce.services import ledger, scenario, users
from truce.services.imports import ImportFile, import_file
from truce.services.reports import file_report, get_report, list_reports
from truce.store.reports import ReportFilters

DEMO_UCDP = ROOT / "data" / "ucdp" / "ged-syria-2016-02-27-to-03-31.csv"
FILED_AT = datetime(2016, 3, 2, 9, 0, tzinfo=UTC)


@dataclass
class Scenario:
    truce: Truce
    actors: dict[str, Actor]
    parties: dict[str, int]


ROLES = {
    "admin": (Role.ADMIN, None, None),
    "monitor": (Role.MONITOR, None, None),
    "liaison": (Role.LIAISON, None, "free-syrian-army"),
    "us": (Role.GUARANTOR, "US", None),
    "member": (Role.MEMBER, "GB", None),
    "analyst": (Role.ANALYST, None, None),
}


@pytest.fixture(autouse=True)
def _state_replays(truce: Truce) -> Iterator[None]:
    """After each test, its tables are what a replay of its ledger gives."""
    yield
    assert_state_replays(truce)


@pytest.fixture
def world(truce: Truce) -> Scenario:
    """The 2016 scenario's registry, and a user of each role."""
    with truce.uow() as uow:
        scenario.load_scenario(scenario.read_scenario("syria-2016"), uow, actor=SYSTEM)
    actors = {}
    for label, (role, state, slug) in ROLES.items():
        with truce.uow() as uow:
            party = uow.parties.by_slug(slug) if slug else None
            cmd = users.NewUser(f"{label}-user", role, None, state=state,
                                party_id=party.id if party else None)  # fmt: skip
            view = users.add_user(cmd, uow, actor=SYSTEM)
            actors[label] = Actor(view.id, view.username, role, state, view.party_id)
    with truce.uow(write=False) as uow:
        parties = {row.slug: row.id for row in uow.parties.all_rows()}
    return Scenario(truce, actors, parties)


def shelling(**changes: object) -> ReportDraft:
    base = ReportDraft(
        channel="api",
        source="",
        event_type="Ceasefire",
        sub_event_type="impact or airburst explosion",
        occurred_start=datetime(2016, 3, 1, 14, 30, tzinfo=UTC),
        location="Kafr Zita",
        admin1="Hama",
        actor1="Syrian Arab Army",
        actor2="Jaysh al-Izza",
        casualties={("killed", "civilians"): Figure(best=2)},
        text="Two mortar rounds hit the market.",
        lang="en",
    )
    return evolve(base, **changes)


def test_a_monitor_files_a_report_once(world: Scenario) -> None:
    truce, monitor = world.truce, world.actors["monitor"]
    with truce.uow(clock=lambda: FILED_AT) as uow:
        filed = file_report(shelling(), uow, actor=monitor)
    report = filed.report
    assert filed.created
    assert report.draft.source == "Truce monitoring" and report.draft.reporter == "monitor-user"
    assert report.draft.received_at == FILED_AT
    # Placed by the gazetteer (no point was given) and spelled as the geocoder spells units.
    assert report.draft.geo_precision == "near" and report.draft.admin1 == "Hama"
    assert abs(report.draft.lat - 35.374) < 0.05  # type: ignore[operator]
    saa, izza = world.parties["syrian-arab-army"], world.parties["jaysh-al-izza"]
    assert (report.draft.actor1_party_id, report.draft.actor2_party_id) == (saa, izza)
    assert [m.party_id for m in report.actor_matches] == [saa, izza]
    with truce.uow(write=False) as uow:
        entries = [e for e in uow.ledger.page(0, 100_000) if e.action == "report.filed"]
    assert [(e.subject, e.actor) for e in entries] == [(f"report:{report.id}", "monitor-user")]
    assert entries[0].payload["content_digest"] == report.content_digest
    assert "reporter" not in entries[0].payload

    with truce.uow() as uow:  # sent again, an hour later: the same account
        again = file_report(shelling(), uow, actor=monitor)
    assert (again.created, again.report.id) == (False, report.id)
    with truce.uow(write=False) as uow:
        assert uow.reports.count() == 1
        assert len([e for e in uow.ledger.page(0, 100_000) if e.action == "report.filed"]) == 1
    assert ledger.verify_database(truce.db).ok


def test_the_same_source_id_is_one_report_whatever_it_says(world: Scenario) -> None:
    with world.truce.uow() as uow:
        first = file_report(shelling(source="SOHR", source_ref="sohr-1"), uow,
                            actor=world.actors["monitor"])  # fmt: skip
    with world.truce.uow() as uow:
        other = shelling(source="SOHR", source_ref="sohr-1", text="Three rounds, not two.")
        again = file_report(other, uow, actor=world.actors["us"])
    assert (again.created, again.report.id) == (False, first.report.id)


@pytest.mark.parametrize("role", ["monitor", "liaison", "us", "member"])
def test_the_field_roles_file_reports(world: Scenario, role: str) -> None:
    with world.truce.uow() as uow:
        filed = file_report(shelling(), uow, actor=world.actors[role])
    expected = {"monitor": "Truce monitoring", "liaison": "Free Syrian Army",
                "us": "United States", "member": "United Kingdom"}  # fmt: skip
    assert filed.report.draft.source == expected[role]


@pytest.mark.parametrize("role", ["admin", "analyst"])
def test_other_roles_may_not_file(world: Scenario, role: str) -> None:
    with world.truce.uow() as uow, pytest.raises(Forbidden):
        file_report(shelling(), uow, actor=world.actors[role])


def test_a_bad_report_names_every_field_and_stores_nothing(world: Scenario) -> None:
    bad = shelling(location=None, admin1=None, weapon_class="sling", lang="Arabic")
    with world.truce.uow() as uow, pytest.raises(ReportInvalid) as caught:
        file_report(bad, uow, actor=world.actors["monitor"])
    assert [p.field for p in caught.value.problems] == ["location", "weapon_class", "lang"]
    with world.truce.uow() as uow, pytest.raises(ReportInvalid) as nowhere:
        file_report(shelling(location="Atlantis", admin1=None), uow, actor=world.actors["monitor"])
    assert nowhere.value.field == "location"
    with world.truce.uow() as uow, pytest.raises(NotFound) as party:
        file_report(shelling(actor1_party_id=99999), uow, actor=world.actors["monitor"])
    assert party.value.field == "actor1_party_id"
    with world.truce.uow(write=False) as uow:
        assert uow.reports.count() == 0


def test_a_hidden_reporter_is_read_by_admins_only(world: Scenario) -> None:
    hidden = shelling(reporter="a shopkeeper in Kafr Zita", hide_reporter=True)
    with world.truce.uow() as uow:
        report_id = file_report(hidden, uow, actor=world.actors["liaison"]).report.id
    with world.truce.uow() as uow:
        open_id = file_report(shelling(text="Seen from the roof."), uow,
                              actor=world.actors["monitor"]).report.id  # fmt: skip
    for label in (*ROLES, None):
        actor = world.actors[label] if label else None
        with world.truce.uow(write=False) as uow:
            seen = get_report(uow, report_id, actor=actor)
            plain = get_report(uow, open_id, actor=actor)
            listed = {r.id: r for r in list_reports(uow, ReportFilters(), actor=actor).items}
        if label == "admin":
            assert seen.draft.reporter == "a shopkeeper in Kafr Zita"
            assert seen.recorded_by == "liaison-user"
        else:
            assert (seen.draft.reporter, seen.recorded_by) == (None, None), label
        assert listed[report_id].draft.reporter == seen.draft.reporter
        # A reporter who is not hidden is read by every signed-in role, never by the public.
        assert plain.draft.reporter == (None if actor is None else "monitor-user"), label


# -- files --------------------------------------------------------------------------------------


def broken_copy(source: Path, target: Path, count: int) -> list[int]:
    """The first ``count`` rows of a UCDP file, with three of them broken; their numbers."""
    with source.open(encoding="utf-8", newline="") as stream:
        reader = csv.reader(stream)
        header = next(reader)
        rows = [row for _, row in zip(range(count), reader, strict=False)]
    column = header.index
    rows[4][column("latitude")] = "north of Aleppo"
    rows[9][column("type_of_violence")] = "9"
    rows[14][column("date_start")] = "2016-13-45"
    rows[19] = rows[19][:12]  # a row cut short
    with target.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(header)
        writer.writerows(rows)
    return [5, 10, 15, 20]


def test_a_ucdp_file_imports_every_row_or_rejects_it_with_its_reason(
    world: Scenario, tmp_path: Path
) -> None:
    file = tmp_path / "ucdp.csv"
    broken = broken_copy(DEMO_UCDP, file, 300)
    rejects = tmp_path / "rejects.csv"
    cmd = ImportFile(file, "ucdp", rejects=rejects, batch=100)
    summary = import_file(cmd, world.truce.uow, actor=world.actors["monitor"])
    assert (summary.rows, summary.stored, summary.rejected, summary.duplicates) == (300, 296, 4, 0)
    assert not summary.already
    with rejects.open(encoding="utf-8", newline="") as stream:
        rejected = list(csv.DictReader(stream))
    assert [int(r["row"]) for r in rejected] == broken
    assert [r["column"] for r in rejected] == ["latitude", "type_of_violence", "date_start", "row"]
    assert "north of Aleppo" in rejected[0]["reason"]
    assert "2016-13-45" in rejected[2]["reason"]
    assert rejected[0]["id"] and rejected[0]["latitude"] == "north of Aleppo"  # the row itself

    with world.truce.uow(write=False) as uow:
        stored = uow.reports.page(ReportFilters(import_id=summary.import_id), None, 1000).items
        actions = [e.action for e in uow.ledger.page(0, 100_000) if e.subject.startswith("import:")]
    assert len(stored) == 296
    with world.truce.uow(write=False) as uow:  # the source's row, as it came, for exports
        raw = uow.reports.raw_row(stored[0].id)
    assert raw is not None and raw["id"] == stored[0].draft.source_ref
    assert raw["source_headline"] == stored[0].draft.text and len(raw) == 41
    assert actions == ["import.started", "reports.imported", "reports.imported",
                       "reports.imported", "import.finished"]  # fmt: skip
    saa, isil = (
        world.parties["syrian-arab-army"],
        world.parties["islamic-state-of-iraq-and-the-levant"],
    )
    by_side = {(r.draft.actor1, r.draft.actor1_party_id) for r in stored}
    assert ("Government of Syria", saa) in by_side and ("IS", isil) in by_side
    named = [r for r in stored if r.draft.actor1 == "Government of Syria"]
    assert all(r.draft.actor1_party_id == saa for r in named)
    assert {r.draft.admin1 for r in stored} <= {
        "Aleppo", "Idlib", "Hama", "Homs", "Rif Dimashq", "Damascus", "Daraa", "Deir ez-Zor",
        "Raqqa", "Al-Hasakah", "Latakia", "Quneitra", "As-Suwayda", "Tartus", None,
    }  # fmt: skip
    assert ledger.verify_database(world.truce.db).ok

    again = import_file(cmd, world.truce.uow, actor=world.actors["monitor"])
    assert again.already and again.stored == 296
    with world.truce.uow(write=False) as uow:
        assert uow.reports.count() == 296


def test_the_same_events_in_another_file_are_not_stored_twice(
    world: Scenario, tmp_path: Path
) -> None:
    first, second = tmp_path / "a.csv", tmp_path / "b.csv"
    with DEMO_UCDP.open(encoding="utf-8", newline="") as stream:
        rows = list(csv.reader(stream))
    for target, part in ((first, rows[:201]), (second, [rows[0], *rows[101:301]])):
        with target.open("w", encoding="utf-8", newline="") as out:
            csv.writer(out).writerows(part)
    monitor = world.actors["monitor"]
    import_file(ImportFile(first, "ucdp"), world.truce.uow, actor=monitor)
    summary = import_file(ImportFile(second, "ucdp"), world.truce.uow, actor=monitor)
    assert (summary.stored, summary.duplicates, summary.rejected) == (100, 100, 0)
    with world.truce.uow(write=False) as uow:
        assert uow.reports.count() == 300


def test_a_file_of_another_kind_is_refused_before_anything_is_stored(
    world: Scenario, tmp_path: Path
) -> None:
    from truce.domain.errors import Invalid

    with pytest.raises(Invalid) as caught:
        import_file(ImportFile(DEMO_UCDP, "acled"), world.truce.uow, actor=world.actors["monitor"])
    assert caught.value.field == "event_id_cnty"
    with pytest.raises(Forbidden):
        import_file(ImportFile(DEMO_UCDP, "ucdp"), world.truce.uow, actor=world.actors["analyst"])
    with world.truce.uow(write=False) as uow:
        assert uow.reports.count() == 0


def test_the_template_example_imports(world: Scenario) -> None:
    cmd = ImportFile(ROOT / "data" / "reports-template.csv", "reports")
    summary = import_file(cmd, world.truce.uow, actor=SYSTEM)
    assert (summary.stored, summary.rejected) == (3, 0)
    with world.truce.uow(write=False) as uow:
        found = {r.draft.source: r for r in list_reports(uow, ReportFilters(), actor=SYSTEM).items}
    council = found["Example: a local council"]
    assert council.draft.hide_reporter and council.draft.admin2 is not None
    convoy = found["Example: a relief agency"]
    assert convoy.draft.geo_precision == "near" and convoy.draft.admin1 == "Rif Dimashq"
    weekly = found["Example: a monitor's weekly note"]
    assert weekly.draft.geo_precision == "district" and weekly.draft.admin2 == "Ariha"
    assert weekly.draft.actor1_party_id == world.parties["jabhat-al-nusra"]


@pytest.mark.slow
def test_the_whole_ucdp_ged_syria_file_imports_with_no_row_lost(world: Scenario) -> None:
    """16,566 events of 2016-2019: each stored or rejected with a reason, sides matched."""
    file = shared_file(*UCDP_GED)
    summary = import_file(ImportFile(file, "ucdp"), world.truce.uow, actor=SYSTEM)
    assert summary.rows == 16_566
    assert summary.stored + summary.rejected == 16_566 and summary.duplicates == 0
    with world.truce.uow(write=False) as uow:
        assert uow.reports.count() == summary.stored
        assert uow.imports.reject_count(summary.import_id) == summary.rejected
        matched = uow.reports.count(ReportFilters(party_id=world.parties["syrian-arab-army"]))
    with file.open(encoding="utf-8", newline="") as stream:
        government = sum(1 for row in csv.DictReader(stream) if "Government of Syria"
                         in (row["side_a"], row["side_b"]))  # fmt: skip
    assert matched == government  # every event UCDP gives the Syrian government is the SAA's
