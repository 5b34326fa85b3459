"""The map slider's days, in the agreement's calendar."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from truce.web.pages import MapDays

DAMASCUS = timezone(timedelta(hours=2))


def test_days_of_the_2016_cessation() -> None:
    days = MapDays.of(
        datetime(2016, 2, 22, 12, tzinfo=DAMASCUS),
        datetime(2016, 2, 27, 0, tzinfo=DAMASCUS),  # 26 Feb 22:00 UTC
        "Asia/Damascus",
    )
    assert days.first == date(2016, 2, 15)  # a week before signature
    assert days.effective == date(2016, 2, 27)  # the local day, not the UTC one
    assert days.default == date(2016, 2, 28)
    assert days.last == date(2016, 6, 26)  # 120 days in force
    assert days.offset(days.signed) == 7
    assert days.offset(days.last) == 132
