"""Prediction throughput over a covariate stack (issue 14): Mcells/s and peak memory.

One synthetic stack of eight float32 covariates (``--size`` × ``--size`` cells,
smooth fields with noise, tiled 512 × 512, a no-data corner) and models fitted
once on cells sampled from it (a known logistic truth of four covariates; 400
presences, 5000 background): a MaxEnt model with linear, quadratic, product and
hinge features; and the default ensemble (that MaxEnt, GLM, the down-sampled
RF and boosting with the library's ensemble defaults, or ``--trees`` RF trees; equal
weights).  Each variant then predicts the whole stack window
by window (512-cell windows) in its own process, so its peak resident memory
(VmHWM of that process alone) is its own:

- ``floor``: a plain rasterio read of the eight bands and write of one, window
  by window -- what reading and writing the data costs; ``floor-4`` writes four
  bands (the I/O of the four prediction layers);
- ``<model>/old``: the project's path before issue 14 (``predict_layers``: the
  four layers suitability, uncertainty, clamping and MESS, written as four
  bands), importing the library of ``--old-commit`` (checked out with ``git
  archive`` into the work directory);
- ``<model>/new``: the same with this tree's library on all cores
  (``predict_layer_windows``, ``n_jobs = os.cpu_count()``), and ``/new-1`` on one;
- ``<model>/new-suitability``: this tree, suitability only (one band, as
  elapid writes), all cores;
- ``<model>/elapid``: elapid's ``apply_model_to_rasters`` on the same model (an
  adapter whose ``predict`` is the model's suitability; this tree's library) and
  the same stack, writing one band;
- ``maxent/elapid-own``: elapid's own ``MaxentModel`` (features "lqph", 50 hinge
  knots) fitted on the same cells, through ``apply_model_to_rasters``.

``--variants`` run on the whole stack, ``--window-variants`` (full names, e.g.
``maxent/elapid``) on its central ``--window`` × ``--window`` cells, cut into a
stack of their own (named ``<variant>@<window>``, with their own floors): the
slow variants (elapid, the old path, the 500-tree ensemble) would take hours
at 10,000².  All outputs are float32 GeoTIFFs tiled 512 with deflate (elapid's
default); every variant runs with GDAL's block cache at ``--gdal-cache-mb``
(256 MB, as the pipeline's scripts: GDAL's default, 5 % of the RAM, would be
most of a variant's peak at 10,000²).  The parent then compares each variant's raster with the same
model's ``new`` at the same size, band by band (max |difference|).

Usage::

    python bench/predict.py run --size 2000 --models maxent      # all variants, 2000²
    python bench/predict.py run --size 10000 --models maxent \
        --variants new new-suitability new-1 --window 2000 \
        --window-variants floor floor-4 maxent/old maxent/new maxent/new-suitability \
        maxent/elapid maxent/elapid-own                           # the issue's size
    python bench/predict.py run --size 10000 --models --window 2000 \
        --window-variants floor floor-4 ensemble/new ensemble/elapid \
        ensemble/old ensemble/new-1                               # the ensembles

Needs the ``bench`` extra (elapid) for the elapid variants.
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
DEFAULT_WORK = Path("/tmp/amurlink-bench-predict")
BANDS = 8
BLOCK = 512
NODATA = -9999.0
SEED = 14


# ------------------------------------------------------------------ inputs
def field_strip(size: int, row0: int, row1: int) -> np.ndarray:
    """Rows ``row0:row1`` of the eight covariates: smooth waves plus noise, float32."""
    rng = np.random.default_rng([SEED, row0])
    r = np.arange(row0, row1, dtype=np.float64)[:, None] / size
    c = np.arange(size, dtype=np.float64)[None, :] / size
    out = np.empty((BANDS, row1 - row0, size), np.float32)
    for k in range(BANDS):
        a, b = 1 + k % 3, 2 + (k * 5) % 4
        wave = np.sin(2 * np.pi * (a * r + 0.3 * k)) * np.cos(2 * np.pi * (b * c - 0.1 * k))
        out[k] = 10 * k + (k + 1) * (wave + 0.3 * (r - c)) + rng.normal(0, 0.05, wave.shape)
    corner = size // 20
    if row0 < corner:
        out[:, : corner - row0, :corner] = NODATA
    return out


def write_stack(path: Path, size: int) -> None:
    import rasterio
    from rasterio.transform import from_origin

    profile = dict(
        driver="GTiff", width=size, height=size, count=BANDS, dtype="float32",
        crs="EPSG:32652", transform=from_origin(500000, 4800000, 30, 30), nodata=NODATA,
        tiled=True, blockxsize=BLOCK, blockysize=BLOCK, BIGTIFF="IF_SAFER",
    )  # fmt: skip
    tmp = path.with_suffix(".part.tif")
    with rasterio.open(tmp, "w", **profile) as dst:
        for row0 in range(0, size, BLOCK):
            row1 = min(size, row0 + BLOCK)
            dst.write(field_strip(size, row0, row1), window=((row0, row1), (0, size)))
    tmp.rename(path)


def training_data(stack: Path, size: int) -> tuple[np.ndarray, np.ndarray]:
    """Presences drawn from a known logistic truth, and background, sampled from the stack."""
    import rasterio

    rng = np.random.default_rng(SEED)
    cells = rng.choice(size * size, 30000, replace=False)
    rows, cols = np.divmod(cells, size)
    with rasterio.open(stack) as ds:
        xs, ys = rasterio.transform.xy(ds.transform, rows, cols)
        X = np.array(list(ds.sample(zip(xs, ys, strict=True))), np.float64)
    X = X[(X != NODATA).all(axis=1)]
    z = (X - X.mean(axis=0)) / X.std(axis=0)
    eta = -2.5 + 1.2 * z[:, 0] - 0.8 * (z[:, 1] - 0.3) ** 2 + 0.6 * z[:, 2] * z[:, 3]
    p = 1 / (1 + np.exp(-eta))
    pres = rng.choice(len(X), 400, replace=False, p=p / p.sum())
    rest = np.setdiff1d(np.arange(len(X)), pres)
    bg = rng.choice(rest, 5000, replace=False)
    return np.vstack([X[pres], X[bg]]), np.r_[np.ones(400, int), np.zeros(5000, int)]


def fit_models(work: Path, stack: Path, size: int, trees: int | None = None) -> dict:
    from amurlink.habitat.models import (
        ENSEMBLE_RF_TREES,
        BoostingModel,
        DownsampledRFModel,
        EnsembleModel,
        GLMModel,
        MaxentModel,
    )

    X, y = training_data(stack, size)
    t0 = time.perf_counter()
    maxent = MaxentModel(features="lqph").fit(X, y)
    info = {"maxent_fit_s": time.perf_counter() - t0, "nonzero": int((maxent.coef_ != 0).sum())}
    info["features"] = len(maxent.coef_)
    rf_trees = {"n_estimators": trees or ENSEMBLE_RF_TREES}
    members = [
        ("maxent", maxent),
        ("glm", GLMModel().fit(X, y)),
        ("rf", DownsampledRFModel(random_state=0, **rf_trees).fit(X, y)),
        ("brt", BoostingModel(random_state=0).fit(X, y)),
    ]
    ensemble = EnsembleModel(members=members, prefit=True).fit(X, y)
    info["rf_nodes_per_tree"] = float(np.mean([t.tree_.node_count for t in members[2][1].trees_]))
    names = [f"b{k}" for k in range(BANDS)]
    models = {"maxent": maxent, "ensemble": ensemble}
    for name, m in models.items():
        m.reference_ = X.astype(np.float32)
        m.covariate_names_ = names
        (work / f"{name}.pkl").write_bytes(pickle.dumps(m))
    try:
        import elapid

        own = elapid.MaxentModel(feature_types="lqph", n_hinge_features=50, n_cpus=1)
        t0 = time.perf_counter()
        own.fit(X, y)
        info["elapid_fit_s"] = time.perf_counter() - t0
        (work / "elapid-own.pkl").write_bytes(pickle.dumps(own))
    except ImportError:
        pass
    (work / "models.json").write_text(json.dumps(info))
    return info


# ---------------------------------------------------------------- variants
def out_profile(stack: Path, count: int) -> dict:
    import rasterio

    with rasterio.open(stack) as src:
        profile = src.profile.copy()
    profile.update(count=count, dtype="float32", nodata=NODATA, compress="deflate")
    return profile


def run_floor(stack: Path, out: Path, count: int = 1) -> None:
    import rasterio

    with rasterio.open(stack) as src, rasterio.open(out, "w", **out_profile(stack, count)) as dst:
        for _, window in src.block_windows(1):
            block = src.read(window=window)
            dst.write(block[:count], window=window)


def window_stack(stack: Path, size: int, window: int) -> Path:
    """The central ``window`` × ``window`` cells of the stack, as a stack of its own."""
    import rasterio
    from rasterio.windows import Window

    path = stack.with_name(f"{stack.stem}_w{window}.tif")
    if path.exists():
        return path
    off = (size - window) // 2
    win = Window(off, off, window, window)
    with rasterio.open(stack) as src:
        profile = src.profile.copy()
        profile.update(width=window, height=window, transform=src.window_transform(win))
        tmp = path.with_suffix(".part.tif")
        with rasterio.open(tmp, "w", **profile) as dst:
            for row0 in range(0, window, BLOCK):
                rows = min(BLOCK, window - row0)
                block = src.read(window=Window(off, off + row0, window, rows))
                dst.write(block, window=Window(0, row0, window, rows))
    tmp.rename(path)
    return path


def run_project(
    stack: Path, out: Path, model_path: Path, n_jobs: int, layers: bool, old: bool = False
) -> None:
    import rasterio

    from amurlink.core import io
    from amurlink.habitat import predict

    model = pickle.loads(model_path.read_bytes())
    reference = model.reference_
    ensemble = predict.as_ensemble(model, reference)
    count = len(predict.LAYERS) if layers else 1
    with rasterio.open(stack) as src, rasterio.open(out, "w", **out_profile(stack, count)) as dst:
        windows = [w for _, w in src.block_windows(1)]
        # float32 windows, widened in the prediction threads (the old library read float64)
        read = io.window_reader(src) if old else io.window_reader(src, dtype=None)
        if not layers:
            for window, block in predict.predict_windows(model, read, windows, n_jobs=n_jobs):
                dst.write(np.nan_to_num(block, nan=NODATA)[None].astype(np.float32), window=window)
            return
        if n_jobs > 1 or hasattr(predict, "predict_layer_windows"):
            results = predict.predict_layer_windows(ensemble, read, windows, reference, n_jobs)
        else:  # the library before issue 14
            results = ((w, predict.predict_layers(ensemble, read(w), reference)) for w in windows)
        for window, res in results:
            block = np.stack([res[name] for name in predict.LAYERS])
            dst.write(np.nan_to_num(block, nan=NODATA).astype(np.float32), window=window)


class Suitability:
    """What elapid's ``apply_model_to_rasters`` calls: ``predict(X)`` = our model's suitability."""

    def __init__(self, model):
        self.model = model

    def predict(self, X):
        from amurlink.habitat.models import suitability

        return suitability(self.model, X)


def run_elapid(stack: Path, out: Path, model_path: Path, own: bool) -> None:
    import warnings

    from elapid import apply_model_to_rasters

    model = pickle.loads(model_path.read_bytes())
    warnings.filterwarnings("ignore")
    apply_model_to_rasters(
        model if own else Suitability(model), [str(stack)], str(out), quiet=True, nodata=NODATA
    )


def predict_layers_names() -> tuple[str, ...]:
    """The four layers of a prediction tile (as ``amurlink.habitat.predict.LAYERS``)."""
    return ("suitability", "uncertainty", "clamping", "mess")


def peak_rss_mb() -> float:
    """This process's peak resident memory (VmHWM), MB.

    Not ``ru_maxrss``: Linux carries that high-water mark across ``exec`` from the
    (forked) parent, so every child would report at least the parent's peak.
    """
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def variant_main(args) -> None:
    work, stack = Path(args.work), Path(args.stack)
    name = args.name
    out = work / "out" / (name.replace("/", "_").replace("@", "_w") + ".tif")
    out.parent.mkdir(exist_ok=True)
    model, _, how = name.partition("@")[0].partition("/")
    # imports before the clock: a process's start-up is not prediction
    import rasterio  # noqa: F401

    if not model.startswith("floor"):
        from amurlink.habitat import predict  # noqa: F401
    if how.startswith("elapid"):
        import elapid  # noqa: F401
    t0 = time.perf_counter()
    if model == "floor":
        run_floor(stack, out)
    elif model == "floor-4":
        run_floor(stack, out, count=len(predict_layers_names()))
    elif how == "elapid":
        run_elapid(stack, out, work / f"{model}.pkl", own=False)
    elif how == "elapid-own":
        run_elapid(stack, out, work / "elapid-own.pkl", own=True)
    else:
        n_jobs = 1 if how in ("old", "new-1") else os.cpu_count() or 1
        run_project(
            stack, out, work / f"{model}.pkl", n_jobs, layers=how != "new-suitability",
            old=how == "old",
        )  # fmt: skip
    seconds = time.perf_counter() - t0
    peak_mb = peak_rss_mb()
    print(json.dumps({"variant": name, "seconds": seconds, "peak_mb": peak_mb, "out": str(out)}))


# -------------------------------------------------------------------- run
def old_library(work: Path, commit: str) -> Path:
    """The library of ``commit``, unpacked into the work directory (``git archive``)."""
    dest = work / f"old-{commit}"
    if not (dest / "workflow" / "amurlink").exists():
        dest.mkdir(parents=True, exist_ok=True)
        archive = subprocess.run(
            ["git", "-C", str(REPO), "archive", commit, "workflow/amurlink"],
            check=True,
            capture_output=True,
        ).stdout
        subprocess.run(["tar", "-x", "-C", str(dest)], input=archive, check=True)
    return dest / "workflow"


def max_abs_diff(a: Path, b: Path) -> list[float]:
    """Per band of the smaller count: max |a − b| over cells valid in both; NaN if masks differ."""
    import rasterio

    with rasterio.open(a) as da, rasterio.open(b) as db:
        n = min(da.count, db.count)
        worst = [0.0] * n
        for _, window in da.block_windows(1):
            x = da.read(list(range(1, n + 1)), window=window)
            y = db.read(list(range(1, n + 1)), window=window)
            for k in range(n):
                if not np.array_equal(x[k] == NODATA, y[k] == NODATA):
                    worst[k] = float("nan")
                    continue
                ok = x[k] != NODATA
                if ok.any():
                    worst[k] = max(worst[k], float(np.abs(x[k][ok] - y[k][ok]).max()))
    return worst


def run_main(args) -> None:
    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    stack = work / f"stack_{args.size}.tif"
    if not stack.exists():
        t0 = time.perf_counter()
        write_stack(stack, args.size)
        print(f"stack {stack}: {time.perf_counter() - t0:.1f} s", flush=True)
    from amurlink.habitat.models import ENSEMBLE_RF_TREES

    # named by the RF's tree count: "the default" changes with the library
    mwork = work / f"models_{args.size}_rf{args.trees or ENSEMBLE_RF_TREES}"
    mwork.mkdir(exist_ok=True)
    if not (mwork / "models.json").exists():
        info = fit_models(mwork, stack, args.size, args.trees)
    else:
        info = json.loads((mwork / "models.json").read_text())
    print(f"models: {info}", flush=True)
    new_path = str(REPO / "workflow")
    old_path = str(old_library(work, args.old_commit))
    variants = []
    for model in args.models:
        variants += [
            (f"{model}/{v}", args.size, stack)
            for v in args.variants
            if v != "elapid-own" or model == "maxent"
        ]
    if variants:  # the floors at full size
        variants[:0] = [(v, args.size, stack) for v in ("floor", "floor-4")]
    if args.window:
        wstack = window_stack(stack, args.size, args.window)
        variants += [(f"{v}@{args.window}", args.window, wstack) for v in args.window_variants]
    results = []
    for name, size, path in variants:
        env = dict(
            os.environ,
            PYTHONPATH=old_path if "/old" in name else new_path,
            GDAL_CACHEMAX=str(args.gdal_cache_mb),
        )
        cmd = [sys.executable, __file__, "variant", name, "--work", str(mwork)]
        proc = subprocess.run([*cmd, "--stack", str(path)], env=env, capture_output=True, text=True)
        if proc.returncode != 0:
            print(f"{name}: failed\n{proc.stderr[-2000:]}", flush=True)
            continue
        res = json.loads(proc.stdout.strip().splitlines()[-1])
        res["cells"] = size**2
        res["mcells_s"] = size**2 / res["seconds"] / 1e6
        results.append(res)
        print(
            f"{name:32s} {res['seconds']:8.1f} s {res['mcells_s']:7.3f} Mcells/s "
            f"{res['peak_mb']:7.0f} MB",
            flush=True,
        )
    compare(results)
    summary = {
        "size": args.size,
        "window": args.window,
        "cpus": os.cpu_count(),
        "load_before": os.getloadavg(),
        "models": info,
        "results": results,
    }
    tag = "-".join(args.models) + (f"_w{args.window}" if args.window else "")
    path = work / f"results_{args.size}_{tag}.json"
    path.write_text(json.dumps(summary, indent=1))
    print(table(summary))
    print(f"written {path}")


def compare(results: list[dict]) -> None:
    """Max |difference| of each variant's raster against the same model's ``new`` at its size.

    ``old`` against ``new`` (all four bands); ``elapid`` and ``new-suitability``
    against ``new`` (suitability), or against ``new-suitability`` where ``new``
    did not run at that size.
    """
    by = {r["variant"]: r for r in results}
    for r in results:
        name = r["variant"]
        base, _, at = name.partition("@")
        model, _, how = base.partition("/")
        if how in ("", "new", "elapid-own"):
            continue
        suffix = f"@{at}" if at else ""
        for ref in (f"{model}/new{suffix}", f"{model}/new-suitability{suffix}"):
            if ref in by and ref != name:
                r["diff_vs"] = ref
                r["max_abs_diff"] = max_abs_diff(Path(r["out"]), Path(by[ref]["out"]))
                break


def table(summary: dict) -> str:
    """A markdown table of the results, time relative to the floor of the same size."""
    res = summary["results"]
    floors = {r["cells"]: r for r in res if r["variant"].partition("@")[0] == "floor"}
    lines = [
        "| variant | cells | s | Mcells/s | × floor time | peak MB | max abs diff (vs) |",
        "|---|---:|---:|---:|---:|---:|---|",
    ]
    for r in res:
        floor = floors.get(r["cells"])
        rel = r["seconds"] / floor["seconds"] if floor else float("nan")
        diff = ""
        if "max_abs_diff" in r:
            diff = " / ".join(f"{d:.1e}" for d in r["max_abs_diff"]) + f" ({r['diff_vs']})"
        lines.append(
            f"| {r['variant']} | {r['cells'] / 1e6:g} M | {r['seconds']:.1f} | "
            f"{r['mcells_s']:.3f} | {rel:.1f} | {r['peak_mb']:.0f} | {diff} |"
        )
    return "\n".join(lines)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="cmd", required=True)
    run = sub.add_parser("run", help="all variants side by side, each in its own process")
    run.add_argument("--size", type=int, default=2000, help="cells per side (issue: 10000)")
    run.add_argument("--trees", type=int, default=None, help="RF trees (default: the model's)")
    run.add_argument("--models", nargs="*", default=["maxent", "ensemble"])
    run.add_argument(
        "--variants",
        nargs="*",
        default=["old", "new", "new-1", "new-suitability", "elapid", "elapid-own"],
    )
    run.add_argument(
        "--window", type=int, default=0, help="also run --window-variants on the central N × N"
    )
    run.add_argument(
        "--window-variants",
        nargs="+",
        default=[
            "floor",
            "floor-4",
            "maxent/new-suitability",
            "maxent/elapid",
            "maxent/elapid-own",
        ],
        help="full variant names (e.g. ensemble/new) run on the central window",
    )
    run.add_argument(
        "--gdal-cache-mb",
        type=int,
        default=256,
        help="GDAL's block cache in every variant (the pipeline's: amurlink.core.smk.GDAL_CACHE_MB)",
    )
    run.add_argument("--old-commit", default="546a243", help="the library before issue 14")
    run.add_argument("--work", default=str(DEFAULT_WORK))
    var = sub.add_parser("variant", help="one variant (run calls this)")
    var.add_argument("name")
    var.add_argument("--work", required=True)
    var.add_argument("--stack", required=True)
    args = parser.parse_args(argv)
    (run_main if args.cmd == "run" else variant_main)(args)


if __name__ == "__main__":
    main()
