"""The counts page, /incidents/counts: each source's daily counts side by side with the
incidents they were merged into, as a table and a chart (SVG drawn on the server, in the
visitor's language, at /incidents/counts.svg). Registered before the incident pages, so that
"counts" is not read as an incident's id."""

from __future__ import annotations

from datetime import date
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from truce import i18n
from truce.api.charts import SVG, ChartWords, counts_svg
from truce.bootstrap import Truce
from truce.domain.counts import CountBy, CountFilters
from truce.domain.errors import Invalid
from truce.domain.events import TAXONOMY
from truce.domain.i18n import N_
from truce.services import counts
from truce.web.rendering import current_user, locale_of, render

router = APIRouter(include_in_schema=False)
MAX_ID = 2**53 - 1
Text = Annotated[str, Query(max_length=300)]
BY_NAMES = {
    CountBy.PROVINCE: N_("province"),
    CountBy.EVENT_TYPE: N_("event type"),
    CountBy.PARTY: N_("claimed party"),
}


def _truce(request: Request) -> Truce:
    truce: Truce = request.app.state.truce
    return truce


def _day(value: str, name: str) -> date | None:
    if not value.strip():
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError as exc:
        raise Invalid(N_("{name} must be a day such as 2016-02-27."), field=name,
                      name=name) from exc  # fmt: skip


def _filters(by: str, since: str, until: str, admin1: str, event_type: str, party: str,
             source: str) -> CountFilters:  # fmt: skip
    if by not in set(CountBy):
        raise Invalid(N_("by must be one of {known}."), field="by", known=", ".join(CountBy))
    party_id = int(party) if party.isdigit() and 0 < int(party) <= MAX_ID else None
    return CountFilters(
        by=CountBy(by), since=_day(since, "since"), until=_day(until, "until"),
        admin1=admin1.strip() or None, event_type=event_type.strip() or None,
        party_id=party_id, source=source.strip() or None,
    )  # fmt: skip


def _words(request: Request) -> ChartWords:
    _ = i18n.translations(locale_of(request)).gettext
    return ChartWords(
        title=_("Counts as each source counts them, and the incidents they make"),
        day=_("Day"),
        count=_("Events a day"),
        series=_("Counted by"),
        merged=_("Merged: incidents"),
        empty=_("No reports under these filters."),
    )


@router.get("/incidents/counts", response_class=HTMLResponse)
def counts_page(
    request: Request,
    by: Annotated[str, Query(max_length=20)] = CountBy.PROVINCE.value,
    since: Annotated[str, Query(max_length=10)] = "",
    until: Annotated[str, Query(max_length=10)] = "",
    admin1: Text = "",
    event_type: Annotated[str, Query(max_length=60)] = "",
    party: Annotated[str, Query(max_length=20)] = "",
    source: Text = "",
) -> Response:
    filters = _filters(by, since, until, admin1, event_type, party, source)
    truce = _truce(request)
    with truce.uow(write=False) as uow:
        found = counts.count_incidents(filters, uow, actor=current_user(request))
        choices = counts.count_choices(uow)
        parties = uow.parties.all_rows()
    query = {k: v for k, v in request.query_params.items() if k != "lang"}
    totals, merged = found.totals()
    return render(
        request,
        "incident_counts.html",
        counts=found,
        daily=found.daily(),
        totals=totals,
        merged_total=merged,
        chart=f"/incidents/counts.svg?{urlencode(query)}" if query else "/incidents/counts.svg",
        api=f"/api/v1/incidents/counts?{urlencode(query)}" if query else "/api/v1/incidents/counts",
        by_names=BY_NAMES,
        event_types=list(TAXONOMY),
        sources=choices["sources"],
        provinces=choices["provinces"],
        parties=parties,
        chosen={
            "by": filters.by.value,
            "since": since,
            "until": until,
            "admin1": admin1,
            "event_type": event_type,
            "party": filters.party_id,
            "source": source,
        },
    )


@router.get("/incidents/counts.svg")
def counts_chart(
    request: Request,
    by: Annotated[str, Query(max_length=20)] = CountBy.PROVINCE.value,
    since: Annotated[str, Query(max_length=10)] = "",
    until: Annotated[str, Query(max_length=10)] = "",
    admin1: Text = "",
    event_type: Annotated[str, Query(max_length=60)] = "",
    party: Annotated[str, Query(max_length=20)] = "",
    source: Text = "",
) -> Response:
    filters = _filters(by, since, until, admin1, event_type, party, source)
    with _truce(request).uow(write=False) as uow:
        found = counts.count_incidents(filters, uow, actor=current_user(request))
    return Response(counts_svg(found, _words(request)), media_type=SVG)
