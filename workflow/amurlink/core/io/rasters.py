"""Raster reads beyond :mod:`amurlink.core.io`'s own: a raster's grid and band units, and
whole-raster statistics read block by block."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import rasterio

from amurlink.core.errors import InputError
from amurlink.core.grid import Grid


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
