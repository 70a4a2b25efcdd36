"""Circuit solver engine (issue 11): a pairwise job with 10 focal regions, wall time and peak memory.

One seeded landscape per size: ``--cells`` cells in a square, resistance
``10 ** U(0, 4)`` (four orders of magnitude), 8 neighbours, and 10 square focal
regions of ``--region`` × ``--region`` cells at seeded places (45 pairs).  Each
variant runs in its own process, so its peak resident memory (VmHWM) is its own;
``baseline`` is that of a process that only imports the libraries and makes the
landscape, stated apart.  Variants, per shorting mode (``pair``: Circuitscape's
default for regions, only the pair's two regions shorted; ``all``: every region
shorted at once):

- ``default/<mode>``: the project, ``circuit.pairwise(..., solver='auto',
  currents=False)``: the engine and back-end the cost model picks;
- ``engine-<backend>/<mode>``: the same engine with the back-end forced
  (``--backends``: superlu, pardiso, cholmod, cg+amg, cg+amg-lean; the last, with
  ``all`` shorting and no current maps, is the whole lean path: the Laplacian
  straight into CSR, smoothed aggregation on 3 × 3 raster blocks, lean CG);
- ``spsolve/<mode>``: ``scipy.sparse.linalg.spsolve`` per pair on that pair's
  graph, **three pairs timed and the time scaled to 45** (said so in the table);
- ``superlu-reused/<mode>``: one SuperLU factorisation (``splu``) reused for all
  pairs: for ``all``, k − 1 solves on the shorted graph; for ``pair``, the
  unshorted graph, a solve for every region cell and each pair shorted exactly on
  the small block of its two regions' cells;
- ``amg-loop/<mode>``: a plain pyamg smoothed-aggregation hierarchy built once and
  CG (rtol 1e-6) per right-hand side, as ``superlu-reused`` (for ``pair`` with
  every region cell a right-hand side: **three timed and scaled**, said so).

The parent prints one table (wall s, peak MB, peak bytes per cell above the
baseline, ratio to the default) and the largest relative difference of the 45
resistances of every variant against ``superlu-reused`` of the same mode (against
``default`` when ``superlu-reused`` was not run, said so in the note).

Usage::

    python bench/circuit.py --cells 1e6 4e6
    python bench/circuit.py --quick          # a tiny grid, a smoke test (< 5 s)
    python bench/circuit.py --cells 16e6 --variants default/all --modes all
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
SEED = 11
N_REGIONS = 10
SCALED = 3  # pairs (or right-hand sides) timed where a variant is scaled


def peak_rss_mb() -> float:
    """This process's peak resident memory (VmHWM), MB (not inherited across exec)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def landscape(cells: int, region: int, seed: int = SEED) -> tuple[np.ndarray, np.ndarray]:
    """Seeded resistance raster and 10 square focal regions (IDs 1-10) on a jittered grid."""
    side = int(round(cells**0.5))
    rng = np.random.default_rng(seed)
    resistance = 10 ** rng.uniform(0.0, 4.0, (side, side))
    focal = np.zeros((side, side), dtype=np.int32)
    step = side / 4
    slots = [(i, j) for i in range(4) for j in range(4)]
    chosen = rng.choice(len(slots), N_REGIONS, replace=False)
    for k, slot in enumerate(sorted(chosen), start=1):
        i, j = slots[slot]
        jitter = rng.uniform(0.2, 0.8, 2)
        r0 = int((i + jitter[0]) * step) - region // 2
        c0 = int((j + jitter[1]) * step) - region // 2
        r0, c0 = min(max(r0, 0), side - region), min(max(c0, 0), side - region)
        focal[r0 : r0 + region, c0 : c0 + region] = k
    return resistance, focal


# ----------------------------------------------------------------- variants
def _grounded(graph, ground):
    keep = np.ones(graph.n_nodes, dtype=bool)
    keep[ground] = False
    return graph.laplacian[keep][:, keep].tocsc(), np.cumsum(keep) - 1


def _region_cells(graph, focal):
    return [np.unique(graph.node_of_cell[(focal == k) & (graph.node_of_cell >= 0)]) for k in
            range(1, N_REGIONS + 1)]  # fmt: skip


def _short_block(green: np.ndarray, cells_a: np.ndarray, cells_b: np.ndarray) -> float:
    """R between regions a and b shorted, from the grounded Green's function on their cells.

    The ground is a node of neither; every cell of a sits at V_a, of b at V_b, 1 A
    in at b and out at a: [[G, −E], [Eᵀ, 0]] [q; V] = [0; (−1, 1)].
    """
    nodes = np.concatenate([cells_a, cells_b])
    side = np.repeat([0, 1], [len(cells_a), len(cells_b)])
    m = len(nodes)
    e = (side[:, None] == [0, 1]).astype(float)
    system = np.block([[green[np.ix_(nodes, nodes)], -e], [e.T, np.zeros((2, 2))]])
    sol = np.linalg.solve(system, np.concatenate([np.zeros(m), [-1.0, 1.0]]))
    return float(sol[-1] - sol[-2])


def _reused(resistance, focal, mode: str, make_solver, scale_rhs: bool):
    """One factorisation or hierarchy (``make_solver(A) -> solve(b)``) for every pair."""
    from amurlink.connectivity import circuit

    pairs = list(itertools.combinations(range(N_REGIONS), 2))
    out = np.zeros(len(pairs))
    note = ""
    if mode == "all":
        graph = circuit.build_graph(resistance, 8, regions=focal)
        nodes = [int(graph.node_of_cell[focal == k][0]) for k in range(1, N_REGIONS + 1)]
        matrix, pos = _grounded(graph, nodes[0])
        solve = make_solver(matrix)
        x = np.zeros((N_REGIONS, N_REGIONS))
        for j in range(1, N_REGIONS):
            b = np.zeros(matrix.shape[0])
            b[pos[nodes[j]]] = 1.0
            v = solve(b)
            x[1:, j] = v[pos[nodes[1:]]]
        d = np.diag(x)
        r = d[:, None] + d[None, :] - x - x.T
        return np.array([r[a, b] for a, b in pairs]), note
    graph = circuit.build_graph(resistance, 8)
    regions = _region_cells(graph, focal)
    every = np.concatenate(regions)
    ground = int(np.setdiff1d(np.arange(graph.n_nodes), every)[0])
    matrix, pos = _grounded(graph, ground)
    solve = make_solver(matrix)
    green = np.zeros((graph.n_nodes, 0))
    index = np.full(graph.n_nodes, -1)
    index[every] = np.arange(len(every))
    green = np.zeros((len(every), len(every)))
    todo = range(len(every)) if not scale_rhs else range(SCALED)
    start = time.perf_counter()
    for col in todo:
        b = np.zeros(matrix.shape[0])
        b[pos[every[col]]] = 1.0
        green[:, col] = solve(b)[pos[every]]
    if scale_rhs:
        per = (time.perf_counter() - start) / SCALED
        note = f"{SCALED} of {len(every)} region-cell solves timed, scaled"
        return None, note, per * (len(every) - SCALED)
    for p, (a, b) in enumerate(pairs):
        out[p] = _short_block(green, index[regions[a]], index[regions[b]])
    return out, note


def _spsolve(resistance, focal, mode: str):
    """spsolve per pair on the pair's own graph (three pairs; the parent scales to 45)."""
    from scipy.sparse.linalg import spsolve

    from amurlink.connectivity import circuit

    pairs = list(itertools.combinations(range(N_REGIONS), 2))[:SCALED]
    out = []
    for a, b in pairs:
        two = focal if mode == "all" else np.where(np.isin(focal, [a + 1, b + 1]), focal, 0)
        graph = circuit.build_graph(resistance, 8, regions=two)
        na = int(graph.node_of_cell[focal == a + 1][0])
        nb = int(graph.node_of_cell[focal == b + 1][0])
        matrix, pos = _grounded(graph, na)
        rhs = np.zeros(matrix.shape[0])
        rhs[pos[nb]] = 1.0
        out.append(spsolve(matrix, rhs)[pos[nb]])
    return np.array(out)


def _superlu(matrix):
    from scipy.sparse.linalg import splu

    lu = splu(matrix, permc_spec="MMD_AT_PLUS_A", diag_pivot_thresh=0.0,
              options={"SymmetricMode": True})  # fmt: skip
    return lu.solve


def _amg(matrix):
    import pyamg
    from scipy.sparse.linalg import cg

    np.random.seed(SEED)  # noqa: NPY002 (pyamg draws from the global generator)
    ml = pyamg.smoothed_aggregation_solver(matrix.tocsr())
    m = ml.aspreconditioner(cycle="V")
    return lambda b: cg(matrix, b, rtol=1e-6, atol=0.0, maxiter=10_000, M=m)[0]


def run_variant(name: str, cells: int, region: int) -> dict:
    """Run one variant in this process; returns its timings, memory and resistances."""
    from amurlink.connectivity import circuit

    resistance, focal = landscape(cells, region)
    kind, mode = name.split("/") if "/" in name else (name, "")
    start = time.perf_counter()
    extra, note, values = 0.0, "", None
    if kind == "baseline":
        pass
    elif kind == "default" or kind.startswith("engine-"):
        solver = "auto" if kind == "default" else kind.removeprefix("engine-")
        res = circuit.pairwise(resistance, focal, neighbours=8, solver=solver, shorting=mode,
                               currents=False)  # fmt: skip
        values = [r for _, _, r in res.pairs()]
    elif kind == "spsolve":
        values = _spsolve(resistance, focal, mode)
        note = f"{SCALED} of 45 pairs timed, scaled to 45"
    elif kind in ("superlu-reused", "amg-loop"):
        make = _superlu if kind == "superlu-reused" else _amg
        scale = kind == "amg-loop" and mode == "pair"
        got = _reused(resistance, focal, mode, make, scale)
        if scale:
            values, note, extra = got
        else:
            values, note = got
    else:
        raise SystemExit(f"unknown variant {name!r}")
    seconds = time.perf_counter() - start + extra
    if kind == "spsolve":
        seconds *= 45 / SCALED
    return {
        "name": name,
        "seconds": seconds,
        "peak_mb": peak_rss_mb(),
        "note": note,
        "resistances": None if values is None else [float(v) for v in values],
        "auto": circuit.plan_solver(resistance.size, 9 * resistance.size, 1).method,
    }


# --------------------------------------------------------------------- parent
def _child(name: str, cells: int, region: int, timeout: float) -> dict:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(REPO / "workflow") + os.pathsep + env.get("PYTHONPATH", "")
    cmd = [sys.executable, __file__, "--child", name, "--cells", str(cells), "--region",
           str(region)]  # fmt: skip
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"name": name, "error": f"over {timeout:.0f} s"}
    if proc.returncode != 0:
        last = (proc.stderr.strip().splitlines() or [f"exit code {proc.returncode}"])[-1]
        return {"name": name, "error": last[:120]}
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _table(cells: int, rows: list[dict], baseline: float) -> str:
    refs = {r["name"].split("/")[1]: r for r in rows if r["name"].startswith("superlu-reused/")}
    defaults = {r["name"].split("/")[1]: r for r in rows if r["name"].startswith("default/")}
    lines = [f"### {cells / 1e6:g} M cells (baseline process {baseline:.0f} MB, not counted)",
             "", "| variant | wall s | peak MB | B/cell above baseline | × default | "
             "max rel. diff of R | note |", "|---|---|---|---|---|---|---|"]  # fmt: skip
    for r in rows:
        if "error" in r:
            lines.append(f"| {r['name']} | – | – | – | – | – | failed: {r['error']} |")
            continue
        mode = r["name"].split("/")[1]
        ref, default = refs.get(mode), defaults.get(mode)
        note = r["note"]
        if ref is None and default is not r and default and "resistances" in default:
            ref, note = default, (note + "; " if note else "") + "R vs default"
        diff = "–"
        if ref and "resistances" in ref and r["resistances"] and ref.get("resistances"):
            a, b = np.array(r["resistances"]), np.array(ref["resistances"])[: len(r["resistances"])]
            diff = f"{np.max(np.abs(a - b) / np.abs(b)):.1e}"
        ratio = (
            f"{r['seconds'] / default['seconds']:.2f}" if default and "seconds" in default else "–"
        )
        per_cell = (r["peak_mb"] - baseline) * 2**20 / cells
        lines.append(f"| {r['name']} | {r['seconds']:.1f} | {r['peak_mb']:.0f} | {per_cell:.0f} "
                     f"| {ratio} | {diff} | {note} |")  # fmt: skip
    return "\n".join(lines)


VARIANTS = ["default", "spsolve", "superlu-reused", "amg-loop"]


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cells", type=float, nargs="+", default=[1e6, 4e6])
    parser.add_argument("--region", type=int, default=5, help="focal region edge (cells)")
    parser.add_argument("--modes", nargs="+", default=["pair", "all"])
    parser.add_argument("--variants", nargs="+", default=VARIANTS)
    parser.add_argument("--backends", nargs="*", default=[],
                        help="engine back-ends to force as well (superlu pardiso cholmod cg+amg "
                             "cg+amg-lean)")  # fmt: skip
    parser.add_argument("--timeout", type=float, default=3600.0, help="seconds per variant")
    parser.add_argument("--quick", action="store_true", help="a tiny grid: a smoke test")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    sys.path.insert(0, str(REPO / "workflow"))  # this tree's amurlink
    if args.child:
        print(json.dumps(run_variant(args.child, int(args.cells[0]), args.region)))
        return
    if args.quick:  # in this process, a few variants: checks the code paths, not the figures
        rows = [run_variant(f"{kind}/{mode}", 3600, 3) for mode in ("pair", "all")
                for kind in ("default", "spsolve", "superlu-reused")]  # fmt: skip
        print(_table(3600, rows, rows[0]["peak_mb"]))
        return
    kinds = args.variants + [f"engine-{b}" for b in args.backends]
    print(f"bench/circuit.py: {os.cpu_count()} cores; load average {os.getloadavg()[0]:.1f} "
          f"at start (the machine is shared: ratios within one run are what counts)")  # fmt: skip
    for cells in (int(c) for c in args.cells):
        baseline = _child("baseline", cells, args.region, args.timeout)["peak_mb"]
        rows = []
        for mode in args.modes:
            for kind in kinds:
                row = _child(f"{kind}/{mode}", cells, args.region, args.timeout)
                rows.append(row)
                print(f"  {row['name']}: " + (f"{row['seconds']:.1f} s, {row['peak_mb']:.0f} MB"
                      if "error" not in row else row["error"]), file=sys.stderr, flush=True)  # fmt: skip
        print(_table(cells, rows, baseline), flush=True)
        print(f"auto's choice for one solve of this size: {rows[0].get('auto', '?')}\n", flush=True)


if __name__ == "__main__":
    main()
