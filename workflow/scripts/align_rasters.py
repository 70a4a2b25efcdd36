"""Warp the land cover and DEM onto the analysis grid, window by window."""

import logging

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
        for window in grid.windows(window_size):
            codes = lc_src.read(1, window=window)
            align.check_landcover_codes(codes, lc_src.nodata, inp.landcover)
        with io.RasterWriter(
            out.landcover, grid, dtype="uint8", nodata=0, descriptions=["land cover (ESA WorldCover)"],
            units="class", categorical=True, colormap=WORLDCOVER_COLOURS,
            metadata={f"class_{k}": v for k, v in WORLDCOVER_CLASSES.items()},
        ) as lc_out, io.RasterWriter(
            out.dem, grid, dtype="float32", nodata=align.NODATA_DEM, descriptions=["elevation"], units="m",
        ) as dem_out:  # fmt: skip
            # Read as they are, not through io.read_windows: a masked read warps twice.
            for window in grid.windows(window_size):
                outside = datasets["country"].read(1, window=window) == 0  # no country
                lc = lc_src.read(1, window=window)
                lc_out.write(align.aligned_landcover(lc, lc_src.nodata, outside), window)
                dem = dem_src.read(1, window=window)
                dem_out.write(align.aligned_dem(dem, dem_src.nodata, outside), window)
    log.info("aligned land cover and DEM to %d x %d cells", grid.width, grid.height)


smk.run(main, globals().get("snakemake"))
