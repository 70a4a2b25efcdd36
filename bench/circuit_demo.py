"""The demo's effective resistances: the pipeline's against the pre-engine path (issue 11).

The pipeline's ``circuit`` rule solves with ``solver='auto'`` (CHOLMOD on the demo) and the
reduced per-pair engine (one factorisation of the unshorted graph).  Before issue 11 it
built each pair's graph and a SuperLU factorisation per pair.  This recomputes every
``effective_resistance.csv`` of a finished run that way, from the same resistance and core
rasters, and prints the largest differences::

    python bench/circuit_demo.py RUN_DIR [--scenarios baseline proposed_road]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd

from amurlink.connectivity import circuit
from amurlink.connectivity.cores import core_ids
from amurlink.connectivity.resistance import nan_filled
from amurlink.core.io.inputs import read_rasters_on_grid


def compare(folder: Path, neighbours: int) -> tuple[int, float, float]:
    """Pairs, largest absolute and relative difference of one run's resistances."""
    rasters, _ = read_rasters_on_grid(
        {"resistance": folder / "grid/resistance.tif", "cores": folder / "grid/cores.tif"}
    )
    reference = circuit.pairwise(
        nan_filled(rasters["resistance"]), core_ids(rasters["cores"]), neighbours=neighbours,
        solver="superlu", shorting="pair", engine="per-pair", currents=False,
    ).table()  # fmt: skip
    got = pd.read_csv(folder / "effective_resistance.csv")
    both = got.merge(reference, on=["core_a", "core_b"], suffixes=("", "_ref"))
    diff = np.abs(both["effective_resistance"] - both["effective_resistance_ref"])
    return (
        len(both),
        float(diff.max()),
        float((diff / both["effective_resistance_ref"].abs()).max()),
    )


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run", type=Path)
    parser.add_argument("--scenarios", nargs="+", default=["baseline", "proposed_road"])
    parser.add_argument("--species", nargs="+", default=["leopard", "tiger"])
    parser.add_argument("--neighbours", type=int, default=8)
    args = parser.parse_args(argv)
    for scenario in args.scenarios:
        for species in args.species:
            folder = args.run / "results/connectivity" / scenario / species
            n, absolute, relative = compare(folder, args.neighbours)
            print(f"{scenario} {species}: {n} pairs, largest difference {absolute:.2e} "
                  f"(relative {relative:.2e})")  # fmt: skip


if __name__ == "__main__":
    main()
