"""The report record: one account of something that happened, from one source, as received.

Every intake channel (the API, the web form, Truce's CSV template, ACLED and UCDP files, the
hotline, the news pipeline) hands over a :class:`ReportDraft`. :func:`problems` lists everything
wrong with one, each naming its field and the fix; :func:`check_report` returns the draft as it
is stored (strings trimmed, the event kind spelled as the taxonomy spells it, the observed
window closed) or raises :class:`ReportInvalid` with every problem.

A report is never edited. A correction is a new report that names the one it amends
(``amends_id``), or an amendment entry in the ledger. The same account is not stored twice:
a source's own id (``source`` and ``source_ref``) and the :func:`content_digest` of what the
report says are both unique.

Casualties are kept as the source counts them: killed and injured, per category (the side of
``actor1``, the side of ``actor2``, civilians, unknown), each as low / best / high. A source
that gives a total with a range but no breakdown of the range (UCDP's ``low``/``high``) gives
it under the category ``total``.
"""

from __future__ import annotations

import dataclasses
import hashlib
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

from truce.domain.errors import Invalid
from truce.domain.events import TAXONOMY, event_kind
from truce.domain.i18n import N_


class Channel(StrEnum):
    """How a report reached Truce."""

    API = "api"
    FORM = "form"
    CSV = "csv"  # Truce's own CSV template
    ACLED = "acled"
    UCDP = "ucdp"
    HOTLINE = "hotline"
    NEWS = "news"


class Reliability(StrEnum):
    """How reliable the source has proved (the Admiralty grades), not how likely this report is
    true."""

    A = "A"  # completely reliable
    B = "B"  # usually reliable
    C = "C"  # fairly reliable
    D = "D"  # not usually reliable
    E = "E"  # unreliable
    F = "F"  # reliability cannot be judged


RELIABILITY_NAMES = {
    Reliability.A: N_("completely reliable"),
    Reliability.B: N_("usually reliable"),
    Reliability.C: N_("fairly reliable"),
    Reliability.D: N_("not usually reliable"),
    Reliability.E: N_("unreliable"),
    Reliability.F: N_("reliability cannot be judged"),
}


class TimePrecision(StrEnum):
    """How exactly the source knows when: the day, the week or the month."""

    DAY = "day"
    WEEK = "week"
    MONTH = "month"


class GeoPrecision(StrEnum):
    """How exactly the source knows where, finest first."""

    EXACT = "exact"  # the point itself
    NEAR = "near"  # near a known place (a town, a few km)
    DISTRICT = "district"  # somewhere in a district (admin2)
    PROVINCE = "province"  # somewhere in a province (admin1)
    COUNTRY = "country"  # only the country


MEASURES = ("killed", "injured")
CATEGORIES = ("side_a", "side_b", "civilians", "unknown")
TOTAL = "total"  # a figure for every category together, when the source gives its range only so

# What fired or struck, as monitors class it; a report may leave it out.
WEAPON_CLASSES = (
    "small arms",
    "light weapons",
    "mortar",
    "artillery",
    "tank",
    "rocket",
    "multiple rocket launcher",
    "missile",
    "air-dropped bomb",
    "barrel bomb",
    "drone",
    "improvised explosive device",
    "landmine",
    "chemical",
    "incendiary",
    "other",
)

MAX_SOURCE = 300
MAX_REF = 1000
MAX_NAME = 300
MAX_TEXT = 20_000
MAX_FIGURE = 1_000_000
MAX_ATTACHMENTS = 20
MAX_WINDOW = timedelta(days=366)
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_LANG = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_WEAPONS = {name.casefold(): name for name in WEAPON_CLASSES}
_TYPES = {name.casefold(): name for name in TAXONOMY}
_GEO_PRECISIONS = frozenset(GeoPrecision)
_CHANNELS = frozenset(Channel)
_GRADES = frozenset(Reliability)
_TIME_PRECISIONS = frozenset(TimePrecision)


@dataclass(frozen=True, slots=True)
class Figure:
    """One count: low, best and high; any may be missing (a single figure is its best)."""

    low: int | None = None
    best: int | None = None
    high: int | None = None

    def given(self) -> list[int]:
        """The figures given, low to high."""
        return [v for v in (self.low, self.best, self.high) if v is not None]

    @property
    def central(self) -> int | None:
        """The best figure, else the middle of what is given."""
        if self.best is not None:
            return self.best
        values = self.given()
        return values[len(values) // 2] if values else None


# (measure, category) -> figure, e.g. ("killed", "civilians") -> Figure(best=3)
Casualties = Mapping[tuple[str, str], Figure]


def casualty_total(casualties: Casualties, measure: str) -> Figure | None:
    """All categories of one measure together: the source's own total when it gives one, else
    the sum of its categories (None when it counts nothing of that measure)."""
    own = casualties.get((measure, TOTAL))
    if own is not None:
        return own
    parts = [f for (m, c), f in casualties.items() if m == measure and c != TOTAL]
    if not parts:
        return None
    return Figure(
        _sum(f.low if f.low is not None else f.central for f in parts),
        _sum(f.central for f in parts),
        _sum(f.high if f.high is not None else f.central for f in parts),
    )


def _sum(values: Any) -> int | None:
    found = [v for v in values if v is not None]
    return sum(found) if found else None


def casualties_record(casualties: Casualties) -> dict[str, dict[str, list[int | None]]]:
    """Casualties as JSON: ``{"killed": {"civilians": [low, best, high]}}``."""
    record: dict[str, dict[str, list[int | None]]] = {}
    for (measure, category), figure in sorted(casualties.items()):
        record.setdefault(measure, {})[category] = [figure.low, figure.best, figure.high]
    return record


def casualties_from_record(record: Mapping[str, Any] | None) -> dict[tuple[str, str], Figure]:
    """Casualties from their JSON (see :func:`casualties_record`)."""
    found: dict[tuple[str, str], Figure] = {}
    for measure, categories in (record or {}).items():
        for category, (low, best, high) in categories.items():
            found[(measure, category)] = Figure(low, best, high)
    return found


@dataclass(frozen=True)
class ReportDraft:
    """A report as a channel hands it over, before it is checked and stored.

    Times are aware (any offset; stored in UTC). ``occurred_start``/``occurred_end`` are the
    window in which the source says the event happened; without an end, the window closes at
    the end of its day, week or month (``time_precision``). The place is a point (WGS 84
    ``lat``/``lon``) or a name (``location``, or only ``admin2``/``admin1``), which the
    geocoder turns into a point. ``actor1`` is the *claimed* perpetrator and ``actor2`` the
    claimed target, as the source names them; ``actor1_party_id``/``actor2_party_id`` are
    registry parties, given by the filer or matched from the names.
    """

    channel: str
    source: str
    event_type: str
    sub_event_type: str
    occurred_start: datetime | None
    occurred_end: datetime | None = None
    time_precision: str = TimePrecision.DAY
    reliability: str = Reliability.F
    source_ref: str | None = None
    reporter: str | None = None
    hide_reporter: bool = False
    received_at: datetime | None = None
    lat: float | None = None
    lon: float | None = None
    location: str | None = None
    geo_precision: str | None = None
    country: str | None = None
    admin1: str | None = None
    admin2: str | None = None
    weapon_class: str | None = None
    actor1: str | None = None
    actor1_party_id: int | None = None
    actor2: str | None = None
    actor2_party_id: int | None = None
    casualties: Casualties = field(default_factory=dict)
    text: str = ""
    lang: str | None = None
    attachments: tuple[str, ...] = ()  # sha256 of each attachment's content
    amends_id: int | None = None  # the report this one corrects

    @property
    def has_point(self) -> bool:
        return self.lat is not None and self.lon is not None


_set = object.__setattr__


def evolve(draft: ReportDraft, **changes: Any) -> ReportDraft:
    """``dataclasses.replace`` for drafts, without calling ``__init__`` again: an import makes
    millions of copies, and this one costs a dictionary copy."""
    copy = object.__new__(ReportDraft)
    values = draft.__dict__.copy()
    values.update(changes)
    _set(copy, "__dict__", values)
    return copy


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with a report: the field, and a message (a template of ``params``)."""

    field: str
    message: str
    params: Mapping[str, Any] = dataclasses.field(default_factory=dict)

    def render(self, translate: Callable[[str], str] | None = None) -> str:
        """The message, translated when given a gettext function."""
        template = translate(self.message) if translate else self.message
        return template.format(**self.params) if self.params else template


class ReportInvalid(Invalid):
    """A report with problems: the first names the field, ``problems`` lists them all."""

    def __init__(self, found: list[Problem]) -> None:
        self.problems = tuple(found)
        first = found[0]
        super().__init__(first.message, field=first.field, **first.params)


def _problem(out: list[Problem], where: str, message: str, **params: Any) -> None:
    out.append(Problem(where, message, params))


def _check_text(out: list[Problem], name: str, value: str | None, limit: int) -> None:
    if value is None:
        return
    if len(value) > limit:
        _problem(out, name, N_("{field} is {length} characters long; at most {limit} fit."),
                 field=name, length=len(value), limit=limit)  # fmt: skip
    if _CONTROL.search(value):
        _problem(out, name, N_("{field} holds a control character: remove it."), field=name)


def _check_time(out: list[Problem], name: str, value: datetime | None) -> None:
    if value is None:
        return
    if value.tzinfo is None or value.utcoffset() is None:
        _problem(out, name, N_("{field} needs a time zone offset, e.g. 2016-02-27T14:00:00+02:00."),
                 field=name)  # fmt: skip
    elif not 1900 <= value.year <= 2200:
        _problem(out, name, N_("{field}: the year must be between 1900 and 2200."), field=name)


def _aware(value: datetime | None) -> bool:
    return value is not None and value.tzinfo is not None and value.utcoffset() is not None


def problems(draft: ReportDraft, *, received_at: datetime | None = None) -> list[Problem]:
    """Everything wrong with ``draft``, in field order; empty when it can be stored.
    ``received_at`` stands for the draft's own when it has none (the time of the import)."""
    out: list[Problem] = []
    _check_source(out, draft)
    _check_when(out, draft, draft.received_at or received_at)
    _check_where(out, draft)
    _check_what(out, draft)
    _check_who(out, draft)
    _check_casualties(out, draft.casualties)
    _check_text(out, "text", draft.text, MAX_TEXT)
    if draft.lang is not None and not _LANG.match(draft.lang):
        _problem(out, "lang", N_("lang must be a language tag such as 'ar', 'en' or 'ru'."))
    _check_attachments(out, draft.attachments)
    if draft.amends_id is not None and draft.amends_id < 1:
        _problem(out, "amends_id", N_("amends_id must be the id of a stored report."))
    return out


def _check_source(out: list[Problem], draft: ReportDraft) -> None:
    if draft.channel not in _CHANNELS:
        _problem(out, "channel", N_("Unknown channel {value!r}: use one of {known}."),
                 value=draft.channel, known=", ".join(Channel))  # fmt: skip
    if not draft.source or not draft.source.strip():
        _problem(out, "source", N_("source is required: who gives this account."))
    _check_text(out, "source", draft.source, MAX_SOURCE)
    if draft.reliability not in _GRADES:
        _problem(out, "reliability", N_("reliability must be a grade from A to F (F: cannot be "
                 "judged)."))  # fmt: skip
    _check_text(out, "source_ref", draft.source_ref, MAX_REF)
    _check_text(out, "reporter", draft.reporter, 200)
    if draft.hide_reporter and not draft.reporter:
        _problem(out, "reporter", N_("hide_reporter needs a reporter to hide."))
    _check_time(out, "received_at", draft.received_at)


def _check_when(out: list[Problem], draft: ReportDraft, received: datetime | None) -> None:
    start, end = draft.occurred_start, draft.occurred_end
    if start is None:
        _problem(out, "occurred_start", N_("occurred_start is required: when it happened (the "
                 "day at least)."))  # fmt: skip
    _check_time(out, "occurred_start", start)
    _check_time(out, "occurred_end", end)
    if _aware(start) and _aware(end):
        assert start is not None and end is not None
        if end < start:
            _problem(out, "occurred_end", N_("occurred_end is before occurred_start: the window "
                     "must not end before it starts."))  # fmt: skip
        elif end - start > MAX_WINDOW:
            _problem(out, "occurred_end", N_("The observed window is longer than a year: give "
                     "a narrower one."))  # fmt: skip
    if _aware(start) and _aware(received):
        assert start is not None and received is not None
        if start > received + timedelta(days=1):
            _problem(out, "occurred_start", N_("occurred_start is after the report was "
                     "received: an event is reported once it happened."))  # fmt: skip
    if draft.time_precision not in _TIME_PRECISIONS:
        _problem(out, "time_precision", N_("time_precision must be one of {known}."),
                 known=", ".join(TimePrecision))  # fmt: skip


def _check_where(out: list[Problem], draft: ReportDraft) -> None:
    lat, lon = draft.lat, draft.lon
    if (lat is None) != (lon is None):
        _problem(out, "lon" if lon is None else "lat", N_("Give both lat and lon, or neither."))
    for name, value, limit in (("lat", lat, 90.0), ("lon", lon, 180.0)):
        if value is not None and (not math.isfinite(value) or abs(value) > limit):
            _problem(out, name, N_("{field} must be a number between -{limit} and {limit}."),
                     field=name, limit=int(limit))  # fmt: skip
    if lat is None and lon is None and not (draft.location or draft.admin2 or draft.admin1):
        _problem(out, "location", N_("Say where: a point (lat and lon), a place name "
                 "(location), or at least the province (admin1)."))  # fmt: skip
    if draft.geo_precision is not None and draft.geo_precision not in _GEO_PRECISIONS:
        _problem(out, "geo_precision", N_("geo_precision must be one of {known}."),
                 known=", ".join(GeoPrecision))  # fmt: skip
    _check_text(out, "location", draft.location, MAX_NAME)
    for name in ("country", "admin1", "admin2"):
        _check_text(out, name, getattr(draft, name), 200)


def _check_what(out: list[Problem], draft: ReportDraft) -> None:
    if draft.event_type.strip().casefold() not in _TYPES:
        _problem(out, "event_type", N_("Unknown event type {value!r}: use one of ACLED's ({known}),"
                 " or 'Ceasefire' with a ceasefire kind."), value=draft.event_type,
                 known=", ".join(t for t in TAXONOMY if t != "Ceasefire"))  # fmt: skip
    else:
        try:
            event_kind(draft.event_type, draft.sub_event_type)
        except Invalid:
            event_type = _TYPES[draft.event_type.strip().casefold()]
            _problem(out, "sub_event_type", N_("Unknown sub-event type {value!r} for {event_type}:"
                     " use one of {known}."), value=draft.sub_event_type, event_type=event_type,
                     known=", ".join(TAXONOMY[event_type]))  # fmt: skip
    weapon = draft.weapon_class
    if weapon is not None and weapon.strip().casefold() not in _WEAPONS:
        _problem(out, "weapon_class", N_("Unknown weapon class {value!r}: use one of {known}."),
                 value=weapon, known=", ".join(WEAPON_CLASSES))  # fmt: skip


def _check_who(out: list[Problem], draft: ReportDraft) -> None:
    for name in ("actor1", "actor2"):
        _check_text(out, name, getattr(draft, name), MAX_NAME)
        party = getattr(draft, f"{name}_party_id")
        if party is not None and (not isinstance(party, int) or party < 1):
            _problem(out, f"{name}_party_id", N_("{field} must be a party id from the registry."),
                     field=f"{name}_party_id")  # fmt: skip


def _check_casualties(out: list[Problem], casualties: Casualties) -> None:
    for (measure, category), figure in casualties.items():
        name = f"{measure}.{category}"
        if measure not in MEASURES or category not in (*CATEGORIES, TOTAL):
            _problem(out, "casualties", N_("Unknown casualty figure {name!r}: count {measures}, "
                     "each by {categories}."), name=name, measures=" or ".join(MEASURES),
                     categories=", ".join((*CATEGORIES, TOTAL)))  # fmt: skip
            continue
        given = figure.given()
        if any(not isinstance(v, int) or v < 0 or v > MAX_FIGURE for v in given):
            _problem(out, name, N_("{name}: a count is a whole number from 0 to {most}."),
                     name=name, most=MAX_FIGURE)  # fmt: skip
        elif given != sorted(given):
            _problem(out, name, N_("{name}: give low <= best <= high."), name=name)


def _check_attachments(out: list[Problem], attachments: tuple[str, ...]) -> None:
    if len(attachments) > MAX_ATTACHMENTS:
        _problem(out, "attachments", N_("At most {most} attachments per report."),
                 most=MAX_ATTACHMENTS)  # fmt: skip
    for digest in attachments:
        if not _SHA256.match(digest):
            _problem(out, "attachments", N_("An attachment is named by the SHA-256 of its "
                     "content: 64 lowercase hex digits."))  # fmt: skip
            break


def _clean(value: str | None) -> str | None:
    if value is None:
        return None
    value = value.strip()
    return value or None


def window_end(start: datetime, precision: str) -> datetime:
    """The end of the window a start of this precision opens: its day, week or month."""
    if precision == TimePrecision.WEEK:
        return start + timedelta(days=7) - timedelta(microseconds=1)
    if precision == TimePrecision.MONTH:
        year, month = (start.year + 1, 1) if start.month == 12 else (start.year, start.month + 1)
        return start.replace(year=year, month=month, day=1) - timedelta(microseconds=1)
    return start + timedelta(days=1) - timedelta(microseconds=1)


def check_report(draft: ReportDraft) -> ReportDraft:
    """The draft as stored: trimmed, in UTC, its kind and weapon spelled as the vocabularies
    spell them, its window closed; ReportInvalid listing every problem otherwise."""
    found = problems(draft)
    if found:
        raise ReportInvalid(found)
    return normalise(draft)


def normalise(draft: ReportDraft, **changes: Any) -> ReportDraft:
    """A draft without problems as stored (see :func:`check_report`), with ``changes`` made
    in the same copy."""
    assert draft.occurred_start is not None
    kind = event_kind(draft.event_type, draft.sub_event_type)
    start = draft.occurred_start.astimezone(UTC)
    end = draft.occurred_end.astimezone(UTC) if draft.occurred_end else None
    precision = draft.geo_precision or (GeoPrecision.EXACT if draft.has_point else None)
    weapon = _WEAPONS[draft.weapon_class.strip().casefold()] if draft.weapon_class else None
    values: dict[str, Any] = {
        "source": draft.source.strip(),
        "source_ref": _clean(draft.source_ref),
        "reporter": _clean(draft.reporter),
        "received_at": draft.received_at.astimezone(UTC) if draft.received_at else None,
        "event_type": kind.event_type,
        "sub_event_type": kind.sub_event_type,
        "occurred_start": start,
        "occurred_end": end or window_end(start, draft.time_precision),
        "location": _clean(draft.location),
        "geo_precision": precision,
        "country": _clean(draft.country),
        "admin1": _clean(draft.admin1),
        "admin2": _clean(draft.admin2),
        "weapon_class": weapon,
        "actor1": _clean(draft.actor1),
        "actor2": _clean(draft.actor2),
        "attachments": tuple(sorted(set(draft.attachments))),
    }
    values.update(changes)
    return evolve(draft, **values)


@dataclass(frozen=True, slots=True)
class ActorMatch:
    """A name a report gives an armed group, matched to a registry party by one of its aliases."""

    role: str  # actor1 (the claimed perpetrator) or actor2 (the claimed target)
    name: str  # the name as the source wrote it (one of several, for a side of many groups)
    party_id: int
    alias: str  # the party's alias it matched
    score: float  # 100 for the same name once folded; rapidfuzz's WRatio otherwise
    current: bool = True  # False: a name the party took only later, or had only before

    def record(self) -> list[Any]:
        """As stored: [role, name, party_id, alias, score, current]."""
        return [self.role, self.name, self.party_id, self.alias, self.score, self.current]


@dataclass(frozen=True, slots=True)
class Report:
    """A stored report: the draft as checked, geocoded and matched, and where it came from."""

    id: int
    draft: ReportDraft
    content_digest: str | None = None
    recorded_by: str | None = None
    actor_matches: tuple[ActorMatch, ...] = ()
    import_id: int | None = None
    import_row: int | None = None
    article_id: int | None = None


_NONE = "\x00"  # None, told apart from the empty string


def _time(moment: datetime | None) -> str:
    return moment.astimezone(UTC).isoformat() if moment is not None else _NONE


def _number(value: float | int | None) -> str:
    if value is None:
        return _NONE
    return f"{value:.6f}" if isinstance(value, float) else str(value)


def _text(value: str | None) -> str:
    return value if value is not None else _NONE


def content_digest(draft: ReportDraft) -> str:
    """The SHA-256 of what a report says (hex): who gives it, its own id, when, where, what,
    who did it to whom, the counts, the text and the attachments. When it was received, how the
    source is graded and whether the reporter is hidden are not part of it, so one account sent
    twice digests alike. (Fields are joined by a separator no text holds, with None written
    apart from the empty string; a million reports digest in seconds.)"""
    counts = ";".join(
        f"{m}.{c}={_number(f.low)}/{_number(f.best)}/{_number(f.high)}"
        for (m, c), f in sorted(draft.casualties.items())
    )
    d = draft
    parts = (
        "report/1", d.channel, d.source, _text(d.source_ref), _text(d.reporter),
        _time(d.occurred_start), _time(d.occurred_end), d.time_precision, _number(d.lat),
        _number(d.lon), _text(d.location), _text(d.geo_precision), _text(d.country),
        _text(d.admin1), _text(d.admin2), d.event_type, d.sub_event_type, _text(d.weapon_class),
        _text(d.actor1), _number(d.actor1_party_id), _text(d.actor2),
        _number(d.actor2_party_id), counts, d.text, _text(d.lang), ",".join(sorted(d.attachments)),
        _number(d.amends_id),
    )  # fmt: skip
    return hashlib.sha256("\x1f".join(parts).encode("utf-8", "surrogatepass")).hexdigest()


def attachment_digest(content: bytes) -> str:
    """The name an attachment is stored by: the SHA-256 of its bytes, in hex."""
    return hashlib.sha256(content).hexdigest()


__all__ = [
    "CATEGORIES",
    "MEASURES",
    "TOTAL",
    "WEAPON_CLASSES",
    "ActorMatch",
    "Casualties",
    "Channel",
    "Figure",
    "GeoPrecision",
    "Problem",
    "Reliability",
    "Report",
    "ReportDraft",
    "ReportInvalid",
    "TimePrecision",
    "attachment_digest",
    "casualties_from_record",
    "casualties_record",
    "casualty_total",
    "check_report",
    "content_digest",
    "evolve",
    "normalise",
    "problems",
    "window_end",
]
