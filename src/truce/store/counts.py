"""Counting reports per source and incidents per day and key, in SQL (GROUP BY, on SQLite and
PostgreSQL alike): see :mod:`truce.domain.counts`."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Date, case, cast, exists, func, or_, select, text
from sqlalchemy.orm import Session

from truce.domain.counts import CountBy, CountFilters, IncidentClaim
from truce.domain.reports import Channel, TimePrecision
from truce.store.tables import IncidentReportRow, IncidentRow, ReportRow

# (day, key, source, reports)
SourceCount = tuple[date, str | None, str, int]
_STREAMED = 20_000  # rows held at a time when a count reads every report of its incidents
_AROUND = timedelta(days=3)  # how far before its day an ACLED week's window starts


def _start(day: date) -> datetime:
    return datetime.combine(day, time(), UTC)


def _as_day(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def _key(value: Any) -> str | None:
    return None if value is None else str(value)


class Counts:
    def __init__(self, session: Session) -> None:
        self.session = session

    def _postgres(self) -> bool:
        return self.session.bind is not None and self.session.bind.dialect.name == "postgresql"

    def _day(self, column: Any) -> ColumnElement[Any]:
        """The UTC day of a stored time: SQLite keeps UTC text, PostgreSQL a timestamptz."""
        if self._postgres():
            return cast(func.timezone("UTC", column), Date)
        return func.date(column)

    def _report_day(self) -> ColumnElement[Any]:
        """The day a report counts on: the first of its observed window, but an ACLED event
        of the week's precision on its ``event_date``, the middle of the week the importer
        opened around it (importers/acled.py), as ACLED counts it."""
        middle: ColumnElement[Any]
        if self._postgres():
            middle = cast(
                func.timezone("UTC", ReportRow.occurred_start) + text("interval '3 days'"), Date
            )
        else:
            middle = func.date(ReportRow.occurred_start, "+3 days")
        week_of_acled = (ReportRow.channel == Channel.ACLED) & (
            ReportRow.time_precision == TimePrecision.WEEK
        )
        return case((week_of_acled, middle), else_=self._day(ReportRow.occurred_start))

    def by_source(self, filters: CountFilters) -> list[SourceCount]:
        """Reports per day, key and source, as each source coded them."""
        day = self._report_day().label("day")
        key = {
            CountBy.PROVINCE: ReportRow.admin1,
            CountBy.EVENT_TYPE: ReportRow.event_type,
            CountBy.PARTY: ReportRow.actor1_party_id,
        }[filters.by].label("key")
        where: list[ColumnElement[bool]] = [ReportRow.occurred_start.is_not(None)]
        where += self._occurred_window(filters)  # narrows by index before the day is read
        if filters.since is not None:
            where.append(day >= filters.since)
        if filters.until is not None:
            where.append(day <= filters.until)
        if filters.admin1 is not None:
            where.append(ReportRow.admin1 == filters.admin1)
        if filters.event_type is not None:
            where.append(ReportRow.event_type == filters.event_type)
        if filters.party_id is not None:
            where.append(ReportRow.actor1_party_id == filters.party_id)
        if filters.source is not None:
            where.append(ReportRow.source == filters.source)
        if filters.recorded_by is not None:  # a report is in the record once it is linked
            where.append(
                exists(
                    select(IncidentReportRow.report_id).where(
                        IncidentReportRow.report_id == ReportRow.id,
                        IncidentReportRow.linked_at <= filters.recorded_by,
                    )
                )
            )
        query = (
            select(day, key, ReportRow.source, func.count())
            .where(*where)
            .group_by(day, key, ReportRow.source)
        )
        return [(_as_day(d), _key(k), str(s), int(n)) for d, k, s, n in self.session.execute(query)]

    def _first_days(self, filters: CountFilters) -> Any:
        """Each incident's day: the first day one of its reports (linked by ``recorded_by``)
        counts on, for the incidents that may fall in the filters' days.

        An incident's first day is one of its reports' days, so an incident of the period has
        a report that occurred within it (or up to 3 days before, an ACLED week): only those
        incidents are aggregated, over all their reports, instead of every incident of the
        record (docs/benchmarks.md, "Situation reports")."""
        query = (
            select(IncidentReportRow.incident_id.label("incident_id"),
                   func.min(self._report_day()).label("day"))
            .join(ReportRow, ReportRow.id == IncidentReportRow.report_id)
            .group_by(IncidentReportRow.incident_id)
        )  # fmt: skip
        if filters.recorded_by is not None:
            query = query.where(IncidentReportRow.linked_at <= filters.recorded_by)
        window = self._occurred_window(filters)
        if window:
            in_period = (
                select(IncidentReportRow.incident_id)
                .join(ReportRow, ReportRow.id == IncidentReportRow.report_id)
                .where(*window)
            )
            if filters.recorded_by is not None:
                in_period = in_period.where(IncidentReportRow.linked_at <= filters.recorded_by)
            query = query.where(IncidentReportRow.incident_id.in_(in_period))
        return query.subquery("first_days")

    @staticmethod
    def _occurred_window(filters: CountFilters) -> list[ColumnElement[bool]]:
        """When a report of the filters' days may have occurred: from 3 days before the first
        (an ACLED week counts on its middle day) to the end of the last."""
        where: list[ColumnElement[bool]] = []
        if filters.since is not None:
            where.append(ReportRow.occurred_start >= _start(filters.since - _AROUND))
        if filters.until is not None:
            where.append(ReportRow.occurred_start < _start(filters.until + timedelta(days=1)))
        return where

    def incident_claims(self, filters: CountFilters) -> Iterator[IncidentClaim]:
        """Each report (linked by ``recorded_by``) of each live incident (not merged away)
        under the filters, beside its incident's first day, province, type and assessed
        perpetrator: what the merged counts are made of (domain/counts.py,
        ``MergedTally``), made one at a time: over the whole record they are millions."""
        first = self._first_days(filters)
        where = self._incident_conditions(filters, first.c.day)
        if filters.recorded_by is not None:
            where.append(IncidentReportRow.linked_at <= filters.recorded_by)
        query = (
            select(IncidentRow.id, first.c.day, IncidentRow.admin1, IncidentRow.event_type,
                   IncidentRow.assessed_perpetrator_id, ReportRow.source,
                   ReportRow.actor1_party_id)
            .join(first, first.c.incident_id == IncidentRow.id)
            .join(IncidentReportRow, IncidentReportRow.incident_id == IncidentRow.id)
            .join(ReportRow, ReportRow.id == IncidentReportRow.report_id)
            .where(*where)
        )  # fmt: skip
        for i, d, admin1, kind, assessed, source, claimed in self._rows(query, filters):
            yield IncidentClaim(int(i), _as_day(d), admin1, str(kind), assessed, str(source),
                                claimed)  # fmt: skip

    def _rows(self, query: Any, filters: CountFilters) -> Any:
        """The rows of a query over a period of at most a year, fetched at once (the fastest);
        over a longer or open one, a batch at a time, so that memory holds one batch of the
        millions of reports, not all (a server-side cursor: slower by a third)."""
        long = (
            filters.since is None
            or filters.until is None
            or (filters.until - filters.since > timedelta(days=366))
        )
        if not long:
            return self.session.execute(query)
        if self._postgres():  # a cursor is planned for its first rows: these are all read
            self.session.execute(text("SET LOCAL cursor_tuple_fraction = 1.0"))
        return self.session.execute(query.execution_options(yield_per=_STREAMED))

    def _incident_conditions(self, f: CountFilters, day: Any) -> list[ColumnElement[bool]]:
        where: list[ColumnElement[bool]] = [IncidentRow.merged_into_id.is_(None)]
        if f.recorded_by is not None:
            where.append(IncidentRow.created_at <= f.recorded_by)
        if f.since is not None:
            where.append(day >= f.since)
        if f.until is not None:
            where.append(day <= f.until)
        if f.admin1 is not None:
            where.append(IncidentRow.admin1 == f.admin1)
        if f.event_type is not None:
            where.append(IncidentRow.event_type == f.event_type)
        if f.source is not None:
            where.append(_has_report(ReportRow.source == f.source))
        if f.party_id is not None:
            where.append(
                or_(
                    IncidentRow.assessed_perpetrator_id == f.party_id,
                    (IncidentRow.assessed_perpetrator_id.is_(None))
                    & _has_report(ReportRow.actor1_party_id == f.party_id),
                )
            )
        return where

    def sources(self) -> list[str]:
        """Every source that gave a report, by name."""
        query = select(ReportRow.source).distinct().order_by(ReportRow.source)
        return [str(s) for s in self.session.scalars(query)]

    def provinces(self) -> list[str]:
        """Every province a report or incident names, by name."""
        query = (
            select(ReportRow.admin1)
            .where(ReportRow.admin1.is_not(None))
            .distinct()
            .order_by(ReportRow.admin1)
        )
        return [str(s) for s in self.session.scalars(query)]


def _has_report(condition: ColumnElement[bool]) -> ColumnElement[bool]:
    return exists(
        select(IncidentReportRow.report_id)
        .join(ReportRow, ReportRow.id == IncidentReportRow.report_id)
        .where(IncidentReportRow.incident_id == IncidentRow.id, condition)
    )
