"""`truce news`: reading the news into statements, places, parties and events."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from truce.bootstrap import Truce
from truce.cli.base import AsUser, Db, actor, console, count, errors, friendly, moment, opened
from truce.news.extract import Extractor, run
from truce.services import common, news

app = typer.Typer(
    help="Reading the news: statements, places, parties, events.", no_args_is_help=True
)
Published = Annotated[
    str | None,
    typer.Option(help="Publication time (RFC 3339) for every article, over its own date."),
]


def _reader(db: str | None, published: str | None) -> tuple[Extractor, datetime | None]:
    """The extractor (its parties from ``db``'s registry, or 2016's) and the ``--published``."""
    if not db:
        return Extractor.offline(), _published(published, None)
    with opened(db) as truce:
        with truce.uow(write=False) as uow:
            extractor = news.registry_extractor(uow)
        return extractor, _published(published, truce)


def _published(text: str | None, truce: Truce | None) -> datetime | None:
    """``--published``: a date or a time without an offset is read on the clock of the newest
    agreement of the database, if there is one (UTC otherwise)."""
    if text is None:
        return None

    def zone() -> str:
        if truce is None:
            return "UTC"
        with truce.uow(write=False) as uow:
            return common.timezone(uow)

    return moment(text, field="--published", zone=zone)


@app.command("extract")
@friendly
def news_extract(
    files: Annotated[
        list[Path], typer.Argument(help="Articles (.txt .html .json .jsonl), folders.")
    ],
    as_json: Annotated[
        bool, typer.Option("--json", help="JSON Lines, one article per line.")
    ] = False,
    published: Published = None,
    db: Annotated[
        str | None,
        typer.Option("--db", help="Match parties against this registry (default: 2016's)."),
    ] = None,
) -> None:
    """Extract statements, places, parties and events from articles, with character offsets."""
    from truce.news.present import as_record, summary_table

    extractor, when = _reader(db, published)
    failed = 0
    for outcome in run(extractor, files, when):
        if outcome.error:
            failed += 1
            errors.print(f"[red]{escape(outcome.source)}[/red]: {escape(outcome.error)}")
        elif as_json:
            console.print_json(
                json.dumps(as_record(outcome.extraction), ensure_ascii=False), indent=None
            )
        else:
            console.print(summary_table(outcome.extraction))
    if failed:
        raise typer.Exit(1)


@app.command("eval")
@friendly
def news_eval(
    labels: Annotated[Path, typer.Argument(help="The labels file (see docs/news-labels.md).")],
    articles: Annotated[Path, typer.Option(help="The folder the labelled articles are in.")],
    split: Annotated[str, typer.Option(help="dev, test or all.")] = "test",
    only: Annotated[
        list[str] | None,
        typer.Option(
            help="Score only a subset, KIND.FIELD=VALUE[,VALUE] (repeatable), e.g."
            " statements.kind=direct,mixed or places.roles=territory (docs/news-labels.md)."
        ),
    ] = None,
    markdown: Annotated[
        Path | None, typer.Option(help="Also write the scores as Markdown here.")
    ] = None,
) -> None:
    """Precision, recall and F1 per article and overall, for each kind of item."""
    from truce.news.evaluate import Subset
    from truce.news.present import evaluate_split, scores_markdown, scores_table

    subsets = [Subset.parse(text) for text in only or []]
    result = evaluate_split(labels, articles, split, subsets)
    console.print(scores_table(result))
    if markdown is not None:
        chosen = "".join(f" --only {s}" for s in subsets)
        markdown.write_text(
            scores_markdown(
                result, f"truce news eval {labels} --articles {articles} --split {split}{chosen}"
            ),
            encoding="utf-8",
        )
        console.print(f"[green]wrote[/green] {markdown}")


@app.command("scores")
@friendly
def news_scores(
    data: Annotated[Path, typer.Option(help="The folder holding the labelled sets.")] = Path(
        "data/news"
    ),
    markdown: Annotated[
        Path | None, typer.Option(help="Also write the report as Markdown here.")
    ] = None,
) -> None:
    """Score the shipped sets (real dev, real test, synthetic) per language, with the targets."""
    from truce.news.present import report_markdown, report_table, score_set, shipped_sets

    sets = [score_set(entry) for entry in shipped_sets(data)]
    console.print(report_table(sets))
    if markdown is not None:
        markdown.write_text(
            report_markdown(sets, f"truce news scores --data {data} --markdown {markdown}"),
            encoding="utf-8",
        )
        console.print(f"[green]wrote[/green] {markdown}")


@app.command("ingest")
@friendly
def news_ingest(
    paths: Annotated[list[Path], typer.Argument(help="Files, folders or JSON Lines feeds.")],
    published: Published = None,
    as_user: AsUser = None,
    db: Db = None,
) -> None:
    """Store articles, statements and each event as a news report; an article is stored once."""
    tally: dict[str, int] = {}
    with opened(db) as truce:
        when = _published(published, truce)
        # Always the registry of the database written to, even when that is the default one.
        with truce.uow(write=False) as uow:
            extractor = news.registry_extractor(uow)
        for outcome in run(extractor, paths, when):
            with truce.uow() as uow:
                cmd = news.Ingest(outcome, extractor.book)
                result = news.ingest(cmd, uow, actor=actor(uow, as_user))
            tally[result.status] = tally.get(result.status, 0) + 1
            _print_ingested(result)
        with truce.uow(write=False) as uow:
            articles, statements, reports = news.counts(uow)
    console.print(
        ", ".join(f"{n} {status}" for status, n in sorted(tally.items()))
        + f"; stored now: {count(articles, 'article')}, {count(statements, 'statement')},"
        f" {count(reports, 'news report')}"
    )
    if tally.get("failed"):
        raise typer.Exit(1)


def _print_ingested(result: news.Ingested) -> None:
    if result.status == "failed":
        errors.print(f"[red]failed[/red] {escape(result.source)}: {escape(result.error or '')}")
    elif result.status == "already":
        console.print(
            f"[dim]already stored[/dim] {escape(result.source)} (article {result.article_id})"
        )
    else:
        console.print(
            f"[green]ingested[/green] {escape(result.source)}: article {result.article_id},"
            f" {count(result.statements, 'statement')}, {count(result.reports, 'report')}"
        )
    for warning in result.warnings:
        errors.print(f"[yellow]warning[/yellow] {escape(result.source)}: {escape(warning)}")
