import geopandas as gpd
import numpy as np
import pytest
from shapely.geometry import LineString, Point, box

from amurlink.core.errors import InputError
from amurlink.core.grids import habitat_grid
from amurlink.prepare import align, covariates, pressures, vectors

ROAD_CLASSES = {"major": ["primary", "secondary"], "minor": ["tertiary"], "track": ["track"]}


def roads_gdf(highways, proposed=None):
    lines = [
        LineString([(600_050, 4_700_050 + 100 * i), (604_950, 4_700_050 + 100 * i)])
        for i in range(len(highways))
    ]
    data = {"highway": highways}
    if proposed is not None:
        data["proposed"] = proposed
    return gpd.GeoDataFrame(data, geometry=lines, crs="EPSG:32652")


def test_grid_from_config_prefers_bounds():
    g = habitat_grid(
        {
            "crs": "EPSG:32652",
            "resolution": 1000,
            "bounds": [0, 0, 5000, 3000],
            "bbox_lonlat": [1, 2, 3, 4],
        }
    )
    assert g.shape == (3, 5)


def test_roads_unknown_class_names_file_and_column(small_grid):
    with pytest.raises(
        InputError,
        match=r"roads.gpkg: column 'highway' has unknown road class\(es\) \['motorwayy'\]",
    ):
        vectors.prepare_roads(
            roads_gdf(["primary", "motorwayy"]), small_grid, ROAD_CLASSES, "roads.gpkg"
        )


def test_roads_proposed_keeps_planned_class(small_grid):
    out = vectors.prepare_roads(
        roads_gdf(["primary", "proposed"], proposed=[None, "secondary"]),
        small_grid,
        ROAD_CLASSES,
        "r",
    )
    assert out.status.tolist() == ["existing", "proposed"]
    assert out.highway.tolist() == ["primary", "secondary"]
    assert out.group.tolist() == ["major", "major"]
    assert out.crs.to_epsg() == 32652


def test_roads_reprojected_and_clipped(small_grid):
    wgs = roads_gdf(["track"]).to_crs("EPSG:4326")
    long_line = roads_gdf(["track"]).geometry[0]
    out = vectors.prepare_roads(wgs, small_grid, ROAD_CLASSES, "r")
    assert out.crs.to_epsg() == 32652
    assert out.length[0] == pytest.approx(long_line.length, rel=1e-6)


def test_layer_without_crs_is_refused(small_grid):
    no_crs = roads_gdf(["track"]).set_crs(None, allow_override=True)
    with pytest.raises(InputError, match="r.gpkg: layer has no CRS"):
        vectors.prepare_roads(no_crs, small_grid, ROAD_CLASSES, "r.gpkg")


def test_landcover_codes_checked():
    align.check_landcover_codes(np.array([[10, 40], [0, 80]]), 0, "lc.tif")
    with pytest.raises(InputError, match=r"lc.tif: land-cover codes \[7\]"):
        align.check_landcover_codes(np.array([[10, 7]]), 0, "lc.tif")


def test_aligned_windows_mask_no_data_and_outside():
    outside = np.array([[False, True, False, False]])
    lc = align.aligned_landcover(np.array([[10, 40, 255, 30]], np.uint8), 255, outside)
    assert lc.dtype == np.uint8 and lc.tolist() == [[10, 0, 0, 30]]
    dem = align.aligned_dem(np.array([[12.5, 40.0, -1.0, np.nan]]), -1.0, outside)
    no = align.NODATA_DEM
    assert dem.dtype == np.float32 and dem.tolist() == [[12.5, no, no, no]]


def test_prepare_vectors_checks_every_layer_and_burns_the_countries(small_grid):
    x0, y0, x1, y1 = small_grid.bounds
    xm = (x0 + x1) / 2
    countries = gpd.GeoDataFrame(
        {"iso_a3": ["RUS", "CHN"], "name": ["Russia", "China"]},
        geometry=[box(xm, y0, x1, y1), box(x0, y0, xm, y1)],
        crs=small_grid.crs,
    )
    towns = gpd.GeoDataFrame(
        {"population": [10]}, geometry=[Point(x0 + 50, y1 - 50)], crs=small_grid.crs
    )
    blocks = gpd.GeoDataFrame({"year": [2010]}, geometry=[box(x0, y0, xm, y1)], crs=small_grid.crs)
    paths = {"countries": "c.gpkg", "roads": "r.gpkg", "logging": "l.gpkg", "settlements": "s.gpkg"}
    args = (countries, roads_gdf(["primary"]), blocks, towns, small_grid, ROAD_CLASSES, paths)
    prepared = vectors.prepare_vectors(*args)
    assert prepared.country_codes == {1: "CHN", 2: "RUS"}  # sorted by code
    assert prepared.country_index.dtype == np.uint8
    assert prepared.country_index[0, 0] == 1 and prepared.country_index[0, -1] == 2
    assert prepared.settlements.iso_a3.tolist() == ["CHN"]
    assert len(prepared.border) == 1 and len(prepared.roads) == 1 and len(prepared.logging) == 1
    with pytest.raises(InputError, match="s.gpkg: missing column"):
        vectors.prepare_vectors(*args[:3], towns.drop(columns="population"), *args[4:])


def test_countries_and_their_border(small_grid):
    x0, y0, x1, y1 = small_grid.bounds
    xm = (x0 + x1) / 2
    countries = gpd.GeoDataFrame(
        {"ISO_A3": ["CHN", "RUS"], "NAME": ["China", "Russia"]},
        geometry=[
            box(x0 - 1000, y0 - 1000, xm, y1 + 1000),
            box(xm, y0 - 1000, x1 + 1000, y1 + 1000),
        ],
        crs=small_grid.crs,
    )
    polys, border = vectors.prepare_countries(countries, small_grid, "c")
    assert polys.iso_a3.tolist() == ["CHN", "RUS"]
    assert polys.area.sum() == pytest.approx((x1 - x0) * (y1 - y0))
    assert len(border) == 1
    # The study-area frame is no border: the line stops within a cell of it.
    assert border.length[0] == pytest.approx(y1 - y0, abs=small_grid.resolution / 2)


def test_compute_covariates_hand_checks(small_grid):
    lc = np.full(small_grid.shape, 10, np.uint8)
    lc[:, :10] = 40
    dem = np.tile(np.arange(small_grid.width, dtype=float) * 10, (small_grid.height, 1))
    roads = vectors.prepare_roads(roads_gdf(["primary"]), small_grid, ROAD_CLASSES, "r")
    x0, y0, x1, y1 = small_grid.bounds
    towns = gpd.GeoDataFrame(
        {"name": ["a"], "population": [10]}, geometry=[Point(x0 + 50, y1 - 50)], crs=small_grid.crs
    )
    blocks = gpd.GeoDataFrame(
        {"year": [2010, 2020]},
        geometry=[box(x1 - 1000, y1 - 1000, x1, y1), box(x1 - 500, y1 - 500, x1, y1)],
        crs=small_grid.crs,
    )
    blocks = vectors.prepare_logging(blocks, small_grid, "l")
    valid = np.ones(small_grid.shape, bool)
    valid[-1, -1] = False
    stack, names = covariates.compute_covariates(
        lc, dem, roads, towns, blocks, valid, small_grid, road_groups=list(ROAD_CLASSES),
        forest_radius_m=100, reference_year=2025,
    )  # fmt: skip
    b = dict(zip(names, stack, strict=True))
    assert names[:3] == ["forest_fraction", "elevation", "slope"]
    assert np.isnan(stack[:, -1, -1]).all()
    assert b["forest_fraction"][5, 0] == 0 and b["forest_fraction"][5, 30] == 1
    assert b["slope"][5, 5] == pytest.approx(np.degrees(np.arctan(10 / 100)))
    # The road runs along the bottom row: distance grows 100 m a row upward.
    assert b["dist_road_major"][-1, 20] == 0 and b["dist_road_major"][-4, 20] == pytest.approx(300)
    assert (b["dist_road_minor"][valid] > 0).all(), "no minor roads: everything is far"
    assert b["dist_settlement"][0, 0] == 0 and b["dist_settlement"][0, 3] == pytest.approx(300)
    # The latest cut wins where blocks overlap.
    assert b["logging_recency"][0, -1] == 5 and b["logging_recency"][9, -10] == 15
    assert b["logging_recency"][20, 5] == 50


def prepared_roads(small_grid):
    return vectors.prepare_roads(
        roads_gdf(["primary", "proposed"], proposed=[None, "secondary"]),
        small_grid,
        ROAD_CLASSES,
        "r",
    )


def empty_logging(small_grid):
    return gpd.GeoDataFrame({"year": [], "area_ha": []}, geometry=[], crs=small_grid.crs)


def test_scenario_builds_the_proposed_road_into_pressures(small_grid):
    roads = prepared_roads(small_grid)
    base, names = pressures.pressure_layers(
        roads,
        empty_logging(small_grid),
        small_grid,
        road_groups=list(ROAD_CLASSES),
        reference_year=2025,
    )
    s_roads, s_log, mitigated = pressures.apply_scenario(
        roads, empty_logging(small_grid), [{"kind": "build_proposed"}], {}, small_grid,
        ROAD_CLASSES, 2025, "p",
    )  # fmt: skip
    scen, _ = pressures.pressure_layers(
        s_roads, s_log, small_grid, road_groups=list(ROAD_CLASSES), reference_year=2025
    )
    major = names.index("road_major")
    # Row 39 is the primary road (bottom), row 38 the proposed one above it.
    assert base[major, -1].all() and not base[major, -2].any()
    assert scen[major, -2].all()
    assert (scen[names.index("logging_age")] == 50).all()


def test_scenario_crossing_lifts_road_penalty(small_grid):
    roads = prepared_roads(small_grid)
    x = small_grid.bounds[0] + 2500
    crossing = gpd.GeoDataFrame(geometry=[Point(x, 4_700_050)], crs=small_grid.crs)
    _, _, mitigated = pressures.apply_scenario(
        roads, empty_logging(small_grid), [{"kind": "crossing", "file": "x.gpkg", "radius_m": 150}],
        {0: crossing}, small_grid, ROAD_CLASSES, 2025,
    )  # fmt: skip
    stack, names = pressures.pressure_layers(
        roads, empty_logging(small_grid), small_grid, road_groups=list(ROAD_CLASSES),
        reference_year=2025, mitigated=mitigated,
    )  # fmt: skip
    row = stack[names.index("road_major"), -1]
    assert row[0] == 1 and row[25] == 0 and row[-1] == 1


def test_pressures_rasterised_by_strips_equal_the_whole_grid(small_grid):
    """The pressures rule rasterises strip by strip (pressures.pressure_strips)."""
    roads = prepared_roads(small_grid)
    x = small_grid.bounds[0] + 2500
    crossing = gpd.GeoDataFrame(geometry=[Point(x, 4_700_050)], crs=small_grid.crs)
    mitigated = crossing.buffer(150).to_frame("geometry")
    blocks = gpd.GeoDataFrame(
        {"year": [2020]}, geometry=[Point(x, 4_702_000).buffer(700)], crs=small_grid.crs
    )
    kw = dict(road_groups=list(ROAD_CLASSES), reference_year=2025, mitigated=mitigated)
    whole, names = pressures.pressure_layers(roads, blocks, small_grid, **kw)
    parts = list(pressures.pressure_strips(roads, blocks, small_grid, rows_per_strip=7, **kw))
    assert [w.row_off for w, _ in parts] == list(range(0, small_grid.height, 7))
    np.testing.assert_array_equal(np.concatenate([p for _, p in parts], axis=1), whole)
    assert whole.sum() > 0
    assert names == pressures.pressure_names(list(ROAD_CLASSES))
    assert pressures.pressure_units(list(ROAD_CLASSES)) == ["1", "1", "1", "year", "1"]


@pytest.mark.parametrize(
    ("change", "layer", "message"),
    [
        (
            {"kind": "new_road", "file": "n.gpkg", "highway": "highwayy"},
            None,
            "unknown road class 'highwayy'",
        ),
        (
            {"kind": "new_road", "file": "n.gpkg", "highway": "track"},
            "nocrs",
            "n.gpkg: .*layer has no CRS",
        ),
        (
            {"kind": "new_road", "file": "n.gpkg", "highway": "track"},
            "far",
            "n.gpkg: .*no feature lies inside the study area",
        ),
        (
            {"kind": "upgrade_road", "name": "nowhere", "highway": "primary"},
            None,
            "no existing road named 'nowhere'",
        ),
    ],
)
def test_bad_scenarios_are_named(small_grid, change, layer, message):
    line = LineString([(600_100, 4_701_000), (604_000, 4_701_000)])
    layers = {
        "nocrs": gpd.GeoDataFrame(geometry=[line]),
        "far": gpd.GeoDataFrame(geometry=[line], crs=small_grid.crs)
        .translate(1e6, 0)
        .set_crs(small_grid.crs, allow_override=True),
    }
    with pytest.raises(InputError, match=message):
        pressures.apply_scenario(
            prepared_roads(small_grid), empty_logging(small_grid), [change],
            {0: layers[layer]} if layer else {}, small_grid, ROAD_CLASSES, 2025,
        )  # fmt: skip
