"""The input check (rule check_inputs): every broken input stops it with one line, before any work.

Tiny inputs made here (rasters, layers, a sightings CSV on a 2 km grid of the demo area)
are broken one at a time; the rule's script runs in this process (as Snakemake would run
it, with a stand-in ``snakemake`` object), so each case takes well under a second.  Three
tests run ``snakemake check_inputs`` itself: the one-line message last, nothing written,
and the config mistakes caught when the workflow is parsed.
"""

from __future__ import annotations

import os
import re
import runpy
import shutil
import subprocess
import sys
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import rasterio
import shapely
import yaml
from jsonschema import Draft202012Validator
from walkthrough_data import write_osm_pbf

from amurlink.core.errors import InputError, schema_error_line
from amurlink.core.grid import Grid
from amurlink.core.grids import habitat_grid
from amurlink.core.io.config import read_config
from amurlink.core.io.inputs import missing_files, probe_raster
from amurlink.core.io.rasters import check_coverage
from amurlink.prepare import checks

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "workflow" / "scripts" / "check_inputs.py"
SCHEMA = ROOT / "workflow" / "schemas" / "config.schema.yaml"
BBOX = [130.3, 42.4, 131.9, 43.9]
STUDY_AREA = {"crs": "EPSG:32652", "resolution": 2000, "bbox_lonlat": BBOX}


class Namespace(dict):
    """Attribute and key access, as Snakemake's input/output/params objects give."""

    __getattr__ = dict.__getitem__


def config() -> dict:
    cfg = read_config(ROOT / "config" / "config.yaml", SCHEMA)
    cfg["study_area"] = dict(STUDY_AREA)
    return cfg


# ------------------------------------------------------------------ tiny inputs
def write_raster(path, grid: Grid, data, nodata, dtype):
    profile = dict(
        driver="GTiff", width=grid.width, height=grid.height, count=1, dtype=dtype,
        crs=grid.crs, transform=grid.transform, nodata=nodata, tiled=True,
        blockxsize=16, blockysize=16, compress="deflate",
    )  # fmt: skip
    with rasterio.open(path, "w", **profile) as dst:
        dst.write(np.asarray(data, dtype=dtype), 1)


@pytest.fixture(scope="module")
def inputs(tmp_path_factory) -> dict[str, str]:
    """Valid inputs over the demo area: rasters on a 2 km grid, layers, sightings."""
    d = tmp_path_factory.mktemp("check_inputs")
    grid = habitat_grid(STUDY_AREA)
    rng = np.random.default_rng(0)
    write_raster(d / "lc.tif", grid, rng.choice([10, 20, 30, 40], grid.shape), 0, "uint8")
    write_raster(d / "dem.tif", grid, rng.uniform(0, 900, grid.shape), -9999, "float32")
    west, east = shapely.box(129, 42, 131.1, 45), shapely.box(131.1, 42, 133, 45)
    gpd.GeoDataFrame(
        {"iso_a3": ["CHN", "RUS"], "name": ["China", "Russia"]}, geometry=[west, east], crs=4326
    ).to_file(d / "countries.gpkg", layer="countries")
    lines = [shapely.LineString([(130.4, 43.0 + i / 10), (131.8, 43.1 + i / 10)]) for i in range(3)]
    gpd.GeoDataFrame(
        {"highway": ["primary", "track", "proposed"], "proposed": [None, None, "secondary"]},
        geometry=lines, crs=4326,
    ).to_file(d / "roads.gpkg")  # fmt: skip
    blocks = [shapely.box(130.5 + i / 10, 43.2, 130.55 + i / 10, 43.25) for i in range(3)]
    gpd.GeoDataFrame({"year": [2005, 2012, 2020]}, geometry=blocks, crs=4326).to_file(
        d / "logging.gpkg"
    )
    towns = [shapely.Point(130.9, 42.9), shapely.Point(131.5, 43.5)]
    gpd.GeoDataFrame({"population": [9000, 500]}, geometry=towns, crs=4326).to_file(
        d / "settlements.gpkg"
    )
    n = 40
    pd.DataFrame(
        {
            "species": ["Panthera pardus orientalis"] * n + ["Panthera tigris altaica"] * n,
            "lon": rng.uniform(130.5, 131.7, 2 * n).round(5),
            "lat": rng.uniform(42.6, 43.7, 2 * n).round(5),
            "date": ["2015-06-01"] * (2 * n),
            "source": ["camera_trap"] * (2 * n),
            "uncertainty_m": [50] * (2 * n),
        }
    ).to_csv(d / "sightings.csv", index=False)
    names = ("landcover", "dem", "countries", "roads", "logging", "settlements", "sightings")
    files = ("lc.tif", "dem.tif", "countries.gpkg", "roads.gpkg", "logging.gpkg",
             "settlements.gpkg", "sightings.csv")  # fmt: skip
    return {k: str(d / f) for k, f in zip(names, files, strict=True)}


def run_check(tmp_path, inputs, cfg=None, stations=(), fences=(), **overrides):
    """Run the rule's script on ``inputs`` (with ``overrides``): (exit code, stderr, outputs).

    The inputs are given as Snakemake gives them from rules/check.smk: land cover, DEM,
    forest loss, roads and fences as lists of files (``input_files``), logging and
    stations as lists of none or one (``optional_input``).
    """
    cfg = cfg or config()
    tmp_path.mkdir(parents=True, exist_ok=True)
    out = tmp_path / "results" / "checks"
    given = {**inputs, **overrides}
    for key in ("landcover", "dem", "forest_loss", "logging", "roads"):
        value = given.get(key) or []
        given[key] = [str(value)] if isinstance(value, str | os.PathLike) else list(map(str, value))
    job = Namespace(
        input=Namespace(given, stations=list(stations), fences=[str(f) for f in fences]),
        output=Namespace(ok=str(out / "inputs.ok"), report=str(out / "inputs_report.txt")),
        params=Namespace(
            study_area=cfg["study_area"],
            connectivity_resolution_m=cfg["connectivity"]["resolution_m"],
            omniscape_resolution_m=cfg["connectivity"]["omniscape"]["resolution_m"],
            road_classes=cfg["covariates"]["road_classes"],
            reference_year=cfg["covariates"]["reference_year"],
            layers=cfg["inputs"].get("layers", {}),
            osm=cfg["inputs"].get("osm", {}),
            raster_settings={
                k: cfg["inputs"][k]
                for k in ("coverage", "landcover_aggregation", "forest_loss_year_offset")
                if k in cfg["inputs"]
            },
            species={
                k: {"name": v["name"], "synonyms": v["synonyms"]} for k, v in cfg["species"].items()
            },
            filters=cfg["sightings"],
            sightings_format=cfg["inputs"].get("sightings_format", "auto"),
            scenarios=cfg["scenarios"],
        ),  # fmt: skip
        log=[str(tmp_path / "check_inputs.log")],
        rule="check_inputs",
        wildcards={},
    )
    code = 0
    try:
        runpy.run_path(str(SCRIPT), init_globals={"snakemake": job}, run_name="check")
    except SystemExit as stop:
        code = stop.code
    written = sorted(p.name for p in out.glob("*")) if out.exists() else []
    return code, Path(job.log[0]).read_text(), written


def assert_stops(result, *fragments):
    """The check failed with one ``bad input`` line holding ``fragments``, and wrote nothing."""
    code, log, written = result
    assert code == 1
    lines = [line for line in log.splitlines() if "bad input:" in line]
    assert len(lines) == 1, log
    assert "Traceback" not in log
    for fragment in fragments:
        assert fragment in lines[0], lines[0]
    assert written == [], written


def sightings_variant(inputs, tmp_path, change) -> str:
    df = pd.read_csv(inputs["sightings"], dtype=str)
    path = tmp_path / "bad_sightings.csv"
    change(df).to_csv(path, index=False)
    return str(path)


# ------------------------------------------------------------------ the script
def test_valid_inputs_pass_with_a_report(tmp_path, inputs):
    code, log, written = run_check(tmp_path, inputs)
    assert code == 0, log
    assert written == ["inputs.ok", "inputs_report.txt"]
    report = (tmp_path / "results/checks/inputs_report.txt").read_text()
    assert "passed" in report and "leopard: 80 records read, 40 of" in report
    assert "roads.gpkg: 3 features in the study area (1 proposed)" in report
    assert "classes [10, 20, 30, 40]" in report


def test_swapped_lon_lat_are_named(tmp_path, inputs):
    bad = sightings_variant(inputs, tmp_path, lambda df: df.rename(columns={"lon": "lat", "lat": "lon"}))  # fmt: skip
    assert_stops(run_check(tmp_path, inputs, sightings=bad), "bad_sightings.csv", "'lon' and 'lat' look swapped")  # fmt: skip


def test_sightings_all_outside_are_refused(tmp_path, inputs):
    bad = sightings_variant(inputs, tmp_path, lambda df: df.assign(lon=df.lon.astype(float) + 20))
    assert_stops(run_check(tmp_path, inputs, sightings=bad), "bad_sightings.csv", "inside the study area")  # fmt: skip


def test_missing_column_is_named(tmp_path, inputs):
    bad = sightings_variant(inputs, tmp_path, lambda df: df.drop(columns="date"))
    assert_stops(run_check(tmp_path, inputs, sightings=bad), "bad_sightings.csv", "missing column(s) 'date'")  # fmt: skip


def test_non_numeric_column_is_named(tmp_path, inputs):
    def change(df):
        df.loc[3, "uncertainty_m"] = "about 50"
        return df

    bad = sightings_variant(inputs, tmp_path, change)
    assert_stops(run_check(tmp_path, inputs, sightings=bad), "column 'uncertainty_m'", "line(s) 5")


def test_bad_dates_are_named(tmp_path, inputs):
    def change(df):
        df.loc[0, "date"] = "31/06/2015"
        return df

    bad = sightings_variant(inputs, tmp_path, change)
    assert_stops(run_check(tmp_path, inputs, sightings=bad), "column 'date'", "unparseable dates", "line(s) 2")  # fmt: skip


def test_species_left_without_records_after_the_filters(tmp_path, inputs):
    cfg = config()
    cfg["sightings"]["date_min"] = "2020-01-01"  # every sighting is from 2015
    assert_stops(run_check(tmp_path, inputs, cfg=cfg), "no sightings of Panthera pardus orientalis left", "(species leopard)")  # fmt: skip


def test_truncated_geotiff_is_named(tmp_path, inputs):
    data = Path(inputs["landcover"]).read_bytes()
    bad = tmp_path / "lc_truncated.tif"
    bad.write_bytes(data[: len(data) * 2 // 3])
    assert_stops(run_check(tmp_path, inputs, landcover=str(bad)), "lc_truncated.tif", "truncated or corrupt")  # fmt: skip


def bow_tie(x0, y0, d=0.05):
    return shapely.Polygon([(x0, y0), (x0 + d, y0 + d), (x0 + d, y0), (x0, y0 + d)])


def test_self_intersecting_cutblock_is_repaired_with_a_warning(tmp_path, inputs):
    blocks = gpd.read_file(inputs["logging"])
    blocks.loc[1, "geometry"] = bow_tie(130.7, 43.3)
    path = tmp_path / "bowtie.gpkg"
    blocks.to_file(path)
    code, log, written = run_check(tmp_path, inputs, logging=str(path))
    assert code == 0, log
    report = (tmp_path / "results/checks/inputs_report.txt").read_text()
    assert "bowtie.gpkg: 1 invalid geometry repaired with make_valid: row 1 (Self-intersection" in report  # fmt: skip


def test_cutblock_without_area_is_named(tmp_path, inputs):
    blocks = gpd.read_file(inputs["logging"])
    blocks.loc[2, "geometry"] = shapely.Polygon([(130.5, 43.25), (130.75, 43.5), (131.0, 43.75)])
    path = tmp_path / "flat.gpkg"
    blocks.to_file(path)
    assert_stops(run_check(tmp_path, inputs, logging=str(path)), "flat.gpkg", "row(s) [2]", "make_valid cannot repair")  # fmt: skip


def test_empty_roads_layer_warns_what_the_run_will_lack(tmp_path, inputs):
    path = tmp_path / "no_roads.gpkg"
    gpd.read_file(inputs["roads"]).iloc[:0].to_file(path)
    no_scenarios = {**config(), "scenarios": {}}
    code, log, written = run_check(tmp_path, inputs, cfg=no_scenarios, roads=str(path))
    assert code == 0, log
    report = (tmp_path / "results/checks/inputs_report.txt").read_text()
    assert "no_roads.gpkg: no roads feature inside the study area; the run will have no distance-to-road" in report  # fmt: skip
    assert "WARNING" in log and "no road penalty in resistance" in log
    # the shipped scenario builds the proposed roads: none is an error of rule pressures,
    # which the check applies each scenario as
    code, log, written = run_check(tmp_path / "with", inputs, roads=str(path))
    assert (
        code != 0 and "scenario 'proposed_road', change 1 (build_proposed): no proposed road" in log
    )
    assert not written


def test_file_keys_are_the_inputs_the_schema_gives_as_paths():
    from amurlink.core.io.inputs import FILE_KEYS

    inputs = yaml.safe_load(SCHEMA.read_text())["properties"]["inputs"]["properties"]
    paths = {k for k, v in inputs.items() if "string" in v["type"] and "enum" not in v}
    assert set(FILE_KEYS) == paths


def test_missing_scenario_file_and_input_are_named():
    assert missing_files([("inputs.dem", "nowhere/dem.tif"), ("inputs.sightings_format", "csv")]) == [("inputs.dem", "nowhere/dem.tif")]  # fmt: skip
    assert missing_files([("scenarios.x", [str(SCRIPT), "gone.gpkg"])]) == [("scenarios.x", "gone.gpkg")]  # fmt: skip


# ------------------------------------------------------------------ the pure checks
@pytest.mark.parametrize(
    ("box", "fragment"),
    [
        ([131.9, 42.4, 130.3, 43.9], "lon_min 131.9 is not below lon_max 130.3"),
        ([130.3, 43.9, 131.9, 42.4], "lat_min 43.9 is not below lat_max 42.4"),
        ([42.4, 130.3, 43.9, 131.9], "out of range"),
    ],
)
def test_inverted_or_swapped_bbox_is_named(box, fragment):
    with pytest.raises(InputError, match=fragment):
        checks.check_bbox({"bbox_lonlat": box})


def test_bounds_order_is_checked_and_wins_over_the_bbox():
    with pytest.raises(InputError, match="study_area.bounds"):
        checks.check_bbox({"bounds": [10, 0, 0, 10], "bbox_lonlat": BBOX})
    checks.check_bbox({"bounds": [0, 0, 10, 10], "bbox_lonlat": [1, 1, 0, 0]})


def test_rounded_resolutions_are_said():
    cfg = {"study_area": {"resolution": 30},
           "connectivity": {"resolution_m": 240, "omniscape": {"resolution_m": 1000}}}  # fmt: skip
    (warning,) = checks.check_resolutions(cfg)
    assert (
        "omniscape.resolution_m: 1000 m is not a whole multiple" in warning and "960 m" in warning
    )
    cfg["connectivity"]["resolution_m"] = 20
    first = checks.check_resolutions(cfg)[0]
    assert "connectivity.resolution_m: 20 m" in first and "30 m (1 x 1 cells) is used" in first


def test_scenario_change_without_its_file_is_named():
    scenarios = {"dam": {"changes": [{"kind": "build_proposed"}, {"kind": "new_road", "highway": "primary"}]}}  # fmt: skip
    with pytest.raises(InputError, match=r"scenarios.dam.changes\[1\] \(new_road\): missing file"):
        checks.check_scenarios(scenarios)


def test_repair_keeps_the_area_of_a_bow_tie():
    gdf = gpd.GeoDataFrame(geometry=[bow_tie(0, 0, 2)], crs=32652)
    fixed, (warning,) = checks.repair_geometries(gdf, "x.gpkg", polygons=True)
    # two triangles of a 2 x 2 bow tie: 2 x (1/2 x 2 x 1) = 2
    assert fixed.geometry[0].is_valid and fixed.geometry[0].area == pytest.approx(2.0)
    assert "x.gpkg: 1 invalid geometry repaired" in warning


def test_half_covered_area_warns_with_its_share_and_no_cover_stops_in_either_mode(tmp_path):
    grid = Grid.from_bounds("EPSG:32652", (0, 0, 100, 100), 10)
    half = Grid.from_bounds("EPSG:32652", (0, 0, 50, 100), 10)
    away = Grid.from_bounds("EPSG:32652", (500, 500, 600, 600), 10)
    write_raster(tmp_path / "half.tif", half, np.full(half.shape, 10), 0, "uint8")
    write_raster(tmp_path / "away.tif", away, np.full(away.shape, 10), 0, "uint8")
    warnings = []
    share = check_coverage([str(tmp_path / "half.tif")], grid, "inputs.landcover", "warn",
                           warnings=warnings)  # fmt: skip
    assert share == pytest.approx(0.5)
    (warning,) = warnings
    assert "inputs.landcover: the files (1) leave 50.0 % of the study area uncovered" in warning
    for mode in ("warn", "error"):
        with pytest.raises(InputError, match="do not cover the study area at all"):
            check_coverage([str(tmp_path / "away.tif")], grid, "inputs.landcover", mode)


def test_probe_counts_cells_and_codes_over_the_area(tmp_path):
    grid = Grid.from_bounds("EPSG:32652", (600_000, 4_700_000, 600_640, 4_700_640), 10)
    data = np.zeros(grid.shape, "uint8")
    data[:32] = 10
    data[32:, :16] = 80  # the rest no-data (0)
    write_raster(tmp_path / "lc.tif", grid, data, 0, "uint8")
    probe = probe_raster(tmp_path / "lc.tif", grid, categorical=True)
    assert (probe.cells, probe.nodata_cells, probe.codes) == (64 * 64, 32 * 48, [10, 80])


def schema_error(cfg):
    schema = yaml.safe_load(SCHEMA.read_text())
    return schema_error_line(next(iter(Draft202012Validator(schema).iter_errors(cfg))))


def test_schema_errors_are_one_line_naming_the_key_and_the_allowed_values():
    cfg = config()
    cfg["habitat"]["backgroud_points"] = 10
    line = schema_error(cfg)
    assert "\n" not in line and len(line) < 600
    assert "unknown key habitat.backgroud_points (did you mean 'background_points'?)" in line
    assert "allowed in habitat: " in line and "cv_folds" in line
    cfg = config()
    cfg["inputs"]["sightings_format"] = "excel"
    line = schema_error(cfg)
    assert line.startswith("config inputs.sightings_format: 'excel' is not allowed; allowed values: 'auto', 'csv'")  # fmt: skip


# ------------------------------------------------------------------ snakemake itself
def snakemake(workdir: Path, *args: str, cfg: dict):
    (workdir / "config").mkdir(exist_ok=True)
    shutil.copy(ROOT / "config" / "config.yaml", workdir / "config" / "config.yaml")
    (workdir / "override.yaml").write_text(yaml.safe_dump(cfg))
    cmd = [sys.executable, "-m", "snakemake", "-s", str(ROOT / "Snakefile"), "-d", str(workdir),
           "--configfile", str(workdir / "override.yaml"), "--cores", "1", *args]  # fmt: skip
    return subprocess.run(cmd, capture_output=True, text=True, timeout=300, cwd=workdir)


def real_data_config(inputs, **changes) -> dict:
    cfg = {"demo": {"enabled": False}, "study_area": STUDY_AREA,
           "inputs": {**inputs, "camera_stations": None}}  # fmt: skip
    return {**cfg, **changes}


@pytest.mark.slow
def test_snakemake_check_inputs_stops_with_the_line_at_the_end_and_nothing_written(
    tmp_path, inputs
):
    bad = sightings_variant(inputs, tmp_path, lambda df: df.rename(columns={"lon": "lat", "lat": "lon"}))  # fmt: skip
    res = snakemake(tmp_path, "check_inputs", cfg=real_data_config({**inputs, "sightings": bad}))
    assert res.returncode != 0
    # onerror prints it after the jobs' account; Snakemake's closing summary (4 lines) follows
    tail = res.stderr.strip().splitlines()[-6:]
    ours = [line for line in tail if line.startswith("amurlink: bad input: ")]
    assert len(ours) == 1 and "look swapped" in ours[0], res.stderr[-2000:]
    assert not list((tmp_path / "results" / "checks").glob("*"))
    assert not (tmp_path / "results" / "prepare").exists()


@pytest.mark.parametrize(
    ("changes", "fragment"),
    [
        pytest.param({"study_area": {**STUDY_AREA, "bbox_lonlat": [131.9, 42.4, 130.3, 43.9]}},
         "config study_area.bbox_lonlat: lon_min 131.9 is not below lon_max 130.3", id="bbox"),
        pytest.param({"habitat": {"backgroud_points": 10}},
         "unknown key habitat.backgroud_points (did you mean 'background_points'?)",
         id="typo", marks=pytest.mark.slow),
        pytest.param({"scenarios": {"dam": {"changes": [{"kind": "new_road", "file": "gone.gpkg",
                                             "highway": "primary"}]}}},
         "config scenarios.dam: gone.gpkg: file not found", id="scenario_file",
         marks=pytest.mark.slow),
    ],
)  # fmt: skip
def test_config_mistakes_stop_the_parse_with_one_line(tmp_path, inputs, changes, fragment):
    res = snakemake(tmp_path, "-n", "check_inputs", cfg=real_data_config(inputs, **changes))
    assert res.returncode != 0
    text = res.stdout + res.stderr
    assert fragment in text, text[-2000:]
    assert len(text.strip().splitlines()) <= 8, text  # the line, its place, Snakemake's notes


def test_natural_earth_populated_places_work_as_settlements():
    from amurlink.prepare.vectors import prepare_settlements

    grid = habitat_grid(STUDY_AREA)
    places = gpd.GeoDataFrame(
        {"NAME": ["Hunchun"], "POP_MAX": [250000]},
        geometry=[shapely.Point(130.37, 42.87)],
        crs=4326,
    )
    countries = gpd.GeoDataFrame({"iso_a3": ["CHN"]}, geometry=[shapely.box(0, 0, 1, 1)], crs=32652)
    out = prepare_settlements(places, grid, countries, "ne_10m_populated_places.shp")
    assert list(out["name"]) == ["Hunchun"] and list(out["population"]) == [250000]


# ------------------------------------------------------------------ the walkthrough
@pytest.mark.slow
def test_real_data_walkthrough_on_stand_ins_of_the_downloads(tmp_path):
    """config/README.md's walkthrough: the downloads (stand-ins) unchanged, check_inputs."""
    from walkthrough_data import make_downloads

    make_downloads(tmp_path / "data")
    (tmp_path / "config").mkdir()
    shutil.copy(ROOT / "config" / "config.yaml", tmp_path / "config" / "config.yaml")
    cmd = [sys.executable, "-m", "snakemake", "-s", str(ROOT / "Snakefile"), "-d", str(tmp_path),
           "--configfile", str(ROOT / "config" / "amur_real.yaml"), "--cores", "1", "check_inputs"]  # fmt: skip
    res = subprocess.run(cmd, cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr[-3000:]
    report = (tmp_path / "results" / "checks" / "inputs_report.txt").read_text()
    print(report)
    assert "countries: data/ne_10m_admin_0_countries.shp: CHN, RUS" in report
    assert "classes [10, 20, 30, 40, 50, 80, 90]" in report
    # both extracts, *_link to its parent, service to track, footway left out; the
    # construction and proposed ways as planned roads
    assert "far-eastern-fed-district-latest.osm.pbf, data/china-latest.osm.pbf: " in report
    assert "(2 proposed)" in report and "warnings: none" in report
    assert "Hansen_GFC-2023-v1.11_lossyear_50N_130E.tif" in report
    assert re.search(r"leopard: \d+ records read, \d+ of Panthera pardus orientalis", report)


# ------------------------------------------------- the readers' input kinds (issue 13)
def split_tiles(tmp_path, path, grid, name="lc", dtype="uint8", nodata=0):
    """The raster at ``path`` (on ``grid``) as a west and an east tile."""
    from rasterio.windows import Window

    with rasterio.open(path) as src:
        data = src.read(1)
    half = grid.width // 2
    tiles = []
    for side, window in (("W", Window(0, 0, half, grid.height)),
                         ("E", Window(half, 0, grid.width - half, grid.height))):  # fmt: skip
        tile = tmp_path / f"{name}_{side}.tif"
        cols = slice(window.col_off, window.col_off + window.width)
        write_raster(tile, grid.window_grid(window), data[:, cols], nodata, dtype)
        tiles.append(str(tile))
    return tiles


def test_landcover_and_dem_as_tiles_pass_and_one_corrupt_tile_is_named(tmp_path, inputs):
    grid = habitat_grid(STUDY_AREA)
    lc = split_tiles(tmp_path, inputs["landcover"], grid)
    dem = split_tiles(tmp_path, inputs["dem"], grid, "dem", "float32", -9999)
    code, log, _ = run_check(tmp_path, inputs, landcover=lc, dem=dem)
    assert code == 0, log
    report = (tmp_path / "results/checks/inputs_report.txt").read_text()
    assert "landcover: 2 file(s) cover 100.0 % of the study area" in report
    assert "lc_E.tif" in report and "dem: 2 file(s) cover 100.0 %" in report
    east = Path(lc[1])
    east.write_bytes(east.read_bytes()[: east.stat().st_size * 2 // 3])
    assert_stops(
        run_check(tmp_path / "2", inputs, landcover=lc), "lc_E.tif", "truncated or corrupt"
    )


def test_a_tile_missing_from_the_area_stops_or_warns_as_inputs_coverage_says(tmp_path, inputs):
    grid = habitat_grid(STUDY_AREA)
    west = split_tiles(tmp_path, inputs["landcover"], grid)[:1]
    assert_stops(run_check(tmp_path, inputs, landcover=west), "inputs.landcover", "% of the study area uncovered", "inputs.coverage: warn")  # fmt: skip
    cfg = config()
    cfg["inputs"]["coverage"] = "warn"
    code, log, _ = run_check(tmp_path / "2", inputs, cfg=cfg, landcover=west)
    assert code == 0, log
    report = (tmp_path / "2/results/checks/inputs_report.txt").read_text()
    assert "inputs.landcover: the files (1) leave 5" in report  # about half the area uncovered


def test_forest_loss_tiles_are_checked_and_logging_may_be_left_out(tmp_path, inputs):
    grid = habitat_grid(STUDY_AREA)
    loss = np.zeros(grid.shape, "uint8")
    loss[20:24, 30:34] = 12  # loss in 2012
    write_raster(tmp_path / "lossyear.tif", grid, loss, None, "uint8")
    code, log, _ = run_check(tmp_path, inputs, logging=[], forest_loss=[str(tmp_path / "lossyear.tif")])  # fmt: skip
    assert code == 0, log
    report = (tmp_path / "results/checks/inputs_report.txt").read_text()
    assert "forest_loss: " in report and "classes [0, 12]" in report
    assert "no logging feature" not in report  # the patches are made by prepare_vectors
    loss[0, 0] = 200  # 2000 + 200 is no loss year
    write_raster(tmp_path / "lossyear_bad.tif", grid, loss, None, "uint8")
    assert_stops(run_check(tmp_path / "2", inputs, forest_loss=[str(tmp_path / "lossyear_bad.tif")]), "lossyear_bad.tif", "values [200] are not Hansen lossyear codes")  # fmt: skip


def write_osm(path, ways):
    """A tiny .osm.pbf (osmium's SimpleWriter): ``ways`` are (tags, [(lon, lat), ...])."""
    return str(write_osm_pbf(path, ways))


def test_osm_extract_roads_and_fences_are_read_as_the_stages_read_them(tmp_path, inputs):
    roads = write_osm(tmp_path / "roads.osm.pbf", [
        ({"highway": "primary_link"}, [(130.5, 43.0), (131.5, 43.0)]),
        ({"highway": "construction", "construction": "secondary"}, [(130.5, 43.2), (131.5, 43.2)]),
        ({"highway": "footway"}, [(130.5, 43.4), (131.5, 43.4)]),  # ignored by default
        ({"barrier": "fence"}, [(130.5, 43.6), (131.5, 43.6)]),
    ])  # fmt: skip
    code, log, _ = run_check(tmp_path, inputs, roads=roads, fences=[roads])
    assert code == 0, log
    report = (tmp_path / "results/checks/inputs_report.txt").read_text()
    assert "roads.osm.pbf: 2 features in the study area (1 proposed)" in report
    assert "fences: " in report and "roads.osm.pbf: 1 features in the study area" in report


def test_osm_extract_without_highways_in_the_area_warns_what_the_run_will_lack(tmp_path, inputs):
    path = write_osm(tmp_path / "far.osm.pbf", [
        ({"highway": "primary"}, [(140.0, 50.0), (140.1, 50.0)]),  # far outside the area
        ({"barrier": "fence"}, [(130.5, 43.6), (131.5, 43.6)]),
    ])  # fmt: skip
    code, log, _ = run_check(tmp_path, inputs, cfg={**config(), "scenarios": {}}, roads=path)
    assert code == 0, log
    report = (tmp_path / "results/checks/inputs_report.txt").read_text()
    assert "far.osm.pbf: no roads feature inside the study area; the run will have no distance-to-road" in report  # fmt: skip


CAMTRAP_DEPLOYMENTS = """deploymentID,latitude,longitude,deploymentStart,deploymentEnd
dep1,43.1,131.2,2021-03-01T10:00:00Z,2021-03-31T10:00:00Z
dep2,43.2,131.3,2021-04-01T00:00:00Z,2021-04-16T12:00:00Z
"""
CAMTRAP_OBSERVATIONS = """observationID,deploymentID,eventStart,observationType,scientificName,count
o1,dep1,2021-03-05T03:10:00Z,animal,Panthera pardus orientalis,1
o2,dep2,2021-04-02T22:00:00Z,animal,Panthera tigris altaica,1
o3,dep2,2021-04-03T22:00:00Z,human,Homo sapiens,2
"""


def write_camtrap_dp(folder, deployments=CAMTRAP_DEPLOYMENTS):
    import json

    folder.mkdir()
    (folder / "deployments.csv").write_text(deployments)
    (folder / "observations.csv").write_text(CAMTRAP_OBSERVATIONS)
    (folder / "media.csv").write_text("mediaID,deploymentID\n")
    resources = [{"name": n, "path": f"{n}.csv"} for n in ("deployments", "media", "observations")]
    (folder / "datapackage.json").write_text(json.dumps({"name": "t", "resources": resources}))
    return str(folder / "datapackage.json")


def test_camtrap_dp_package_passes_and_its_problems_are_named(tmp_path, inputs):
    package = write_camtrap_dp(tmp_path / "pkg")
    code, log, _ = run_check(tmp_path, inputs, sightings=package)
    assert code == 0, log
    report = (tmp_path / "results/checks/inputs_report.txt").read_text()
    assert "(camtrap_dp): 2 deployments, 3 observations" in report
    assert "camera stations: the package's deployments: 2 stations" in report
    # stations beside a package: refused, as rule presences refuses them
    stations = tmp_path / "stations.csv"
    stations.write_text(
        "station,lon,lat,trap_nights,start,end\ndep1,131.2,43.1,30,2021-03-01,2021-03-31\n"
    )
    assert_stops(run_check(tmp_path / "2", inputs, sightings=package, stations=[str(stations)]), "stations.csv", "not used with a Camtrap DP package", "remove inputs.camera_stations")  # fmt: skip
    no_end = CAMTRAP_DEPLOYMENTS.replace(",deploymentEnd", "").replace(",2021-03-31T10:00:00Z", "")
    no_end = no_end.replace(",2021-04-16T12:00:00Z", "")
    bad = write_camtrap_dp(tmp_path / "bad", no_end)
    assert_stops(run_check(tmp_path / "3", inputs, sightings=bad), "deployments.csv", "missing column 'deploymentEnd'")  # fmt: skip


def test_darwin_core_filters_are_applied_before_the_species_check(tmp_path, inputs):
    rows = ["gbifID\tspecies\tdecimalLatitude\tdecimalLongitude\teventDate\tbasisOfRecord\toccurrenceStatus"]  # fmt: skip
    for i in range(5):
        rows.append(f"{i}\tPanthera pardus orientalis\t43.{i}\t131.{i}\t2019-05-03\tHUMAN_OBSERVATION\tPRESENT")  # fmt: skip
        rows.append(f"{10 + i}\tPanthera tigris altaica\t43.{i}\t131.{i}\t2019-05-03\tHUMAN_OBSERVATION\tABSENT")  # fmt: skip
    path = tmp_path / "gbif.csv"
    path.write_text("\n".join(rows) + "\n")
    assert_stops(run_check(tmp_path, inputs, sightings=str(path)), "gbif.csv", "Panthera tigris altaica", "(species tiger)")  # fmt: skip
