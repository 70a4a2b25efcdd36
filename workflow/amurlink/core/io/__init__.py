"""File I/O at the edges of the workflow.

Every raster the workflow writes is a Cloud Optimized GeoTIFF (GDAL's COG
driver) with nodata, a band description and units, written to a temporary name
in the same directory and renamed into place, so that a failed run never leaves
a partial file behind.  Vectors go to GeoPackage the same way.

The science modules never call these functions; scripts do.
"""

from __future__ import annotations

import contextlib
import math
import os
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

import numpy as np
import rasterio
import rasterio.shutil
from rasterio.enums import MaskFlags
from rasterio.windows import Window

from amurlink.core.errors import InputError
from amurlink.core.grid import Grid

#: Overview resampling for continuous and categorical rasters (COG convention): the
#: mode keeps overviews of class rasters to classes that occur, the commonest one.
CONTINUOUS_RESAMPLING = "AVERAGE"
CATEGORICAL_RESAMPLING = "MODE"


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; rename it into place on success.

    On any exception the temporary file is removed and ``path`` is untouched.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=path.suffix, dir=path.parent)
    os.close(fd)
    os.unlink(tmp)  # drivers refuse to overwrite some formats; let them create it
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        os.replace(tmp_path, path)
    finally:
        for leftover in (tmp_path, Path(str(tmp_path) + ".aux.xml")):
            if leftover.exists():
                leftover.unlink()


def _cog_options(categorical: bool, dtype: str, blocksize: int) -> dict:
    floating = np.dtype(dtype).kind == "f"
    return {
        "BLOCKSIZE": blocksize,
        "COMPRESS": "DEFLATE",
        # Floating-point predictor for floats, horizontal differencing for integers.
        "PREDICTOR": "YES" if not categorical else "NO",
        "LEVEL": 6,
        "OVERVIEW_RESAMPLING": CATEGORICAL_RESAMPLING if categorical else CONTINUOUS_RESAMPLING,
        "STATISTICS": "YES",
        "BIGTIFF": "IF_SAFER",
        **({"NUM_THREADS": "ALL_CPUS"} if floating else {}),
    }


class RasterWriter:
    """Write a raster window by window, finishing as a COG at ``path``.

    Memory stays bounded by the window size: the bands go to a tiled scratch
    GeoTIFF on disk, which GDAL's COG driver copies (adding overviews and
    statistics) when the writer closes.

    Examples
    --------
    >>> with RasterWriter(path, grid, dtype="float32", nodata=-9999,
    ...                   descriptions=["suitability"]) as w:
    ...     for window in grid.windows(512):
    ...         w.write(block, window)
    """

    def __init__(
        self,
        path: str | os.PathLike,
        grid: Grid,
        *,
        dtype: str,
        nodata: float | int | None,
        descriptions: Sequence[str],
        units: Sequence[str] | str | None = None,
        categorical: bool = False,
        colormap: dict[int, tuple[int, int, int, int]] | None = None,
        metadata: dict[str, str] | None = None,
        blocksize: int = 256,
    ):
        self.path = Path(path)
        self.grid = grid
        self.dtype = np.dtype(dtype).name
        self.nodata = nodata
        self.descriptions = list(descriptions)
        if isinstance(units, str) or units is None:
            units = [units or ""] * len(self.descriptions)
        self.units = list(units)
        self.categorical = categorical
        self.colormap = colormap
        self.metadata = metadata or {}
        self.blocksize = blocksize
        self._scratch: tempfile.TemporaryDirectory | None = None
        self._ds = None

    def __enter__(self) -> RasterWriter:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._scratch = tempfile.TemporaryDirectory(dir=self.path.parent, prefix=".scratch-")
        scratch_tif = Path(self._scratch.name) / "scratch.tif"
        self._ds = rasterio.open(
            scratch_tif,
            "w",
            driver="GTiff",
            width=self.grid.width,
            height=self.grid.height,
            count=len(self.descriptions),
            dtype=self.dtype,
            crs=self.grid.crs,
            transform=self.grid.transform,
            nodata=self.nodata,
            tiled=True,
            blockxsize=self.blocksize,
            blockysize=self.blocksize,
            compress="ZSTD",
            BIGTIFF="IF_SAFER",
        )
        for band, (desc, unit) in enumerate(zip(self.descriptions, self.units, strict=True), 1):
            self._ds.set_band_description(band, desc)
            if unit:
                self._ds.set_band_unit(band, unit)
        if self.colormap:
            self._ds.write_colormap(1, self.colormap)
        if self.metadata:
            self._ds.update_tags(**self.metadata)
        return self

    def write(self, block: np.ndarray, window: Window | None = None, band: int | None = None):
        """Write ``block`` (2-D for one band, or bands-first 3-D) at ``window``."""
        block = np.asarray(block)
        if band is not None:
            self._ds.write(block.astype(self.dtype, copy=False), band, window=window)
        elif block.ndim == 2:
            self._ds.write(block.astype(self.dtype, copy=False), 1, window=window)
        else:
            self._ds.write(block.astype(self.dtype, copy=False), window=window)

    def __exit__(self, exc_type, exc, tb):
        try:
            if exc_type is None:
                self._ds.close()
                with atomic_path(self.path) as tmp:
                    with rasterio.open(self._ds.name) as src:
                        rasterio.shutil.copy(
                            src,
                            tmp,
                            driver="COG",
                            **_cog_options(self.categorical, self.dtype, 512),
                        )
            else:
                self._ds.close()
        finally:
            self._scratch.cleanup()
        return False


def write_raster(
    path: str | os.PathLike,
    data: np.ndarray,
    grid: Grid,
    *,
    nodata: float | int | None,
    descriptions: Sequence[str] | str,
    units: Sequence[str] | str | None = None,
    categorical: bool = False,
    colormap: dict[int, tuple[int, int, int, int]] | None = None,
    metadata: dict[str, str] | None = None,
    dtype: str | None = None,
) -> Path:
    """Write an in-memory array (2-D, or bands-first 3-D) as a COG at ``path``.

    Masked arrays are filled with ``nodata``; NaN in float data becomes
    ``nodata`` too, so that every consumer sees one no-data convention.
    """
    if isinstance(descriptions, str):
        descriptions = [descriptions]
    arr = np.ma.filled(data, nodata) if np.ma.isMaskedArray(data) else np.asarray(data)
    if arr.ndim == 2:
        arr = arr[np.newaxis]
    dtype = dtype or arr.dtype.name
    if np.dtype(dtype).kind == "f" and nodata is not None:
        arr = np.where(np.isnan(arr), nodata, arr)
    if arr.shape[1:] != grid.shape:
        raise ValueError(f"{path}: array shape {arr.shape[1:]} does not match grid {grid.shape}")
    with RasterWriter(
        path,
        grid,
        dtype=dtype,
        nodata=nodata,
        descriptions=descriptions,
        units=units,
        categorical=categorical,
        colormap=colormap,
        metadata=metadata,
    ) as writer:
        writer.write(arr)
    return Path(path)


def read_raster(
    path: str | os.PathLike,
    band: int | None = 1,
    masked: bool = True,
    max_cells: int | None = None,
):
    """Read a raster: return ``(array, grid)``; masked where nodata when ``masked``.

    With ``max_cells``, a larger raster is read decimated by the smallest whole
    factor that brings it under that many cells (from the COG's overviews, so
    the read stays small) and ``grid`` is the matching :meth:`Grid.coarsen`:
    maps need no more cells than they have pixels.
    """
    path = Path(path)
    if not path.exists():
        raise InputError(f"{path}: file not found")
    with rasterio.open(path) as src:
        if src.crs is None:
            raise InputError(f"{path}: raster has no CRS; assign one (e.g. gdal_edit.py -a_srs)")
        grid = Grid.from_dataset(src)
        factor = decimation(grid.shape, max_cells)
        if factor == 1:
            arr = src.read(band, masked=masked) if band is not None else src.read(masked=masked)
            return arr, grid
        coarse = grid.coarsen(factor)
        bands = [band] if band is not None else list(range(1, src.count + 1))
        arr = src.read(
            bands,
            window=Window(0, 0, coarse.width * factor, coarse.height * factor),
            out_shape=(len(bands), coarse.height, coarse.width),
            boundless=True,
            masked=masked,
        )
        return (arr[0] if band is not None else arr), coarse


def decimation(shape: tuple[int, int], max_cells: int | None) -> int:
    """Smallest whole factor that brings a grid of ``shape`` to at most ``max_cells`` cells."""
    if not max_cells or shape[0] * shape[1] <= max_cells:
        return 1
    factor = math.ceil(math.sqrt(shape[0] * shape[1] / max_cells))
    while math.ceil(shape[0] / factor) * math.ceil(shape[1] / factor) > max_cells:
        factor += 1
    return factor


def window_reader(ds, dtype: type | None = np.float64):
    """Window reader over an open raster: bands-first floats, NaN where no data.

    ``dtype`` is the result's type; ``None`` keeps a floating source's own
    (float32 stays float32, so that the widening to float64 can run where the
    values are used, e.g. in prediction threads) and widens others to float64.
    Where no data is only the bands' nodata value (GDAL's mask flag "nodata"),
    the window is read as is and those cells set to NaN in place: the same
    values as rasterio's masked read without building its masks (5x faster on a
    float32 stack); other masks (mask bands, alpha) take the masked read.
    """
    nodata_only = all(flags == [MaskFlags.nodata] for flags in ds.mask_flag_enums)
    all_valid = all(flags == [MaskFlags.all_valid] for flags in ds.mask_flag_enums)
    source = np.dtype(ds.dtypes[0])
    floating = all(np.dtype(d) == source for d in ds.dtypes) and source.kind == "f"
    out_type = np.dtype(dtype) if dtype is not None else (source if floating else np.float64)

    def read(window):
        if nodata_only or all_valid:
            raw = ds.read(window=window)
            block = raw.astype(out_type, copy=raw.dtype != out_type)
            for band, value in enumerate(ds.nodatavals):
                if value is not None:
                    block[band][raw[band] == value] = np.nan
            return block
        return ds.read(window=window, masked=True).astype(out_type).filled(np.nan)

    return read


@contextlib.contextmanager
def open_on_grid(
    paths: Mapping[str, str | os.PathLike], reference: str | None = None
) -> Iterator[tuple[dict[str, rasterio.DatasetReader], Grid]]:
    """Open rasters that must lie on one grid; yield ``(datasets by name, grid)``.

    The grid is that of ``paths[reference]`` (default: the first).  A missing file,
    or one on another grid, is an :class:`InputError` naming it and the reference,
    raised before any data is read.
    """
    names = list(paths)
    reference = reference or names[0]
    with contextlib.ExitStack() as stack:
        datasets = {}
        for name in names:
            if not Path(paths[name]).exists():
                raise InputError(f"{paths[name]}: file not found")
            datasets[name] = stack.enter_context(rasterio.open(paths[name]))
        grid = Grid.from_dataset(datasets[reference])
        for name, ds in datasets.items():
            if Grid.from_dataset(ds) != grid:
                raise InputError(
                    f"{paths[name]}: grid {Grid.from_dataset(ds).shape} differs from "
                    f"{paths[reference]}'s {grid.shape} (CRS, cell size and extent must match)"
                )
        yield datasets, grid


def read_strips(
    datasets: Mapping[str, rasterio.DatasetReader],
    grid: Grid,
    factor: int = 1,
    rows_per_strip: int | None = None,
) -> Iterator[tuple[Window, dict[str, np.ndarray]]]:
    """Yield ``(window, arrays by name)`` strip by strip over rasters on ``grid``.

    Arrays are bands-first float64 with NaN where there is no data (as
    :func:`window_reader`).  Strips are whole rows of the grid, a whole number of
    ``factor`` rows tall (so a coarsening by ``factor`` can be written strip by
    strip), of about :data:`amurlink.core.tiles.STRIP_CELLS` cells unless
    ``rows_per_strip`` says otherwise: one strip is in memory at a time.
    """
    from amurlink.core.tiles import strip_rows, strips

    readers = {name: window_reader(ds) for name, ds in datasets.items()}
    for row0, row1 in strips(grid.height, factor, rows_per_strip or strip_rows(grid.width)):
        window = Window(0, row0, grid.width, row1 - row0)
        yield window, {name: read(window) for name, read in readers.items()}


def read_windows(
    datasets: Mapping[str, rasterio.DatasetReader], grid: Grid, size: int
) -> Iterator[tuple[Window, dict[str, np.ndarray]]]:
    """Yield ``(window, arrays by name)`` over square windows of ``size`` cells (row-major).

    Arrays as in :func:`read_strips`; memory is one window of every raster.
    """
    readers = {name: window_reader(ds) for name, ds in datasets.items()}
    for window in grid.windows(size):
        yield window, {name: read(window) for name, read in readers.items()}


def read_tiles(
    paths: Sequence[str | os.PathLike], grid: Grid
) -> Iterator[tuple[Window, np.ndarray]]:
    """Yield ``(window in grid, bands-first array)`` for tile rasters of ``grid``, one at a time.

    Each tile must lie on ``grid`` (same CRS, cell size and cell alignment); the
    window says where, so a mosaic holds one tile in memory at a time.
    """
    inv = ~grid.transform
    for path in paths:
        stack, tile = read_raster(path, band=None, masked=False)
        col, row = inv @ (tile.transform.c, tile.transform.f)
        if (
            tile.crs != grid.crs
            or not np.isclose(tile.resolution, grid.resolution)
            or abs(col - round(col)) > 1e-6
            or abs(row - round(row)) > 1e-6
        ):
            raise InputError(
                f"{path}: tile is not aligned with the {grid.shape} grid it mosaics into"
            )
        yield Window(round(col), round(row), tile.width, tile.height), stack


def write_refined(
    path: str | os.PathLike,
    values: np.ndarray,
    factor: int,
    fine: Grid,
    *,
    nodata: float | int,
    valid: str | os.PathLike | None = None,
    rows_per_strip: int | None = None,
    **writer_options,
) -> Path:
    """Write a coarse-grid array (2-D, or bands-first 3-D) onto the ``fine`` grid, strip by strip.

    Each coarse cell covers ``factor × factor`` fine cells (the coarse grid is
    ``fine.coarsen(factor)``).  With ``valid``, a raster on the fine grid, fine
    cells where it is no-data get ``nodata``, so the result keeps the fine
    outline of the study area.  Memory: one strip of ``rows_per_strip`` rows
    (default: :data:`amurlink.core.tiles.STRIP_CELLS` cells).
    """
    from amurlink.core.tiles import refine, strip_rows, strips

    rows_per_strip = rows_per_strip or strip_rows(fine.width)
    values = np.asarray(values)
    bands = values if values.ndim == 3 else values[np.newaxis]
    with contextlib.ExitStack() as stack:
        mask_src = stack.enter_context(rasterio.open(valid)) if valid else None
        writer = stack.enter_context(RasterWriter(path, fine, nodata=nodata, **writer_options))
        for row0, row1 in strips(fine.height, factor, rows_per_strip):
            rows = slice(row0 // factor, -(-row1 // factor))
            block = np.stack(
                [refine(b[rows], factor, (row1 - row0, fine.width)) for b in bands]
            ).astype(writer.dtype)
            window = Window(0, row0, fine.width, row1 - row0)
            if mask_src is not None:
                block[:, mask_src.read_masks(1, window=window) == 0] = nodata
            if np.dtype(writer.dtype).kind == "f":
                block[np.isnan(block)] = nodata
            writer.write(block, window)
    return Path(path)


def read_band_names(path: str | os.PathLike) -> list[str]:
    """Band descriptions of a raster, in band order."""
    with rasterio.open(path) as src:
        return [d or f"band{i + 1}" for i, d in enumerate(src.descriptions)]


def write_vector(gdf, path: str | os.PathLike, layer: str | None = None) -> Path:
    """Write a GeoDataFrame as a single-layer GeoPackage, atomically."""
    return write_layers({layer or Path(path).stem: gdf}, path)


@contextlib.contextmanager
def fixed_gpkg_date() -> Iterator[None]:
    """Pin the timestamp GDAL writes into GeoPackages, so equal inputs give equal bytes."""
    import pyogrio

    old = pyogrio.get_gdal_config_option("OGR_CURRENT_DATE")
    pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": "2000-01-01T00:00:00Z"})
    try:
        yield
    finally:
        pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": old})


def write_layers(
    layers: dict, path: str | os.PathLike, styles: dict[str, str] | None = None
) -> Path:
    """Write several GeoDataFrames as the layers of one GeoPackage, atomically.

    ``styles`` (layer → QGIS QML, built by the caller, e.g.
    :func:`amurlink.outputs.styles.vector_styles`) go into the package's
    ``layer_styles`` table as each layer's default style
    (:func:`amurlink.core.io.styles_db.add_layer_styles`).
    """
    from amurlink.core.io.styles_db import add_layer_styles

    with atomic_path(path) as tmp, fixed_gpkg_date():
        for n, (name, gdf) in enumerate(layers.items()):
            gdf.to_file(tmp, layer=name, driver="GPKG", engine="pyogrio", mode="a" if n else "w")
        if styles:
            add_layer_styles(tmp, styles)
    return Path(path)


def read_vector(path: str | os.PathLike, layer: str | None = None, *, require_crs: bool = True):
    """Read a vector file with geopandas, failing clearly on a missing file or CRS."""
    import geopandas as gpd

    path = Path(path)
    if not path.exists():
        raise InputError(f"{path}: file not found")
    try:
        gdf = gpd.read_file(path, layer=layer, engine="pyogrio")
    except Exception as err:  # pyogrio raises several error types for unreadable files
        raise InputError(f"{path}: cannot be read as a vector layer ({err})") from err
    if require_crs and gdf.crs is None:
        raise InputError(f"{path}: layer has no CRS; define one (e.g. ogr2ogr -a_srs)")
    return gdf


def write_table(df, path: str | os.PathLike) -> Path:
    """Write a pandas DataFrame as CSV, atomically."""
    with atomic_path(path) as tmp:
        df.to_csv(tmp, index=False)
    return Path(path)


def write_text(text: str, path: str | os.PathLike) -> Path:
    """Write text (JSON, GraphML, HTML …), atomically."""
    with atomic_path(path) as tmp:
        tmp.write_text(text)
    return Path(path)


def warp_to_grid(path, grid: Grid, *, categorical: bool, resampling: str | None = None):
    """Open a raster (or a mosaic of tiles) as a virtual dataset warped onto ``grid``.

    ``path`` is one file (GeoTIFF, VRT), a list of tiles or a glob
    (:func:`amurlink.core.io.rasters.raster_paths`); tiles are warped one by one and
    each window takes, cell by cell, the first tile with data there (as
    ``gdalbuildvrt`` puts the first listed on top).  Resampling (GDAL's names):
    ``resampling`` if given, else nearest for classes; for continuous values the
    average of the source cells where they are finer than the grid's (downsampling:
    every source cell counts, GDAL weighting partial cells by area), bilinear
    otherwise.  GDAL warps lazily, so memory stays bounded by the windows read; the
    dataset's tags ``resampling`` say what was used.
    """
    from amurlink.core.io.rasters import raster_paths

    paths = raster_paths(path)
    vrts, nodata = [], None
    try:
        for p in paths:
            vrt = _warped(p, grid, categorical, resampling, nodata)
            nodata = vrt.nodata if nodata is None else nodata
            vrts.append(vrt)
    except BaseException:
        for vrt in vrts:
            vrt.close()
        raise
    return contextlib.closing(vrts[0] if len(vrts) == 1 else _WarpedMosaic(vrts))


def _warped(path, grid: Grid, categorical: bool, resampling: str | None, nodata):
    from rasterio.enums import Resampling
    from rasterio.vrt import WarpedVRT

    from amurlink.core.grid import transform_bounds

    path = Path(path)
    if not path.exists():
        raise InputError(f"{path}: file not found")
    try:
        src = rasterio.open(path)
    except rasterio.errors.RasterioIOError as err:
        raise InputError(f"{path}: cannot be read as a raster ({err})") from err
    if src.crs is None:
        src.close()
        raise InputError(f"{path}: raster has no CRS; assign one (e.g. gdal_edit.py -a_srs)")
    if resampling is None:
        if categorical:
            resampling = "nearest"
        else:
            x0, _, x1, _ = transform_bounds(src.crs, grid.crs, src.bounds)
            finer = (x1 - x0) / src.width < grid.resolution * (1 - 1e-6)
            resampling = "average" if finer else "bilinear"
    if nodata is None:
        nodata = src.nodata if src.nodata is not None else (0 if categorical else -9999)
    vrt = WarpedVRT(
        src,
        crs=grid.crs,
        transform=grid.transform,
        width=grid.width,
        height=grid.height,
        resampling=Resampling[resampling],
        src_nodata=src.nodata,
        nodata=nodata,
    )
    return _VrtWithSource(vrt, src, resampling)


class _VrtWithSource:
    """A WarpedVRT that closes its source dataset with it."""

    def __init__(self, vrt, src, resampling: str = "nearest"):
        self.vrt, self.src, self.resampling = vrt, src, resampling

    def __getattr__(self, name):
        return getattr(self.vrt, name)

    def close(self):
        self.vrt.close()
        self.src.close()


class _WarpedMosaic:
    """Tiles warped onto one grid, read window by window: the first tile with data wins."""

    def __init__(self, vrts: list):
        self.vrts = vrts
        self.nodata = vrts[0].nodata
        self.resampling = vrts[0].resampling

    def __getattr__(self, name):
        return getattr(self.vrts[0], name)

    def _empty(self, values: np.ndarray) -> np.ndarray:
        if self.nodata is not None and np.isnan(self.nodata):
            return np.isnan(values)
        return values == self.nodata

    def read(self, indexes=1, window=None, **kwargs):
        out = self.vrts[0].read(indexes, window=window, **kwargs)
        for vrt in self.vrts[1:]:
            empty = self._empty(out)
            if not empty.any():
                break
            out[empty] = vrt.read(indexes, window=window, **kwargs)[empty]
        return out

    def close(self):
        for vrt in self.vrts:
            vrt.close()


COUNTRY_TAG_PREFIX = "country_"


def country_tags(codes: dict[int, str]) -> dict[str, str]:
    """Dataset tags that record a country raster's index → ISO code table."""
    return {f"{COUNTRY_TAG_PREFIX}{i}": iso for i, iso in codes.items()}


def read_country_codes(path: str | os.PathLike) -> dict[int, str]:
    """The index → ISO alpha-3 table of a country raster written by the prepare stage."""
    with rasterio.open(path) as src:
        tags = src.tags()
    return {
        int(k[len(COUNTRY_TAG_PREFIX) :]): v
        for k, v in tags.items()
        if k.startswith(COUNTRY_TAG_PREFIX)
    }
