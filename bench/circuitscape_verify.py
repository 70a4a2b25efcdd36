"""Run Circuitscape.jl's verification jobs through ``python -m amurlink.circuitscape_ini``.

Not part of the test suite (it needs Circuitscape.jl's ``test/`` folder, which is
not shipped here).  Give the folder that holds ``input/`` and ``output_verify/``
(Circuitscape.jl's ``test/``); every job found there (``input/raster/*/*/*.ini``
and ``input/network/*.ini``) is run from that folder, as Circuitscape.jl's
``test/runtests.jl`` does, and every output it writes is compared with the file
of the same name in ``output_verify/`` using that file's tolerances
(``test/test_utils.jl``):

* resistances (``_resistances.out``; all-to-one and one-to-all too): every entry
  within ``sqrt(1e-6) = 1e-3``;
* ASCII grids: sum of squared differences < 1e-6;
* network node, branch and voltage tables: keyed by node (or node pair), a
  missing entry counting as 0, sum of squared differences < 1e-6.

    python bench/circuitscape_verify.py /path/to/Circuitscape.jl/test [JOB ...]

Prints one table row per job: job, mode, files compared, matched, max difference.
Outputs with no expected file are listed as not compared.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

import numpy as np

TOL = 1e-6


def _read_grid(path: Path) -> np.ndarray:
    return np.loadtxt(path, skiprows=6, ndmin=2)


def _keyed(path: Path, nkey: int) -> dict[tuple[int, ...], float]:
    table = np.loadtxt(path, ndmin=2)
    return {tuple(int(v) for v in row[:nkey]): float(row[nkey]) for row in table}


def compare(ours: Path, expected: Path) -> tuple[bool, float]:
    """(matched, max abs difference) of one output against Circuitscape's file."""
    name = ours.name
    if name.endswith(".asc"):
        a, b = _read_grid(ours), _read_grid(expected)
        if a.shape != b.shape:
            return False, float("inf")
        d = a - b
        return float(np.sum(d**2)) < TOL, float(np.max(np.abs(d))) if d.size else 0.0
    if "resistances" in name:
        a, b = np.loadtxt(ours, ndmin=2), np.loadtxt(expected, ndmin=2)
        if a.shape != b.shape:
            return False, float("inf")
        d = np.abs(a - b)
        return bool(np.all(d <= np.sqrt(TOL))), float(d.max()) if d.size else 0.0
    nkey = 2 if "branch" in name else 1
    a, b = _keyed(ours, nkey), _keyed(expected, nkey)
    keys = a.keys() | b.keys()
    d = np.array([a.get(k, 0.0) - b.get(k, 0.0) for k in keys])
    return float(np.sum(d**2)) < TOL, float(np.max(np.abs(d))) if d.size else 0.0


def _output_prefix(ini: Path) -> str:
    for line in ini.read_text().splitlines():
        key, _, value = line.partition("=")
        if key.strip().lower() == "output_file":
            return value.strip().split(".out")[0]
    raise SystemExit(f"{ini}: no output_file")


def _mode(ini: Path) -> str:
    text = ini.read_text().lower()
    data = "network" if "data_type = network" in text else "raster"
    for line in text.splitlines():
        if line.strip().startswith("scenario"):
            return f"{data} {line.split('=')[1].strip()}"
    return data


def run(root: Path, ini: Path) -> dict:
    """Run one job from ``root`` and compare each output it wrote."""
    prefix = _output_prefix(ini)
    out_dir = (root / prefix).parent if not os.path.isabs(prefix) else Path(prefix).parent
    stem = Path(prefix).name
    out_dir.mkdir(parents=True, exist_ok=True)
    for old in out_dir.glob(f"{stem}_*"):
        old.unlink()
    env = dict(os.environ)
    done = subprocess.run(
        [sys.executable, "-m", "amurlink.circuitscape_ini", str(ini.relative_to(root))],
        cwd=root,
        capture_output=True,
        text=True,
        env=env,
    )
    row = {"job": ini.stem, "mode": _mode(ini), "rc": done.returncode, "n": 0, "ok": 0}
    row["max"] = 0.0
    row["missing"] = []
    row["failed"] = []
    if done.returncode != 0:
        row["error"] = done.stderr.strip().splitlines()[-1] if done.stderr.strip() else "?"
        return row
    for ours in sorted(out_dir.glob(f"{stem}_*")):
        expected = root / "output_verify" / ours.name
        if not expected.exists():
            row["missing"].append(ours.name)
            continue
        ok, diff = compare(ours, expected)
        row["n"] += 1
        row["ok"] += ok
        row["max"] = max(row["max"], diff)
        if not ok:
            row["failed"].append(ours.name)
    return row


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("root", type=Path, help="Circuitscape.jl's test/ folder")
    parser.add_argument("jobs", nargs="*", help="job names (default: every job found)")
    args = parser.parse_args(argv)
    root = args.root.resolve()
    inis = sorted(root.glob("input/raster/*/*/*.ini")) + sorted(root.glob("input/network/*.ini"))
    if args.jobs:
        inis = [p for p in inis if p.stem in args.jobs]
    print(f"{'job':<22} {'mode':<22} {'compared':>8} {'matched':>8} {'max diff':>10}  notes")
    bad = 0
    for ini in inis:
        row = run(root, ini)
        note = row.get("error", "")
        if row["failed"]:
            note += " failed: " + ", ".join(row["failed"][:4])
        if row["missing"]:
            note += f" ({len(row['missing'])} outputs without an expected file)"
        ok = row["rc"] == 0 and row["ok"] == row["n"] and row["n"] > 0
        bad += not ok
        print(
            f"{row['job']:<22} {row['mode']:<22} {row['n']:>8} {row['ok']:>8} "
            f"{row['max']:>10.2e}  {'OK' if ok else 'FAIL'}{note}"
        )
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
