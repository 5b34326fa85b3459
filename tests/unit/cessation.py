"""The 2016 agreement's clock and shape, as pure domain objects for unit tests."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from truce.domain.agreement import Agreement, Term

SIGNED = datetime(2016, 2, 22, 17, 0, tzinfo=UTC)
DEADLINE = datetime(2016, 2, 26, 10, 0, tzinfo=UTC)  # 12:00 Damascus time
EFFECTIVE = datetime(2016, 2, 26, 22, 0, tzinfo=UTC)  # 00:00 Damascus time, 27 Feb
TICK = timedelta(microseconds=1)
UN_LIST = "UNSC 1267"


def cessation(**changes: object) -> Agreement:
    """An agreement like 2016's, with any field changed."""
    agreement = Agreement(
        id=1,
        slug="syria-2016",
        title="Cessation of Hostilities in Syria",
        signed_at=SIGNED,
        effective_at=EFFECTIVE,
        acceptance_deadline=DEADLINE,
        timezone="Asia/Damascus",
        guarantors=("US", "RU"),
        members=("FR", "DE", "GB"),
        excluded_lists=(UN_LIST,),
        terms=tuple(Term(n, f"Term {n}", f"Obligation {n}.") for n in range(1, 7)),
    )
    return replace(agreement, **changes)  # type: ignore[arg-type]
