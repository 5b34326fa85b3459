"""Events in news text, typed with ACLED's types: triggers, negation, dates, places, tolls."""

from datetime import date, datetime

import pytest

from truce.news.article import Article, from_text
from truce.news.events import fatalities
from truce.news.extract import Extractor
from truce.news.model import Event

EXTRACTOR = Extractor.offline()
# Monday 29 February 2016, 18:30 in Damascus: "on Sunday" is 28 February.
PUBLISHED = datetime.fromisoformat("2016-02-29T18:30:00+02:00")
SUNDAY = date(2016, 2, 28)

SHELLING = "Shelling/artillery/missile attack"
EXPLOSIONS = "Explosions/Remote violence"


def article(body: str, title: str = "Report") -> Article:
    return from_text(f"{title}\n\n{body}")


def events_of(body: str, published: datetime = PUBLISHED) -> list[Event]:
    found = article(body)
    events = list(EXTRACTOR.extract(found, published).events)
    for event in events:  # every event rests on its own words
        assert event.trigger in event.span.of(found.text)
        if event.date_span is not None:
            assert event.span.contains(event.date_span)
    return events


def kinds(body: str) -> list[tuple[str, str]]:
    return [(e.type, e.sub_type) for e in events_of(body)]


# -- what happened --------------------------------------------------------------------------------


def test_a_shelling_sentence_gives_its_type_place_date_and_toll() -> None:
    [event] = events_of(
        "Syrian government forces shelled the rebel-held town of Kafr Zita in northern Hama "
        "province on Sunday, killing at least 37 people."
    )
    assert (event.type, event.sub_type, event.trigger) == (EXPLOSIONS, SHELLING, "shelled")
    assert (event.place.name, event.place.kind, event.place.country) == ("Kafr Zita", "city", "SY")
    assert event.date == SUNDAY and event.fatalities == 37
    assert event.actors == ("Syrian Arab Army",)
    # A date, a place and an actor found: the surest an event gets (0.45 + 0.2 + 0.2 + 0.1).
    assert event.confidence == 0.95


def test_an_events_confidence_grows_with_what_was_found_for_it() -> None:
    [placed] = events_of(
        "Government forces shelled the town of Kafr Zita on Sunday, killing at least 37 people."
    )
    # No place but the country, and no actor: the trigger (0.45) and the date (0.2) only.
    [vague] = events_of("Unknown gunmen shelled a village on Sunday, killing 3 people.")
    assert (placed.place.kind, placed.actors, placed.confidence) == (
        "city",
        ("Syrian Arab Army",),
        0.95,
    )
    assert (vague.place.kind, vague.actors, vague.date) == ("country", (), SUNDAY)
    assert vague.confidence == 0.65


def test_an_air_strike_with_a_monitor_as_the_source() -> None:
    [event] = events_of(
        "Air strikes hit a market in Maarat al-Numan on Sunday, killing at least 37 people, the "
        "Syrian Observatory for Human Rights said."
    )
    assert (event.sub_type, event.place.name, event.date, event.fatalities) == (
        "Air/drone strike",
        "Maarat al-Numan",
        SUNDAY,
        37,
    )
    assert event.actors == ()  # a monitor is a source, not an actor


@pytest.mark.parametrize(
    "body",
    [
        "No air strikes were reported in Idlib province on Sunday.",
        "The army did not shell Darayya on Sunday.",
        "The government said it would not shell the town on Sunday.",
        "The army threatened to shell Darayya on Sunday.",
        "If the strikes on Darayya continue on Sunday, the talks will collapse.",
        "Российские самолеты не наносили авиаударов по Алеппо в воскресенье.",
        "لم تقصف قوات النظام مدينة حلب يوم الأحد.",
    ],
)
def test_negated_and_conditional_events_did_not_happen(body: str) -> None:
    assert events_of(body) == []


def test_a_future_agreement_is_not_an_agreement_but_a_signed_one_is() -> None:
    assert events_of("The two sides will sign an agreement in Geneva on Monday.") == []
    assert events_of("Russia and the United States will sign an agreement on Monday.") == []
    [signed] = events_of("The United States and Russia signed an agreement on Monday.")
    assert (signed.type, signed.sub_type) == ("Strategic developments", "Agreement")
    assert signed.date == date(2016, 2, 29) and signed.actors == ("United States", "Russia")
    assert signed.place.name == "Syria"  # an agreement between states: the country it is about


def test_event_words_inside_a_quotation_are_the_speakers_not_ours() -> None:
    assert (
        events_of(
            'The opposition said on Sunday: "Regime helicopters dropped barrel bombs on Darayya '
            'and shelled Douma, killing 12 people."'
        )
        == []
    )
    assert events_of('Rebels said: "Russian jets bombed Darayya on Sunday."') == []


def test_strikes_that_back_a_recapture_are_part_of_it() -> None:
    [event] = events_of("Syrian troops backed by Russian air strikes recaptured Palmyra on Sunday.")
    assert (event.type, event.sub_type, event.trigger) == (
        "Battles",
        "Government regains territory",
        "recaptured",
    )
    assert (event.place.name, event.place.entry, event.date) == ("Palmyra", "Tadmur", SUNDAY)
    assert event.actors[0] == "Syrian Arab Army"


def test_the_capturer_decides_the_sub_type() -> None:
    [event] = events_of("Islamic State fighters captured the town of al-Rai on Sunday.")
    assert event.sub_type == "Non-state actor overtakes territory"
    assert event.actors == ("Islamic State of Iraq and the Levant",)


# -- dates ----------------------------------------------------------------------------------------


def test_the_dateline_date_is_not_the_event_date() -> None:
    body = (
        "HAMA, Syria, Feb 29 (Orontes Press) - Rebels shelled the government-held town of "
        "Morek on Sunday."
    )
    [event] = events_of(body)
    assert event.date == SUNDAY  # not Feb 29, the dateline's
    assert event.date_span is not None and event.date_span.of(article(body).text) == "on Sunday"
    assert event.place.name == "Morek"


def test_a_dateline_is_no_date_for_an_undated_event() -> None:
    assert (
        events_of(
            "HAMA, Syria, Feb 29 (Orontes Press) - Rebels shelled the government-held town "
            "of Morek."
        )
        == []
    )


def test_a_sentence_without_its_own_day_takes_the_paragraphs_last_day() -> None:
    events = events_of(
        "Clashes broke out in Darayya on Saturday. Government forces shelled the town."
    )
    assert [(e.sub_type, e.date) for e in events] == [
        ("Armed clash", date(2016, 2, 27)),
        (SHELLING, date(2016, 2, 27)),
    ]
    assert events[1].date_span is None


def test_vaguely_dated_events_are_left_out() -> None:
    assert events_of("Government forces shelled Kafr Zita last week.") == []
    assert events_of("Government forces shelled Kafr Zita in February.") == []


# -- one event per sub-type, place and day --------------------------------------------------------


def test_reports_of_one_event_merge() -> None:
    events = events_of(
        "Government forces shelled Kafr Zita on Sunday, killing two civilians.\n\n"
        "Activists said artillery fire on Kafr Zita on Sunday also wounded five people.\n\n"
        "The shelling of Kafr Zita on Sunday was condemned by Jaysh al-Nasr."
    )
    [event] = events
    assert (event.sub_type, event.place.name, event.date) == (SHELLING, "Kafr Zita", SUNDAY)
    assert event.fatalities == 2
    assert event.actors == ("Syrian Arab Army", "Jaysh al-Nasr")  # later reports add actors


def test_a_later_report_fills_a_missing_toll() -> None:
    [event] = events_of(
        "Government forces shelled Kafr Zita on Sunday.\n\n"
        "The shelling of Kafr Zita on Sunday killed two civilians, activists said."
    )
    assert event.fatalities == 2


def test_different_days_or_places_stay_apart() -> None:
    events = events_of(
        "Government forces shelled Kafr Zita on Sunday.\n\n"
        "Government forces shelled Kafr Zita on Saturday.\n\n"
        "Government forces shelled Morek on Sunday."
    )
    assert sorted((e.place.name, e.date) for e in events) == [
        ("Kafr Zita", date(2016, 2, 27)),
        ("Kafr Zita", SUNDAY),
        ("Morek", SUNDAY),
    ]


# -- fatalities -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sentence", "toll"),
    [
        ("Shells hit the town, killing at least 37 people.", 37),
        ("At least 37 people were killed in the shelling.", 37),
        ("Shells hit the town, killing two civilians.", 2),
        ("The death toll rose to 1,200.", 1200),
        ("Rockets hit the town, causing no casualties.", 0),
        ("Nobody was killed.", 0),
        ("Shells hit the town 5 km from the border.", None),
        ("Shells hit the town.", None),
        ("ما أدى إلى مقتل 5 مقاتلين", 5),
        ("ما أدى إلى مقتل ٥ مقاتلين", 5),
        ("погибли 3 человека", 3),
        ("3 человека погибли", 3),
    ],
)
def test_fatalities(sentence: str, toll: int | None) -> None:
    assert fatalities(sentence) == toll


def test_no_casualties_in_an_event_is_zero_not_unknown() -> None:
    [event] = events_of(
        "Rockets hit the town of Morek in Hama province on Sunday, causing no casualties."
    )
    assert (event.sub_type, event.place.name, event.fatalities) == (SHELLING, "Morek", 0)


# -- Arabic and Russian ---------------------------------------------------------------------------


def test_an_arabic_clash_sentence() -> None:
    [event] = events_of(
        "اندلعت اشتباكات عنيفة بين قوات النظام وفصائل المعارضة في جسر الشغور يوم الأحد، ما أدى "
        "إلى مقتل 5 مقاتلين."
    )
    assert (event.type, event.sub_type, event.trigger) == ("Battles", "Armed clash", "اشتباكات")
    assert (event.place.name, event.place.entry) == ("جسر الشغور", "Jisr ash Shughūr")
    assert event.date == SUNDAY and event.fatalities == 5
    assert event.actors == ("Syrian Arab Army", "Syrian opposition groups")


def test_an_arabic_shelling_sentence_with_a_short_first_clause() -> None:
    # A short clause, a comma and a number later on: not a dateline such as "إدلب، 3 آذار".
    [event] = events_of("قصفت قوات النظام مدينة حلب يوم الأحد، ما أدى إلى مقتل 3 مدنيين.")
    assert (event.sub_type, event.place.entry, event.date, event.fatalities) == (
        SHELLING,
        "Aleppo",
        SUNDAY,
        3,
    )


def test_an_arabic_dateline_is_still_a_dateline() -> None:
    [event] = events_of(
        "إدلب، 3 آذار (وكالة أنباء الفرات) - اندلعت اشتباكات في جسر الشغور يوم الأحد."
    )
    assert (event.sub_type, event.place.name, event.date) == ("Armed clash", "جسر الشغور", SUNDAY)


def test_a_russian_shelling_sentence() -> None:
    [event] = events_of(
        "В воскресенье неизвестные обстреляли из миномётов Алеппо, погибли 3 человека."
    )
    assert (event.type, event.sub_type, event.trigger) == (EXPLOSIONS, SHELLING, "обстреляли")
    assert (event.place.name, event.place.entry, event.date, event.fatalities) == (
        "Алеппо",
        "Aleppo",
        SUNDAY,
        3,
    )


def test_russian_militants_are_actors_not_a_clash() -> None:
    # "боевики" (militants) names who shelled; it is not a word for fighting.
    [event] = events_of("В воскресенье боевики обстреляли из миномётов Алеппо, погибли 3 человека.")
    assert (event.sub_type, event.trigger, event.fatalities) == (SHELLING, "обстреляли", 3)


# -- real dev sentences (data/news/real, split dev) -------------------------------------------

# The State Department's statement of Wednesday 4 May 2016 on the renewed cessation in Aleppo.
MAY_4 = datetime.fromisoformat("2016-05-04T12:00:00-04:00")
AGREEMENT = ("Strategic developments", "Agreement")


def test_a_part_named_after_including_does_not_place_the_event() -> None:
    [event] = events_of(
        "As part of our urgent efforts to de-escalate violence in Syria and reaffirm the Cessation "
        "of Hostilities nationwide, the United States and Russia concluded arrangements late "
        "yesterday to extend this effort to Aleppo province, including Aleppo city and its "
        "surrounding areas.",
        MAY_4,
    )
    assert (event.type, event.sub_type) == AGREEMENT
    assert (event.place.name, event.place.kind, event.date) == (
        "Aleppo province",
        "admin1",
        date(2016, 5, 3),
    )


def test_a_named_region_places_an_event_and_a_reaffirmed_cessation_is_an_agreement() -> None:
    events = events_of(
        "Following the regime’s overnight airstrikes against Eastern Ghouta, we welcome today’s "
        "reaffirmation of the cessation in Eastern Ghouta for the next 48 hours.",
        MAY_4,
    )
    assert {(e.sub_type, e.place.name, e.place.kind) for e in events} == {
        ("Air/drone strike", "Eastern Ghouta", "region"),
        ("Agreement", "Eastern Ghouta", "region"),
    }


def test_an_agreement_is_coded_where_the_truce_it_makes_holds() -> None:
    # Munich is where the task force was formed; the agreement is on a cessation in Syria.
    [event] = events_of(
        "The Secretary-General welcomes the agreement announced today by U.S. Secretary of State "
        "John Kerry and Russian Foreign Minister Sergey Lavrov, as co-chairs of the International "
        "Syria Support Group (ISSG) Ceasefire Taskforce formed in Munich, on the terms of a "
        "nationwide cessation of hostilities in Syria scheduled to come into effect on 27 "
        "February 2016.\n\n"
        # where the statement was issued, below it: not where the agreement was made
        "New York, 22 February 2016",
        datetime.fromisoformat("2016-02-22T12:00:00-05:00"),
    )
    assert (event.type, event.sub_type, event.trigger) == (*AGREEMENT, "agreement announced")
    assert (event.place.name, event.date) == ("Syria", date(2016, 2, 22))


@pytest.mark.parametrize(
    "body",
    [
        # a clock's place, and fighting that goes on in unnamed places
        "Since this went into effect today at 00:01 in Damascus, we have seen an overall decrease "
        "in violence in these areas, even though there have been reports of continued fighting "
        "in some locations.",
        # a trend, not one event
        "The Secretary-General is profoundly concerned about the dangerous escalation of fighting "
        "in and around Aleppo and the intolerable suffering, counted in mounting deaths and "
        "destruction, it is causing among civilians.",
        # the truce itself
        "The two countries were key in bringing the halt in fighting that applies to "
        "pro-government and rebel fighters, but not attacks against terror groups.",
    ],
)
def test_trends_truces_and_ongoing_fighting_are_no_events(body: str) -> None:
    assert events_of(body, MAY_4) == []


# Kremlin, 22 February 2016: the President's statement after his call with Barack Obama.
PUTIN_STATEMENT = (
    "President of Russia Vladimir Putin: Friends,\n"
    "I just had a telephone conversation with President of the United States of America Barack "
    "Obama. The phone call was initiated by the Russian side, but the interest was certainly "
    "mutual.\n"
    "During our conversation, we approved joint statements of Russia and the US, as co-chairs of "
    "the ISSG, on the cessation of hostilities in Syria. Adoption of the statement was preceded "
    "by intensive work by Russian and American experts."
)


def test_an_agreement_the_opening_reports_without_a_day_is_news_of_the_publication_day() -> None:
    published = datetime.fromisoformat("2016-02-22T00:00:00+03:00")
    [event] = events_of(PUTIN_STATEMENT, published)
    assert (event.type, event.sub_type, event.trigger) == (*AGREEMENT, "approved")
    assert (event.place.name, event.date) == ("Syria", date(2016, 2, 22))
    # Undated, it is no event: the day is not known.
    assert list(EXTRACTOR.extract(article(PUTIN_STATEMENT)).events) == []


def test_an_intent_to_shore_up_the_truce_is_no_agreement() -> None:
    # The White House readout of 18 April 2016.
    body = (
        "Washington, DC - President Barack Obama spoke today by phone with President Vladimir "
        "Putin of Russia to share his concern over the status of the Cessation of Hostilities in "
        "Syria.\n\n"
        "The two leaders committed to intensify their efforts to shore up the Cessation of "
        "Hostilities and affirmed the need to end attacks by all parties and ensure humanitarian "
        "access to all besieged areas."
    )
    assert events_of(body, datetime.fromisoformat("2016-04-18T12:00:00-04:00")) == []


@pytest.mark.parametrize(
    "body",
    [
        # The Secretary-General to the Security Council, 21 September 2016: no day, no place.
        "We have seen indiscriminate attacks on civilians and civilian facilities …the medieval "
        "tactic of sieges and the weaponisation of hunger … the use of chemical weapons – "
        "including attacks recently attributed to Daesh and the Syrian government.",
        # a weapons programme is a means held, not an attack
        "Council unity and resolve led to the elimination of Syria’s previously denied chemical "
        "weapons programme and the attribution of responsibility for their use.",
        # "restoring momentum" (the US Embassy's Arabic readout, 19 July 2016)
        "واتفق الوزير كيري والمبعوث الأممي على ان الوضع الراهن في سوريا لا يمكن ان يستمر وأعربا "
        "عن توقعهما بأن الجهود الجديدة من شأنها، اذا ما نفذت بشكل كامل، ان تحدث فرقاً كبيراً في "
        "الحد من العنف واستعادة الزخم لعملية السلام.",
    ],
)
def test_general_wording_gives_no_event(body: str) -> None:
    # Under the remarks' own heading, which gives every sentence after it a day.
    assert events_of(f"New York\n\n21 September 2016\n\n{body}") == []
