"""A job's inputs read together: rasters that must share a grid, vector layers in one CRS.

:func:`read_rasters_on_grid` checks every raster against the first with
:func:`amurlink.core.io.open_on_grid` before it reads any data, then reads each
whole (decimated for maps with ``max_cells``); :func:`read_vectors` reads
layers, checks their columns and brings them to one CRS.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

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


#: Keys of config ``inputs`` whose values are files (a path, a list or a glob); the
#: others are settings (``layers``, ``osm``, ``coverage``, ``sightings_format`` …).
FILE_KEYS = (
    "landcover", "dem", "forest_loss", "roads", "logging", "settlements", "countries",
    "sightings", "camera_stations", "fences",
)  # fmt: skip


def missing_files(entries: Sequence[tuple[str, object]]) -> list[tuple[str, str]]:
    """``(key, path)`` of the entries whose file does not exist.

    ``entries`` are ``(config key, value)``; a value is a path, a list of paths
    or a glob pattern (matching nothing is missing); ``None`` and non-path
    values (e.g. ``inputs.sightings_format``) are skipped.
    """
    import glob

    missing = []
    for key, value in entries:
        if key.endswith("_format") or value is None or isinstance(value, bool | int | float):
            continue
        for path in value if isinstance(value, list | tuple) else [value]:
            path = os.fspath(path)
            found = glob.glob(path) if glob.has_magic(path) else os.path.exists(path)
            if not found:
                missing.append((key, path))
    return missing


@dataclass
class RasterProbe:
    """What :func:`probe_raster` found in a raster input over the study area."""

    path: str
    crs: str
    shape: tuple[int, int]
    resolution: tuple[float, float]
    #: The raster's extent in the grid's CRS (a densified box).
    footprint: object
    #: Cells of the raster inside the study area's window, and those that are no-data.
    cells: int
    nodata_cells: int
    #: Distinct values over the study area (categorical rasters only), no-data left out.
    codes: list[int] | None


def probe_raster(path: str | os.PathLike, grid: Grid, *, categorical: bool = False) -> RasterProbe:
    """Open a raster input and decode every block that overlaps the study area.

    Fails, as one-line :class:`InputError`\\ s naming the file, on a file that
    does not exist or does not open as a raster (GDAL), one without a CRS, and
    one whose blocks over the study area cannot be decoded (a truncated or
    corrupt GeoTIFF: GDAL reads the header, and only the data blocks fail).
    Only band 1 is read, block by block (GDAL's natural block size), so memory
    is a block's and a country-wide tile is read only where the study area is.
    """
    import rasterio
    import shapely
    from rasterio.errors import RasterioError
    from rasterio.warp import transform_bounds
    from rasterio.windows import Window, from_bounds

    path = os.fspath(path)
    if not os.path.exists(path):
        raise InputError(f"{path}: file not found")
    try:
        src = rasterio.open(path)
    except RasterioError as err:
        raise InputError(f"{path}: cannot be opened as a raster ({_one_line(err)})") from err
    with src:
        if src.crs is None:
            raise InputError(f"{path}: raster has no CRS; define one (e.g. gdal_edit.py -a_srs)")
        footprint = shapely.box(*transform_bounds(src.crs, grid.crs, *src.bounds, densify_pts=21))
        area = transform_bounds(grid.crs, src.crs, *grid.bounds, densify_pts=21)
        full = Window(0, 0, src.width, src.height)
        try:
            window = from_bounds(*area, transform=src.transform).round_offsets().round_lengths()
            window = window.intersection(full)
        except Exception:  # rasterio.errors.WindowError: no overlap
            window = None
        cells = nodata_cells = 0
        codes: set[int] = set()
        if window is not None:
            for _, block in src.block_windows(1):
                try:
                    part = block.intersection(window)
                except Exception:  # WindowError: the block is outside the area
                    continue
                try:
                    data = src.read(1, window=part, masked=True)
                except RasterioError as err:
                    raise InputError(
                        f"{path}: cannot decode the data at rows {part.row_off}-"
                        f"{part.row_off + part.height - 1} (truncated or corrupt file?): "
                        f"{_one_line(err)}"
                    ) from err
                cells += data.size
                nodata_cells += int(np.ma.count_masked(data))
                if categorical:
                    codes.update(np.unique(data.compressed()).tolist())
        return RasterProbe(
            path=path,
            crs=src.crs.to_string(),
            shape=(src.height, src.width),
            resolution=src.res,
            footprint=footprint,
            cells=cells,
            nodata_cells=nodata_cells,
            codes=sorted(int(c) for c in codes) if categorical else None,
        )


def _one_line(err: Exception) -> str:
    return " ".join(str(err).split())[:200]
