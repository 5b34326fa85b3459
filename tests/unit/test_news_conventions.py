"""What real 2016 text needs of the extractor: conventions made explicit, and the rules for
the kinds of error real copy showed (issue 12)."""

from datetime import UTC, datetime

import pytest

from truce.news.article import from_text
from truce.news.evaluate import Subset, score
from truce.news.events import fatalities
from truce.news.extract import Extractor
from truce.news.model import Extraction

EXTRACTOR = Extractor.offline()
PUBLISHED = datetime(2016, 5, 24, 12, tzinfo=UTC)


def extract(body: str, title: str = "Report", published: datetime = PUBLISHED) -> Extraction:
    return EXTRACTOR.extract(from_text(f"{title}\n\n{body}"), published)


def said(body: str) -> list[tuple[str, str, str]]:
    return [(s.speaker, s.kind, s.quote) for s in extract(body).statements]


# -- Conventions in the output ----------------------------------------------------------------


def test_a_quoted_term_is_flagged_and_a_quoted_claim_is_not() -> None:
    found = extract(
        "Stephen O'Brien, the U.N. relief chief, called on the parties to establish the "
        "proposed weekly “humanitarian pause” for eastern Aleppo. Speaking from Geneva, "
        "Staffan de Mistura said it was a “major achievement”."
    ).statements
    terms = {s.quote: s.quoted_term for s in found}
    assert terms["humanitarian pause"] is True
    assert terms["major achievement"] is False


def test_every_party_says_what_kind_of_actor_it_is() -> None:
    found = extract(
        "The Syrian Arab Army and Jabhat al-Nusra fought near Aleppo, Russia said, and the "
        "United Nations and the High Negotiations Committee called for calm."
    )
    kinds = {p.name: p.kind for p in found.parties}
    assert kinds["Syrian Arab Army"] == kinds["Jabhat al-Nusra"] == "armed"
    assert kinds["Russia"] == "state"
    assert kinds["United Nations"] == "intergovernmental"
    assert kinds["High Negotiations Committee"] == "other"


def test_a_country_acting_is_kept_apart_from_the_places() -> None:
    found = extract("Russia said the truce in Syria was holding.")
    assert [(p.name, p.role) for p in found.places] == [("Syria", "territory")]
    assert [(p.name, p.role) for p in found.states] == [("Russia", "actor")]


def test_a_subset_keeps_matching_items_on_both_sides() -> None:
    found = extract("Russia said that rebels shelled the town of Morek in Hama province.")
    label = {
        "places": [
            {"name": "Russia", "lat": 60.0, "lon": 100.0, "kind": "country", "roles": ["actor"]},
            {"name": "Morek", "lat": 35.37, "lon": 36.68, "kind": "city", "roles": ["territory"]},
        ],
        "parties": ["Russia", {"name": "Syrian opposition groups", "kind": "armed"}],
    }
    full = score(label, found, party_kind=EXTRACTOR.book.kind_of)
    towns = score(label, found, [Subset.parse("places.kind=city")], EXTRACTOR.book.kind_of)
    armed = score(label, found, [Subset.parse("parties.kind=armed")], EXTRACTOR.book.kind_of)
    assert full["places"].labelled == 2 and towns["places"].labelled == 1
    assert towns["places"].hits == 1 and towns["places"].found == 1  # Hama province is admin1
    assert (armed["parties"].hits, armed["parties"].found, armed["parties"].labelled) == (1, 1, 1)


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("statements.colour=red", "no such field"),
        ("statements.kind", "KIND.FIELD=VALUE"),
        ("weather.kind=sunny", "no such field"),
    ],
)
def test_a_bad_subset_says_what_fits(text: str, says: str) -> None:
    with pytest.raises(ValueError, match=says):
        Subset.parse(text)


# -- Statements -------------------------------------------------------------------------------


def test_titles_are_not_part_of_the_speakers_name() -> None:
    assert said("Secretary of State John Kerry said the truce was holding in most places.") == [
        ("John Kerry", "indirect", "the truce was holding in most places")
    ]
    arabic = (
        "وقال يان إيغلاند منسق فريق العمل المعني بالوضع الإنساني إن تقدما أحرز على مسار "
        "توصيل المساعدات."
    )
    assert said(arabic)[0][0] == "يان إيغلاند"


def test_an_act_without_a_reported_clause_is_not_a_statement() -> None:
    assert said("President Obama stressed the importance of pressing the regime to halt.") == []
    assert said("Obama urged President Putin to take steps to end the fighting.") == []
    assert said("ISIL claimed responsibility for the attacks, which killed dozens.") == []


def test_each_participle_clause_is_a_statement() -> None:
    found = said(
        "Much work lay ahead, de Mistura continued, stressing that Saturday would be a critical "
        "day and warning that there would be attempts to undermine the process."
    )
    assert [quote for _, _, quote in found] == [
        "Much work lay ahead",
        "Saturday would be a critical day",
        "there would be attempts to undermine the process",
    ]


def test_words_said_together_name_both_speakers() -> None:
    found = said(
        "Vladimir Putin had a telephone conversation with Barack Obama. The leaders stated "
        "that the initiative has allowed for a sharp decrease in the bloodshed."
    )
    assert found[0][0] == "Vladimir Putin and Barack Obama"


def test_an_office_stands_for_its_holder_when_the_article_names_them() -> None:
    found = said(
        "The President of Russia told the President of the United States that a decision was "
        "made to withdraw the main part of the forces. Vladimir Putin spoke by phone."
    )
    assert found == [
        (
            "Vladimir Putin",
            "indirect",
            "a decision was made to withdraw the main part of the forces",
        )
    ]


def test_a_quotation_introduced_by_a_colon_belongs_to_its_speaker() -> None:
    found = said('وقال إيغلاند:\n"لم يتم الوصول إلى عربين وزملكا منذ عام 2012."')
    assert found == [("إيغلاند", "direct", "لم يتم الوصول إلى عربين وزملكا منذ عام 2012")]


def test_a_subheading_attributes_nothing() -> None:
    found = said(
        "Permanent Representative Blames Crisis on Neighbour\n"
        "He said the humanitarian situation was deteriorating fast."
    )
    assert all(speaker != "Blames Crisis" for speaker, _, _ in found)


# -- Places -----------------------------------------------------------------------------------


def test_a_town_only_ucdp_locates_is_a_town_of_its_own() -> None:
    # Zamalka lies 1.6 km from Irbin: a neighbour, not a spelling of it.
    found = extract("Aid finally reached Arbin and Zamalka in Rif Dimashq.").places
    assert [(p.name, p.entry) for p in found][:2] == [("Arbin", "‘Irbīn"), ("Zamalka", "Zamalka")]


def test_a_spelling_one_letter_off_is_matched_where_a_place_is_named() -> None:
    found = extract("Shelling hit the town of Kafr Zeita on Monday.").places
    assert [(p.name, p.entry) for p in found] == [("Kafr Zeita", "Kafr Zaytā")]


def test_no_spelling_match_when_distinct_villages_fit_about_as_well() -> None:
    # Kefraya (Idlib) is not in the gazetteer; Kafriyah (Latakia) is another village.
    found = extract("Fighting raged near Kefraya on Monday.").places
    assert [p.entry for p in found] == []


def test_a_misspelt_group_is_still_that_group() -> None:
    found = extract("ISIS, Jabhat Al-Nursa and other terrorist groups are excluded.").parties
    assert "Jabhat al-Nusra" in {p.name for p in found}


# -- Events -----------------------------------------------------------------------------------


def test_a_sentence_listing_towns_gives_an_event_for_each() -> None:
    found = extract(
        "The Security Council condemned the terrorist attacks in Jableh and Tartous on 23 May."
    ).events
    assert [(e.sub_type, e.place.name, str(e.date)) for e in found if e.place] == [
        ("Attack", "Jableh", "2016-05-23"),
        ("Attack", "Tartous", "2016-05-23"),
    ]


def test_a_death_toll_in_the_next_sentence() -> None:
    found = extract(
        "Air strikes hit the town of Saraqib on Monday. At least 14 people were killed."
    )
    assert [(e.sub_type, e.fatalities) for e in found.events] == [("Air/drone strike", 14)]


def test_killed_and_injured_is_not_a_death_toll() -> None:
    assert fatalities("more than a hundred people were killed and injured") is None
    assert fatalities("at least 37 people were killed") == 37


@pytest.mark.parametrize(
    "body",
    [
        "Strikes against them will continue, Putin said on Monday.",
        "The truce, brokered by the United States and Russia, took effect on Saturday.",
        "He announced that if the truce holds he will reconvene talks in Geneva on March 7.",
        "The two countries worked on Monday on effectively fighting terrorist groups.",
        "It was agreed that the cessation commences at 00:00 (Damascus time) on February 27.",
    ],
)
def test_what_did_not_happen_is_no_event(body: str) -> None:
    assert extract(body, published=datetime(2016, 2, 22, 12, tzinfo=UTC)).events == ()


# -- Parties in real dev texts (data/news/real, split dev) ------------------------------------


def parties_of(body: str) -> dict[str, str]:
    return {p.name: p.kind for p in extract(body).parties}


def test_bodies_of_states_are_intergovernmental_parties() -> None:
    # UN News, 12 February 2016, on the ISSG's humanitarian task force.
    found = parties_of(
        "The task force held its initial meeting at the UN headquarters in Geneva less than 24 "
        "hours after it was by the ISSG, the group that has been working since November to "
        "secure a broader ceasefire and Syrian political negotiations and is comprised of the "
        "Arab League, the European Union, the United Nations, and 17 countries, including the "
        "United States and Russia."
    )
    assert found["Arab League"] == found["European Union"] == "intergovernmental"
    assert found["United Nations"] == "intergovernmental"
    # The White House readout of 22 February 2016, on Ukraine.
    assert (
        parties_of(
            "President Obama also emphasized the importance of the fulfilment by combined "
            "Russian-separatist forces in eastern Ukraine of their obligations under the Minsk "
            "agreements, particularly honoring the cease-fire and permitting the Special "
            "Monitoring Mission of the Organization for Security and Cooperation in Europe (OSCE) "
            "full access to the conflict area including the international border."
        )["Organization for Security and Cooperation in Europe"]
        == "intergovernmental"
    )


def test_unicef_and_the_security_council_are_the_united_nations() -> None:
    # UNICEF's Executive Director, 28 September 2016; UN News in Arabic, 26 February 2016.
    assert "United Nations" in parties_of(
        "UNICEF and our partners have just delivered some supplies to the besieged areas of "
        "Madaya, Fouah, Kefraya and Zabadani."
    )
    assert "United Nations" in parties_of(
        "اعتمد مجلس الأمن الدولي بالإجماع القرار رقم 2268 حول دعم تنفيذ وقف الأعمال العدائية في "
        "سوريا."
    )


def test_the_government_of_syria_is_the_state_not_its_army() -> None:
    # The Kremlin's readout of 15 March 2016.
    found = parties_of(
        "The presidents called for intensification of the political process for settling the "
        "Syrian conflict, expressing support for the talks between the Government of Syria and "
        "the opposition, which are starting in Geneva under the auspices of the UN."
    )
    assert found["Syrian government"] == "state" and "Syrian Arab Army" not in found


def test_a_country_in_a_transcripts_dateline_is_no_party() -> None:
    # The Secretary's remarks in Paris, 9 May 2016: the heading says where they were given.
    found = parties_of(
        "John Kerry\nSecretary of State\nQuai d'Orsay\nParis, France\nMay 9, 2016\n\n"
        "SECRETARY KERRY:  Let me just say very quickly that today the Russian Federation and the "
        "United States released a document."
    )
    assert "France" not in found and found["Russia"] == "state"
