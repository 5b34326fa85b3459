"""Date expressions in news text, resolved against the publication time (see dates.py)."""

from datetime import date, datetime

import pytest

from truce.news.dates import DAY, VAGUE, find_dates, publication_date, resolve_weekday

# Monday 22 February 2016, the day the US-Russian plan was announced.
MONDAY = datetime.fromisoformat("2016-02-22T10:00:00+00:00")
TUESDAY = datetime.fromisoformat("2016-02-23T09:00:00+00:00")


def days(text: str, published: datetime | date | None) -> list[tuple[str, date | None]]:
    return [(m.text, m.value) for m in find_dates(text, published)]


def one(text: str, published: datetime | date | None):
    [mention] = find_dates(text, published)
    assert mention.span.of(text) == mention.text
    return mention


# -- weekdays -------------------------------------------------------------------------------------


def test_a_weekday_on_its_own_day_is_that_same_day() -> None:
    mention = one("The plan was announced on Monday.", MONDAY)
    assert (mention.text, mention.value, mention.kind) == ("on Monday", date(2016, 2, 22), DAY)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("The talks ended on Friday.", date(2016, 2, 19)),
        ("Shelling resumed late on Sunday.", date(2016, 2, 21)),
        ("They met on Tuesday.", date(2016, 2, 16)),  # a week back: Tuesday is after Monday
        ("Fighting broke out on Saturday night.", date(2016, 2, 20)),
        ("The truce begins next Saturday.", date(2016, 2, 27)),
        ("Talks resume next Monday.", date(2016, 2, 29)),  # "next" never means today
    ],
)
def test_weekdays_are_the_most_recent_such_day(text: str, expected: date) -> None:
    assert one(text, MONDAY).value == expected


def test_resolve_weekday_directly() -> None:
    monday = date(2016, 2, 22)
    assert resolve_weekday(0, monday) == monday
    assert resolve_weekday(6, monday) == date(2016, 2, 21)
    assert resolve_weekday(0, monday, forward=True) == date(2016, 2, 29)
    assert resolve_weekday(1, monday, forward=True) == date(2016, 2, 23)


def test_the_publication_date_is_taken_in_its_own_offset_not_utc() -> None:
    # 23:30 on Sunday in New York is already Monday in UTC; the article's Sunday is its own.
    late_sunday = datetime.fromisoformat("2016-02-21T23:30:00-05:00")
    assert publication_date(late_sunday) == date(2016, 2, 21)
    assert one("Strikes hit Aleppo on Sunday.", late_sunday).value == date(2016, 2, 21)
    assert one("Strikes hit Aleppo yesterday.", late_sunday).value == date(2016, 2, 20)
    # 01:30 on Monday in Damascus is still Sunday in UTC; "yesterday" is Sunday.
    early_monday = datetime.fromisoformat("2016-02-22T01:30:00+02:00")
    assert one("Strikes hit Aleppo yesterday.", early_monday).value == date(2016, 2, 21)


# -- relative days --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("phrase", "expected"),
    [
        ("yesterday", date(2016, 2, 22)),
        ("today", date(2016, 2, 23)),
        ("last night", date(2016, 2, 22)),
        ("overnight", date(2016, 2, 22)),
        ("the day before yesterday", date(2016, 2, 21)),
        ("three days ago", date(2016, 2, 20)),
        ("2 days ago", date(2016, 2, 21)),
    ],
)
def test_relative_days(phrase: str, expected: date) -> None:
    mention = one(f"Rebels said the town was shelled {phrase}.", TUESDAY)
    assert (mention.text.lower(), mention.value) == (phrase, expected)


def test_yesterday_is_one_expression_not_two() -> None:
    assert days("It happened the day before yesterday.", TUESDAY) == [
        ("the day before yesterday", date(2016, 2, 21))
    ]


# -- day and month without a year -----------------------------------------------------------------


def test_day_and_month_take_the_publication_year() -> None:
    assert days("The ceasefire was agreed on Feb. 22 after talks on 12 February.", MONDAY) == [
        ("Feb. 22", date(2016, 2, 22)),
        ("12 February", date(2016, 2, 12)),
    ]


def test_day_and_month_across_a_year_boundary_fall_in_the_year_before() -> None:
    new_year = datetime.fromisoformat("2017-01-03T08:00:00+02:00")
    assert days("Strikes on Dec. 30 and 29 December, and talks on Jan 2.", new_year) == [
        ("Dec. 30", date(2016, 12, 30)),
        ("29 December", date(2016, 12, 29)),
        ("Jan 2", date(2017, 1, 2)),
    ]


def test_a_day_and_month_later_than_publication_is_last_year() -> None:
    assert one("The strike of 14 March was condemned.", MONDAY).value == date(2015, 3, 14)


def test_an_explicit_year_wins() -> None:
    assert days("On Feb. 22, 2015 and on 2016-02-20.", MONDAY) == [
        ("Feb. 22, 2015", date(2015, 2, 22)),
        ("2016-02-20", date(2016, 2, 20)),
    ]


def test_an_impossible_day_is_no_day() -> None:
    mention = one("The report is dated Feb 30.", MONDAY)
    assert mention.value is None


def test_without_a_publication_time_relative_dates_have_no_value() -> None:
    assert days("Shelling on Monday and yesterday, and on 12 March 2016.", None) == [
        ("on Monday", None),
        ("yesterday", None),
        ("12 March 2016", date(2016, 3, 12)),
    ]


def test_the_ordinal_day_is_this_month_or_the_month_before() -> None:
    assert days("Clashes on the 20th and again on the 25th.", MONDAY) == [
        ("on the 20th", date(2016, 2, 20)),
        ("on the 25th", date(2016, 1, 25)),
    ]


# -- Arabic and Russian ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("قصفت قوات النظام البلدة في 22 شباط", "22 شباط"),
        ("قصفت قوات النظام البلدة في 22 شباط/فبراير", "22 شباط/فبراير"),
        ("قصفت قوات النظام البلدة في 22 فبراير", "22 فبراير"),
        ("قصفت قوات النظام البلدة في ٢٢ شباط", "٢٢ شباط"),
        ("Обстрел произошёл 22 февраля.", "22 февраля"),
    ],
)
def test_arabic_and_russian_day_month(text: str, expected: str) -> None:
    mention = one(text, TUESDAY)
    assert (mention.text, mention.value, mention.kind) == (expected, date(2016, 2, 22), DAY)


def test_arabic_and_russian_day_month_across_a_year_boundary() -> None:
    new_year = datetime.fromisoformat("2017-01-03T08:00:00+02:00")
    assert one("وقع القصف في 30 كانون الأول", new_year).value == date(2016, 12, 30)
    assert one("Обстрел 30 декабря.", new_year).value == date(2016, 12, 30)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("وقعت الاشتباكات يوم الاثنين", date(2016, 2, 22)),
        ("وقعت الاشتباكات الأحد", date(2016, 2, 21)),
        ("قصفت قوات النظام البلدة أمس", date(2016, 2, 22)),
        ("Бои шли в понедельник.", date(2016, 2, 22)),
        ("Обстрел в воскресенье.", date(2016, 2, 21)),
        ("Обстрел произошёл вчера.", date(2016, 2, 22)),
        ("Обстрел произошёл позавчера.", date(2016, 2, 21)),
    ],
)
def test_arabic_and_russian_weekdays_and_relative_days(text: str, expected: date) -> None:
    assert one(text, TUESDAY).value == expected


def test_a_russian_word_that_only_starts_like_a_weekday_is_not_one() -> None:
    assert find_dates("Среди боевиков были иностранцы.", TUESDAY) == []


# -- vague spans ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "phrase",
    [
        "last week",
        "last month",
        "in recent days",
        "in February",
        "in May 2015",
        "since 2012",
        "over the past 24 hours",
        "earlier this week",
        "на прошлой неделе",
        "в феврале",
        "за последние сутки",
        "الأسبوع الماضي",
        "منذ 2012",
    ],
)
def test_vague_spans_name_no_day(phrase: str) -> None:
    mention = one(f"Shelling: {phrase}.", MONDAY)
    assert (mention.text, mention.value, mention.kind) == (phrase, None, VAGUE)


def test_offsets_are_absolute_inside_a_window() -> None:
    text = "Title line.\n\nFighting on Monday; talks yesterday."
    found = find_dates(text, MONDAY, start=13, end=32)
    assert [(m.span.of(text), m.value) for m in found] == [("on Monday", date(2016, 2, 22))]
