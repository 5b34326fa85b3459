"""Web pages of what happened: the incidents table, one incident with its reports side by side,
and the report form (a map picker and a place search) for those who may file.

The table takes the filters of ``GET /api/v1/incidents``; a filter that cannot be read is shown
as a message naming it, above the same form with what was typed. The form keeps every value
when a report is refused and shows each problem next to its field; a filed report leads to the
page of the incident it was linked into.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import date, datetime, timedelta
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from truce.domain import breaches, territory, times
from truce.domain.agreement import Agreement
from truce.domain.errors import DomainError, Forbidden, Invalid, Unauthenticated
from truce.domain.events import TAXONOMY
from truce.domain.i18n import N_
from truce.domain.incidents import IncidentFilters
from truce.domain.permissions import Action, Actor, allowed, require
from truce.domain.reports import (
    CATEGORIES,
    MAX_FIGURE,
    MEASURES,
    RELIABILITY_NAMES,
    WEAPON_CLASSES,
    Figure,
    ReportDraft,
    ReportInvalid,
    TimePrecision,
    problems,
)
from truce.services import common, incidents, reports
from truce.web.pages import MAX_ID, PER_PAGE, Cursor, PageId, _truce, check_csrf, flash, signed_in
from truce.web.rendering import catalog, current_user, pager, render

router = APIRouter(include_in_schema=False)
# The words for the check's values (the API's verdict and outcome), in the pages' language.
VERDICT_WORDS: dict[str, str] = dict(territory.VERDICT_WORDS)
OUTCOME_WORDS: dict[str, str] = dict(breaches.OUTCOME_WORDS)
# The casualty categories in words: side A is the claimed perpetrator's, side B the target's.
CATEGORY_WORDS = {
    "side_a": N_("perpetrator's side"),
    "side_b": N_("target's side"),
    "civilians": N_("civilians"),
    "unknown": N_("unknown"),
    "total": N_("total"),
}
VERDICTS = tuple(VERDICT_WORDS)
OUTCOMES = tuple(OUTCOME_WORDS)
LANGUAGES = ("ar", "en", "ru", "ku", "tr")
Text = Annotated[str, Query(max_length=300)]
# The form's fields other than the casualty counts, each kept as typed when a report is refused.
FORM_FIELDS = (
    "occurred_start", "occurred_end", "time_precision", "location", "admin1", "lat", "lon",
    "geo_precision", "event_type", "sub_event_type", "weapon_class", "actor1", "actor2",
    "source", "text", "lang", "hide_reporter",
)  # fmt: skip
FIGURES = tuple(f"{m}.{c}" for m in MEASURES for c in CATEGORIES)


# --- the table ------------------------------------------------------------------------------


@router.get("/incidents", response_class=HTMLResponse)
def incidents_page(
    request: Request,
    since: Annotated[str, Query(max_length=40)] = "",
    until: Annotated[str, Query(max_length=40)] = "",
    party: Annotated[str, Query(max_length=20)] = "",
    event_type: Annotated[str, Query(max_length=60)] = "",
    verdict: Annotated[str, Query(max_length=20)] = "",
    outcome: Annotated[str, Query(max_length=20)] = "",
    source: Text = "",
    bbox: Annotated[str, Query(max_length=100)] = "",
    cursor: Cursor = None,
) -> Response:
    """Incidents, newest first, with the filters of the API; a bad filter is named, not a 500."""
    typed = {"since": since, "until": until, "party": party, "event_type": event_type,
             "verdict": verdict, "outcome": outcome, "source": source, "bbox": bbox}  # fmt: skip
    truce = _truce(request)
    with truce.uow(write=False) as uow:
        if not uow.agreements.all():
            return render(request, "empty.html")
        agreement = common.agreement(uow, None)
        names = {row.id: row.name for row in uow.parties.all_rows()}
        error: DomainError | None = None
        found = None
        try:
            filters = _filters(typed, agreement.timezone)
            found = incidents.incidents_page(uow, filters, cursor=cursor, limit=PER_PAGE)
        except Unauthenticated:
            raise
        except DomainError as exc:
            error = exc
    translate = catalog(request).gettext
    zone = ZoneInfo(agreement.timezone)
    rows = [_row(item, names, zone) for item in found.items] if found else []
    return render(
        request,
        "incidents.html",
        status_code=422 if error else 200,
        agreement=agreement,
        rows=rows,
        pager=pager(request, found) if found else None,
        error=error.render(translate) if error else None,
        error_field=error.field if error else None,
        typed=typed,
        parties=sorted(names.items(), key=lambda item: item[1].casefold()),
        event_types=list(TAXONOMY),
        verdicts=VERDICTS,
        outcomes=OUTCOMES,
        verdict_words=VERDICT_WORDS,
        outcome_words=OUTCOME_WORDS,
    )


def _filters(typed: Mapping[str, str], zone: str) -> IncidentFilters:
    """The table's filters as the service reads them; Invalid naming the field otherwise."""
    start, end = times.read_period(typed["since"], typed["until"], zone=zone)
    party = typed["party"].strip()
    if party and not (party.isdigit() and 1 <= int(party) <= MAX_ID):
        raise Invalid(N_("party: choose a party from the list."), field="party")
    return IncidentFilters(
        since=start,
        until=end,
        bbox=_bbox(typed["bbox"]),
        party_id=int(party) if party else None,
        event_type=typed["event_type"].strip() or None,
        verdict=typed["verdict"].strip() or None,
        outcome=typed["outcome"].strip() or None,
        source=typed["source"].strip() or None,
    )


def _bbox(text: str) -> tuple[float, float, float, float] | None:
    if not text.strip():
        return None
    try:
        west, south, east, north = (float(part) for part in text.split(","))
    except ValueError as exc:
        raise Invalid(
            N_("bbox is four numbers west,south,east,north in degrees, e.g. 35.5,32.3,42.4,37.4."),
            field="bbox",
        ) from exc
    return west, south, east, north


def _row(item: dict[str, Any], names: Mapping[int, str], zone: ZoneInfo) -> dict[str, Any]:
    """One incident of the table, its days on the agreement's clock and its parties named."""
    return {
        **item,
        "first_day": _local_day(item["start"], zone),
        "last_day": _last_day(item["start"], item["end"], zone),
        "perpetrators": [names.get(p, f"#{p}") for p in item.get("claimed_perpetrators", [])],
    }


def _local_day(moment: datetime | None, zone: ZoneInfo) -> date | None:
    return moment.astimezone(zone).date() if moment else None


def _last_day(start: datetime | None, end: datetime | None, zone: ZoneInfo) -> date | None:
    """The last day a window covers, when it is longer than a day (a day's window, in UTC,
    would otherwise spill into the next day on the agreement's clock)."""
    if start is None or end is None or end - start <= timedelta(days=1):
        return None
    return _local_day(end, zone)


# --- one incident ---------------------------------------------------------------------------


@router.get("/incidents/{incident_id}", response_class=HTMLResponse)
def incident_page(request: Request, incident_id: PageId) -> Response:
    """An incident: its summary, the check against the terms, the allegations, and its reports
    side by side (who reported only for those who may read it); a merged one, where it went."""
    actor = current_user(request)
    with _truce(request).uow(write=False) as uow:
        detail = incidents.incident_detail(
            uow, incident_id, actor=actor, translate=catalog(request).gettext
        )
        agreement = common.agreement(uow, detail["agreement_id"])
        names = {row.id: row.name for row in uow.parties.all_rows()}
    terms = {term.number: term.title for term in agreement.terms}
    public = not allowed(actor, Action.READ_RESTRICTED)
    zone = ZoneInfo(agreement.timezone)
    return render(
        request,
        "incident.html",
        user=actor,
        may_read_case=allowed(actor, Action.READ_CASE_FILES),
        agreement=agreement,
        incident=detail,
        first_day=_local_day(detail["start"], zone),
        reports=[_report_view(r, names, public) for r in detail["reports"]],
        allegations=[_allegation_view(a, terms, names) for a in detail["allegations"]],
        casualties=_casualty_rows(detail["casualties"]),
        assessed=names.get(detail["assessed_perpetrator_id"] or 0),
        verdict_words=VERDICT_WORDS,
        outcome_words=OUTCOME_WORDS,
        category_words=CATEGORY_WORDS,
    )


def _allegation_view(
    allegation: dict[str, Any], terms: Mapping[int, str], names: Mapping[int, str]
) -> dict[str, Any]:
    party = allegation["party_id"]
    return {**allegation, "term_title": terms.get(allegation["term"], ""),
            "party": names.get(party) if party else None}  # fmt: skip


def _report_view(report: dict[str, Any], names: Mapping[int, str], public: bool) -> dict[str, Any]:
    """A report as its column shows it: its parties named, its figures listed, and the fields
    the public does not read left out."""
    view = dict(report)
    if public:
        view.pop("channel", None)
        view.pop("reporter", None)
    view["actor1_party"] = names.get(report["actor1_party_id"] or 0)
    view["actor2_party"] = names.get(report["actor2_party_id"] or 0)
    figures = []
    for measure, categories in sorted((report.get("casualties") or {}).items()):
        for category, (low, best, high) in sorted(categories.items()):
            figures.append({"measure": measure, "category": category,
                            "figure": Figure(low, best, high)})  # fmt: skip
    view["figures"] = figures
    grade = report.get("source_reliability")
    view["reliability_name"] = RELIABILITY_NAMES.get(grade) if grade else None
    return view


def _casualty_rows(casualties: list[dict[str, Any]] | None) -> list[dict[str, Any]]:
    """The incident's casualty ranges across its reports, killed before injured."""
    order = {m: n for n, m in enumerate(MEASURES)}
    return sorted(casualties or [], key=lambda c: (order.get(c.get("measure", ""), 9),
                                                   str(c.get("category", ""))))  # fmt: skip


# --- the report form ------------------------------------------------------------------------


def _filer(request: Request) -> Actor:
    actor = signed_in(request)
    require(actor, Action.FILE_REPORT)
    return actor


@router.get("/reports/new", response_class=HTMLResponse)
def report_form(request: Request) -> Response:
    """The report form, for monitors, liaisons, guarantors and members."""
    actor = _filer(request)
    return _show_form(request, actor, {}, {})


def _show_form(
    request: Request,
    actor: Actor,
    values: Mapping[str, str],
    errors: Mapping[str, str],
    general: list[str] | None = None,
) -> Response:
    with _truce(request).uow(write=False) as uow:
        agreement = common.agreement(uow, None)
        party_names = [row.name for row in uow.parties.all_rows()]
    return render(
        request,
        "report_form.html",
        status_code=422 if errors or general else 200,
        user=actor,
        agreement=agreement,
        values=values,
        errors=errors,
        general=general or [],
        taxonomy={kind: list(subs) for kind, subs in TAXONOMY.items()},
        weapons=WEAPON_CLASSES,
        precisions=list(TimePrecision),
        geo_precisions=("exact", "near", "district", "province"),
        languages=LANGUAGES,
        categories=CATEGORIES,
        category_words=CATEGORY_WORDS,
        measures=MEASURES,
        party_names=party_names,
    )


@router.post("/reports/new", dependencies=[Depends(check_csrf)])
async def file_report(request: Request) -> Response:
    """File the form's report; on success, to the page of the incident it joined."""
    form = await request.form()
    values = {name: str(form.get(name, "")) for name in (*FORM_FIELDS, *FIGURES)}
    values["text"] = values["text"].replace("\r\n", "\n")
    return await run_in_threadpool(_file, request, values)


def _file(request: Request, values: dict[str, str]) -> Response:
    actor = _filer(request)
    truce = _truce(request)
    with truce.uow(write=False) as uow:
        agreement = common.agreement(uow, None)
    translate = catalog(request).gettext
    draft, errors = _draft(values, agreement, actor, translate)
    if errors:  # what could not be read, and what else is wrong with the rest
        # (without a source the service names the filer's: not a problem of the form)
        for problem in problems(replace(draft, source=draft.source or actor.username)):
            errors.setdefault(_field_of(problem.field), problem.render(translate))
        return _show_form(request, actor, values, errors)
    try:
        with truce.uow() as uow:
            filed = reports.file_report(draft, uow, actor=actor)
    except ReportInvalid as exc:
        found: dict[str, str] = {}
        for problem in exc.problems:
            found.setdefault(_field_of(problem.field), problem.render(translate))
        return _show_form(request, actor, values, found)
    except (Unauthenticated, Forbidden):
        raise
    except DomainError as exc:
        field = _field_of(exc.field or "")
        if field in FORM_FIELDS or field in FIGURES:
            return _show_form(request, actor, values, {field: exc.render(translate)})
        return _show_form(request, actor, values, {}, [exc.render(translate)])
    with truce.uow(write=False) as uow:
        incident = uow.incident_reports.incident_of([filed.report.id]).get(filed.report.id)
    message = (
        N_("Report filed and linked into this incident.")
        if filed.created
        else N_("This report was already filed: nothing was added.")
    )
    flash(request, "ok", translate(message))
    return RedirectResponse(f"/incidents/{incident}" if incident else "/incidents", 303)


def _field_of(name: str) -> str:
    """The form field a problem belongs to (a window's end, a point's other half)."""
    return {"actor1_party_id": "actor1", "actor2_party_id": "actor2", "admin2": "location",
            "casualties": "killed.unknown"}.get(name, name)  # fmt: skip


def _draft(
    values: Mapping[str, str], agreement: Agreement, actor: Actor, translate: Callable[[str], str]
) -> tuple[ReportDraft, dict[str, str]]:
    """The form as a report draft, and what in it could not be read (field -> message)."""
    errors: dict[str, str] = {}
    moments: dict[str, datetime | None] = {}
    for name in ("occurred_start", "occurred_end"):
        typed = values[name].strip()
        moments[name] = None
        if typed:
            try:
                moments[name] = times.read_time(
                    typed, field=name, zone=agreement.timezone, on_agreement_clock=True
                )
            except Invalid as exc:
                errors[name] = exc.render(translate)
    point: dict[str, float | None] = {}
    for name in ("lat", "lon"):
        typed = values[name].strip().replace(",", ".")
        point[name] = None
        if typed:
            try:
                point[name] = float(typed)
            except ValueError:
                message = N_("{field}: give a number in degrees, such as 36.2.")
                errors[name] = translate(message).format(field=name)
    if not values["event_type"].strip():
        errors["event_type"] = translate(N_("Choose an event type, then its sub-type."))
    casualties: dict[tuple[str, str], Figure] = {}
    for name in FIGURES:
        typed = values[name].strip()
        if not typed:
            continue
        if not typed.isdigit() or len(typed) > 7:
            message = N_("{name}: a count is a whole number from 0 to {most}.")
            errors[name] = translate(message).format(name=name, most=MAX_FIGURE)
            continue
        measure, category = name.split(".")
        casualties[(measure, category)] = Figure(best=int(typed))
    draft = ReportDraft(
        channel="form",
        source=values["source"].strip(),
        event_type=values["event_type"].strip(),
        sub_event_type=values["sub_event_type"].strip(),
        occurred_start=moments["occurred_start"],
        occurred_end=moments["occurred_end"],
        time_precision=values["time_precision"].strip() or TimePrecision.DAY,
        reporter=actor.username,
        hide_reporter=bool(values["hide_reporter"]),
        lat=point["lat"],
        lon=point["lon"],
        location=values["location"].strip() or None,
        geo_precision=values["geo_precision"].strip() or None,
        admin1=values["admin1"].strip() or None,
        weapon_class=values["weapon_class"].strip() or None,
        actor1=values["actor1"].strip() or None,
        actor2=values["actor2"].strip() or None,
        casualties=casualties,
        text=values["text"],
        lang=values["lang"].strip() or None,
    )
    return draft, errors


# Values the incident pages show through _(); listed so that extraction finds them.
SHOWN_VALUES = (
    # how exactly a report knows when and where
    N_("day"),
    N_("week"),
    N_("month"),
    N_("exact"),
    N_("near"),
    N_("district"),
    N_("province"),
    N_("country"),
    # casualty figures
    N_("killed"),
    N_("injured"),
    # channels
    N_("api"),
    N_("form"),
    N_("csv"),
    N_("acled"),
    N_("ucdp"),
    N_("hotline"),
    N_("news"),
)
