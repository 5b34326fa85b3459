"""How fast the news pipeline reads articles: articles per second on one core.

One run, on this machine:

1. reads every article file of the corpus (``data/news/articles``) once, up front, with
   ``read_all``, so disk I/O and parsing the files are not measured;
2. pins the process to one core (``os.sched_setaffinity``, where the OS has it) and sets the
   BLAS/OpenMP/torch thread variables to 1 (the pipeline loads none of them today; the run
   says so, and warns if one was loaded before the variables were set);
3. the warm-up, timed apart: ``Extractor.offline()`` (the party book from the built-in
   scenario), then the first article, which loads the gazetteer (from the user cache when it
   is there), then the same article again;
4. the measured run: ``--articles`` articles (default 1,000) through ``Extractor.extract``,
   cycling through the corpus, each timed on its own: the rate, mean, p50/p95/p99 and max;
5. the stage breakdown: the same articles again through ``Extractor.extract``, whose ``lap``
   hook marks the end of each stage (segment, people, statements, places, parties, events).
   The run fails (exit 1) unless every article gives the same extraction both times;
6. peak RSS (``getrusage``) after reading the corpus, after the warm-up and at the end.

Articles keep their own publication date, as ``truce news extract`` reads them.

Usage: .venv/bin/python bench/news.py [--articles N] [--corpus DIR] [--cold-gazetteer]
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from rich.progress import Progress
from rich.table import Table
from shared import CpuWatch, console, load_average, machine, progress_bar

from truce.news.article import Article, ArticleError, read_all
from truce.news.extract import STAGES, Extractor, articles_in
from truce.news.model import Extraction

AIM_RATE = 300.0  # articles per second, one core (issue 12)
AIM_LARGE_SECONDS = 60.0  # for a 10 MB article, scaled to the size asked for
CORPUS = Path(__file__).resolve().parents[1] / "data" / "news" / "articles"
LIBRARIES = ("truce",)
THREAD_VARIABLES = (
    "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "BLIS_NUM_THREADS",
    "VECLIB_MAXIMUM_THREADS", "NUMEXPR_NUM_THREADS", "TORCH_NUM_THREADS",
)  # fmt: skip
THREADED_LIBRARIES = ("numpy", "scipy", "torch", "spacy", "transformers")
REFRESH_EVERY = 50  # articles between progress bar redraws, outside the timed work

T = TypeVar("T")


class BenchFailure(RuntimeError):
    """A run that did not do what it should: an article failed, or the stages disagree."""


# --- the machine -------------------------------------------------------------------------------


def one_thread_each() -> str:
    """Ask every numeric library that might be loaded later for one thread; say what is loaded."""
    early = [name for name in THREADED_LIBRARIES if name in sys.modules]
    for name in THREAD_VARIABLES:
        os.environ[name] = "1"
    if early:
        return f"[yellow]{', '.join(early)} loaded before the thread variables were set"
    return "thread variables (OMP, OpenBLAS, MKL, torch, …) set to 1"


def pin_to_one_core() -> str:
    """Pin this process to one core it may use; a line that says which, or why not."""
    if not hasattr(os, "sched_setaffinity"):
        return "[yellow]not pinned: os.sched_setaffinity is not available on this OS"
    allowed = sorted(os.sched_getaffinity(0))
    core = allowed[-1]
    os.sched_setaffinity(0, {core})
    return f"pinned to CPU {core} (os.sched_setaffinity; {len(allowed)} were allowed)"


def peak_rss_mb() -> float:
    """The process's peak resident set so far, in MB (Linux reports KiB, macOS bytes)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 1e6 if sys.platform == "darwin" else peak * 1024 / 1e6


def cache_files() -> dict[str, float]:
    """The gazetteer's cached indexes (see truce.news.gazetteer) and their modification times."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    folder = Path(base) / "truce"
    return {p.name: p.stat().st_mtime for p in folder.glob("gazetteer-*.json")}


@contextmanager
def cold_cache(wanted: bool) -> Iterator[None]:
    """With ``wanted``, an empty cache folder for the run, so the gazetteer is built afresh."""
    if not wanted:
        yield
        return
    before = os.environ.get("XDG_CACHE_HOME")
    with tempfile.TemporaryDirectory(prefix="truce-bench-cache-") as folder:
        os.environ["XDG_CACHE_HOME"] = folder
        try:
            yield
        finally:
            if before is None:
                del os.environ["XDG_CACHE_HOME"]
            else:
                os.environ["XDG_CACHE_HOME"] = before


# --- the corpus --------------------------------------------------------------------------------


def read_corpus(folder: Path) -> list[Article]:
    """Every article in ``folder``, read once; a file that cannot be read stops the run."""
    articles: list[Article] = []
    for path in articles_in(folder):
        for item in read_all(path):
            if isinstance(item, ArticleError):
                raise BenchFailure(f"{path}: {item}")
            articles.append(item)
    if not articles:
        raise BenchFailure(f"no article in {folder}")
    return articles


# --- timing ------------------------------------------------------------------------------------


@dataclass
class Timings:
    """Seconds per article, in the order the articles were read."""

    seconds: list[float] = field(default_factory=list)

    @property
    def total(self) -> float:
        return sum(self.seconds)

    @property
    def rate(self) -> float:
        return len(self.seconds) / self.total

    def ms(self, p: float | None = None) -> float:
        """The mean in milliseconds, or the ``p``-th percentile (as numpy's default computes)."""
        if p is None:
            return 1000 * statistics.fmean(self.seconds)
        if len(self.seconds) == 1:
            return 1000 * self.seconds[0]
        cuts = statistics.quantiles(self.seconds, n=100, method="inclusive")
        return 1000 * cuts[round(p) - 1]


def timed(work: Callable[[], T]) -> tuple[T, float]:
    started = time.perf_counter()
    result = work()
    return result, time.perf_counter() - started


def quiet(progress: Progress) -> Progress:
    """No redraws from rich's own thread: on one core it would steal time from the articles.
    The loops redraw the bar themselves, between articles, every ``REFRESH_EVERY``."""
    progress.live.auto_refresh = False
    return progress


def redraw(progress: Progress, task: Any, done: int) -> None:
    progress.advance(task, 1)
    if done % REFRESH_EVERY == 0:
        progress.refresh()


# --- the measured run --------------------------------------------------------------------------


def measure_extract(
    extractor: Extractor, corpus: list[Article], count: int
) -> tuple[Timings, dict[int, Extraction], float | None]:
    """``count`` articles through ``Extractor.extract``: each one's time, the extraction of each
    corpus article (for the stage check), and how many cores other processes kept busy."""
    timings = Timings()
    extractions: dict[int, Extraction] = {}
    with quiet(progress_bar()) as progress:
        task = progress.add_task("Extractor.extract", total=count)
        watch = CpuWatch()
        for number in range(count):
            index = number % len(corpus)
            article = corpus[index]
            started = time.perf_counter()
            extraction = extractor.extract(article)
            seconds = time.perf_counter() - started
            timings.seconds.append(seconds)
            extractions.setdefault(index, extraction)
            redraw(progress, task, number + 1)
        others = watch.other_cores()
        progress.refresh()
    return timings, extractions, others


def extract_by_stage(extractor: Extractor, article: Article, spent: dict[str, float]) -> Extraction:
    """``Extractor.extract``, adding each stage's seconds to ``spent`` (its ``lap`` hook)."""
    clock = time.perf_counter
    last = clock()

    def lap(stage: str) -> None:
        nonlocal last
        now = clock()
        spent[stage] += now - last
        last = now

    return extractor.extract(article, lap=lap)


def measure_stages(
    extractor: Extractor, corpus: list[Article], count: int, expected: dict[int, Extraction]
) -> tuple[dict[str, float], float]:
    """Seconds per stage over ``count`` articles, and the whole; raise unless every article's
    extraction is the one ``Extractor.extract`` gave."""
    spent = dict.fromkeys(STAGES, 0.0)
    whole = 0.0
    with quiet(progress_bar()) as progress:
        task = progress.add_task("stage by stage", total=count)
        for number in range(count):
            index = number % len(corpus)
            started = time.perf_counter()
            extraction = extract_by_stage(extractor, corpus[index], spent)
            seconds = time.perf_counter() - started
            whole += seconds
            if extraction != expected[index]:
                raise BenchFailure(
                    f"{corpus[index].name}: a second extraction differed from the first;"
                    " the pipeline is not deterministic"
                )
            redraw(progress, task, number + 1)
        progress.refresh()
    return spent, whole


# --- reporting ---------------------------------------------------------------------------------


@dataclass
class WarmUp:
    book: float
    first: float
    again: float
    gazetteer: str


def warm_up(corpus: list[Article], cold: bool) -> tuple[Extractor, WarmUp]:
    """The party book, the first article (which loads the gazetteer), the same one again."""
    before = cache_files()
    extractor, book = timed(Extractor.offline)
    _, first = timed(lambda: extractor.extract(corpus[0]))
    _, again = timed(lambda: extractor.extract(corpus[0]))
    after = cache_files()
    if after != before:
        where = "a throw-away cache folder (--cold-gazetteer)" if cold else "the user cache"
        source = f"built, and written to {where}"
    elif after:
        source = "loaded from the user cache"
    else:
        source = "built (no writable cache folder)"
    return extractor, WarmUp(book, first, again, source)


def run_table(timings: Timings, corpus: int, others: float | None) -> Table:
    table = Table(title="News extraction: Extractor.extract, one core")
    for name in ("measure", "articles", "articles/s", "mean ms", "p50", "p95", "p99", "max"):
        table.add_column(name, justify="left" if name == "measure" else "right")

    def row(label: str, part: Timings) -> None:
        table.add_row(
            label, f"{len(part.seconds):,}", f"{part.rate:,.1f}", f"{part.ms():.2f}",
            *(f"{part.ms(p):.2f}" for p in (50, 95, 99)), f"{1000 * max(part.seconds):.2f}",
        )  # fmt: skip

    row("[bold]all", timings)
    if len(timings.seconds) > corpus:
        row("  first pass over the corpus", Timings(timings.seconds[:corpus]))
        row("  later passes", Timings(timings.seconds[corpus:]))
    table.caption = (
        "Rates and times count Extractor.extract only (not the progress bar). others: cores"
        f" that other processes kept busy: {'?' if others is None else f'{others:.2f}'}."
    )
    return table


def stage_table(spent: dict[str, float], whole: float, count: int) -> Table:
    table = Table(title=f"Stage by stage, the same {count:,} articles", min_width=60)
    for name in ("stage", "ms / article", "share"):
        table.add_column(name, justify="left" if name == "stage" else "right")
    for stage in STAGES:
        table.add_row(stage, f"{1000 * spent[stage] / count:.3f}", f"{spent[stage] / whole:.1%}")
    table.add_row("[bold]all", f"{1000 * whole / count:.3f}", "100.0%")
    table.caption = (
        "places: find_places + listed; parties: PartyBook.find + unique; assemble: building"
        " the Extraction (including the article's SHA-256 digest)."
    )
    return table


# --- main --------------------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument(
        "--articles",
        type=int,
        default=1_000,
        help="articles extracted, cycling through the corpus (default 1000)",
    )
    parser.add_argument(
        "--corpus",
        type=Path,
        default=CORPUS,
        help="a folder of articles (.txt, .html, .json, .jsonl) (default data/news/articles)",
    )
    parser.add_argument(
        "--cold-gazetteer",
        action="store_true",
        help="use an empty cache folder, so the first article builds the gazetteer's index",
    )
    parser.add_argument(
        "--large-mb",
        type=float,
        default=0,
        help="also time one article of this many MB, the corpus's articles joined (e.g. 10)",
    )
    args = parser.parse_args(argv)
    if not 0 <= args.large_mb <= 12:
        parser.error("--large-mb must be between 0 and 12 (the reader refuses larger files)")
    if args.articles < 1:
        parser.error("--articles must be positive")
    if not args.corpus.is_dir():
        parser.error(f"--corpus {args.corpus}: not a folder")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    threads = one_thread_each()
    pinned = pin_to_one_core()
    console.print(f"[bold]News extraction benchmark[/] — {machine(LIBRARIES)}")
    console.print(f"One core: {pinned}; {threads}.")

    corpus, reading = timed(lambda: read_corpus(args.corpus))
    characters = sum(len(a.text) for a in corpus)
    rss_corpus = peak_rss_mb()
    console.print(
        f"Corpus: {len(corpus)} articles from {args.corpus} ({characters:,} characters, mean"
        f" {characters / len(corpus):,.0f}), read once in {1000 * reading:.0f} ms, not counted."
    )
    try:
        with cold_cache(args.cold_gazetteer):
            extractor, warm = warm_up(corpus, args.cold_gazetteer)
        rss_warm = peak_rss_mb()
        console.print(
            f"Warm-up: party book (Extractor.offline) {1000 * warm.book:.1f} ms; first article"
            f" {1000 * warm.first:.0f} ms, gazetteer {warm.gazetteer}; the same article again"
            f" {1000 * warm.again:.1f} ms, so loading cost about"
            f" {1000 * (warm.first - warm.again):.0f} ms."
        )
        timings, extractions, others = measure_extract(extractor, corpus, args.articles)
        spent, whole = measure_stages(extractor, corpus, args.articles, extractions)
    except BenchFailure as exc:
        console.print(f"[red]FAILED: {exc}")
        return 1

    console.print(run_table(timings, len(corpus), others))
    console.print(stage_table(spent, whole, args.articles))
    console.print(
        f"The stage-by-stage pass took {whole / timings.total:.2f}× the time of the measured"
        f" run; all {len(corpus)} corpus articles gave the same extraction both times."
    )
    console.print(
        f"Peak RSS: {rss_corpus:.0f} MB after reading the corpus, {rss_warm:.0f} MB after the"
        f" warm-up, {peak_rss_mb():.0f} MB at the end."
    )
    loaded = [name for name in THREADED_LIBRARIES if name in sys.modules]
    console.print(
        "Numeric libraries loaded: "
        + (", ".join(loaded) if loaded else "none (the pipeline is plain Python and re)")
    )
    met = timings.rate >= AIM_RATE
    console.print(
        f"{'[green]met' if met else '[red]NOT met'}[/]: {timings.rate:,.1f} articles/s on one"
        f" core; aim ≥ {AIM_RATE:g}/s"
    )
    if args.large_mb:
        console.print(large_article(extractor, corpus, args.large_mb))
    console.print(f"load average at the end: {load_average()}")
    return 0


def large_article(extractor: Extractor, corpus: list[Article], megabytes: float) -> str:
    """One long article (the corpus's bodies joined until it is big enough), timed whole: the
    pipeline must stay linear in the article's length."""
    bodies = [a.body for a in corpus]
    wanted, parts, size = int(megabytes * 1024 * 1024), [], 0
    while size < wanted:
        body = bodies[len(parts) % len(bodies)]
        parts.append(body)
        size += len(body.encode("utf-8")) + 2
    first = corpus[0]
    article = Article("Long article\n\n" + "\n\n".join(parts), "Long article", 14,
                      published=first.published, name="long")  # fmt: skip
    before = peak_rss_mb()
    cpu = time.process_time()
    extraction, seconds = timed(lambda: extractor.extract(article))
    cpu = time.process_time() - cpu
    aim = AIM_LARGE_SECONDS * megabytes / 10
    verdict = "[green]met[/]" if seconds < aim else "[red]NOT met[/]"
    return (
        f"One {size / 1024 / 1024:.1f} MB article ({len(parts):,} bodies joined):"
        f" {seconds:.1f} s ({cpu:.1f} s of CPU), {size / 1024 / seconds:,.0f} KB/s;"
        f" {len(extraction.statements):,} statements, {len(extraction.events):,} events; peak RSS"
        f" {before:.0f} → {peak_rss_mb():.0f} MB. {verdict}: aim < {aim:g} s."
    )


if __name__ == "__main__":
    sys.exit(main())
