"""Run the tiny pipeline (config/test.yaml) in a directory and compare two runs' results.

Shared by the workflow-level tests (tests/conftest.py's ``pipeline_run`` fixture,
test_slurm.py, test_resume.py).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pyogrio
import rasterio

ROOT = Path(__file__).resolve().parents[1]
# Not data products: logs and benchmarks carry timings and dates.
SKIPPED_DIRS = {"logs", "benchmarks"}
# Maps print their date (amurlink.outputs.maps.map_date): a fixed SOURCE_DATE_EPOCH keeps runs
# on either side of midnight equal byte for byte (2026-01-01).
SOURCE_DATE_EPOCH = "1767225600"
#: One species' map and all it needs: every stage but Omniscape and the packaging,
#: tile jobs and a local rule, in 31 of the pipeline's jobs (Omniscape's tiles are the
#: local run's; on SLURM they are grouped like the prediction tiles).
#: The SLURM and the kill-and-resume runs make these, to keep the suite short.
ONE_SPECIES_TARGETS = ("results/outputs/maps/leopard.png",)


def pipeline_env() -> dict[str, str]:
    """The environment of the pipeline runs: this one with a fixed date for the maps."""
    return {**os.environ, "SOURCE_DATE_EPOCH": SOURCE_DATE_EPOCH}


def pipeline_command(workdir: Path, *args: str) -> list[str]:
    """The snakemake command line for the tiny pipeline in ``workdir``.

    The default config is copied into ``workdir/config/`` (the Snakefile reads
    ``configfile: config/config.yaml`` relative to the working directory) and
    config/test.yaml is layered over it.
    """
    (workdir / "config").mkdir(parents=True, exist_ok=True)
    shutil.copy(ROOT / "config" / "config.yaml", workdir / "config" / "config.yaml")
    shutil.copy(ROOT / "config" / "test.yaml", workdir / "test.yaml")
    return [
        sys.executable, "-m", "snakemake", "-s", str(ROOT / "Snakefile"), "-d", str(workdir),
        "--configfile", str(workdir / "test.yaml"), *args,
    ]  # fmt: skip


def run_pipeline(workdir: Path, *args: str, timeout: int = 1800) -> subprocess.CompletedProcess:
    """Run the tiny pipeline to completion in ``workdir``; the output is in ``run.log``."""
    cmd = pipeline_command(workdir, *args)
    with open(workdir / "run.log", "a") as log:
        return subprocess.run(
            cmd, stdout=log, stderr=subprocess.STDOUT, timeout=timeout, cwd=workdir,
            env=pipeline_env(),
        )  # fmt: skip


def tail(path: Path, chars: int = 5000) -> str:
    return path.read_text(errors="replace")[-chars:] if path.exists() else ""


def data_products(workdir: Path) -> list[Path]:
    """Result files (relative paths), without logs, benchmarks and hidden scratch files."""
    results = workdir / "results"
    return sorted(
        p.relative_to(workdir) for p in results.rglob("*")
        if p.is_file()
        and not SKIPPED_DIRS & set(p.relative_to(results).parts)
        and not any(part.startswith(".") for part in p.relative_to(results).parts)
    )  # fmt: skip


def hidden_leftovers(workdir: Path) -> list[Path]:
    """Hidden scratch files under results/ (left by a killed job's atomic writer)."""
    return sorted(
        p.relative_to(workdir) for p in (workdir / "results").rglob(".*")
        if not SKIPPED_DIRS & set(p.parts)
    )  # fmt: skip


def same_raster(a: Path, b: Path) -> bool:
    with rasterio.open(a) as ra, rasterio.open(b) as rb:
        if (ra.crs, ra.transform, ra.shape, ra.count, ra.nodata, ra.descriptions) != (
            rb.crs, rb.transform, rb.shape, rb.count, rb.nodata, rb.descriptions,
        ):  # fmt: skip
            return False
        return np.array_equal(ra.read(), rb.read(), equal_nan=True)


def same_vector(a: Path, b: Path) -> bool:
    layers_a = [name for name, _ in pyogrio.list_layers(a)]
    if layers_a != [name for name, _ in pyogrio.list_layers(b)]:
        return False
    for layer in layers_a:
        ta = pyogrio.read_dataframe(a, layer=layer)
        tb = pyogrio.read_dataframe(b, layer=layer)
        try:
            pd.testing.assert_frame_equal(ta.to_wkb(), tb.to_wkb(), check_exact=True)
        except AssertionError:
            return False
    return True


def compare_results(reference: Path, other: Path) -> dict[str, list[str]]:
    """Compare every data product of two runs.

    Returns lists of relative paths: ``identical`` (same bytes), ``same_data``
    (bytes differ but the raster arrays and metadata, or every vector layer's
    table and geometries, are equal), ``different``, ``missing`` (in the
    reference only) and ``extra`` (in ``other`` only).
    """
    ref_files, other_files = data_products(reference), data_products(other)
    report: dict[str, list[str]] = {
        "identical": [], "same_data": [], "different": [],
        "missing": [str(p) for p in sorted(set(ref_files) - set(other_files))],
        "extra": [str(p) for p in sorted(set(other_files) - set(ref_files))],
    }  # fmt: skip
    for rel in sorted(set(ref_files) & set(other_files)):
        a, b = reference / rel, other / rel
        if a.read_bytes() == b.read_bytes():
            report["identical"].append(str(rel))
        elif rel.suffix == ".tif" and same_raster(a, b):
            report["same_data"].append(str(rel))
        elif rel.suffix == ".gpkg" and same_vector(a, b):
            report["same_data"].append(str(rel))
        else:
            report["different"].append(str(rel))
    return report
