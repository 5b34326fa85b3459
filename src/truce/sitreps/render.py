"""Writing a report out: JSON, HTML through a Jinja environment of its own (the report
templates are no web pages: nothing of the request is in them), PDF through WeasyPrint."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime
from functools import lru_cache
from importlib.resources import files
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_datetime, format_skeleton
from babel.numbers import format_decimal
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from truce import i18n
from truce.domain.breaches import OUTCOME_WORDS, reason_from
from truce.domain.events import kind_name
from truce.domain.sitreps import Sitrep, canonical_json, report_digest
from truce.domain.territory import VERDICT_WORDS
from truce.sitreps import charts, maps
from truce.sitreps.provinces import province_name


def render_json(sitrep: Sitrep) -> bytes:
    """The report as canonical JSON (sorted keys, UTF-8): byte-identical for equal reports."""
    return canonical_json(sitrep.as_dict())


@lru_cache(maxsize=len(i18n.SUPPORTED))
def environment(lang: str) -> Environment:
    """The templates of ``lang``: its gettext catalog installed, numbers and dates in its
    forms. One environment per language, so rendering is a pure function of the report."""
    env = Environment(
        loader=PackageLoader("truce.sitreps", "templates"),
        autoescape=select_autoescape(default=True),
        undefined=StrictUndefined,
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.policies["ext.i18n.trimmed"] = True
    env.install_gettext_translations(i18n.translations(lang), newstyle=False)  # type: ignore[attr-defined]
    env.globals.update(
        lang=lang,
        direction=i18n.direction(lang),
        number=lambda value, digits=0: number(value, lang, digits),
        day=lambda value: day(value, lang),
        when=lambda text, zone="UTC": when(text, zone, lang),
        province=lambda admin1: province_name(admin1, lang),
        kind=lambda term: kind_name(term, lang),
        bars_svg=lambda days, words, highlight=None: Markup(
            _inline(charts.svg(charts.daily_bars_spec(days, words, highlight=highlight), lang))
        ),
        BarWords=charts.BarWords,
        categories_svg=lambda items, words: Markup(
            _inline(charts.svg(charts.category_bars_spec(items, words), lang))
        ),
        ChartWords=charts.ChartWords,
        ledger_lines_svg=lambda sources, daily, words: Markup(
            _inline(charts.svg(_lines(sources, daily, words), lang))
        ),
        ledger_bars_svg=lambda sources, rows, words, unnamed, provinces=False: Markup(
            _inline(charts.svg(_bars(sources, rows, words, unnamed, lang, provinces), lang))
        ),
        map_svg=lambda points, title="", highlight=(): Markup(
            maps.map_svg(points, title=title, highlight=highlight)
        ),
        points=lambda incidents: incident_points(incidents, lang),
        area_points=area_points,
        verdict_word=lambda value: _word(VERDICT_WORDS, value, lang),
        outcome_word=lambda value: _word(OUTCOME_WORDS, value, lang),
        reason=lambda data: (
            reason_from(data).render(i18n.translations(lang).gettext) if data else ""
        ),
    )
    return env


def _word(words: Mapping[str, str], value: str | None, lang: str) -> str:
    """A check's value (a verdict, an outcome) in words of the language, else as stored."""
    if not value:
        return "—"
    return i18n.translations(lang).gettext(words[value]) if value in words else value


def incident_points(incidents: Iterable[Mapping[str, Any]], lang: str) -> list[maps.Point]:
    """A map point for each placed incident of a report's content (id, type as tooltip)."""
    return [
        maps.Point(i["lon"], i["lat"], f"#{i['id']} {kind_name(i.get('event_type'), lang)}")
        for i in incidents
        if i.get("lat") is not None and i.get("lon") is not None
    ]


def area_points(items: Iterable[Mapping[str, Any]]) -> list[maps.Point]:
    """A map point inside each placed area of the task force pack's disagreements (its kind
    and areas as tooltip)."""
    return [
        maps.Point(
            d["lon"], d["lat"], f"{d['kind']} {' '.join(f'#{a}' for a in d['area_ids'])}", "area"
        )
        for d in items
        if d.get("lat") is not None and d.get("lon") is not None
    ]


def _days(daily: Iterable[Mapping[str, Any]]) -> list[tuple[str, Mapping[str, int], int]]:
    """A report's daily rows ({day, by_source, merged}) as the two-ledger lines read them."""
    return [(row["day"], row["by_source"], row["merged"]) for row in daily]


def _lines(
    sources: list[str], daily: Iterable[Mapping[str, Any]], words: charts.ChartWords
) -> dict[str, Any]:
    return charts.ledger_lines_spec(sources, _days(daily), words, label_limit=280)


def _bars(
    sources: list[str],
    rows: Iterable[Mapping[str, Any]],
    words: charts.ChartWords,
    unnamed: str,
    lang: str,
    provinces: bool,
) -> dict[str, Any]:
    return charts.ledger_bars_spec(
        sources, _categories(rows, lang, unnamed, provinces=provinces), words
    )


def _categories(
    rows: Iterable[Mapping[str, Any]], lang: str, unnamed: str, *, provinces: bool
) -> list[tuple[str, Mapping[str, int], int]]:
    """A report's rows by key ({key, label, by_source, merged}) as the two-ledger bars read
    them: a province in ``lang``, a party by its name, ``unnamed`` where no key was named."""
    out = []
    for row in rows:
        if row["key"] is None:
            label = unnamed
        elif provinces:
            label = province_name(row["key"], lang)
        else:
            label = row["label"] or row["key"]
        out.append((label, row["by_source"], row["merged"]))
    return out


def render_html(sitrep: Sitrep, lang: str, *, fragment: bool = False) -> str:
    """The report as one printable HTML document in ``lang``: the template of its kind
    (``templates/<kind>.html``, extending ``base.html``). With ``fragment``, only the styled
    report (its ``<style>`` and one ``div.sitrep``), for a page of the site to hold."""
    i18n.check_locale(lang)
    template = environment(lang).get_template(f"{sitrep.kind}.html")
    return template.render(
        sitrep=sitrep,
        content=sitrep.content,
        params=sitrep.params,
        digest=report_digest(sitrep),
        fragment=fragment,
    )


def stylesheet() -> str:
    """The reports' style (templates/sitrep.css), which base.html writes into each document:
    served to the site's pages, which may load no inline style."""
    return (files("truce.sitreps") / "templates" / "sitrep.css").read_text(encoding="utf-8")


def render_pdf(html: str) -> bytes:
    """The HTML as PDF. WeasyPrint shapes Arabic through Pango; base.html asks for DejaVu Sans,
    which covers Arabic and Cyrillic (scripts/ensure-report-tools installs it)."""
    from weasyprint import HTML

    pdf: bytes = HTML(string=html).write_pdf(pdf_identifier=b"truce-report")
    return pdf


def number(value: float | None, lang: str, digits: int = 0) -> str:
    """A count in ``lang``'s forms: 1,234 · 1 234 · ١٬٢٣٤."""
    if value is None:
        return "—"
    pattern = "#,##0" + ("." + "0" * digits if digits else "")
    return format_decimal(value, pattern, locale=lang)


def day(value: str | date, lang: str) -> str:
    """A calendar day written in ``lang`` (4 March 2016 · 4 мар. 2016 г.)."""
    moment = date.fromisoformat(value) if isinstance(value, str) else value
    return format_skeleton("yMMMMd", moment, locale=lang)


def when(text: str | None, zone: str, lang: str) -> str:
    """An RFC 3339 time on the clock of ``zone``, with its offset, in ``lang``."""
    if not text:
        return "—"
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return format_datetime(moment, "d MMM y HH:mm xxx", tzinfo=ZoneInfo(zone), locale=lang)


def _inline(svg: str) -> str:
    """vl-convert's SVG document as an element to put inside HTML (no XML declaration)."""
    start = svg.find("<svg")
    return svg[start:] if start >= 0 else svg
