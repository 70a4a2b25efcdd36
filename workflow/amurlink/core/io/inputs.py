"""A job's inputs read together: rasters that must share a grid, vector layers in one CRS.

:func:`read_rasters_on_grid` checks every raster against the first with
:func:`amurlink.core.io.open_on_grid` before it reads any data, then reads each
whole (decimated for maps with ``max_cells``); :func:`read_vectors` reads
layers, checks their columns and brings them to one CRS.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence

import numpy as np

from amurlink.core.errors import InputError, require_columns
from amurlink.core.grid import Grid
from amurlink.core.io import open_on_grid, read_band_names, read_raster, read_vector

#: A raster input: its path (band 1), or ``(path, band description)``.
RasterSource = str | os.PathLike | tuple[str | os.PathLike, str]
#: A vector input: its path (the only layer), or ``(path, layer name)``.
VectorSource = str | os.PathLike | tuple[str | os.PathLike, str]


def read_rasters_on_grid(
    sources: Mapping[str, RasterSource], max_cells: int | None = None
) -> tuple[dict[str, np.ma.MaskedArray], Grid]:
    """Read rasters that must lie on one grid: ``({name: masked array}, grid)``.

    Parameters
    ----------
    sources : mapping
        Name → path (band 1) or ``(path, band description)``.  The grid is that
        of the first; a raster on another grid, a missing file or a missing
        band is an :class:`InputError` raised before any data is read.
    max_cells : int, optional
        Decimate each read as :func:`amurlink.core.io.read_raster` does (maps);
        ``grid`` is then the decimated grid.
    """
    paths = {name: _split(source)[0] for name, source in sources.items()}
    bands = {}
    with open_on_grid(paths):
        for name, source in sources.items():
            path, description = _split(source)
            bands[name] = 1 if description is None else _band_index(path, description)
    arrays, grid = {}, None
    for name, path in paths.items():
        arrays[name], band_grid = read_raster(path, band=bands[name], max_cells=max_cells)
        if grid is None:
            grid = band_grid
    return arrays, grid


def read_vectors(
    sources: Mapping[str, VectorSource],
    crs=None,
    required: Mapping[str, Sequence[str]] | None = None,
) -> dict:
    """Read vector layers: ``{name: GeoDataFrame}``, reprojected to ``crs`` when given.

    ``required`` names the columns each layer (by name) must have
    (:func:`amurlink.core.errors.require_columns`).
    """
    layers = {}
    for name, source in sources.items():
        path, layer = _split(source)
        gdf = read_vector(path, layer=layer)
        require_columns(gdf, (required or {}).get(name, ()), path)
        layers[name] = gdf.to_crs(crs) if crs is not None and gdf.crs != crs else gdf
    return layers


def _split(source) -> tuple[str | os.PathLike, str | None]:
    return (source[0], source[1]) if isinstance(source, tuple) else (source, None)


def _band_index(path, description: str) -> int:
    names = read_band_names(path)
    if description not in names:
        raise InputError(f"{path}: no band {description!r}; bands {names}")
    return names.index(description) + 1
