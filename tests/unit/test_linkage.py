"""Linking reports into incidents: accounts of one event merge, distinct events stay apart.

The cases are modelled on the Syrian war of 2016 as the sources coded it: UCDP names the
sides in its dyad order and the Nusra Front under a later name, ACLED puts its point a few
hundred metres away and calls the army "Military Forces of Syria", SOHR sometimes gives only
the governorate. Places are real (Kafr Zita and Al-Latamneh in northern Hama).
"""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from truce.domain.errors import Invalid
from truce.linkage import LinkRecord, link, link_new
from truce.linkage.model import PRIOR

DAY = timedelta(days=1)
MARCH_5 = datetime(2016, 3, 5, tzinfo=UTC)
KAFR_ZITA = (35.3728, 36.6017)
LATAMNEH = (35.3186, 36.6192)  # 6.2 km south-south-west of Kafr Zita
GOVERNMENT, NUSRA, IZZA = 1, 5, 13
SHELLING = ("Explosions/Remote violence", "Shelling/artillery/missile attack")


def report(report_id: int, source: str, **changes: object) -> LinkRecord:
    """A government shelling of Kafr Zita on 5 March 2016, as ``source`` reports it."""
    base = LinkRecord(
        report_id=report_id, start=MARCH_5, end=MARCH_5 + DAY, time_precision="day",
        lat=KAFR_ZITA[0], lon=KAFR_ZITA[1], geo_precision="exact",
        admin1="Hama", admin2="Muhradah", event_type=SHELLING[0], sub_event_type=SHELLING[1],
        actor1_party_id=GOVERNMENT, actor2_party_id=NUSRA,
        actor1="Government of Syria", actor2="Jabhat Fateh al-Sham",
        killed_best=6, text="Government of Syria - Jabhat Fateh al-Sham: Kafr Zita, 6 killed",
        source=source,
    )  # fmt: skip
    return replace(base, **changes)  # type: ignore[arg-type]


def acled(report_id: int, **changes: object) -> LinkRecord:
    """The same event as ACLED codes it: its own names, its point 400 m away, one less dead."""
    coding = dict(
        lat=KAFR_ZITA[0] + 0.0036, lon=KAFR_ZITA[1],
        actor1="Military Forces of Syria", actor2="Al Nusra Front", killed_best=5,
        text="Military Forces of Syria shelled Kafr Zita against Al Nusra Front, 5 killed.",
    )  # fmt: skip
    return report(report_id, "ACLED", **{**coding, **changes})


def groups(reports: list[LinkRecord]) -> list[list[int]]:
    return link(reports).groups()


def test_ucdp_and_acled_accounts_of_one_shelling_link():
    assert groups([report(1, "UCDP"), acled(2)]) == [[1, 2]]


def test_the_later_name_of_the_same_group_links_by_its_registry_party():
    earlier = acled(2, actor2="Jabhat al-Nusra")  # the name in use in March 2016
    later = report(1, "UCDP", actor2="Hay'at Tahrir al-Sham")  # UCDP's name, coded later
    assert groups([later, earlier]) == [[1, 2]]


def test_the_link_records_its_score_and_each_comparison():
    decision = link([report(1, "UCDP"), acled(2)]).explain(2, 1)
    assert decision is not None and decision.merged
    levels = {outcome.comparison: outcome.level for outcome in decision.comparisons}
    assert levels["place"] == "both exact, within 0.5 km"
    assert levels["time"] == "same day: windows overlap"
    # UCDP gives the two sides as a dyad, so its actors are compared on the dyad's levels
    assert levels["actors"] == "one gives a dyad: the same two sides, in either order"
    odds = PRIOR / (1 - PRIOR)
    for outcome in decision.comparisons:
        odds *= outcome.bayes_factor
    assert odds / (1 + odds) == pytest.approx(decision.match_probability)


def test_two_shellings_of_one_town_on_one_day_by_different_sides_stay_apart():
    army = [report(1, "SOHR", killed_best=6), acled(2)]
    rebels = dict(
        actor1_party_id=IZZA, actor2_party_id=GOVERNMENT, actor1="Jaysh al-Izza",
        actor2="Government of Syria", killed_best=0,
        text="Jaysh al-Izza shelled army positions in Kafr Zita, no casualties",
    )  # fmt: skip
    counter = [report(3, "ACLED", lat=KAFR_ZITA[0] - 0.004, **rebels),
               report(4, "RU-MoD", lat=KAFR_ZITA[0] - 0.003, **rebels)]  # fmt: skip
    assert groups(army + counter) == [[1, 2], [3, 4]]


def test_a_clash_six_km_away_the_same_day_is_another_event():
    clash = report(
        3,
        "SOHR",
        lat=LATAMNEH[0],
        lon=LATAMNEH[1],
        event_type="Battles",
        sub_event_type="Armed clash",
        killed_best=14,
        text="Clashes in Al-Latamneh",
    )
    assert groups([report(1, "UCDP"), acled(2), clash]) == [[1, 2], [3]]


def test_a_report_giving_only_the_province_joins_the_event():
    vague = report(3, "SOHR", lat=None, lon=None, geo_precision="province", admin2=None,
                   text="Government of Syria shelled Kafr Zita in the Hama countryside, "
                        "6 killed")  # fmt: skip
    assert groups([report(1, "UCDP"), acled(2), vague]) == [[1, 2, 3]]


def test_an_arabic_bulletin_links_to_an_english_note_though_they_share_no_word():
    arabic = report(
        3,
        "SOHR",
        lat=KAFR_ZITA[0] - 0.002,
        actor1="قوات النظام",
        actor1_party_id=GOVERNMENT,
        text="قصف قوات النظام على كفرزيتا ومقتل 6",
    )
    decision = link([acled(2), arabic]).explain(2, 3)
    assert decision is not None and decision.merged
    text = next(c for c in decision.comparisons if c.comparison == "text")
    assert text.bayes_factor == 1.0  # different scripts: the texts say nothing either way


def test_reports_from_one_source_are_never_one_incident():
    assert groups([report(1, "SOHR"), report(2, "SOHR")]) == [[1], [2]]


def test_a_week_later_is_another_incident():
    assert groups(
        [report(1, "UCDP"), acled(2, start=MARCH_5 + 7 * DAY, end=MARCH_5 + 8 * DAY)]
    ) == [[1], [2]]


def _scene() -> list[LinkRecord]:
    """Three events over two days, seven reports; each text tells its own toll."""
    later = dict(start=MARCH_5 + DAY, end=MARCH_5 + 2 * DAY)
    clash = dict(
        lat=LATAMNEH[0],
        lon=LATAMNEH[1],
        event_type="Battles",
        sub_event_type="Armed clash",
        killed_best=14,
        text="Clashes in Al-Latamneh",
    )
    return [
        report(1, "UCDP"), acled(2), report(3, "monitor", actor1=None, actor1_party_id=None),
        report(4, "UCDP", **clash), report(5, "SOHR", **clash),
        report(6, "SOHR", killed_best=2, text="Regime shelling on Kafr Zita, 2 dead", **later),
        acled(7, killed_best=2, **later,
              text="Military Forces of Syria shelled Kafr Zita against Al Nusra Front, 2 killed."),
    ]  # fmt: skip


def test_the_scene_links_as_expected():
    assert groups(_scene()) == [[1, 2, 3], [4, 5], [6, 7]]


def test_new_reports_linked_incrementally_join_the_incidents_a_batch_would_give():
    scene = _scene()
    whole = {member: tuple(group) for group in groups(scene) for member in group}
    new_ids = {2, 5, 7}
    old = [r for r in scene if r.report_id not in new_ids]
    incidents = {member: 100 + g[0] for g in groups(old) for member in g}
    added = link_new([r for r in scene if r.report_id in new_ids], old, incidents)
    rows = added.assignments.to_pylist()
    assert sorted(row["report_id"] for row in rows) == sorted(new_ids)
    for row in rows:
        members = {m for m, incident in incidents.items() if incident == row["incident_id"]}
        members |= {r["report_id"] for r in rows if r["group"] == row["group"]}
        assert tuple(sorted(members)) == whole[row["report_id"]]


def test_new_reports_of_a_new_event_make_a_new_incident():
    old = [report(1, "UCDP"), acled(2)]
    clash = dict(
        lat=LATAMNEH[0],
        lon=LATAMNEH[1],
        event_type="Battles",
        sub_event_type="Armed clash",
        killed_best=14,
        text="Clashes in Al-Latamneh",
    )
    added = link_new([report(3, "UCDP", **clash), report(4, "SOHR", **clash)], old,
                     {1: 9, 2: 9})  # fmt: skip
    assert added.assignments.to_pylist() == [
        {"report_id": 3, "incident_id": None, "group": 3},
        {"report_id": 4, "incident_id": None, "group": 3},
    ]


def test_the_same_input_in_any_order_gives_the_same_result():
    scene = _scene()
    first = link(scene)
    shuffled = scene[:]
    random.Random(4).shuffle(shuffled)
    again = link(shuffled)
    assert again.assignments.equals(first.assignments)
    assert again.links.equals(first.links)


def test_a_naive_datetime_is_refused_naming_the_report_and_field():
    with pytest.raises(Invalid) as error:
        link([report(1, "UCDP", start=datetime(2016, 3, 5))])
    assert error.value.field == "start" and "Report 1" in str(error.value)


def test_an_unknown_event_kind_is_refused():
    with pytest.raises(Invalid) as error:
        link([report(1, "UCDP", sub_event_type="Skirmish")])
    assert error.value.field == "sub_event_type"


def test_an_existing_report_without_incident_is_refused():
    with pytest.raises(Invalid) as error:
        link_new([acled(2)], [report(1, "UCDP")], {})
    assert error.value.field == "incidents"
