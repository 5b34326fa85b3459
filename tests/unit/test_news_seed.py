"""Acceptance on the seed article (data/news/articles/seed.txt), published 2016-02-23 09:00 UTC."""

from datetime import date, datetime
from pathlib import Path

import pytest

from truce.news.article import Article, read_file
from truce.news.extract import Extractor
from truce.news.model import Extraction, Statement

SEED = Path(__file__).resolve().parents[2] / "data" / "news" / "articles" / "seed.txt"
PUBLISHED = datetime.fromisoformat("2016-02-23T09:00:00+00:00")

PUTIN_ON_THE_AGREEMENTS = (
    "The Russian-American agreements on a ceasefire in Syria, and their joint implementation in "
    "coordination with all participant countries of the International Syria Support Group [ISSG] "
    "can serve as an example of responsible policy, based on international law and UN principles, "
    "actions of the international community against the threat of terrorism"
)
PESKOV = (
    "The main objective now that the Russian and US sides set in their joint statement is to end "
    "unnecessary bloodshed in Syria and continue the war on terror, thus facilitating the "
    "political settlement in this country"
)
EARNEST_HOPEFUL = (
    "This is a moment of opportunity and we are hopeful that all the parties will capitalize on it"
)
EARNEST_CAUTIOUS = "this is going to be difficult to implement"

# The quotations (words between quotation marks) of each speaker, in the order of the text.
QUOTED = {
    "Vladimir Putin": [
        ("real step that can stop the bloodshed", "mixed", "Sputnik"),
        (PUTIN_ON_THE_AGREEMENTS, "direct", None),
    ],
    "Dmitry Peskov": [(PESKOV, "direct", None)],
    "Josh Earnest": [
        (EARNEST_HOPEFUL, "direct", None),
        (EARNEST_CAUTIOUS, "mixed", None),
    ],
}


@pytest.fixture(scope="module")
def seed() -> tuple[Article, Extraction]:
    [article] = read_file(SEED)
    return article, Extractor.offline().extract(article, PUBLISHED)


def quoted(extraction: Extraction) -> list[Statement]:
    return [s for s in extraction.statements if s.kind in ("direct", "mixed")]


def test_the_file_is_the_one_described() -> None:
    raw = SEED.read_bytes()
    assert len(raw) == 2099 and raw.endswith(b"Source: NNA")  # no final newline


def test_each_speakers_quotations_exactly(seed) -> None:
    _, extraction = seed
    found: dict[str, list[tuple[str, str, str | None]]] = {}
    for st in quoted(extraction):
        found.setdefault(st.speaker, []).append((st.quote, st.kind, st.reported_by))
    assert found == QUOTED


def test_putins_first_quote_is_taken_from_the_body_not_the_cut_off_title(seed) -> None:
    article, extraction = seed
    first = quoted(extraction)[0]
    assert first.quote_span.start > article.body_start
    assert (first.role, first.affiliation, first.reported_by) == ("President", "Russian", "Sputnik")
    # The words quoted again in "According to Russian President Vladimir Putin ..." count once.
    repeated = [s for s in extraction.statements if s.quote == first.quote]
    assert repeated == [first]


def test_the_statements_match_the_labels_including_reported_speech(seed) -> None:
    # data/news/labels.json also labels the seed's indirect statements ("Putin stressed that
    # ...", "He said that ...", "Earnest confirmed that ..."): eight statements in all.
    _, extraction = seed
    assert [(s.speaker, s.kind, s.cue) for s in extraction.statements] == [
        ("Vladimir Putin", "mixed", "said"),
        ("Vladimir Putin", "indirect", "stressed"),
        ("Vladimir Putin", "direct", "said"),
        ("Vladimir Putin", "indirect", "said"),
        ("Dmitry Peskov", "direct", "said"),
        ("Josh Earnest", "indirect", "confirmed"),
        ("Josh Earnest", "direct", "said"),
        ("Josh Earnest", "mixed", "cautioned"),
    ]


def test_places(seed) -> None:
    _, extraction = seed
    places = {p.name: (p.country, round(p.lat, 3), round(p.lon, 3)) for p in extraction.places}
    assert places == {
        "Syria": ("SY", 35.0, 38.0),
        "Moscow": ("RU", 55.752, 37.618),
        "Washington": ("US", 38.895, -77.036),
    }


def test_parties(seed) -> None:
    _, extraction = seed
    names = [p.name for p in extraction.parties]
    assert len(names) == len(set(names))  # each once
    assert {
        "Syrian government",
        "Syrian opposition groups",
        "International Syria Support Group",
        "United States",
        "Russia",
    } <= set(names)
    assert "Sputnik" not in names  # an outlet is not a party


def test_one_agreement_event(seed) -> None:
    article, extraction = seed
    [event] = extraction.events
    assert (event.type, event.sub_type) == ("Strategic developments", "Agreement")
    assert event.date == date(2016, 2, 22)  # "On Monday", the Monday before publication
    assert {"United States", "Russia"} <= set(event.actors)
    assert (event.place.name, event.place.country, event.place.lat, event.place.lon) == (
        "Syria",
        "SY",
        35.0,
        38.0,
    )
    assert event.date_span is not None and event.date_span.of(article.text) == "On Monday"
    assert event.trigger in event.span.of(article.text)
    assert event.span.of(article.text).startswith("On Monday, the Kremlin released details")


def test_source_line(seed) -> None:
    article, extraction = seed
    assert article.source_line == extraction.source_line == "NNA"
    assert extraction.published == PUBLISHED


def test_every_offset_points_to_what_it_claims(seed) -> None:
    article, extraction = seed
    text = article.text
    for st in extraction.statements:
        assert st.quote_span.of(text) == st.quote
        assert st.cue_span is not None and st.cue_span.of(text) == st.cue
        assert st.speaker_span is not None
        said_by = st.speaker_span.of(text)  # the name, with any title before it, or "He"
        surname = st.speaker.split()[-1]
        assert said_by == "He" or said_by.endswith((st.speaker, surname)), said_by
    for place in extraction.places:
        assert place.span.of(text) == place.name
    spelled = {
        "Russia": {"Russia", "Russian", "Kremlin", "Moscow"},
        "United States": {"US", "United States", "White House", "Washington"},
        "United Nations": {"UN"},
    }
    for party in extraction.parties:
        assert party.span.of(text) in spelled.get(party.name, {party.name})
    for person in extraction.people:
        assert person.span.of(text) == person.name
    for event in extraction.events:
        assert event.trigger in event.span.of(text)
        assert event.date_span is None or event.span.contains(event.date_span)
        assert event.place is None or event.place.span.of(text) in ("", event.place.name)


def test_reading_twice_gives_the_same_extraction(seed) -> None:
    article, extraction = seed
    again = Extractor.offline().extract(read_file(SEED)[0], PUBLISHED)
    assert again == extraction and again.digest == article.digest
