"""Real downloads as inputs (issue 13): OSM extracts, raster tiles, Hansen lossyear,
Camtrap DP packages, GBIF flags, and class fractions.

Every test writes its own tiny files; the rule scripts run through ``runpy`` with a
stand-in ``snakemake`` object, as in test_barriers.
"""

import json
import runpy
from pathlib import Path
from types import SimpleNamespace

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import rasterio
from affine import Affine
from pyproj import Transformer
from rasterio.windows import Window
from shapely.geometry import LineString, box
from walkthrough_data import write_osm_pbf

from amurlink.core import io
from amurlink.core.errors import InputError
from amurlink.core.grid import Grid
from amurlink.core.io import occurrences, tables
from amurlink.core.io.osm import read_osm_lines, read_vector_input
from amurlink.core.io.rasters import check_coverage, raster_coverage
from amurlink.habitat import sightings
from amurlink.prepare import align, covariates, vectors

SCRIPTS = Path(__file__).parents[1] / "workflow/scripts"
ROAD_CLASSES = {
    "major": ["motorway", "trunk", "primary", "secondary"],
    "minor": ["tertiary", "unclassified", "residential"],
    "track": ["track", "path"],
}


def run_script(rule, tmp_path, inputs, outputs, **params):
    snakemake = SimpleNamespace(
        input=SimpleNamespace(**inputs), output=SimpleNamespace(**outputs),
        params=SimpleNamespace(**params), log=[str(tmp_path / f"{rule}.log")], rule=rule,
        wildcards={},
    )  # fmt: skip
    runpy.run_path(str(SCRIPTS / f"{rule}.py"), init_globals={"snakemake": snakemake})


# ------------------------------------------------------------------------- OSM
def _lonlat(x, y):
    return Transformer.from_crs("EPSG:32652", "EPSG:4326", always_xy=True).transform(x, y)


def box_of(grid):
    from amurlink.core.grid import transform_bounds

    return transform_bounds(grid.crs, "EPSG:4326", grid.bounds)


#: Ways of the test extract: tags, and the y (UTM) of a west-east line across the grid.
OSM_WAYS = [
    ({"highway": "primary_link", "name": "Ramp"}, 4_700_150),
    ({"highway": "service"}, 4_700_550),
    ({"highway": "construction", "construction": "secondary"}, 4_700_950),
    ({"highway": "proposed", "proposed": "tertiary_link"}, 4_701_350),
    ({"highway": "footway"}, 4_701_750),  # ignored by default
    ({"highway": "track"}, 4_702_150),
    ({"barrier": "fence"}, 4_702_550),
    ({"railway": "rail"}, 4_702_950),
]
#: The same roads as a GeoPackage would give them (what prepare_roads reads).
EQUIVALENT = [("primary", None, "Ramp"), ("track", None, ""), ("proposed", "secondary", ""),
              ("proposed", "tertiary", ""), ("track", None, "")]  # fmt: skip


def write_osm(path, grid):
    """A tiny .osm.pbf (osmium's SimpleWriter) of OSM_WAYS, and one way far outside the grid."""
    x0, _, x1, _ = grid.bounds
    ways = [*OSM_WAYS, ({"highway": "primary"}, None)]
    return write_osm_pbf(path, [
        (tags, [_lonlat(x0 + 50, y), _lonlat(x1 - 50, y)] if y else [(140.0, 50.0), (140.1, 50.0)])
        for tags, y in ways
    ])  # fmt: skip


def vector_inputs(tmp_path, grid):
    x0, y0, x1, y1 = grid.bounds
    countries = gpd.GeoDataFrame(
        {"iso_a3": ["CHN"], "name": ["China"]}, geometry=[box(x0, y0, x1, y1)], crs=grid.crs
    )
    io.write_vector(countries, tmp_path / "countries.gpkg", layer="countries")
    towns = gpd.GeoDataFrame({"population": [10]}, geometry=gpd.points_from_xy([x0 + 50], [y1 - 50]),
                             crs=grid.crs)  # fmt: skip
    io.write_vector(towns, tmp_path / "towns.gpkg")
    blocks = gpd.GeoDataFrame({"year": [2015]}, geometry=[box(x0, y0, x0 + 1000, y0 + 1000)],
                              crs=grid.crs)  # fmt: skip
    io.write_vector(blocks, tmp_path / "logging.gpkg")
    return {
        "countries": str(tmp_path / "countries.gpkg"),
        "settlements": str(tmp_path / "towns.gpkg"),
    }


def run_prepare_vectors(tmp_path, grid, roads, out, logging=(), forest_loss=(), **settings):
    roads = [roads] if isinstance(roads, str | Path) else roads
    inputs = {**vector_inputs(tmp_path, grid), "roads": [str(p) for p in roads],
              "logging": [str(p) for p in logging], "forest_loss": [str(p) for p in forest_loss]}  # fmt: skip
    outputs = {k: str(out / f"{k}.gpkg") for k in ("roads", "logging", "settlements", "countries")}
    outputs["country"] = str(out / "country.tif")
    run_script(
        "prepare_vectors", tmp_path, inputs, outputs,
        study_area={"crs": grid.crs, "resolution": grid.resolution, "bounds": list(grid.bounds)},
        road_classes=ROAD_CLASSES, layers={}, osm={},
        forest_loss={"coverage": "error", "forest_loss_year_offset": 2000,
                     "forest_loss_min_fraction": 0.5, **settings},
    )  # fmt: skip
    return outputs


def test_osm_lines_read_only_the_box(tmp_path, small_grid):
    path = write_osm(tmp_path / "extract.osm.pbf", small_grid)
    every = read_osm_lines(path)
    inside = read_osm_lines(path, box_of(small_grid))
    assert len(every) == len(OSM_WAYS) + 1 and len(inside) == len(OSM_WAYS)
    assert inside.crs == "EPSG:4326"
    # construction= and proposed= come from OSM's other_tags
    assert inside["construction"].dropna().tolist() == ["secondary"]
    assert inside["proposed"].dropna().tolist() == ["tertiary_link"]
    assert inside["barrier"].dropna().tolist() == ["fence"]
    assert inside["railway"].dropna().tolist() == ["rail"]


def test_osm_highways_mapped_with_the_osm_hierarchy(tmp_path, small_grid):
    lines = read_osm_lines(write_osm(tmp_path / "extract.osm.pbf", small_grid), box_of(small_grid))
    roads, dropped = vectors.osm_roads(lines, ROAD_CLASSES)
    got = list(zip(roads["highway"], roads["proposed"].fillna("").replace("", None),
                   roads["name"], strict=True))  # fmt: skip
    assert got == [(h, p, n) for h, p, n in EQUIVALENT]
    assert dropped == {"footway": 1}
    roads, dropped = vectors.osm_roads(lines, ROAD_CLASSES, {"service": "ignore"})
    assert dropped == {"footway": 1, "service": 1} and len(roads) == 4
    fences = vectors.osm_barriers(lines, ["fence"], ["rail"])
    assert fences["kind"].tolist() == ["barrier=fence", "railway=rail"]
    assert len(vectors.osm_barriers(lines)) == 1  # railways only when asked


def test_osm_extract_runs_the_prepare_stage_as_its_geopackage(tmp_path, small_grid):
    """A .osm.pbf with *_link, service, construction and proposed ways, and the same
    roads as a GeoPackage, through the prepare_vectors script: the same roads layer."""
    pbf = write_osm(tmp_path / "extract.osm.pbf", small_grid)
    lines = read_osm_lines(pbf, box_of(small_grid))
    gpkg = gpd.GeoDataFrame(
        {"highway": [h for h, _, _ in EQUIVALENT], "proposed": [p for _, p, _ in EQUIVALENT],
         "name": [n for _, _, n in EQUIVALENT]},
        geometry=[g for g, t in zip(lines.geometry, lines["highway"].fillna(""), strict=True)
                  if t in ("primary_link", "service", "construction", "proposed", "track")],
        crs="EPSG:4326",
    )  # fmt: skip
    io.write_vector(gpkg, tmp_path / "roads.gpkg")
    (tmp_path / "a").mkdir(), (tmp_path / "b").mkdir()
    a = run_prepare_vectors(tmp_path, small_grid, pbf, tmp_path / "a")
    b = run_prepare_vectors(tmp_path, small_grid, tmp_path / "roads.gpkg", tmp_path / "b")
    ra, rb = io.read_vector(a["roads"]), io.read_vector(b["roads"])
    assert len(ra) == 5 and (ra["status"] == "proposed").sum() == 2
    assert ra.drop(columns="geometry").equals(rb.drop(columns="geometry"))
    assert ra.geometry.geom_equals_exact(rb.geometry, 1e-6).all()


def test_two_osm_extracts_read_as_one_with_shared_ways_once(tmp_path, small_grid):
    """The extracts of two neighbouring regions (Geofabrik cuts with a buffer, so the
    ways crossing the border are in both): one roads layer, each way once."""
    import osmium

    whole = write_osm(tmp_path / "whole.osm.pbf", small_grid)
    x0, _, x1, _ = small_grid.bounds
    y = OSM_WAYS[0][1]
    # the second extract: the first way again (same ids) and a track of its own
    writer = osmium.SimpleWriter(str(tmp_path / "neighbour.osm.pbf"))
    for node, x in ((1, x0 + 50), (2, x1 - 50), (901, x0 + 50), (902, x1 - 50)):
        lon, lat = _lonlat(x, y if node < 900 else y + 200)
        writer.add_node(osmium.osm.mutable.Node(id=node, location=(lon, lat), version=1))
    writer.add_way(osmium.osm.mutable.Way(id=100, nodes=[1, 2], tags=OSM_WAYS[0][0], version=1))
    writer.add_way(osmium.osm.mutable.Way(id=900, nodes=[901, 902], tags={"highway": "track"},
                                          version=1))  # fmt: skip
    writer.close()
    both = read_vector_input([whole, tmp_path / "neighbour.osm.pbf"], None, box_of(small_grid))
    one = read_osm_lines(whole, box_of(small_grid))
    assert sorted(both.osm_id) == sorted([*one.osm_id, "900"])
    (tmp_path / "a").mkdir()
    out = run_prepare_vectors(tmp_path, small_grid, [whole, tmp_path / "neighbour.osm.pbf"],
                              tmp_path / "a")  # fmt: skip
    assert len(io.read_vector(out["roads"])) == len(EQUIVALENT) + 1
    with pytest.raises(InputError, match="mixed with other vector files"):
        read_vector_input([whole, out["roads"]])


# ---------------------------------------------------------------- raster tiles
def tiles(tmp_path, grid10, codes):
    """Two land-cover tiles (west, east halves), the whole as one file, and a VRT-free list."""
    half = grid10.width // 2
    west = grid10.window_grid(Window(0, 0, half, grid10.height))
    east = grid10.window_grid(Window(half, 0, grid10.width - half, grid10.height))
    kw = {"nodata": 0, "descriptions": "lc", "categorical": True}
    io.write_raster(tmp_path / "ESA_WorldCover_10m_2021_v200_W.tif", codes[:, :half], west, **kw)
    io.write_raster(tmp_path / "ESA_WorldCover_10m_2021_v200_E.tif", codes[:, half:], east, **kw)
    io.write_raster(tmp_path / "merged.tif", codes, grid10, **kw)
    return [str(tmp_path / "ESA_WorldCover_10m_2021_v200_W.tif"),
            str(tmp_path / "ESA_WorldCover_10m_2021_v200_E.tif")]  # fmt: skip


@pytest.fixture
def grids():
    """A 250 m grid of 8 x 10 cells and the 10 m grid of its area."""
    bounds = (600_000, 4_700_000, 602_500, 4_702_000)
    return Grid.from_bounds("EPSG:32652", bounds, 250), Grid.from_bounds("EPSG:32652", bounds, 10)


def landcover_codes(grid10, seed=0):
    rng = np.random.default_rng(seed)
    classes = np.array(list(covariates.WORLDCOVER_CLASSES), np.uint8)
    return rng.choice(classes[:5], size=grid10.shape, p=[0.5, 0.2, 0.1, 0.1, 0.1])


def run_align(tmp_path, grid, landcover, dem, out, aggregation="fractions", window_size=4):
    country = out / "country.tif"
    io.write_raster(country, np.ones(grid.shape, np.uint8), grid, nodata=0, descriptions="country")
    outputs = {"landcover": str(out / "landcover.tif"), "dem": str(out / "dem.tif")}
    if aggregation == "fractions":
        outputs["fractions"] = str(out / "landcover_fractions.tif")
    run_script(
        "align_rasters", tmp_path, {"landcover": landcover, "dem": dem, "country": str(country)},
        outputs, window_size=window_size, aggregation=aggregation, coverage="error",
    )  # fmt: skip
    return outputs


def test_two_tiles_give_the_grid_of_one_merged_file(tmp_path, grids):
    grid, grid10 = grids
    codes = landcover_codes(grid10)
    parts = tiles(tmp_path, grid10, codes)
    dem = tmp_path / "dem.tif"
    elevation = np.arange(codes.size, dtype="float32").reshape(codes.shape)
    io.write_raster(dem, elevation, grid10, nodata=-9999.0, descriptions="elevation")
    for name in ("tiles", "merged", "glob"):
        (tmp_path / name).mkdir()
    a = run_align(tmp_path, grid, parts, [str(dem)], tmp_path / "tiles")
    b = run_align(tmp_path, grid, [str(tmp_path / "merged.tif")], [str(dem)], tmp_path / "merged")
    for key in ("landcover", "fractions", "dem"):
        with rasterio.open(a[key]) as ra, rasterio.open(b[key]) as rb:
            assert np.array_equal(ra.read(), rb.read()), key
            assert ra.tags()["aggregation"] == rb.tags()["aggregation"]
    with rasterio.open(a["fractions"]) as src:
        fractions = src.read().astype(np.float64)
        assert src.tags()["aggregation"] == "class fractions (exact block count)"
        assert src.descriptions[0] == "fraction_10"
    with rasterio.open(a["landcover"]) as src:
        mode = src.read(1)
        assert "mode of the class fractions" in src.tags()["aggregation"]
    with rasterio.open(a["dem"]) as src:
        assert src.tags()["aggregation"] == "average (GDAL warp)"
        # the mean of each 25 x 25 block of 10 m elevations
        blocks = np.arange(codes.size, dtype=np.float64).reshape(codes.shape)
        means = blocks.reshape(8, 25, 10, 25).mean(axis=(1, 3))
        np.testing.assert_allclose(src.read(1), means, rtol=1e-6)
    np.testing.assert_allclose(fractions.sum(axis=0), 1.0, atol=1e-6)
    counts = (codes.reshape(8, 25, 10, 25) == 10).sum(axis=(1, 3)) / 625
    np.testing.assert_allclose(fractions[0], counts, atol=1e-7)  # float32 on disk
    assert (
        mode[0, 0]
        == align.fractions_mode(fractions[:, :1, :1], list(covariates.WORLDCOVER_CLASSES))[0, 0]
    )


def test_warped_tiles_fill_each_other(tmp_path, grids):
    grid, grid10 = grids
    codes = landcover_codes(grid10)
    parts = tiles(tmp_path, grid10, codes)
    with (
        io.warp_to_grid(parts, grid, categorical=True) as mosaic,
        io.warp_to_grid(tmp_path / "merged.tif", grid, categorical=True) as whole,
    ):
        assert np.array_equal(mosaic.read(1), whole.read(1))
        assert mosaic.resampling == "nearest"
    with io.warp_to_grid(str(tmp_path / "ESA_WorldCover_10m_2021_v200_*.tif"), grid,
                         categorical=True) as globbed:  # fmt: skip
        assert np.array_equal(globbed.read(1), whole_nearest(tmp_path, grid))


def whole_nearest(tmp_path, grid):
    with io.warp_to_grid(tmp_path / "merged.tif", grid, categorical=True) as whole:
        return whole.read(1)


def test_a_missing_tile_is_reported_with_its_share(tmp_path, grids, caplog):
    grid, grid10 = grids
    west, _ = tiles(tmp_path, grid10, landcover_codes(grid10))
    share, missing = raster_coverage([west], grid.bounds, grid.crs)
    assert share == pytest.approx(0.5, abs=1e-9)
    assert missing.bounds == pytest.approx((601_250, 4_700_000, 602_500, 4_702_000))
    with pytest.raises(InputError, match=r"inputs.landcover: .* leave 50.0 % of the study area "
                       r"uncovered \(lon 130\.\d+ to 130\.\d+, lat 42\.4\d+ to 42\.4\d+\)"):  # fmt: skip
        check_coverage([west], grid, "inputs.landcover", "error")
    with caplog.at_level("WARNING"):
        assert check_coverage([west], grid, "inputs.landcover", "warn") == pytest.approx(0.5)
    assert "50.0 % of the study area uncovered" in caplog.text
    (tmp_path / "out").mkdir()
    with pytest.raises(SystemExit):  # the rule script's clean failure on a bad input
        run_align(tmp_path, grid, [west], [west], tmp_path / "out")
    assert (
        "bad input: inputs.landcover: the files (1) leave 50.0 %"
        in (tmp_path / "align_rasters.log").read_text()
    )
    assert not (tmp_path / "out" / "landcover.tif").exists()


# ------------------------------------------------------------- class fractions
def direct_count(codes, k, classes, nodata=0):
    """Class fractions of k x k blocks counted cell by cell (the reference)."""
    h, w = codes.shape[0] // k, codes.shape[1] // k
    out = np.full((len(classes), h, w), np.nan)
    for i in range(h):
        for j in range(w):
            block = codes[i * k : (i + 1) * k, j * k : (j + 1) * k].ravel().tolist()
            valid = sum(1 for v in block if v != nodata)
            for c, cls in enumerate(classes):
                if valid:
                    out[c, i, j] = sum(1 for v in block if v == cls) / valid
    return out


def test_class_fractions_10m_to_250m_agree_with_a_direct_count(grids):
    grid, grid10 = grids
    codes = landcover_codes(grid10, seed=3)
    codes[:30, :40] = 0  # no data in part of a block, and a whole block without data
    codes[:25, 50:75] = 0
    classes = list(covariates.WORLDCOVER_CLASSES)
    got = align.class_fractions(codes, grid10.transform, grid10.crs, grid, classes, nodata=0)
    want = direct_count(codes, 25, classes)
    assert np.array_equal(np.isnan(got), np.isnan(want)) and np.isnan(got[:, 0, 2]).all()
    assert np.nanmax(np.abs(got - want)) < 1e-9
    mode = align.fractions_mode(got, classes)
    assert mode[0, 2] == 0 and set(np.unique(mode)) <= {0, *classes}
    # the area-weighted path (GDAL average) on the same blocks agrees too
    counts, valid = align._warped_counts(codes, grid10.transform, grid10.crs, grid, classes, 0)
    with np.errstate(invalid="ignore"):
        warped = counts / valid
    assert np.nanmax(np.abs(warped - want)) < 1e-9


def test_class_fractions_area_weighted_when_grids_do_not_line_up(grids):
    """Source shifted by half a 10 m cell: partial cells weigh by their area inside."""
    grid, grid10 = grids
    codes = np.zeros((240, 300), np.uint8)
    codes[:, ::2] = 10
    codes[:, 1::2] = 20  # alternate columns: every 250 m cell is 12.5 + 12.5 columns
    src = Affine(10, 0, 600_000 - 205, 0, -10, 4_702_000 + 200)  # covers the grid, shifted 5 m
    assert align._block_layout(src, grid.crs, grid) is None
    got = align.class_fractions(codes, src, grid.crs, grid, [10, 20], nodata=0)
    np.testing.assert_allclose(got, 0.5, atol=1e-9)


# ---------------------------------------------------------------- forest loss
def test_lossyear_gives_the_logging_covariates_of_the_equivalent_polygons(tmp_path, small_grid):
    """Hansen lossyear at 20 m (0 = none, n = 2000 + n) over two cutblocks of whole
    100 m cells, and the same cutblocks as polygons: the same logging covariates."""
    fine = Grid.from_bounds(small_grid.crs, small_grid.bounds, 20)
    lossyear = np.zeros(fine.shape, np.uint8)
    lossyear[0:50, 0:50] = 12  # 10 x 10 cells, 2012
    lossyear[100:150, 150:200] = 21  # 10 x 10 cells, 2021
    lossyear[100:103, 150:153] = 19  # an older corner of a cell: its latest year wins
    lossyear[190:193, 240:243] = 5  # 3 x 3 pixels of one 5 x 5 cell: 36 % < 50 %, not cut
    io.write_raster(tmp_path / "Hansen_GFC-2023-v1.11_lossyear_50N_130E.tif", lossyear, fine,
                    nodata=None, descriptions="lossyear")  # fmt: skip
    x0, _, _, y1 = small_grid.bounds
    polygons = gpd.GeoDataFrame(
        {"year": [2012, 2021]},
        geometry=[box(x0, y1 - 1000, x0 + 1000, y1),
                  box(x0 + 3000, y1 - 3000, x0 + 4000, y1 - 2000)],
        crs=small_grid.crs,
    )  # fmt: skip
    io.write_vector(polygons, tmp_path / "cutblocks.gpkg")
    (tmp_path / "loss").mkdir(), (tmp_path / "poly").mkdir()
    roads = tmp_path / "roads.gpkg"
    io.write_vector(gpd.GeoDataFrame({"highway": ["track"]}, geometry=[LineString(
        [(x0 + 50, y1 - 50), (x0 + 4950, y1 - 50)])], crs=small_grid.crs), roads)  # fmt: skip
    a = run_prepare_vectors(tmp_path, small_grid, roads, tmp_path / "loss",
                            forest_loss=[tmp_path / "Hansen_GFC-2023-v1.11_lossyear_50N_130E.tif"])  # fmt: skip
    b = run_prepare_vectors(tmp_path, small_grid, roads, tmp_path / "poly",
                            logging=[tmp_path / "cutblocks.gpkg"])  # fmt: skip
    la, lb = io.read_vector(a["logging"]), io.read_vector(b["logging"])
    assert sorted(la["year"]) == [2012, 2021] and la["area_ha"].sum() == pytest.approx(200)
    years = [covariates.last_cut_year(g, small_grid) for g in (la, lb)]
    assert np.array_equal(*years) and (years[0] > 0).sum() == 200
    valid = np.ones(small_grid.shape, bool)
    empty = gpd.GeoDataFrame({"status": [], "group": []}, geometry=[], crs=small_grid.crs)
    stacks = [
        covariates.compute_covariates(
            np.full(small_grid.shape, 10, np.uint8),
            np.zeros(small_grid.shape),
            empty,
            empty,
            blocks,
            valid,
            small_grid,
            road_groups=[],
            reference_year=2025,
        )[0]  # fmt: skip
        for blocks in (la, lb)
    ]
    np.testing.assert_array_equal(stacks[0], stacks[1])


def test_forest_loss_on_grid_year_and_fraction(small_grid):
    fine = Grid.from_bounds(small_grid.crs, small_grid.bounds, 20)
    lossyear = np.zeros(fine.shape, np.uint8)
    lossyear[0:5, 0:3] = 4  # 15 of 25 pixels in cell (0, 0)
    lossyear[0, 3] = 9  # one more, later
    year, fraction = align.forest_loss_on_grid(lossyear, fine.transform, fine.crs, small_grid)
    assert year[0, 0] == 2009 and fraction[0, 0] == pytest.approx(16 / 25, abs=1e-12)
    assert year[0, 1] == 0 and fraction[0, 1] == 0
    blocks = vectors.loss_cutblocks(year, fraction, small_grid, min_fraction=0.5)
    assert blocks["year"].tolist() == [2009] and blocks["loss_fraction"].tolist() == [0.64]


# ------------------------------------------------------------------- Camtrap DP
DEPLOYMENTS = """deploymentID,locationID,latitude,longitude,deploymentStart,deploymentEnd
dep1,loc1,43.1,131.2,2021-03-01T10:00:00+08:00,2021-03-31T10:00:00+08:00
dep2,loc2,43.2,131.3,2021-04-01T00:00:00Z,2021-04-16T12:00:00Z
dep3,loc3,43.3,131.4,2021-05-01T00:00:00Z,2021-05-11T00:00:00Z
"""
OBSERVATIONS = """observationID,deploymentID,mediaID,eventStart,observationLevel,observationType,scientificName,count
o1,dep1,,2021-03-05T03:10:00+08:00,event,animal,Panthera pardus orientalis,1
o2,dep1,m7,2021-03-05T03:10:00+08:00,media,animal,Panthera pardus orientalis,1
o3,dep2,,2021-04-02T22:00:00Z,event,animal,Panthera tigris altaica,
o4,dep2,,2021-04-03T22:00:00Z,event,human,Homo sapiens,2
o5,dep2,,2021-04-04T22:00:00Z,event,blank,,
"""
STATIONS_CSV = """station,lon,lat,trap_nights,start,end
dep1,131.2,43.1,30,2021-03-01,2021-03-31
dep2,131.3,43.2,15.5,2021-04-01,2021-04-16
dep3,131.4,43.3,10,2021-05-01,2021-05-11
"""
DETECTIONS_CSV = """station,date,species,count
dep1,2021-03-05,Panthera pardus orientalis,1
dep2,2021-04-02,Panthera tigris altaica,1
dep3,2021-05-02,Panthera pardus orientalis,0
"""


def write_camtrap_dp(folder):
    folder.mkdir()
    (folder / "deployments.csv").write_text(DEPLOYMENTS)
    (folder / "observations.csv").write_text(OBSERVATIONS)
    (folder / "media.csv").write_text("mediaID,deploymentID\nm7,dep1\n")
    package = {
        "profile": "https://raw.githubusercontent.com/tdwg/camtrap-dp/1.0/camtrap-dp-profile.json",
        "name": "test-package",
        "resources": [
            {"name": n, "path": f"{n}.csv", "profile": "tabular-data-resource"}
            for n in ("deployments", "media", "observations")
        ],
    }
    (folder / "datapackage.json").write_text(json.dumps(package))
    return folder / "datapackage.json"


def test_camtrap_dp_gives_the_station_table_of_the_equivalent_csvs(tmp_path):
    package = write_camtrap_dp(tmp_path / "pkg")
    assert occurrences.detect_format(package) == "camtrap_dp"
    raw, fmt = occurrences.read_occurrences(package)
    records, stations = sightings.records_and_stations(raw, fmt, package)
    (tmp_path / "stations.csv").write_text(STATIONS_CSV)
    (tmp_path / "detections.csv").write_text(DETECTIONS_CSV)
    csv_stations = sightings.validate_stations(
        tables.read_table(tmp_path / "stations.csv", text=True), tmp_path / "stations.csv"
    )
    csv_records = sightings.records_from_table(
        tables.read_table(tmp_path / "detections.csv", text=True), "camera_trap",
        tmp_path / "detections.csv", csv_stations,
    )  # fmt: skip
    pd.testing.assert_frame_equal(stations, csv_stations)
    cols = ["species", "x", "y", "date", "source", "uncertainty_m", "station"]
    pd.testing.assert_frame_equal(records[cols], csv_records[cols])
    # the station without detections stays as effort; the media-level copy and the
    # human and blank observations are left out
    assert len(records) == 2 and "dep3" in set(stations["station"])


def test_camtrap_dp_problems_are_named(tmp_path):
    package = write_camtrap_dp(tmp_path / "pkg")
    (tmp_path / "pkg" / "deployments.csv").write_text(
        DEPLOYMENTS.replace("2021-05-11T00:00:00Z", "2021-04-11T00:00:00Z")
    )
    raw, fmt = occurrences.read_occurrences(package)
    with pytest.raises(InputError, match=r"deployments.csv: .*end before start at line\(s\) 4"):
        sightings.records_and_stations(raw, fmt, package)
    descriptor = json.loads(package.read_text())
    descriptor["resources"] = descriptor["resources"][:2]
    package.write_text(json.dumps(descriptor))
    with pytest.raises(InputError, match="no resource 'observations'"):
        occurrences.read_occurrences(package, "camtrap_dp")


# ------------------------------------------------------------------------ GBIF
GBIF_HEADER = ["gbifID", "species", "decimalLatitude", "decimalLongitude",
               "coordinateUncertaintyInMeters", "eventDate", "basisOfRecord", "occurrenceStatus",
               "dataGeneralizations"]  # fmt: skip
GBIF_ROWS = [
    ["1", "Panthera pardus", "43.10", "131.20", "30", "2019-05-03", "HUMAN_OBSERVATION", "PRESENT", ""],
    ["2", "Panthera pardus", "43.12", "131.22", "30", "2019-05-03", "HUMAN_OBSERVATION", "ABSENT", ""],
    ["3", "Panthera pardus", "43.14", "131.24", "30", "2019-05-03", "FOSSIL_SPECIMEN", "PRESENT", ""],
    ["4", "Panthera pardus", "43.16", "131.26", "30", "2019-05-03", "LIVING_SPECIMEN", "PRESENT", ""],
    ["5", "Panthera pardus", "43.18", "131.28", "5000", "2019-05-03", "HUMAN_OBSERVATION", "PRESENT", ""],
    ["6", "Panthera pardus", "43.20", "131.30", "30", "2019-05-03", "HUMAN_OBSERVATION", "PRESENT",
     "Coordinates generalised to 0.1 degree"],
    ["7", "Panthera tigris", "43.22", "131.32", "30", "2019-05-03", "HUMAN_OBSERVATION", "ABSENT", ""],
]  # fmt: skip


def test_gbif_absent_fossil_living_imprecise_and_generalised_records_dropped(tmp_path):
    path = tmp_path / "0001234-241024112534372.csv"
    path.write_text("\n".join("\t".join(r) for r in [GBIF_HEADER, *GBIF_ROWS]) + "\n")
    raw, fmt = occurrences.read_occurrences(path)
    records, _ = sightings.records_and_stations(raw, fmt, path)
    grid = Grid.from_lonlat_box("EPSG:32652", (131.0, 43.0, 131.5, 43.4), 500)
    presences, audit = sightings.clean_sightings(
        records, "Panthera pardus", [], grid, None, max_uncertainty_m=2000, date_min=None
    )
    dropped = dict(zip(audit["step"], audit["dropped"], strict=True))
    assert dropped["occurrence_status"] == 1  # the ABSENT record
    assert dropped["basis_of_record"] == 2  # the fossil and the zoo animal
    assert dropped["data_generalizations"] == 1
    assert dropped["uncertainty"] == 1  # coordinateUncertaintyInMeters 5000 > 2000
    assert len(presences) == 1
    reasons = dict(zip(audit["step"], audit["reason"], strict=True))
    assert reasons["basis_of_record"] == "basisOfRecord FOSSIL_SPECIMEN, LIVING_SPECIMEN"
    # the target group of the background leaves them out too (the tiger is ABSENT)
    group = sightings.target_group_points(records, grid, None, max_uncertainty_m=2000)
    assert len(group) == 1
    # a plain CSV has no Darwin Core steps: its audit is as before
    _, kept = sightings.clean_sightings(
        records.drop(columns=list(sightings.DWC_COLUMNS)), "Panthera pardus", [], grid, None
    )
    assert "occurrence_status" not in set(kept["step"])


def test_forest_fraction_from_class_fractions(small_grid):
    """Forest cover as fractions: indicators give the class-centre forest fraction, and a
    uniform half-forest landscape a forest fraction of one half."""
    rng = np.random.default_rng(1)
    landcover = rng.choice(np.array([10, 30], np.uint8), size=small_grid.shape)
    valid = np.ones(small_grid.shape, bool)
    empty = gpd.GeoDataFrame({"status": [], "group": []}, geometry=[], crs=small_grid.crs)
    args = (np.zeros(small_grid.shape), empty, empty, empty, valid, small_grid)

    def forest(**kw):
        return covariates.compute_covariates(landcover, *args, road_groups=[], **kw)[0][0]

    np.testing.assert_allclose(forest(forest_cover=(landcover == 10) * 1.0), forest(), atol=1e-6)
    np.testing.assert_allclose(forest(forest_cover=np.full(small_grid.shape, 0.5)), 0.5, atol=1e-6)


class Wildcards(dict):
    __getattr__ = dict.__getitem__


def test_osm_fences_and_railways_as_pressures(tmp_path, small_grid):
    """inputs.fences as the same OSM extract: barrier=fence, and railway=rail when listed."""
    pbf = write_osm(tmp_path / "extract.osm.pbf", small_grid)
    (tmp_path / "prep").mkdir()
    prepared = run_prepare_vectors(tmp_path, small_grid, pbf, tmp_path / "prep")
    fence_rows = {}
    for railways in ([], ["rail"]):
        out = tmp_path / f"pressures_{len(railways)}.tif"
        snakemake = SimpleNamespace(
            input=SimpleNamespace(roads=prepared["roads"], logging=prepared["logging"],
                                  country=prepared["country"], fences=[str(pbf)], scenario_files=[]),
            output=SimpleNamespace(pressures=str(out)),
            params=SimpleNamespace(changes=[], layers={}, road_classes=ROAD_CLASSES,
                                   reference_year=2025,
                                   osm={"barriers": ["fence"], "railways": railways}),
            log=[str(tmp_path / "pressures.log")], rule="pressures",
            wildcards=Wildcards(scenario="baseline"),
        )  # fmt: skip
        runpy.run_path(str(SCRIPTS / "pressures.py"), init_globals={"snakemake": snakemake})
        with rasterio.open(out) as src:
            fence = src.read(src.descriptions.index("fence") + 1)
        fence_rows[len(railways)] = sorted(set(np.flatnonzero(fence.any(axis=1)).tolist()))
    # the fence at y = 4 702 550 is row 14; the railway at 4 702 950 row 10
    assert fence_rows == {0: [14], 1: [10, 14]}
