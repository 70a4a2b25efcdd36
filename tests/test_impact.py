"""Threat impacts by counterfactual: the fast path against naive recomputation, and by hand."""

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from affine import Affine

from amurlink.connectivity.corridors import CoreCostDistances, least_cost_distance
from amurlink.connectivity.resistance import landscape_resistance, pressure_bands
from amurlink.core.grid import Grid
from amurlink.core.tiles import coarsen_mean
from amurlink.threats import impact

PARAMS = {
    "shape_c": 4.0,
    "road_resistance": {"major": 300.0, "minor": 40.0},
    "logging_resistance": [{"max_age": 5, "add": 60.0}, {"max_age": 15, "add": 25.0}],
    "builtup_resistance": 0.0,
    "water": "barrier",
    "barrier_resistance": 5000.0,
}
FACTOR = 2
RESOLUTION = 100.0  # habitat grid; the connectivity grid is 200 m


def synthetic(seed=3, shape=(48, 60)):
    """A habitat-grid landscape with two roads, two cutblocks and three cores."""
    rng = np.random.default_rng(seed)
    h, w = shape
    grid = Grid("EPSG:32652", Affine(RESOLUTION, 0, 0, 0, -RESOLUTION, h * RESOLUTION), w, h)
    suit = np.clip(0.6 + 0.3 * rng.standard_normal(shape), 0, 1)
    names = ["road_major", "road_minor", "logging_age", "fence"]
    bands = pressure_bands(names, ["major", "minor"], "synthetic")
    pressures = np.zeros((4, h, w), np.float32)
    pressures[2] = 50.0
    x = lambda c: (c + 0.5) * RESOLUTION  # noqa: E731
    y = lambda r: (h - r - 0.5) * RESOLUTION  # noqa: E731
    roads = [
        ("road", "major", shapely.LineString([(x(28), y(0)), (x(30), y(h - 1))])),
        ("road", "minor", shapely.LineString([(x(0), y(30)), (x(w - 1), y(33))])),
    ]
    blocks = [
        ("logging", "", shapely.box(x(40), y(14), x(46), y(6)), 2.0),
        ("logging", "", shapely.box(x(12), y(20), x(18), y(12)), 10.0),
    ]
    from rasterio import features

    for _, group, geom in roads:
        hit = features.geometry_mask([geom], (h, w), grid.transform, all_touched=True, invert=True)
        pressures[bands["roads"][group]][hit] = 1
    for _, _, geom, age in blocks:
        hit = features.geometry_mask([geom], (h, w), grid.transform, all_touched=True, invert=True)
        pressures[2][hit] = age
    landcover = np.zeros(shape)
    fine = impact.FineLandscape(suit, pressures, landcover, bands, PARAMS, FACTOR)
    coarse = coarsen_mean(landscape_resistance(suit, pressures, landcover, bands, PARAMS), FACTOR)
    coarse = coarse.astype(np.float32).astype(np.float64)
    cores = np.zeros(coarse.shape, np.int32)
    cores[2:6, 2:6], cores[2:6, 22:27], cores[17:21, 10:14] = 1, 2, 3
    links = pd.DataFrame({"link_id": [1, 2, 3], "from_core": [1, 1, 2], "to_core": [2, 3, 3]})
    threats = gpd.GeoDataFrame(
        {
            "threat_id": [1, 2, 3, 4],
            "kind": ["road", "road", "logging", "logging"],
            "road_group": ["major", "minor", "", ""],
            "source_id": [1, 2, 1, 2],
            "country": "RUS",
            "link_ids": ["1,3", "2,3", "1", "2"],
            "n_links": [2, 2, 1, 1],
            "dPC": np.nan,
            "score": [4.0, 3.0, 2.0, 1.0],
            "rank": [1, 2, 3, 4],
        },
        geometry=[g for *_, g in roads] + [b[2] for b in blocks],
        crs=grid.crs,
    )
    areas = pd.DataFrame({"core_id": [1, 2, 3], "area_km2": [16 * 0.04, 20 * 0.04, 16 * 0.04]})
    network = impact.Network(coarse, cores, links, areas, RESOLUTION * FACTOR, 120.0, 20_000.0)
    return grid, fine, network, threats, bands


def test_fast_path_equals_naive_recomputation():
    grid, fine, network, threats, bands = synthetic()
    lifts = impact.threat_lifts(threats, grid, FACTOR, bands)
    assert [x.threat_id for x in lifts] == [1, 2, 3, 4]
    table = impact.threat_impacts(network, fine, threats, lifts).set_index("threat_id")
    base_cwd = {lid: network.cwd[lid] for lid in network.cwd}
    base_pc = network.indices(base_cwd)
    for lift in lifts:
        # naive: the whole resistance rule rerun with the threat's band lifted, aggregated, and
        # every figure recomputed from scratch on that grid
        pressures = fine.pressures.copy()
        pressures[lift.band, lift.rows, lift.cols][lift.mask] = lift.value
        coarse = (
            coarsen_mean(
                landscape_resistance(fine.suitability, pressures, fine.landcover, bands, PARAMS),
                FACTOR,
            )
            .astype(np.float32)
            .astype(np.float64)
        )
        assert np.count_nonzero(coarse != network.resistance) > 0
        row = table.loc[lift.threat_id]
        d_cwd = dict(x.split(":") for x in row["dCWD"].split(";"))
        d_r = dict(x.split(":") for x in row["dR"].split(";"))
        cwd = dict(base_cwd)
        for lid in map(int, str(row["link_ids"]).split(",")):
            a, b = network.ends[lid]
            cwd0, r0 = impact.naive_link_values(network.resistance, network.cores, a, b, 200.0, 8)
            cwd1, r1 = impact.naive_link_values(coarse, network.cores, a, b, 200.0, 8)
            assert cwd0 == pytest.approx(base_cwd[lid], abs=1e-6)
            assert float(d_cwd[str(lid)]) == pytest.approx(cwd1 - cwd0, rel=1e-5, abs=1e-6)
            assert float(d_r[str(lid)]) == pytest.approx(r1 - r0, rel=1e-5, abs=1e-6)
            cwd[lid] = cwd1
        ind = network.indices(cwd)
        assert row["dEC_km2"] == pytest.approx(ind["EC"] - base_pc["EC"], abs=1e-6)
        assert row["dPC_regained"] == pytest.approx(
            100 * (ind["PC"] - base_pc["PC"]) / base_pc["PC"], abs=1e-6
        )
        assert row["dCWD_sum"] <= 1e-9 and row["dR_sum"] <= 1e-12
    assert (table["dPC_regained"] > 0).any()


def test_fast_and_exact_values_to_high_precision():
    """The string columns are rounded; the engine itself agrees to 1e-6 on every link."""
    grid, fine, network, threats, bands = synthetic(seed=5)
    for lift in impact.threat_lifts(threats, grid, FACTOR, bands):
        r, c, v = impact.mitigated_cells(fine, lift)
        fast = network.evaluate(r, c, v, list(network.cwd))
        mitigated = network.resistance.copy()
        mitigated[r, c] = v
        for lid, (cwd, res) in fast.items():
            naive = impact.naive_link_values(mitigated, network.cores, *network.ends[lid], 200.0, 8)
            assert cwd == pytest.approx(naive[0], abs=1e-6)
            assert res == pytest.approx(naive[1], abs=1e-6)


def test_least_cost_distance_equals_full_cost_distance():
    rng = np.random.default_rng(1)
    res = 1 + 20 * rng.random((30, 40))
    res[10:20, 18] = np.nan
    cores = np.zeros(res.shape, int)
    cores[2:5, 2:5], cores[25:28, 33:37] = 1, 2
    full = CoreCostDistances(res, cores, 50.0).lcd(1, 2)
    assert least_cost_distance(res, cores == 1, cores == 2, 50.0) == pytest.approx(full, rel=1e-12)


def test_series_strip_rank_one_update_by_hand():
    """A 1-cell-wide strip of n cells between two one-cell cores: R = Σ (r_i + r_{i+1}) / 2.

    Mitigating cell k from r to r' changes R by exactly (r' − r) (it sits in two
    edges of weight ½ each): the update is checked against that hand value.
    """
    res = np.array([[1.0, 4.0, 9.0, 200.0, 3.0, 1.0]])
    cores = np.array([[1, 0, 0, 0, 0, 2]])
    link = impact.LinkCircuit.build(res, cores, 1, 2, 4)
    assert link.resistance == pytest.approx(sum((res[0, :-1] + res[0, 1:]) / 2))
    after = res.copy()
    after[0, 3] = 5.0
    edges = impact.changed_edges(res, np.array([0]), np.array([3]), np.array([5.0]), 4)
    assert len(edges[2]) == 2 and np.all(edges[2] > 0)
    new = link.mitigated(link.update(*edges))
    assert new - link.resistance == pytest.approx(5.0 - 200.0, rel=1e-12)
    # parallel strips: two identical rows, cores across both, halve the resistance
    two = np.vstack([res, res])
    cores2 = np.vstack([cores, cores])
    link2 = impact.LinkCircuit.build(two, cores2, 1, 2, 4)
    base = sum((res[0, :-1] + res[0, 1:]) / 2)
    assert link2.resistance == pytest.approx(base / 2, rel=1e-9)
    edges2 = impact.changed_edges(two, np.array([0]), np.array([3]), np.array([5.0]), 4)
    # one row mitigated breaks the symmetry: the update against a fresh factorisation
    two_after = two.copy()
    two_after[0, 3] = 5.0
    fresh = impact.LinkCircuit.build(two_after, cores2, 1, 2, 4)
    assert link2.mitigated(link2.update(*edges2)) == pytest.approx(fresh.resistance, rel=1e-12)


def test_greedy_plan_gain_curve_rises():
    grid, fine, network, threats, bands = synthetic()
    lifts = impact.threat_lifts(threats, grid, FACTOR, bands)
    single = impact.threat_impacts(network, fine, threats, lifts)
    plan = impact.mitigation_plan(network, fine, threats, lifts, budget=3)
    assert plan["step"].iloc[0] == 0 and len(plan) >= 2
    assert np.all(np.diff(plan["PC"].to_numpy()) > 0)
    # the first pick is the best single threat
    assert plan["threat_id"].iloc[1] == single["threat_id"].iloc[0]
    # every link takes the pick, so the realised gain is at least the credited one
    assert plan["PC_gain_percent"].iloc[1] >= single["dPC_regained"].iloc[0] - 1e-9


def test_impacts_under_the_baseline_assumption_are_the_impacts():
    grid, fine, network, threats, bands = synthetic()
    lifts = impact.threat_lifts(threats, grid, FACTOR, bands)
    base = impact.threat_impacts(network, fine, threats, lifts)
    sd = np.full(fine.suitability.shape, 0.05)
    same = impact.impacts_under(network, fine, threats, lifts, sd, 0.0, PARAMS["shape_c"])
    pd.testing.assert_frame_equal(same, base)
    # a steeper transform changes resistances, so at least one link's values move
    steeper = impact.impacts_under(network, fine, threats, lifts, sd, 1.0, 2 * PARAMS["shape_c"])
    assert not np.allclose(steeper["dR_sum"].to_numpy(), base["dR_sum"].to_numpy())


def test_ranking_robustness_by_hand():
    rankings = {
        "a": pd.DataFrame({"threat_id": [1, 2, 3], "rank_impact": [1, 2, 3]}),
        "b": pd.DataFrame({"threat_id": [1, 2, 3], "rank_impact": [1, 3, 2]}),
        "c": pd.DataFrame({"threat_id": [1, 2, 3], "rank_impact": [2, 3, 1]}),
    }
    out = impact.ranking_robustness(rankings, top=1).set_index("threat_id")
    assert out.loc[1, "p_top"] == pytest.approx(2 / 3) and out.loc[3, "p_top"] == pytest.approx(
        1 / 3
    )
    assert out.loc[2, "p_top"] == 0.0
    assert (out.loc[1, "rank_min"], out.loc[1, "rank_max"], out.loc[1, "rank_median"]) == (1, 2, 1)
    assert out.loc[3, "top_only_under"] == "c" and out.loc[1, "top_only_under"] == ""
    assert impact.assumption_variants([-1, 0], [4])[0] == ("s-1sd c=4", -1.0, 4.0)
    assert impact.shifted_suitability(np.array([0.95, np.nan]), np.array([0.1, 0.1]), 1.0)[0] == 1.0


def test_the_rules_self_check_against_naive_recomputation():
    grid, fine, network, threats, bands = synthetic()
    lifts = impact.threat_lifts(threats, grid, FACTOR, bands)
    impacts = impact.threat_impacts(network, fine, threats, lifts)
    check = impact.check_against_naive(network, fine, threats, lifts, impacts, n=4)
    assert len(check["threats"]) == 4
    assert max(check["dCWD"], check["dR"], check["dPC"]) < 1e-6
