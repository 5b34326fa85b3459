"""The "two ledgers" chart, drawn on the server (kept with the reports' charts in
:mod:`truce.sitreps.charts`, where the reports draw it too)."""

from __future__ import annotations

from truce.sitreps.charts import SVG, ChartWords, chart_spec, counts_svg

__all__ = ["SVG", "ChartWords", "chart_spec", "counts_svg"]
