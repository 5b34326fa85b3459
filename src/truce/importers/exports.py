"""Report files out: stored reports as ACLED rows and UCDP GED rows that :mod:`acled` and
:mod:`ucdp` read back, and incidents and reports as GeoJSON features.

**Identity.** A file written here, imported again, adds nothing. A report of the format's own
source (an ACLED report in an ACLED file, a UCDP GED report in a UCDP file) keeps its own id
(``event_id_cnty``, ``id``), so the store finds it by ``source`` and ``source_ref``. Any other
report (a UCDP event in an ACLED file, a monitor's report in either) has no id that the format's
source gave it; its row carries the report's identity instead: ``truce:`` and the SHA-256
content digest of the report as stored (:func:`truce_ref`). The import service reads that id
back (:func:`digest_of_ref`) and stores the row under that digest, which is unique, so the row
is counted as already stored. A file from another Truce installation imports once, under the
digest of the report it came from. The ACLED ``source`` column says where the account came
from (``UCDP GED 216744``).
"""

from __future__ import annotations

import re
from typing import Any

from truce.domain.events import VIOLENCE_AGAINST_CIVILIANS
from truce.domain.incidents import is_civilians
from truce.domain.reports import (
    CATEGORIES,
    TOTAL,
    Report,
    TimePrecision,
    casualty_total,
    content_digest,
)
from truce.importers import acled, ucdp

TRUCE_REF = "truce:"
_TRUCE_REF = re.compile(r"^truce:([0-9a-f]{64})$")

ACLED_TIME = {TimePrecision.DAY: "1", TimePrecision.WEEK: "2", TimePrecision.MONTH: "3"}
ACLED_GEO = {"exact": "1", "near": "2", "district": "2", "province": "3", "country": "3"}
UCDP_TIME = {TimePrecision.DAY: "1", TimePrecision.WEEK: "3", TimePrecision.MONTH: "4"}
UCDP_GEO = {"exact": "1", "near": "2", "district": "3", "province": "4", "country": "6"}
UCDP_DEATHS = {"side_a": "deaths_a", "side_b": "deaths_b", "civilians": "deaths_civilians",
               "unknown": "deaths_unknown"}  # fmt: skip


def digest_of(report: Report) -> str:
    """The report's content digest as stored (computed for reports stored without one: the
    news pipeline's, before 0005)."""
    return report.content_digest or content_digest(report.draft)


def truce_ref(report: Report) -> str:
    """The id a row of another source's format carries for a report: ``truce:`` + digest."""
    return TRUCE_REF + digest_of(report)


def digest_of_ref(source_ref: str | None) -> str | None:
    """The content digest a ``truce:`` id names, or None for any other id."""
    found = _TRUCE_REF.match(source_ref or "")
    return found.group(1) if found else None


def _number(value: float | None) -> str:
    return "" if value is None else f"{value:.6f}".rstrip("0").rstrip(".")


def _count(value: int | None) -> str:
    return "" if value is None else str(value)


def _targets_civilians(report: Report) -> bool:
    draft = report.draft
    return draft.event_type == VIOLENCE_AGAINST_CIVILIANS or is_civilians(draft.actor2)


def acled_row(report: Report) -> dict[str, str]:
    """A report as an ACLED row (the columns :data:`acled.COLUMNS`)."""
    d = report.draft
    assert d.occurred_start is not None
    native = d.source == acled.SOURCE and d.source_ref
    day = d.occurred_start.date()
    if d.time_precision == TimePrecision.WEEK:  # ACLED's week is the days around the one coded
        day = (d.occurred_start + (d.occurred_end - d.occurred_start) / 2).date() if (
            d.occurred_end) else day  # fmt: skip
    killed = casualty_total(d.casualties, "killed")
    cited = d.source if native or not d.source_ref else f"{d.source} {d.source_ref}"
    return {
        "event_id_cnty": d.source_ref if native else truce_ref(report),  # type: ignore[dict-item]
        "event_date": day.isoformat(),
        "year": str(day.year),
        "time_precision": ACLED_TIME.get(d.time_precision, "1"),  # type: ignore[call-overload]
        "event_type": d.event_type,
        "sub_event_type": d.sub_event_type,
        "actor1": d.actor1 or "",
        "actor2": d.actor2 or "",
        "civilian_targeting": "Civilian targeting" if _targets_civilians(report) else "",
        "country": d.country or "",
        "admin1": d.admin1 or "",
        "admin2": d.admin2 or "",
        "location": d.location or "",
        "latitude": _number(d.lat),
        "longitude": _number(d.lon),
        "geo_precision": ACLED_GEO.get(d.geo_precision or "", ""),
        "source": cited,
        "notes": d.text,
        "fatalities": _count(killed.central if killed else None),
    }


def ucdp_row(report: Report) -> dict[str, str]:
    """A report as a UCDP GED row (the columns :data:`ucdp.COLUMNS`). UCDP codes fighting,
    not its means: an attack on civilians is one-sided violence (3), any other event is
    written as state-based (1), as Truce does not know whether a state fought."""
    d = report.draft
    assert d.occurred_start is not None
    native = d.source == ucdp.SOURCE and d.source_ref
    start = d.occurred_start.date()
    end = d.occurred_end.date() if d.occurred_end else start
    deaths = {
        column: _count(d.casualties[("killed", category)].central)
        for category, column in UCDP_DEATHS.items()
        if ("killed", category) in d.casualties and category in CATEGORIES
    }
    total = d.casualties.get(("killed", TOTAL)) or casualty_total(d.casualties, "killed")
    return {
        "id": d.source_ref if native else truce_ref(report),  # type: ignore[dict-item]
        "year": str(start.year),
        "type_of_violence": "3" if _targets_civilians(report) else "1",
        "side_a": d.actor1 or "Unknown",
        "side_b": d.actor2 or "Unknown",
        "source_headline": d.text,
        "source_original": d.source if not native else "",
        "where_prec": UCDP_GEO.get(d.geo_precision or "", ""),
        "where_coordinates": d.location or "",
        "adm_1": d.admin1 or "",
        "adm_2": d.admin2 or "",
        "latitude": _number(d.lat),
        "longitude": _number(d.lon),
        "country": d.country or "",
        "date_prec": UCDP_TIME.get(d.time_precision, "1"),  # type: ignore[call-overload]
        "date_start": start.isoformat(),
        "date_end": end.isoformat(),
        **deaths,
        "low": _count(total.low if total and total.low is not None else None),
        "best": _count(total.central if total else None),
        "high": _count(total.high if total and total.high is not None else None),
    }


def _point(lon: float | None, lat: float | None) -> dict[str, Any] | None:
    if lon is None or lat is None:
        return None
    return {"type": "Point", "coordinates": [lon, lat]}


def report_feature(report: Report) -> dict[str, Any]:
    """A report as a GeoJSON feature (no reporter: the public may download it)."""
    d = report.draft
    killed = casualty_total(d.casualties, "killed")
    properties = {
        "id": report.id,
        "channel": d.channel,
        "source": d.source,
        "source_ref": d.source_ref,
        "content_digest": digest_of(report),
        "occurred_start": d.occurred_start.isoformat() if d.occurred_start else None,
        "occurred_end": d.occurred_end.isoformat() if d.occurred_end else None,
        "time_precision": d.time_precision,
        "geo_precision": d.geo_precision,
        "location": d.location,
        "country": d.country,
        "admin1": d.admin1,
        "admin2": d.admin2,
        "event_type": d.event_type,
        "sub_event_type": d.sub_event_type,
        "actor1": d.actor1,
        "actor1_party_id": d.actor1_party_id,
        "actor2": d.actor2,
        "actor2_party_id": d.actor2_party_id,
        "killed": killed.central if killed else None,
        "text": d.text,
        "lang": d.lang,
    }
    return {"type": "Feature", "id": report.id, "geometry": _point(d.lon, d.lat),
            "properties": properties}  # fmt: skip


def incident_feature(incident: dict[str, Any]) -> dict[str, Any]:
    """An incident (as the incidents list gives it) as a GeoJSON feature."""
    properties = {k: v for k, v in incident.items() if k not in ("lat", "lon")}
    return {"type": "Feature", "id": incident["id"],
            "geometry": _point(incident.get("lon"), incident.get("lat")),
            "properties": properties}  # fmt: skip
