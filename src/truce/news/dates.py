"""Date expressions in news text, resolved against the article's publication time.

Conventions (they follow the labels' policy in data/news/labels.json):

- Relative dates are resolved against the calendar date of the publication time in its own
  UTC offset (``published.date()`` of an aware datetime), never converted to UTC.
- A weekday ("on Monday", "late on Friday", "الاثنين", "в понедельник") is the most recent such
  day on or before the publication date, so a Monday article's "Monday" is that same day.
  "next Monday" is the first such day after it.
- "today", "tonight", "this morning/afternoon/evening" are the publication date; "yesterday",
  "last night", "overnight", "the day before", "the previous day" are the day before; "the day
  before yesterday" two days before; "N days ago" N days before.
- A day and month without a year ("Feb. 22", "22 February", "22 شباط/فبراير", "22 февраля")
  take the publication year, or the year before when that would fall after publication.
  "on the 22nd" is the 22nd of the publication month, or of the month before.
- Spans that do not name one day ("last week", "last month", "in recent days", "in February",
  "in May 2015", "since 2012", "the past 24 hours") are returned with ``value=None`` and
  ``kind="vague"``: the policy does not label events dated only that loosely.

Everything here is a pure function of the text and the publication time.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from truce.news.model import Span
from truce.news.segment import pattern_script, scripts

DAY = "day"
VAGUE = "vague"


@dataclass(frozen=True)
class DateMention:
    """A date expression: where it is, what it says and the day it means (None when vague)."""

    span: Span
    text: str
    value: date | None
    kind: str  # "day" | "vague"


# -- vocabularies -------------------------------------------------------------------------------

_EN_MONTHS = {
    "january": 1,
    "jan": 1,
    "february": 2,
    "feb": 2,
    "march": 3,
    "mar": 3,
    "april": 4,
    "apr": 4,
    "may": 5,
    "june": 6,
    "jun": 6,
    "july": 7,
    "jul": 7,
    "august": 8,
    "aug": 8,
    "september": 9,
    "sept": 9,
    "sep": 9,
    "october": 10,
    "oct": 10,
    "november": 11,
    "nov": 11,
    "december": 12,
    "dec": 12,
}
_EN_WEEKDAYS = {
    "monday": 0,
    "tuesday": 1,
    "wednesday": 2,
    "thursday": 3,
    "friday": 4,
    "saturday": 5,
    "sunday": 6,
}
# Levantine month names first (Syrian outlets write "22 شباط/فبراير"), then the Egyptian ones.
_AR_MONTHS = {
    "كانون الثاني": 1,
    "شباط": 2,
    "آذار": 3,
    "اذار": 3,
    "نيسان": 4,
    "أيار": 5,
    "ايار": 5,
    "حزيران": 6,
    "تموز": 7,
    "آب": 8,
    "اب": 8,
    "أيلول": 9,
    "ايلول": 9,
    "تشرين الأول": 10,
    "تشرين الاول": 10,
    "تشرين الثاني": 11,
    "كانون الأول": 12,
    "كانون الاول": 12,
    "يناير": 1,
    "فبراير": 2,
    "مارس": 3,
    "أبريل": 4,
    "ابريل": 4,
    "إبريل": 4,
    "مايو": 5,
    "يونيو": 6,
    "يونيه": 6,
    "يوليو": 7,
    "يوليه": 7,
    "أغسطس": 8,
    "اغسطس": 8,
    "سبتمبر": 9,
    "أكتوبر": 10,
    "اكتوبر": 10,
    "نوفمبر": 11,
    "ديسمبر": 12,
}
_AR_WEEKDAYS = {
    "الاثنين": 0,
    "الإثنين": 0,
    "الثلاثاء": 1,
    "الأربعاء": 2,
    "الاربعاء": 2,
    "الخميس": 3,
    "الجمعة": 4,
    "السبت": 5,
    "الأحد": 6,
    "الاحد": 6,
}
_RU_MONTHS = {
    "января": 1,
    "февраля": 2,
    "марта": 3,
    "апреля": 4,
    "мая": 5,
    "июня": 6,
    "июля": 7,
    "августа": 8,
    "сентября": 9,
    "октября": 10,
    "ноября": 11,
    "декабря": 12,
}
_RU_MONTHS_IN = "январе|феврале|марте|апреле|мае|июне|июле|августе|сентябре|октябре|ноябре|декабре"
# Whole forms, not stems: the stem "сред" would also match "среди" (among).
_RU_WEEKDAYS = {
    "понедельник": 0,
    "понедельника": 0,
    "вторник": 1,
    "вторника": 1,
    "среда": 2,
    "среду": 2,
    "среды": 2,
    "четверг": 3,
    "четверга": 3,
    "пятница": 4,
    "пятницу": 4,
    "пятницы": 4,
    "суббота": 5,
    "субботу": 5,
    "субботы": 5,
    "воскресенье": 6,
    "воскресенья": 6,
}
_RELATIVE_EN = {
    "the day before yesterday": -2,
    "today": 0,
    "tonight": 0,
    "this morning": 0,
    "this afternoon": 0,
    "this evening": 0,
    "earlier today": 0,
    "yesterday": -1,
    "last night": -1,
    "overnight": -1,
    "the day before": -1,
    "the previous day": -1,
    "a day earlier": -1,
    "tomorrow": 1,
}
_RELATIVE_AR = {
    "أمس الأول": -2,
    "أول أمس": -2,
    "أمس": -1,
    "امس": -1,
    "البارحة": -1,
    "الليلة الماضية": -1,
    "اليوم": 0,
    "غدا": 1,
    "غداً": 1,
}
_RELATIVE_RU = {"позавчера": -2, "вчера": -1, "накануне": -1, "сегодня": 0, "завтра": 1}
_NUMBER_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "a": 1}

_AR_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩", "0123456789")


def _alternation(words: Iterable[str]) -> str:
    # Longest first, so "كانون الثاني" wins over a shorter name inside it.
    return "|".join(sorted((re.escape(word) for word in words), key=len, reverse=True))


_EN_MONTH = rf"(?P<month>{_alternation(_EN_MONTHS)})\.?"
_DIGITS = r"[0-9٠-٩]"
_ANY_YEAR = rf"(?:19|20){_DIGITS}{{2}}"
_YEAR = rf"(?P<year>{_ANY_YEAR})"

# -- patterns: (regex, handler) -----------------------------------------------------------------

Handler = Callable[[re.Match[str], date | None], tuple[date | None, str]]

_ISO = re.compile(r"\b(?P<y>\d{4})-(?P<m>\d{2})-(?P<d>\d{2})\b")
_EN_DAY_MONTH = re.compile(
    rf"\b(?:(?:{_alternation(_EN_WEEKDAYS)}),?\s+)?(?P<day>\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?"
    rf"{_EN_MONTH}(?:,?\s+{_YEAR})?\b",
    re.IGNORECASE,
)
_EN_MONTH_DAY = re.compile(
    rf"\b(?:(?:{_alternation(_EN_WEEKDAYS)}),?\s+)?{_EN_MONTH}\s+(?P<day>\d{{1,2}})(?:st|nd|rd|th)?"
    rf"(?![\d:])(?:,?\s+{_YEAR})?\b",
    re.IGNORECASE,
)
_EN_ORDINAL = re.compile(r"\bon\s+the\s+(?P<day>\d{1,2})(?:st|nd|rd|th)\b", re.IGNORECASE)
_EN_WEEKDAY = re.compile(
    rf"\b(?:(?P<next>next|this coming)\s+|(?:late|early|earlier|later)\s+(?:on\s+)?|on\s+)?"
    rf"(?P<weekday>{_alternation(_EN_WEEKDAYS)})"
    r"(?:\s+(?:morning|afternoon|evening|night))?\b",
    re.IGNORECASE,
)
_EN_RELATIVE = re.compile(
    rf"\b(?:{_alternation(_RELATIVE_EN)})\b|\b(?P<n>\d|{_alternation(_NUMBER_WORDS)})\s+days?\s+ago\b",
    re.IGNORECASE,
)
_EN_VAGUE = re.compile(
    r"\b(?:(?:last|this|earlier this|late last|early last|the previous|the past)\s+"
    r"(?:week|month|year|weekend)s?|(?:in|over|during)\s+(?:the\s+)?(?:recent|past|last|coming)\s+"
    r"(?:few\s+)?(?:days|weeks|months)|(?:in|over|during)\s+the\s+(?:past|previous|last)\s+"
    r"(?:\d+|twenty-four|forty-eight)\s+hours|recent days|recent weeks|in the past(?!\s+\d)|"
    rf"\d+\s+(?:weeks|months|years)\s+ago|(?:in|since|during|until|by|from|early|late|mid-?)\s+"
    rf"(?:{_alternation(_EN_MONTHS)})(?:\s+{_ANY_YEAR})?(?!\s*\d)|"
    rf"(?:in|since|during|until|by|from)\s+(?:\d{{4}})\b|"
    rf"(?:{_alternation(_EN_MONTHS)})\s+{_ANY_YEAR})\b",
    re.IGNORECASE,
)
_AR_DAY_MONTH = re.compile(
    rf"(?P<day>{_DIGITS}{{1,2}})\s+(?P<month>{_alternation(_AR_MONTHS)})"
    rf"(?:\s*/\s*(?:{_alternation(_AR_MONTHS)}))?(?:\s+(?:عام\s+)?{_YEAR})?"
)
_AR_WEEKDAY = re.compile(
    rf"(?<![\w])[وب]?(?:يوم\s+)?(?P<weekday>{_alternation(_AR_WEEKDAYS)})(?![\w])"
)
# "في اليوم نفسه", "في نفس اليوم": the same day as the one just told, not today.
_AR_RELATIVE = re.compile(
    rf"(?<![\w])(?<!نفس )[وب]?(?:(?:صباح|مساء|ليل|فجر|ظهر)\s+)?(?:{_alternation(_RELATIVE_AR)})"
    r"(?![\w])(?!\s+(?:نفسه|ذاته))"
)
_AR_VAGUE = re.compile(
    r"(?<![\w])(?:الأسبوع الماضي|الشهر الماضي|العام الماضي|الأيام الأخيرة|الأيام الماضية|"
    r"الأسابيع الماضية|(?:خلال\s+)?الساعات\s+(?:\S+\s+){0,3}?الماضية|"
    rf"(?:منذ|في|خلال)\s+(?:عام\s+)?{_DIGITS}{{4}}|(?:منذ|في|خلال)\s+(?:شهر\s+)?"
    rf"(?:{_alternation(_AR_MONTHS)})(?!\s*{_DIGITS}))(?![\w])"
)
_RU_DAY_MONTH = re.compile(
    rf"(?<![\w])(?P<day>\d{{1,2}})\s+(?P<month>{_alternation(_RU_MONTHS)})"
    rf"(?:\s+{_YEAR}(?:\s*(?:года|г\.))?)?(?![\w])",
    re.IGNORECASE,
)
_RU_WEEKDAY = re.compile(
    rf"(?<![\w])(?:(?:в|во)\s+(?:ночь\s+на\s+)?)?(?P<weekday>{_alternation(_RU_WEEKDAYS)})(?![\w])",
    re.IGNORECASE,
)
_RU_RELATIVE = re.compile(rf"(?<![\w])(?:{_alternation(_RELATIVE_RU)})(?![\w])", re.IGNORECASE)
_RU_VAGUE = re.compile(
    r"(?<![\w])(?:на\s+(?:прошлой|этой)\s+неделе|в\s+(?:прошлом|этом)\s+месяце|"
    r"в\s+(?:прошлом|этом)\s+году|в\s+последние\s+(?:дни|недели|сутки)|за\s+(?:последние|прошедшие)"
    rf"\s+сутки|(?:в|с)\s+(?:{_RU_MONTHS_IN})|в\s+\d{{4}}\s+году)(?![\w])",
    re.IGNORECASE,
)


def _number(text: str) -> int:
    return int(text.translate(_AR_DIGITS))


def _calendar(published: date | None, day: int, month: int, year: str | None) -> date | None:
    """A day and month, in the given year or the latest year not after publication."""
    if year:
        return _safe(_number(year), month, day)
    if published is None:
        return None
    found = _safe(published.year, month, day)
    if found is not None and found > published:
        found = _safe(published.year - 1, month, day)
    return found


def _safe(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def resolve_weekday(weekday: int, published: date, forward: bool = False) -> date:
    """The most recent ``weekday`` (Monday = 0) on or before ``published``; the next after it
    when ``forward``."""
    if forward:
        return published + timedelta(days=(weekday - published.weekday() - 1) % 7 + 1)
    return published - timedelta(days=(published.weekday() - weekday) % 7)


def _shift(published: date | None, days: int) -> date | None:
    return None if published is None else published + timedelta(days=days)


def _iso(match: re.Match[str], published: date | None) -> tuple[date | None, str]:
    return _safe(int(match["y"]), int(match["m"]), int(match["d"])), DAY


def _en_calendar(match: re.Match[str], published: date | None) -> tuple[date | None, str]:
    month = _EN_MONTHS[match["month"].lower()]
    return _calendar(published, _number(match["day"]), month, match["year"]), DAY


def _ordinal(match: re.Match[str], published: date | None) -> tuple[date | None, str]:
    if published is None:
        return None, DAY
    day = int(match["day"])
    found = _safe(published.year, published.month, day)
    if found is None or found > published:
        last_month = published.replace(day=1) - timedelta(days=1)
        found = _safe(last_month.year, last_month.month, day)
    return found, DAY


def _weekday(index: int, published: date | None, forward: bool = False) -> date | None:
    return None if published is None else resolve_weekday(index, published, forward)


def _en_weekday(match: re.Match[str], published: date | None) -> tuple[date | None, str]:
    index = _EN_WEEKDAYS[match["weekday"].lower()]
    return _weekday(index, published, forward=bool(match["next"])), DAY


def _en_relative(match: re.Match[str], published: date | None) -> tuple[date | None, str]:
    if match["n"]:
        count = match["n"].lower()
        return _shift(
            published, -_NUMBER_WORDS.get(count, int(count) if count.isdigit() else 0)
        ), DAY
    phrase = " ".join(match.group(0).lower().split())
    return _shift(published, _RELATIVE_EN[phrase]), DAY


def _vague(match: re.Match[str], published: date | None) -> tuple[date | None, str]:
    return None, VAGUE


def _ar_calendar(match: re.Match[str], published: date | None) -> tuple[date | None, str]:
    month = _AR_MONTHS[match["month"]]
    return _calendar(published, _number(match["day"]), month, match["year"]), DAY


def _ar_weekday(match: re.Match[str], published: date | None) -> tuple[date | None, str]:
    return _weekday(_AR_WEEKDAYS[match["weekday"]], published), DAY


def _ar_relative(match: re.Match[str], published: date | None) -> tuple[date | None, str]:
    words = match.group(0)
    for phrase, days in sorted(_RELATIVE_AR.items(), key=lambda item: -len(item[0])):
        if phrase in words:
            return _shift(published, days), DAY
    return None, VAGUE


def _ru_calendar(match: re.Match[str], published: date | None) -> tuple[date | None, str]:
    month = _RU_MONTHS[match["month"].lower()]
    return _calendar(published, int(match["day"]), month, match["year"]), DAY


def _ru_weekday(match: re.Match[str], published: date | None) -> tuple[date | None, str]:
    return _weekday(_RU_WEEKDAYS[match["weekday"].lower()], published), DAY


def _ru_relative(match: re.Match[str], published: date | None) -> tuple[date | None, str]:
    return _shift(published, _RELATIVE_RU[match.group(0).lower()]), DAY


# Explicit calendar dates come first: where two matches overlap, the earlier pattern wins.
_PATTERNS: tuple[tuple[re.Pattern[str], Handler], ...] = (
    (_ISO, _iso),
    (_EN_DAY_MONTH, _en_calendar),
    (_EN_MONTH_DAY, _en_calendar),
    (_AR_DAY_MONTH, _ar_calendar),
    (_RU_DAY_MONTH, _ru_calendar),
    (_EN_VAGUE, _vague),
    (_AR_VAGUE, _vague),
    (_RU_VAGUE, _vague),
    (_EN_ORDINAL, _ordinal),
    (_EN_RELATIVE, _en_relative),
    (_EN_WEEKDAY, _en_weekday),
    (_AR_RELATIVE, _ar_relative),
    (_AR_WEEKDAY, _ar_weekday),
    (_RU_RELATIVE, _ru_relative),
    (_RU_WEEKDAY, _ru_weekday),
)


_PATTERN_SCRIPTS = tuple(pattern_script(pattern) for pattern, _ in _PATTERNS)


def publication_date(published: date | datetime | None) -> date | None:
    """The calendar date of the publication time in its own UTC offset."""
    if isinstance(published, datetime):
        return published.date()
    return published


def find_dates(
    text: str, published: date | datetime | None, start: int = 0, end: int | None = None
) -> list[DateMention]:
    """The date expressions in ``text[start:end]``, in order, with absolute spans."""
    stop = len(text) if end is None else end
    anchor = publication_date(published)
    taken: list[DateMention] = []
    covered = bytearray(stop - start)  # 1 where an earlier pattern's date lies
    written = scripts(text[start:stop])
    for (pattern, handler), script in zip(_PATTERNS, _PATTERN_SCRIPTS, strict=True):
        if script is not None and script not in written:
            continue  # no Arabic month in an English text
        for match in _matches(pattern, text, start, stop):
            span = Span(match.start(), match.end())
            if any(covered[span.start - start : span.end - start]):
                continue
            covered[span.start - start : span.end - start] = b"\x01" * (span.end - span.start)
            value, kind = handler(match, anchor)
            taken.append(DateMention(span, match.group(0), value, kind))
    return sorted(taken, key=lambda mention: mention.span.start)


def _matches(pattern: re.Pattern[str], text: str, start: int, stop: int) -> Iterator[re.Match[str]]:
    for match in pattern.finditer(text, start, stop):
        if match.end() > match.start():
            yield match
