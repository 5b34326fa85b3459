"""Situation reports (the daily bulletin and the other kinds of docs/reports.md) as values.

A report is a pure function of the record up to its cut-off: ``content`` is computed only from
rows the ledger held at ``ledger_head`` and from events before ``cutoff``, never from the time
it is built, so the same inputs give the same canonical JSON, byte for byte, and the digest
printed on the report and written to the ledger when it is published can be checked later.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from truce.domain.errors import Invalid
from truce.domain.i18n import N_

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_CUTOFF = re.compile(r"([01]\d|2[0-3]):([0-5]\d)")


@dataclass(frozen=True)
class LedgerHead:
    """The newest ledger entry a report was built from: what it can be rebuilt from."""

    seq: int
    hash: str | None

    def as_dict(self) -> dict[str, Any]:
        return {"seq": self.seq, "hash": self.hash}


@dataclass(frozen=True)
class Sitrep:
    """One report: its kind and parameters, the moment its record ends, the ledger head it
    was built from, and its content (JSON values only: str, int, float, bool, None, lists
    and dicts with str keys)."""

    kind: str
    params: Mapping[str, Any]
    cutoff: str  # RFC 3339, UTC
    ledger_head: LedgerHead
    content: Mapping[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """The report as one JSON value (what ``render_json`` writes)."""
        return {
            "kind": self.kind,
            "params": dict(self.params),
            "cutoff": self.cutoff,
            "ledger_head": self.ledger_head.as_dict(),
            "content": dict(self.content),
        }


def canonical_json(value: Any) -> bytes:
    """``value`` as canonical JSON: sorted keys, no spaces, UTF-8, no NaN. Two equal values
    give the same bytes on every machine and every run."""
    text = json.dumps(
        value, sort_keys=True, ensure_ascii=False, separators=(",", ":"), allow_nan=False
    )
    return text.encode("utf-8")


def sha256(data: bytes) -> str:
    """The hex SHA-256 of ``data``: the digest a published report is recorded by."""
    return hashlib.sha256(data).hexdigest()


def report_digest(sitrep: Sitrep) -> str:
    """The digest of the report's canonical JSON."""
    return sha256(canonical_json(sitrep.as_dict()))


def params_key(kind: str, params: Mapping[str, Any]) -> str:
    """The report's identity, ``kind`` and canonical parameters: a report is published once."""
    return f"{kind}:{canonical_json(dict(params)).decode('utf-8')}"


# --- the daily cut-off -------------------------------------------------------------------


@dataclass(frozen=True)
class BulletinRules:
    """When the daily bulletin closes (agreement data, ``procedures.reports``): the window is
    the ``window_hours`` to ``daily_cutoff`` on the agreement's clock of the bulletin's date."""

    daily_cutoff: time = time(0)
    window_hours: int = 24


def bulletin_rules_from(spec: object) -> BulletinRules:
    """The rules in ``procedures.reports`` (midnight and 24 hours where it says nothing)."""
    if spec is None:
        return BulletinRules()
    if not isinstance(spec, Mapping):
        raise Invalid(N_("procedures.reports must be an object."), field="procedures.reports")
    cutoff = spec.get("daily_cutoff", "00:00")
    matched = _CUTOFF.fullmatch(cutoff) if isinstance(cutoff, str) else None
    if matched is None:
        raise Invalid(
            N_("procedures.reports.daily_cutoff must be a time HH:MM, such as 18:00."),
            field="procedures.reports.daily_cutoff",
        )
    hours = spec.get("window_hours", 24)
    if not isinstance(hours, int) or isinstance(hours, bool) or not 1 <= hours <= 24 * 7:
        raise Invalid(
            N_("procedures.reports.window_hours must be a whole number of hours, 1 to 168."),
            field="procedures.reports.window_hours",
        )
    return BulletinRules(time(int(matched.group(1)), int(matched.group(2))), hours)


# The days a report may be asked for: a window of days before the first, or hours after the
# last, would fall outside the calendar Python counts in (year 1 to 9999).
FIRST_DAY = date(1900, 1, 1)
LAST_DAY = date(9999, 12, 30)


def parse_day(text: str, field: str = "date") -> date:
    """A bulletin's date, YYYY-MM-DD, from 1900 to 9999; anything else is refused naming
    the form."""
    try:
        if _DATE.fullmatch(text):
            day = date.fromisoformat(text)
            if not FIRST_DAY <= day <= LAST_DAY:
                raise Invalid(
                    N_("{name}: give a date from {first} to {last}, not {value}."),
                    field=field,
                    name=field,
                    first=FIRST_DAY.isoformat(),
                    last=LAST_DAY.isoformat(),
                    value=text,
                )
            return day
    except ValueError:
        pass
    raise Invalid(
        N_("{name}: give the date as YYYY-MM-DD, such as 2016-03-04, not {value!r}."),
        field=field,
        name=field,
        value=text,
    )


def daily_window(day: date, zone: str, rules: BulletinRules) -> tuple[datetime, datetime]:
    """The bulletin's window in UTC: from ``window_hours`` before the cut-off of ``day``
    (on the agreement's clock, so daylight saving is followed) to the cut-off, end excluded."""
    local_end = datetime.combine(day, rules.daily_cutoff, ZoneInfo(zone))
    end = local_end.astimezone(UTC)
    return end - timedelta(hours=rules.window_hours), end


def rfc3339(moment: datetime) -> str:
    """A UTC time as reports write it: seconds, and Z."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
