"""Filing a report, and reading reports as each reader may see them.

A report filed through the API or the web form is checked (every problem names its field),
placed (a place name or an admin unit becomes a point, and every report's admin units are
spelled alike), its actors matched to registry parties, and stored with one ledger entry
``report.filed``, once: the same account sent again (the same source and ``source_ref``, or
the same content) answers with the report already stored and writes nothing.

Who gave a report is restricted: the public never reads ``reporter`` nor ``recorded_by``, and
when the reporter is hidden only admins read them (``report.see_hidden_reporter``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from truce.domain.errors import Invalid, NotFound
from truce.domain.i18n import N_
from truce.domain.paging import DEFAULT_LIMIT, Page
from truce.domain.permissions import Action, Actor, allowed, require
from truce.domain.reports import (
    ActorMatch,
    Problem,
    Report,
    ReportDraft,
    ReportInvalid,
    attachment_digest,
    check_report,
    content_digest,
    evolve,
)
from truce.importers.actors import ActorMatcher
from truce.importers.geocode import geocoder
from truce.services import common, incidents
from truce.store.ledger_store import Change
from truce.store.reports import Attachment, ReportFilters, report_values
from truce.store.uow import UnitOfWork

MAX_ATTACHMENT = 10 * 1024 * 1024
MEDIA_TYPES = (
    "image/jpeg", "image/png", "image/webp", "image/gif", "application/pdf", "text/plain",
    "video/mp4", "audio/mpeg", "audio/ogg",
)  # fmt: skip
MONITORS = "Truce monitoring"  # the source of a monitor's report, unless it names another


@dataclass(frozen=True)
class Filed:
    """The stored report, and whether this filing stored it (False: it was already there)."""

    report: Report
    created: bool


def matcher_for(uow: UnitOfWork) -> ActorMatcher:
    """A matcher over every name of every party in the registry."""
    return ActorMatcher(uow.parties.every_alias())


def with_parties(draft: ReportDraft, matcher: ActorMatcher) -> tuple[ReportDraft, list[ActorMatch]]:
    """The draft with its actors' parties, where the filer gave none, and every match."""
    on = draft.occurred_start.date() if draft.occurred_start else None
    matches: list[ActorMatch] = []
    chosen: dict[str, int | None] = {}
    for role in ("actor1", "actor2"):
        given = getattr(draft, f"{role}_party_id")
        found = matcher.match(role, getattr(draft, role), on) if given is None else []
        matches += found
        chosen[f"{role}_party_id"] = given if given is not None else _first(found)
    if chosen["actor1_party_id"] == draft.actor1_party_id and (
        chosen["actor2_party_id"] == draft.actor2_party_id
    ):
        return draft, matches
    return evolve(draft, **chosen), matches


def _first(found: Sequence[ActorMatch]) -> int | None:
    return found[0].party_id if found else None


def _default_source(uow: UnitOfWork, actor: Actor) -> str:
    """Who gives an account when the filer names no source: its state, or its party."""
    if actor.state:
        return uow.states.names().get(actor.state, actor.state)
    if actor.party_id is not None:
        party = uow.parties.get(actor.party_id)
        if party is not None:
            return party.name
    return MONITORS


def _check_references(uow: UnitOfWork, draft: ReportDraft) -> None:
    for role in ("actor1", "actor2"):
        party_id = getattr(draft, f"{role}_party_id")
        if party_id is not None and uow.parties.get(party_id) is None:
            raise NotFound(N_("There is no party {id}."), field=f"{role}_party_id", id=party_id)
    if draft.amends_id is not None and uow.reports.get(draft.amends_id) is None:
        raise NotFound(N_("There is no report {id} to amend."), field="amends_id",
                       id=draft.amends_id)  # fmt: skip
    unknown = set(draft.attachments) - uow.reports.known_attachments(draft.attachments)
    if unknown:
        raise Invalid(
            N_("No attachment {digest} is stored: upload it first (POST /api/v1/attachments)."),
            field="attachments",
            digest=sorted(unknown)[0],
        )


def file_report(draft: ReportDraft, uow: UnitOfWork, *, actor: Actor) -> Filed:
    """Store one account from the API, the web form or the hotline, once."""
    require(actor, Action.FILE_REPORT)
    given = replace(
        draft,
        source=draft.source.strip() or _default_source(uow, actor),
        reporter=draft.reporter or actor.username,
        received_at=uow.now(),
    )
    checked = check_report(given)
    digest = content_digest(checked)
    existing = uow.reports.existing(checked.source, checked.source_ref, digest)
    if existing is not None:
        found = uow.reports.get(existing)
        assert found is not None
        return Filed(found, False)
    _check_references(uow, checked)
    [placed] = geocoder().place([checked])
    if isinstance(placed, Problem):
        raise ReportInvalid([placed])
    enriched, matches = with_parties(placed, matcher_for(uow))
    assert checked.received_at is not None
    values = report_values(enriched, digest=digest, received_at=checked.received_at,
                           recorded_by=actor.username, matches=matches)  # fmt: skip
    report_id = uow.reports.add(values)
    if enriched.attachments:
        uow.reports.attach(report_id, enriched.attachments)
    payload = _filed_payload(report_id, enriched, digest)
    # The row as stored (placed, its actors matched), for replay; never its reporter.
    payload["images"] = {"reports": uow.images("reports", [report_id])}
    uow.record(actor, Change("report.filed", f"report:{report_id}", payload))
    uow.commit()
    incidents.link_reports(uow, [report_id])
    stored = uow.reports.get(report_id)
    assert stored is not None
    return Filed(stored, True)


def _filed_payload(report_id: int, draft: ReportDraft, digest: str) -> dict[str, Any]:
    # Never who reported: the digest covers it, the ledger does not name them.
    return {
        "report_id": report_id,
        "content_digest": digest,
        "channel": draft.channel,
        "source": draft.source,
        "source_ref": draft.source_ref,
        "occurred_start": common.stamp(draft.occurred_start),
        "occurred_end": common.stamp(draft.occurred_end),
        "event_type": draft.event_type,
        "sub_event_type": draft.sub_event_type,
        "hide_reporter": draft.hide_reporter,
        "attachments": list(draft.attachments),
        "amends_id": draft.amends_id,
    }


def may_see_reporter(report: Report, actor: Actor | None) -> bool:
    """Whether ``actor`` (None for the public) may read who gave and who filed ``report``."""
    if actor is None:
        return False
    return not report.draft.hide_reporter or allowed(actor, Action.SEE_HIDDEN_REPORTER)


def shown(report: Report, actor: Actor | None) -> Report:
    """The report as ``actor`` may read it: without its reporter and filer when not allowed."""
    if may_see_reporter(report, actor):
        return report
    return replace(report, draft=replace(report.draft, reporter=None), recorded_by=None)


def get_report(uow: UnitOfWork, report_id: int, *, actor: Actor | None) -> Report:
    """One report, as ``actor`` may read it."""
    found = uow.reports.get(report_id)
    if found is None:
        raise NotFound(N_("There is no report {id}."), field="report_id", id=report_id)
    return shown(found, actor)


def check_filters(filters: ReportFilters) -> ReportFilters:
    """The filters, or Invalid naming the one that holds control characters (which no stored
    text holds, and which PostgreSQL refuses outright)."""
    for name in ("channel", "source"):
        value = getattr(filters, name)
        if value is not None and not value.isprintable():
            raise Invalid(N_("{name} must not hold control characters."), field=name, name=name)
    return filters


def list_reports(
    uow: UnitOfWork,
    filters: ReportFilters,
    *,
    actor: Actor | None,
    cursor: str | None = None,
    limit: int = DEFAULT_LIMIT,
) -> Page[Report]:
    """A page of reports, the latest events first, as ``actor`` may read them."""
    return uow.reports.page(check_filters(filters), cursor, limit).map(lambda r: shown(r, actor))


def store_attachment(
    content: bytes, media_type: str, name: str, uow: UnitOfWork, *, actor: Actor
) -> tuple[Attachment, bool]:
    """Keep a file a report will refer to, by the SHA-256 of its bytes; (it, whether new)."""
    require(actor, Action.FILE_REPORT)
    media = media_type.split(";", 1)[0].strip().lower()
    if media not in MEDIA_TYPES:
        raise Invalid(N_("Attachments of type {media!r} are not kept: send one of {known}."),
                      field="content-type", media=media, known=", ".join(MEDIA_TYPES))  # fmt: skip
    if not content or len(content) > MAX_ATTACHMENT:
        raise Invalid(N_("An attachment holds 1 byte to {most} MB."), field="body",
                      most=MAX_ATTACHMENT // (1024 * 1024))  # fmt: skip
    attachment = Attachment(attachment_digest(content), media, len(content), name[:300])
    created = uow.reports.add_attachment(attachment, content, actor.username, uow.now())
    if created:
        payload = {"sha256": attachment.sha256, "media_type": media, "size": len(content)}
        uow.record(actor, Change("attachment.stored", f"attachment:{attachment.sha256}", payload))
    uow.commit()
    return attachment, created


def attachment(uow: UnitOfWork, sha256: str) -> tuple[Attachment, bytes]:
    """A stored attachment and its bytes."""
    found = uow.reports.attachment_content(sha256)
    if found is None:
        raise NotFound(N_("There is no attachment {digest}."), field="sha256", digest=sha256)
    return found


__all__ = [
    "MONITORS",
    "Filed",
    "attachment",
    "file_report",
    "get_report",
    "list_reports",
    "matcher_for",
    "may_see_reporter",
    "shown",
    "store_attachment",
    "with_parties",
]
