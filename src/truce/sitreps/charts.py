"""Charts drawn on the server: Vega-Lite specifications built with Altair and rendered to SVG
by vl-convert, so pages and PDFs load no script and nothing from elsewhere. The same SVG goes
into the page and the PDF; equal data give equal bytes (vl-convert draws deterministically).

The "two ledgers" chart (each source's daily count of reports beside the daily count of
incidents) lives here, beside the daily bulletin's bars, so every report kind can use it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import altair as alt
import vl_convert

from truce.domain.counts import Counts

SVG = "image/svg+xml"
# d3's number and time formats for each language of the interface (names vl-convert knows).
D3Locale = Literal["en-US", "ar-SY", "ru-RU"]
_D3_LOCALES: dict[str, D3Locale] = {"en": "en-US", "ar": "ar-SY", "ru": "ru-RU"}


def svg(spec: dict[str, Any], lang: str = "en") -> str:
    """A Vega-Lite specification drawn as an SVG document, its numbers and dates written as
    in ``lang``."""
    locale = _D3_LOCALES.get(lang, "en-US")
    drawn: str = vl_convert.vegalite_to_svg(spec, format_locale=locale, time_format_locale=locale)
    return drawn


@dataclass(frozen=True)
class ChartWords:
    """The chart's words, in the reader's language."""

    title: str = "Counts as each source counts them, and the incidents they make"
    day: str = "Day"
    count: str = "Events a day"
    series: str = "Counted by"
    merged: str = "Merged: incidents"
    empty: str = "No reports under these filters."


def chart_spec(counts: Counts, words: ChartWords = ChartWords()) -> dict[str, Any]:
    """The Vega-Lite specification: one line per source, and the merged line dashed. Each
    series is named with its total, so that the chart carries its figures as text."""
    daily = [(day.isoformat(), by_source, merged) for day, by_source, merged in counts.daily()]
    return ledger_lines_spec(counts.sources, daily, words)


def ledger_lines_spec(
    sources: Sequence[str],
    daily: Sequence[tuple[str, Mapping[str, int], int]],
    words: ChartWords = ChartWords(),
    *,
    label_limit: int = 400,
) -> dict[str, Any]:
    """One line per source over the days (ISO date, each source's count, the merged count),
    and the merged line dashed; each series named with its total. The legend's names are cut
    at ``label_limit`` pixels, so that two columns of them fit under the chart."""
    totals = {source: sum(by_source.get(source, 0) for _, by_source, _ in daily)
              for source in sources}  # fmt: skip
    merged_total = sum(merged for *_, merged in daily)
    merged_name = f"{words.merged} ({merged_total:,})"
    names = {source: f"{source} ({totals.get(source, 0):,})" for source in sources}
    values: list[dict[str, Any]] = []
    for day, by_source, merged in daily:
        for source in sources:
            values.append({"day": day, "series": names[source],
                           "count": by_source.get(source, 0), "merged": False})  # fmt: skip
        values.append({"day": day, "series": merged_name, "count": merged,
                       "merged": True})  # fmt: skip
    order = [*names.values(), merged_name]
    description = "; ".join(order) if values else words.empty
    chart = (
        alt.Chart(
            alt.Data(values=values),  # type: ignore[no-untyped-call]
            title=words.title,
            description=description,
        )
        .mark_line(point=True)
        .encode(
            x=alt.X("day:T", title=words.day, axis=alt.Axis(format="%d %b", labelOverlap=True)),
            y=alt.Y("count:Q", title=words.count),
            color=alt.Color(
                "series:N",
                title=words.series,
                sort=order,
                legend=alt.Legend(orient="bottom", columns=2, labelLimit=label_limit),
            ),
            strokeDash=alt.StrokeDash("merged:N", legend=None),
            tooltip=["day:T", "series:N", "count:Q"],
        )
        .properties(width=640, height=260)
    )
    spec: dict[str, Any] = chart.to_dict()
    return spec


def ledger_bars_spec(
    sources: Sequence[str],
    items: Sequence[tuple[str, Mapping[str, int], int]],
    words: ChartWords,
) -> dict[str, Any]:
    """Grouped horizontal bars: for each category (label, each source's count, the merged
    count), one bar per source and one for the merged view, in the order given. The
    description carries each series' total, as the lines' legend does."""
    merged_name = words.merged
    order = [*sources, merged_name]
    values: list[dict[str, Any]] = []
    for label, by_source, merged in items:
        for source in sources:
            values.append({"label": label, "series": source, "count": by_source.get(source, 0)})
        values.append({"label": label, "series": merged_name, "count": merged})
    totals = [
        f"{source} ({sum(v['count'] for v in values if v['series'] == source):,})"
        for source in order
    ]
    chart = (
        alt.Chart(
            alt.Data(values=values),  # type: ignore[no-untyped-call]
            title=words.title,
            description="; ".join(totals) if values else words.empty,
        )
        .mark_bar()
        .encode(
            y=alt.Y("label:N", title=words.day, sort=[label for label, _, _ in items],
                    axis=alt.Axis(labelLimit=220)),
            yOffset=alt.YOffset("series:N", sort=order),
            x=alt.X("count:Q", title=words.count, axis=alt.Axis(tickMinStep=1, format="d")),
            color=alt.Color("series:N", title=words.series, sort=order,
                            legend=alt.Legend(orient="bottom", columns=2, labelLimit=280)),
            tooltip=["label:N", "series:N", "count:Q"],
        )
        .properties(width=520, height=alt.Step(6))
    )  # fmt: skip
    spec: dict[str, Any] = chart.to_dict()
    return spec


def counts_svg(counts: Counts, words: ChartWords = ChartWords(), lang: str = "en") -> str:
    """The two-ledgers chart as an SVG document."""
    return svg(chart_spec(counts, words), lang)


@dataclass(frozen=True)
class BarWords:
    """A bar chart's words, in the reader's language."""

    title: str
    x: str
    y: str
    empty: str = ""


def daily_bars_spec(
    days: Sequence[tuple[str, int]], words: BarWords, *, highlight: str | None = None
) -> dict[str, Any]:
    """One bar per day (ISO date, count), the ``highlight`` day drawn darker; the total in the
    description so the chart carries its figure as text."""
    values = [{"day": day, "count": count, "this": day == highlight} for day, count in days]
    total = sum(count for _, count in days)
    chart = (
        alt.Chart(
            alt.Data(values=values),  # type: ignore[no-untyped-call]
            title=words.title,
            description=f"{words.title}: {total}" if values else words.empty,
        )
        .mark_bar()
        .encode(
            x=alt.X(
                "day:O",
                title=words.x,
                timeUnit="utcyearmonthdate",
                axis=alt.Axis(format="%d %b", labelAngle=-45),
            ),
            y=alt.Y("count:Q", title=words.y),
            color=alt.Color(
                "this:N",
                legend=None,
                scale=alt.Scale(domain=[False, True], range=["#9db4cc", "#1f4e79"]),
            ),
        )
        .properties(width=640, height=200)
    )
    spec: dict[str, Any] = chart.to_dict()
    return spec


def category_bars_spec(items: Sequence[tuple[str, int]], words: BarWords) -> dict[str, Any]:
    """One bar per named category (label, count), in the order given: the task force pack's
    open allegations by age. The total goes into the description, as for the daily bars."""
    values = [
        {"label": label, "count": count, "order": n} for n, (label, count) in enumerate(items)
    ]
    total = sum(count for _, count in items)
    chart = (
        alt.Chart(
            alt.Data(values=values),  # type: ignore[no-untyped-call]
            title=words.title,
            description=f"{words.title}: {total}" if values else words.empty,
        )
        .mark_bar(color="#1f4e79")
        .encode(
            x=alt.X(
                "label:N",
                title=words.x,
                sort=[label for label, _ in items],
                axis=alt.Axis(labelAngle=0),
            ),
            y=alt.Y("count:Q", title=words.y, axis=alt.Axis(tickMinStep=1, format="d")),
        )
        .properties(width=480, height=180)
    )
    spec: dict[str, Any] = chart.to_dict()
    return spec
