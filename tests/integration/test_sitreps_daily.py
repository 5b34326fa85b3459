"""Issue 11's daily bulletin on the 2016 demo data, on both databases: its counts are those of
the record (counted here by a path of the test's own), in three languages and three formats;
the same record gives the same bytes; an old ledger head gives the record as it stood then;
publishing writes the digest a rebuild matches, once."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from truce import cli
from truce.bootstrap import Truce
from truce.cli.reports import DEMO_EVENTS
from truce.domain.errors import Conflict, Invalid
from truce.domain.permissions import SYSTEM, Actor
from truce.domain.reports import ReportDraft
from truce.domain.sitreps import sha256
from truce.services import demo, imports, reports, sitreps, users
from truce.store.tables import IncidentRow, LedgerEntryRow

DAY = "2016-03-04"
# The 2016 bulletin closes at 18:00 Damascus time (UTC+2): the 24 hours to 16:00 UTC.
WINDOW = (datetime(2016, 3, 3, 16, tzinfo=UTC), datetime(2016, 3, 4, 16, tzinfo=UTC))


def load_demo(truce: Truce) -> None:
    """What `truce demo` loads: the scenario and its users, the news, the UCDP month, and the
    demo users' filed reports."""
    demo.load_scenario_and_users(truce.uow, actor=SYSTEM)
    list(demo.load_news(truce.uow, demo.news_files()))
    for file in sorted(DEMO_EVENTS.glob("*.csv")):
        imports.import_file(imports.ImportFile(file, "ucdp"), truce.uow, actor=SYSTEM)
    list(demo.file_demo_reports(truce.uow, demo.filed_reports()))


def actor(truce: Truce, username: str) -> Actor:
    with truce.uow(write=False) as uow:
        user = uow.users.by_name(username)
        assert user is not None
        return users.actor_of(user)


def build(truce: Truce, **params: object) -> sitreps.Sitrep:
    with truce.uow(write=False) as uow:
        return sitreps.build("daily", {"date": DAY, **params}, uow)


def counted_directly(truce: Truce) -> Counter[tuple[str | None, str]]:
    """Live incidents that began in the window, by province and type: every incident row read
    and filtered here, not through the store's window query."""
    with truce.uow(write=False) as uow:
        rows = uow.session.execute(
            select(IncidentRow.start, IncidentRow.admin1, IncidentRow.event_type,
                   IncidentRow.merged_into_id)
        ).all()  # fmt: skip
    start, end = WINDOW
    return Counter(
        (admin1, event_type)
        for began, admin1, event_type, merged in rows
        if merged is None and start <= began.astimezone(UTC) < end
    )


def test_the_bulletin_counts_what_the_record_holds_in_three_languages_and_formats(
    truce: Truce, tmp_path: Path
) -> None:
    load_demo(truce)
    sitrep = build(truce)
    content = sitrep.content
    assert (content["window"]["start"], content["window"]["end"]) == (
        "2016-03-03T16:00:00Z",
        "2016-03-04T16:00:00Z",
    )
    direct = counted_directly(truce)
    assert sum(direct.values()) > 10  # the demo's 4 March is a busy day
    by_province = {row["admin1"]: row for row in content["by_province"]}
    in_bulletin = {
        (admin1, kind): n
        for admin1, row in by_province.items()
        for kind, n in row["by_type"].items()
    }
    assert in_bulletin == dict(direct)
    provinces: Counter[str | None] = Counter()
    for (admin1, _), n in direct.items():
        provinces[admin1] += n
    assert {admin1: row["total"] for admin1, row in by_province.items()} == dict(provinces)
    assert content["totals"]["incidents"] == len(content["incidents"]) == sum(direct.values())
    assert by_province["Aleppo"]["pcode"] == "SY02"

    # The command line gives the same JSON as the service.
    out = tmp_path / "daily.json"
    result = CliRunner().invoke(
        cli.app,
        ["report", "daily", "--date", DAY, "--format", "json", "--out", str(out),
         "--db", truce.settings.database_url],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert out.read_bytes() == sitreps.render(sitrep, "json")
    assert json.loads(out.read_bytes())["content"]["by_province"] == content["by_province"]

    titles = {"en": "Daily bulletin", "ar": "النشرة اليومية", "ru": "Ежедневная сводка"}
    aleppo = {"en": "Aleppo", "ar": "حلب", "ru": "Алеппо"}
    # The taxonomy's names (domain/events.py KIND_NAMES): a column and each incident's kind.
    battles = {"en": "Battles", "ar": "معارك", "ru": "Боевые столкновения"}
    clash = {"en": "Armed clash", "ar": "اشتباك مسلح", "ru": "Вооружённое столкновение"}
    for lang in ("en", "ar", "ru"):
        html = sitreps.render(sitrep, "html", lang).decode("utf-8")
        assert titles[lang] in html and aleppo[lang] in html, lang
        assert battles[lang] in html and clash[lang] in html, lang
        if lang != "en":
            assert "Battles" not in html and "Armed clash" not in html, lang
        assert f'lang="{lang}"' in html
        assert ('dir="rtl"' in html) == (lang == "ar")
        pdf = sitreps.render(sitrep, "pdf", lang)
        assert pdf.startswith(b"%PDF-") and len(pdf) > 10_000
        (tmp_path / f"daily-{lang}.pdf").write_bytes(pdf)
    assert json.loads(sitreps.render(sitrep, "json", "ar")) == sitrep.as_dict()

    pdftotext = shutil.which("pdftotext")
    if pdftotext is None:
        pytest.skip("pdftotext is not installed (poppler-utils): the PDFs' text is not checked")
    text = subprocess.run(
        [pdftotext, str(tmp_path / "daily-ar.pdf"), "-"], check=True, capture_output=True,
        text=True,
    ).stdout  # fmt: skip
    assert "النشرة اليومية" in text and "معارك" in text
    for name in ("حلب", "حمص", "إدلب", "دير الزور"):
        assert name in text, name
    russian = subprocess.run(
        [pdftotext, str(tmp_path / "daily-ru.pdf"), "-"], check=True, capture_output=True,
        text=True,
    ).stdout  # fmt: skip
    assert "Алеппо" in russian and "Хомс" in russian


def test_the_same_record_gives_the_same_bytes(truce: Truce) -> None:
    load_demo(truce)
    first, second = build(truce), build(truce)
    assert sitreps.render(first, "json") == sitreps.render(second, "json")
    for lang in ("en", "ar", "ru"):
        assert sitreps.render(first, "html", lang) == sitreps.render(second, "html", lang)
    # The PDF too, on one machine (WeasyPrint is given a fixed identifier and embeds no time).
    assert sitreps.render(first, "pdf", "ar") == sitreps.render(second, "pdf", "ar")


def test_an_old_head_gives_the_record_as_it_stood_then(truce: Truce) -> None:
    load_demo(truce)
    before = build(truce)
    head = before.ledger_head.seq
    assert "Latakia" not in {row["admin1"] for row in before.content["by_province"]}

    # A monitor files a clash in Latakia inside the window, after that head.
    draft = ReportDraft(
        channel="form", source="Truce monitoring mission", event_type="Battles",
        sub_event_type="Armed clash", occurred_start=datetime(2016, 3, 4, 9, tzinfo=UTC),
        lat=35.62, lon=35.95, admin1="Latakia", location="Kinsabba", geo_precision="near",
        actor1="Syrian Arab Army",
    )  # fmt: skip
    with truce.uow() as uow:
        reports.file_report(draft, uow, actor=actor(truce, "monitor"))

    after = build(truce)
    assert after.ledger_head.seq > head
    assert "Latakia" in {row["admin1"] for row in after.content["by_province"]}
    assert after.content["totals"]["incidents"] == before.content["totals"]["incidents"] + 1

    then = build(truce, as_of=head)
    assert then.ledger_head == before.ledger_head
    assert "Latakia" not in {row["admin1"] for row in then.content["by_province"]}
    assert sitreps.render(then, "json") == sitreps.render(before, "json")
    assert sitreps.render(then, "html", "ar") == sitreps.render(before, "html", "ar")


def test_publishing_writes_the_digest_a_rebuild_matches_once(truce: Truce) -> None:
    load_demo(truce)
    guarantor = actor(truce, "us-ops")
    with truce.uow() as uow:
        issued = sitreps.publish(sitreps.Publish("daily", {"date": DAY}), uow, actor=guarantor)
    assert issued.params == {"date": DAY}
    with truce.uow(write=False) as uow:
        entry = uow.session.execute(
            select(LedgerEntryRow.action, LedgerEntryRow.payload).where(
                LedgerEntryRow.seq == issued.entry_seq
            )
        ).one()
    assert entry.action == "report.published"
    payload = entry.payload if isinstance(entry.payload, dict) else json.loads(entry.payload)
    assert payload["built_from"]["seq"] == issued.ledger_seq < issued.entry_seq

    # Anyone rebuilding from the head it names gets the bytes whose digest the ledger holds.
    rebuilt = build(truce, as_of=issued.ledger_seq)
    assert payload["json"] == issued.json_digest == sha256(sitreps.render(rebuilt, "json"))
    assert sitreps.render(rebuilt, "json").decode("utf-8") == issued.content
    for lang in ("en", "ar", "ru"):
        html = sitreps.render(rebuilt, "html", lang)
        assert payload["digests"][lang]["html"] == sha256(html), lang
        assert len(payload["digests"][lang]["pdf"]) == 64
    with truce.uow(write=False) as uow:
        listed = sitreps.published_page(uow, kind="daily")
    assert listed.total == 1 and listed.items[0].id == issued.id

    with truce.uow() as uow, pytest.raises(Conflict) as refused:
        sitreps.publish(sitreps.Publish("daily", {"date": DAY}), uow, actor=guarantor)
    assert "already published" in str(refused.value)


@pytest.mark.parametrize(
    ("params", "field", "says"),
    [
        ({"date": "2016-02-31"}, "date", "YYYY-MM-DD"),
        ({"date": "4 March 2016"}, "date", "YYYY-MM-DD"),
        ({"date": DAY, "province": "Aleppo"}, "province", "date and as_of"),
        ({"date": DAY, "as_of": 10**9}, "as_of", "ledger entry from 1 to"),
        ({"date": DAY, "as_of": "12"}, "as_of", "number of a ledger entry"),
        ({}, "date", "YYYY-MM-DD"),
    ],
)
def test_bad_input_is_refused_naming_the_field(
    truce: Truce, params: dict[str, object], field: str, says: str
) -> None:
    demo.load_scenario_and_users(truce.uow, actor=SYSTEM)
    with truce.uow(write=False) as uow, pytest.raises(Invalid) as refused:
        sitreps.build("daily", params, uow)
    assert refused.value.field == field
    assert says in str(refused.value)
    with truce.uow(write=False) as uow, pytest.raises(Invalid) as refused:
        sitreps.render(sitreps.build("daily", {"date": DAY}, uow), "docx")
    assert refused.value.field == "format"
