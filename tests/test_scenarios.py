"""Scenario comparison: core matching, ΔPC/ΔEC, link status (hand-computed expectations)."""

import numpy as np
import pandas as pd
import pytest

from amurlink.threats import scenarios as sc


def test_match_cores_by_overlap():
    base = np.zeros((4, 8), int)
    base[:, :4] = 1
    base[:, 5:] = 2
    # the scenario splits baseline core 1 into 1 and 2 (a road in column 2); core 2 -> 3
    scen = np.zeros((4, 8), int)
    scen[:, :2] = 1
    scen[:, 3:4] = 2
    scen[:, 5:] = 3
    assert sc.match_cores(scen, base) == {1: 1, 2: 1, 3: 2}


def test_match_cores_majority_wins_and_no_core_maps_to_zero():
    base = np.array([[1, 1, 2, 0]])
    scen = np.array([[5, 5, 5, 7]])
    assert sc.match_cores(scen, base) == {5: 1, 7: 0}


def test_compare_indices_absolute_and_percent():
    out = sc.compare_indices({"PC": 0.05, "EC": 100.0, "IIC": None}, {"PC": 0.031, "EC": 80.0})
    assert out["delta_PC"] == pytest.approx(-0.019)
    assert out["delta_PC_pct"] == pytest.approx(-38.0)
    assert out["delta_EC_pct"] == pytest.approx(-20.0)
    assert np.isnan(out["delta_IIC_pct"])


def links(rows):
    return pd.DataFrame(rows, columns=["link_id", "from_core", "to_core", "cwd", "effective_resistance", "crosses_border"])  # fmt: skip


def test_compare_links_status():
    base = links([
        (1, 1, 2, 100.0, 10.0, False),  # matched, ER +50 % -> weakened
        (2, 2, 3, 200.0, 20.0, True),  # no scenario link -> lost
        (3, 1, 3, 300.0, 30.0, False),  # +1 % -> unchanged
    ])  # fmt: skip
    # scenario cores: 1 -> 1, 2 -> 1 (split), 3 -> 2, 4 -> 3
    core_map = {1: 1, 2: 1, 3: 2, 4: 3}
    scen = links([
        (10, 1, 3, 120.0, 15.0, False),  # 1-2
        (11, 2, 3, 110.0, 18.0, False),  # also 1-2: the smaller values count
        (12, 1, 4, 303.0, 30.3, False),  # 1-3
        (13, 1, 2, 50.0, 5.0, False),  # both ends in baseline core 1: split
    ])  # fmt: skip
    table, new = sc.compare_links(base, scen, core_map)
    by_id = table.set_index("link_id")
    assert by_id.loc[1, "status"] == "weakened"
    assert by_id.loc[1, "scenario_link_ids"] == "10,11"
    assert by_id.loc[1, "effective_resistance_scenario"] == pytest.approx(15.0)
    assert by_id.loc[1, "delta_effective_resistance_pct"] == pytest.approx(50.0)
    assert by_id.loc[1, "delta_cwd_pct"] == pytest.approx(10.0)
    assert by_id.loc[2, "status"] == "lost"
    assert np.isnan(by_id.loc[2, "cwd_scenario"])
    assert by_id.loc[3, "status"] == "unchanged"
    assert new["link_id"].tolist() == [13] and new["status"].tolist() == ["split"]
    summary = sc.comparison_summary(
        sc.compare_indices({"PC": 0.1, "EC": 10.0}, {"PC": 0.05, "EC": 5.0}), table, new,
        core_map, n_baseline_cores=3,
    )  # fmt: skip
    assert summary["links_lost"] == [2] and summary["cross_border_links_lost"] == [2]
    assert summary["links_weakened"] == [1] and summary["split_links"] == [13]
    assert summary["baseline_cores_lost"] == []
    assert summary["delta_PC_pct"] == pytest.approx(-50.0)
    assert summary["delta_IIC"] is None  # NaN -> null for JSON


def test_lost_core_is_reported():
    core_map = {1: 1}
    table, new = sc.compare_links(links([(1, 1, 2, 10.0, 1.0, False)]), links([]), core_map)
    summary = sc.comparison_summary(sc.compare_indices({}, {}), table, new, core_map, 2)
    assert summary["baseline_cores_lost"] == [2] and summary["links_lost"] == [1]


def test_compare_scenario_matches_cores_and_records_the_map():
    base = np.ma.masked_equal(np.array([[1, 1, 0, 2, 2]]), 0)
    scen = np.ma.masked_equal(np.array([[3, 0, 0, 4, 4]]), 0)
    base_links = links([(1, 1, 2, 100.0, 10.0, True)])
    scen_links = links([(5, 3, 4, 150.0, 10.0, True)])
    summary, table, new = sc.compare_scenario(
        base, scen, base_links, scen_links, {"PC": 0.1, "EC": 10.0}, {"PC": 0.08, "EC": 9.0}
    )
    assert summary["core_map"] == {"3": 1, "4": 2}
    assert summary["n_cores_baseline"] == 2 and summary["links_weakened"] == [1]
    assert summary["delta_PC_pct"] == pytest.approx(-20.0)
    assert table["scenario_link_ids"].tolist() == ["5"] and new.empty
