"""The linkage model: splink blocking rules and Fellegi–Sunter comparisons with fixed m and u.

Each comparison has levels, most specific first. A level's ``m`` is the chance that two reports
*of one event* fall in it, ``u`` the chance for two reports of *different* events that blocking
made candidates (same family, within a few days, near each other): ``u`` is conditional on
being a candidate, and so is :data:`PRIOR`, the chance that a candidate pair is one event. The
Bayes factor of a level is ``m / u``. The figures, and where each comes from, are in
docs/incidents.md ("Linking reports into incidents").
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from truce.linkage.clusters import Window
from truce.linkage.features import Grid

PARAMETERS_FILE = Path(__file__).with_name("parameters.json")
PARAMETERS: dict[str, Any] = json.loads(PARAMETERS_FILE.read_text(encoding="utf-8"))
PRIOR: float = PARAMETERS["prior"]  # P(one event | candidate pair)


@dataclass(frozen=True)
class Level:
    """One level of a comparison: its SQL condition on ``*_l``/``*_r`` columns, label, m, u."""

    label: str
    sql: str
    is_null: bool = False
    m: float = 0.0
    u: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        spelled: dict[str, Any] = {"sql_condition": self.sql, "label_for_charts": self.label}
        if self.is_null:
            return {**spelled, "is_null_level": True}
        return {**spelled, "m_probability": self.m, "u_probability": self.u}


@dataclass(frozen=True)
class Comparison:
    """A named comparison and its levels (the ``else`` level last)."""

    name: str
    description: str
    levels: tuple[Level, ...]

    def as_dict(self) -> dict[str, Any]:
        return {
            "output_column_name": self.name,
            "comparison_description": self.description,
            "comparison_levels": [level.as_dict() for level in self.levels],
        }


def comparison(name: str, description: str, levels: tuple[Level, ...]) -> Comparison:
    """A comparison whose levels take their m and u from :data:`PARAMETERS`."""
    given = PARAMETERS["comparisons"].get(name, {})
    unknown = (0.5, 0.5)  # until calibrated: a test checks every level has its figures
    return Comparison(name, description, tuple(
        level if level.is_null else replace(level, m=given.get(level.label, unknown)[0],
                                            u=given.get(level.label, unknown)[1])
        for level in levels
    ))  # fmt: skip


_BOTH_DAY = "not time_coarse_l and not time_coarse_r"
_OVERLAP = "least(t_end_l, t_end_r) - greatest(t_start_l, t_start_r) > 0"
_GAP = "greatest(t_start_l, t_start_r) - least(t_end_l, t_end_r)"
_BOTH_HOURS = "t_end_l - t_start_l <= 6 and t_end_r - t_start_r <= 6"
_MIDPOINTS = "abs((t_start_l + t_end_l) - (t_start_r + t_end_r)) / 2"

# Time, place and kind are never missing (as_table refuses such reports); their null levels
# only guard the SQL.
TIME = comparison("time", "overlap of, or gap between, the observed windows (hours)", (
    Level("a window is missing", "t_start_l is null or t_start_r is null", is_null=True),
    Level("both give hours, within 30 min of each other",
          f"{_BOTH_HOURS} and {_MIDPOINTS} <= 0.5"),
    Level("both give hours, within 1 h", f"{_BOTH_HOURS} and {_MIDPOINTS} <= 1"),
    Level("both give hours, within 2 h", f"{_BOTH_HOURS} and {_MIDPOINTS} <= 2"),
    Level("both give hours, within 4 h", f"{_BOTH_HOURS} and {_MIDPOINTS} <= 4"),
    Level("both give hours, further apart", _BOTH_HOURS),
    Level("same day: windows overlap", f"{_BOTH_DAY} and {_OVERLAP}"),
    Level("within 24 h", f"{_BOTH_DAY} and {_GAP} <= 24"),
    Level("a week or month window covers the other", _OVERLAP),
    Level("further apart", "else"),
))  # fmt: skip

_BOTH_FINE = "geo_fine_l and geo_fine_r"
# The great-circle (haversine) distance d is at most D exactly when the chord between the two
# points on the unit sphere is at most 2·sin(D / 2R): three differences per pair, no trigonometry
# (features.py gives each report its unit vector ux, uy, uz).
_CHORD2 = "(pow(ux_l - ux_r, 2) + pow(uy_l - uy_r, 2) + pow(uz_l - uz_r, 2))"
EARTH_KM = 6371.0


def _within(km: float, both: str = _BOTH_FINE) -> str:
    chord = 2 * math.sin(km / (2 * EARTH_KM))
    return f"{both} and {_CHORD2} <= {chord * chord!r}"


# Sources that give the exact place are a few hundred metres apart at most; those that give a
# place near the event (within a few km) spread further, so each has its own distance levels.
_BOTH_EXACT = (
    "coalesce(geo_precision_l, 'exact') = 'exact' and coalesce(geo_precision_r, 'exact') = 'exact'"
)
_BOTH_NEAR = "geo_precision_l = 'near' and geo_precision_r = 'near'"


_NO_PROVINCE = (
    "coalesce(geo_precision_l, '') <> 'province' and coalesce(geo_precision_r, '') <> 'province'"
)
PLACE = comparison("place", "distance between points (km), else the admin unit shared", (
    Level("a place is missing", "(lat_l is null and admin1_l is null) or "
          "(lat_r is null and admin1_r is null)", is_null=True),
    *(Level(f"both exact, within {km} km", _within(km, _BOTH_EXACT))
      for km in (0.25, 0.5, 0.75, 1, 1.5, 2, 3, 5, 10)),
    *(Level(f"both near, within {km} km", _within(km, _BOTH_NEAR))
      for km in (0.5, 1, 2, 3, 5, 10)),
    *(Level(f"one exact, one near, within {km} km", _within(km)) for km in (0.5, 1, 2, 3, 5, 10)),
    Level("within 25 km", _within(25)),
    Level("both give only the country", "geo_precision_l = 'country' and "
          "geo_precision_r = 'country'"),
    Level("one report gives only the country", "geo_precision_l = 'country' or "
          "geo_precision_r = 'country'"),
    Level("same district (one report gives only the district)",
          f"not ({_BOTH_FINE}) and admin2_l = admin2_r and {_NO_PROVINCE}"),
    Level("same province (one report gives only the province)",
          f"not ({_BOTH_FINE}) and admin1_l = admin1_r"),
    Level("further apart, or another admin unit", "else"),
))  # fmt: skip

_IN_TEXT = (
    "(list_contains(text_grams_r, place_hash_l) or list_contains(text_grams_l, place_hash_r))"
)
_BOTH_NAMED = "place_key_l is not null and place_key_r is not null"
_SIMILAR_KEYS = (
    f"{_BOTH_NAMED} and (jaro_winkler_similarity(place_key_l, place_key_r) >= 0.9 or "
    "(least(length(place_key_l), length(place_key_r)) >= 4 and "
    "(suffix(place_key_l, place_key_r) or suffix(place_key_r, place_key_l))))"
)
_PREFIX_KEYS = (
    f"{_BOTH_NAMED} and least(length(place_key_l), length(place_key_r)) >= 4 and "
    "(starts_with(place_key_l, place_key_r) or starts_with(place_key_r, place_key_l))"
)
PLACE_NAME = comparison("place_name", "the place names the sources gave, in any spelling, and "
                        "the place one names in the other's text", (
    # A district or province report names its district or province: the place comparison
    # already weighs that, so only its text can name the place (place_key is null for it).
    Level("no place name to compare", "place_key_l is null and place_key_r is null",
          is_null=True),
    Level("same place name", "place_key_l = place_key_r"),
    Level("similar place names", _SIMILAR_KEYS),
    Level("one place name begins with the other", _PREFIX_KEYS),
    Level("the place one names is in the other's text", f"{_BOTH_FINE} and {_IN_TEXT}"),
    Level("another place name", _BOTH_NAMED),
    Level("one gives only an area, whose report's text names the other's place", _IN_TEXT),
    Level("one gives only an area, whose report's text does not name the other's place",
          f"not ({_BOTH_FINE})"),
    Level("the place one names is not in the other's text", "else"),
))  # fmt: skip

_DYAD = "(dyad_l or dyad_r)"
KIND = comparison("kind", "event sub-type, else the mode (remote fire, ground, civilians)", (
    Level("a kind is missing", "kind_l is null or kind_r is null", is_null=True),
    # A dyad source (features.DYAD_SOURCES) codes the fighting where it cannot tell the weapon.
    Level("one from a dyad source, same sub-type", f"{_DYAD} and kind_l = kind_r"),
    Level("one from a dyad source, same mode", f"{_DYAD} and mode_l = mode_r"),
    Level("one from a dyad source, another mode", _DYAD),
    Level("same sub-type", "kind_l = kind_r"),
    Level("same mode", "mode_l = mode_r"),
    Level("another mode of the same family", "else"),
))  # fmt: skip


def _agree(left: str, right: str) -> str:
    """Actor ``left`` of the left report is actor ``right`` of the right report: the same
    registry party, or, when either is unresolved, the same name group (``features.names_table``:
    the name once folded, so "Jaish el-Islam" is "Jaysh al-Islam", or nearly that)."""
    lp, rp, lg, rg = f"{left}p_l", f"{right}p_r", f"{left}g_l", f"{right}g_r"
    return f"coalesce({lp} = {rp}, {lg} = {rg}, false)"


_PERPETRATOR_UNKNOWN = "(a1p_l is null and a1n_l is null) or (a1p_r is null and a1n_r is null)"
ACTORS = comparison("actors", "claimed perpetrator and target: registry party, else the name", (
    Level("perpetrator unknown in one report", _PERPETRATOR_UNKNOWN, is_null=True),
    # A dyad source gives the two sides in its own order: which one attacked, it does not say.
    Level("one gives a dyad: the same two sides, in either order", f"{_DYAD} and (("
          f"{_agree('a1', 'a1')} and {_agree('a2', 'a2')}) or ({_agree('a1', 'a2')} and "
          f"{_agree('a2', 'a1')}))"),
    Level("one gives a dyad: one side in common", f"{_DYAD} and ({_agree('a1', 'a1')} or "
          f"{_agree('a2', 'a2')} or {_agree('a1', 'a2')} or {_agree('a2', 'a1')})"),
    Level("one gives a dyad: no side in common", _DYAD),
    Level("same perpetrator and target", f"{_agree('a1', 'a1')} and {_agree('a2', 'a2')}"),
    Level("same perpetrator", _agree("a1", "a1")),
    Level("perpetrator and target swapped", f"{_agree('a1', 'a2')} and {_agree('a2', 'a1')}"),
    Level("same target, perpetrators unresolved and named apart",
          f"{_agree('a2', 'a2')} and a1p_l is null and a1p_r is null"),
    Level("one actor in common, in another role",
          f"{_agree('a2', 'a2')} or {_agree('a1', 'a2')} or {_agree('a2', 'a1')}"),
    Level("different registry parties as perpetrator", "a1p_l <> a1p_r"),
    Level("names differ, parties unresolved", "else"),
))  # fmt: skip

_KILLED_DIFF = "abs(killed_l - killed_r)"
_KILLED_MAX = "greatest(killed_l, killed_r)"
KILLED = comparison("killed", "people killed (best estimate)", (
    Level("a count is missing", "killed_l is null or killed_r is null", is_null=True),
    Level("same count, twenty or more", "killed_l = killed_r and killed_l >= 20"),
    Level("same count, five to nineteen", "killed_l = killed_r and killed_l >= 5"),
    Level("same count, one to four", "killed_l = killed_r and killed_l >= 1"),
    Level("same count: none killed", "killed_l = killed_r"),
    Level("one to three apart", f"{_KILLED_DIFF} <= 3"),
    Level("close: within 20%", f"{_KILLED_DIFF} <= 0.2 * {_KILLED_MAX}"),
    Level("within half", f"{_KILLED_DIFF} <= 0.5 * {_KILLED_MAX}"),
    Level("far apart", "else"),
))  # fmt: skip

_SHARED = "(bit_count(words_low_l & words_low_r) + bit_count(words_high_l & words_high_r))"
_EITHER = "(bit_count(words_low_l | words_low_r) + bit_count(words_high_l | words_high_r))"
_JACCARD = f"{_SHARED} / {_EITHER}"
_EMPTY = "(words_low_{side} = 0 and words_high_{side} = 0)"
TEXT = comparison("text", "words of three letters or more shared by the texts (Jaccard, on "
                  "128-bit signatures of the words)", (
    # Texts in two scripts (an Arabic bulletin, an English note) share no words by nature.
    Level("a text is empty, or the texts are in different scripts",
          f"{_EMPTY.format(side='l')} or {_EMPTY.format(side='r')} or script_l <> script_r",
          is_null=True),
    Level("half the words shared", f"{_JACCARD} >= 0.5"),
    Level("a quarter shared", f"{_JACCARD} >= 0.25"),
    Level("some shared", f"{_JACCARD} > 0"),
    Level("none shared", "else"),
))  # fmt: skip

COMPARISONS = (TIME, PLACE, PLACE_NAME, KIND, ACTORS, KILLED, TEXT)


def blocking_rules(window: Window) -> list[str]:
    """Candidate pairs: one family, close in time and place by one of the rules below, and
    possibly one incident (their windows less than ``window.max_gap_hours`` apart, their
    points at most ``window.max_km``): no other pair could be merged, so scoring it would be
    wasted. These are join conditions on ``l`` and ``r``; a pair is a candidate when it meets
    any of them, in either order (:func:`truce.linkage.features.mark_candidates`).

    Point reports: the same or the next day's time bucket × one of four shifted grids (8
    rules). A report that gives only its district (or province, or the country) meets every
    report of that district (province, country) in its time bucket and the two beside it: its
    ``d_admin2`` (``p_admin1``, ``w_tb``) is set, and null for point reports, so the join only
    pairs it with the others.
    A week or month report meets every report of its district in a month its window covers,
    of its province when it names no district, of the country when it names no province.
    """
    family = "l.family = r.family"
    if not window.same_source:
        family += " and l.source <> r.source"
    family += (" and greatest(l.t_start, r.t_start) - least(l.t_end, r.t_end) < "
               f"{window.max_gap_hours!r}")  # fmt: skip
    chord = 2 * math.sin(window.max_km / (2 * EARTH_KM))
    near = f"(pow(l.ux - r.ux, 2) + pow(l.uy - r.uy, 2) + pow(l.uz - r.uz, 2)) <= {chord**2!r}"
    same_or_next = ("l.tb = r.tb", "l.tb = r.tb + 1")  # either order: both adjacent buckets
    rules = [
        f"{family} and {bucket} and l.c{cell} = r.c{cell} and {near}"
        for bucket in same_or_next for cell in ("00", "10", "01", "11")
    ]  # fmt: skip
    # the coarse report is l: the bucket after it and the one before it, in turn
    for bucket in ("l.tb = r.tb", "l.tb = r.tb + 1", "l.tb + 1 = r.tb"):
        rules.append(f"{family} and {bucket} and l.d_admin2 = r.admin2")
        rules.append(f"{family} and {bucket} and l.p_admin1 = r.admin1")
        rules.append(f"{family} and {bucket.replace('l.tb', 'l.w_tb')}")
    overlap = "least(l.t_end, r.t_end) > greatest(l.t_start, r.t_start)"
    for month in ("c_m_start", "c_m_end"):  # c_m_end: only for windows across two months
        rules.append(f"{family} and l.{month} = r.m_start and l.admin2 = r.admin2 and {overlap}")
    for month in ("m_start", "m_end"):
        rules.append(f"{family} and l.c1_{month} = r.m_start and l.admin1 = r.admin1 and {overlap}")
        rules.append(f"{family} and l.c0_{month} = r.m_start and {overlap}")
    return rules


# splink's blocking: the candidate pairs found by blocking_rules, each given a key that its two
# reports hold in ``pair_keys`` (an exploding blocking rule pairs the reports sharing a key).
PAIR_RULE = {"blocking_rule": "l.pair_keys = r.pair_keys", "sql_dialect": "duckdb",
             "arrays_to_explode": ["pair_keys"]}  # fmt: skip


def settings(grid: Grid, gammas: bool = False) -> dict[str, Any]:
    """The splink settings: dedupe, blocking on the candidate pairs, comparisons with their
    fixed m and u.

    ``gammas`` keeps each comparison's level (``gamma_<name>``) and the columns it read, for
    calibration; otherwise the level is read back from its distinct match weight.
    """
    del grid  # the grid shapes the features; the rules only name their columns
    return {
        "link_type": "dedupe_only",
        "unique_id_column_name": "unique_id",
        "probability_two_random_records_match": PRIOR,
        "blocking_rules_to_generate_predictions": [PAIR_RULE],
        "comparisons": [comparison.as_dict() for comparison in COMPARISONS],
        "retain_matching_columns": gammas,
        "retain_intermediate_calculation_columns": True,
    }
