"""Alignment: the land cover and the DEM on the analysis grid, checked and masked.

Land cover finer than the grid is aggregated by class fractions
(:func:`class_fractions`: the share of each class in every cell, counted exactly
by blocks when the resolutions divide and the grids line up, else area-weighted by
GDAL's average) and the mode (:func:`fractions_mode`); config
``inputs.landcover_aggregation: nearest`` keeps the class at each cell centre.

The rasters are warped onto the grid by :func:`amurlink.core.io.warp_to_grid`
(nearest neighbour for the classes, bilinear for elevation) and read window by
window as they are (no masked read: masking a WarpedVRT's window warps it twice,
data and mask, about twice the time); these functions check and mask one window:
the land cover must hold ESA WorldCover codes, and cells outside every country (the
sea, the world beyond the study area) become no-data.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from pyproj import CRS
from rasterio.warp import Resampling, reproject

from amurlink.core.errors import InputError
from amurlink.core.grid import Grid
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


def check_lossyear_codes(lossyear: np.ndarray, nodata, path: str, year_offset: int = 2000) -> None:
    """Raise :class:`InputError` if a raster holds values that are no Hansen ``lossyear`` code.

    GFC ``lossyear`` (Hansen et al. 2013, Science 342:850) is 0 (no loss) or n, loss in
    ``year_offset + n``: whole numbers from 0 with years up to 2100.
    """
    values = np.unique(np.asarray(lossyear))
    if nodata is not None:
        values = values[values != nodata]
    values = values.astype(np.float64)
    values = values[np.isfinite(values)]
    bad = values[(values < 0) | (values != np.round(values)) | (values + year_offset > 2100)]
    if len(bad):
        shown = [int(v) if v == round(v) else float(v) for v in bad[:10]]
        raise InputError(
            f"{path}: values {shown} are not Hansen lossyear codes (0 = no loss, "
            f"n = loss in {year_offset} + n; config inputs.forest_loss_year_offset)"
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


def _block_layout(src_transform, src_crs, grid: Grid) -> tuple[int, int, int] | None:
    """``(factor, row0, col0)`` if ``grid`` is made of whole blocks of source cells, else None.

    Same CRS, square source cells dividing the grid's cell a whole number of times,
    and the grid's origin on a source cell corner (``row0``, ``col0``: where the
    grid's first cell starts among the source cells).
    """
    if CRS.from_user_input(src_crs) != CRS.from_user_input(grid.crs):
        return None
    a, e = src_transform.a, -src_transform.e
    if src_transform.b or src_transform.d or not math.isclose(a, e, rel_tol=1e-9):
        return None
    factor = grid.resolution / a
    col0 = (grid.transform.c - src_transform.c) / a
    row0 = (src_transform.f - grid.transform.f) / a
    if any(abs(v - round(v)) > 1e-6 for v in (factor, col0, row0)) or round(factor) < 1:
        return None
    return round(factor), round(row0), round(col0)


def _block_counts(codes, layout, grid: Grid, classes, nodata):
    """Per-class and valid counts of source cells in each grid cell (exact block counting)."""
    k, row0, col0 = layout
    h, w = grid.shape
    # the source cells of the grid's blocks, no-data where the source does not reach
    fill = nodata if nodata is not None else 0
    blocks = np.full((h * k, w * k), fill, dtype=codes.dtype)
    r0, c0 = max(row0, 0), max(col0, 0)
    r1, c1 = min(row0 + h * k, codes.shape[0]), min(col0 + w * k, codes.shape[1])
    if r1 > r0 and c1 > c0:
        blocks[r0 - row0 : r1 - row0, c0 - col0 : c1 - col0] = codes[r0:r1, c0:c1]
    covered = np.zeros(blocks.shape, bool)
    covered[r0 - row0 : max(r1 - row0, 0), c0 - col0 : max(c1 - col0, 0)] = True
    valid = covered if nodata is None else covered & (blocks != nodata)
    blocks = blocks.reshape(h, k, w, k)
    counts = np.stack([(blocks == c).sum(axis=(1, 3)) for c in classes]).astype(np.float64)
    return counts, valid.reshape(h, k, w, k).sum(axis=(1, 3)).astype(np.float64)


def _warped_counts(codes, src_transform, src_crs, grid: Grid, classes, nodata):
    """Area-weighted shares of each class and of valid cells, by GDAL's average resampling."""

    def average(indicator: np.ndarray) -> np.ndarray:
        out = np.zeros(grid.shape, np.float64)
        reproject(
            indicator.astype(np.float64), out, src_transform=src_transform, src_crs=src_crs,
            dst_transform=grid.transform, dst_crs=grid.crs, resampling=Resampling.average,
        )  # fmt: skip
        return out

    valid = np.ones(codes.shape, bool) if nodata is None else codes != nodata
    return np.stack([average(codes == c) for c in classes]), average(valid)


def class_fractions(
    codes: np.ndarray,
    src_transform,
    src_crs,
    grid: Grid,
    classes: Sequence[int],
    nodata: int | None = None,
) -> np.ndarray:
    """Share of each class among the valid source cells of every grid cell.

    Exact block counting when ``grid`` is made of whole blocks of source cells
    (same CRS, a whole resolution ratio, corners on source corners: e.g. 10 m
    WorldCover on a 250 m UTM grid); otherwise the area-weighted average of each
    class's indicator by GDAL's ``average`` resampling, which weights source cells
    partly inside a grid cell by the part inside (GDAL >= 3.1; gdalwarp ``-r average``).

    Parameters
    ----------
    codes : 2-D integer array
        Source classes; it must cover the grid (cells it does not reach count as no data).
    src_transform, src_crs
        Its affine transform and CRS.
    grid : Grid
        The target grid.
    classes : sequence of int
        Classes, in band order.
    nodata : int, optional
        Source no-data value, left out of the denominator.

    Returns
    -------
    numpy.ndarray
        ``(len(classes), *grid.shape)`` float64 fractions summing to 1 over the
        classes where every valid code is listed; NaN where a cell has no valid
        source cell.
    """
    layout = _block_layout(src_transform, src_crs, grid)
    if layout is not None:
        counts, valid = _block_counts(codes, layout, grid, classes, nodata)
    else:
        counts, valid = _warped_counts(codes, src_transform, src_crs, grid, classes, nodata)
    with np.errstate(invalid="ignore", divide="ignore"):
        fractions = counts / valid
    fractions[:, valid <= 1e-12] = np.nan
    return fractions


def fractions_mode(fractions: np.ndarray, classes: Sequence[int], nodata: int = 0) -> np.ndarray:
    """The commonest class of each cell from :func:`class_fractions` (ties: the first listed).

    ``nodata`` where a cell has no valid source cell (all fractions NaN or 0).
    """
    filled = np.nan_to_num(fractions, nan=-1.0)
    best = np.argmax(filled, axis=0)
    top = np.take_along_axis(filled, best[None], axis=0)[0]
    codes = np.asarray(classes)[best]
    return np.where(top > 0, codes, nodata)


def forest_loss_on_grid(
    lossyear: np.ndarray,
    src_transform,
    src_crs,
    grid: Grid,
    year_offset: int = 2000,
    nodata: int | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Latest loss year and lost share of every grid cell from a Hansen ``lossyear`` raster.

    Hansen et al. (2013) High-resolution global maps of 21st-century forest cover
    change. Science 342:850-853.  GFC ``lossyear`` codes 0 = no loss and n = loss in
    ``year_offset + n`` (2000 + n).  The share is the class fraction of lost cells
    (:func:`class_fractions`: exact by blocks, else area-weighted); the year the
    latest among the cell's source cells (block maximum, else GDAL's ``max``).

    Returns
    -------
    year : int32 array of grid.shape
        Latest loss year, 0 where nothing was lost (or no data).
    fraction : float64 array of grid.shape
        Share of the cell's valid source cells lost, 0 where none (or no data).
    """
    lossyear = np.asarray(lossyear)
    lost = np.where(lossyear > 0, 2, 1).astype(np.uint8)
    if nodata is not None:
        lost[lossyear == nodata] = 0
    fraction = np.nan_to_num(class_fractions(lost, src_transform, src_crs, grid, [2], 0)[0])
    codes = np.where(lost == 2, lossyear, 0).astype(np.int32)
    layout = _block_layout(src_transform, src_crs, grid)
    if layout is not None:
        k, row0, col0 = layout
        h, w = grid.shape
        blocks = np.zeros((h * k, w * k), np.int32)
        r0, c0 = max(row0, 0), max(col0, 0)
        r1, c1 = min(row0 + h * k, codes.shape[0]), min(col0 + w * k, codes.shape[1])
        if r1 > r0 and c1 > c0:
            blocks[r0 - row0 : r1 - row0, c0 - col0 : c1 - col0] = codes[r0:r1, c0:c1]
        latest = blocks.reshape(h, k, w, k).max(axis=(1, 3))
    else:
        latest = np.zeros(grid.shape, np.int32)
        reproject(
            codes, latest, src_transform=src_transform, src_crs=src_crs,
            dst_transform=grid.transform, dst_crs=grid.crs, resampling=Resampling.max,
        )  # fmt: skip
    year = np.where((latest > 0) & (fraction > 0), year_offset + latest, 0).astype(np.int32)
    return year, np.where(year > 0, fraction, 0.0)
