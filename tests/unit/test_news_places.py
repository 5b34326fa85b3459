"""Places named in news text: gazetteer, ambiguity, scripts, and names that are not places."""

from pathlib import Path

import pytest

from truce.news.article import from_text, read_file
from truce.news.extract import Extractor
from truce.news.gazetteer import gazetteer
from truce.news.model import Place, Span
from truce.news.places import find_places, listed, standing_for_state
from truce.news.segment import segment


def mentions(body: str, title: str = "Report", exclude: list[Span] | None = None) -> list[Place]:
    """Every place mention with its role, states acting included."""
    article = from_text(f"{title}\n\n{body}")
    _, sentences, _ = segment(article.text, article.body_start)
    return find_places(article, sentences, exclude or [])


def places(body: str, title: str = "Report", exclude: list[Span] | None = None) -> list[Place]:
    """The mentions that name a place (Extraction.places): not a state acting."""
    return [p for p in mentions(body, title, exclude) if not standing_for_state(p)]


def entries(body: str, title: str = "Report") -> list[str]:
    return [p.entry for p in places(body, title)]


def test_cities_towns_and_their_coordinates() -> None:
    found = places("Shelling hit Kafr Zita and Morek, north of Hama, and al-Rai near Azaz.")
    assert [p.name for p in found] == ["Kafr Zita", "Morek", "Hama", "al-Rai", "Azaz"]
    hama = found[2]
    assert (hama.lat, hama.lon, hama.country, hama.kind) == (35.13179, 36.75783, "SY", "city")
    assert hama.geonameid == 170017
    # A name of several words is surer than a one-word name (0.9, 0.75).
    assert [p.confidence for p in found] == [0.9, 0.75, 0.75, 0.75, 0.75]


@pytest.mark.parametrize(
    ("body", "confidence"),
    [
        ("Fighting went on in Jisr al-Shughur.", 0.9),  # several words
        ("Jisr al-Shughur was shelled again.", 0.9),  # ... even opening a sentence
        ("Fighting went on in Homs.", 0.75),  # one word
        ("Homs was shelled again.", 0.65),  # one word opening a sentence: maybe not a place
        ("Fighting in Eastern Ghouta.", 0.75),  # a region is vaguer than a town
        ("Fighting in Ghouta.", 0.6),  # one word, and a region
    ],
)
def test_a_places_confidence_follows_how_it_was_named(body: str, confidence: float) -> None:
    [place] = places(body)
    assert place.confidence == confidence


def test_spans_are_exact() -> None:
    article = from_text("Report\n\nResidents of Aleppo's east fled to Jisr al-Shughur.")
    _, sentences, _ = segment(article.text, article.body_start)
    for place in find_places(article, sentences, []):
        assert place.span.of(article.text) == place.name
    assert [p.name for p in find_places(article, sentences, [])] == ["Aleppo", "Jisr al-Shughur"]


@pytest.mark.parametrize(
    ("spelling", "entry"),
    [
        ("Hamah", "Ḩamāh"),
        ("Hims", "Homs"),
        ("Deir al-Zour", "Deir ez-Zor"),
        ("Dayr az Zawr", "Deir ez-Zor"),
        ("Ar Raqqah", "Ar Raqqah"),
        ("Idleb", "Idlib"),
        ("Dar'a", "Dar‘ā"),
        ("Lattakia", "Latakia"),
        ("Tartous", "Ţarţūs"),
        ("Palmyra", "Tadmur"),
        ("Tadmur", "Tadmur"),
        ("Kobani", "‘Ayn al ‘Arab"),
        ("Maarat al-Numan", "Ma‘arrat an Nu‘mān"),
        ("Ma'arrat an Nu'man", "Ma‘arrat an Nu‘mān"),
        ("Darayya", "Dārayyā"),
        ("A'zaz", "I‘zāz"),
        ("Al-Bab", "Al Bāb"),
        ("Tal Rifaat", "Tall Rif‘at"),
    ],
)
def test_spellings_of_one_town(spelling: str, entry: str) -> None:
    assert entries(f"Fighting was reported in {spelling} on Monday.") == [entry]


def test_province_names_the_governorate_and_plain_name_the_city() -> None:
    found = places("Strikes hit Aleppo and towns in Aleppo province; Idlib province too.")
    assert [(p.name, p.kind) for p in found] == [
        ("Aleppo", "city"),
        ("Aleppo province", "admin1"),
        ("Idlib province", "admin1"),
    ]
    assert (found[1].lat, found[1].lon) == (36.25, 37.61667)  # the GeoNames ADM1 point


def test_a_list_of_provinces_and_the_countryside() -> None:
    found = places(
        "Violations were recorded in Aleppo, Hama and Latakia provinces and in the "
        "Damascus countryside, the province of Homs and rural Idlib."
    )
    assert [p.entry for p in found] == [
        "Aleppo Governorate",
        "Hama Governorate",
        "Latakia Governorate",
        "Rif Dimashq Governorate",
        "Homs Governorate",
        "Idlib Governorate",
    ]


def test_a_city_district_is_not_a_place_but_an_administrative_district_is() -> None:
    found = places("Rebels entered the Ramouseh district and the Jisr al-Shughur district.")
    assert [(p.name, p.kind) for p in found] == [("Jisr al-Shughur district", "admin2")]


def test_same_name_entries_resolved_by_the_articles_country_then_population() -> None:
    found = places("Talks were held in Geneva and Washington; refugees reached Tripoli.")
    assert [(p.entry, p.country) for p in found] == [
        ("Geneva", "CH"),
        ("Washington", "US"),
        ("Tripoli", "LB"),  # Syria's neighbour, not Libya's capital
    ]


def test_countries_are_places_only_as_territory() -> None:
    found = places(
        "Russia said on Monday that the United States and Russia agreed a truce "
        "in Syria. Turkey shelled positions near the border with Turkey, and "
        "refugees fled to Jordan and Lebanon. Syria's ambassador spoke."
    )
    assert [p.name for p in found] == ["Syria", "Turkey", "Jordan", "Lebanon"]
    assert (found[0].lat, found[0].lon, found[0].kind) == (35.0, 38.0, "country")
    assert {p.role for p in found} == {"territory"}


def test_every_place_says_what_it_names() -> None:
    found = mentions(
        "Washington, DC - Russia said on Monday that Moscow and Washington agreed a truce in "
        "Syria, and the Kremlin welcomed it."
    )
    assert [(p.name, p.role) for p in found] == [
        ("Washington", "dateline"),
        ("Russia", "actor"),
        ("Moscow", "metonym"),
        ("Washington", "metonym"),
        ("Syria", "territory"),
        ("Kremlin", "metonym"),
    ]
    kremlin = found[-1]
    assert (kremlin.entry, kremlin.country) == ("Moscow", "RU")  # the seat's city
    # A country acting and a building for its government stand for the state: kept apart.
    assert [p.name for p in found if standing_for_state(p)] == ["Russia", "Kremlin"]


def test_titles_and_documents_name_no_place() -> None:
    found = mentions(
        "President Vladimir Putin of Russia spoke with the Special Envoy for Syria about "
        "the Minsk agreements and the fighting in Aleppo."
    )
    assert [p.name for p in found] == ["Aleppo"]


def test_a_place_inside_a_group_name_is_not_a_place() -> None:
    body = "Islamic State in Iraq and the Levant claimed the attacks in Jableh."
    start = len("Report\n\n")
    group = Span(start, start + len("Islamic State in Iraq and the Levant"))
    assert [p.name for p in places(body, exclude=[group])] == ["Jableh"]


def test_dateline() -> None:
    found = places("QAMISHLI, Syria, Feb 24 (Wire) - The YPG said it would abide by the truce.")
    assert [(p.name, p.entry) for p in found] == [("QAMISHLI", "Al Qāmishlī"), ("Syria", "Syria")]


@pytest.mark.parametrize(
    "body",
    [
        "The Washington Post reported that the White House was weighing options.",
        "The International Syria Support Group met, and the Free Syrian Army replied.",
        "Ahrar al-Sham and Jaysh al-Islam said the U.S.-led coalition struck them.",
        "March was quiet. May was not. Man the barricades, said the commander.",
        "Syrian, Turkish and Russian officials met on Monday in January.",
        "President Obama spoke to Samantha Power. Later, Power said Obama agreed.",
        "SANA and the SOHR said the YPG and the SDF had clashed.",
    ],
)
def test_names_that_are_not_places(body: str) -> None:
    assert places(body) == []


def test_names_the_caller_marks_as_people_are_skipped() -> None:
    body = "Earnest said Washington would respond."
    start = len("Report\n\n") + body.index("Washington")
    assert places(body, exclude=[Span(start, start + len("Washington"))]) == []
    assert [p.name for p in places(body)] == ["Washington"]


def test_outlet_names_are_not_places() -> None:
    article = from_text(
        "Report\nOutlet: Euphrates News Agency\n\n"
        "DAMASCUS (Euphrates News Agency) - Shells fell on Douma."
    )
    _, sentences, _ = segment(article.text, article.body_start)
    assert [p.name for p in find_places(article, sentences, [])] == ["DAMASCUS", "Douma"]


def test_regions() -> None:
    found = places("Fighting in Eastern Ghouta, the Ghab plain and Jabal al-Akrad continued.")
    assert [(p.entry, p.kind) for p in found] == [
        ("Eastern Ghouta", "region"),
        ("Ghab plain", "region"),
        ("Jabal al-Akrad", "region"),
    ]
    assert [p.kind for p in listed(found)] == ["region"] * 3  # listed, and said to be regions


def test_listed_keeps_each_place_once() -> None:
    found = places("Aleppo was shelled. In Aleppo, residents fled to Afrin.")
    assert [p.entry for p in listed(found)] == ["Aleppo", "‘Afrīn"]


def test_arabic() -> None:
    found = places(
        "قتل خمسة مقاتلين قرب مدينة جسر الشغور غربي محافظة إدلب في سوريا، "
        "وقالت الحكومة السورية إن الجيش تقدم في ريف دمشق وفي حلب."
    )
    assert [(p.name, p.entry) for p in found] == [
        ("جسر الشغور", "Jisr ash Shughūr"),
        ("محافظة إدلب", "Idlib Governorate"),
        ("سوريا", "Syria"),
        ("ريف دمشق", "Rif Dimashq Governorate"),
        ("حلب", "Aleppo"),
    ]


def test_russian_with_case_endings() -> None:
    found = places(
        "Россия заявила, что в Сирии действует перемирие. Бои идут в провинции "
        "Идлиб, под Алеппо и в Дамаске; делегации прибыли в Женеву."
    )
    assert [(p.name, p.entry) for p in found] == [
        ("Сирии", "Syria"),
        ("Идлиб", "Idlib Governorate"),
        ("Алеппо", "Aleppo"),
        ("Дамаске", "Damascus"),
        ("Женеву", "Geneva"),
    ]


def test_gazetteer_points_follow_the_labelling_policy() -> None:
    gaz = gazetteer()
    syria = next(h.entry for h in gaz.find("syria") if h.entry.kind == "country")
    assert (syria.lat, syria.lon) == (35.0, 38.0)
    russia = next(h.entry for h in gaz.find("rusia") if h.entry.kind == "country")
    assert (russia.lat, russia.lon) == (60.0, 100.0)
    rif = [h.entry for h in gaz.find("rif dimashq")]
    assert [(e.kind, e.lat, e.lon) for e in rif if e.kind == "admin1"] == [
        ("admin1", 33.5, 37.38333)
    ]


# -- real dev texts (data/news/real, split dev) ----------------------------------------------


def roles(body: str, title: str = "Report") -> dict[str, str]:
    return {p.name: p.role for p in mentions(body, title)}


def test_a_place_line_above_or_below_a_statement_is_its_dateline() -> None:
    # The Secretary-General's spokesman, 22 February 2016: the place and day close the text.
    assert roles(
        "The Secretary-General welcomes the agreement on the terms of a nationwide cessation of "
        "hostilities in Syria.\n\nNew York, 22 February 2016"
    ) == {"Syria": "territory", "New York": "dateline"}
    # The Secretary's remarks in Paris, 9 May 2016, under the transcript's heading.
    heading = roles(
        "John Kerry\nSecretary of State\nQuai d'Orsay\nParis, France\nMay 9, 2016\n\n"
        "QUESTION:  Secretary Kerry, what happens to the ceasefire in Aleppo after midnight?"
    )
    assert heading["Paris"] == "dateline" and heading["Aleppo"] == "territory"
    # The Secretary-General's remarks to the Security Council, 21 September 2016.
    assert roles("New York\n\n21 September 2016\n\nThe Syrian tragedy shames us all.") == {
        "New York": "dateline"
    }


def test_a_capitals_possessive_is_its_government() -> None:
    # VOA, 8 September 2016.
    found = roles(
        "Russia is the Syrian government's strongest ally in Damascus' fight against numerous "
        "rebel groups.\n\nSome U.S. officials have questioned Moscow's seriousness in pursuing a "
        "political solution."
    )
    assert found["Damascus"] == "metonym" and found["Moscow"] == "metonym"
    assert roles("Shells fell on Damascus' eastern suburbs.")["Damascus"] == "territory"


def test_rural_damascus_is_the_governorate() -> None:
    [place] = places("Aid reached besieged areas in Rural Damascus.")
    assert (place.entry, place.kind) == ("Rif Dimashq Governorate", "admin1")


def test_a_world_city_is_not_lost_to_a_small_namesake_in_the_storys_country() -> None:
    # The Kremlin's readout of the call with Barack Obama, 15 March 2016 (a dev text): the
    # United States is the country named most, and Geneva, Illinois, is a town of 22,000.
    real = Path(__file__).resolve().parents[2] / "data" / "news" / "real" / "articles"
    [article] = read_file(real / "en_2016-03-15_kremlin_obama_call.txt")
    found = Extractor.offline().extract(article).places
    assert [(p.name, p.country) for p in found if p.name == "Geneva"] == [("Geneva", "CH")]


def test_common_words_are_not_places() -> None:
    # A VOA title in title case, and "حول" (about) in a UN News Arabic title.
    title = "Russia Warns of Unilateral Action to Police Syria Cease-fire"
    assert all(p.name != "Police" for p in places("Moscow said so.", title))
    assert all(
        p.name != "حول"
        for p in places(
            "اعتمد مجلس الأمن القرار.",
            "القرار الأمريكي الروسي حول وقف الأعمال العدائية في سوريا يحصد 15 صوتا",
        )
    )
