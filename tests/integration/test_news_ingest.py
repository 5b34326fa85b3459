"""Ingesting news: articles, statements and reports stored once each, signed into the ledger.

Runs on SQLite and PostgreSQL against the labelled articles of data/news/articles. The seed
carries no date of its own; like `truce demo`, it is read as published 2016-02-23T09:00Z.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import shutil
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from tests.helpers import World, assert_state_replays, build_world
from truce.bootstrap import Truce, bootstrap
from truce.cli import app
from truce.config import Settings
from truce.domain.errors import Forbidden
from truce.news.extract import Extractor, run
from truce.services import ledger, news
from truce.services.instance import initialise
from truce.store.tables import ArticleRow, ReportRow, StatementRow

runner = CliRunner()

ARTICLES = Path(__file__).resolve().parents[2] / "data" / "news" / "articles"
SEED = ARTICLES / "seed.txt"
SEED_PUBLISHED = datetime(2016, 2, 23, 9, 0, tzinfo=UTC)
NUSRA_REJECTS = ARTICLES / "n05_nusra_rejects.txt"
MORE = [
    ARTICLES / "n01_damascus_accepts.txt",
    ARTICLES / "n03_davutoglu_not_binding.html",
    NUSRA_REJECTS,
    ARTICLES / "n06_kerry_first_hours.json",
]
SEED_SPEAKERS = ["Vladimir Putin"] * 4 + ["Dmitry Peskov"] + ["Josh Earnest"] * 3


# --- helpers ----------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _state_replays(truce: Truce) -> Iterator[None]:
    """After each test, its tables are what a replay of its ledger gives."""
    yield
    assert_state_replays(truce)


def registry_extractor(truce: Truce) -> Extractor:
    """An extractor matching parties to this database's registry, as `truce news ingest` does."""
    with truce.uow(write=False) as uow:
        return news.registry_extractor(uow)


def ingest(
    world: World,
    paths: Iterable[Path],
    who: str = "monitor",
    published: datetime | None = None,
) -> list[news.Ingested]:
    """Each article of ``paths`` through the service, one transaction each, as the CLI does."""
    extractor = registry_extractor(world.truce)
    results = []
    for outcome in run(extractor, list(paths), published):
        with world.truce.uow() as uow:
            cmd = news.Ingest(outcome, extractor.book)
            results.append(news.ingest(cmd, uow, actor=world.actors[who]))
    return results


def ingest_seed_and_more(world: World, who: str = "monitor") -> list[news.Ingested]:
    return ingest(world, [SEED], who, SEED_PUBLISHED) + ingest(world, MORE, who)


def snapshot(world: World) -> tuple[tuple[int, int, int], tuple[int, str | None]]:
    """(articles, statements, news reports) and the ledger head."""
    with world.truce.uow(write=False) as uow:
        return news.counts(uow), uow.ledger.head()


def news_entries(world: World) -> list:
    with world.truce.uow(write=False) as uow:
        entries = uow.ledger.page(0, 100_000)
    return [e for e in entries if e.action == "news.article_ingested"]


def rows_of(
    world: World, article_id: int
) -> tuple[ArticleRow, list[StatementRow], list[ReportRow]]:
    with world.truce.uow(write=False) as uow:
        article = news.article(uow, article_id)
        statements = list(
            uow.session.scalars(
                select(StatementRow)
                .where(StatementRow.article_id == article_id)
                .order_by(StatementRow.id)
            )
        )
        reports = list(
            uow.session.scalars(
                select(ReportRow).where(ReportRow.article_id == article_id).order_by(ReportRow.id)
            )
        )
    return article, statements, reports


def assert_verifies(world: World) -> None:
    report = ledger.verify_database(world.truce.db)
    assert report.ok, report.failure
    assert report.checked == report.head_seq


# --- the seed ---------------------------------------------------------------------------------


def test_the_seed_is_stored_with_its_statements_and_its_event_as_a_report(world: World) -> None:
    before_seq = snapshot(world)[1][0]
    [result] = ingest(world, [SEED], published=SEED_PUBLISHED)
    assert (result.status, result.statements, result.reports, result.error) == (
        "ingested",
        8,
        1,
        None,
    )
    raw = SEED.read_text(encoding="utf-8")
    article, statements, reports = rows_of(world, result.article_id)

    assert article.text == raw  # byte-exact: every offset below points into this
    assert article.digest == hashlib.sha256(raw.encode("utf-8")).hexdigest()
    assert article.published == SEED_PUBLISHED
    assert article.source_line == "NNA" and article.ingested_by == "monitor"
    assert article.title.startswith("Russian President Vladimir Putin has said")
    assert len(article.extraction["statements"]) == 8 and len(article.extraction["events"]) == 1

    assert [s.speaker for s in sorted(statements, key=lambda s: s.start)] == SEED_SPEAKERS
    for statement in statements:
        assert raw[statement.start : statement.end] == statement.quote
        assert statement.said_at == SEED_PUBLISHED
    by_quote = {s.quote: s for s in statements}
    sputnik = by_quote["real step that can stop the bloodshed"]
    assert (sputnik.kind, sputnik.cue, sputnik.reported_by) == ("mixed", "said", "Sputnik")
    earnest = by_quote["this is going to be difficult to implement"]
    assert (earnest.speaker, earnest.kind, earnest.cue) == ("Josh Earnest", "mixed", "cautioned")

    [report] = reports
    assert report.channel == "news" and report.article_id == article.id
    assert (report.event_type, report.sub_event_type) == ("Strategic developments", "Agreement")
    assert report.occurred_start == datetime(2016, 2, 22, tzinfo=UTC)  # "On Monday"
    assert report.occurred_end == datetime(2016, 2, 22, 23, 59, 59, 999_999, tzinfo=UTC)
    assert raw[report.evidence_start : report.evidence_end] == report.text
    assert "the US and Russia agreed upon" in report.text
    assert (report.location, report.lat, report.lon) == ("Syria", 35.0, 38.0)
    assert {report.actor1, report.actor2} == {"Russia", "United States"}
    # The article, and which of its events: an article's reports are told apart.
    assert report.source_ref == f"article:{article.digest[:16]}#event-1"

    [entry] = news_entries(world)
    assert entry.seq == before_seq + 1
    assert (entry.subject, entry.actor) == (f"article:{article.id}", "monitor")
    assert entry.payload["digest"] == article.digest
    assert entry.payload["statement_ids"] == [s.id for s in statements]
    assert entry.payload["report_ids"] == [report.id]
    assert entry.payload["published"].startswith("2016-02-23T09:00:00")
    assert_verifies(world)


def test_every_stored_offset_points_into_its_articles_text(world: World) -> None:
    results = ingest_seed_and_more(world)
    assert [r.status for r in results] == ["ingested"] * 5
    assert sum(r.reports for r in results) > 1  # reports from more than the seed
    for result in results:
        article, statements, reports = rows_of(world, result.article_id)
        assert (len(statements), len(reports)) == (result.statements, result.reports)
        for statement in statements:
            assert article.text[statement.start : statement.end] == statement.quote
        for report in reports:
            assert report.channel == "news" and report.article_id == article.id
            assert 0 <= report.evidence_start < report.evidence_end <= len(article.text)
            assert article.text[report.evidence_start : report.evidence_end] == report.text
    html, json_item = (
        rows_of(world, results[2].article_id)[0],
        rows_of(world, results[4].article_id)[0],
    )
    assert html.outlet == "Bosphorus Report"  # read from the page's meta tag
    assert json_item.url is not None and json_item.url.startswith("https://example.org/")
    assert_verifies(world)


def test_news_reports_link_to_the_registrys_parties(world: World) -> None:
    [result] = ingest(world, [NUSRA_REJECTS])
    _, _, reports = rows_of(world, result.article_id)
    assert [(r.actor1, r.actor1_party_id) for r in reports] == [
        ("Jabhat al-Nusra", world.parties["nusra"])
    ]


def test_an_address_that_is_not_http_is_kept_as_text_and_never_stored_as_a_link(
    world: World, tmp_path: Path
) -> None:
    hostile = "javascript:alert(document.cookie)"
    article = tmp_path / "hostile.txt"
    article.write_text(
        "Truce holds in Homs - Wire\nOutlet: Wire\nURL: " + hostile + "\n\n"
        'Russian Foreign Minister Sergei Lavrov said: "The truce is holding in Homs."\n',
        encoding="utf-8",
    )
    [result] = ingest(world, [article])
    assert result.status == "ingested", result.error  # the article itself is still welcome
    assert result.warnings and "not an http(s) address" in result.warnings[0]
    row, _, reports = rows_of(world, result.article_id)
    assert row.url is None and row.extraction["url"] is None
    assert all(not r.source_ref.startswith("javascript:") for r in reports)
    [entry] = news_entries(world)
    assert entry.payload["url"] is None and entry.payload["refused_url"] == hostile
    # The title loses the outlet's name that the site appended to it.
    assert row.title == "Truce holds in Homs" and row.extraction["title"] == "Truce holds in Homs"
    assert_verifies(world)


@pytest.mark.parametrize("backend", ["sqlite"])
def test_the_cli_warns_about_an_address_it_will_not_link(
    world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TRUCE_SECRET_KEY", world.truce.secret)
    article = tmp_path / "hostile.txt"
    article.write_text(
        "Homs\nURL: javascript:alert(1)\n\nThe truce held in Homs, the monitor said.\n",
        encoding="utf-8",
    )
    result = runner.invoke(app, ["news", "ingest", str(article), "--db", world.truce.db.url])
    assert result.exit_code == 0, result.output
    assert "warning hostile.txt: the URL 'javascript:alert(1)' is not an http(s)" in result.output
    assert "1 ingested" in result.output


# --- once only --------------------------------------------------------------------------------


def test_ingesting_the_same_files_again_changes_nothing(world: World) -> None:
    before = snapshot(world)
    first = ingest_seed_and_more(world)
    assert [r.status for r in first] == ["ingested"] * 5
    stored = snapshot(world)
    statements, reports = sum(r.statements for r in first), sum(r.reports for r in first)
    assert stored[0] == (5, statements, reports)
    assert stored[1][0] == before[1][0] + 5  # one ledger entry per article
    assert len(news_entries(world)) == 5

    again = ingest_seed_and_more(world, who="admin")
    assert [r.status for r in again] == ["already"] * 5
    assert [r.article_id for r in again] == [r.article_id for r in first]
    assert all(r.statements == 0 and r.reports == 0 for r in again)
    # The seed read without its date is the same text, so the same article.
    [undated] = ingest(world, [SEED], who="us")
    assert (undated.status, undated.article_id) == ("already", first[0].article_id)
    assert snapshot(world) == stored
    with world.truce.uow(write=False) as uow:
        assert {a.ingested_by for a in news.articles(uow).items} == {"monitor"}
    assert_verifies(world)


# --- who may ingest ---------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["analyst", "liaison", "member"])
def test_a_role_without_ingest_news_is_refused_and_nothing_is_written(
    world: World, who: str
) -> None:
    before = snapshot(world)
    with pytest.raises(Forbidden) as refused:
        ingest(world, [SEED], who=who, published=SEED_PUBLISHED)
    who_is = {"analyst": "An analyst", "liaison": "A liaison", "member": "A member"}[who]
    assert str(refused.value) == f"{who_is} may not ingest news."
    assert snapshot(world) == before
    assert news_entries(world) == []


@pytest.mark.parametrize(("who", "username"), [("admin", "admin"), ("us", "us-ops")])
def test_admins_and_guarantors_may_ingest(world: World, who: str, username: str) -> None:
    [result] = ingest(world, [SEED], who=who, published=SEED_PUBLISHED)
    assert result.status == "ingested"
    assert rows_of(world, result.article_id)[0].ingested_by == username
    assert [e.actor for e in news_entries(world)] == [username]


# --- bad input --------------------------------------------------------------------------------


def test_a_bad_file_in_a_batch_is_reported_and_the_good_ones_are_stored(
    world: World, tmp_path: Path
) -> None:
    binary = tmp_path / "binary.txt"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00")
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    latin1 = tmp_path / "latin1.txt"
    latin1.write_bytes("Café bombé\n\nLe café a été bombardé.".encode("latin-1"))
    feed = tmp_path / "feed.jsonl"
    good_item = {
        "title": "Shelling in Hama",
        "body": 'Shells hit Kafr Zita on Sunday, a local council member said. "We had no warning,"'
        " said Ahmad Khalil, a resident.",
        "published": "2016-02-29T18:30:00+02:00",
    }
    feed.write_text(json.dumps(good_item) + "\nnot json at all\n", encoding="utf-8")
    before = snapshot(world)

    results = ingest(world, [binary, MORE[0], empty, latin1, feed])
    summary = [(r.status, Path(r.source).name) for r in results]
    assert summary == [
        ("failed", "binary.txt"),
        ("ingested", "n01_damascus_accepts.txt"),
        ("failed", "empty.txt"),
        ("failed", "latin1.txt"),
        ("ingested", "feed.jsonl:1"),
        ("failed", "feed.jsonl"),
    ]
    errors = [r.error for r in results if r.status == "failed"]
    assert "binary" in errors[0] and "empty" in errors[1] and "not UTF-8" in errors[2]
    assert errors[3].startswith("line 2:")
    assert all(r.article_id is None for r in results if r.status == "failed")

    counts, head = snapshot(world)
    assert counts[0] == before[0][0] + 2
    assert head[0] == before[1][0] + 2  # an entry per stored article, none for the bad ones
    assert_verifies(world)


# --- the command line -------------------------------------------------------------------------


@pytest.mark.parametrize("backend", ["sqlite"])
def test_cli_ingest_stores_once_reports_bad_files_and_refuses_other_roles(
    world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TRUCE_SECRET_KEY", world.truce.secret)
    db = ["--db", world.truce.db.url]
    seed = ["news", "ingest", str(SEED), "--published", "2016-02-23T09:00:00+00:00"]

    refused = runner.invoke(app, [*seed, "--as", "analyst", *db])
    assert refused.exit_code == 2, refused.output
    assert "An analyst may not ingest news." in refused.output
    assert snapshot(world)[0] == (0, 0, 0)

    first = runner.invoke(app, [*seed, "--as", "monitor", *db])
    assert first.exit_code == 0, first.output
    lines = first.output.splitlines()
    assert "ingested seed.txt: article 1, 8 statements, 1 report" in lines
    assert "1 ingested; stored now: 1 article, 8 statements, 1 news report" in lines
    stored = snapshot(world)

    again = runner.invoke(app, [*seed, "--as", "monitor", *db])
    assert again.exit_code == 0, again.output
    assert "already stored seed.txt (article 1)" in again.output
    assert (
        "1 already; stored now: 1 article, 8 statements, 1 news report" in again.output.splitlines()
    )
    assert snapshot(world) == stored

    binary = tmp_path / "bad.txt"
    binary.write_bytes(b"\x00\x01\x02binary")
    batch = runner.invoke(app, ["news", "ingest", str(binary), str(MORE[0]), *db])
    assert batch.exit_code == 1, batch.output
    assert "failed" in batch.output and "bad.txt" in batch.output and "binary" in batch.output
    assert "ingested n01_damascus_accepts.txt: article 2" in batch.output
    assert "1 failed, 1 ingested; stored now: 2 articles" in batch.output
    assert [e.actor for e in news_entries(world)] == ["monitor", "system"]

    verified = runner.invoke(app, ["ledger", "verify", *db])
    assert verified.exit_code == 0 and "ledger OK" in verified.output, verified.output


def test_cli_ingest_matches_parties_to_the_registry_of_the_default_database(
    sqlite_template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """docs/news.md: `ingest` uses the database's registry, also the default var/truce.db."""
    (tmp_path / "var").mkdir()
    target = tmp_path / "var" / "truce.db"
    shutil.copy(sqlite_template, target)
    settings = Settings(database_url=f"sqlite:///{target}", secret_key=secrets.token_urlsafe(32))
    truce = bootstrap(settings)
    try:
        with truce.uow() as uow:
            initialise(uow, "test")
        world = build_world(truce)
        monkeypatch.chdir(tmp_path)
        monkeypatch.delenv("TRUCE_DATABASE_URL", raising=False)
        monkeypatch.setenv("TRUCE_SECRET_KEY", truce.secret)
        result = runner.invoke(app, ["news", "ingest", str(NUSRA_REJECTS), "--as", "monitor"])
        assert result.exit_code == 0, result.output
        with truce.uow(write=False) as uow:
            linked = uow.session.scalars(select(ReportRow.actor1_party_id)).all()
        assert linked == [world.parties["nusra"]]
    finally:
        truce.close()


@pytest.mark.parametrize("backend", ["sqlite"])
def test_cli_ingest_matches_parties_to_the_registry_given_by_the_environment(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TRUCE_SECRET_KEY", world.truce.secret)
    monkeypatch.setenv("TRUCE_DATABASE_URL", world.truce.db.url)
    result = runner.invoke(app, ["news", "ingest", str(NUSRA_REJECTS), "--as", "monitor"])
    assert result.exit_code == 0, result.output
    with world.truce.uow(write=False) as uow:
        linked = uow.session.scalars(select(ReportRow.actor1_party_id)).all()
    assert linked == [world.parties["nusra"]]
