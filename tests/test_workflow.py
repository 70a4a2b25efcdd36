"""The whole workflow, run by snakemake as a subprocess on small configs in temp directories."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import rasterio
import yaml
from scipy.stats import spearmanr
from sklearn.metrics import roc_auc_score

from amurlink.core.io.inputs import FILE_KEYS

ROOT = Path(__file__).resolve().parents[1]
SPECIES = ("leopard", "tiger")


def snakemake(workdir: Path, *args: str, config: dict | None = None, timeout: int = 1200):
    """Run snakemake on this repository's Snakefile with ``workdir`` as working directory.

    The default config is copied into ``workdir`` (snakemake reads ``configfile:``
    relative to the working directory) and ``config`` is layered over it.
    """
    (workdir / "config").mkdir(exist_ok=True)
    shutil.copy(ROOT / "config" / "config.yaml", workdir / "config" / "config.yaml")
    cmd = [sys.executable, "-m", "snakemake", "-s", str(ROOT / "Snakefile"), "-d", str(workdir)]
    if config is not None:
        cfg = workdir / "override.yaml"
        cfg.write_text(yaml.safe_dump(config))
        cmd += ["--configfile", str(cfg)]
    return subprocess.run(
        [*cmd, *args], capture_output=True, text=True, timeout=timeout, cwd=workdir
    )


def tiny_config():
    return yaml.safe_load((ROOT / "config" / "test.yaml").read_text())


def test_dry_run_plans_every_stage(tmp_path):
    res = snakemake(tmp_path, "-n", "--cores", "1", "--quiet", "rules")
    assert res.returncode == 0, res.stderr
    for rule in ["demo", "prepare_vectors", "covariates", "fit_model", "corridors", "threats", "geopackage", "map_species"]:  # fmt: skip
        assert rule in res.stdout, f"{rule} missing from the dry-run plan"


def test_lint_is_clean(tmp_path):
    res = snakemake(tmp_path, "--lint", "--cores", "1")
    assert res.returncode == 0, res.stdout + res.stderr


# ----------------------------------------------------------------- full run
@pytest.fixture(scope="module")
def demo_run(pipeline_run):
    """The session's one run of config/test.yaml (tests/conftest.py), shared with the
    SLURM and resume tests."""
    return pipeline_run


def truth_and_prediction(workdir: Path, species: str):
    with rasterio.open(workdir / f"results/demo/truth/{species}.tif") as src:
        truth = src.read(1, masked=True)
    with rasterio.open(workdir / f"results/habitat/{species}/suitability.tif") as src:
        pred = src.read(1, masked=True)
    assert truth.shape == pred.shape, "test config: demo and analysis grids coincide"
    both = ~np.ma.getmaskarray(truth) & ~np.ma.getmaskarray(pred)
    return np.asarray(truth)[both], np.asarray(pred)[both]


@pytest.mark.slow
@pytest.mark.parametrize("species", SPECIES)
def test_suitability_recovers_the_demo_truth(demo_run, species):
    truth, pred = truth_and_prediction(demo_run, species)
    rho = spearmanr(truth, pred).statistic
    present = truth >= 0.5
    assert 0.01 < present.mean() < 0.9, "thresholded truth has both classes"
    auc = roc_auc_score(present, pred)
    cv = json.loads((demo_run / f"results/habitat/{species}/metrics.json").read_text())["cv"]
    print(
        f"{species}: Spearman {rho:.3f}, AUC {auc:.3f} vs truth; CV AUC spatial "
        f"{cv['spatial_block']['auc_mean']:.3f}, random {cv['random']['auc_mean']:.3f}"
    )
    assert rho >= 0.8
    assert auc >= 0.85


@pytest.mark.slow
def test_tiled_prediction_equals_untiled(demo_run):
    """config/test.yaml predicts in 64-cell tiles; one pass over the whole grid gives the same."""
    import pickle

    from amurlink.core import io
    from amurlink.core.tiles import tile_names
    from amurlink.habitat import predict

    covariates, grid = io.read_raster(demo_run / "results/prepare/covariates.tif", band=None)
    assert len(tile_names(grid.shape, tiny_config()["scale"]["predict_tile_cells"])) >= 4
    stack = np.ma.filled(covariates.astype(np.float64), np.nan)
    for species in SPECIES:
        with open(demo_run / f"results/habitat/{species}/model.pkl", "rb") as f:
            model = pickle.load(f)
        whole = predict.predict_layers(predict.as_ensemble(model, model.reference_), stack,
                                       model.reference_)  # fmt: skip
        for name in predict.LAYERS:
            tiled, _ = io.read_raster(demo_run / f"results/habitat/{species}/{name}.tif")
            np.testing.assert_array_equal(np.ma.getmaskarray(tiled), np.isnan(whole[name]))
            np.testing.assert_array_equal(
                tiled.filled(np.nan), whole[name].astype(np.float32), err_msg=f"{species} {name}"
            )


@pytest.mark.slow
def test_connectivity_runs_on_the_coarse_grid_and_returns_to_the_habitat_grid(demo_run):
    from amurlink.core import io
    from amurlink.core.tiles import coarsen_mean, refine

    cfg = tiny_config()
    factor = round(cfg["connectivity"]["resolution_m"] / cfg["study_area"]["resolution"])
    assert factor >= 2, "test config: connectivity on a coarser grid"
    base = demo_run / "results/connectivity/baseline/leopard"
    fine_r, fine = io.read_raster(base / "resistance.tif")
    coarse_r, coarse = io.read_raster(base / "grid/resistance.tif")
    assert coarse == fine.coarsen(factor)
    # resistance aggregated as the block mean (no-data where more than half is)
    expected = coarsen_mean(np.ma.filled(fine_r.astype(np.float64), np.nan), factor)
    np.testing.assert_allclose(coarse_r.filled(np.nan), expected, rtol=1e-6)
    for name in ("corridors", "current", "pinchpoints", "barriers"):
        on_grid, g = io.read_raster(base / f"grid/{name}.tif")
        back, b = io.read_raster(base / f"{name}.tif")
        assert g == coarse and b == fine, name
        # nearest-neighbour resampling, cut to the study area's fine outline
        valid = ~np.ma.getmaskarray(back)
        np.testing.assert_array_equal(
            back.data[valid], refine(on_grid.filled(np.nan), factor, fine.shape)[valid]
        )


@pytest.mark.slow
def test_rasters_share_the_grid_and_ranges(demo_run):
    with rasterio.open(demo_run / "results/prepare/covariates.tif") as ref:
        crs, transform, shape = ref.crs, ref.transform, ref.shape
        assert "forest_fraction" in ref.descriptions
    assert crs.to_epsg() == 32652
    for species in SPECIES:
        for path, lo, hi in [
            (f"habitat/{species}/suitability.tif", 0, 1),
            (f"connectivity/baseline/{species}/resistance.tif", 1, None),
            (f"connectivity/baseline/{species}/current.tif", 0, None),
        ]:
            with rasterio.open(demo_run / "results" / path) as src:
                assert (src.crs, src.transform, src.shape) == (crs, transform, shape), path
                assert src.nodata is not None and src.descriptions[0], path
                data = src.read(1, masked=True)
                assert data.count() > 0, path
                assert data.min() >= lo, path
                if hi is not None:
                    assert data.max() <= hi, path


@pytest.mark.slow
def test_corridors_links_and_threats_exist(demo_run):
    for species in SPECIES:
        cores = gpd.read_file(demo_run / f"results/connectivity/baseline/{species}/cores.gpkg")
        assert len(cores) >= 2, species
        links = gpd.read_file(
            demo_run / f"results/connectivity/baseline/{species}/links_ranked.gpkg"
        )
        assert len(links) >= 1 and (links.cwd > 0).all(), species
        threats = pd.read_csv(demo_run / f"results/threats/{species}/threats.csv")
        assert len(threats) > 0, species
        assert set(threats.kind) <= {"road", "logging", "proposed_road"}
        baseline = threats[threats.kind != "proposed_road"]
        assert len(baseline) > 0 and baseline["rank"].notna().all(), species
        assert threats.loc[threats.kind == "proposed_road", "rank"].isna().all()
        indices = json.loads(
            (demo_run / f"results/connectivity/baseline/{species}/indices.json").read_text()
        )
        assert 0 < indices["PC"] <= 1
        assert (demo_run / f"results/outputs/maps/{species}.png").stat().st_size > 100_000


@pytest.mark.slow
def test_threat_impacts_and_plan(demo_run):
    for species in SPECIES:
        threats = pd.read_csv(demo_run / f"results/threats/{species}/threats.csv")
        impacts = pd.read_csv(demo_run / f"results/threats/{species}/impacts.csv")
        baseline = threats[threats.kind != "proposed_road"]
        assert set(impacts["threat_id"]) <= set(baseline["threat_id"]), species
        assert len(impacts) > 0.9 * len(baseline), species
        # mitigation only lowers resistance: no link gets longer, no PC is lost
        assert (impacts["dPC_regained"] >= -1e-9).all() and (impacts["dCWD_sum"] <= 1e-6).all()
        assert impacts["rank_impact"].tolist() == list(range(1, len(impacts) + 1))
        plan = pd.read_csv(demo_run / f"results/threats/{species}/plan.csv")
        assert plan["step"].iloc[0] == 0 and np.all(np.diff(plan["PC"]) > 0), species
        assert plan["threat_id"].iloc[1] == impacts["threat_id"].iloc[0], species
        # the rule checks its top threats against recomputing the connectivity naively
        check = json.loads((demo_run / f"results/threats/{species}/impacts_check.json").read_text())
        assert len(check["threats"]) == min(3, len(impacts)), species
        assert max(check["dCWD"], check["dR"], check["dPC"]) < 1e-6, (species, check)


@pytest.mark.slow
def test_rerun_has_nothing_to_do(demo_run):
    from workflow_run import run_pipeline, tail

    res = run_pipeline(demo_run, "-n", "--cores", "1")
    assert res.returncode == 0
    assert "Nothing to be done" in tail(demo_run / "run.log", 3000)


@pytest.mark.slow
def test_public_outputs_carry_no_raw_sighting_coordinates(demo_run):
    sightings = pd.read_csv(demo_run / "results/demo/sightings.csv")
    gpkg = demo_run / "results/outputs/amurlink.gpkg"
    import pyogrio

    for layer, _ in pyogrio.list_layers(gpkg):
        gdf = gpd.read_file(gpkg, layer=layer)
        text = gdf.drop(columns="geometry", errors="ignore").to_csv()
        for lon, lat in sightings[["lon", "lat"]].head(50).itertuples(index=False):
            assert f"{lon:.4f}" not in text and f"{lat:.4f}" not in text, layer


# --------------------------------------------------------------- bad inputs
@pytest.fixture(scope="module")
def demo_inputs(tmp_path_factory):
    """Demo inputs at 2 km, generated once, to be broken one at a time."""
    workdir = tmp_path_factory.mktemp("inputs")
    cfg = tiny_config() | {"demo": {"enabled": True, "resolution": 2000}}
    cfg["study_area"] = {**cfg["study_area"], "resolution": 2000}
    res = snakemake(workdir, "--cores", "1", "demo", config=cfg)
    assert res.returncode == 0, res.stderr[-3000:]
    return workdir


def broken_run(demo_inputs: Path, tmp_path: Path, target: str, **input_overrides):
    cfg = tiny_config() | {"demo": {"enabled": False}}
    cfg["study_area"] = {**cfg["study_area"], "resolution": 2000}
    base = yaml.safe_load((ROOT / "config" / "config.yaml").read_text())["inputs"]
    # the file inputs in demo_inputs; settings (e.g. inputs.landcover_aggregation) as they are
    cfg["inputs"] = {
        k: str(demo_inputs / v) if k in FILE_KEYS and isinstance(v, str) else v
        for k, v in base.items()
    } | input_overrides
    return snakemake(tmp_path, "--cores", "1", target, config=cfg)


def assert_clean_failure(res, tmp_path: Path, *fragments: str):
    assert res.returncode != 0
    text = res.stdout + res.stderr
    for fragment in fragments:
        assert fragment in text, f"{fragment!r} not in output:\n{text[-3000:]}"
    leftovers = [
        p for p in (tmp_path / "results").rglob("*")
        if p.is_file() and "logs" not in p.parts and p.name != "override.yaml"
        and ".snakemake" not in p.parts and p.suffix not in {".tsv"}
    ]  # fmt: skip
    hidden = [p for p in leftovers if p.name.startswith(".")]
    assert not hidden, f"temporary files left behind: {hidden}"
    return leftovers


@pytest.mark.slow
def test_missing_file_is_named(demo_inputs, tmp_path):
    res = broken_run(demo_inputs, tmp_path, "results/prepare/covariates.tif", dem="nowhere/dem.tif")
    assert_clean_failure(res, tmp_path, "nowhere/dem.tif")


@pytest.mark.slow
def test_layer_without_crs_is_named(demo_inputs, tmp_path):
    roads = gpd.read_file(demo_inputs / "results/demo/roads.gpkg")
    bad = tmp_path / "roads_nocrs.geojson"
    roads.set_crs(None, allow_override=True).to_file(bad)
    # GeoJSON implies WGS84; a shapefile without .prj truly has no CRS.
    shp = tmp_path / "roads_nocrs.shp"
    roads.set_crs(None, allow_override=True).to_file(shp)
    res = broken_run(demo_inputs, tmp_path, "results/prepare/roads.gpkg", roads=str(shp))
    left = assert_clean_failure(res, tmp_path, "roads_nocrs.shp: layer has no CRS")
    assert not any(p.suffix == ".gpkg" for p in left)


@pytest.mark.slow
def test_unknown_landcover_code_is_named(demo_inputs, tmp_path):
    src_path = demo_inputs / "results/demo/landcover.tif"
    bad = tmp_path / "landcover_bad.tif"
    with rasterio.open(src_path) as src:
        profile, data = src.profile, src.read()
    data[0, data.shape[1] // 2, data.shape[2] // 2] = 77
    profile.update(driver="GTiff")
    with rasterio.open(bad, "w", **profile) as dst:
        dst.write(data)
    res = broken_run(demo_inputs, tmp_path, "results/prepare/landcover.tif", landcover=str(bad))
    left = assert_clean_failure(res, tmp_path, "landcover_bad.tif: land-cover codes [77]")
    assert not any(p.name == "landcover.tif" for p in left)


@pytest.mark.slow
def test_sightings_outside_study_area_are_refused(demo_inputs, tmp_path):
    sightings = pd.read_csv(demo_inputs / "results/demo/sightings.csv")
    sightings["lon"] += 20  # all in Mongolia's longitudes
    bad = tmp_path / "far_sightings.csv"
    sightings.to_csv(bad, index=False)
    res = broken_run(
        demo_inputs, tmp_path, "results/habitat/leopard/presences.csv", sightings=str(bad)
    )
    left = assert_clean_failure(res, tmp_path, "far_sightings.csv", "inside the study area")
    assert not any(p.name == "presences.csv" for p in left)


def test_config_typo_is_named(tmp_path):
    res = snakemake(tmp_path, "-n", "--cores", "1", config={"habitat": {"backgroud_points": 10}})
    assert res.returncode != 0
    assert "backgroud_points" in res.stdout + res.stderr
