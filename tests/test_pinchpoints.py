"""Pinch points (Pinchpoint Mapper) against analytic currents and resistances."""

import numpy as np
import pytest

from amurlink.connectivity.pinchpoints import corridor_network_current, link_corridor, pinchpoints


def _strip(rows, cols, value=1.0):
    """Uniform strip with core 1 on the first column and core 2 on the last."""
    resistance = np.full((rows, cols), value)
    cores = np.zeros((rows, cols), np.int32)
    cores[:, 0] = 1
    cores[:, -1] = 2
    return resistance, cores


def test_uniform_strip_current_and_resistance():
    # 4 neighbours, r = 1: each column step is w unit resistors in parallel, the
    # shorted end columns are the electrodes: R = (L - 1) / w = 10 / 4 = 2.5 ohm,
    # and 1 A splits evenly over the w rows: 0.25 A through every inner cell.
    resistance, cores = _strip(4, 11)
    result = pinchpoints(resistance, cores, [(1, 2)], 1.0, corridor_width=1e9, neighbours=4)
    assert result.links["effective_resistance"].iloc[0] == pytest.approx(2.5, rel=1e-9)
    assert result.links["lcd"].iloc[0] == pytest.approx(10.0)
    np.testing.assert_allclose(result.current[:, 1:-1], 0.25, rtol=1e-9)


def test_gap_in_a_wall_carries_the_whole_current():
    # A wall of no-data at column 5 with one gap: all of the 1 A passes the gap.
    resistance, cores = _strip(5, 11)
    resistance[:, 5] = np.nan
    resistance[2, 5] = 1.0
    result = pinchpoints(resistance, cores, [(1, 2)], 1.0, corridor_width=1e9, neighbours=8)
    assert result.current[2, 5] == pytest.approx(1.0, rel=1e-9)
    assert np.isnan(result.current[0, 5])
    assert np.nanmax(result.current[:, 1:-1]) == pytest.approx(1.0, rel=1e-9)


def _two_routes():
    # Two one-cell-wide routes between the cores: row 1 (r = 1) and row 5 (r = 3).
    resistance = np.full((7, 11), np.nan)
    resistance[:, 0] = resistance[:, -1] = 1.0
    resistance[1, :] = 1.0
    resistance[5, 1:-1] = 3.0
    cores = np.zeros((7, 11), np.int32)
    cores[:, 0] = 1
    cores[:, -1] = 2
    return resistance, cores


def test_corridor_cut_removes_the_costly_route():
    resistance, cores = _two_routes()
    # Without a cut the current divides as the conductances: row 1 is 10 unit
    # resistors in series (10 ohm); row 5: edges (1+3)/2 = 2 at both ends and 8
    # inner edges of 3 -> 2 + 2 + 24 = 28 ohm.  I_1 = 28 / 38, I_5 = 10 / 38.
    wide = pinchpoints(resistance, cores, [(1, 2)], 1.0, corridor_width=1e9, neighbours=4)
    assert wide.current[1, 5] == pytest.approx(28 / 38, rel=1e-9)
    assert wide.current[5, 5] == pytest.approx(10 / 38, rel=1e-9)
    assert wide.links["effective_resistance"].iloc[0] == pytest.approx(10 * 28 / 38, rel=1e-9)
    # NLCC on row 5 is 28 - 10 = 18 cost units: a width of 5 keeps only row 1.
    narrow = pinchpoints(resistance, cores, [(1, 2)], 1.0, corridor_width=5, neighbours=4)
    assert narrow.current[1, 5] == pytest.approx(1.0, rel=1e-9)
    assert np.isnan(narrow.current[5, 5])
    assert narrow.links["effective_resistance"].iloc[0] == pytest.approx(10.0, rel=1e-9)


def test_link_corridor_is_nlcc_below_width():
    cwd_a = np.array([0.0, 1.0, 2.0, np.inf])
    cwd_b = np.array([2.0, 1.5, 0.0, 1.0])
    np.testing.assert_array_equal(link_corridor(cwd_a, cwd_b, 2.0, 0.4), [True, False, True, False])


def test_pinch_mosaic_is_maximum_over_links():
    # Core 3 in the middle of a strip: links 1-3 and 3-2 each carry 1 A over w = 1.
    resistance = np.ones((1, 9))
    cores = np.array([[1, 0, 0, 0, 3, 0, 0, 0, 2]])
    result = pinchpoints(resistance, cores, [(1, 3), (2, 3)], 1.0, corridor_width=0.5)
    np.testing.assert_allclose(result.current[0, [1, 2, 3, 5, 6, 7]], 1.0, rtol=1e-9)
    np.testing.assert_allclose(result.links["effective_resistance"], [4.0, 4.0], rtol=1e-9)


def test_all_pairs_current_over_the_network():
    # Three cores on a line: pairs 1-3, 3-2 and 1-2 each send 1 A through their
    # stretch; cells between 1 and 3 carry the 1-3 and 1-2 currents: 2 A.
    resistance = np.ones((1, 9))
    cores = np.array([[1, 0, 0, 0, 3, 0, 0, 0, 2]])
    corridors = np.zeros((1, 9))
    current = corridor_network_current(resistance, cores, corridors, neighbours=4)
    np.testing.assert_allclose(current[0, [1, 2, 3, 5, 6, 7]], 2.0, rtol=1e-9)
    off = corridors.copy()
    off[0, 2] = np.nan  # a cell off the corridor network is no node: no connection
    current = corridor_network_current(resistance, cores, off, neighbours=4)
    assert np.isnan(current[0, 2])
    np.testing.assert_allclose(current[0, [5, 6, 7]], 1.0, rtol=1e-9)


def test_link_to_a_missing_core_is_disconnected_not_a_crash():
    resistance, cores = _strip(3, 6)
    result = pinchpoints(resistance, cores, [(1, 7)], 1.0, corridor_width=10)
    assert result.links["effective_resistance"].iloc[0] == -1
    assert result.links["corridor_cells"].iloc[0] == 3  # core 1 alone


@pytest.mark.slow
def test_demo_writes_pinchpoints_barriers_and_network(pipeline_run):
    """The 1 km demo (shared session run): the new products exist for both species."""
    import geopandas as gpd
    import pandas as pd
    import rasterio

    for species in ("leopard", "tiger"):
        base = pipeline_run / "results" / "connectivity" / "baseline" / species
        with rasterio.open(base / "pinchpoints.tif") as src:
            assert src.descriptions == ("pinchpoint_current", "corridor_all_pairs_current")
            pinch = src.read(1, masked=True)
        assert 0 < pinch.max() <= 1 + 1e-6  # 1 A per link
        with rasterio.open(base / "barriers.tif") as src:
            assert src.descriptions[0] == "improvement_score"
            assert src.read(1, masked=True).max() >= 0
        links = gpd.read_file(base / "network.gpkg", layer="links")
        cores = gpd.read_file(base / "network.gpkg", layer="cores")
        assert len(links) == len(pd.read_csv(base / "links.csv")) and len(cores) >= 2
        assert {"crosses_border", "corridor_resistance", "dPC", "dIIC"} <= set(links.columns)


def test_pinchpoint_maps_adds_the_all_pairs_network():
    from amurlink.connectivity.pinchpoints import pinchpoint_maps

    resistance, cores = _strip(4, 11)
    corridors = np.zeros(resistance.shape)
    result = pinchpoint_maps(
        resistance, cores, corridors, [(1, 2)], 1.0, corridor_width=1e9, neighbours=4
    )
    network = corridor_network_current(resistance, cores, corridors, neighbours=4)
    np.testing.assert_allclose(result.network, network, equal_nan=True)
    np.testing.assert_allclose(result.current[:, 1:-1], 0.25, rtol=1e-9)


def test_over_links_yields_lcds_logs_and_releases(caplog):
    import logging

    from amurlink.connectivity.corridors import CoreCostDistances

    resistance, cores = _strip(3, 6)
    cores[1, 3] = 3
    distances = CoreCostDistances(resistance, cores, 1.0, neighbours=4)
    with caplog.at_level(logging.INFO, logger="amurlink.connectivity.corridors"):
        seen = []
        for a, b, lcd in distances.over_links([(1, 3), (2, 3)], "test links"):
            seen.append((a, b, lcd))
            distances(a), distances(b)
            kept = set(distances._cwd)
    assert [(a, b) for a, b, _ in seen] == [(1, 3), (2, 3)]
    assert seen[0][2] == pytest.approx(distances.lcd(1, 3))
    assert kept == {2, 3}  # before the last link, only the next link's CWDs stayed
    assert any("test links: link 2-3, 2 of 2 done" in m for m in caplog.messages)


def test_finite_max():
    from amurlink.connectivity.progress import finite_max

    assert finite_max(np.array([np.nan, 2.0, np.inf, 1.0])) == 2.0
    assert finite_max(np.full(3, np.nan)) == 0.0
