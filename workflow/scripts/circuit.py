"""Circuit-theory connectivity between habitat cores (Circuitscape pairwise mode)."""

import logging

import numpy as np
import pandas as pd

from amurlink.connectivity import circuit
from amurlink.core import io, smk
from amurlink.core.errors import InputError

log = logging.getLogger(__name__)


def main(snakemake):
    inp, out, params = snakemake.input, snakemake.output, snakemake.params
    resistance, grid = io.read_raster(inp.resistance)
    cores, core_grid = io.read_raster(inp.cores, masked=False)
    if core_grid != grid:
        raise InputError(f"{inp.cores}: not on the grid of {inp.resistance}")
    # No-data (masked) resistance cells are impassable: NaN is not a node.
    resistance = np.ma.filled(resistance.astype("float64"), np.nan)
    result = circuit.pairwise(
        resistance,
        np.where(cores > 0, cores, 0),
        neighbours=int(params.neighbours),
        solver=getattr(params, "solver", "auto"),
        shorting=getattr(params, "shorting", "pair"),
    )
    io.write_raster(
        out.current,
        result.cum_current.astype("float32"),
        grid,
        nodata=-9999.0,
        descriptions="cumulative current",
        units="A",
        dtype="float32",
    )
    table = pd.DataFrame(list(result.pairs()), columns=["core_a", "core_b", "effective_resistance"])
    io.write_table(table, out.effective_resistance)
    connected = table["effective_resistance"] >= 0
    log.info(
        "%d cores, %d pairs, %d connected; cumulative current max %.4g A",
        len(result.ids),
        len(table),
        int(connected.sum()),
        float(np.nanmax(result.cum_current)) if np.isfinite(result.cum_current).any() else 0.0,
    )


smk.run(main, globals().get("snakemake"))
