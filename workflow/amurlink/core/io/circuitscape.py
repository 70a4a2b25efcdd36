"""Circuitscape's file formats: ``.ini`` jobs, ESRI ASCII grids and ``.out`` resistance lists.

Layouts follow Circuitscape.jl (``src/io.jl``, ``src/out.jl``), so that its runs can be
read and reproduced by :mod:`amurlink.apps.circuitscape_ini`: grids are written with
values rounded to 8 digits in shortest float form, resistances with ``repr`` floats.
"""

from __future__ import annotations

import configparser
import gzip
import math
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import rasterio
from affine import Affine

from amurlink.core.errors import InputError
from amurlink.core.io import atomic_path, write_text

#: No-data value of grids that do not say theirs.
NODATA = -9999.0
#: Words Circuitscape reads as True in a job file.
TRUE_WORDS = {"true", "1", "yes", "on"}
#: Words read as False.
FALSE_WORDS = {"false", "0", "no", "off"}
#: Every key of a Circuitscape 4/5 job (Circuitscape.jl ``init_config`` and its docs).
KNOWN_KEYS = frozenset(
    """version data_type scenario habitat_file habitat_map_is_resistances
    connect_four_neighbors_only connect_using_avg_resistances use_polygons polygon_file
    source_file ground_file ground_file_is_resistances use_unit_currents use_direct_grounds
    remove_src_or_gnd mask_file use_mask point_file use_included_pairs included_pairs_file
    use_variable_source_strengths variable_source_file output_file write_cur_maps
    write_volt_maps write_cum_cur_map_only write_max_cur_maps set_null_currents_to_nodata
    set_null_voltages_to_nodata set_focal_node_currents_to_zero compress_grids
    log_transform_maps write_as_tif solver precision use_64bit_indexing cholmod_batch_size
    parallelize max_parallel low_memory_mode preemptive_memory_release print_timings
    print_rusages use_reclass_table reclass_file log_file log_level suppress_messages
    profiler_log_file screenprint_log""".split()
)


# ------------------------------------------------------------------ ASCII grids
@dataclass(frozen=True)
class GridHeader:
    """Georeferencing of an ESRI ASCII grid."""

    ncols: int
    nrows: int
    xllcorner: float
    yllcorner: float
    cellsize: float
    nodata: float = NODATA


def read_ascii_grid(path: str | os.PathLike) -> tuple[np.ndarray, GridHeader]:
    """Read an ESRI ASCII grid; no-data cells become NaN.

    Accepts xllcenter/yllcenter (converted to corners), a missing
    NODATA_value line and gzip compression (``.gz``, as Circuitscape.jl).
    """
    path = Path(path)
    if not path.exists():
        raise InputError(f"{path}: file not found")
    header: dict[str, float] = {}
    opener = gzip.open if path.suffix.lower() == ".gz" else open
    try:
        with opener(path, "rt") as fh:
            head = [fh.readline() for _ in range(6)]
    except (UnicodeDecodeError, OSError) as err:
        raise InputError(
            f"{path}: not an ESRI ASCII grid (text) nor a GeoTIFF (.tif, .tif.gz)"
        ) from err
    n_header = 0
    for line in head:
        parts = line.split()
        if len(parts) == 2 and parts[0][0].isalpha():
            try:
                header[parts[0].lower()] = float(parts[1])
            except ValueError as err:
                raise InputError(f"{path}: bad ASCII grid header line {line.strip()!r}") from err
            n_header += 1
        else:
            break
    missing = {"ncols", "nrows", "cellsize"} - header.keys()
    if missing:
        raise InputError(f"{path}: ASCII grid header lacks {', '.join(sorted(missing))}")
    cellsize = header["cellsize"]
    xll = header.get("xllcorner", header.get("xllcenter", 0.0) - cellsize / 2)
    yll = header.get("yllcorner", header.get("yllcenter", 0.0) - cellsize / 2)
    nodata = header.get("nodata_value", NODATA)
    try:
        data = np.loadtxt(path, skiprows=n_header, dtype=np.float64, ndmin=2)
    except (ValueError, UnicodeDecodeError) as err:
        raise InputError(f"{path}: cannot parse grid values ({err})") from err
    nrows, ncols = int(header["nrows"]), int(header["ncols"])
    if data.shape != (nrows, ncols):
        raise InputError(f"{path}: {data.shape} values, header says {(nrows, ncols)}")
    data[data == nodata] = np.nan
    return data, GridHeader(ncols, nrows, xll, yll, cellsize, nodata)


def _format_value(value: float) -> str:
    # Circuitscape.jl writes round.(map, digits=8) with shortest float formatting.
    return repr(round(float(value), 8))


def write_ascii_grid(path: str | os.PathLike, data: np.ndarray, header: GridHeader) -> Path:
    """Write an ESRI ASCII grid in Circuitscape.jl's layout; NaN becomes NODATA_value."""
    data = np.where(np.isnan(data), header.nodata, data)
    lines = [
        f"ncols         {header.ncols}",
        f"nrows         {header.nrows}",
        f"xllcorner     {header.xllcorner!r}",
        f"yllcorner     {header.yllcorner!r}",
        f"cellsize      {header.cellsize!r}",
        f"NODATA_value  {header.nodata!r}",
    ]
    lines += [" ".join(_format_value(v) for v in row) for row in data]
    with atomic_path(path) as tmp:
        tmp.write_text("\n".join(lines) + "\n")
    return Path(path)


def write_geotiff_grid(
    path: str | os.PathLike, data: np.ndarray, header: GridHeader, crs=None
) -> Path:
    """A map as Circuitscape.jl writes it with write_as_tif: Float32 GeoTIFF, NaN as no-data."""
    top = header.yllcorner + header.nrows * header.cellsize
    profile = {
        "driver": "GTiff",
        "width": header.ncols,
        "height": header.nrows,
        "count": 1,
        "dtype": "float32",
        "crs": crs,
        "transform": Affine(header.cellsize, 0.0, header.xllcorner, 0.0, -header.cellsize, top),
        "nodata": header.nodata,
    }
    with atomic_path(path) as tmp, rasterio.open(tmp, "w", **profile) as dst:
        dst.write(np.where(np.isnan(data), header.nodata, data).astype(np.float32), 1)
    return Path(path)


def read_grid(path: str | os.PathLike) -> tuple[np.ndarray, GridHeader]:
    """Read an ASCII grid or a GeoTIFF (first band) as float64 with NaN for no-data."""
    path = Path(path)
    name = path.name.lower()
    if name.endswith((".tif", ".tiff", ".tif.gz", ".tiff.gz")):
        if not path.exists():
            raise InputError(f"{path}: file not found")
        # GDAL reads a gzipped GeoTIFF through its /vsigzip/ virtual file system.
        source = f"/vsigzip/{path}" if name.endswith(".gz") else path
        try:
            src = rasterio.open(source)
        except rasterio.errors.RasterioIOError as err:
            raise InputError(f"{path}: not a readable GeoTIFF ({err})") from err
        with src:
            arr = src.read(1, masked=True).astype(np.float64).filled(np.nan)
            t = src.transform
            if not math.isclose(abs(t.a), abs(t.e)) or t.b or t.d:
                raise InputError(f"{path}: cells must be square and north-up")
            nodata = src.nodata if src.nodata is not None else NODATA
            header = GridHeader(src.width, src.height, t.c, t.f + src.height * t.e, t.a, nodata)
        return arr, header
    return read_ascii_grid(path)


def is_text_list(path: str | os.PathLike) -> bool:
    """Circuitscape.jl's ``_guess_file_type``: a ``.txt`` name without ``.asc`` is a list."""
    name = Path(path).name.lower()
    return ".asc" not in name and name.endswith((".txt", ".txt.gz"))


def read_table(path: str | os.PathLike, columns: int, what: str) -> np.ndarray:
    """A whitespace table of ``columns`` numbers a row (a Circuitscape text list)."""
    path = Path(path)
    if not path.exists():
        raise InputError(f"{path}: file not found")
    try:
        table = np.loadtxt(path, dtype=np.float64, ndmin=2)
    except ValueError as err:
        raise InputError(f"{path}: cannot read {what} ({err})") from err
    if table.size and table.shape[1] != columns:
        raise InputError(f"{path}: {what} needs {columns} columns, found {table.shape[1]}")
    return table.reshape(-1, columns)


def read_included_pairs(
    path: str | os.PathLike, keep_zero: bool = False
) -> tuple[np.ndarray, np.ndarray]:
    """Circuitscape's included-pairs file: the focal IDs and a 0/1 matrix of pairs to solve.

    Two formats, as Circuitscape.jl's ``read_included_pairs`` (``src/io.jl``) reads
    them: a matrix (``min v``, ``max v`` lines, then a table whose first row and
    column are focal IDs; a pair is kept when its value, after values above max
    are set to 0, is at least min) or a list (``mode include|exclude``, then
    ``id_a id_b`` rows; IDs are every ID listed).  Returns ``(ids, include)``
    with ``include[i, j]`` true for pairs to solve.  ID 0 (no focal node on a
    raster) is dropped from lists unless ``keep_zero`` (network node 0).
    """
    path = Path(path)
    if not path.exists():
        raise InputError(f"{path}: file not found")
    lines = [ln.split() for ln in path.read_text().splitlines() if ln.strip()]
    if not lines:
        raise InputError(f"{path}: included_pairs_file is empty")
    head = lines[0][0].lower()
    try:
        if head.startswith("min"):
            lo, hi = float(lines[0][1]), float(lines[1][1])
            table = np.array([[float(v) for v in row] for row in lines[2:]])
            ids = table[1:, 0].astype(np.int64)
            values = table[1:, 1:]
            values = np.where(values > hi, 0.0, values)
            return ids, values >= lo
        if head.startswith("mode"):
            mode = lines[0][1].lower()
            if mode not in ("include", "exclude"):
                raise InputError(f"{path}: mode = {mode!r}; use include or exclude")
            pairs = np.array(
                [[int(float(v)) for v in row[:2]] for row in lines[1:]], dtype=np.int64
            )
            pairs = pairs.reshape(-1, 2)
            ids = np.unique(pairs)
            ids = ids if keep_zero else ids[ids != 0]
            listed = np.zeros((len(ids), len(ids)), dtype=bool)
            for a, b in pairs:
                if a in ids and b in ids:
                    i, j = np.searchsorted(ids, [a, b])
                    listed[i, j] = listed[j, i] = True
            return ids, listed if mode == "include" else ~listed
    except (ValueError, IndexError) as err:
        raise InputError(f"{path}: cannot read included pairs ({err})") from err
    raise InputError(f"{path}: included_pairs_file must start with 'min' (matrix) or 'mode' (list)")


# -------------------------------------------------------------------------- jobs
@dataclass
class Job:
    """A parsed Circuitscape raster job."""

    path: Path
    options: dict[str, str]

    def get(self, key: str, default: str = "") -> str:
        return self.options.get(key.lower(), default).strip()

    def flag(self, key: str, default: bool = False) -> bool:
        """A True/False key; any other word is an error naming the key."""
        value = self.get(key)
        if not value:
            return default
        if value.lower() not in TRUE_WORDS | FALSE_WORDS:
            raise InputError(f"{self.path}: {key} = {value!r}; use True or False")
        return value.lower() in TRUE_WORDS

    @property
    def unknown_keys(self) -> list[str]:
        """Keys Circuitscape does not read (typos; Circuitscape ignores them silently)."""
        return sorted(k for k in self.options if k not in KNOWN_KEYS)

    def file(self, key: str) -> Path:
        """The path in option ``key``, as Circuitscape.jl resolves it.

        Relative paths are taken relative to the current working directory, not
        the ``.ini`` file's folder: Circuitscape.jl passes them to ``open`` as
        they are (``src/io.jl``), and its verification jobs are run from
        ``test/`` with paths such as ``input/raster/pairwise/1/cellmap.asc``.
        """
        value = self.get(key)
        if not value or value.lower() == "none" or value.startswith(("(Browse", "(Choose")):
            raise InputError(f"{self.path}: {key} is required for this scenario")
        return Path(value).expanduser()

    @property
    def prefix(self) -> str:
        """output_file up to ``.out`` (relative to the working directory, as :meth:`file`)."""
        out = self.get("output_file")
        if not out:
            raise InputError(f"{self.path}: output_file is not set")
        return str(Path(out).expanduser()).split(".out")[0]


def read_job(path: str | os.PathLike) -> Job:
    """Parse a Circuitscape ``.ini`` file (sections are ignored; keys are global)."""
    path = Path(path)
    if not path.exists():
        raise InputError(f"{path}: file not found")
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    try:
        parser.read(path)
    except configparser.Error as err:
        detail = " ".join(str(err).split())  # one line
        raise InputError(f"{path}: not a valid .ini file ({detail})") from err
    options = {k.lower(): v for section in parser.sections() for k, v in parser[section].items()}
    return Job(path, options)


# ------------------------------------------------------------------- resistances
def write_resistance_matrix(prefix: str, ids: np.ndarray, matrix: np.ndarray) -> list[Path]:
    """Pairwise resistances as Circuitscape.jl writes them; return the two files.

    ``<prefix>_resistances.out``: the matrix with the focal IDs in the first row
    and column and 0 in the corner (−1 for pairs not connected);
    ``<prefix>_resistances_3columns.out``: ``id_a id_b R`` for every pair a < b.
    """
    table = np.zeros((len(ids) + 1, len(ids) + 1))
    table[0, 1:] = ids
    table[1:, 0] = ids
    table[1:, 1:] = matrix
    full = "\n".join(" ".join(repr(float(v)) for v in row) for row in table) + "\n"
    rows = [
        f"{float(ids[a])!r} {float(ids[b])!r} {float(matrix[b, a])!r}"
        for a in range(len(ids))
        for b in range(a + 1, len(ids))
    ]
    three = "\n".join(rows) + ("\n" if rows else "")
    return [
        write_text(full, f"{prefix}_resistances.out"),
        write_text(three, f"{prefix}_resistances_3columns.out"),
    ]


def write_focal_resistances(prefix: str, ids: np.ndarray, resistances: np.ndarray) -> Path:
    """One-to-all resistances as Circuitscape.jl writes them: ``id R`` per focal node."""
    text = "".join(f"{float(i)!r} {float(r)!r}\n" for i, r in zip(ids, resistances, strict=True))
    return write_text(text, f"{prefix}_resistances.out")


# ---------------------------------------------------------------------- networks
def read_graph(path: str | os.PathLike) -> np.ndarray:
    """A Circuitscape network: ``node node value`` triples, one edge a row.

    Circuitscape.jl ``load_graph`` (``src/io.jl``) reads the same whitespace
    table; the value is a conductance, or a resistance when the job's
    habitat_map_is_resistances is true.
    """
    table = read_table(path, 3, "habitat_file (node node value)")
    if not table.size:
        raise InputError(f"{Path(path)}: habitat_file lists no edges")
    return table


def read_node_list(path: str | os.PathLike, what: str) -> np.ndarray:
    """Node IDs, one a row (Circuitscape's focal-node file for networks)."""
    table = read_table(path, 1, what)
    ids = table[:, 0]
    if np.any(ids != np.round(ids)) or np.any(ids < 0):
        bad = ids[(ids != np.round(ids)) | (ids < 0)][0]
        raise InputError(f"{Path(path)}: {what} holds {bad:g}, not a node ID (integer >= 0)")
    return ids.astype(np.int64)


def read_node_values(path: str | os.PathLike, what: str) -> tuple[np.ndarray, np.ndarray]:
    """``node value`` rows (network sources and grounds); returns (ids, values)."""
    table = read_table(path, 2, what)
    ids = table[:, 0]
    if np.any(ids != np.round(ids)) or np.any(ids < 0):
        raise InputError(f"{Path(path)}: {what} has a node ID that is not an integer >= 0")
    return ids.astype(np.int64), table[:, 1]


def write_node_table(path: str | os.PathLike, ids: np.ndarray, values: np.ndarray) -> Path:
    """``node<TAB>value`` rows (``_voltages``, ``_node_currents`` of network mode)."""
    text = "".join(f"{int(i)}\t{float(v)!r}\n" for i, v in zip(ids, values, strict=True))
    return write_text(text, path)


def write_branch_table(
    path: str | os.PathLike, a: np.ndarray, b: np.ndarray, values: np.ndarray
) -> Path:
    """``node_a<TAB>node_b<TAB>current`` rows (``_branch_currents`` of network mode)."""
    text = "".join(
        f"{int(i)}\t{int(j)}\t{float(v)!r}\n" for i, j, v in zip(a, b, values, strict=True)
    )
    return write_text(text, path)


# ------------------------------------------------------- reclassification, polygons
def read_reclass_table(path: str | os.PathLike) -> np.ndarray:
    """Circuitscape's reclass_file: ``old new`` rows (use_reclass_table)."""
    return read_table(path, 2, "reclass_file (old new)")


#: File endings read as vector polygons (rasterised onto the habitat grid).
VECTOR_SUFFIXES = (".shp", ".gpkg", ".geojson", ".json", ".fgb")
#: Attribute names taken, in this order, as a vector polygon's short-circuit ID.
POLYGON_ID_FIELDS = ("id", "polygon_id", "region", "value")


def is_vector(path: str | os.PathLike) -> bool:
    return Path(path).name.lower().endswith(VECTOR_SUFFIXES)


def grid_crs(path: str | os.PathLike):
    """The CRS of a grid: a GeoTIFF's, an ASCII grid's ``.prj`` sidecar, else None."""
    path = Path(path)
    name = path.name.lower()
    if name.endswith((".tif", ".tiff", ".tif.gz", ".tiff.gz")):
        source = f"/vsigzip/{path}" if name.endswith(".gz") else path
        with rasterio.open(source) as src:
            return src.crs
    prj = path.with_suffix(".prj")
    if prj.exists():
        return rasterio.crs.CRS.from_wkt(prj.read_text())
    return None


def read_polygon_vector(path: str | os.PathLike, header: GridHeader, crs) -> np.ndarray:
    """Vector short-circuit regions burnt onto the habitat grid (cell centres inside).

    The polygon ID is the first of the attributes :data:`POLYGON_ID_FIELDS`
    (case-insensitive) that the layer has, else the feature's position + 1.
    The layer must have a CRS; it is reprojected to the habitat grid's CRS
    when the grid has one (else the two are taken to agree).
    """
    from rasterio.features import rasterize

    from amurlink.core.io import read_vector

    gdf = read_vector(path, require_crs=True)
    if crs is not None and gdf.crs != crs:
        gdf = gdf.to_crs(crs)
    columns = {c.lower(): c for c in gdf.columns if c != gdf.geometry.name}
    field = next((columns[f] for f in POLYGON_ID_FIELDS if f in columns), None)
    ids = gdf[field].to_numpy() if field else np.arange(1, len(gdf) + 1)
    try:
        ids = np.asarray(ids, dtype=np.float64)
    except (TypeError, ValueError) as err:
        raise InputError(f"{Path(path)}: polygon_file field {field!r} is not numeric") from err
    if np.any(ids != np.round(ids)) or np.any(ids <= 0):
        raise InputError(f"{Path(path)}: polygon_file IDs ({field or 'row'}) must be integers > 0")
    top = header.yllcorner + header.nrows * header.cellsize
    transform = Affine(header.cellsize, 0.0, header.xllcorner, 0.0, -header.cellsize, top)
    shapes = [(g, int(i)) for g, i in zip(gdf.geometry, ids, strict=True) if g is not None]
    return rasterize(
        shapes, out_shape=(header.nrows, header.ncols), transform=transform, fill=0, dtype="int64"
    )
