"""Dates, times, numbers and names in the visitor's language (Babel), isolated in Arabic.

What web/rendering.py gives the templates: a moment in the agreement's zone in each language's
words, counts with each language's grouping, the values of a translated sentence put in as
bidi isolates in a right-to-left page, and the language chosen from the visitor's choices.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from truce import i18n
from truce.domain.errors import Invalid
from truce.web.rendering import make_templates, state_names, when

EFFECTIVE = datetime(2016, 2, 26, 22, 0, tzinfo=UTC)  # midnight in Damascus, 27 Feb
NBSP = "\u00a0"


def render(source: str, locale: str, **values: object) -> str:
    template = make_templates().env.from_string(source)
    return template.render(locale=locale, direction=i18n.direction(locale), **values)


@pytest.mark.parametrize(
    ("locale", "shown"),
    [
        ("en", "Feb 27, 2016, 00:00 +02:00"),
        ("ru", "27 февр. 2016\u202fг., 00:00 +02:00"),
        ("ar", '27 فبراير 2016، <bdi dir="ltr">00:00 +02:00</bdi>'),
    ],
)
def test_a_moment_is_written_in_the_visitors_language_in_the_agreements_zone(
    locale: str, shown: str
) -> None:
    assert when(EFFECTIVE, "Asia/Damascus", locale) == shown


def test_the_clock_is_isolated_only_where_the_page_reads_right_to_left() -> None:
    """In Arabic "00:00 +02:00" must stay one left-to-right island, else it shows as
    "02:00+ 00:00"; in English and Russian it reads in order already, and stays plain text."""
    assert '<bdi dir="ltr">' in when(EFFECTIVE, "Asia/Damascus", "ar")
    assert "<bdi" not in when(EFFECTIVE, "Asia/Damascus", "en")
    assert "<bdi" not in when(EFFECTIVE, "Asia/Damascus", "ru")


@pytest.mark.parametrize(
    ("locale", "count", "measure"),
    [
        ("en", "1,234,567", "3.50"),
        ("ru", f"1{NBSP}234{NBSP}567", "3,50"),
        ("ar", "1,234,567", "3.50"),
    ],
)
def test_numbers_are_grouped_as_the_language_groups_them(
    locale: str, count: str, measure: str
) -> None:
    assert render("{{ n | number }}|{{ x | number(2) }}", locale, n=1234567, x=3.5) == (
        f"{count}|{measure}"
    )


def test_a_day_is_written_in_the_language_and_a_partial_date_as_it_is() -> None:
    source = "{{ d | day }}|{{ t | day }}|{{ s | day }}|{{ m | day }}"
    values = {"d": date(2016, 2, 27), "t": EFFECTIVE, "s": "2016-03-15", "m": "2016-03"}
    assert render(source, "en", **values) == "Feb 27, 2016|Feb 26, 2016|Mar 15, 2016|2016-03"
    assert render(source, "ar", **values).split("|")[0] == "27 فبراير 2016"


def test_the_values_of_a_sentence_are_isolated_in_arabic_and_escaped_everywhere() -> None:
    source = "{{ fill(message, first=1, total=183, name=name) }}"
    values = {"message": "عرض %(first)s من %(total)s: %(name)s", "name": "<Jaysh al-Islam>"}
    assert render(source, "ar", **values) == (
        "عرض <bdi>1</bdi> من <bdi>183</bdi>: <bdi>&lt;Jaysh al-Islam&gt;</bdi>"
    )
    values["message"] = "Showing %(first)s of %(total)s: %(name)s"
    assert render(source, "en", **values) == "Showing 1 of 183: &lt;Jaysh al-Islam&gt;"
    # A translation is text, never markup: a catalog cannot inject a tag.
    assert render("{{ fill('<b>%(n)s</b>', n=2) }}", "ar") == "&lt;b&gt;<bdi>2</bdi>&lt;/b&gt;"


def test_states_are_named_by_cldr_outside_english() -> None:
    registered = {"US": "United States", "RU": "Russian Federation", "XX": "Somewhere"}
    assert state_names(registered, "en") == registered
    assert state_names(registered, "ru") == {
        "US": "Соединенные Штаты",
        "RU": "Россия",
        "XX": "Somewhere",
    }
    assert state_names(registered, "ar")["US"] == "الولايات المتحدة"


@pytest.mark.parametrize(
    ("choices", "header", "chosen"),
    [
        ((None, None, None), "ru-RU,ru;q=0.9,en;q=0.8", "ru"),
        ((None, None, None), "fr-FR, en;q=0.2, ar;q=0.7", "ar"),
        ((None, None, None), "ar;q=0, ru;q=0.1", "ru"),
        ((None, None, None), "de, fr", "en"),
        ((None, None, None), "", "en"),
        (("fr", "ru", None), "ar", "ru"),  # an unknown ?lang= falls through to the session
        ((None, None, "ar"), "ru", "ar"),  # the saved language wins over the browser
        (("en", None, "ar"), "ru", "en"),
    ],
)
def test_the_language_is_the_first_supported_choice_then_the_browsers(
    choices: tuple[str | None, ...], header: str, chosen: str
) -> None:
    assert i18n.negotiate(choices, header) == chosen


def test_a_language_the_site_does_not_speak_is_refused_by_name() -> None:
    with pytest.raises(Invalid) as refused:
        i18n.check_locale("fr")
    assert refused.value.field == "lang"
    assert refused.value.render() == "There is no language 'fr' here: choose one of en, ar, ru."
    assert i18n.check_locale("ar") == "ar"
