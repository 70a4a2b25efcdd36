"""Corridors: CWD, least-cost paths, NLCC and link selection (Linkage Mapper)."""

import math

import geopandas as gpd
import numpy as np
import pytest
import shapely
from affine import Affine

from amurlink.connectivity.cores import core_attributes, core_polygons
from amurlink.connectivity.corridors import (
    corridor_mask,
    corridor_polygons,
    cost_distance,
    least_cost_corridors,
    link_table,
    path_length,
    zone_adjacency,
)

SQ2 = math.sqrt(2)


def test_cwd_uniform_grid_is_distance_times_resistance():
    res, r = 100.0, 3.0
    resistance = np.full((21, 21), r)
    source = np.zeros((21, 21), bool)
    source[10, 10] = True
    cwd, _ = cost_distance(resistance, source, res)
    # Straight lines (rook and diagonal) are exact.
    for k in range(11):
        assert cwd[10, 10 + k] == pytest.approx(r * res * k)
        assert cwd[10 - k, 10] == pytest.approx(r * res * k)
        assert cwd[10 + k, 10 + k] == pytest.approx(r * res * k * SQ2)
    # Elsewhere an 8-neighbour path is at most 1/cos(22.5 deg) = 1.0824 times Euclidean.
    rows, cols = np.indices(cwd.shape)
    euclid = np.hypot(rows - 10, cols - 10) * res * r
    off = euclid > 0
    ratio = cwd[off] / euclid[off]
    assert ratio.min() >= 1 - 1e-12
    assert ratio.max() <= 1 / math.cos(math.pi / 8) + 1e-9


def test_cwd_four_neighbours_is_manhattan():
    resistance = np.ones((5, 5))
    source = np.zeros((5, 5), bool)
    source[0, 0] = True
    cwd, _ = cost_distance(resistance, source, 10.0, neighbours=4)
    assert cwd[4, 4] == pytest.approx(80.0)


def test_cwd_mean_resistance_steps_and_impassable():
    # Step cost = mean of the two cells' resistances x step length.
    resistance = np.array([[1.0, 3.0, np.nan, 1.0]])
    source = np.array([[True, False, False, False]])
    cwd, _ = cost_distance(resistance, source, 10.0)
    assert cwd[0, 1] == pytest.approx(20.0)
    assert np.isinf(cwd[0, 2]) and np.isinf(cwd[0, 3])


def strip():
    """2 x 5 strip: row 0 resistance 1, row 1 resistance 3; cores at columns 0 and 4."""
    resistance = np.array([[1.0] * 5, [3.0] * 5])
    cores = np.zeros((2, 5), np.int32)
    cores[:, 0] = 1
    cores[:, 4] = 2
    return resistance, cores


def test_nlcc_hand_values_on_strip():
    resistance, cores = strip()
    result = least_cost_corridors(resistance, cores, 1.0, cwd_dtype=np.float64)
    # LCD: along row 0, 4 unit steps of resistance 1.
    assert result.lcd[1, 2] == pytest.approx(4.0)
    # Row 1, interior: CWD_A = c - 1 + 2*sqrt2 (row 0, then a diagonal step of mean
    # resistance 2), CWD_B = 3 - c + 2*sqrt2, so NLCC = 4*sqrt2 - 2; in the cores
    # (column 0 or 4) it is 0 + (3 + 2*sqrt2) - 4 = 2*sqrt2 - 1.
    expected = np.array([[0, 0, 0, 0, 0], [2 * SQ2 - 1] + [4 * SQ2 - 2] * 3 + [2 * SQ2 - 1]])
    np.testing.assert_allclose(result.corridors, expected, atol=1e-9)
    # The width cut keeps 2*sqrt2 - 1 = 1.83 but not 4*sqrt2 - 2 = 3.66.
    cut = least_cost_corridors(resistance, cores, 1.0, corridor_width=3.0).corridors
    assert np.isnan(cut[1, 1:4]).all() and np.isfinite(cut[0]).all()
    assert cut[1, 0] == pytest.approx(2 * SQ2 - 1, rel=1e-6)
    # The least-cost path runs along row 0 from core 1 to core 2.
    link = result.links.iloc[0]
    assert (link.from_core, link.to_core) == (1, 2)
    assert link.path.tolist() == [[0, c] for c in range(5)]
    assert link.lcp_length_m == 4.0


def test_lcp_follows_low_resistance_channel_and_nlcc_zero_on_it():
    # A U-shaped channel of resistance 1 through resistance 20 ground.
    resistance = np.full((12, 15), 20.0)
    cores = np.zeros((12, 15), np.int32)
    cores[0:2, 0:2] = 1
    cores[0:2, 13:15] = 2
    channel = np.zeros((12, 15), bool)
    channel[1:11, 2] = True  # down from core 1
    channel[10, 2:13] = True  # across the bottom
    channel[1:11, 12] = True  # up to core 2
    resistance[channel] = 1.0
    result = least_cost_corridors(resistance, cores, 100.0)
    assert len(result.links) == 1
    path = result.links.path[0]
    on = channel[path[:, 0], path[:, 1]] | (cores[path[:, 0], path[:, 1]] > 0)
    assert on.all()
    assert cores[tuple(path[0])] == 1 and cores[tuple(path[-1])] == 2
    # NLCC is 0 (float32 round-off aside) along the least-cost path.
    nlcc = result.corridors[path[:, 0], path[:, 1]]
    assert np.abs(nlcc).max() <= 1e-6 * result.lcd[1, 2]
    # The straight route across resistance-20 ground costs far more than the channel.
    assert result.lcd[1, 2] < 20 * 100 * 11


def three_in_a_row(gap=4):
    """Cores 1, 2, 3 as full-height columns spaced ``gap`` cells apart on uniform ground."""
    width = 3 + 2 * gap + 2
    cores = np.zeros((5, width), np.int32)
    cores[:, 1] = 1
    cores[:, 2 + gap] = 2
    cores[:, 3 + 2 * gap] = 3
    return np.ones(cores.shape), cores


def test_link_selection_by_cost_allocation_adjacency():
    resistance, cores = three_in_a_row()
    result = least_cost_corridors(resistance, cores, 1.0)
    # Core 2's zone separates 1 from 3: only neighbours in cost space are linked.
    assert result.candidates == {(1, 2), (2, 3)}
    assert list(zip(result.links.from_core, result.links.to_core, strict=True)) == [(1, 2), (2, 3)]
    assert result.links.cwd.tolist() == pytest.approx([5.0, 5.0])
    # 1-3 is still reachable (LCD 10) but not adjacent.
    assert result.lcd[1, 3] == pytest.approx(10.0)
    # Allocation: each cell goes to its nearest core.
    assert result.allocation[0, 0] == 1 and result.allocation[0, -1] == 3


def test_max_link_cwd_drops_links():
    resistance, cores = three_in_a_row()
    # LCD 2-3 = 1.5 (step 6->7, mean of 1 and 2) + 4 x 2 = 9.5 > 5; LCD 1-2 = 5 is kept.
    resistance[:, 7:] = 2.0
    result = least_cost_corridors(resistance, cores, 1.0, max_link_cwd=5.0)
    assert list(zip(result.links.from_core, result.links.to_core, strict=True)) == [(1, 2)]


def test_zone_adjacency_edges_only():
    zones = np.array([[1, 2], [2, 3]])
    # 1 and 3 only touch at a corner: not adjacent.
    assert zone_adjacency(zones) == {(1, 2), (2, 3)}


def test_disk_scratch_gives_same_result(tmp_path):
    from amurlink.core.io.scratch import ScratchArrays

    resistance, cores = three_in_a_row()
    resistance[2, 5] = np.nan
    mem = least_cost_corridors(resistance, cores, 1.0, corridor_width=3.0)
    with ScratchArrays(tmp_path, prefix=".cwd-") as store:
        disk = least_cost_corridors(resistance, cores, 1.0, corridor_width=3.0, cwd_store=store)
        assert sorted(store) == [1, 2, 3] and store[2].dtype == np.float32
    np.testing.assert_array_equal(mem.corridors, disk.corridors)
    assert list(tmp_path.iterdir()) == []  # scratch CWDs removed


def test_scratch_arrays_is_a_mapping_on_disk(tmp_path):
    from amurlink.core.io.scratch import ScratchArrays

    with ScratchArrays(tmp_path) as store:
        store["a"] = np.arange(6.0).reshape(2, 3)
        (scratch,) = tmp_path.iterdir()
        assert len(list(scratch.iterdir())) == 1
        assert isinstance(store["a"], np.memmap) and store["a"][1, 2] == 5.0
        assert list(store) == ["a"] and len(store) == 1
        del store["a"]
        with pytest.raises(KeyError):
            store["a"]
    assert list(tmp_path.iterdir()) == []


def test_path_length():
    assert path_length(np.array([[0, 0], [0, 1], [1, 2]]), 10.0) == pytest.approx(10 + 10 * SQ2)


def test_link_table_attributes_and_cross_border():
    resistance, cores = three_in_a_row()  # cores in columns 1, 6, 11 of 5 x 13
    transform = Affine(1000, 0, 0, 0, -1000, 5000)
    country = np.ones(cores.shape, np.uint8)
    country[:, 9:] = 2  # core 3 in CHN
    table = core_attributes(cores, 1e6, country=country, country_codes={1: "RUS", 2: "CHN"})
    cores_gdf = core_polygons(cores, transform, "EPSG:32652", table)
    result = least_cost_corridors(resistance, cores, 1000.0)
    # A border line between columns 3 and 4 (x = 3500 m), crossing the 1-2 path.
    border = gpd.GeoSeries([shapely.LineString([(3500, 0), (3500, 5000)])], crs="EPSG:32652")
    links = link_table(result.links, cores_gdf, transform, "EPSG:32652", border=border)
    assert links["link_id"].tolist() == [1, 2]
    # Edge to edge: cores 1 and 2 are 4 empty cells (4 km) apart.
    assert links["euclid_km"].tolist() == pytest.approx([4.0, 4.0])
    # CWD: 5 steps of resistance 1 x 1000 m, centre of core cell to centre of core cell.
    assert links["cwd"].tolist() == pytest.approx([5000.0, 5000.0])
    assert links["lcp_length_km"].tolist() == pytest.approx([5.0, 5.0])
    assert links["cwd_to_euclid"].tolist() == pytest.approx([1.25, 1.25])
    assert links["cwd_to_path"].tolist() == pytest.approx([1.0, 1.0])
    # 1-2 crosses the border line; 2-3 joins a RUS core to a CHN core.
    assert links["crosses_border"].tolist() == [True, True]
    no_border = link_table(result.links, cores_gdf, transform, "EPSG:32652")
    assert no_border["crosses_border"].tolist() == [False, True]
    assert links.geometry[0].coords[0] == (1500.0, links.geometry[0].coords[0][1])


def test_link_cores_is_corridors_then_link_table():
    from amurlink.connectivity.corridors import link_cores
    from amurlink.core.grid import Grid

    resistance, cores = three_in_a_row()
    grid = Grid("EPSG:32652", Affine(1000, 0, 0, 0, -1000, 5000), cores.shape[1], cores.shape[0])
    cores_gdf = core_polygons(cores, grid.transform, grid.crs, core_attributes(cores, 1e6))
    result, links = link_cores(resistance, cores, cores_gdf, grid, corridor_width=3000.0)
    expected = least_cost_corridors(resistance, cores, 1000.0, corridor_width=3000.0)
    np.testing.assert_array_equal(result.corridors, expected.corridors)
    assert links["cwd"].tolist() == pytest.approx([5000.0, 5000.0])


# ------------------------------------------------------------------ scripts
class _Files(dict):
    """Attribute access like snakemake's Namedlist."""

    __getattr__ = dict.__getitem__

    def __len__(self):  # smk.run reads snakemake.log[0]
        return len(self.values())

    def __getitem__(self, key):
        if isinstance(key, int):
            return list(self.values())[key]
        return dict.__getitem__(self, key)


def _run_script(name, tmp_path, rule_input, rule_output, params):
    import runpy
    import types
    from pathlib import Path

    snakemake = types.SimpleNamespace(
        input=_Files(rule_input),
        output=_Files(rule_output),
        params=types.SimpleNamespace(**params),
        log=_Files(log=str(tmp_path / f"{name}.log")),
        rule=name,
        wildcards={"species": "leopard"},
    )
    script = Path(__file__).parents[1] / "workflow" / "scripts" / f"{name}.py"
    runpy.run_path(str(script), init_globals={"snakemake": snakemake}, run_name="__main__")


def _pipeline(tmp_path, grid, min_core_km2, checks=None):
    """Run resistance -> cores -> corridors -> graph on synthetic inputs; return the outputs dir.

    ``checks`` maps a stage name to a function called with the outputs dir after that stage.
    """
    import pandas as pd

    from amurlink.core import io

    checks = checks or {}
    h, w = grid.shape
    # Two habitat blocks, west (RUS) and east (CHN), with a suitable band between them.
    suit = np.full(grid.shape, 0.1, np.float32)
    suit[10:30, 15:35] = 0.6
    habitat = np.zeros(grid.shape, np.uint8)
    habitat[5:35, 2:14] = 1
    habitat[5:35, 36:48] = 1
    suit[habitat == 1] = 0.9
    suit[0, 0] = np.nan  # no data
    habitat[0, 0] = 255
    country = np.where(np.arange(w)[None, :] < 25, 1, 2).repeat(h, 0).astype(np.uint8)
    landcover = np.full(grid.shape, 10, np.uint8)
    landcover[20, 20:30] = 80  # a pond
    bands = {
        "road_major": np.zeros(grid.shape),
        "road_minor": np.zeros(grid.shape),
        "road_track": np.zeros(grid.shape),
        "logging_age": np.full(grid.shape, 50.0),
        "fence": np.zeros(grid.shape),
    }
    bands["road_major"][:, 24] = 1  # a north-south highway on the border
    paths = {
        k: tmp_path / k for k in ("suit.tif", "hab.tif", "pressures.tif", "lc.tif", "country.tif")
    }
    io.write_raster(paths["suit.tif"], suit, grid, nodata=-9999, descriptions="suitability")
    io.write_raster(paths["hab.tif"], habitat, grid, nodata=255, descriptions="habitat")
    io.write_raster(
        paths["pressures.tif"],
        np.stack(list(bands.values())).astype(np.float32),
        grid,
        nodata=-9999,
        descriptions=list(bands),
    )
    io.write_raster(paths["lc.tif"], landcover, grid, nodata=0, descriptions="landcover")
    io.write_raster(
        paths["country.tif"],
        country,
        grid,
        nodata=0,
        descriptions="country",
        metadata=io.country_tags({1: "RUS", 2: "CHN"}),
    )
    xmin, ymin, xmax, ymax = grid.bounds
    border_x = xmin + 25 * grid.resolution
    countries = tmp_path / "countries.gpkg"
    gpd.GeoDataFrame(
        {"iso_a3": ["RUS", "CHN"]},
        geometry=[shapely.box(xmin, ymin, border_x, ymax), shapely.box(border_x, ymin, xmax, ymax)],
        crs=grid.crs,
    ).to_file(countries, layer="countries")
    gpd.GeoDataFrame(
        geometry=[shapely.LineString([(border_x, ymin), (border_x, ymax)])], crs=grid.crs
    ).to_file(countries, layer="border")

    out = tmp_path / "out"
    conn = {
        "shape_c": 8,
        "road_resistance": {"major": 400, "minor": 100, "track": 20},
        "logging_resistance": [{"max_age": 5, "add": 60}],
        "builtup_resistance": 1000,
        "water": "barrier",
        "barrier_resistance": 5000,
        "neighbours": 8,
        "max_link_cwd_km": 200,
        "corridor_width_km": 5,
        "barrier_radii_m": [100, 200],
        "restored_resistance": 1,
        "circuit_solver": "auto",
        "circuit_shorting": "pair",
    }
    species = {"key": "leopard", "min_core_km2": min_core_km2, "dispersal_km": 40}
    _run_script(
        "resistance",
        tmp_path,
        {
            "suitability": paths["suit.tif"],
            "pressures": paths["pressures.tif"],
            "landcover": paths["lc.tif"],
        },
        {"resistance": out / "resistance.tif"},
        {"connectivity": conn, "road_groups": ["major", "minor", "track"], "window_size": 16},
    )
    checks.get("resistance", lambda out: None)(out)

    # the connectivity grid is the habitat grid here (factor 1), streamed in 16-row strips
    _run_script(
        "connectivity_grid",
        tmp_path,
        {
            "resistance": out / "resistance.tif",
            "habitat": paths["hab.tif"],
            "suitability": paths["suit.tif"],
            "country": paths["country.tif"],
            "pressures": paths["pressures.tif"],
            "baseline_pressures": paths["pressures.tif"],
        },
        {k: out / "grid" / f"{k}.tif" for k in ("resistance", "habitat", "suitability", "country")},
        {"factor": 1, "rows_per_strip": 16},
    )
    on_grid, _ = io.read_raster(out / "grid/resistance.tif")
    np.testing.assert_array_equal(on_grid, io.read_raster(out / "resistance.tif")[0])
    _run_script(
        "cores",
        tmp_path,
        {k: out / "grid" / f"{k}.tif" for k in ("habitat", "suitability", "country")},
        {"cores": out / "cores.tif", "polygons": out / "cores.gpkg"},
        {"species": species},
    )
    checks.get("cores", lambda out: None)(out)

    _run_script(
        "corridors",
        tmp_path,
        {
            "resistance": out / "resistance.tif",
            "cores": out / "cores.tif",
            "polygons": out / "cores.gpkg",
            "countries": countries,
        },
        {
            "corridors": out / "corridors.tif",
            "links": out / "links.gpkg",
            "table": out / "links.csv",
        },
        {"connectivity": conn},
    )
    checks.get("corridors", lambda out: None)(out)

    restoration_inputs = {
        "resistance": out / "resistance.tif",
        "cores": out / "cores.tif",
        "links": out / "links.csv",
    }
    _run_script(
        "pinchpoints",
        tmp_path,
        {**restoration_inputs, "corridors": out / "corridors.tif"},
        {"pinchpoints": out / "pinchpoints.tif", "table": out / "pinchpoints.csv"},
        {"connectivity": conn},
    )
    _run_script(
        "barriers",
        tmp_path,
        restoration_inputs,
        {"barriers": out / "barriers.tif", "table": out / "barriers.csv"},
        {"connectivity": conn},
    )
    checks.get("restoration", lambda out: None)(out)

    pd.DataFrame({"core_a": [2], "core_b": [1], "effective_resistance": [12.5]}).to_csv(
        out / "er.csv", index=False
    )
    _run_script(
        "graph",
        tmp_path,
        {
            "cores": out / "cores.gpkg",
            "links": out / "links.gpkg",
            "effective_resistance": out / "er.csv",
            "landscape": out / "resistance.tif",
            "pinchpoints": out / "pinchpoints.csv",
        },
        {
            "graphml": out / "graph.graphml",
            "indices": out / "indices.json",
            "nodes": out / "node_importance.csv",
            "link_importance": out / "link_importance.csv",
            "links_ranked": out / "links_ranked.gpkg",
            "network": out / "network.gpkg",
        },
        {"species": species},
    )
    return out


def test_connectivity_scripts_end_to_end(tmp_path, small_grid):
    """resistance -> cores -> corridors -> graph on a 40 x 50 grid of 100 m cells."""
    import json

    import pandas as pd

    from amurlink.core import io

    def check_resistance(out):
        resistance, _ = io.read_raster(out / "resistance.tif")
        assert resistance.mask[0, 0] and resistance[20, 25] == 5000
        assert resistance[10, 24] == pytest.approx(
            400 + 100 - 99 * (np.expm1(-8 * 0.6) / np.expm1(-8))
        )

    def check_cores(out):
        cores_gdf = io.read_vector(out / "cores.gpkg")
        assert cores_gdf["core_id"].tolist() == [1, 2]
        assert sorted(cores_gdf["country"]) == ["CHN", "RUS"]
        # 30 x 12 cells of 0.01 km2 each.
        assert cores_gdf["area_km2"].tolist() == pytest.approx([3.6, 3.6])

    def check_corridors(out):
        links = io.read_vector(out / "links.gpkg")
        assert len(links) == 1 and bool(links["crosses_border"][0])
        assert links["euclid_km"][0] == pytest.approx(2.2)  # columns 14..35 empty: 22 cells
        corridors, _ = io.read_raster(out / "corridors.tif")
        assert corridors.min() == pytest.approx(0, abs=1e-3) and corridors.max() <= 5000
        assert not any(p.name.startswith(".cwd-") for p in out.iterdir())

    out = _pipeline(
        tmp_path,
        small_grid,
        1,
        {"resistance": check_resistance, "cores": check_cores, "corridors": check_corridors},
    )
    indices = json.loads((out / "indices.json").read_text())
    assert indices["n_nodes"] == 2 and indices["n_links"] == 1
    assert indices["n_cross_border_links"] == 1
    assert 0 < indices["PC"] < indices["IIC"] < 1
    ranked = io.read_vector(out / "links_ranked.gpkg")
    assert ranked["effective_resistance"].tolist() == [12.5]
    assert ranked["dPC"][0] > 0 and ranked["rank_dPC"][0] == 1
    # The highway (resistance 400 + habitat) between the cores is the barrier to restore.
    barriers, _ = io.read_raster(out / "barriers.tif")
    assert int(np.unravel_index(np.argmax(barriers.filled(0)), barriers.shape)[1]) in (23, 24, 25)
    pinch, _ = io.read_raster(out / "pinchpoints.tif")
    # Cores are shorted focal regions: no current is mapped on them, only in the corridor,
    # where no cell can carry more than the link's 1 A.
    core_ids, _ = io.read_raster(out / "cores.tif", masked=False)
    assert np.ma.getmaskarray(pinch)[core_ids > 0].all()
    assert 0 < float(pinch.max()) <= 1.0 + 1e-9
    network = {
        layer: io.read_vector(out / "network.gpkg", layer=layer) for layer in ("cores", "links")
    }
    assert network["cores"]["core_id"].tolist() == [1, 2]
    assert {"dPC", "dPCflux", "betweenness", "country"} <= set(network["cores"].columns)
    assert network["links"]["corridor_resistance"][0] > 0
    assert bool(network["links"]["crosses_border"][0])
    nodes = pd.read_csv(out / "node_importance.csv")
    np.testing.assert_allclose(
        nodes["dPCintra"] + nodes["dPCflux"] + nodes["dPCconnector"], nodes["dPC"]
    )


def test_connectivity_scripts_without_cores(tmp_path, small_grid):
    """No patch reaches the minimum area: empty cores, links and graph, no failure."""
    import json

    from amurlink.core import io

    out = _pipeline(tmp_path, small_grid, 100)
    assert io.read_vector(out / "cores.gpkg").empty
    assert io.read_vector(out / "links.gpkg").empty
    corridors, _ = io.read_raster(out / "corridors.tif")
    assert corridors.mask.all()
    indices = json.loads((out / "indices.json").read_text())
    assert indices["n_nodes"] == 0 and indices["PC"] == 0 and indices["EC_fraction"] is None


def test_links_through_a_third_core_counted_and_optionally_dropped():
    # Cores 1 and 3 are full-height columns; core 2 a single cell between them on a
    # resistance-1 channel (row 10) through resistance-5 ground.  1's and 3's zones
    # still touch in the top and bottom rows (far from 2), so 1-3 is a candidate,
    # and its least-cost path runs along the channel through core 2.
    resistance = np.full((21, 13), 5.0)
    resistance[10, :] = 1.0
    cores = np.zeros((21, 13), np.int32)
    cores[:, 0] = 1
    cores[10, 6] = 2
    cores[:, 12] = 3
    result = least_cost_corridors(resistance, cores, 1.0)
    pairs = list(zip(result.links.from_core, result.links.to_core, strict=True))
    assert pairs == [(1, 2), (1, 3), (2, 3)]
    assert result.links.cores_crossed.tolist() == [0, 1, 0]
    assert result.links.cwd.tolist() == pytest.approx([6.0, 12.0, 6.0])
    dropped = least_cost_corridors(resistance, cores, 1.0, drop_through_cores=True)
    assert list(zip(dropped.links.from_core, dropped.links.to_core, strict=True)) == [
        (1, 2),
        (2, 3),
    ]


# ------------------------------------------------------------ corridor products
def test_corridor_polygons_area_and_cost_range():
    from amurlink.core.grid import Grid

    grid = Grid("EPSG:32652", Affine(100, 0, 0, 0, -100, 4000), 40, 40)
    cost = np.full(grid.shape, -9999.0, dtype=np.float32)
    # NLCC cost: distance (m) of the cell centre row from a path at y = 2000
    cost[10:30, 10:30] = (np.abs(np.arange(10, 30) - 19.5) * 100)[:, None]
    corridors = corridor_polygons(cost, grid)
    assert len(corridors) == 1
    assert corridors.geometry[0].equals(shapely.box(1000, 1000, 3000, 3000))
    assert corridors["area_km2"][0] == pytest.approx(4.0)
    assert corridors["cost_min"][0] == pytest.approx(50.0)
    assert corridors["cost_max"][0] == pytest.approx(950.0)


def test_corridor_polygons_diagonal_cells_form_one_component(small_grid):
    arr = np.full(small_grid.shape, -9999.0)
    arr[5, 5] = arr[6, 6] = 1.0  # touch at a corner only: one 8-connected corridor
    arr[20, 20] = 2.0
    corridors = corridor_polygons(np.ma.masked_equal(arr, -9999.0), small_grid)
    assert len(corridors) == 2
    assert corridors["area_km2"].tolist() == pytest.approx([0.02, 0.01])
    assert corridors.is_valid.all()


def test_corridor_mask_drops_masked_nan_and_nodata():
    values = np.ma.masked_array([[1.0, np.nan, -9999.0, 0.0]], mask=[[True, False, False, False]])
    assert corridor_mask(values).tolist() == [[False, False, False, True]]
    assert corridor_mask(np.array([[-9999.0]]), nodata=None).tolist() == [[True]]
