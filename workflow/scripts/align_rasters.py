"""Warp the land cover and DEM onto the analysis grid, window by window."""

import logging

import numpy as np

from amurlink.core import io, smk
from amurlink.prepare import align
from amurlink.prepare.covariates import WORLDCOVER_CLASSES, WORLDCOVER_COLOURS

log = logging.getLogger(__name__)


def main(snakemake):
    inp, out, params = snakemake.input, snakemake.output, snakemake.params
    window_size = params.window_size
    with (
        io.open_on_grid({"country": inp.country}) as (datasets, grid),
        io.warp_to_grid(inp.landcover, grid, categorical=True) as lc_src,
        io.warp_to_grid(inp.dem, grid, categorical=False) as dem_src,
    ):
        # Check every window's codes before writing anything.
        for _, block in io.read_windows({"landcover": lc_src}, grid, window_size):
            codes = block["landcover"]
            align.check_landcover_codes(codes[~np.isnan(codes)], None, inp.landcover)
        with io.RasterWriter(
            out.landcover, grid, dtype="uint8", nodata=0, descriptions=["land cover (ESA WorldCover)"],
            units="class", categorical=True, colormap=WORLDCOVER_COLOURS,
            metadata={f"class_{k}": v for k, v in WORLDCOVER_CLASSES.items()},
        ) as lc_out, io.RasterWriter(
            out.dem, grid, dtype="float32", nodata=align.NODATA_DEM, descriptions=["elevation"], units="m",
        ) as dem_out:  # fmt: skip
            sources = {"country": datasets["country"], "landcover": lc_src, "dem": dem_src}
            for window, block in io.read_windows(sources, grid, window_size):
                outside = np.isnan(block["country"][0])  # country index 0: no country
                lc_out.write(align.aligned_landcover(block["landcover"][0], outside), window)
                dem_out.write(align.aligned_dem(block["dem"][0], outside), window)
    log.info("aligned land cover and DEM to %d x %d cells", grid.width, grid.height)


smk.run(main, globals().get("snakemake"))
