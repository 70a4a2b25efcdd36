"""Resistance and source strength on Omniscape's coarse grid (block means of the fine grid)."""

import numpy as np

from amurlink.core import io, smk
from amurlink.core.errors import InputError
from amurlink.core.tiles import coarsen_mean


def main(snakemake):
    inp, out, factor = snakemake.input, snakemake.output, snakemake.params.factor
    resistance, grid = io.read_raster(inp.resistance)
    suitability, s_grid = io.read_raster(inp.suitability)
    if s_grid != grid:
        raise InputError(f"{inp.suitability}: grid differs from {inp.resistance}")
    coarse = grid.coarsen(factor)
    r = coarsen_mean(np.ma.filled(resistance.astype(np.float64), np.nan), factor)
    s = coarsen_mean(np.ma.filled(suitability.astype(np.float64), np.nan), factor)
    s = np.where(np.isfinite(r), np.nan_to_num(s, nan=0.0), np.nan)
    smk.log.info(
        "coarse grid %d x %d cells of %.0f m (factor %d), %d passable",
        coarse.height, coarse.width, coarse.resolution, factor, np.isfinite(r).sum(),
    )  # fmt: skip
    meta = {"factor": str(factor), "aggregation": "block mean; no-data if > half the block is"}
    io.write_raster(
        out.resistance, r, coarse, nodata=-9999.0, descriptions="resistance",
        units="cost per metre (1 = best habitat)", metadata=meta, dtype="float32",
    )  # fmt: skip
    io.write_raster(
        out.source, s, coarse, nodata=-9999.0, descriptions="source_strength",
        units="1", metadata=meta, dtype="float32",
    )  # fmt: skip


smk.run(main, globals().get("snakemake"))
