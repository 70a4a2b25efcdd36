"""Mosaic the covariate tiles into one COG on the analysis grid (one tile in memory at a time)."""

import logging

from amurlink.core import io, smk
from amurlink.core.io.rasters import read_band_units, read_grid

log = logging.getLogger(__name__)


def main(snakemake):
    inp, out = snakemake.input, snakemake.output
    grid = read_grid(inp.landcover)
    names = io.read_band_names(inp.tiles[0])
    units = read_band_units(inp.tiles[0])
    with io.RasterWriter(
        out.covariates, grid, dtype="float32", nodata=-9999.0, descriptions=names, units=units
    ) as writer:
        for path, (window, stack) in zip(inp.tiles, io.read_tiles(inp.tiles, grid), strict=True):
            writer.write(stack, window)
            for name, band in zip(names, stack, strict=True):
                valid = band != -9999.0
                if valid.any():
                    log.info("%s %-18s min %10.3f  max %10.3f", path, name,
                             band[valid].min(), band[valid].max())  # fmt: skip
    log.info("%d tiles mosaicked into %s (%d x %d)", len(inp.tiles), out.covariates,
             grid.height, grid.width)  # fmt: skip


smk.run(main, globals().get("snakemake"))
