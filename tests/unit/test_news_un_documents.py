"""Reading the UN's Russian and Arabic documents: offices, quarters, car bombs, air raids, titles.

The cases are written for the test, in the wording of the Security Council's documents of 2016
(letters of Syria's mission, the Secretary-General's reports); none is a text of the real set.
"""

from datetime import date, datetime

from truce.news.article import from_text
from truce.news.extract import Extractor
from truce.news.model import Extraction

EXTRACTOR = Extractor.offline()
PUBLISHED = datetime.fromisoformat("2016-03-02T12:00:00-05:00")
SYRIAN_LETTER = (
    "Идентичные письма Постоянного представителя Сирийской Арабской Республики при Организации "
    "Объединенных Наций от 1 марта 2016 года на имя Генерального секретаря и Председателя "
    "Совета Безопасности"
)


def extract(body: str, title: str = "Report") -> Extraction:
    return EXTRACTOR.extract(from_text(f"{title}\n\n{body}"), PUBLISHED)


def parties(found: Extraction) -> set[str]:
    return {party.name for party in found.parties}


def places(found: Extraction) -> set[str]:
    return {place.entry for place in found.places}


def test_a_body_in_a_russian_office_is_not_acting_and_one_acting_is() -> None:
    article = from_text(f"{SYRIAN_LETTER}\n\nСовет Безопасности принял резолюцию.")
    found = EXTRACTOR.extract(article, PUBLISHED)
    # The title's "при Организации Объединенных Наций" and "Председателя Совета Безопасности"
    # are offices; the Council adopting a resolution acts.
    assert [(p.name, p.span.of(article.text)) for p in found.parties] == [
        ("United Nations", "Совет Безопасности")
    ]
    assert found.parties[0].span.start > len(SYRIAN_LETTER)
    assert "United Nations" not in parties(extract("Письмо.", title=SYRIAN_LETTER))


def test_parties_are_read_in_the_title_but_not_in_the_header_lines() -> None:
    titled = extract("Текст проекта.", title="Российская Федерация: проект резолюции")
    assert "Russia" in parties(titled)
    headed = EXTRACTOR.extract(
        from_text("Report\nOutlet: United Nations press release\n\nThe text."), PUBLISHED
    )
    assert parties(headed) == set()


def test_my_government_in_a_letter_of_syrias_mission_is_the_syrian_government() -> None:
    body = "По поручению правительства моей страны препровождаю Вам информацию."
    assert "Syrian government" in parties(extract(body, title=SYRIAN_LETTER))
    # Without the mission's name the speaker's state is unknown.
    assert "Syrian government" not in parties(extract(body))
    # "может правительство" is no "my government".
    maybe = "Может правительство другой страны ответить?"
    assert "Syrian government" not in parties(extract(maybe, title=SYRIAN_LETTER))
    assert "Syrian government" in parties(
        extract("Моему правительству известно о нападении.", title=SYRIAN_LETTER)
    )


def test_russian_names_of_the_syrian_state_and_its_army_in_their_cases() -> None:
    found = extract(
        "Сведения получены от правительства Сирийской Арабской Республики. Подразделения "
        "Сирийской арабской армии отбили атаку вооруженной оппозиции."
    )
    assert {"Syrian government", "Syrian Arab Army", "Syrian opposition groups"} <= parties(found)
    assert "Syria" in places(extract("Конфликт в Сирийской Арабской Республике продолжается."))
    # "Постоянного представителя Сирийской Арабской Республики": an office, not the land.
    assert places(extract("Текст.", title=SYRIAN_LETTER)) == set()


def test_a_citys_quarters_are_not_towns() -> None:
    found = extract(
        "Боевики вели обстрел районов Сайф-эд-Даула, Майсалун, Майдан, Хамдания и Сулеймания "
        "города Алеппо. В жилом районе Захра города Хомс взорвался автомобиль."
    )
    assert places(found) == {"Aleppo", "Homs"}
    # "в районе Алеппо" is the area around the city: the city.
    assert places(extract("Бои идут в районе Алеппо.")) == {"Aleppo"}


def test_the_council_and_arabic_numbers_are_not_towns() -> None:
    assert places(extract("Пунктом 10 резолюции 2165 (2014) Совета Безопасности.")) == set()
    assert places(extract("أغارت خمس طائرات على الموقع. وتجدر الإشارة إلى ذلك.")) == set()


def test_car_bombs_and_their_toll_in_russian() -> None:
    found = extract(
        "Утром в воскресенье, 28 февраля 2016 года, в городе Хомс террористы подорвали два "
        "заминированных автомобиля. Погибли более 46 человек."
    )
    (event,) = found.events
    assert (event.sub_type, event.date, event.place and event.place.entry) == (
        "Remote explosive/landmine/IED",
        date(2016, 2, 28),
        "Homs",
    )
    one = extract("28 февраля 2016 года в Хомсе взорвали заминированную машину, погибли более 12.")
    assert [e.fatalities for e in one.events] == [12]


def test_an_arabic_air_raid_and_a_capture_by_the_noun() -> None:
    found = extract(
        "أغارت خمس طائرات على مواقع الجيش في محيط مطار دير الزور يوم 17 أيلول/سبتمبر 2016. "
        "وقام تنظيم داعش بالهجوم على الموقع والسيطرة عليه في اليوم نفسه."
    )
    kinds = {(e.sub_type, e.date) for e in found.events}
    assert ("Air/drone strike", date(2016, 9, 17)) in kinds
    assert ("Non-state actor overtakes territory", date(2016, 9, 17)) in kinds
    # Trying to take it is not taking it.
    tried = extract("قد حاول تنظيم داعش السيطرة على الموقع يوم 17 أيلول/سبتمبر 2016.")
    assert not [e for e in tried.events if e.type == "Battles"]


def test_a_seat_named_only_in_the_header_lines_is_no_metonym() -> None:
    article = from_text(
        "Readout of the call\nOutlet: a blog republishing a White House readout\n\n"
        "President Obama spoke with President Putin."
    )
    assert [p.name for p in EXTRACTOR.extract(article, PUBLISHED).states] == []
