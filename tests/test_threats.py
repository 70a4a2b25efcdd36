"""Threats: roads and cutblocks inside corridors, split, attributed, scored and ranked.

The scene (100 m cells, 4 km x 4 km, origin at the lower left):
corridor = the square x, y in [1000, 3000]; least-cost path of link 1 along
y = 2000 (dPC 20, crosses the border); Russia west of x = 2000, China east.
"""

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from affine import Affine
from shapely.geometry import LineString, box

from amurlink.connectivity.corridors import corridor_polygons
from amurlink.core import io
from amurlink.core.grid import Grid
from amurlink.threats import flagging as thr

CRS = "EPSG:32652"


@pytest.fixture
def scene():
    grid = Grid(CRS, Affine(100, 0, 0, 0, -100, 4000), 40, 40)
    cost = np.full(grid.shape, -9999.0, dtype=np.float32)
    # NLCC cost: distance (m) of the cell centre row from the path at y = 2000
    cost[10:30, 10:30] = (np.abs(np.arange(10, 30) - 19.5) * 100)[:, None]
    roads = gpd.GeoDataFrame(
        {
            "road_id": [1, 2, 3],
            "highway": ["primary", "secondary", "trunk"],
            "group": ["major", "major", "major"],
            "status": ["existing", "existing", "proposed"],
        },
        geometry=[
            LineString([(1550, 0), (1550, 4000)]),  # crosses the corridor
            LineString([(3500, 0), (3500, 4000)]),  # outside
            LineString([(2200, 0), (2200, 4000)]),  # proposed, crosses
        ],
        crs=CRS,
    )
    blocks = gpd.GeoDataFrame(
        {"block_id": [7], "year": [2015]}, geometry=[box(2500, 1200, 3500, 1800)], crs=CRS
    )
    links = gpd.GeoDataFrame(
        {"link_id": [1], "dPC": [20.0], "crosses_border": [True]},
        geometry=[LineString([(0, 2000), (4000, 2000)])],
        crs=CRS,
    )
    countries = gpd.GeoDataFrame(
        {"iso_a3": ["RUS", "CHN"], "name": ["Russia", "China"]},
        geometry=[box(0, 0, 2000, 4000), box(2000, 0, 4000, 4000)],
        crs=CRS,
    )
    return grid, cost, roads, blocks, links, countries


def test_one_road_threat_split_at_corridor_edge(scene):
    grid, cost, roads, blocks, links, countries = scene
    corridors = corridor_polygons(cost, grid)
    out = thr.flag_threats(roads, blocks.iloc[:0], corridors, links, countries)
    road = out[out["kind"] == "road"]
    assert len(road) == 1  # the road outside the corridor is no threat
    rec = road.iloc[0]
    assert rec["source_id"] == 1
    assert rec["length_m"] == pytest.approx(2000.0)  # y from 1000 to 3000 at x = 1550
    ys = sorted(c[1] for c in rec.geometry.coords)
    assert ys[0] == pytest.approx(1000.0) and ys[-1] == pytest.approx(3000.0)
    assert rec["country"] == "RUS"
    assert rec["link_ids"] == "1" and rec["crosses_path"]
    assert rec["cross_border"]
    assert rec["position_along_link"] == pytest.approx(1550 / 4000)


def test_road_crossing_a_corridor_twice_gives_two_records(scene):
    grid, cost, _, _, links, countries = scene
    u_road = gpd.GeoDataFrame(
        {"road_id": [9], "highway": ["track"]},
        geometry=[LineString([(1200, 0), (1200, 3500), (2800, 3500), (2800, 0)])],
        crs=CRS,
    )
    out = thr.flag_threats(u_road, None, corridor_polygons(cost, grid), links, countries)
    assert len(out) == 2
    assert out["length_m"].tolist() == pytest.approx([2000.0, 2000.0])


def test_cutblock_half_inside(scene):
    grid, cost, roads, blocks, links, countries = scene
    out = thr.flag_threats(roads.iloc[:0], blocks, corridor_polygons(cost, grid), links, countries)
    assert len(out) == 1
    rec = out.iloc[0]
    assert rec["kind"] == "logging"
    # block 1000 m x 600 m = 60 ha, of which x in [2500, 3000] inside: 30 ha
    assert rec["area_ha"] == pytest.approx(30.0)
    assert rec["geometry"].equals(box(2500, 1200, 3000, 1800))
    assert rec["country"] == "CHN"
    # crosses no path: attributed to the nearest path in its corridor
    assert rec["link_ids"] == "1" and not rec["crosses_path"]


def test_score_follows_documented_formula(scene):
    grid, cost, roads, blocks, links, countries = scene
    current = np.ones(grid.shape, np.float32)
    current[:, 15] = 3.0  # the column under the road at x = 1550
    out = thr.flag_threats(
        roads,
        blocks,
        corridor_polygons(cost, grid),
        links,
        countries,
        current=current,
        corridor_cost=cost,
        grid=grid,
        config={"logging_halflife_years": 10},
        reference_year=2025,
    )
    by_kind = out.set_index("kind")
    # corridor mean current: (380 cells x 1 + 20 cells x 3) / 400 = 1.1
    road_expected = 1.0 * 2.0 * (1 + 20 / 100) * (3.0 / 1.1)  # primary, 2 km, dPC 20
    block_expected = 0.5 ** (10 / 10) * 0.30 * (1 + 20 / 100) * (1.0 / 1.1)  # 10 y old, 0.3 km2
    assert by_kind.loc["road", "score"] == pytest.approx(road_expected)
    assert by_kind.loc["logging", "score"] == pytest.approx(block_expected)
    assert by_kind.loc["road", "rank"] == 1 and by_kind.loc["logging", "rank"] == 2
    assert by_kind.loc["road", "cwd_above_lcp"] == pytest.approx(50.0)
    assert out["threat_id"].tolist() == [1, 2, 3]


def test_proposed_road_excluded_from_baseline(scene):
    grid, cost, roads, blocks, links, countries = scene
    out = thr.flag_threats(roads, blocks, corridor_polygons(cost, grid), links, countries)
    proposed = out[out["source_id"] == 3]
    assert proposed["kind"].tolist() == ["proposed_road"]
    assert proposed["rank"].isna().all()
    ranked = out[out["rank"].notna()]
    assert set(ranked["kind"]) == {"road", "logging"}
    assert sorted(ranked["rank"].astype(int)) == [1, 2]
    # proposed: class weight (trunk 1.0) x road_weight['proposed']
    out2 = thr.flag_threats(
        roads,
        None,
        corridor_polygons(cost, grid),
        links,
        countries,
        config={"road_weight": {"trunk": 1.0, "primary": 1.0, "proposed": 0.5}},
    )
    assert out2.loc[out2["kind"] == "proposed_road", "severity"].item() == pytest.approx(0.5)


def test_links_cut_and_missing_dpc(scene):
    grid, cost, roads, _, _, countries = scene
    links = gpd.GeoDataFrame(
        {"link_id": [4, 5]},  # no dPC, no crosses_border columns
        geometry=[LineString([(0, 2000), (4000, 2000)]), LineString([(0, 2500), (4000, 2500)])],
        crs=CRS,
    )
    out = thr.flag_threats(roads.iloc[:1], None, corridor_polygons(cost, grid), links, countries)
    rec = out.iloc[0]
    assert rec["link_ids"] == "4,5" and rec["n_links"] == 2
    assert np.isnan(rec["dPC"]) and rec["link_factor"] == 1.0
    assert not rec["cross_border"]
    assert np.isfinite(rec["score"])


def test_logging_severity_halves_each_halflife():
    sev, age = thr.logging_severity([2025, 2015, 2005, 2030], 2025, 10)
    assert sev.tolist() == pytest.approx([1.0, 0.5, 0.25, 1.0])
    assert age.tolist() == [0, 10, 20, 0]


def test_no_corridor_gives_empty_table(scene):
    grid, _, roads, blocks, links, countries = scene
    empty = corridor_polygons(np.full(grid.shape, -9999.0), grid)
    out = thr.flag_threats(roads, blocks, empty, links, countries)
    assert out.empty and list(out.columns) == thr.THREAT_COLUMNS
    assert thr.summarise_threats(out).empty


def test_summary_and_files(scene, tmp_path):
    grid, cost, roads, blocks, links, countries = scene
    out = thr.flag_threats(roads, blocks, corridor_polygons(cost, grid), links, countries)
    summary = thr.summarise_threats(out).set_index(["country", "kind"])
    assert summary.loc[("RUS", "road"), "length_km"] == pytest.approx(2.0)
    assert summary.loc[("CHN", "logging"), "area_ha"] == pytest.approx(30.0)
    assert summary.loc[("CHN", "proposed_road"), "n_threats"] == 1
    assert summary["n_cross_border"].sum() == 3
    # the tables survive a round trip through GeoPackage and CSV
    io.write_vector(out, tmp_path / "threats.gpkg", layer="threats")
    back = io.read_vector(tmp_path / "threats.gpkg")
    assert len(back) == 3 and set(back["kind"]) == {"road", "logging", "proposed_road"}
    table = thr.threats_table(out)
    io.write_table(table, tmp_path / "threats.csv")
    csv = pd.read_csv(tmp_path / "threats.csv")
    assert {"x", "y", "score", "rank"} <= set(csv.columns) and "geometry" not in csv


def test_threat_report_tables_agree(scene):
    grid, cost, roads, blocks, links, countries = scene
    corridors = thr.corridor_polygons(cost, grid)
    links = links.assign(from_core=[1], to_core=[2])
    report = thr.threat_report(
        roads, blocks, corridors, links, countries, species="leopard",
        corridor_cost=cost, grid=grid, reference_year=2025,
    )  # fmt: skip
    assert len(report.threats) == len(report.table) > 0
    assert "geometry" not in report.table and {"x", "y"} <= set(report.table.columns)
    assert (report.summary["species"] == "leopard").all()
    assert "all" in set(report.summary["country"])
    # the one link crosses the border: it is reported with the threats cutting it
    assert report.cross_border_links["link_id"].tolist() == [1]
    assert len(report.cross_border_threats) == len(report.table)


def test_pinchpoint_and_barrier_attributes_nan_safe():
    grid = Grid.from_bounds("EPSG:32652", (0, 0, 10_000, 10_000), 1000)
    corridor = np.full(grid.shape, -9999.0)
    corridor[:, 4:6] = 1.0  # a vertical corridor, columns 4-5
    corridors = corridor_polygons(corridor, grid)
    pinch = np.full(grid.shape, np.nan)
    pinch[5, 8] = 3.0  # a pinch point outside the corridor
    barrier = np.full(grid.shape, np.nan)
    barrier[2, 4] = 7.0
    roads = gpd.GeoDataFrame(
        {"road_id": [1, 2], "highway": ["primary", "track"]},
        geometry=[LineString([(0, 2_500), (10_000, 2_500)]),  # crosses corridor row 7
                  LineString([(8_500, 4_000), (8_500, 6_000)])],  # only in the pinch point
        crs=grid.crs,
    )  # fmt: skip
    out = thr.flag_threats(roads, None, corridors, None, None, grid=grid,
                           pinchpoints=pinch, barrier_score=barrier)  # fmt: skip
    by_source = out.set_index("source_id")
    assert set(by_source.index) == {1, 2}  # the track counts: it lies in a pinch point
    assert by_source.loc[2, "pinchpoint_current"] == pytest.approx(3.0)
    assert np.isnan(by_source.loc[1, "pinchpoint_current"])
    assert np.isnan(by_source.loc[1, "barrier_score"])  # barrier cell is on row 2, road on 7
    assert by_source.loc[1, "length_m"] == pytest.approx(2_000)


def test_cross_border_report_lists_links_and_their_threats():
    links = pd.DataFrame({"link_id": [1, 2, 3], "from_core": [1, 1, 2], "to_core": [2, 3, 3],
                          "crosses_border": [True, False, True], "dPC": [5.0, 9.0, 20.0]})  # fmt: skip
    threats = pd.DataFrame({"threat_id": [1, 2, 3, 4], "kind": ["road", "logging", "road", "proposed_road"],
                            "country": ["CHN", "RUS", "RUS", "CHN"], "link_ids": ["1", "1,2", "2", "1"],
                            "score": [1.0, 3.0, 9.0, 50.0]})  # fmt: skip
    table, on_cross = thr.cross_border_report(threats, links)
    assert table["link_id"].tolist() == [3, 1]  # by dPC, link 3 listed though unthreatened
    row = table.set_index("link_id").loc[1]
    assert row["n_threats"] == 2 and row["threats_by_country"] == "CHN:1;RUS:1"
    assert row["top_threat_id"] == 2 and row["score_sum"] == pytest.approx(4.0)
    assert on_cross["threat_id"].tolist() == [1, 2, 4]
    assert row["n_proposed_road"] == 1  # counted apart, not the top threat
    assert table.set_index("link_id").loc[3, "n_threats"] == 0


def test_cross_border_report_with_no_threats_lists_the_links():
    links = pd.DataFrame({"link_id": [1], "from_core": [1], "to_core": [2],
                          "crosses_border": [True], "dPC": [5.0]})  # fmt: skip
    empty = thr.threats_table(gpd.GeoDataFrame(geometry=[], crs="EPSG:32652"))
    table, on_cross = thr.cross_border_report(empty, links)
    assert table["link_id"].tolist() == [1]
    assert table.loc[0, "n_threats"] == 0 and len(on_cross) == 0
