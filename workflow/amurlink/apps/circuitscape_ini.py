"""Run a Circuitscape ``.ini`` raster job with :mod:`amurlink.connectivity.circuit`.

Reads the job keys of Circuitscape 4/5 (Circuitscape.jl) for raster data, runs
pairwise, one-to-all, all-to-one or advanced mode, and writes the outputs with
Circuitscape's names and layouts, so that a Circuitscape run can be reproduced
without Julia::

    python -m amurlink.apps.circuitscape_ini job.ini

Supported keys, with Circuitscape.jl's defaults (``connect_using_avg_resistances``
defaults to False, i.e. average conductance; ``solver`` to cg+amg).  Jobs that set
use_mask, use_included_pairs, use_variable_source_strengths, use_reclass_table,
log_transform_maps or set_focal_node_currents_to_zero are refused:

``[Circuitscape mode]`` scenario, data_type (raster only);
``[Habitat raster or graph]`` habitat_file, habitat_map_is_resistances;
``[Options for pairwise and one-to-all and all-to-one modes]`` point_file (raster of
focal IDs; an ID on several cells is a focal region);
``[Options for advanced mode]`` source_file, ground_file,
ground_file_is_resistances, remove_src_or_gnd, use_unit_currents, use_direct_grounds;
``[Short circuit regions (aka polygons)]`` use_polygons, polygon_file (advanced mode);
``[Connection scheme for raster habitat data]`` connect_four_neighbors_only,
connect_using_avg_resistances;
``[Output options]`` output_file, write_cur_maps, write_volt_maps,
write_cum_cur_map_only, write_max_cur_maps, set_null_currents_to_nodata,
set_null_voltages_to_nodata;
``[Calculation options]`` solver = cg+amg | cholmod (SuperLU stands in for
CHOLMOD) | direct | auto.

Inputs are ESRI ASCII grids (``.asc``, optional NODATA_value) or GeoTIFFs.
Relative paths are taken relative to the ``.ini`` file's directory.

Outputs (``<prefix>`` = output_file up to ``.out``), as in Circuitscape.jl
``src/out.jl``:

* ``<prefix>_resistances.out`` — pairwise matrix, focal IDs in the first row
  and column, 0 in the corner, −1 for disconnected pairs; and
  ``<prefix>_resistances_3columns.out`` (id_a id_b R for a < b).  One-to-all
  writes two columns, id and resistance.
* ``<prefix>_cum_curmap.asc``, ``<prefix>_max_curmap.asc``;
* pairwise ``<prefix>_curmap_<a>_<b>.asc``, ``<prefix>_voltmap_<a>_<b>.asc``;
  one-to-all and all-to-one ``<prefix>_curmap_<id>.asc``, ``_voltmap_<id>.asc``;
  advanced ``<prefix>_curmap.asc``, ``<prefix>_voltmap.asc``.

Maps hold 0 on cells that are no node unless set_null_*_to_nodata is true.
"""

from __future__ import annotations

import argparse
import configparser
import logging
import math
import os
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from amurlink.connectivity import circuit
from amurlink.core.errors import InputError

log = logging.getLogger(__name__)

NODATA = -9999.0
TRUE_WORDS = {"true", "1", "yes", "on"}


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

    Accepts xllcenter/yllcenter (converted to corners) and a missing
    NODATA_value line.
    """
    path = Path(path)
    if not path.exists():
        raise InputError(f"{path}: file not found")
    header: dict[str, float] = {}
    with open(path) as fh:
        n_header = 0
        for line in fh:
            parts = line.split()
            if len(parts) == 2 and parts[0][0].isalpha():
                header[parts[0].lower()] = float(parts[1])
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
    except ValueError as err:
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
    from amurlink.core.io import atomic_path

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


def read_grid(path: str | os.PathLike) -> tuple[np.ndarray, GridHeader]:
    """Read an ASCII grid or a GeoTIFF (first band) as float64 with NaN for no-data."""
    path = Path(path)
    if path.suffix.lower() in (".tif", ".tiff"):
        import rasterio

        if not path.exists():
            raise InputError(f"{path}: file not found")
        with rasterio.open(path) as src:
            arr = src.read(1, masked=True).astype(np.float64).filled(np.nan)
            t = src.transform
            if not math.isclose(abs(t.a), abs(t.e)) or t.b or t.d:
                raise InputError(f"{path}: cells must be square and north-up")
            nodata = src.nodata if src.nodata is not None else NODATA
            header = GridHeader(src.width, src.height, t.c, t.f + src.height * t.e, t.a, nodata)
        return arr, header
    return read_ascii_grid(path)


# -------------------------------------------------------------------------- job
@dataclass
class Job:
    """A parsed Circuitscape raster job."""

    path: Path
    options: dict[str, str]

    def get(self, key: str, default: str = "") -> str:
        return self.options.get(key.lower(), default).strip()

    def flag(self, key: str, default: bool = False) -> bool:
        value = self.get(key)
        return value.lower() in TRUE_WORDS if value else default

    def file(self, key: str) -> Path:
        value = self.get(key)
        if not value or value.lower() == "none":
            raise InputError(f"{self.path}: [{key}] is required for this scenario")
        p = Path(value).expanduser()
        return p if p.is_absolute() else self.path.parent / p

    @property
    def prefix(self) -> str:
        out = self.get("output_file")
        if not out:
            raise InputError(f"{self.path}: output_file is not set")
        p = Path(out).expanduser()
        p = p if p.is_absolute() else self.path.parent / p
        return str(p).split(".out")[0]


def read_job(path: str | os.PathLike) -> Job:
    """Parse a Circuitscape ``.ini`` file (sections are ignored; keys are global)."""
    path = Path(path)
    if not path.exists():
        raise InputError(f"{path}: file not found")
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    try:
        parser.read(path)
    except configparser.Error as err:
        raise InputError(f"{path}: not a valid .ini file ({err})") from err
    options = {k.lower(): v for section in parser.sections() for k, v in parser[section].items()}
    return Job(path, options)


def _solver(job: Job) -> circuit.Solver:
    name = job.get("solver", "cg+amg").lower()
    mapping = {"cg+amg": "cg+amg", "amg": "cg+amg", "cholmod": "direct", "direct": "direct"}
    mapping["auto"] = "auto"
    if name not in mapping:
        raise InputError(f"{job.path}: solver = {name!r}; use cg+amg, cholmod, direct or auto")
    return mapping[name]  # type: ignore[return-value]


def _load_habitat(job: Job) -> tuple[np.ndarray, GridHeader, bool]:
    path = job.file("habitat_file")
    values, header = read_grid(path)
    is_resistance = job.flag("habitat_map_is_resistances", True)
    if is_resistance and np.any(values == 0):
        raise InputError(
            f"{path}: habitat_file has zero resistances; Circuitscape does not accept them "
            "(use a short-circuit region instead)"
        )
    return values, header, is_resistance


def _load_aligned(job: Job, key: str, header: GridHeader) -> np.ndarray:
    path = job.file(key)
    values, other = read_grid(path)
    if (other.nrows, other.ncols) != (header.nrows, header.ncols):
        raise InputError(
            f"{path}: {key} has {other.nrows}×{other.ncols} cells, "
            f"habitat_file {header.nrows}×{header.ncols}"
        )
    if not math.isclose(other.cellsize, header.cellsize) or not (
        math.isclose(other.xllcorner, header.xllcorner, abs_tol=1e-6 * header.cellsize)
        and math.isclose(other.yllcorner, header.yllcorner, abs_tol=1e-6 * header.cellsize)
    ):
        log.warning("%s: %s is not on the habitat grid's georeferencing", path, key)
    return values


def _focal(job: Job, header: GridHeader) -> np.ndarray:
    path = job.file("point_file")
    if path.suffix.lower() == ".txt":
        raise InputError(f"{path}: point_file as a text list is not supported; give a raster")
    values = _load_aligned(job, "point_file", header)
    values = np.where(np.isfinite(values) & (values > 0), values, 0)
    if np.any(values != np.round(values)):
        raise InputError(f"{path}: point_file holds non-integer focal IDs")
    return values.astype(np.int64)


def _map_out(data: np.ndarray, null_to_nodata: bool) -> np.ndarray:
    return data if null_to_nodata else np.nan_to_num(data, nan=0.0)


def _write_resistance_matrix(prefix: str, ids: np.ndarray, matrix: np.ndarray) -> list[Path]:
    from amurlink.core.io import write_text

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


def run_job(path: str | os.PathLike) -> list[Path]:
    """Run the Circuitscape raster job in ``path``; return the files written."""
    job = read_job(path)
    data_type = job.get("data_type", "raster").lower()
    if data_type != "raster":
        raise InputError(f"{job.path}: data_type = {data_type!r}; only raster jobs are supported")
    scenario = job.get("scenario").lower()
    if scenario not in ("pairwise", "one-to-all", "all-to-one", "advanced"):
        raise InputError(
            f"{job.path}: scenario = {scenario!r}; use pairwise, one-to-all, all-to-one or advanced"
        )
    unsupported = (
        "use_mask",
        "use_included_pairs",
        "use_variable_source_strengths",
        "use_reclass_table",
        "log_transform_maps",
        "set_focal_node_currents_to_zero",
    )
    for key in unsupported:
        if job.flag(key):
            raise InputError(f"{job.path}: {key} = True is not supported")
    if job.flag("use_polygons") and scenario != "advanced":
        raise InputError(f"{job.path}: use_polygons is supported in advanced mode only")
    habitat, header, is_resistance = _load_habitat(job)
    common = {
        "neighbours": 4 if job.flag("connect_four_neighbors_only") else 8,
        # Circuitscape's default is False: average conductance.
        "avg": "resistance" if job.flag("connect_using_avg_resistances") else "conductance",
        "is_conductance": not is_resistance,
        "solver": _solver(job),
    }
    prefix = job.prefix
    Path(prefix).parent.mkdir(parents=True, exist_ok=True)
    write_cur = job.flag("write_cur_maps")
    cum_only = job.flag("write_cum_cur_map_only")
    write_max = job.flag("write_max_cur_maps")
    write_volt = job.flag("write_volt_maps")
    null_cur = job.flag("set_null_currents_to_nodata")
    null_volt = job.flag("set_null_voltages_to_nodata")
    per_map = (write_cur and not cum_only) or write_volt
    written: list[Path] = []
    log.info("running %s (%s) on %d×%d cells", job.path, scenario, header.nrows, header.ncols)

    def grid(name: str, data: np.ndarray, null: bool) -> None:
        written.append(write_ascii_grid(f"{prefix}_{name}.asc", _map_out(data, null), header))

    if scenario == "advanced":
        source = _load_aligned(job, "source_file", header)
        ground = _load_aligned(job, "ground_file", header)
        if job.flag("use_unit_currents"):
            source = np.where(np.nan_to_num(source) != 0, 1.0, 0.0)
        ground_is_resistance = job.flag("ground_file_is_resistances", True)
        if job.flag("use_direct_grounds"):
            # Every ground cell tied directly to ground (resistance 0).
            ground = np.where(np.nan_to_num(ground) != 0, 0.0, np.nan)
            ground_is_resistance = True
        regions = None
        if job.flag("use_polygons"):
            regions = np.nan_to_num(_load_aligned(job, "polygon_file", header)).astype(np.int64)
        policy = job.get("remove_src_or_gnd", "keepall").lower()
        if policy not in ("keepall", "rmvsrc", "rmvgnd", "rmvall"):
            raise InputError(f"{job.path}: remove_src_or_gnd = {policy!r} is not known")
        result = circuit.advanced(
            habitat,
            source,
            ground,
            ground_is_resistance=ground_is_resistance,
            policy=policy,  # type: ignore[arg-type]
            regions=regions,
            **common,
        )
        if write_volt:
            grid("voltmap", result.voltage, null_volt)
        if write_cur or cum_only:
            grid("curmap", result.current, null_cur)
        return written

    focal = _focal(job, header)
    want_currents = write_cur or cum_only or write_max
    if scenario == "pairwise":
        result = circuit.pairwise(
            habitat,
            focal,
            currents=want_currents,
            max_current=write_max,
            pair_maps=per_map,
            **common,
        )
        written += _write_resistance_matrix(prefix, result.ids, result.resistance_matrix)
        for (a, b), cmap in result.curmaps.items():
            if write_cur and not cum_only:
                grid(f"curmap_{a}_{b}", cmap, null_cur)
            if write_volt:
                grid(f"voltmap_{a}_{b}", result.voltmaps[(a, b)], null_volt)
    else:
        func = circuit.one_to_all if scenario == "one-to-all" else circuit.all_to_one
        result = func(
            habitat,
            focal,
            currents=want_currents,
            max_current=write_max,
            focal_maps=per_map,
            **common,
        )
        if scenario == "one-to-all":
            from amurlink.core.io import write_text

            text = "".join(
                f"{float(i)!r} {float(r)!r}\n"
                for i, r in zip(result.ids, result.resistances, strict=True)
            )
            written.append(write_text(text, f"{prefix}_resistances.out"))
        for focal_id, cmap in result.curmaps.items():
            if write_cur and not cum_only:
                grid(f"curmap_{focal_id}", cmap, null_cur)
            if write_volt:
                grid(f"voltmap_{focal_id}", result.voltmaps[focal_id], null_volt)
    if result.cum_current is not None and (write_cur or cum_only):
        grid("cum_curmap", result.cum_current, null_cur)
    if write_max and result.max_current is not None:
        grid("max_curmap", result.max_current, null_cur)
    return written


def main(argv: list[str] | None = None) -> int:
    """Command line: ``python -m amurlink.apps.circuitscape_ini job.ini [job2.ini …]``."""
    parser = argparse.ArgumentParser(
        prog="python -m amurlink.apps.circuitscape_ini",
        description="Run Circuitscape .ini raster jobs (pairwise, one-to-all, all-to-one, "
        "advanced) with amurlink's solver.",
    )
    parser.add_argument("ini", nargs="+", help="Circuitscape .ini job file(s)")
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s [%(name)s] %(message)s",
    )
    for ini in args.ini:
        try:
            for p in run_job(ini):
                log.info("wrote %s", p)
        except InputError as err:
            print(f"amurlink: bad input: {err}", file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
