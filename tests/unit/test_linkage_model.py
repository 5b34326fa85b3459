"""The linkage model's parameters, its event families and the chain guard of its clustering."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest

from truce.domain.errors import Invalid
from truce.domain.events import CEASEFIRE_KINDS, TAXONOMY, Family, Mode, event_kind
from truce.linkage.clusters import (
    BELOW_THRESHOLD,
    MERGED,
    SAME_SOURCE,
    TOO_FAR_APART,
    UNSUPPORTED,
    Nodes,
    Window,
    cluster,
)
from truce.linkage.model import COMPARISONS
from truce.linkage.result import level_of, level_weight


@pytest.mark.parametrize("comparison", COMPARISONS, ids=lambda c: c.name)
def test_m_and_u_of_each_comparison_are_distributions(comparison):
    levels = [level for level in comparison.levels if not level.is_null]
    assert math.fsum(level.m for level in levels) == pytest.approx(1.0, abs=1e-3)
    assert math.fsum(level.u for level in levels) == pytest.approx(1.0, abs=1e-3)


@pytest.mark.parametrize("comparison", COMPARISONS, ids=lambda c: c.name)
def test_each_level_is_known_by_its_match_weight(comparison):
    # Explanations read the level back from the weight splink reports, so no two may share it.
    weights = [level_weight(level) for level in comparison.levels]
    assert len(set(weights)) == len(weights)
    for level in comparison.levels:
        assert level_of(comparison, level_weight(level)) is level


def test_acled_has_six_types_and_25_sub_types_and_every_ceasefire_kind_is_kept():
    acled = {t: subs for t, subs in TAXONOMY.items() if t != "Ceasefire"}
    assert len(acled) == 6
    assert sum(len(subs) for subs in acled.values()) == 25
    assert set(TAXONOMY["Ceasefire"]) == set(CEASEFIRE_KINDS)


def test_a_monitor_s_impact_explosion_and_acled_s_shelling_are_one_family():
    monitor = event_kind("ceasefire", "Impact or airburst explosion")
    shelling = event_kind("Explosions/Remote violence", "shelling/artillery/missile attack")
    clash = event_kind("Battles", "Armed clash")
    assert monitor.family == shelling.family == clash.family == Family.HOSTILITIES
    assert monitor.mode == shelling.mode == Mode.REMOTE != clash.mode
    assert shelling.sub_event_type == "Shelling/artillery/missile attack"  # as spelled


def test_detention_and_protest_are_other_families():
    assert event_kind("Ceasefire", "detention").family == Family.DETENTION
    assert event_kind("Strategic developments", "Arrests").family == Family.DETENTION
    assert event_kind("Protests", "Peaceful protest").family == Family.UNREST
    assert event_kind("Ceasefire", "humanitarian access denied").family == Family.ACCESS


def test_an_unknown_kind_names_the_field():
    with pytest.raises(Invalid) as error:
        event_kind("Battles", "Skirmish")
    assert error.value.field == "sub_event_type"


FLOOR = math.log2(0.01 / 0.99)


def _nodes(days, km_east, sources):
    count = len(days)
    lat = np.radians(np.full(count, 35.0))
    lon = np.radians(36.0 + np.array(km_east, dtype=float) / 91.0)
    return Nodes(
        ids=np.arange(1, count + 1, dtype=np.int64),
        start=np.array(days, dtype=float) * 24, end=np.array(days, dtype=float) * 24 + 24,
        lat=lat, lon=lon, fine=np.ones(count, dtype=bool),
        admin1=np.zeros(count, dtype=np.int64), source=np.array(sources, dtype=np.int64),
        incident=np.full(count, -1, dtype=np.int64),
    )  # fmt: skip


def test_a_chain_that_would_join_reports_too_far_apart_is_split_at_its_weakest_link():
    # 1 - 2 - 3, 6 km apart each: 1 and 3 are 12 km apart, beyond the 10 km window.
    nodes = _nodes([0, 0, 0], [0, 6, 12], [0, 1, 2])
    left, right = np.array([0, 1]), np.array([1, 2])
    result = cluster(nodes, left, right, np.array([5.0, 3.0]), Window(), 0.0, FLOOR)
    assert result.group.tolist() == [1, 1, 3]
    assert result.outcome == [MERGED, TOO_FAR_APART]


def test_a_chain_through_two_reports_of_one_source_is_split():
    nodes = _nodes([0, 0, 0], [0, 1, 2], [0, 1, 0])
    result = cluster(nodes, np.array([0, 1]), np.array([1, 2]), np.array([2.0, 4.0]),
                     Window(), 0.0, FLOOR)  # fmt: skip
    assert result.group.tolist() == [1, 2, 2]
    assert result.outcome == [SAME_SOURCE, MERGED]


def test_a_compatible_group_whose_pairs_support_each_other_is_kept_whole():
    nodes = _nodes([0, 0, 1], [0, 1, 2], [0, 1, 2])
    left, right = np.array([0, 1, 0]), np.array([1, 2, 2])
    result = cluster(nodes, left, right, np.array([2.0, 4.0, -1.0]), Window(), 0.0, FLOOR)
    assert result.group.tolist() == [1, 1, 1]
    assert result.outcome == [MERGED, MERGED, BELOW_THRESHOLD]


def test_a_chain_whose_ends_have_no_link_is_cut_at_its_weaker_link():
    # 1 and 3 scored below the floor: the mean across {1} and {2, 3} is (2 + FLOOR) / 2 < 0.
    nodes = _nodes([0, 0, 1], [0, 1, 2], [0, 1, 2])
    result = cluster(nodes, np.array([0, 1]), np.array([1, 2]), np.array([2.0, 4.0]),
                     Window(), 0.0, FLOOR)  # fmt: skip
    assert result.group.tolist() == [1, 2, 2]
    assert result.outcome == [UNSUPPORTED, MERGED]


def test_a_new_report_scored_below_the_threshold_against_an_incident_stays_out_of_it():
    # Incremental linking: 1 and 2 are one existing incident (the pair was not scored again),
    # 3 is new and scored against 1 below the threshold. The incident's component holds no
    # scored pair, yet is rebuilt because it holds existing reports.
    nodes = replace(_nodes([0, 0, 1], [0, 0.4, 1], [0, 1, 1]),
                    incident=np.array([7, 7, -1], dtype=np.int64))  # fmt: skip
    result = cluster(nodes, np.array([0]), np.array([2]), np.array([-1.0]), Window(), 0.0, FLOOR)
    assert result.group.tolist() == [1, 1, 3]
    assert result.outcome == [BELOW_THRESHOLD]
