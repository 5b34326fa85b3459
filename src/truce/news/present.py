"""Showing extractions and scores: JSON records, terminal tables, Markdown."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from functools import cache
from pathlib import Path
from typing import Any

from rich.markup import escape
from rich.table import Table

from truce.news.article import read_file
from truce.news.evaluate import (
    KINDS,
    ArticleScore,
    Subset,
    Tally,
    evaluate,
    load_labels,
    published_of,
)
from truce.news.extract import Extractor
from truce.news.model import Extraction


def as_record(extraction: Extraction | None) -> dict[str, Any]:
    """An extraction as plain JSON: times as RFC 3339, spans as [start, end]."""
    if extraction is None:
        return {}
    data = asdict(extraction)
    return _plain(data)  # type: ignore[no-any-return]


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        if set(value) == {"start", "end"}:
            return [value["start"], value["end"]]
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def summary_table(extraction: Extraction | None) -> Table:
    """What one article holds, for a person reading a terminal."""
    assert extraction is not None
    published = extraction.published.isoformat() if extraction.published else "no date"
    title = escape(f"{extraction.title[:90]}  ({published})")
    table = Table("kind", "item", "evidence", title=title)
    for st in extraction.statements:
        via = f" via {st.reported_by}" if st.reported_by else ""
        _row(
            table,
            f"statement ({st.kind})",
            f"{st.speaker} {st.cue}{via}: “{st.quote[:110]}”",
            f"{st.quote_span.start}-{st.quote_span.end}",
        )
    for place in extraction.places:
        _row(
            table,
            "place",
            f"{place.name} → {place.entry} ({place.country}) {place.lat:.3f}, {place.lon:.3f}",
            f"{place.span.start}-{place.span.end}",
        )
    for party in extraction.parties:
        _row(table, "party", party.name, f"{party.span.start}-{party.span.end}")
    for event in extraction.events:
        where = event.place.name if event.place else "?"
        _row(
            table,
            "event",
            f"{event.type} / {event.sub_type}, {event.date}, {where}, "
            f"actors: {', '.join(event.actors) or '-'}, killed: {event.fatalities}",
            f"{event.span.start}-{event.span.end}",
        )
    if extraction.source_line:
        _row(table, "source line", extraction.source_line, "")
    return table


def _row(table: Table, *cells: str) -> None:
    """A row of article text: square brackets in it are text, not console markup."""
    table.add_row(*(escape(cell) for cell in cells))


@dataclass
class Result:
    split: str
    articles: list[ArticleScore]
    overall: dict[str, Tally]
    subsets: tuple[Subset, ...] = ()


def evaluate_split(
    labels_path: Path, folder: Path, split: str, subsets: Sequence[Subset] = ()
) -> Result:
    """Score the extractor on one split of a labelled set (dev, test, or all), on the items
    every subset keeps."""
    labels = load_labels(labels_path)
    chosen = [a for a in labels["articles"] if split == "all" or a.get("split") == split]
    if not chosen:
        raise ValueError(f"no labelled article in split {split!r}")
    return _scored(chosen, folder, split, subsets)


def _scored(
    chosen: list[dict[str, Any]], folder: Path, split: str, subsets: Sequence[Subset] = ()
) -> Result:
    extractor = _extractor()
    cache = _EXTRACTIONS

    def extract(label: dict[str, Any]) -> Extraction:
        key = (str(folder / label["file"]), label.get("published"))
        if key not in cache:
            article = read_file(folder / label["file"])[0]
            cache[key] = extractor.extract(article, published_of(label))
        return cache[key]

    scores, overall = evaluate(chosen, extract, subsets, extractor.book.kind_of)
    return Result(split, scores, overall, tuple(subsets))


# One extractor, and each article read once per process: the report scores each set several
# times (every kind, then the target subsets, per language).
_EXTRACTIONS: dict[tuple[str, str | None], Extraction] = {}


@cache
def _extractor() -> Extractor:
    return Extractor.offline()


def scores_table(result: Result) -> Table:
    """Per-article and overall scores for the terminal."""
    table = Table("article", *(k for k in KINDS), title=f"news extraction, {result.split} split")
    for entry in result.articles:
        cells = [_cell(entry.tallies[k]) for k in KINDS]
        table.add_row(entry.id + (f" [red]({entry.error})[/red]" if entry.error else ""), *cells)
    table.add_row("[bold]overall[/bold]", *(_overall(result.overall[k]) for k in KINDS))
    return table


def _cell(tally: Tally) -> str:
    return f"{tally.hits}/{tally.found}/{tally.labelled}"


def _overall(tally: Tally) -> str:
    return f"P {tally.precision:.2f} R {tally.recall:.2f} F1 {tally.f1:.2f}"


def scores_markdown(result: Result, command: str) -> str:
    """The scores as a Markdown page for docs/."""
    lines = [
        "# News extraction scores",
        "",
        f"Generated by `{command}` (or `make news-scores`). Do not edit by hand.",
        "",
        f"Split: **{result.split}** ({len(result.articles)} articles). Cells are hits / found /"
        " labelled. Matching rules: docs/news-labels.md.",
        "",
        *(
            [
                "The rules were written looking only at the dev split; the test split is scored,"
                " never used to tune (docs/news.md).",
                "",
            ]
            if result.split == "test"
            else []
        ),
        "| kind | precision | recall | F1 | hits | found | labelled |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for kind in KINDS:
        t = result.overall[kind]
        lines.append(
            f"| {kind} | {t.precision:.2f} | {t.recall:.2f} | {t.f1:.2f} | {t.hits} | "
            f"{t.found} | {t.labelled} |"
        )
    lines += [
        "",
        "## Per article",
        "",
        "| article | " + " | ".join(KINDS) + " |",
        "| --- |" + " ---: |" * len(KINDS),
    ]
    for entry in result.articles:
        lines.append(f"| {entry.id} | " + " | ".join(_cell(entry.tallies[k]) for k in KINDS) + " |")
    return "\n".join(lines) + "\n"


# The subsets the acceptance targets are set on (docs/news-labels.md, issue 12).
TARGETS: tuple[tuple[str, str, tuple[str, ...], float], ...] = (
    (
        "statements",
        "quoted claims",
        ("statements.kind=direct,mixed", "statements.quoted_term=false"),
        0.85,
    ),
    (
        "places",
        "territory below country",
        ("places.kind=admin1,admin2,city,region", "places.roles=territory"),
        0.90,
    ),
    ("parties", "armed groups and forces", ("parties.kind=armed",), 0.85),
    ("events", "all", (), 0.70),
)


@dataclass(frozen=True)
class LabelledSet:
    """A labelled set shipped in data/news: its name, label files and article folder."""

    name: str
    labels: tuple[Path, ...]
    articles: Path
    split: str  # the split of the set that is scored (dev, test or all)


REAL_TEST_LABELS = (
    "labels-test.json",
    "labels-test-en2.json",
    "labels-test-arru.json",
    "labels-test-batch3.json",
)


def shipped_sets(data: Path) -> list[LabelledSet]:
    """The real set's dev and test splits and the whole synthetic set, under ``data``."""
    real = data / "real"
    return [
        LabelledSet("real dev", (real / "labels-dev.json",), real / "articles", "dev"),
        LabelledSet(
            "real test",
            # Texts added after tuning began get their own held-out files, committed before any
            # rule ran on them, so that the first file stays as it was committed.
            tuple(real / name for name in REAL_TEST_LABELS),
            real / "articles",
            "test",
        ),
        LabelledSet("synthetic", (data / "labels.json",), data / "articles", "all"),
    ]


def language_of(label: dict[str, Any], folder: Path) -> str:
    """The label's language, else the script most of the article is written in."""
    if label.get("language"):
        return str(label["language"])
    text = read_file(folder / label["file"])[0].text
    counts = {
        "ar": sum("\u0600" <= c <= "\u06ff" for c in text),
        "ru": sum("\u0400" <= c <= "\u04ff" for c in text),
        "en": sum(c.isascii() and c.isalpha() for c in text),
    }
    return max(counts, key=lambda k: counts[k])


@dataclass
class SetScores:
    """One set's scores: every kind in full, and the target subsets, overall and per language."""

    name: str
    full: Result
    targets: dict[str, Tally]
    by_language: dict[str, tuple[int, dict[str, Tally], dict[str, Tally]]]


def score_set(entry: LabelledSet) -> SetScores:
    """Score one shipped set."""
    chosen: list[dict[str, Any]] = []
    for path in entry.labels:
        chosen += [
            a
            for a in load_labels(path)["articles"]
            if entry.split == "all" or a.get("split") == entry.split
        ]
    full = _scored(chosen, entry.articles, entry.split)
    targets = _target_tallies(chosen, entry.articles, entry.split)
    languages: dict[str, list[dict[str, Any]]] = {}
    for label in chosen:
        languages.setdefault(language_of(label, entry.articles), []).append(label)
    by_language = {
        lang: (
            len(labels),
            _scored(labels, entry.articles, entry.split).overall,
            _target_tallies(labels, entry.articles, entry.split),
        )
        for lang, labels in sorted(languages.items())
    }
    return SetScores(entry.name, full, targets, by_language)


def _target_tallies(chosen: list[dict[str, Any]], folder: Path, split: str) -> dict[str, Tally]:
    tallies = {}
    for kind, _, subsets, _ in TARGETS:
        result = _scored(chosen, folder, split, [Subset.parse(s) for s in subsets])
        tallies[kind] = result.overall[kind]
    return tallies


def report_markdown(sets: list[SetScores], command: str) -> str:
    """docs/news-scores.md: the targets, every kind, per set and language, and per article."""
    lines = [
        "# News extraction scores",
        "",
        f"Generated by `{command}` (`make news-scores`). Do not edit by hand.",
        "",
        "Three splits are scored: the real set's dev split (read while writing rules), its test",
        "split (only scored, never used to tune) and the whole synthetic set (texts written for",
        "the project). Matching rules and subsets: [news-labels.md](news-labels.md). F1 cells",
        "give hits / found / labelled.",
        "",
        "## Targets",
        "",
        "| kind | subset | target | " + " | ".join(s.name for s in sets) + " |",
        "| --- | --- | ---: |" + " ---: |" * len(sets),
    ]
    for kind, name, _, target in TARGETS:
        cells = [_f1(s.targets[kind]) for s in sets]
        lines.append(f"| {kind} | {name} | {target:.2f} | " + " | ".join(cells) + " |")
    lines += ["", "## Every kind, per language", ""]
    for s in sets:
        lines += [
            f"### {s.name} ({len(s.full.articles)} articles)",
            "",
            "| language | articles | "
            + " | ".join(KINDS)
            + " | "
            + " | ".join(f"{k} (target subset)" for k, *_ in TARGETS[:3])
            + " |",
            "| --- | ---: |" + " ---: |" * (len(KINDS) + 3),
        ]
        rows = [("all", len(s.full.articles), s.full.overall, s.targets)] + [
            (lang, n, overall, targets) for lang, (n, overall, targets) in s.by_language.items()
        ]
        for lang, n, overall, targets in rows:
            lines.append(
                f"| {lang} | {n} | "
                + " | ".join(_f1(overall[k]) for k in KINDS)
                + " | "
                + " | ".join(_f1(targets[k]) for k, *_ in TARGETS[:3])
                + " |"
            )
        lines.append("")
    for s in sets:
        lines += [
            f"## Per article: {s.name}",
            "",
            "| article | " + " | ".join(KINDS) + " |",
            "| --- |" + " ---: |" * len(KINDS),
        ]
        for entry in s.full.articles:
            error = f" ({entry.error})" if entry.error else ""
            lines.append(
                f"| {entry.id}{error} | "
                + " | ".join(_cell(entry.tallies[k]) for k in KINDS)
                + " |"
            )
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def _f1(tally: Tally) -> str:
    return f"{tally.f1:.2f} ({tally.hits}/{tally.found}/{tally.labelled})"


def report_table(sets: list[SetScores]) -> Table:
    """The targets and every kind per set, for the terminal."""
    table = Table(
        "set",
        "language",
        *KINDS,
        *(f"{k} ({n})" for k, n, *_ in TARGETS[:3]),
        title="news extraction",
    )
    for s in sets:
        rows = [("all", s.full.overall, s.targets)] + [
            (lang, overall, targets) for lang, (_, overall, targets) in s.by_language.items()
        ]
        for lang, overall, targets in rows:
            table.add_row(
                s.name,
                lang,
                *(_f1(overall[k]) for k in KINDS),
                *(_f1(targets[k]) for k, *_ in TARGETS[:3]),
            )
    return table
