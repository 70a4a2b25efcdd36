"""Warp the land cover and DEM onto the analysis grid, window by window.

Land cover is aggregated by class fractions and their mode, or taken at the cell
centre (config ``inputs.landcover_aggregation``); the DEM by the average of finer
cells, bilinear otherwise.  Each choice is recorded in the rasters' tags.
"""

import logging

import numpy as np

from amurlink.core import io, smk
from amurlink.core.io.rasters import check_coverage, read_covering, read_grid, source_cell_size
from amurlink.prepare import align
from amurlink.prepare.covariates import WORLDCOVER_CLASSES, WORLDCOVER_COLOURS

log = logging.getLogger(__name__)

#: Source cells read at once when counting class fractions (memory ~ 10 bytes a cell).
FRACTION_SOURCE_CELLS = 4_000_000


def main(snakemake):
    inp, out, params = snakemake.input, snakemake.output, snakemake.params
    window_size = params.window_size
    landcover, dem = list(inp.landcover), list(inp.dem)
    fractions = params.aggregation == "fractions"
    with io.open_on_grid({"country": inp.country}) as (datasets, grid):
        for key, paths in (("landcover", landcover), ("dem", dem)):
            check_coverage(paths, grid, f"inputs.{key}", params.coverage)
        with (
            io.warp_to_grid(landcover, grid, categorical=True) as lc_src,
            io.warp_to_grid(dem, grid, categorical=False) as dem_src,
        ):
            # Check every window's codes before writing anything.
            for window in grid.windows(window_size):
                codes = lc_src.read(1, window=window)
                align.check_landcover_codes(codes, lc_src.nodata, landcover[0])
            method = "nearest (the class at each cell centre)"
            if fractions:
                method = f"mode of the class fractions ({fraction_method(landcover, grid)})"
            with io.RasterWriter(
                out.landcover, grid, dtype="uint8", nodata=0, descriptions=["land cover (ESA WorldCover)"],
                units="class", categorical=True, colormap=WORLDCOVER_COLOURS,
                metadata={**{f"class_{k}": v for k, v in WORLDCOVER_CLASSES.items()}, "aggregation": method},
            ) as lc_out, io.RasterWriter(
                out.dem, grid, dtype="float32", nodata=align.NODATA_DEM, descriptions=["elevation"], units="m",
                metadata={"aggregation": f"{dem_src.resampling} (GDAL warp)"},
            ) as dem_out:  # fmt: skip
                # Read as they are, not through io.read_windows: a masked read warps twice.
                for window in grid.windows(window_size):
                    outside = datasets["country"].read(1, window=window) == 0  # no country
                    if not fractions:
                        lc = lc_src.read(1, window=window)
                        lc_out.write(align.aligned_landcover(lc, lc_src.nodata, outside), window)
                    dem_values = dem_src.read(1, window=window)
                    dem_out.write(align.aligned_dem(dem_values, dem_src.nodata, outside), window)
                if fractions:
                    write_fractions(landcover, grid, datasets["country"], lc_out, out.fractions)
    log.info("aligned land cover (%s) and DEM to %d x %d cells", method, grid.width, grid.height)


def fraction_method(paths, grid) -> str:
    """How the fractions are counted: by blocks if the grid is whole blocks of the first tile's cells."""
    src = read_grid(paths[0])
    if align._block_layout(src.transform, src.crs, grid) is not None:
        return "exact block count"
    return "area-weighted, GDAL average"


def write_fractions(paths, grid, country, lc_out, fractions_path):
    """Class fractions and their mode, in parts of bounded size (``FRACTION_SOURCE_CELLS``)."""
    classes = list(WORLDCOVER_CLASSES)
    ratio = max(grid.resolution / source_cell_size(paths, grid.crs), 1.0)
    part = max(1, int(FRACTION_SOURCE_CELLS**0.5 / ratio))
    names = [f"fraction_{c}" for c in classes]
    with io.RasterWriter(
        fractions_path, grid, dtype="float32", nodata=-9999.0, descriptions=names,
        units=["1"] * len(names),
        metadata={"aggregation": f"class fractions ({fraction_method(paths, grid)})",
                  **{f"fraction_{k}": f"share of {v}" for k, v in WORLDCOVER_CLASSES.items()}},
    ) as fr_out:  # fmt: skip
        for window in grid.windows(part):
            sub = grid.window_grid(window)
            codes, transform, crs, nodata = read_covering(paths, sub)
            nodata = 0 if nodata is None else nodata  # 0 is no WorldCover class
            align.check_landcover_codes(codes, nodata, paths[0])
            f = align.class_fractions(codes, transform, crs, sub, classes, nodata)
            f[:, country.read(1, window=window) == 0] = np.nan  # outside every country
            lc_out.write(align.fractions_mode(f, classes).astype("uint8"), window)
            fr_out.write(np.where(np.isnan(f), -9999.0, f).astype("float32"), window)


smk.run(main, globals().get("snakemake"))
