"""The news pipeline: an article in, statements, places, parties and events out."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

from truce.news.article import Article, ArticleError, read_all
from truce.news.events import find_events
from truce.news.model import Extraction
from truce.news.parties import PartyBook, acting, default_book, letter_author, unique
from truce.news.people import find_people
from truce.news.places import find_places, listed, standing_for_state
from truce.news.segment import segment
from truce.news.statements import find_statements

ARTICLE_SUFFIXES = (".txt", ".html", ".htm", ".json", ".jsonl")


@dataclass
class Extractor:
    """Extracts with one party book (the registry's names, or the built-in scenario's)."""

    book: PartyBook

    @classmethod
    def offline(cls) -> Extractor:
        """An extractor that needs no database: parties from the built-in 2016 scenario."""
        return cls(default_book())

    def extract(
        self, article: Article, published: datetime | None = None, lap: Lap | None = None
    ) -> Extraction:
        """Everything found in one article; ``published`` overrides the article's own date.

        ``lap``, when given, is called with each stage's name as it ends (bench/news.py times
        the stages with it)."""
        done = lap or _no_lap
        if published is not None:
            article = replace(article, published=published)
        text, start = article.text, article.body_start
        paragraphs, sentences, quotes = segment(text, start)
        done("segment")
        people = find_people(text, start)
        person_spans = [person.span for person in people]
        done("people")
        statements = find_statements(text, paragraphs, sentences, quotes, people, self.book.is_name)
        done("statements")
        # The title names parties too (the labels count them); the header lines between it and
        # the body ("Outlet: United Nations …") do not.
        title_end = len(article.title) if article.title and text.startswith(article.title) else 0
        found = self.book.find(text[: min(title_end, start)], 0, skip=person_spans)
        found += self.book.find(text, start, skip=person_spans)
        found = sorted([*found, *letter_author(text, start)], key=lambda m: m.span.start)
        # "Islamic State in Iraq and the Levant": a place inside a group's name is not a place.
        names = [m.span for m in found if m.kind != "state" and " " in m.span.of(text).strip()]
        every = find_places(article, sentences, person_spans + names)
        mentions = [m for m in every if not standing_for_state(m)]
        places = listed(mentions)
        states = listed(m for m in every if standing_for_state(m))
        done("places")
        named = acting(text, found)
        parties = unique(named)
        done("parties")
        events = find_events(article, sentences, mentions, named, quotes)
        done("events")
        extraction = Extraction(
            name=article.name,
            title=article.title,
            outlet=article.outlet,
            url=article.url,
            published=article.published,
            source_line=article.source_line,
            digest=article.digest,
            statements=tuple(statements),
            places=tuple(places),
            parties=tuple(parties),
            events=tuple(events),
            people=tuple(people),
            states=tuple(states),
        )
        done("assemble")
        return extraction


Lap = Callable[[str], None]
STAGES = ("segment", "people", "statements", "places", "parties", "events", "assemble")


def _no_lap(stage: str) -> None:
    pass


@dataclass(frozen=True)
class Outcome:
    """What became of one article of a batch: an extraction, or why there is none."""

    source: str
    extraction: Extraction | None = None
    article: Article | None = None
    error: str | None = None


def articles_in(path: Path) -> Iterator[Path]:
    """The article files at ``path``: the file itself, or those in a folder (sorted)."""
    if path.is_dir():
        yield from sorted(p for p in path.rglob("*") if p.suffix.lower() in ARTICLE_SUFFIXES)
    else:
        yield path


def run(
    extractor: Extractor, paths: list[Path], published: datetime | None = None
) -> Iterator[Outcome]:
    """Extract from every article of every file; a bad file is reported, never fatal."""
    for path in paths:
        for file in articles_in(path):
            try:
                items = read_all(file)
            except (ArticleError, OSError) as exc:
                yield Outcome(str(file), error=str(exc))
                continue
            for item in items:
                if isinstance(item, ArticleError):
                    yield Outcome(str(file), error=str(item))
                else:
                    yield _one(extractor, item, published, str(file))


def _one(
    extractor: Extractor, article: Article, published: datetime | None, source: str
) -> Outcome:
    name = article.name or source
    try:
        return Outcome(name, extractor.extract(article, published), article)
    except Exception as exc:
        return Outcome(
            name, article=article, error=f"extraction failed: {type(exc).__name__}: {exc}"
        )
