"""Warp the land cover and DEM onto the analysis grid, window by window."""

import logging

import numpy as np

from amurlink.core import io, smk
from amurlink.prepare.covariates import WORLDCOVER_CLASSES, WORLDCOVER_COLOURS
from amurlink.prepare.layers import check_landcover_codes

log = logging.getLogger(__name__)
NODATA_DEM = -9999.0


def main(snakemake):
    inp, out, params = snakemake.input, snakemake.output, snakemake.params
    _, grid = io.read_raster(inp.country, masked=False)
    country = io.read_raster(inp.country, masked=False)[0]
    window_size = params.window_size
    with (
        io.warp_to_grid(inp.landcover, grid, categorical=True) as lc_src,
        io.warp_to_grid(inp.dem, grid, categorical=False) as dem_src,
    ):
        # Check every window's codes before writing anything.
        for window in grid.windows(window_size):
            check_landcover_codes(lc_src.read(1, window=window), lc_src.nodata, inp.landcover)
        with io.RasterWriter(
            out.landcover, grid, dtype="uint8", nodata=0, descriptions=["land cover (ESA WorldCover)"],
            units="class", categorical=True, colormap=WORLDCOVER_COLOURS,
            metadata={f"class_{k}": v for k, v in WORLDCOVER_CLASSES.items()},
        ) as lc_out, io.RasterWriter(
            out.dem, grid, dtype="float32", nodata=NODATA_DEM, descriptions=["elevation"], units="m",
        ) as dem_out:  # fmt: skip
            for window in grid.windows(window_size):
                rows, cols = window.toslices()
                outside = country[rows, cols] == 0
                lc = lc_src.read(1, window=window)
                lc[outside | (lc == lc_src.nodata)] = 0
                lc_out.write(lc.astype(np.uint8), window)
                dem = lc_src_nodata_to_nan(dem_src.read(1, window=window), dem_src.nodata)
                dem[outside] = np.nan
                dem_out.write(np.where(np.isnan(dem), NODATA_DEM, dem), window)
    log.info("aligned land cover and DEM to %d x %d cells", grid.width, grid.height)


def lc_src_nodata_to_nan(arr, nodata):
    arr = arr.astype(np.float32)
    if nodata is not None:
        arr[arr == nodata] = np.nan
    return arr


smk.run(main, globals().get("snakemake"))
