"""Tests of the synthetic demo region (amurlink.apps.demo) on a coarse 2 km grid."""

from __future__ import annotations

import copy
import hashlib

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
import rasterio
import shapely
import yaml

from amurlink.apps import demo
from amurlink.prepare.covariates import WORLDCOVER_CLASSES

CONFIG = {
    "seed": 7,
    "demo": {"enabled": True, "resolution": 2000},
    "study_area": {
        "crs": "EPSG:32652",
        "resolution": 2000,
        "bbox_lonlat": [130.3, 42.4, 131.9, 43.9],
    },
    "inputs": {
        "landcover": "demo/landcover.tif",
        "dem": "demo/dem.tif",
        "roads": "demo/roads.gpkg",
        "logging": "demo/logging.gpkg",
        "settlements": "demo/settlements.gpkg",
        "countries": "demo/countries.gpkg",
        "sightings": "demo/sightings.csv",
        "camera_stations": "demo/camera_stations.csv",
    },
    "species": {
        "leopard": {
            "name": "Panthera pardus orientalis",
            "synonyms": ["Panthera pardus", "Amur leopard"],
        },
        "tiger": {"name": "Panthera tigris altaica", "synonyms": ["Amur tiger"]},
    },
}


def _config(tmp_path, **changes):
    config = copy.deepcopy(CONFIG)
    config["inputs"] = {k: str(tmp_path / v) for k, v in config["inputs"].items()}
    config.update(changes)
    return config


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("demo")
    config = _config(tmp)
    landscape = demo.generate_demo(config)
    demo.write_demo(landscape, config, tmp / "truth")
    return landscape, config, tmp


def _md5(path) -> str:
    return hashlib.md5(open(path, "rb").read()).hexdigest()


def test_files_have_the_configured_crs(written):
    _, config, tmp = written
    for key in ("landcover", "dem"):
        with rasterio.open(config["inputs"][key]) as src:
            assert src.crs.to_epsg() == 32652
    with rasterio.open(config["inputs"]["landcover"]) as src:
        assert src.dtypes[0] == "uint8" and src.nodata == 0
        assert src.colormap(1)[10][:3] == (0, 100, 0)
    with rasterio.open(config["inputs"]["dem"]) as src:
        assert src.dtypes[0] == "float32" and src.nodata == -9999
    for key in ("roads", "logging", "settlements"):
        assert gpd.read_file(config["inputs"][key]).crs.to_epsg() == 32652
    layers = set(pyogrio.list_layers(config["inputs"]["countries"])[:, 0])
    assert layers == {"countries", "border"}
    with rasterio.open(tmp / "truth" / "leopard.tif") as src:
        truth = src.read(1, masked=True)
        assert src.crs.to_epsg() == 32652
    assert 0 <= truth.min() and truth.max() <= 1


def test_landcover_is_worldcover_with_forest_on_uplands(written):
    landscape, _, _ = written
    lc, dem = landscape.landcover, landscape.dem
    assert set(np.unique(lc)) <= set(WORLDCOVER_CLASSES)
    assert {10, 40, 50, 80} <= set(np.unique(lc))
    assert dem[lc == 10].mean() > dem[lc == 40].mean() + 100
    # The sea (outside every country) is water at 0 m.
    sea = landscape.country == 0
    assert (lc[sea] == 80).all() and (dem[sea] == 0).all()
    assert 0 < dem.max() < 1500


def test_more_farmland_in_china_than_in_russia(written):
    landscape, _, _ = written
    code = {iso: k for k, iso in landscape.country_codes.items()}
    share = {
        iso: (landscape.landcover[landscape.country == code[iso]] == 40).mean()
        for iso in ("CHN", "RUS")
    }
    assert share["CHN"] > 2 * share["RUS"]


def test_roads_and_the_proposed_road(written):
    landscape, config, _ = written
    roads = gpd.read_file(config["inputs"]["roads"])
    assert {"primary", "secondary", "tertiary", "track"} <= set(roads["highway"])
    proposed = roads[roads["highway"] == "proposed"]
    assert len(proposed) == 1 and proposed["proposed"].iloc[0] == "secondary"
    # The scenario road runs mostly through forest.
    line = proposed.geometry.iloc[0]
    pts = shapely.get_coordinates(line.interpolate(np.linspace(0, 1, 50), normalized=True))
    row, col = landscape.grid.rowcol(pts[:, 0], pts[:, 1])
    assert (landscape.landcover[row, col] == 10).mean() > 0.5


def test_cutblocks_years_and_settlements(written):
    _, config, _ = written
    blocks = gpd.read_file(config["inputs"]["logging"])
    assert len(blocks) > 20
    assert blocks["year"].between(2001, 2024).all()
    assert set(blocks.geom_type) == {"Polygon"}
    towns = gpd.read_file(config["inputs"]["settlements"])
    assert {"Hunchun", "Kraskino", "Slavyanka"} <= set(towns["name"])
    assert (towns["population"] > 0).all()


def test_countries_and_border_from_natural_earth(written):
    _, config, _ = written
    countries = gpd.read_file(config["inputs"]["countries"], layer="countries")
    assert {"RUS", "CHN"} <= set(countries["iso_a3"])
    border = gpd.read_file(config["inputs"]["countries"], layer="border")
    cn_ru = border[border["countries"] == "CHN-RUS"]
    # The China–Russia border runs north–south through the study area: > 100 km of it.
    assert cn_ru.length.sum() > 100e3


def test_sightings_table(written):
    landscape, config, _ = written
    s = pd.read_csv(config["inputs"]["sightings"])
    assert {"species", "lon", "lat", "date", "source", "uncertainty_m", "station"} <= set(s.columns)
    names = {n for spec in config["species"].values() for n in [spec["name"], *spec["synonyms"]]}
    assert set(s["species"]) <= names | set(demo.TARGET_GROUP_SPECIES)
    # The surveys record the target group (prey) too, for target-group background.
    assert set(demo.TARGET_GROUP_SPECIES) <= set(s["species"])
    assert {"Panthera pardus orientalis", "Panthera tigris altaica"} <= set(s["species"])
    assert set(s["source"]) <= {"camera_trap", "tracks", "scat", "report"}
    lon0, lat0, lon1, lat1 = config["study_area"]["bbox_lonlat"]
    inside = s["lon"].between(lon0, lon1) & s["lat"].between(lat0, lat1)
    assert 0.9 < inside.mean() < 1.0
    assert 0 < (s["uncertainty_m"] > 2000).mean() < 0.1
    dates = pd.to_datetime(s["date"])
    assert 0 < (dates < "2000-01-01").mean() < 0.1
    # Camera-trap records carry a station of the station table.
    stations = pd.read_csv(config["inputs"]["camera_stations"])
    cams = s[s["source"] == "camera_trap"]
    assert len(cams) > 0 and set(cams["station"]) <= set(stations["station"])
    assert s.loc[s["source"] != "camera_trap", "station"].isna().all()
    assert (stations["trap_nights"] > 0).all()


def test_leopard_niche_narrower_than_tiger(written):
    landscape, _, _ = written
    land = landscape.country > 0
    leopard = (landscape.suitability["leopard"][land] > 0.5).mean()
    tiger = (landscape.suitability["tiger"][land] > 0.5).mean()
    assert 0.05 < leopard < tiger < 0.9


def test_niche_table_keeps_each_species_responses_in_order():
    niches = demo._niches("""
        a  elevation        gaussian  380.0  200.0
        b  slope            decline     0.3    3.0
        a  forest_fraction  logistic    0.75   0.06
    """)  # fmt: skip
    assert niches == {
        "a": {"elevation": ("gaussian", 380.0, 200.0), "forest_fraction": ("logistic", 0.75, 0.06)},
        "b": {"slope": ("decline", 0.3, 3.0)},
    }
    assert list(niches["a"]) == ["elevation", "forest_fraction"]  # responses multiply in order
    assert set(demo.NICHES) == {"leopard", "tiger", "prey"}


def test_truth_depends_only_on_what_the_files_show(written):
    """Recomputing the covariates from the written files gives back the truth."""
    landscape, config, _ = written
    from amurlink.core import io

    lc, grid = io.read_raster(config["inputs"]["landcover"])
    dem, _ = io.read_raster(config["inputs"]["dem"])
    covs = demo.truth_covariates(
        np.ma.filled(lc, 0),
        np.ma.filled(dem, 0).astype(np.float32),
        gpd.read_file(config["inputs"]["roads"]),
        gpd.read_file(config["inputs"]["settlements"]),
        gpd.read_file(config["inputs"]["logging"]),
        grid,
        demo.covariate_settings(config),
    )
    land = landscape.country > 0
    for key in landscape.suitability:
        niche = demo.NICHES[key]
        again = demo.virtual_suitability(covs, niche, land)
        np.testing.assert_allclose(again, landscape.suitability[key], atol=1e-4)


def test_same_seed_same_demo_other_seed_other(written, tmp_path):
    landscape, config, tmp = written
    again = demo.generate_demo(config)
    np.testing.assert_array_equal(again.landcover, landscape.landcover)
    np.testing.assert_array_equal(again.dem, landscape.dem)
    pd.testing.assert_frame_equal(again.sightings, landscape.sightings)
    assert again.roads.geometry.equals(landscape.roads.geometry)
    # Byte-identical files, GeoPackages included.
    config2 = _config(tmp_path)
    demo.write_demo(again, config2, tmp_path / "truth")
    for key in config["inputs"]:
        assert _md5(config["inputs"][key]) == _md5(config2["inputs"][key]), key
    other = demo.generate_demo({**config, "seed": 8})
    assert not np.array_equal(other.dem, landscape.dem)
    assert not other.sightings.equals(landscape.sightings)


def test_command_line(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    config = copy.deepcopy(CONFIG)
    config["demo"]["resolution"] = 4000
    (tmp_path / "config.yaml").write_text(yaml.safe_dump(config))
    demo.main(["--config", "config.yaml", "--truth-dir", "truth"])
    for path in config["inputs"].values():
        assert (tmp_path / path).exists()
    assert (tmp_path / "truth" / "tiger.tif").exists()
