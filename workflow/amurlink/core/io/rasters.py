"""Raster reads beyond :mod:`amurlink.core.io`'s own: a raster's grid and band units,
whole-raster statistics read block by block, and rasters given as many tiles.

A raster input may be one file (GeoTIFF, VRT), a list of tiles or a glob
(:func:`raster_paths`); :func:`raster_coverage` measures, from the headers only, how
much of the study area the tiles cover, and :func:`check_coverage` stops or warns as
config ``inputs.coverage`` says.
"""

from __future__ import annotations

import glob
import logging
import math
import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import rasterio

from amurlink.core.errors import InputError
from amurlink.core.grid import Grid, transform_bounds

log = logging.getLogger(__name__)


def read_grid(path: str | os.PathLike) -> Grid:
    """The grid (CRS, transform, shape) of a raster file, from its header: no cell is read."""
    if not Path(path).exists():
        raise InputError(f"{path}: file not found")
    with rasterio.open(path) as src:
        if src.crs is None:
            raise InputError(f"{path}: raster has no CRS; assign one (e.g. gdal_edit.py -a_srs)")
        return Grid.from_dataset(src)


def raster_mean(path: str | os.PathLike, band: int = 1) -> float:
    """Mean of a raster band's valid cells (no-data and NaN left out), 0 if there are none.

    Read block by block in the file's own blocks, so memory is one block.
    """
    if not Path(path).exists():
        raise InputError(f"{path}: file not found")
    total, count = 0.0, 0
    with rasterio.open(path) as src:
        for _, window in src.block_windows(band):
            block = src.read(band, window=window, masked=True).astype(np.float64)
            block = np.ma.masked_invalid(block)
            total += float(block.sum()) if block.count() else 0.0
            count += int(block.count())
    return total / count if count else 0.0


def read_band_units(path: str | os.PathLike) -> list[str]:
    """Units of a raster's bands, in band order ("" where a band has none)."""
    with rasterio.open(path) as src:
        return [u or "" for u in src.units]


def raster_paths(value) -> list[str]:
    """The files of a raster input: one path, a list of paths, or a glob (sorted matches).

    A glob matching nothing, or an empty list, is an :class:`InputError`.
    """
    if value is None:
        return []
    if isinstance(value, str | os.PathLike):
        text = str(value)
        if glob.has_magic(text):
            found = sorted(glob.glob(text))
            if not found:
                raise InputError(f"{text}: no file matches this pattern")
            return found
        return [text]
    paths = [p for v in value for p in raster_paths(v)]
    if not paths:
        raise InputError("an empty list of raster files")
    return paths


def _footprint(path: str, crs):
    """The outline of a raster's extent in ``crs`` (its edges densified), from the header."""
    import shapely
    from rasterio.warp import transform_geom

    if not Path(path).exists():
        raise InputError(f"{path}: file not found")
    try:
        with rasterio.open(path) as src:
            if src.crs is None:
                raise InputError(
                    f"{path}: raster has no CRS; assign one (e.g. gdal_edit.py -a_srs)"
                )
            box = shapely.box(*src.bounds)
            geom = transform_geom(src.crs, crs, shapely.geometry.mapping(box), precision=-1)
    except rasterio.errors.RasterioIOError as err:
        raise InputError(f"{path}: cannot be read as a raster ({err})") from err
    return shapely.make_valid(shapely.geometry.shape(geom))


def raster_coverage(
    paths: str | os.PathLike | Sequence[str | os.PathLike],
    bounds: tuple[float, float, float, float],
    crs,
) -> tuple[float, object]:
    """Share of the box ``bounds`` (in ``crs``) that the rasters' extents cover, and what is missing.

    Read from the headers only (no cell is read), so it is cheap enough to run before
    any work.  Returns ``(share, missing)``: a float in [0, 1] and the uncovered part of
    the box as a shapely geometry in ``crs`` (empty when the share is 1).
    """
    import shapely

    area = shapely.box(*bounds)
    covered = shapely.union_all([_footprint(p, crs) for p in raster_paths(paths)])
    missing = area.difference(covered)
    share = 1.0 - missing.area / area.area if area.area > 0 else 1.0
    return float(min(max(share, 0.0), 1.0)), missing


def check_coverage(
    paths, grid: Grid, what: str, mode: str = "error", tolerance: float = 1e-6, warnings=None
):
    """Raise (``mode='error'``) or log a warning (``'warn'``) if ``paths`` do not cover ``grid``.

    The message names the input (``what``, e.g. ``inputs.landcover``), the share of the
    study area missing and the missing area's lon/lat bounds.  Returns the covered share.
    Files that miss the study area entirely are an error in either mode.  In ``'warn'``
    mode the warning is also appended to ``warnings`` when a list is given (the input
    check's report).
    """
    share, missing = raster_coverage(paths, grid.bounds, grid.crs)
    if share >= 1.0 - tolerance:
        return share
    if share <= tolerance:  # whatever the mode: a run on no data at all is no run
        raise InputError(
            f"{what}: the files ({len(raster_paths(paths))}) do not cover the study area at all; "
            "check their extent and CRS against study_area in the config"
        )
    lon0, lat0, lon1, lat1 = transform_bounds(grid.crs, "EPSG:4326", missing.bounds)
    message = (
        f"{what}: the files ({len(raster_paths(paths))}) leave {100 * (1 - share):.1f} % of the "
        f"study area uncovered (lon {lon0:.3f} to {lon1:.3f}, lat {lat0:.3f} to {lat1:.3f}); "
        "add the missing tile(s)"
    )
    if mode == "error":
        raise InputError(message + " or set inputs.coverage: warn")
    log.warning("%s; those cells get no data", message)
    if warnings is not None:
        warnings.append(f"{message}; those cells get no data")
    return share


def read_covering(paths, grid: Grid, band: int = 1):
    """The source cells of a raster (or tiles of one) that cover ``grid``, in the source's CRS.

    For aggregations that need every source cell (class fractions): the tiles are
    mosaicked by :func:`rasterio.merge.merge` over the grid's bounds (transformed to the
    source CRS, padded by two source cells), the first tile with data winning.
    Returns ``(array, transform, crs, nodata)``: the files' no-data value (None if they
    set none); cells no tile reaches are ``nodata``, or 0 without one (Hansen
    ``lossyear``: no loss).  Memory is the covered area at source resolution, so
    callers read a grid window at a time.
    """
    from rasterio.merge import merge

    paths = raster_paths(paths)
    for p in paths:
        if not Path(p).exists():
            raise InputError(f"{p}: file not found")
    sources = [rasterio.open(p) for p in paths]
    try:
        crs = _shared_crs(paths, [s.crs for s in sources])
        res_x, res_y = sources[0].res
        left, top = sources[0].transform.c, sources[0].transform.f
        x0, y0, x1, y1 = transform_bounds(grid.crs, crs, grid.bounds)
        # on the first tile's cell corners, so that merge copies cells and never resamples
        bounds = (
            left + (math.floor((x0 - left) / res_x + 1e-9) - 2) * res_x,
            top - (math.ceil((top - y0) / res_y - 1e-9) + 2) * res_y,
            left + (math.ceil((x1 - left) / res_x - 1e-9) + 2) * res_x,
            top - (math.floor((top - y1) / res_y + 1e-9) - 2) * res_y,
        )
        nodata = sources[0].nodata
        fill = nodata if nodata is not None else 0
        array, transform = merge(sources, bounds=bounds, indexes=[band], nodata=fill)
    finally:
        for s in sources:
            s.close()
    return array[0], transform, crs, nodata


def tiles_crs(paths):
    """The CRS the files of a raster input share (from their headers); :class:`InputError` if they differ.

    Tiles mosaicked at their own resolution (:func:`read_covering`: class fractions,
    forest loss) must share one CRS.
    """
    paths = raster_paths(paths)
    crss = []
    for p in paths:
        if not Path(p).exists():
            raise InputError(f"{p}: file not found")
        with rasterio.open(p) as src:
            crss.append(src.crs)
    return _shared_crs(paths, crss)


def _shared_crs(paths, crss):
    crs = crss[0]
    if crs is None or any(c != crs for c in crss):
        raise InputError(
            f"{paths[0]}: tiles must share one CRS (found {sorted({str(c) for c in crss})})"
        )
    return crs


def source_cell_size(paths, crs) -> float:
    """Approximate cell width of a raster input in the units of ``crs`` (from its first file's header)."""
    path = raster_paths(paths)[0]
    if not Path(path).exists():
        raise InputError(f"{path}: file not found")
    with rasterio.open(path) as src:
        x0, _, x1, _ = transform_bounds(src.crs, crs, src.bounds)
        return (x1 - x0) / src.width
