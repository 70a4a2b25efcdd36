"""Alignment: the land cover and the DEM on the analysis grid, checked and masked.

The rasters are warped onto the grid by :func:`amurlink.core.io.warp_to_grid`
(nearest neighbour for the classes, bilinear for elevation) and read window by
window as they are (no masked read: masking a WarpedVRT's window warps it twice,
data and mask, about twice the time); these functions check and mask one window:
the land cover must hold ESA WorldCover codes, and cells outside every country (the
sea, the world beyond the study area) become no-data.
"""

from __future__ import annotations

import numpy as np

from amurlink.core.errors import InputError
from amurlink.prepare.covariates import WORLDCOVER_CLASSES

#: No-data of the aligned DEM (the land cover's is 0, which is no WorldCover class).
NODATA_DEM = -9999.0


def check_landcover_codes(landcover: np.ndarray, nodata, path: str) -> None:
    """Raise :class:`InputError` if the raster holds codes that are not ESA WorldCover classes."""
    values = np.unique(landcover)
    if nodata is not None:
        values = values[values != nodata]
    unknown = sorted(set(values.tolist()) - set(WORLDCOVER_CLASSES))
    if unknown:
        raise InputError(
            f"{path}: land-cover codes {unknown[:10]} are not ESA WorldCover classes "
            f"(expected {sorted(WORLDCOVER_CLASSES)}); reclassify the raster first"
        )


def aligned_landcover(landcover: np.ndarray, nodata, outside: np.ndarray) -> np.ndarray:
    """A window of warped land cover as uint8 codes, 0 (no data) at ``nodata`` and ``outside``."""
    return np.where(outside | (landcover == nodata), 0, landcover).astype(np.uint8)


def aligned_dem(dem: np.ndarray, nodata, outside: np.ndarray) -> np.ndarray:
    """A window of warped elevation as float32, :data:`NODATA_DEM` at ``nodata`` and ``outside``."""
    dem = dem.astype(np.float32)
    if nodata is not None:
        dem[dem == nodata] = np.nan
    dem[outside] = np.nan
    return np.where(np.isnan(dem), NODATA_DEM, dem)
