"""Resistance and source strength on Omniscape's coarse grid (block means of the fine grid)."""

import numpy as np

from amurlink.connectivity.omniscape import coarse_inputs
from amurlink.connectivity.resistance import nan_filled
from amurlink.core import io, smk
from amurlink.core.io.inputs import read_rasters_on_grid


def main(snakemake):
    inp, out, factor = snakemake.input, snakemake.output, snakemake.params.factor
    rasters, grid = read_rasters_on_grid(
        {"resistance": inp.resistance, "suitability": inp.suitability}
    )
    coarse = grid.coarsen(factor)
    r, s = coarse_inputs(
        nan_filled(rasters["resistance"]), nan_filled(rasters["suitability"]), factor
    )
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
