"""Situation reports (docs/reports.md): each kind's build registered here, and publishing,
which stores a report as issued and writes its digests into the ledger.

A kind is a function ``build(uow, params, *, actor) -> Sitrep`` and a template
(``src/truce/sitreps/templates/<kind>.html``). Its module registers it with :func:`register`
when imported; :data:`KIND_MODULES` lists those modules, so that naming a kind imports it.

A report is public unless its kind is registered ``restricted``. A public report's content
is built from what the public may read (sources, never reporters; counts of hotline messages,
never their text), so one report, one digest, for everyone. A restricted kind (the task force
pack, case files) is a working paper: only who may ``Action.READ_CASE_FILES`` builds it (the
public is told to sign in, other roles are refused, each naming the roles that may), and it is
never published: publishing stores the report's JSON for anyone to read and writes it to the
public ledger, so :func:`publish` refuses a restricted kind outright rather than issue a
digest of a document the public could not check. Building reads only; publishing needs
``Action.PUBLISH_REPORT``.
"""

from __future__ import annotations

import importlib
import json
from collections.abc import Callable, Iterable, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from truce import i18n
from truce.domain.errors import Conflict, Forbidden, Invalid, NotFound, Unauthenticated
from truce.domain.i18n import N_
from truce.domain.paging import Page
from truce.domain.permissions import SYSTEM, Action, Actor, allowed, allowed_roles, require
from truce.domain.sitreps import LedgerHead, Sitrep, daily_window, params_key, sha256
from truce.ledger.entry import Entry
from truce.ledger.export import read_entries
from truce.sitreps import render_html, render_json, render_pdf
from truce.store.ledger_store import Change
from truce.store.sitreps import Published
from truce.store.uow import UnitOfWork

OpenUow = Callable[[], AbstractContextManager[UnitOfWork]]

# Modules that register a kind when imported (each helper's kind adds its module here).
KIND_MODULES = (
    "truce.services.sitreps_daily",
    "truce.services.sitreps_two_ledgers",
    "truce.services.taskforce",
)
FORMATS = ("html", "pdf", "json")


class Build(Protocol):
    def __call__(
        self, uow: UnitOfWork, params: Mapping[str, Any], *, actor: Actor | None
    ) -> Sitrep: ...


@dataclass(frozen=True)
class Kind:
    name: str
    build: Build
    template: str
    # The parameters a kind is published under, from what a caller gave (defaults filled in).
    normalise: Callable[[Mapping[str, Any]], dict[str, Any]] = field(default=dict)
    # A working paper: built only for READ_CASE_FILES, never published.
    restricted: bool = False


_KINDS: dict[str, Kind] = {}


def register(
    name: str,
    build: Build,
    *,
    template: str | None = None,
    normalise: Callable[[Mapping[str, Any]], dict[str, Any]] = dict,
    restricted: bool = False,
) -> Kind:
    """Make a kind of report known, drawn with ``template`` (``<name>.html`` by default);
    ``restricted`` for a working paper (see the module's note)."""
    kind = Kind(name, build, template or f"{name}.html", normalise, restricted)
    _KINDS[name] = kind
    return kind


def kinds() -> dict[str, Kind]:
    """Every kind of report, its module imported."""
    for module in KIND_MODULES:
        importlib.import_module(module)
    return dict(sorted(_KINDS.items()))


def kind_param(name: str) -> Kind:
    """The kind a caller named in a request's parameters (Invalid, naming ``kind``, when
    there is none such: a bad parameter, not a missing thing)."""
    return _kind(name, Invalid)


def lookup(name: str) -> Kind:
    return _kind(name, NotFound)


def _kind(name: str, unknown: type[Invalid] | type[NotFound]) -> Kind:
    known = kinds()
    if name not in known:
        raise unknown(
            N_("There is no kind of report {kind!r}: choose one of {kinds}."),
            field="kind",
            kind=name,
            kinds=", ".join(known),
        )
    return known[name]


# --- the record a report is built from -----------------------------------------------------


@dataclass(frozen=True)
class Record:
    """The ledger head a report is built from, and the time its rows must have been written
    by (that entry's own time): rows written after it are not read."""

    head: LedgerHead
    written_by: datetime


def record_at(uow: UnitOfWork, as_of: int | None = None) -> Record:
    """The record as it stood at ledger entry ``as_of`` (the newest when None)."""
    newest, _ = uow.ledger.head()
    seq = newest if as_of is None else as_of
    if seq < 1 or seq > newest:
        raise Invalid(
            N_("as_of must be a ledger entry from 1 to {newest}."), field="as_of", newest=newest
        )
    found = uow.sitreps.entry_time(seq)
    if found is None:
        raise NotFound(N_("The ledger has no entry {seq}."), field="as_of", seq=seq)
    at, digest = found
    return Record(LedgerHead(seq, digest), datetime.fromisoformat(at.replace("Z", "+00:00")))


def with_as_of(result: dict[str, Any], params: Mapping[str, Any]) -> dict[str, Any]:
    """A kind's normalised parameters with the caller's ``as_of``, checked, when given."""
    as_of = as_of_param(params)
    if as_of is not None:
        result["as_of"] = as_of
    return result


def as_of_param(params: Mapping[str, Any]) -> int | None:
    """The ``as_of`` ledger entry a caller gave, checked."""
    value = params.get("as_of")
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise Invalid(N_("as_of must be the number of a ledger entry."), field="as_of")
    return value


# --- building and rendering ----------------------------------------------------------------


def build(
    name: str, params: Mapping[str, Any], uow: UnitOfWork, *, actor: Actor | None = None
) -> Sitrep:
    """The report of kind ``name`` for ``params``, from the record (reading only). A
    restricted kind is built only for who may read case files."""
    found = lookup(name)
    if found.restricted:
        may_read(actor, found.name)
    return found.build(uow, found.normalise(params), actor=actor)


def may_read(actor: Actor | None, kind: str) -> Actor:
    """The actor, if it may read the restricted report ``kind``: Unauthenticated for the
    public, Forbidden for another role, each naming the roles that may."""
    roles = ", ".join(sorted(role.value for role in allowed_roles(Action.READ_CASE_FILES)))
    if actor is None:
        raise Unauthenticated(
            N_("Sign in to read the {kind} report: it is a working paper, for {roles} only."),
            field="Authorization",
            kind=kind,
            roles=roles,
        )
    if not allowed(actor, Action.READ_CASE_FILES):
        raise Forbidden(
            N_(
                "The {kind} report is a working paper, for {roles} only: the role {role} may "
                "not read it."
            ),
            role=actor.role.value,
            kind=kind,
            roles=roles,
            action=Action.READ_CASE_FILES.value,
        )
    return actor


def render(sitrep: Sitrep, fmt: str, lang: str = "en") -> bytes:
    """The report written as ``fmt`` (html, pdf or json) in ``lang``."""
    i18n.check_locale(lang)
    if fmt == "json":
        return render_json(sitrep)
    if fmt == "html":
        return render_html(sitrep, lang).encode("utf-8")
    if fmt == "pdf":
        return render_pdf(render_html(sitrep, lang))
    raise Invalid(
        N_("There is no format {format!r}: choose one of {formats}."),
        field="format",
        format=fmt,
        formats=", ".join(FORMATS),
    )


def digests(sitrep: Sitrep, *, pdf: bool = True) -> tuple[str, dict[str, dict[str, str]]]:
    """The digest of the JSON, and of the HTML and PDF in each language."""
    by_lang: dict[str, dict[str, str]] = {}
    for lang in i18n.SUPPORTED:
        html = render_html(sitrep, lang)
        by_lang[lang] = {"html": sha256(html.encode("utf-8"))}
        if pdf:
            by_lang[lang]["pdf"] = sha256(render_pdf(html))
    return sha256(render_json(sitrep)), by_lang


def sitrep_of(published: Published) -> Sitrep:
    """A published report as it was issued, from its stored JSON."""
    data = json.loads(published.content)
    head = data["ledger_head"]
    return Sitrep(
        data["kind"], data["params"], data["cutoff"], LedgerHead(head["seq"], head["hash"]),
        data["content"],
    )  # fmt: skip


# --- publishing ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Publish:
    kind: str
    params: Mapping[str, Any]
    pdf: bool = True  # digest the PDFs too (the scheduler and the CLI do)


def publish(cmd: Publish, uow: UnitOfWork, *, actor: Actor) -> Published:
    """Issue a report: build it, store its JSON with the digests of its JSON, HTML and PDF
    in each language, and write ``report.published`` with them and the ledger head it was
    built from. A report of the same kind and parameters is issued once (Conflict after)."""
    require(actor, Action.PUBLISH_REPORT)
    found = lookup(cmd.kind)
    if found.restricted:
        raise Forbidden(
            N_("The {kind} report is a working paper and is never published: open its page "
               "or its API route for the meeting instead."),
            field="kind", kind=found.name,
        )  # fmt: skip
    # Issued from the newest record: an old head's rebuild (as_of) is for checking, not issuing.
    params = {k: v for k, v in found.normalise(cmd.params).items() if k != "as_of"}
    key = params_key(found.name, params)
    if uow.sitreps.published_by_key(key) is not None:
        raise _already(found.name, params)
    sitrep = found.build(uow, params, actor=actor)
    json_digest, by_lang = digests(sitrep, pdf=cmd.pdf)
    report_id = uow.sitreps.publish(
        {
            "kind": found.name, "params_key": key, "params": params,
            "cutoff": datetime.fromisoformat(sitrep.cutoff.replace("Z", "+00:00")),
            "ledger_seq": sitrep.ledger_head.seq, "ledger_hash": sitrep.ledger_head.hash,
            "json_digest": json_digest, "digests": by_lang,
            "content": render_json(sitrep).decode("utf-8"),
            "published_by": actor.username, "published_at": uow.now(),
        }
    )  # fmt: skip
    if report_id is None:  # published by another worker since the check above
        raise _already(found.name, params)
    payload = {
        "report_id": report_id,
        "kind": found.name,
        "params": params,
        "cutoff": sitrep.cutoff,
        "built_from": sitrep.ledger_head.as_dict(),
        "json": json_digest,
        "digests": by_lang,
    }
    (entry,) = uow.record(actor, Change("report.published", f"sitrep:{report_id}", payload))
    uow.sitreps.set_entry(report_id, entry.seq)
    uow.commit()
    published = uow.sitreps.published_by_key(key)
    assert published is not None
    return published


def _already(name: str, params: Mapping[str, Any]) -> Conflict:
    return Conflict(
        N_("This {kind} report is already published."), field="params", kind=name,
        params=dict(params),
    )  # fmt: skip


def published_page(
    uow: UnitOfWork, *, kind: str | None = None, cursor: str | None = None, limit: int = 50
) -> Page[Published]:
    """The published reports, newest cut-off first, a page at a time, with the total."""
    if kind is not None:
        kind_param(kind)  # Invalid naming the kinds
    return uow.sitreps.published(kind, cursor, limit)


def published(uow: UnitOfWork, name: str, params: Mapping[str, Any]) -> Published | None:
    """The issued report of this kind and parameters, if it was published."""
    found = lookup(name)
    return uow.sitreps.published_by_key(params_key(found.name, found.normalise(params)))


def as_dict(report: Published) -> dict[str, Any]:
    """A published report as the API lists it."""
    return {
        "id": report.id,
        "kind": report.kind,
        "params": report.params,
        "cutoff": report.cutoff.isoformat().replace("+00:00", "Z"),
        "built_from": {"seq": report.ledger_seq, "hash": report.ledger_hash},
        "json": report.json_digest,
        "digests": report.digests,
        "entry_seq": report.entry_seq,
        "published_at": report.published_at.isoformat().replace("+00:00", "Z"),
    }


def published_report(uow: UnitOfWork, report_id: int) -> Published:
    """The published report ``report_id``."""
    found = uow.sitreps.published_by_id(report_id)
    if found is None:
        raise NotFound(N_("There is no published report {id}."), field="report_id", id=report_id)
    return found


# --- checking a file against what was issued -----------------------------------------------


@dataclass(frozen=True)
class Match:
    """A file that is one rendering of a published report, as the ``report.published``
    ledger entry that issued it records: its ``format`` (json, html or pdf) and ``lang``
    (None for the JSON, which has no language)."""

    report_id: int
    kind: str
    params: dict[str, Any]
    format: str
    lang: str | None
    entry: Entry


def matches(digest: str, entries: Iterable[Entry], report_id: int | None = None) -> list[Match]:
    """The renderings among the ``report.published`` entries (of ``report_id`` only, if
    given) whose digest is ``digest``."""
    found = []
    for entry in entries:
        payload = entry.payload
        if entry.action != "report.published":
            continue
        if report_id is not None and payload.get("report_id") != report_id:
            continue
        issued: tuple[int, str, dict[str, Any]] = (
            payload["report_id"], payload["kind"], payload["params"]
        )  # fmt: skip
        if payload.get("json") == digest:
            found.append(Match(*issued, "json", None, entry))
        for lang, by_format in sorted(payload.get("digests", {}).items()):
            for fmt, value in sorted(by_format.items()):
                if value == digest:
                    found.append(Match(*issued, fmt, lang, entry))
    return found


def check(data: bytes, uow: UnitOfWork, *, report_id: int | None = None) -> list[Match]:
    """Which published reports (only ``report_id``, if given) ``data`` is a rendering of.

    The digests compared are those of each report's ``report.published`` ledger entry, the
    signed record, not of the stored copy beside it; that the entries are genuine is what
    ``truce ledger verify`` checks."""
    if report_id is not None:
        reports = [published_report(uow, report_id)]
    else:
        reports = uow.sitreps.all_published()
    entries = [
        entry
        for report in reports
        if report.entry_seq is not None
        for entry in uow.ledger.page(report.entry_seq - 1, 1)
    ]
    return matches(sha256(data), entries, report_id)


def check_against_export(data: bytes, ledger: Path, *, report_id: int | None = None) -> list[Match]:
    """As :func:`check`, against a ledger export file (``truce ledger export``), without a
    database: what anyone holding the public ledger can run."""
    return matches(sha256(data), read_entries(ledger), report_id)


# --- the daily bulletin, published at its cut-off ------------------------------------------

DAILY = "daily"


def due_days(uow: UnitOfWork, catch_up_days: int) -> list[str]:
    """The days, oldest first, whose daily bulletin is due and not yet published: those of
    the last ``catch_up_days`` days (today on the agreement's clock included) whose cut-off
    has passed and fell after the agreement took effect."""
    found = uow.agreements.all()
    if not found:
        return []
    agreement = found[-1]
    rules = agreement.bulletin_rules()
    now = uow.now()
    today = now.astimezone(ZoneInfo(agreement.timezone)).date()
    due = []
    for back in range(catch_up_days - 1, -1, -1):
        day = today - timedelta(days=back)
        _, cutoff = daily_window(day, agreement.timezone, rules)
        if cutoff > now or cutoff <= agreement.effective_at:
            continue
        if published(uow, DAILY, {"date": day.isoformat()}) is None:
            due.append(day.isoformat())
    return due


@dataclass(frozen=True)
class DailySchedule:
    """How the background rounds publish the daily bulletin (TRUCE_PUBLISH_DAILY)."""

    catch_up_days: int = 7  # how far back a missed day is still published
    pdf: bool = True  # digest the PDFs too


def publish_due_daily(
    open_uow: OpenUow, schedule: DailySchedule, *, actor: Actor = SYSTEM
) -> list[Published]:
    """Publish the daily bulletin of each day that is due (:func:`due_days`), as ``actor``
    (the installation's system actor); what was published. A day another process publishes
    meanwhile is left to it: the unique parameters make the second publish refused."""
    with open_uow() as uow:
        days = due_days(uow, schedule.catch_up_days)
    issued = []
    for day in days:
        cmd = Publish(DAILY, {"date": day}, pdf=schedule.pdf)
        with open_uow() as uow:
            try:
                issued.append(publish(cmd, uow, actor=actor))
            except Conflict:
                continue
    return issued
