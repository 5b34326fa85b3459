"""The two-ledger report's route (docs/reports.md): GET /sitreps/two-ledgers?from=&to=, as
JSON, HTML or PDF, like every report (api/sitreps.py)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import FastAPI, Query
from fastapi.responses import Response

from truce.api.deps import MaybeActor, Reader
from truce.api.sitreps import REPORT_RESPONSES, AsOf, ReportFormat, ReportLang, answer
from truce.services import sitreps
from truce.services.sitreps_two_ledgers import DEFAULT_FROM, DEFAULT_TO, KIND


def install(api: FastAPI) -> None:
    @api.get("/sitreps/two-ledgers", tags=["situation reports"], response_class=Response,
             responses=REPORT_RESPONSES)  # fmt: skip
    def two_ledgers(
        uow: Reader,
        actor: MaybeActor,
        since: Annotated[
            str,
            Query(alias="from", pattern=r"^\d{4}-\d{2}-\d{2}$",
                  description="The period's first day, YYYY-MM-DD."),
        ] = DEFAULT_FROM,
        until: Annotated[
            str,
            Query(alias="to", pattern=r"^\d{4}-\d{2}-\d{2}$",
                  description="The period's last day, YYYY-MM-DD (at most 92 days)."),
        ] = DEFAULT_TO,
        format: ReportFormat = "json",
        lang: ReportLang = "en",
        as_of: AsOf = None,
    ) -> Response:  # fmt: skip
        """The two-ledger report of the period: each source's count side by side with the
        merged view, daily, by province and by attributed party, and where they differ;
        built from the record at the ledger head (or as it stood at entry `as_of`)."""
        params: dict[str, Any] = {"from": since, "to": until}
        if as_of is not None:
            params["as_of"] = as_of
        sitrep = sitreps.build(KIND, params, uow, actor=actor)
        return answer(sitrep, format, lang, filename=f"two-ledgers-{since}-to-{until}")
