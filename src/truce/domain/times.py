"""Typed times: how a date or time that a person types is read, the same for every entrypoint
(the command line, the API's query parameters, the web forms, files given to a service).

The rule:

- A date and time carries its offset (``2016-02-27T12:00+02:00``, ``2016-02-27 10:00Z``) and
  is that moment. Without one (``2016-02-27T12:00``) it is refused, not guessed: except in a
  form whose field says it is typed on the agreement's clock (an HTML datetime-local field,
  which cannot send an offset), where it is the wall-clock time in the agreement's zone.
- A bare date (``2016-02-27``) is noon that day in the agreement's time zone: the moment the
  map and the areas list show for a day. As a bound of a period (``since``, ``until``) a date
  means the whole day there instead: from its midnight, to the next day's midnight.
- Where no agreement's clock applies (a JSON body's times are read before anything is looked
  up), a date is refused too: only a time with an offset is accepted.

Anything else is refused with the field's name and the forms it may take. Times come back in
UTC.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from truce.domain.agreement import zone as time_zone
from truce.domain.errors import Invalid
from truce.domain.i18n import N_

NOON = time(12)
YEARS = range(1900, 2201)
# The agreement's IANA zone; or a function giving it, asked only when the text needs a zone;
# or None where no agreement's clock applies.
Zone = str | Callable[[], str] | None

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_TIME = re.compile(
    r"(?P<local>\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d{1,6})?)?)"
    r"(?P<offset>[Zz]|[+-]\d{2}(?::?\d{2})?)?"
)
_FORMS = N_(
    "{name}: give a date (YYYY-MM-DD, noon in the agreement's time zone) or a date and time"
    " with an offset, such as 2016-02-27T12:00+02:00, not {value!r}."
)
_FORMS_WITH_OFFSET = N_(
    "{name}: give a date and time with an offset, such as 2016-02-27T12:00+02:00, not {value!r}."
)
NEEDS_OFFSET = N_("{name} needs a time zone offset, e.g. 2016-02-26T12:00:00+02:00.")
_YEARS = N_("{name}: the year must be between 1900 and 2200.")


def read_time(text: str, *, field: str, zone: Zone, on_agreement_clock: bool = False) -> datetime:
    """The moment ``text`` names, in UTC, by the rule above (a date: noon). With
    ``on_agreement_clock``, for a field labelled as typed in the agreement's time zone, a time
    without an offset is read there."""
    return _read(text, field, zone, NOON, 0, on_agreement_clock)


def read_period(
    since: str | None, until: str | None, *, zone: Zone
) -> tuple[datetime | None, datetime | None]:
    """A period's bounds, each in UTC or None: ``since`` inclusive, ``until`` exclusive; a date
    covers its whole day in the agreement's time zone."""
    start = _read(since, "since", zone, time(0), 0, False) if since else None
    end = _read(until, "until", zone, time(0), 1, False) if until else None
    return start, end


def noon(day: date, zone: str) -> datetime:
    """The moment a day stands for: noon in the agreement's time zone (still in that zone)."""
    return datetime.combine(day, NOON, time_zone(zone))


def read_date(text: str, *, field: str) -> date:
    """A day typed as YYYY-MM-DD."""
    value = text.strip()
    if not _DATE.fullmatch(value):
        raise Invalid(_FORMS, field=field, name=field, value=value[:40])
    try:
        day = date.fromisoformat(value)
    except ValueError as exc:
        raise Invalid(_FORMS, field=field, name=field, value=value[:40]) from exc
    if day.year not in YEARS:
        raise Invalid(_YEARS, field=field, name=field)
    return day


def _read(
    text: str, field: str, zone: Zone, day_time: time, days_after: int, local: bool
) -> datetime:
    value = text.strip()
    if _DATE.fullmatch(value):
        day = read_date(value, field=field) + timedelta(days=days_after)
        return datetime.combine(day, day_time, _zone_for(zone, field)).astimezone(UTC)
    found = _TIME.fullmatch(value)
    forms = _FORMS if zone is not None else _FORMS_WITH_OFFSET
    if found is None:
        raise Invalid(forms, field=field, name=field, value=value[:40])
    try:
        moment = datetime.fromisoformat(value.replace(",", ".").upper())
    except ValueError as exc:  # a 30th of February, a 25th hour
        raise Invalid(forms, field=field, name=field, value=value[:40]) from exc
    if moment.year not in YEARS:
        raise Invalid(_YEARS, field=field, name=field)
    if found["offset"] is None:
        if not local:
            raise Invalid(NEEDS_OFFSET, field=field, name=field)
        moment = moment.replace(tzinfo=_zone_for(zone, field))
    return moment.astimezone(UTC)


def _zone_for(zone: Zone, field: str) -> ZoneInfo:
    if zone is None:
        raise Invalid(NEEDS_OFFSET, field=field, name=field)
    return time_zone(zone() if callable(zone) else zone)
