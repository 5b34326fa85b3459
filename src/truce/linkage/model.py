"""The linkage model: splink blocking rules and Fellegi–Sunter comparisons with fixed m and u.

Each comparison has levels, most specific first. A level's ``m`` is the chance that two reports
*of one event* fall in it, ``u`` the chance for two reports of *different* events that blocking
made candidates (same family, within a few days, near each other): ``u`` is conditional on
being a candidate, and so is :data:`PRIOR`, the chance that a candidate pair is one event. The
Bayes factor of a level is ``m / u``. The figures, and where each comes from, are in
docs/incidents.md ("Linking reports into incidents").
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from truce.linkage.features import Grid

PRIOR = 0.15  # P(one event | candidate pair)


@dataclass(frozen=True)
class Level:
    """One level of a comparison: its SQL condition on ``*_l``/``*_r`` columns, label, m, u."""

    label: str
    sql: str
    m: float
    u: float
    is_null: bool = False

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


_BOTH_DAY = "not time_coarse_l and not time_coarse_r"
_OVERLAP = "least(t_end_l, t_end_r) - greatest(t_start_l, t_start_r) > 0"
_GAP = "greatest(t_start_l, t_start_r) - least(t_end_l, t_end_r)"

# Time, place and kind are never missing (as_table refuses such reports); their null levels
# only guard the SQL.
TIME = Comparison("time", "overlap of, or gap between, the observed windows (hours)", (
    Level("a window is missing", "t_start_l is null or t_start_r is null", 0, 0, is_null=True),
    Level("same day: windows overlap", f"{_BOTH_DAY} and {_OVERLAP}", 0.76, 0.185),
    Level("within 24 h", f"{_BOTH_DAY} and {_GAP} <= 24", 0.16, 0.535),
    Level("within 72 h", f"{_BOTH_DAY} and {_GAP} <= 72", 0.004, 0.15),
    Level("a week or month window covers the other", _OVERLAP, 0.075, 0.125),
    Level("further apart", "else", 0.001, 0.005),
))  # fmt: skip

_BOTH_FINE = "geo_fine_l and geo_fine_r"
_KM = (
    "2 * 6371 * asin(sqrt(pow(sin(radians(lat_r - lat_l) / 2), 2)"
    " + cos(radians(lat_l)) * cos(radians(lat_r)) * pow(sin(radians(lon_r - lon_l) / 2), 2)))"
)


def _within(km: float) -> str:
    return f"{_BOTH_FINE} and {_KM} <= {km}"


_NO_PROVINCE = (
    "coalesce(geo_precision_l, '') <> 'province' and coalesce(geo_precision_r, '') <> 'province'"
)
PLACE = Comparison("place", "distance between points (km), else the admin unit shared", (
    Level("a place is missing", "(lat_l is null and admin1_l is null) or "
          "(lat_r is null and admin1_r is null)", 0, 0, is_null=True),
    Level("within 1 km", _within(1), 0.44, 0.07),
    Level("within 3 km", _within(3), 0.25, 0.08),
    Level("within 10 km", _within(10), 0.045, 0.24),
    Level("within 25 km", _within(25), 0.001, 0.155),
    Level("same district (one report gives only the district)",
          f"not ({_BOTH_FINE}) and admin2_l = admin2_r and {_NO_PROVINCE}", 0.15, 0.11),
    Level("same province (one report gives only the province)",
          f"not ({_BOTH_FINE}) and admin1_l = admin1_r", 0.11, 0.32),
    Level("further apart, or another admin unit", "else", 0.004, 0.025),
))  # fmt: skip

KIND = Comparison("kind", "event sub-type, else the mode (remote fire, ground, civilians)", (
    Level("a kind is missing", "kind_l is null or kind_r is null", 0, 0, is_null=True),
    Level("same sub-type", "kind_l = kind_r", 0.345, 0.22),
    Level("same mode", "mode_l = mode_r", 0.3, 0.25),
    Level("another mode of the same family", "else", 0.355, 0.53),
))  # fmt: skip


def _agree(left: str, right: str) -> str:
    """Actor ``left`` of the left report is actor ``right`` of the right report."""
    lp, rp, ln, rn = f"{left}p_l", f"{right}p_r", f"{left}n_l", f"{right}n_r"
    return (
        f"(({lp} is not null and {rp} is not null and {lp} = {rp}) or "
        f"(({lp} is null or {rp} is null) and jaro_winkler_similarity({ln}, {rn}) >= 0.88))"
    )


_PERPETRATOR_UNKNOWN = (
    "(a1p_l is null and a1n_l is null) or (a1p_r is null and a1n_r is null)"
)
ACTORS = Comparison("actors", "claimed perpetrator and target: registry party, else the name", (
    Level("perpetrator unknown in one report", _PERPETRATOR_UNKNOWN, 0, 0, is_null=True),
    Level("same perpetrator and target", f"{_agree('a1', 'a1')} and {_agree('a2', 'a2')}",
          0.24, 0.085),
    Level("same perpetrator", _agree("a1", "a1"), 0.46, 0.39),
    Level("perpetrator and target swapped", f"{_agree('a1', 'a2')} and {_agree('a2', 'a1')}",
          0.053, 0.051),
    Level("one actor in common, in another role",
          f"{_agree('a2', 'a2')} or {_agree('a1', 'a2')} or {_agree('a2', 'a1')}", 0.123, 0.194),
    Level("different registry parties as perpetrator", "a1p_l <> a1p_r", 0.01, 0.096),
    Level("names differ, parties unresolved", "else", 0.114, 0.184),
))  # fmt: skip

_KILLED_DIFF = "abs(killed_l - killed_r)"
_KILLED_MAX = "greatest(killed_l, killed_r)"
KILLED = Comparison("killed", "people killed (best estimate)", (
    Level("a count is missing", "killed_l is null or killed_r is null", 0, 0, is_null=True),
    Level("same count", "killed_l = killed_r", 0.58, 0.12),
    Level("close: within 2 or 20%",
          f"{_KILLED_DIFF} <= greatest(2, 0.2 * {_KILLED_MAX})", 0.32, 0.33),
    Level("within half", f"{_KILLED_DIFF} <= 0.5 * {_KILLED_MAX}", 0.035, 0.06),
    Level("far apart", "else", 0.065, 0.49),
))  # fmt: skip

_JACCARD = (
    "len(list_intersect(words_l, words_r)) / len(list_distinct(list_concat(words_l, words_r)))"
)
TEXT = Comparison("text", "words of three letters or more shared by the texts (Jaccard)", (
    Level("a text is empty", "len(words_l) = 0 or len(words_r) = 0", 0, 0, is_null=True),
    Level("half the words shared", f"{_JACCARD} >= 0.5", 0.037, 0.003),
    Level("a quarter shared", f"{_JACCARD} >= 0.25", 0.35, 0.075),
    Level("some shared", f"{_JACCARD} > 0", 0.612, 0.682),
    Level("none shared", "else", 0.001, 0.24),
))  # fmt: skip

COMPARISONS = (TIME, PLACE, KIND, ACTORS, KILLED, TEXT)


def blocking_rules(same_source: bool) -> list[str]:
    """Candidate pairs: one family, and close in time and place by one of the rules below.

    Point reports: one of two time bucketings × one of four shifted grids (8 rules). A report
    that gives only its district (or province) meets every report of that district (province)
    in its time bucket: its ``d_admin2`` (``p_admin1``) is set, and null for point reports, so
    the join only pairs it with the others (8 rules, each side in turn). A week or month report
    meets every report of its district in a month its window covers (4 rules).
    """
    family = "l.family = r.family"
    if not same_source:
        family += " and l.source <> r.source"
    rules = [
        f"{family} and l.tb{t} = r.tb{t} and l.c{cell} = r.c{cell}"
        for t in (0, 1) for cell in ("00", "10", "01", "11")
    ]  # fmt: skip
    for t in (0, 1):
        for coarse, column in (("d_admin2", "admin2"), ("p_admin1", "admin1")):
            rules.append(f"{family} and l.tb{t} = r.tb{t} and l.{coarse} = r.{column}")
            rules.append(f"{family} and l.tb{t} = r.tb{t} and l.{column} = r.{coarse}")
    overlap = "least(l.t_end, r.t_end) > greatest(l.t_start, r.t_start)"
    for month in ("m_start", "m_end"):
        rules.append(f"{family} and l.c_{month} = r.{month} and l.admin2 = r.admin2 and {overlap}")
        rules.append(f"{family} and l.{month} = r.c_{month} and l.admin2 = r.admin2 and {overlap}")
    return rules


def settings(grid: Grid, same_source: bool, gammas: bool = False) -> dict[str, Any]:
    """The splink settings: dedupe, blocking rules, comparisons with their fixed m and u.

    ``gammas`` keeps each comparison's level (``gamma_<name>``) and the columns it read, for
    calibration; otherwise the level is read back from its distinct match weight.
    """
    del grid  # the grid shapes the features; the rules only name their columns
    return {
        "link_type": "dedupe_only",
        "unique_id_column_name": "unique_id",
        "probability_two_random_records_match": PRIOR,
        "blocking_rules_to_generate_predictions": blocking_rules(same_source),
        "comparisons": [comparison.as_dict() for comparison in COMPARISONS],
        "retain_matching_columns": gammas,
        "retain_intermediate_calculation_columns": True,
    }
