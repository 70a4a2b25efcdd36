"""Coarse-grid rasters and the fine grid they are written back onto.

The connectivity and Omniscape grids are whole-number coarsenings of the habitat
grid (:mod:`amurlink.core.grids`); their products are written again on the
habitat grid with :func:`amurlink.core.io.write_refined`.  :func:`read_refinement`
reads and checks the fine grid, :func:`read_with_writer_options` a coarse raster
with what is needed to write it again alike.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import rasterio

from amurlink.core.errors import InputError
from amurlink.core.grid import Grid


def _open(path: str | os.PathLike):
    if not Path(path).exists():
        raise InputError(f"{path}: file not found")
    return rasterio.open(path)


def read_refinement(
    fine_path: str | os.PathLike, coarse: Grid, factor: int, coarse_path: str | os.PathLike
) -> Grid:
    """The grid of the raster ``fine_path``, checked to coarsen ``factor`` times to ``coarse``.

    ``coarse`` is the grid of ``coarse_path``; a mismatch is an
    :class:`InputError` naming both files.  No cell is read.
    """
    with _open(fine_path) as src:
        fine = Grid.from_dataset(src)
    if fine.coarsen(factor) != coarse:
        raise InputError(f"{coarse_path}: not the {factor}x coarsening of {fine_path}'s grid")
    return fine


def read_with_writer_options(
    path: str | os.PathLike, default_description: str = ""
) -> tuple[np.ndarray, Grid, float | int | None, dict]:
    """Read every band of a raster with what a :class:`~amurlink.core.io.RasterWriter` needs to write it again.

    Returns ``(values, grid, nodata, options)``: the bands-first values as stored
    (no mask), the grid, the no-data value, and the writer options ``dtype``,
    ``descriptions`` (``default_description`` where a band has none), ``units``,
    ``metadata`` (the dataset tags), ``categorical`` (integer data) and
    ``colormap`` (band 1's colour table, or None).
    """
    with _open(path) as src:
        options = {
            "dtype": src.dtypes[0],
            "descriptions": [d or default_description for d in src.descriptions],
            "units": [u or "" for u in src.units],
            "metadata": src.tags(),
            "categorical": src.dtypes[0][0] in "iu",
        }
        try:
            options["colormap"] = src.colormap(1)
        except ValueError:  # no colour table
            options["colormap"] = None
        return src.read(), Grid.from_dataset(src), src.nodata, options
