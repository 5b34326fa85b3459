"""Malformed input never crashes a batch: each bad file or feed line is reported, the rest read."""

import json
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner

from truce.cli import app
from truce.news.article import MAX_BYTES, Article
from truce.news.extract import Extractor, Outcome, run

runner = CliRunner()

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00"
    b"\x00\x00IEND\xaeB`\x82"
)
PARAGRAPH = (
    "Syrian government forces shelled the rebel-held town of Kafr Zita in northern Hama province "
    "on Sunday, killing two civilians, the rebel group Jaysh al-Nasr said, calling it a violation "
    "of the two-day-old cessation of hostilities. \"The regime's artillery hit houses in Kafr Zita "
    'at dawn," a spokesman told Orontes Press.\n\n'
)
HEADER = "Shelling in Hama\nPublished: 2016-02-29T18:30:00+02:00\n\n"


def large_article(size: int) -> str:
    """A realistic article of about ``size`` bytes: one wire paragraph, repeated."""
    return HEADER + PARAGRAPH * (size // len(PARAGRAPH.encode("utf-8")))


@dataclass(frozen=True)
class Bad:
    file: str
    problem: str  # words the error must hold


# The good articles, by the name their outcome carries.
GOOD = {
    "unterminated.txt": "Commander vows to hold Darayya",
    "mixed.txt": "Aleppo under fire",
    "large.txt": "Shelling in Hama",
    "feed.jsonl:1": "Rockets hit Morek",
    "feed.jsonl:3": "Air strikes on Maarat al-Numan",
    "page.html": "Clashes near Jisr al-Shughur",
}
BAD = [
    Bad("picture.txt", "binary"),
    Bad("empty.txt", "empty"),
    Bad("blank.txt", "no text"),
    Bad("huge.txt", f"articles over {MAX_BYTES:,} are refused"),
    Bad("nobody.html", "no readable paragraphs"),
    Bad("latin1.txt", "not UTF-8"),
    Bad("broken.json", "not JSON"),
]
FEED_ERRORS = [
    "line 2: ",
    "line 4: a feed item must be a JSON object",
    "line 5: the item has no body",
]


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("news")
    (root / "picture.txt").write_bytes(PNG)
    (root / "empty.txt").write_bytes(b"")
    (root / "blank.txt").write_text("  \n\n\t\n", encoding="utf-8")
    (root / "unterminated.txt").write_text(
        "Commander vows to hold Darayya\nPublished: 2016-02-29T12:00:00+02:00\n\n"
        'Abu Jamal, a commander in Ajnad al-Sham, told reporters: "We will not leave Darayya, '
        "whatever the regime does\n\n"
        "Government forces shelled Darayya on Sunday, killing four civilians.",
        encoding="utf-8",
    )
    (root / "large.txt").write_text(large_article(150_000), encoding="utf-8")
    with (root / "huge.txt").open("w", encoding="utf-8") as huge:
        huge.write(HEADER)
        while huge.tell() <= MAX_BYTES:
            huge.write(PARAGRAPH * 1000)
    (root / "mixed.txt").write_text(
        "Aleppo under fire\nPublished: 2016-02-29T12:00:00+02:00\n\n"
        "Rockets hit the Sheikh Maqsoud district of Aleppo on Sunday, killing three people.\n\n"
        "وقصفت قوات النظام مدينة حلب يوم الأحد، ما أدى إلى مقتل 3 مدنيين.\n\n"
        "В воскресенье неизвестные обстреляли из миномётов Алеппо, погибли 3 человека.",
        encoding="utf-8",
    )
    feed = [
        {
            "title": "Rockets hit Morek",
            "body": "Rockets hit the town of Morek in Hama province on Sunday, causing no "
            "casualties.",
            "published": "2016-02-29T10:00:00Z",
        },
        "{not json at all",
        {
            "title": "Air strikes on Maarat al-Numan",
            "body": "Air strikes hit a market in Maarat al-Numan on Sunday, killing at least 37 "
            "people.",
            "published": "2016-02-29T10:00:00Z",
        },
        ["a", "list"],
        {"title": "No body"},
    ]
    lines = [item if isinstance(item, str) else json.dumps(item) for item in feed]
    (root / "feed.jsonl").write_text("\n".join(lines) + "\n\n", encoding="utf-8")
    (root / "page.html").write_text(
        "<html><head><title>Clashes near Jisr al-Shughur</title></head><body>"
        "<p>Clashes broke out near Jisr al-Shughur on Sunday, killing five fighters."
        "</body></html>",
        encoding="utf-8",
    )
    (root / "nobody.html").write_text(
        "<!DOCTYPE html><html><head><script>var x = 1;</script></head></html>", encoding="utf-8"
    )
    (root / "latin1.txt").write_bytes("Homs café\n\nShelling hit Homs on Sunday.".encode("latin-1"))
    (root / "broken.json").write_text('{"title": "T", "body": ', encoding="utf-8")
    (root / "notes.md").write_text("not an article suffix, so not read", encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def outcomes(folder: Path) -> list[Outcome]:
    return list(run(Extractor.offline(), [folder]))


def by_name(outcomes: list[Outcome]) -> dict[str, Outcome]:
    return {Path(o.source).name: o for o in outcomes if o.extraction is not None}


def errors_of(outcomes: list[Outcome], file: str) -> list[str]:
    return [o.error for o in outcomes if o.error and Path(o.source).name == file]


def test_the_batch_finishes_with_an_outcome_for_every_article_and_every_bad_input(
    outcomes: list[Outcome],
) -> None:
    good = [o for o in outcomes if o.extraction is not None]
    bad = [o for o in outcomes if o.error is not None]
    assert len(good) == len(GOOD) and len(bad) == len(BAD) + len(FEED_ERRORS)
    assert len(outcomes) == len(good) + len(bad)  # none without either
    assert not any(o.source.endswith("notes.md") for o in outcomes)


def test_every_good_article_is_extracted(outcomes: list[Outcome]) -> None:
    found = by_name(outcomes)
    assert {name: o.extraction.title for name, o in found.items()} == GOOD
    for outcome in found.values():
        assert outcome.error is None and outcome.article is not None
        text = outcome.article.text
        for st in outcome.extraction.statements:
            assert st.quote_span.of(text) == st.quote
        for place in outcome.extraction.places:
            assert place.span.of(text) == place.name


@pytest.mark.parametrize("bad", BAD, ids=[b.file for b in BAD])
def test_every_bad_file_is_named_with_its_problem(outcomes: list[Outcome], bad: Bad) -> None:
    [error] = errors_of(outcomes, bad.file)
    assert bad.problem in error


def test_a_bad_feed_line_is_named_by_file_and_line(outcomes: list[Outcome]) -> None:
    errors = errors_of(outcomes, "feed.jsonl")
    assert len(errors) == len(FEED_ERRORS)
    for error, expected in zip(errors, FEED_ERRORS, strict=True):
        assert error.startswith(expected)


def test_an_unterminated_quotation_stays_in_its_paragraph(outcomes: list[Outcome]) -> None:
    extraction = by_name(outcomes)["unterminated.txt"].extraction
    [st] = extraction.statements
    assert (st.speaker, st.kind) == ("Abu Jamal", "direct")
    assert st.quote == "We will not leave Darayya, whatever the regime does"
    [event] = extraction.events  # the next paragraph is not swallowed into the quotation
    assert (event.sub_type, event.place.name, event.fatalities) == (
        "Shelling/artillery/missile attack",
        "Darayya",
        4,
    )


def test_three_scripts_in_one_article(outcomes: list[Outcome]) -> None:
    outcome = by_name(outcomes)["mixed.txt"]
    text = outcome.article.text
    extraction = outcome.extraction
    assert [p.entry for p in extraction.places] == ["Aleppo"]
    # One shelling of Aleppo on Sunday, reported three times in three languages.
    [event] = extraction.events
    assert (event.sub_type, event.place.entry, event.date.isoformat(), event.fatalities) == (
        "Shelling/artillery/missile attack",
        "Aleppo",
        "2016-02-28",
        3,
    )
    assert event.trigger in event.span.of(text)


def test_a_large_article_is_extracted(outcomes: list[Outcome]) -> None:
    extraction = by_name(outcomes)["large.txt"].extraction
    assert len(extraction.events) == 1  # the same shelling, reported again and again
    assert {p.name for p in extraction.places} >= {"Kafr Zita", "Hama"}


def test_an_over_limit_file_is_refused_without_being_read(folder: Path) -> None:
    huge = folder / "huge.txt"
    assert huge.stat().st_size > MAX_BYTES
    started = time.perf_counter()
    [outcome] = run(Extractor.offline(), [huge])
    assert time.perf_counter() - started < 2.0
    assert outcome.source == str(huge) and outcome.extraction is None
    assert f"{huge.stat().st_size:,} bytes" in outcome.error


def test_missing_files_are_reported_and_the_rest_still_read(folder: Path, tmp_path: Path) -> None:
    missing = tmp_path / "gone.txt"
    results = list(run(Extractor.offline(), [missing, folder / "unterminated.txt"]))
    assert [o.source for o in results] == [str(missing), "unterminated.txt"]
    assert "No such file" in results[0].error and results[1].extraction is not None


def test_an_extractor_that_fails_on_one_article_does_not_stop_the_batch(folder: Path) -> None:
    class Fragile(Extractor):
        def extract(self, article: Article, published=None):
            if article.name == "feed.jsonl:3":
                raise RuntimeError("boom")
            return super().extract(article, published)

    results = list(run(Fragile(Extractor.offline().book), [folder / "feed.jsonl"]))
    failed = [o for o in results if o.source == "feed.jsonl:3"]
    assert [o.error for o in failed] == ["extraction failed: RuntimeError: boom"]
    assert failed[0].article is not None
    assert [o.source for o in results if o.extraction] == ["feed.jsonl:1"]


# -- the command line -----------------------------------------------------------------------------


def test_cli_reports_each_bad_file_and_prints_the_good_ones(folder: Path) -> None:
    result = runner.invoke(app, ["news", "extract", str(folder), "--json"])
    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    error_lines = result.stderr.splitlines()
    for bad in BAD:
        [line] = [line for line in error_lines if line.startswith(f"{folder / bad.file}: ")]
        assert bad.problem in line
    feed = [line for line in error_lines if line.startswith(f"{folder / 'feed.jsonl'}: ")]
    assert len(feed) == len(FEED_ERRORS)
    for line, expected in zip(feed, FEED_ERRORS, strict=True):
        assert line.split(": ", 1)[1].startswith(expected)
    assert len(error_lines) == len(BAD) + len(FEED_ERRORS)
    # --json: JSON Lines, one article per line.
    records = [json.loads(line) for line in result.stdout.splitlines() if line.strip()]
    assert {Path(r["name"]).name: r["title"] for r in records} == GOOD


def test_cli_tables_for_the_good_files(folder: Path) -> None:
    result = runner.invoke(app, ["news", "extract", str(folder)])
    assert result.exit_code == 1
    for title in GOOD.values():
        assert title in result.stdout
    assert "binary" in result.stderr and "line 2" in result.stderr


def test_cli_exits_0_when_every_file_is_good(folder: Path) -> None:
    result = runner.invoke(
        app, ["news", "extract", str(folder / "unterminated.txt"), str(folder / "mixed.txt")]
    )
    assert result.exit_code == 0, result.output
    assert result.stderr == ""


def test_cli_survives_square_brackets_in_article_text(tmp_path: Path) -> None:
    # Article text is not console markup: "[/update]" must neither crash the batch nor vanish.
    (tmp_path / "a.txt").write_text(
        'Aleppo talks [/update]\n\nRockets hit Morek on Sunday, "[sic] it is over," he said.\n',
        encoding="utf-8",
    )
    (tmp_path / "b.txt").write_text("Air strikes\n\nAir strikes hit Aleppo on Monday.\n")
    result = runner.invoke(app, ["news", "extract", str(tmp_path)])
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(
        result.exception
    )
    assert result.exit_code == 0
    assert "Aleppo talks [/update]" in result.stdout and "Air strikes" in result.stdout


# -- a ten-megabyte article -----------------------------------------------------------------------


def test_a_ten_megabyte_article_is_extracted_best_effort(tmp_path: Path) -> None:
    # Extraction is linear in the article's length (bench/news.py --large-mb 10 times it).
    big = tmp_path / "big.txt"
    big.write_text(large_article(10 * 1024 * 1024), encoding="utf-8")
    assert 10_000_000 < big.stat().st_size < MAX_BYTES
    [outcome] = run(Extractor.offline(), [big])
    assert outcome.error is None and outcome.extraction is not None
    assert len(outcome.extraction.events) == 1
