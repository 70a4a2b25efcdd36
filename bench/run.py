"""Scaling benchmarks of the amurlink workflow.

``run`` generates the demo inputs once (at ``--input-resolution``, 30 m by
default), then runs the whole pipeline on them, as on real data, with analysis
grids of about 1, 4, 16 and 64 M cells (or a subset), each in its own work
directory.  Every size uses the same connectivity grid (``--connectivity-m``)
and the same tiling, so only the habitat-grid work grows with the cells.
``report`` reads Snakemake's per-job benchmark files
(results/benchmarks/**.tsv: wall seconds ``s``, ``cpu_time`` and peak resident
memory ``max_rss`` in MB), sums them per stage, fits the exponent b of
time ∝ cells^b by least squares on log-log, and writes bench/scaling.png and a
table for bench/RESULTS.md.  ``solvers`` times one grounded Laplacian solve
with the direct factorisation and with CG+AMG.

Usage::

    python bench/run.py run --cells 1 4 16 64          # one species, whole pipeline
    python bench/run.py report
    python bench/run.py solvers --cells 0.25 1
"""

from __future__ import annotations

import argparse
import json
import math
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import yaml

REPO = Path(__file__).resolve().parents[1]
DEFAULT_WORK = Path("/tmp/amurlink-bench")
#: Area of the demo region's analysis grid (22 950 cells of 1 km in EPSG:32652).
DEMO_AREA_M2 = 22_950 * 1000.0**2
#: Stages: benchmark-file prefixes (first path part under results/benchmarks/).
STAGES = {
    "prepare (align + covariates)": ["prepare_vectors", "align_rasters", "covariates",
                                     "covariates_tile"],
    "sample (presences + background)": ["presences", "background"],
    "fit": ["fit_model"],
    "predict (tiles + mosaic)": ["predict_tile", "predict_suitability"],
    "resistance": ["resistance", "pressures"],
    "connectivity grid": ["connectivity_grid"],
    "cores + corridors + circuit": ["cores", "corridors", "circuit", "pinchpoints",
                                    "barriers", "graph"],
    "omniscape": ["omniscape_inputs", "omniscape_tile", "omniscape_mosaic"],
    "to habitat grid": ["to_habitat_grid"],
    "threats + outputs": ["threats", "geopackage", "map_species", "map_scenario", "brief",
                          "compare_scenario", "raster_styles", "qgis_project"],
}  # fmt: skip
DEMO_FILES = ["landcover", "dem", "roads", "logging", "settlements", "countries", "sightings",
              "camera_stations"]  # fmt: skip


def resolution_for(cells_m: float) -> float:
    """Cell size (m, rounded to 0.5 m) giving about ``cells_m`` million cells of the demo."""
    return round(math.sqrt(DEMO_AREA_M2 / (cells_m * 1e6)) * 2) / 2


def covariate_tile_cells(res: float, args) -> int:
    """Covariate tile edge whose window, halo included, is ``--covariate-window`` cells.

    A covariate job holds its tile plus a halo of the 20 km distance cap, which is
    more cells at a finer resolution; shrinking the tile by the halo keeps the
    job's window, hence its memory, the same at every size.
    """
    halo = math.ceil(args.max_distance_m / res) + 1
    return max(256, args.covariate_window - 2 * halo)


def snakemake(work: Path, configfile: Path, cores: int, targets=()) -> tuple[int, float]:
    cmd = [sys.executable, "-m", "snakemake", "-s", str(REPO / "Snakefile"), "-d", str(work),
           "--configfile", str(configfile), "--cores", str(cores), *targets]  # fmt: skip
    print(" ".join(cmd), flush=True)
    start = time.perf_counter()
    with open(work / "snakemake.log", "a") as log:
        rc = subprocess.call(cmd, stdout=log, stderr=subprocess.STDOUT)
    return rc, time.perf_counter() - start


def base_config(work: Path, species: list[str] | None = None) -> dict:
    """The default config, written into ``work`` with only ``species`` (a --configfile
    overlay merges dictionaries, so it cannot remove a species)."""
    (work / "config").mkdir(parents=True, exist_ok=True)
    cfg = yaml.safe_load((REPO / "config/config.yaml").read_text())
    if species:
        cfg["species"] = {k: v for k, v in cfg["species"].items() if k in species}
    (work / "config" / "config.yaml").write_text(yaml.safe_dump(cfg, sort_keys=False))
    return cfg


def run(args) -> None:
    box = [130.3, 42.4, 131.9, 43.9]
    inputs = args.workdir / "inputs"
    cfg = base_config(inputs)
    overrides = {"demo": {"enabled": True, "resolution": args.input_resolution},
                 "study_area": {"crs": "EPSG:32652", "resolution": args.input_resolution,
                                "bbox_lonlat": box}}  # fmt: skip
    (inputs / "bench.yaml").write_text(json.dumps(overrides))
    files = {k: str(inputs / cfg["inputs"][k]) for k in DEMO_FILES}
    if not all(Path(f).exists() for f in files.values()):
        rc, wall = snakemake(inputs, inputs / "bench.yaml", args.cores,
                             [cfg["inputs"][k] for k in DEMO_FILES])  # fmt: skip
        print(f"  demo inputs at {args.input_resolution} m: exit {rc}, {wall:.0f} s", flush=True)
        if rc:
            sys.exit(rc)
    for cells in args.cells:
        res = resolution_for(cells)
        work = args.workdir / f"{cells:g}M"
        base_config(work, args.species)
        overrides = {
            "demo": {"enabled": False},
            "inputs": {**cfg["inputs"], **files},
            "study_area": {"crs": "EPSG:32652", "resolution": res, "bbox_lonlat": box},
            "covariates": {"max_distance_m": args.max_distance_m},
            "connectivity": {"resolution_m": args.connectivity_m},
            "scale": {
                "predict_tile_cells": args.tile_cells,
                "covariate_tile_cells": covariate_tile_cells(res, args),
            },
            "outputs": {"date": "2026-12-01"},
        }
        (work / "bench.yaml").write_text(json.dumps(overrides))
        print(f"{cells:g} M cells at {res} m", flush=True)
        rc, wall = snakemake(work, work / "bench.yaml", args.cores)
        (work / "wall.json").write_text(json.dumps(
            {"cells_m": cells, "resolution": res, "wall_s": wall, "rc": rc}))  # fmt: skip
        print(f"  exit {rc}, {wall:.0f} s", flush=True)


def read_benchmarks(work: Path) -> dict[str, dict[str, float]]:
    """Per stage: summed wall and CPU seconds, largest max_rss (MB), number of jobs."""
    out: dict[str, dict[str, float]] = {}
    root = work / "results" / "benchmarks"
    for tsv in sorted(root.rglob("*.tsv")):
        rule = tsv.relative_to(root).parts[0].removesuffix(".tsv")
        stage = next((s for s, rules in STAGES.items() if rule in rules), None)
        if stage is None:
            continue
        header, *rows = tsv.read_text().splitlines()
        rec = dict(zip(header.split("\t"), rows[-1].split("\t"), strict=False))  # latest run
        agg = out.setdefault(stage, {"s": 0.0, "cpu": 0.0, "max_rss": 0.0, "jobs": 0})
        agg["s"] += float(rec["s"])
        agg["cpu"] += float(rec.get("cpu_time", "nan"))
        rss = float(rec["max_rss"]) if rec["max_rss"] not in ("-", "NA") else 0.0
        agg["max_rss"] = max(agg["max_rss"], rss)
        agg["jobs"] += 1
    if out:
        out["whole pipeline"] = {
            "s": sum(v["s"] for v in out.values()),
            "cpu": sum(v["cpu"] for v in out.values()),
            "max_rss": max(v["max_rss"] for v in out.values()),
            "jobs": sum(v["jobs"] for v in out.values()),
        }
    return out


def fit_exponent(cells: list[float], seconds: list[float]) -> float | None:
    """Slope of log(seconds) on log(cells); None with fewer than two sizes."""
    pts = [(c, s) for c, s in zip(cells, seconds, strict=True) if s > 0]
    if len(pts) < 2:
        return None
    x, y = np.log([p[0] for p in pts]), np.log([p[1] for p in pts])
    return float(np.polyfit(x, y, 1)[0])


def report(args) -> None:
    runs = {}
    for wall in sorted(args.workdir.glob("*/wall.json")):
        info = json.loads(wall.read_text())
        if info["rc"] == 0:
            runs[info["cells_m"]] = (wall.parent, info)
    sizes = sorted(runs)
    table = {c: read_benchmarks(runs[c][0]) for c in sizes}
    head = " | ".join(f"{c:g} M ({runs[c][1]['resolution']:g} m)" for c in sizes)
    lines = [f"| stage | {head} | exponent (wall) | exponent (CPU) |",
             "|---" * (len(sizes) + 3) + "|"]  # fmt: skip
    for stage in [*STAGES, "whole pipeline"]:
        cells = [c for c in sizes if stage in table[c]]
        exp_s = fit_exponent(cells, [table[c][stage]["s"] for c in cells])
        exp_c = fit_exponent(cells, [table[c][stage]["cpu"] for c in cells])
        row = []
        for c in sizes:
            rec = table[c].get(stage)
            row.append(f"{rec['s']:.0f} s, {rec['cpu']:.0f} s CPU, {rec['max_rss']:.0f} MB "
                       f"({rec['jobs']})" if rec else "—")  # fmt: skip
        fmt = lambda e: f"{e:.2f}" if e is not None else "—"  # noqa: E731
        lines.append(f"| {stage} | " + " | ".join(row) + f" | {fmt(exp_s)} | {fmt(exp_c)} |")
    walls = " | ".join(f"{runs[c][1]['wall_s']:.0f} s" for c in sizes)
    exp_w = fit_exponent(sizes, [runs[c][1]["wall_s"] for c in sizes])
    lines.append(f"| snakemake wall clock ({args.cores} cores) | {walls} | "
                 f"{exp_w:.2f} | |" if exp_w is not None else "")  # fmt: skip
    (args.workdir / "table.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    plot(table, sizes, args.plot)


def plot(table, sizes, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (ax_t, ax_m) = plt.subplots(1, 2, figsize=(11, 4.5))
    for k, stage in enumerate([*STAGES, "whole pipeline"]):
        line = [c for c in sizes if stage in table[c]]
        style = dict(color="k", lw=2.5) if stage == "whole pipeline" else dict(color=f"C{k}")
        ax_t.plot(line, [table[c][stage]["cpu"] for c in line], "o-", label=stage, **style)
        if stage != "whole pipeline":
            ax_m.plot(line, [table[c][stage]["max_rss"] for c in line], "o-", label=stage, **style)
    if sizes:
        ref = np.array([min(sizes), max(sizes)])
        whole = table[min(sizes)].get("whole pipeline", {"cpu": 1})["cpu"]
        ax_t.plot(ref, whole * ref / ref[0], "k:", label="linear (slope 1)")
    for ax, label in ((ax_t, "CPU time per stage (s, summed over jobs)"),
                      (ax_m, "peak memory of one job (MB)")):  # fmt: skip
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("habitat-grid cells (millions)")
        ax.set_ylabel(label)
        ax.grid(True, which="both", alpha=0.3)
    ax_m.axhline(6000, color="r", ls="--", label="6 GB limit")
    ax_t.legend(fontsize=7)
    ax_m.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    print(f"wrote {path}")


def solvers(args) -> None:
    """One grounded Laplacian solve of a random landscape: direct vs CG+AMG."""
    sys.path.insert(0, str(REPO / "workflow"))
    from amurlink.connectivity.circuit import LinearSolver, build_graph

    rng = np.random.default_rng(0)
    for cells in args.cells:
        side = int(math.sqrt(cells * 1e6))
        resistance = np.exp(rng.normal(0, 1, (side, side)))
        graph = build_graph(resistance, 8)
        lap = graph.laplacian[1:, 1:]  # grounded at node 0
        rhs = np.zeros(lap.shape[0])
        rhs[-1] = 1.0
        for method in ("direct", "cg+amg"):
            start = time.perf_counter()
            LinearSolver(lap, method).solve(rhs)
            print(f"| {side * side / 1e6:.2f} | {method} | {time.perf_counter() - start:.1f} |",
                  flush=True)  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("run")
    p.add_argument("--cells", type=float, nargs="+", default=[1, 4, 16, 64])
    p.add_argument("--species", nargs="+", default=["leopard"])
    p.add_argument("--cores", type=int, default=2)
    p.add_argument("--input-resolution", type=float, default=30)
    p.add_argument("--connectivity-m", type=float, default=480)
    p.add_argument("--tile-cells", type=int, default=2048)
    p.add_argument("--covariate-window", type=int, default=4096)
    p.add_argument("--max-distance-m", type=float, default=20000)
    p.add_argument("--workdir", type=Path, default=DEFAULT_WORK)
    p.set_defaults(func=run)
    p = sub.add_parser("report")
    p.add_argument("--workdir", type=Path, default=DEFAULT_WORK)
    p.add_argument("--cores", type=int, default=2)
    p.add_argument("--plot", type=Path, default=REPO / "bench" / "scaling.png")
    p.set_defaults(func=report)
    p = sub.add_parser("solvers")
    p.add_argument("--cells", type=float, nargs="+", default=[0.25, 1])
    p.set_defaults(func=solvers)
    args = parser.parse_args()
    args.func(args)


if __name__ == "__main__":
    main()
