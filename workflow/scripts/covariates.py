"""Mosaic the covariate tiles into one COG on the analysis grid (one tile in memory at a time)."""

import logging

import rasterio

from amurlink.core import io, smk
from amurlink.core.grid import Grid

log = logging.getLogger(__name__)


def main(snakemake):
    inp, out = snakemake.input, snakemake.output
    with rasterio.open(inp.landcover) as src:
        grid = Grid.from_dataset(src)
    names = io.read_band_names(inp.tiles[0])
    with rasterio.open(inp.tiles[0]) as src:
        units = list(src.units)
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
