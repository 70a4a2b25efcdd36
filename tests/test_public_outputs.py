"""Public products of one demo run (config/test.yaml): no raw sighting coordinate anywhere,
generalised sightings, scenario comparison, maps, brief, the Snakemake report, and clean
messages for bad scenario inputs.

Slow: one pipeline run per module (about two minutes at 1 km).
"""

from __future__ import annotations

import json
import re
import shutil
import sqlite3
import subprocess
import sys
import zipfile
import zlib
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
import rasterio
import shapely
import yaml
from PIL import Image
from pyproj import Transformer
from scipy.spatial import cKDTree

ROOT = Path(__file__).resolve().parents[1]
SPECIES = ("leopard", "tiger")
CRS = "EPSG:32652"

pytestmark = pytest.mark.slow


def snakemake(workdir: Path, *args: str, configfiles=(), timeout: int = 1800):
    cmd = [sys.executable, "-m", "snakemake", "-s", str(ROOT / "Snakefile"), "-d", str(workdir)]
    if configfiles:
        cmd += ["--configfile", *map(str, configfiles)]
    return subprocess.run(
        [*cmd, *args], capture_output=True, text=True, timeout=timeout, cwd=workdir
    )


@pytest.fixture(scope="module")
def run(pipeline_run):
    """The session's tiny-pipeline run (tests/conftest.py)."""
    return pipeline_run


# ------------------------------------------------------------- raw coordinates
def raw_points(workdir: Path):
    """Raw sightings in WGS84 (lon, lat) and in the analysis CRS (x, y)."""
    sightings = pd.read_csv(workdir / "results/demo/sightings.csv")
    lonlat = sightings[["lon", "lat"]].to_numpy(float)
    x, y = Transformer.from_crs("EPSG:4326", CRS, always_xy=True).transform(*lonlat.T)
    xy = np.column_stack([x, y])
    for species in SPECIES:
        pres = pd.read_csv(workdir / f"results/habitat/{species}/presences.csv")
        xy = np.vstack([xy, pres[["x", "y"]].to_numpy(float)])
    return lonlat, xy


NUMBER = re.compile(r"-?\d+\.\d+|-?\d{6,}")


def leaked_pairs(text: str, lonlat: np.ndarray, xy: np.ndarray) -> list[str]:
    """Sightings whose two coordinates both appear in ``text``: lon/lat to 3 decimals, x/y to 1 m.

    A number written with at least 3 decimals within 0.0006° of a longitude (or
    1 m of an easting) matches it.  A single number can match by chance; a lon
    *and* its lat (or x and y) of the same sighting in one text cannot, in practice.
    """
    tokens = NUMBER.findall(text)
    deg = np.sort([float(t) for t in tokens if "." in t and len(t.split(".")[1]) >= 3])
    metres = np.sort([float(t) for t in tokens if abs(float(t)) >= 1e5])

    def near(values: np.ndarray, targets: np.ndarray, tol: float) -> np.ndarray:
        if values.size == 0:
            return np.zeros(len(targets), bool)
        i = np.clip(np.searchsorted(values, targets), 1, values.size - 1)
        d = np.minimum(abs(values[i] - targets), abs(values[i - 1] - targets))
        return d <= tol if values.size > 1 else abs(values[0] - targets) <= tol

    ll = near(deg, lonlat[:, 0], 6e-4) & near(deg, lonlat[:, 1], 6e-4)
    m = near(metres, xy[:, 0], 1.0) & near(metres, xy[:, 1], 1.0)
    return [f"lon/lat {lo:.5f},{la:.5f}" for lo, la in lonlat[ll]] + [
        f"x/y {x:.1f},{y:.1f}" for x, y in xy[m]
    ]


def pdf_text(path: Path) -> str:
    try:
        import pypdf
    except ImportError:
        pypdf = None
    if pypdf is not None:
        return "\n".join(page.extract_text() or "" for page in pypdf.PdfReader(path).pages)
    # no pypdf: the raw bytes and every Flate stream, decompressed
    data = path.read_bytes()
    parts = [data.decode("latin-1")]
    for match in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", data, re.S):
        try:
            content = zlib.decompress(match.group(1))
        except zlib.error:
            continue
        # kerned strings, [(6) 0.07 (2) 0.07 (0)] TJ, read as one: (620)
        parts.append(re.sub(rb"\)\s*-?[\d.]+\s*\(", b"", content).decode("latin-1"))
    return "\n".join(parts)


def vertices(gdf: gpd.GeoDataFrame) -> np.ndarray:
    geoms = gdf.geometry.values
    geoms = geoms[~shapely.is_empty(geoms)] if len(geoms) else geoms
    if len(geoms) == 0:
        return np.empty((0, 2))
    return shapely.get_coordinates(geoms)


def test_public_outputs_carry_no_raw_sighting_coordinates(run):
    lonlat, xy = raw_points(run)
    tree_xy, tree_ll = cKDTree(xy), cKDTree(lonlat)
    public = sorted(p for p in (run / "results/outputs").rglob("*") if p.is_file())
    assert public, "no public outputs"
    # rasters shown by the (public) QGIS project live beside the other stages' results
    public += sorted(
        p for stage in ("habitat", "connectivity", "threats", "prepare")
        for p in (run / "results" / stage).rglob("*.tif")
    )  # fmt: skip
    kinds = set()
    for path in public:
        suffix = path.suffix.lower()
        if suffix == ".tif":
            kinds.add("raster")
            with rasterio.open(path) as src:
                meta = [json.dumps(src.tags()), str(src.descriptions), str(src.units)]
                meta += [json.dumps(src.tags(b)) for b in src.indexes]
                for ns in src.tag_namespaces() if hasattr(src, "tag_namespaces") else []:
                    meta.append(json.dumps(src.tags(ns=ns)))
            text = "\n".join(meta)
        elif suffix == ".gpkg":
            kinds.add("vector")
            texts = []
            for layer, geom_type in pyogrio.list_layers(path):
                if geom_type is None:
                    continue
                gdf = gpd.read_file(path, layer=layer)
                texts.append(gdf.drop(columns="geometry").to_csv())
                v = vertices(gdf.to_crs(CRS))
                if len(v):
                    d, _ = tree_xy.query(v)
                    assert d.min() > 1.0, f"{path.name}:{layer} has a vertex on a sighting"
                    v_ll = vertices(gdf.to_crs("EPSG:4326"))
                    d_ll, _ = tree_ll.query(v_ll)
                    assert d_ll.min() > 1e-5, f"{path.name}:{layer} vertex on a sighting (WGS84)"
            # every table's text (layer_styles, metadata) too
            with sqlite3.connect(path) as con:
                tables = [r[0] for r in con.execute("select name from sqlite_master where type='table'")]  # fmt: skip
                for table in tables:
                    if table.startswith("rtree_"):
                        continue
                    rows = con.execute(f'select * from "{table}"').fetchall()
                    texts.append("\n".join(str(r) for r in rows if not isinstance(r, bytes)))
            text = "\n".join(texts)
        elif suffix == ".pdf":
            kinds.add("pdf")
            text = pdf_text(path)
        elif suffix == ".png":
            kinds.add("png")
            with Image.open(path) as im:
                text = json.dumps({k: str(v) for k, v in im.info.items()})
                text += json.dumps(getattr(im, "text", {}) or {})
        elif suffix == ".qgz":
            with zipfile.ZipFile(path) as zf:
                text = "\n".join(zf.read(n).decode("utf-8", "replace") for n in zf.namelist())
        else:
            kinds.add(suffix)
            text = path.read_bytes().decode("utf-8", "replace")
        leaks = leaked_pairs(text, lonlat, xy)
        assert not leaks, f"{path.relative_to(run)} carries raw sighting coordinates: {leaks[:3]}"
    assert {"raster", "vector", "pdf", "png", ".html"} <= kinds, kinds


def test_leak_detector_finds_a_planted_coordinate(run):
    # the scan must be able to fail
    lonlat, xy = raw_points(run)
    lo, la = lonlat[0]
    assert leaked_pairs(f"at {lo:.4f}, {la:.4f}", lonlat, xy)
    assert leaked_pairs(f"x={xy[-1, 0]:.2f} y={xy[-1, 1]:.2f}", lonlat, xy)


def test_generalised_sightings_layer(run):
    gpkg = run / "results/outputs/amurlink.gpkg"
    names = [name for name, _ in pyogrio.list_layers(gpkg)]
    for species in SPECIES:
        layer = f"{species}_sightings_grid_10km"
        assert layer in names
        cells = gpd.read_file(gpkg, layer=layer)
        assert set(cells.geom_type) == {"Polygon"}
        assert np.allclose(cells.to_crs(CRS).area, 1e8)
        pres = pd.read_csv(run / f"results/habitat/{species}/presences.csv")
        assert cells["n_sightings"].sum() == len(pres)


# ------------------------------------------------------------------ scenarios
def test_proposed_road_lowers_pc_and_brief_says_by_how_much(run):
    brief = (run / "results/outputs/brief.html").read_text()
    for species in SPECIES:
        out = run / f"results/scenarios/proposed_road/{species}"
        comparison = json.loads((out / "comparison.json").read_text())
        assert comparison["PC_scenario"] < comparison["PC_baseline"]
        assert comparison["delta_PC_pct"] == pytest.approx(
            100 * (comparison["PC_scenario"] / comparison["PC_baseline"] - 1)
        )
        assert f"by {abs(comparison['delta_PC_pct']):.1f} %" in brief
        links = pd.read_csv(out / "links.csv")
        baseline = pd.read_csv(run / f"results/connectivity/baseline/{species}/link_importance.csv")
        assert sorted(links["link_id"]) == sorted(baseline["link_id"])
        assert set(links["status"]) <= {"unchanged", "improved", "weakened", "lost"}


def test_maps_are_a4_png_300_dpi_and_pdf(run):
    maps = run / "results/outputs/maps"
    names = [*SPECIES, *(f"scenario_proposed_road_{s}" for s in SPECIES)]
    for name in names:
        with Image.open(maps / f"{name}.png") as im:
            assert im.info["dpi"] == pytest.approx((300, 300), abs=0.1)
            assert sorted(im.size) == sorted((round(8.27 * 300), round(11.69 * 300)))
        assert (maps / f"{name}.pdf").read_bytes().startswith(b"%PDF")
    assert "2026-01-01" in pdf_text(maps / "leopard.pdf")  # SOURCE_DATE_EPOCH of the test runs
    assert (run / "results/outputs/brief.pdf").read_bytes().startswith(b"%PDF")


def test_threat_tables_and_cross_border(run):
    for species in SPECIES:
        out = run / f"results/threats/{species}"
        threats = pd.read_csv(out / "threats.csv")
        for col in ("barrier_score", "pinchpoint_current", "dPC", "current_mean", "score"):
            assert col in threats
        summary = pd.read_csv(out / "summary.csv")
        assert (summary["species"] == species).all() and "all" in set(summary["country"])
        cross = pd.read_csv(out / "cross_border_links.csv")
        links = pd.read_csv(run / f"results/connectivity/baseline/{species}/link_importance.csv")
        assert sorted(cross["link_id"]) == sorted(links.loc[links["crosses_border"], "link_id"])


# --------------------------------------------------------------------- report
def test_snakemake_report_has_every_caption(run, tmp_path):
    # Written outside results/, so the shared run's products stay as the pipeline made them.
    report = tmp_path / "report.html"
    res = snakemake(run, "--report", str(report), configfiles=[run / "test.yaml"], timeout=600)
    assert res.returncode == 0, res.stderr[-3000:]
    assert report.exists() and report.stat().st_size > 10_000
    text = report.read_text(errors="replace")
    for fragment in ("Print map (A4, 300 dpi", "against the baseline", "Policy brief",
                     "Threat records for", "cross-border", "Each baseline link"):  # fmt: skip
        assert fragment in text, fragment


# ------------------------------------------------------------ bad scenarios
def bad_scenario(run: Path, tmp_path: Path, change: dict):
    """A bad scenario's pressures, in a copy of the run's inputs and prepared layers.

    Not in the shared run itself: the scenario file is a new input of the input check,
    which reruns, fails and (as a failing job should) removes its report and flag.
    ``copy2`` keeps the files' times, so ``--rerun-triggers=mtime`` reruns only the
    check and the bad scenario's pressures.
    """
    work = tmp_path / "run"
    for part in ("config", "results/demo", "results/prepare", "results/checks"):
        shutil.copytree(run / part, work / part)
    shutil.copy2(run / "test.yaml", work / "test.yaml")
    cfg = {"scenarios": {"bad": {"changes": [change]}}}
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(cfg))
    return snakemake(
        work, "--rerun-triggers=mtime", "--cores", "1", "results/prepare/pressures/bad.tif",
        configfiles=[work / "test.yaml", path], timeout=600,
    )  # fmt: skip


def assert_clean_message(res, *fragments):
    text = res.stdout + res.stderr
    assert res.returncode != 0
    for fragment in fragments:
        assert fragment in text, f"{fragment!r} not in:\n{text[-3000:]}"
    assert "amurlink: bad input:" in text
    assert "Traceback" not in text, text[-3000:]


def line_layer(run: Path) -> gpd.GeoDataFrame:
    roads = gpd.read_file(run / "results/prepare/roads.gpkg")
    return roads.iloc[:1][["geometry"]]


def test_scenario_file_without_crs(run, tmp_path):
    shp = tmp_path / "road_nocrs.shp"
    line_layer(run).set_crs(None, allow_override=True).to_file(shp)
    res = bad_scenario(run, tmp_path, {"kind": "new_road", "file": str(shp), "highway": "primary"})
    assert_clean_message(res, "road_nocrs.shp", "no CRS")


def test_scenario_road_outside_study_area(run, tmp_path):
    far = tmp_path / "far_road.gpkg"
    gpd.GeoDataFrame(geometry=[shapely.LineString([(100, 50), (100.5, 50.5)])],
                     crs="EPSG:4326").to_file(far)  # fmt: skip
    res = bad_scenario(run, tmp_path, {"kind": "new_road", "file": str(far), "highway": "primary"})
    assert_clean_message(res, "far_road.gpkg", "study area")


def test_scenario_unknown_road_class(run, tmp_path):
    ok = tmp_path / "road.gpkg"
    line_layer(run).to_file(ok)
    res = bad_scenario(run, tmp_path, {"kind": "new_road", "file": str(ok), "highway": "autobahn"})
    assert_clean_message(res, "unknown road class 'autobahn'")
