"""Scaling benchmarks of the amurlink workflow.

Runs the demo region at resolutions giving about 1, 4, 16 and 64 M cells (or a
subset), each in its own work directory, and reads Snakemake's per-job
benchmark files (results/benchmarks/**.tsv: wall seconds ``s`` and peak
resident memory ``max_rss`` in MB).  ``report`` aggregates them per stage,
fits the exponent b of time ∝ cells^b by least squares on log-log, and writes
bench/RESULTS.md and bench/scaling.png.  ``solvers`` times one grounded
Laplacian solve with the direct factorisation and with CG+AMG.

Usage::

    python bench/run.py run --cells 1 4 --targets all          # whole pipeline
    python bench/run.py run --cells 16 --targets prepare omniscape
    python bench/run.py solvers --cells 0.25 1
    python bench/run.py report [--extra DIR=CELLS_M ...]
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

REPO = Path(__file__).resolve().parents[1]
DEFAULT_WORK = Path("/tmp/amurlink-bench")
#: Area of the demo region's analysis grid (22 950 cells of 1 km in EPSG:32652).
DEMO_AREA_M2 = 22_950 * 1000.0**2
#: Stages: benchmark-file prefixes (first path part under results/benchmarks/).
STAGES = {
    "demo": ["demo"],
    "prepare (align + covariates)": ["align_rasters", "covariates", "covariates_tile"],
    "fit + predict": ["fit_model", "predict_suitability"],
    "resistance": ["resistance"],
    "cores": ["cores"],
    "corridors": ["corridors"],
    "circuit": ["circuit"],
    "omniscape": ["omniscape_inputs", "omniscape_tile", "omniscape_mosaic"],
}
TARGETS = {
    "prepare": ["results/prepare/covariates.tif"],
    "omniscape": [
        f"results/connectivity/baseline/{sp}/normalised_current.tif" for sp in ("leopard", "tiger")
    ],
    "all": [],
}


def resolution_for(cells_m: float) -> float:
    """Cell size (m, rounded to 0.5 m) giving about ``cells_m`` million cells of the demo."""
    return round(math.sqrt(DEMO_AREA_M2 / (cells_m * 1e6)) * 2) / 2


def run(args) -> None:
    for cells in args.cells:
        res = resolution_for(cells)
        work = args.workdir / f"{cells:g}M"
        (work / "config").mkdir(parents=True, exist_ok=True)
        (work / "config" / "config.yaml").write_text((REPO / "config/config.yaml").read_text())
        overrides = {
            "demo": {"enabled": True, "resolution": res},
            "study_area": {"crs": "EPSG:32652", "resolution": res,
                           "bbox_lonlat": [130.3, 42.4, 131.9, 43.9]},
            "covariates": {"max_distance_m": args.max_distance_m},
        }  # fmt: skip
        (work / "bench.yaml").write_text(json.dumps(overrides))
        targets = [t for name in args.targets for t in TARGETS[name]]
        cmd = [sys.executable, "-m", "snakemake", "-s", str(REPO / "Snakefile"), "-d", str(work),
               "--configfile", str(work / "bench.yaml"), "--cores", str(args.cores), *targets]  # fmt: skip
        print(f"{cells:g} M cells at {res} m: {' '.join(cmd)}", flush=True)
        start = time.perf_counter()
        with open(work / "snakemake.log", "w") as log:
            rc = subprocess.call(cmd, stdout=log, stderr=subprocess.STDOUT)
        wall = time.perf_counter() - start
        (work / "wall.json").write_text(json.dumps(
            {"cells_m": cells, "resolution": res, "wall_s": wall, "rc": rc, "targets": args.targets}))  # fmt: skip
        print(f"  exit {rc}, {wall:.0f} s", flush=True)


def read_benchmarks(work: Path) -> dict[str, dict[str, float]]:
    """Per stage: summed wall seconds, largest max_rss (MB), number of jobs."""
    out: dict[str, dict[str, float]] = {}
    root = work / "results" / "benchmarks"
    for tsv in root.rglob("*.tsv"):
        rule = tsv.relative_to(root).parts[0].removesuffix(".tsv")
        stage = next((s for s, rules in STAGES.items() if rule in rules), None)
        if stage is None:
            continue
        header, *rows = tsv.read_text().splitlines()
        cols = header.split("\t")
        for row in rows[-1:]:  # the latest run of that job
            rec = dict(zip(cols, row.split("\t"), strict=False))
            agg = out.setdefault(stage, {"s": 0.0, "max_rss": 0.0, "jobs": 0})
            agg["s"] += float(rec["s"])
            rss = float(rec["max_rss"]) if rec["max_rss"] not in ("-", "NA") else 0.0
            agg["max_rss"] = max(agg["max_rss"], rss)
            agg["jobs"] += 1
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
        runs[wall.parent] = info["cells_m"]
    fitted = set(runs.values())  # --extra runs are shown, not fitted (other config or load)
    for extra in args.extra:
        path, cells = extra.split("=")
        runs[Path(path)] = float(cells)
    table = {cells: read_benchmarks(path) for path, cells in runs.items()}
    sizes = sorted(table)
    lines = ["| stage | " + " | ".join(f"{c:g} M{'' if c in fitted else ' (extra)'}: s / peak MB (jobs)" for c in sizes)
             + " | exponent |", "|---" * (len(sizes) + 2) + "|"]  # fmt: skip
    exps = {}
    for stage in STAGES:
        cells = [c for c in sizes if stage in table[c] and c in fitted]
        secs = [table[c][stage]["s"] for c in cells]
        exps[stage] = fit_exponent(cells, secs)
        cells_txt = []
        for c in sizes:
            rec = table[c].get(stage)
            cells_txt.append(
                f"{rec['s']:.1f} / {rec['max_rss']:.0f} ({rec['jobs']})" if rec else "—"
            )
        exp = f"{exps[stage]:.2f}" if exps[stage] is not None else "—"
        lines.append(f"| {stage} | " + " | ".join(cells_txt) + f" | {exp} |")
    (args.workdir / "table.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    plot(table, sizes, fitted, args.plot)


def plot(table, sizes, fitted, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (ax_t, ax_m) = plt.subplots(1, 2, figsize=(10, 4))
    for stage in STAGES:
        for ax, key in ((ax_t, "s"), (ax_m, "max_rss")):
            line = [c for c in sizes if stage in table[c] and c in fitted]
            other = [c for c in sizes if stage in table[c] and c not in fitted]
            colour = f"C{list(STAGES).index(stage)}"
            if line:
                ax.plot(line, [table[c][stage][key] for c in line], "o-", color=colour, label=stage)
            if other:
                ax.plot(other, [table[c][stage][key] for c in other], "x", color=colour,
                        label=None if line else f"{stage} (whole-pipeline run)")  # fmt: skip
    if sizes:
        ref = np.array([min(sizes), max(sizes)])
        ax_t.plot(ref, 10 * ref / ref[0], "k:", label="linear (slope 1)")
    for ax, label in ((ax_t, "wall time per stage (s, summed over jobs)"),
                      (ax_m, "peak memory of a job (MB)")):  # fmt: skip
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("cells (millions)")
        ax.set_ylabel(label)
        ax.grid(True, which="both", alpha=0.3)
    ax_m.axhline(6000, color="r", ls="--", label="6 GB limit")
    ax_t.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    print(f"wrote {path}")


def solvers(args) -> None:
    """One grounded Laplacian solve of a random landscape: direct vs CG+AMG."""
    sys.path.insert(0, str(REPO / "workflow"))
    from amurlink.circuit import LinearSolver, build_graph

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
    p.add_argument("--targets", nargs="+", choices=list(TARGETS), default=["all"])
    p.add_argument("--cores", type=int, default=2)
    p.add_argument("--max-distance-m", type=float, default=20000)
    p.add_argument("--workdir", type=Path, default=DEFAULT_WORK)
    p.set_defaults(func=run)
    p = sub.add_parser("report")
    p.add_argument("--workdir", type=Path, default=DEFAULT_WORK)
    p.add_argument("--extra", nargs="*", default=[], help="DIR=CELLS_M of other runs")
    p.add_argument("--plot", type=Path, default=REPO / "bench" / "scaling.png")
    p.set_defaults(func=report)
    p = sub.add_parser("solvers")
    p.add_argument("--cells", type=float, nargs="+", default=[0.25, 1])
    p.set_defaults(func=solvers)
    args = parser.parse_args()
    args.func(args)


if __name__ == "__main__":
    main()
