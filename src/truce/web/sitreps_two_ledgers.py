"""The two-ledger report's page, /reports/two-ledgers?from=&to= (the cessation's first month
when neither is given), drawn as every report's page is (web/sitreps.py)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from truce.bootstrap import Truce
from truce.services import sitreps
from truce.services.sitreps_two_ledgers import DEFAULT_FROM, DEFAULT_TO, KIND
from truce.web.rendering import catalog, current_user, render
from truce.web.sitreps import report_page

router = APIRouter(include_in_schema=False)


@router.get("/reports/two-ledgers", response_class=HTMLResponse)
def two_ledgers(
    request: Request,
    since: Annotated[str, Query(alias="from", max_length=10)] = DEFAULT_FROM,
    until: Annotated[str, Query(alias="to", max_length=10)] = DEFAULT_TO,
) -> Response:
    """The two-ledger report of the period, as the public reads it."""
    truce: Truce = request.app.state.truce
    with truce.uow(write=False) as uow:
        if not uow.agreements.all():
            return render(request, "empty.html")
        params = {"from": since, "to": until}
        sitrep = sitreps.build(KIND, params, uow, actor=current_user(request))
    title = catalog(request).gettext("The two-ledger report")
    return report_page(request, sitrep, api_path="/api/v1/sitreps/two-ledgers", title=title)
