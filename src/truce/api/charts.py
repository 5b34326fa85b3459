"""The "two ledgers" chart: each source's daily count of reports beside the daily count of
incidents, drawn with Altair (Vega-Lite) and rendered to SVG on the server by vl-convert, so
that the page loads no script and nothing from elsewhere."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import altair as alt
import vl_convert

from truce.domain.counts import Counts

SVG = "image/svg+xml"


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
    totals, merged_total = counts.totals()
    merged_name = f"{words.merged} ({merged_total:,})"
    names = {source: f"{source} ({totals.get(source, 0):,})" for source in counts.sources}
    values: list[dict[str, Any]] = []
    for day, by_source, merged in counts.daily():
        for source in counts.sources:
            values.append({"day": day.isoformat(), "series": names[source],
                           "count": by_source.get(source, 0), "merged": False})  # fmt: skip
        values.append({"day": day.isoformat(), "series": merged_name, "count": merged,
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
                legend=alt.Legend(orient="bottom", columns=2, labelLimit=400),
            ),
            strokeDash=alt.StrokeDash("merged:N", legend=None),
            tooltip=["day:T", "series:N", "count:Q"],
        )
        .properties(width=640, height=260)
    )
    spec: dict[str, Any] = chart.to_dict()
    return spec


def counts_svg(counts: Counts, words: ChartWords = ChartWords()) -> str:
    """The chart as an SVG document."""
    svg: str = vl_convert.vegalite_to_svg(chart_spec(counts, words))
    return svg
