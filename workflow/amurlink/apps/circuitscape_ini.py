"""Run a Circuitscape ``.ini`` job with :mod:`amurlink.connectivity.circuit` / ``network``.

Reads the job keys of Circuitscape 4/5 (Circuitscape.jl) for raster data
(pairwise, one-to-all, all-to-one, advanced) and for network data (graph
pairwise and advanced, see :func:`_run_network`), and writes the outputs with
Circuitscape's names and layouts, so that a Circuitscape run can be reproduced
without Julia::

    python -m amurlink.apps.circuitscape_ini [--strict] job.ini

Bad input is one line on stderr naming the file and the problem, exit code 2.
``--strict`` also refuses a focal point on a no-data cell (which Circuitscape
runs, reporting the point as not connected; without it this is a warning).

Relative paths in the job are taken from the working directory, as Circuitscape.jl
does (its verification jobs are run from its ``test/`` folder).  Keys, with
Circuitscape.jl's defaults (``connect_using_avg_resistances`` defaults to False,
i.e. average conductance; ``solver`` to cg+amg):

``[Circuitscape mode]`` scenario, data_type (raster or network);
``[Habitat raster or graph]`` habitat_file (a grid, or for networks a
``node node value`` list), habitat_map_is_resistances;
``[Options for pairwise and one-to-all and all-to-one modes]`` point_file (a raster
of focal IDs, an ID on several cells being a focal region, or a ``.txt`` list of
``id x y`` in map units), use_included_pairs, included_pairs_file (matrix
``min``/``max`` format or ``mode include|exclude`` list);
``[Options for one-to-all and all-to-one modes]`` use_variable_source_strengths,
variable_source_file (``id strength``; one-to-all only, as Circuitscape.jl);
``[Options for advanced mode]`` source_file, ground_file (grids or ``value x y``
lists), ground_file_is_resistances, remove_src_or_gnd, use_unit_currents,
use_direct_grounds;
``[Mask file]`` use_mask, mask_file (cells not > 0 are removed);
``[Short circuit regions (aka polygons)]`` use_polygons, polygon_file (every mode;
a focal region and the polygons it touches are one region; besides grids, a
vector file — ``.shp``, ``.gpkg``, ``.geojson`` — with a CRS, burnt onto the
habitat grid by cell centre, IDs from its ``id`` field);
``[Options for reclassification of habitat data]`` use_reclass_table,
reclass_file (``old new`` rows applied in order to the habitat values, as
Circuitscape 4; Circuitscape.jl 5 ignores the table);
``[Connection scheme for raster habitat data]`` connect_four_neighbors_only,
connect_using_avg_resistances;
``[Output options]`` output_file, write_cur_maps, write_volt_maps,
write_cum_cur_map_only, write_max_cur_maps, log_transform_maps,
set_null_currents_to_nodata, set_null_voltages_to_nodata, compress_grids (read;
Circuitscape.jl 5 writes plain grids, and so does this);
``[Calculation options]`` solver = cg+amg | cholmod (CHOLMOD when scikit-sparse is
installed, else the fastest direct solver there is: :func:`circuit.direct_backend`) |
direct | auto; precision (single is solved in double); low_memory_mode
and preemptive_memory_release = True refused, as Circuitscape.jl; parallelize,
cholmod_batch_size, use_64bit_indexing read and without effect on the numbers;
``[Logging Options]`` log_level, log_file, suppress_messages;
``write_as_tif``: maps as Float32 GeoTIFFs (``.tif``) with the habitat's CRS.
set_focal_node_currents_to_zero (as Circuitscape.jl's fix of its issue 342).
Refused with an error naming the option: use_polygons, use_mask and
use_variable_source_strengths in a network job (raster options), an unknown
data_type, scenario, solver or remove_src_or_gnd value.

Inputs are ESRI ASCII grids (``.asc``, optional NODATA_value, optionally gzipped)
or GeoTIFFs (``.tif``, ``.tif.gz``).  As in Circuitscape.jl, cells of a polygon or
focal region on no-data habitat show the region's voltage and current in the maps,
focal IDs that share a node give resistance 0 between them and the same answers,
and a focal point on no-data is reported as not connected (−1; one warning line).

Outputs (``<prefix>`` = output_file up to ``.out``), as in Circuitscape.jl
``src/out.jl``:

* ``<prefix>_resistances.out`` — pairwise matrix, focal IDs in the first row
  and column, 0 in the corner, −1 for disconnected pairs; and
  ``<prefix>_resistances_3columns.out`` (id_a id_b R for a < b).  One-to-all
  writes two columns, id and resistance (the source's voltage); all-to-one id
  and 0 (−1 where an ID could not be solved).
* ``<prefix>_cum_curmap.asc``, ``<prefix>_max_curmap.asc``;
* pairwise ``<prefix>_curmap_<a>_<b>.asc``, ``<prefix>_voltmap_<a>_<b>.asc``;
  one-to-all and all-to-one ``<prefix>_curmap_<id>.asc``, ``_voltmap_<id>.asc``;
  advanced ``<prefix>_curmap.asc``, ``<prefix>_voltmap.asc``.

Maps hold 0 on cells that are no node unless set_null_*_to_nodata is true.
Network jobs write text tables instead (``_voltages``, ``_node_currents``,
``_branch_currents``; see :func:`_run_network`).
"""

from __future__ import annotations

import argparse
import itertools
import logging
import math
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from amurlink.connectivity import circuit, network
from amurlink.core.errors import InputError
from amurlink.core.io.circuitscape import (
    GridHeader,
    Job,
    grid_crs,
    is_text_list,
    is_vector,
    read_graph,
    read_grid,
    read_included_pairs,
    read_job,
    read_node_list,
    read_node_values,
    read_polygon_vector,
    read_reclass_table,
    read_table,
    write_ascii_grid,
    write_branch_table,
    write_focal_resistances,
    write_geotiff_grid,
    write_node_table,
    write_resistance_matrix,
)

log = logging.getLogger(__name__)

SCENARIOS = ("pairwise", "one-to-all", "all-to-one", "advanced")
#: Circuitscape's scenarios on a graph (Circuitscape.jl ``src/network/``).
NETWORK_SCENARIOS = ("pairwise", "advanced")
DATA_TYPES = ("raster", "network")
POLICIES = ("keepall", "rmvsrc", "rmvgnd", "rmvall")
#: Options that only mean something on a raster; True in a network job is refused.
RASTER_ONLY = ("use_polygons", "use_mask", "use_variable_source_strengths")
#: Output options on grids only (Circuitscape's network outputs are text tables).
GRID_OUTPUT_OPTIONS = (
    "log_transform_maps",
    "set_null_currents_to_nodata",
    "set_null_voltages_to_nodata",
    "set_focal_node_currents_to_zero",
    "compress_grids",
)
#: Job keys this runner refuses when they are True, and why (as Circuitscape.jl does).
UNSUPPORTED: dict[str, str] = {
    "low_memory_mode": "a Circuitscape 4 option that Circuitscape.jl refuses too",
    "preemptive_memory_release": "a Circuitscape 4 option that Circuitscape.jl refuses too",
}
#: No-data value Circuitscape.jl clamps summed maps to (``postprocess_cum_curmap!``).
CS_NODATA = -9999.0


def _solver(job: Job) -> circuit.Solver:
    name = job.get("solver", "cg+amg").lower()
    mapping = {"cg+amg": "cg+amg", "amg": "cg+amg", "cholmod": "direct", "direct": "direct"}
    mapping["auto"] = "auto"
    if name not in mapping:
        raise InputError(f"{job.path}: solver = {name!r}; use cg+amg, cholmod, direct or auto")
    return mapping[name]  # type: ignore[return-value]


@dataclass
class _Inputs:
    """The habitat grid after the mask, and the short-circuit polygons."""

    habitat: np.ndarray
    header: GridHeader
    is_resistance: bool
    polygons: np.ndarray | None
    strict: bool = False

    @property
    def valid(self) -> np.ndarray:
        """Cells that are nodes (Circuitscape's ``cellmap != 0``)."""
        with np.errstate(invalid="ignore"):
            return np.isfinite(self.habitat) & (self.habitat > 0)


def _reclass(job: Job, values: np.ndarray) -> np.ndarray:
    """use_reclass_table: each ``old new`` row of reclass_file replaces old by new.

    As Circuitscape 4 (``read_graph``/``read_cell_map``): rows applied in order,
    each to the result of the previous one.  Circuitscape.jl 5 reads the key
    but not the table.
    """
    if not job.flag("use_reclass_table"):
        return values
    for old, new in read_reclass_table(job.file("reclass_file")):
        values = np.where(values == old, new, values)
    return values


def _load_inputs(job: Job, strict: bool = False) -> _Inputs:
    path = job.file("habitat_file")
    values, header = read_grid(path)
    values = _reclass(job, values)
    is_resistance = job.flag("habitat_map_is_resistances", True)
    if is_resistance and np.any(values == 0):
        raise InputError(
            f"{path}: habitat_file has zero resistances; Circuitscape does not accept them "
            "(use a short-circuit region instead)"
        )
    if job.flag("use_mask"):
        # Circuitscape.jl update!: cells where the mask is not > 0 (or no-data) go.
        mask = np.nan_to_num(_load_aligned(job, "mask_file", header), nan=0.0)
        values = np.where(mask > 0, values, np.nan)
        if not np.any(np.isfinite(values) & (values > 0)):
            raise InputError(f"{job.file('mask_file')}: mask_file removes every habitat cell")
    polygons = None
    if job.flag("use_polygons") and is_vector(job.file("polygon_file")):
        polygons = read_polygon_vector(job.file("polygon_file"), header, grid_crs(path))
    elif job.flag("use_polygons"):
        polygons = np.nan_to_num(_load_aligned(job, "polygon_file", header), nan=0.0)
        if np.any(polygons != np.round(polygons)):
            raise InputError(f"{job.file('polygon_file')}: polygon_file holds non-integer IDs")
        polygons = np.where(polygons > 0, polygons, 0).astype(np.int64)
    return _Inputs(values, header, is_resistance, polygons, strict)


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


def _cell_of(header: GridHeader, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Row and column of map coordinates (Circuitscape.jl ``read_point_map``)."""
    row = np.ceil(header.nrows - (y - header.yllcorner) / header.cellsize).astype(np.int64) - 1
    col = np.ceil((x - header.xllcorner) / header.cellsize).astype(np.int64) - 1
    return row, col


def _focal(job: Job, inp: _Inputs) -> tuple[np.ndarray, dict[int, int]]:
    """The focal-ID raster, from a raster or a text list of ``id x y`` in map units.

    Also returns the IDs of a text list that share a cell with a lower ID
    (Circuitscape keeps both as focal nodes on one graph node), mapped to it.
    """
    path = job.file("point_file")
    header = inp.header
    aliases: dict[int, int] = {}
    if is_text_list(path):
        table = read_table(path, 3, "point_file (id x y)")
        table = table[table[:, 0] > 0]
        row, col = _cell_of(header, table[:, 1], table[:, 2])
        outside = (row < 0) | (row >= header.nrows) | (col < 0) | (col >= header.ncols)
        if outside.any():
            k = int(np.flatnonzero(outside)[0])
            raise InputError(
                f"{path}: focal point {table[k, 0]:g} at ({table[k, 1]:g}, {table[k, 2]:g}) "
                "lies outside the habitat grid"
            )
        values = np.zeros((header.nrows, header.ncols))
        for focal_id, r, c in sorted(
            zip(table[:, 0].tolist(), row.tolist(), col.tolist(), strict=True)
        ):
            if values[r, c] > 0 and values[r, c] != focal_id:
                aliases[int(focal_id)] = int(values[r, c])
            else:
                values[r, c] = focal_id
    else:
        values = _load_aligned(job, "point_file", header)
    values = np.where(np.isfinite(values) & (values > 0), values, 0)
    if np.any(values != np.round(values)):
        raise InputError(f"{path}: point_file holds non-integer focal IDs")
    focal = values.astype(np.int64)
    _check_focal_on_nodes(path, focal, inp)
    return focal, aliases


def _check_focal_on_nodes(path: Path, focal: np.ndarray, inp: _Inputs) -> None:
    """Warn, in one line, of a focal ID none of whose cells is a node.

    Circuitscape.jl runs such a job and reports the ID as not connected
    (resistance −1, no maps; its allToOneVerify12 verification job has two),
    so this does the same rather than refusing the job; with ``strict``
    (``--strict`` on the command line) it is an :class:`InputError`.
    """
    regions = circuit.short_regions(focal, inp.polygons)
    valid = inp.valid
    live = np.unique(regions[valid & (regions > 0)])
    for focal_id in np.unique(focal[focal > 0]):
        at = focal == focal_id
        if not np.any(np.isin(regions[at], live)):
            r, c = (int(v[0]) for v in np.nonzero(at))
            if inp.strict:
                raise InputError(
                    f"{path}: focal point {focal_id} (row {r + 1}, column {c + 1}) is on a "
                    "no-data habitat cell"
                )
            log.warning(
                "%s: focal point %d (row %d, column %d) is on a no-data habitat cell; "
                "it is reported as not connected (resistance -1), as Circuitscape does",
                path,
                focal_id,
                r + 1,
                c + 1,
            )


def _included(job: Job, present: set[int]) -> tuple[np.ndarray, dict[int, set[int]]] | None:
    """Focal IDs kept by use_included_pairs and, per ID, the IDs it is solved with."""
    if not job.flag("use_included_pairs"):
        return None
    ids, include = read_included_pairs(job.file("included_pairs_file"))
    partners: dict[int, set[int]] = {}
    for i, a in enumerate(ids.tolist()):
        if a in present:
            partners[a] = {
                b for j, b in enumerate(ids.tolist()) if j != i and include[i, j] and b in present
            }
    return np.array(sorted(partners), dtype=np.int64), partners


def _strengths(job: Job, ids: np.ndarray) -> np.ndarray | None:
    """Source strength of each focal ID (use_variable_source_strengths: ``id strength``)."""
    if not job.flag("use_variable_source_strengths"):
        return None
    path = job.file("variable_source_file")
    table = read_table(path, 2, "variable_source_file (id strength)")
    given = {int(i): float(v) for i, v in table}
    missing = [int(i) for i in ids if int(i) not in given]
    if missing:
        raise InputError(
            f"{path}: variable_source_file lists no strength for focal ID {missing[0]}"
        )
    return np.array([given[int(i)] for i in ids])


def _check_job(job: Job) -> str:
    """The job's scenario, after refusing what this runner does not support."""
    if job.unknown_keys:
        log.warning(
            "%s: keys Circuitscape does not read, ignored: %s",
            job.path,
            ", ".join(job.unknown_keys),
        )
    data_type = job.get("data_type", "raster").lower()
    if data_type not in DATA_TYPES:
        raise InputError(f"{job.path}: data_type = {data_type!r}; use raster or network")
    scenario = job.get("scenario").lower()
    allowed = SCENARIOS if data_type == "raster" else NETWORK_SCENARIOS
    if scenario not in allowed:
        raise InputError(
            f"{job.path}: scenario = {scenario!r}; use {', '.join(allowed[:-1])} or {allowed[-1]}"
            + (" (Circuitscape's network modes)" if data_type == "network" else "")
        )
    for key, why in UNSUPPORTED.items():
        if job.flag(key):
            raise InputError(f"{job.path}: {key} = True is not supported ({why})")
    if data_type == "network":
        for key in RASTER_ONLY:
            if job.flag(key):
                raise InputError(
                    f"{job.path}: {key} = True is a raster option; network jobs cannot use it"
                )
    policy = job.get("remove_src_or_gnd", "keepall").lower()
    if scenario == "advanced" and policy not in POLICIES:
        raise InputError(
            f"{job.path}: remove_src_or_gnd = {policy!r}; use keepall, rmvsrc, rmvgnd or rmvall"
        )
    if job.flag("compress_grids"):
        log.info(
            "%s: compress_grids: Circuitscape.jl 5 writes plain .asc grids; so does this", job.path
        )
    precision = job.get("precision", "double").lower()
    if precision not in ("double", "single"):
        raise InputError(f"{job.path}: precision = {precision!r}; use double or single")
    if precision == "single":
        log.info("%s: precision = single: solved in double precision (closer, not equal)", job.path)
    return scenario


@dataclass
class _Outputs:
    """The job's output options, and the files written so far.

    Maps are processed as Circuitscape.jl's ``process_grid!`` (``src/out.jl``):
    current maps are log10-transformed when log_transform_maps (cells ≤ 0 become
    no-data), and cells that are no habitat node become no-data when
    set_null_*_to_nodata; summed maps are clamped at −9999.
    """

    prefix: str
    header: GridHeader
    valid: np.ndarray
    write_cur: bool
    cum_only: bool
    write_max: bool
    write_volt: bool
    null_cur: bool
    null_volt: bool
    log_maps: bool
    as_tif: bool = False
    crs: object = None
    written: list[Path] = field(default_factory=list)

    @classmethod
    def of(cls, job: Job, inp: _Inputs) -> _Outputs:
        as_tif = job.flag("write_as_tif")
        return cls(
            job.prefix,
            inp.header,
            inp.valid,
            write_cur=job.flag("write_cur_maps"),
            cum_only=job.flag("write_cum_cur_map_only"),
            write_max=job.flag("write_max_cur_maps"),
            write_volt=job.flag("write_volt_maps"),
            null_cur=job.flag("set_null_currents_to_nodata"),
            null_volt=job.flag("set_null_voltages_to_nodata"),
            log_maps=job.flag("log_transform_maps"),
            as_tif=as_tif,
            crs=grid_crs(job.file("habitat_file")) if as_tif else None,
        )

    @property
    def per_map(self) -> bool:
        """Maps per pair or focal node are wanted."""
        return (self.write_cur and not self.cum_only) or self.write_volt

    @property
    def any_current(self) -> bool:
        return self.write_cur or self.cum_only or self.write_max

    def process_current(self, data: np.ndarray) -> np.ndarray:
        """A node-current map as Circuitscape writes it (0 on cells that are no node)."""
        cmap = np.nan_to_num(data, nan=0.0)
        if self.log_maps:
            with np.errstate(divide="ignore", invalid="ignore"):
                cmap = np.where(cmap > 0, np.log10(cmap), self.header.nodata)
        if self.null_cur:
            cmap = np.where(self.valid, cmap, self.header.nodata)
        return cmap

    def _write(self, name: str, data: np.ndarray) -> None:
        if self.as_tif:  # Circuitscape.jl write_as_tif: Float32 GeoTIFF, the habitat's CRS
            path = write_geotiff_grid(f"{self.prefix}_{name}.tif", data, self.header, self.crs)
        else:
            path = write_ascii_grid(f"{self.prefix}_{name}.asc", data, self.header)
        self.written.append(path)

    def current(self, name: str, data: np.ndarray, processed: bool = False) -> None:
        self._write(name, data if processed else self.process_current(data))

    def voltage(self, name: str, data: np.ndarray) -> None:
        vmap = np.nan_to_num(data, nan=0.0)
        if self.null_volt:
            vmap = np.where(self.valid, vmap, self.header.nodata)
        self._write(name, vmap)

    def per_node_maps(self, currents: dict, voltages: dict, suffix) -> None:
        """Each pair's or focal node's current and voltage maps, as asked."""
        for key, cmap in currents.items():
            if self.write_cur and not self.cum_only:
                self.current(f"curmap_{suffix(key)}", cmap)
            if self.write_volt:
                self.voltage(f"voltmap_{suffix(key)}", voltages[key])

    def summed_maps(self, currents: dict) -> None:
        """Cumulative and maximum current maps summed here from the per-map currents."""
        if not (self.write_cur or self.cum_only or self.write_max):
            return
        maps = [self.process_current(c) for c in currents.values()]
        zero = np.zeros(self.valid.shape)
        if self.write_cur or self.cum_only:
            cum = np.sum(maps, axis=0) if maps else zero
            self.current("cum_curmap", np.maximum(cum, CS_NODATA), processed=True)
        if self.write_max:
            peak = np.max(maps, axis=0) if maps else np.full(zero.shape, CS_NODATA)
            self.current("max_curmap", np.maximum(peak, CS_NODATA), processed=True)


def run_job(path: str | os.PathLike, strict: bool = False) -> list[Path]:
    """Run the Circuitscape raster or network job in ``path``; return the files written.

    Relative paths in the job are taken from the working directory, as
    Circuitscape.jl does.  ``strict``: a focal point on no-data is an error,
    not a warning (Circuitscape runs it and reports it as not connected).
    """
    job = read_job(path)
    scenario = _check_job(job)
    if job.get("data_type", "raster").lower() == "network":
        return _run_network(job, scenario)
    inp = _load_inputs(job, strict)
    header = inp.header
    common = {
        "neighbours": 4 if job.flag("connect_four_neighbors_only") else 8,
        # Circuitscape's default is False: average conductance.
        "avg": "resistance" if job.flag("connect_using_avg_resistances") else "conductance",
        "is_conductance": not inp.is_resistance,
        "solver": _solver(job),
    }
    outputs = _Outputs.of(job, inp)
    Path(outputs.prefix).parent.mkdir(parents=True, exist_ok=True)
    log.info("running %s (%s) on %d×%d cells", job.path, scenario, header.nrows, header.ncols)
    if scenario == "advanced":
        _run_advanced(job, inp, common, outputs)
    else:
        _run_focal(job, scenario, inp, common, outputs)
    return outputs.written


def _advanced_map(job: Job, key: str, header: GridHeader) -> np.ndarray:
    """A source or ground map: a grid, or a text list of ``value x y`` in map units.

    The list layout is Circuitscape.jl 5's (its mgVerify6 job grounds ``1 1.5 10.5``:
    value 1 at x = 1.5, y = 10.5); cells are found as for focal points.
    """
    path = job.file(key)
    if not is_text_list(path):
        return _load_aligned(job, key, header)
    table = read_table(path, 3, f"{key} (value x y)")
    rows, cols = _cell_of(header, table[:, 1], table[:, 2])
    if np.any((rows < 0) | (rows >= header.nrows) | (cols < 0) | (cols >= header.ncols)):
        raise InputError(f"{path}: {key} lists a point outside the habitat grid")
    out = np.full((header.nrows, header.ncols), np.nan)
    out[rows, cols] = table[:, 0]
    return out


def _run_advanced(job: Job, inp: _Inputs, common: dict, out: _Outputs) -> None:
    """Advanced mode: sources and grounds from the job's rasters or text lists."""
    source = _advanced_map(job, "source_file", inp.header)
    ground = _advanced_map(job, "ground_file", inp.header)
    if job.flag("use_unit_currents"):
        source = np.where(np.nan_to_num(source) != 0, 1.0, 0.0)
    ground_is_resistance = job.flag("ground_file_is_resistances", True)
    if job.flag("use_direct_grounds"):
        # Every ground cell tied directly to ground (resistance 0).
        ground = np.where(np.nan_to_num(ground) != 0, 0.0, np.nan)
        ground_is_resistance = True
    policy = job.get("remove_src_or_gnd", "keepall").lower()
    result = circuit.advanced(
        inp.habitat,
        source,
        ground,
        ground_is_resistance=ground_is_resistance,
        policy=policy,  # type: ignore[arg-type]
        regions=inp.polygons,
        **common,
    )
    if out.write_volt:
        out.voltage("voltmap", result.voltage)
    if out.write_cur or out.cum_only:
        out.current("curmap", result.current)


def _needs_own_sums(out: _Outputs, inp: _Inputs, focal: np.ndarray) -> bool:
    """Sum the maps here: log transform, or regions over no-data cells (their value counts)."""
    if out.log_maps:
        return True
    regions = circuit.short_regions(focal, inp.polygons)
    return bool(np.any((regions > 0) & ~inp.valid))


def _run_focal(job: Job, scenario: str, inp: _Inputs, common: dict, out: _Outputs) -> None:
    """Pairwise, one-to-all or all-to-one: current between the job's focal nodes."""
    focal, aliases = _focal(job, inp)
    included = _included(job, set(np.unique(focal[focal > 0]).tolist()) | set(aliases))
    if included is not None:
        # Circuitscape prunes focal IDs the included-pairs file does not list.
        keep = set(included[0].tolist())
        aliases = {a: r for a, r in aliases.items() if a in keep}
        focal = np.where(np.isin(focal, [*keep, *aliases.values()]), focal, 0)
    if scenario != "pairwise" and included is not None and aliases:
        a = min(aliases)
        raise InputError(
            f"{job.file('point_file')}: focal IDs {a} and {aliases[a]} share a cell; with "
            "use_included_pairs this is supported in pairwise mode only"
        )
    if scenario != "pairwise" and included is None:
        # (with included pairs, _focal_included merges per target)
        focal, shared = _merge_shared_nodes(focal, inp.polygons)
        aliases = {**shared, **{a: shared.get(r, r) for a, r in aliases.items()}}
    ids = np.array(sorted({*np.unique(focal[focal > 0]).tolist(), *aliases}), dtype=np.int64)
    strengths = _strengths(job, ids)
    if strengths is not None and scenario != "one-to-all":
        log.warning(
            "%s: Circuitscape.jl uses variable source strengths in one-to-all only", job.path
        )
        strengths = None
    zero_focal = job.flag("set_focal_node_currents_to_zero")
    own_sums = (
        _needs_own_sums(out, inp, focal)
        or included is not None
        or strengths is not None
        or bool(aliases)
        or zero_focal
    ) and out.any_current
    keep_maps = out.per_map or own_sums
    options = dict(common, polygons=inp.polygons)
    maps = {
        "currents": out.any_current and not own_sums,
        "max_current": out.write_max and not own_sums,
    }
    if scenario == "pairwise":
        if included is None:
            result = circuit.pairwise(inp.habitat, focal, pair_maps=keep_maps, **maps, **options)
            result = _expand_aliases(result, aliases)
        else:
            result = _pairwise_included(inp, focal, included[1], aliases, keep_maps, options)
        out.written += write_resistance_matrix(out.prefix, result.ids, result.resistance_matrix)
        suffix = lambda pair: f"{pair[0]}_{pair[1]}"  # noqa: E731
    else:
        run = (keep_maps, maps, options, common)
        result = _solve_focal_mode(scenario, inp, focal, aliases, included, strengths, run)
        out.written.append(write_focal_resistances(out.prefix, result.ids, result.resistances))
        suffix = str
    if zero_focal:
        _zero_focal_currents(result, focal, aliases, inp.polygons, included)
    out.per_node_maps(result.curmaps, result.voltmaps, suffix)
    if own_sums:
        out.summed_maps(result.curmaps)
        return
    if result.cum_current is not None and (out.write_cur or out.cum_only):
        out.current("cum_curmap", result.cum_current)
    if out.write_max and result.max_current is not None:
        out.current("max_curmap", result.max_current)


def _solve_focal_mode(scenario, inp: _Inputs, focal, aliases, included, strengths, run):
    """One-to-all or all-to-one results per focal ID, as Circuitscape.jl reports them."""
    keep_maps, maps, options, common = run
    func = circuit.one_to_all if scenario == "one-to-all" else circuit.all_to_one
    run_focal = focal
    if scenario == "all-to-one":
        run_focal, options["polygons"] = _one_cell_per_id(focal, inp)
    if included is None:
        result = func(inp.habitat, run_focal, focal_maps=keep_maps, **maps, **options)
    else:
        result = _focal_included(func, inp, run_focal, included[1], keep_maps, options)
    result = _expand_focal_aliases(result, aliases)
    if strengths is not None:
        _scale(result, strengths)
    components = _focal_components(inp, focal, aliases, common)
    if scenario == "all-to-one":
        _all_to_one_flags(result, components, included)
    if keep_maps:
        _zero_maps_for_unsolved(result, inp.valid, components)
    return result


def _expand_aliases(result: circuit.PairwiseResult, aliases: dict[int, int]):
    """Add the focal IDs that share a cell with another: its resistances and maps, 0 between."""
    if not aliases:
        return result
    ids = np.array(sorted({*result.ids.tolist(), *aliases}), dtype=np.int64)
    reps = [aliases.get(int(i), int(i)) for i in ids]
    at = np.searchsorted(result.ids, reps)
    matrix = result.resistance_matrix[np.ix_(at, at)].copy()
    matrix[np.equal.outer(reps, reps)] = 0.0
    out = circuit.PairwiseResult(ids, matrix)
    for a, b in itertools.combinations(range(len(ids)), 2):
        key = (min(reps[a], reps[b]), max(reps[a], reps[b]))
        if key in result.curmaps:
            out.curmaps[(int(ids[a]), int(ids[b]))] = result.curmaps[key]
            out.voltmaps[(int(ids[a]), int(ids[b]))] = result.voltmaps[key]
    return out


def _one_cell_per_id(focal: np.ndarray, inp: _Inputs) -> tuple[np.ndarray, np.ndarray]:
    """All-to-one: each focal ID's region as a polygon, the ID on one of its cells.

    Circuitscape.jl injects 1 A per source *node* in all-to-one (its
    allToOneVerify9: a target gets 4 A from four source regions of five cells),
    while :func:`amurlink.connectivity.circuit.all_to_one` injects 1 A per focal
    cell; with each region shorted as a polygon and its ID on a single cell
    (a node cell where it has one), both agree.
    """
    labels = circuit.short_regions(focal, inp.polygons)
    single = np.zeros_like(focal)
    valid = inp.valid
    for focal_id in np.unique(focal[focal > 0]).tolist():
        at = focal == focal_id
        cells = np.flatnonzero(at & valid)
        cells = cells if cells.size else np.flatnonzero(at)
        single.flat[cells[0]] = focal_id
    return single, labels


def _zero_focal_currents(result, focal: np.ndarray, aliases: dict, polygons, included) -> None:
    """set_focal_node_currents_to_zero: no current on the focal nodes of each solve.

    As Circuitscape.jl (its issue 342, ``zero_focal_cells!``): in a pair's map the
    pair's two nodes (every cell of their regions) carry 0; in one-to-all and
    all-to-one every focal node of the solve (the source or target and the IDs it
    is paired with) does.  Applied before log transform and summing.
    """
    all_ids = np.unique(focal[focal > 0]).tolist()
    for key, cmap in result.curmaps.items():
        if isinstance(key, tuple):
            active = list(key)
        elif included is not None:
            active = [key, *included[1][key]]
        else:
            active = all_ids
        active = [aliases.get(k, k) for k in active]
        sub = np.where(np.isin(focal, active), focal, 0)
        labels = circuit.short_regions(sub, polygons)
        hit = np.isin(labels, np.unique(labels[sub > 0])) & (labels > 0)
        result.curmaps[key] = np.where(hit, 0.0, cmap)


def _merge_shared_nodes(focal: np.ndarray, polygons) -> tuple[np.ndarray, dict[int, int]]:
    """Relabel focal IDs that share a node (through a polygon) with the lowest of them.

    In one-to-all and all-to-one Circuitscape.jl shorts every region and polygon
    at once, so such IDs are one node: the source's own ground is removed
    (``rmvgnd``) or its sources are (``rmvsrc``), and each gets the same answer.
    """
    labels = circuit.short_regions(focal, polygons)
    owner: dict[int, int] = {}
    aliases: dict[int, int] = {}
    for focal_id in np.unique(focal[focal > 0]).tolist():
        label = int(labels[focal == focal_id][0])
        if label in owner:
            aliases[focal_id] = owner[label]
        else:
            owner[label] = focal_id
    if aliases:
        focal = focal.copy()
        for a, r in aliases.items():
            focal[focal == a] = r
    return focal, aliases


def _expand_focal_aliases(result: circuit.FocalResult, aliases: dict[int, int]):
    """Give each aliased focal ID its representative's resistance and maps."""
    if not aliases:
        return result
    ids = np.array(sorted({*result.ids.tolist(), *aliases}), dtype=np.int64)
    reps = [aliases.get(int(i), int(i)) for i in ids]
    out = circuit.FocalResult(ids, result.resistances[np.searchsorted(result.ids, reps)])
    for i, r in zip(ids.tolist(), reps, strict=True):
        if r in result.curmaps:
            out.curmaps[i] = result.curmaps[r]
            out.voltmaps[i] = result.voltmaps[r]
    return out


def _pairwise_included(
    inp: _Inputs, focal, partners: dict, aliases: dict, keep_maps: bool, options: dict
):
    """Pairwise over the included pairs only: each pair solved with its two IDs alone.

    Equivalent to Circuitscape.jl's exclusion of pairs: points are ordinary
    nodes and a focal region is shorted only for its own pairs.  Excluded pairs
    keep resistance −1; IDs on one cell, 0.
    """
    ids = np.array(sorted(partners), dtype=np.int64)
    result = circuit.PairwiseResult(ids, np.full((len(ids), len(ids)), circuit.DISCONNECTED))
    np.fill_diagonal(result.resistance_matrix, 0.0)
    for i, a in enumerate(ids.tolist()):
        for j in range(i + 1, len(ids)):
            b = int(ids[j])
            if b not in partners[a]:
                continue
            ra, rb = aliases.get(a, a), aliases.get(b, b)
            if ra == rb:
                result.resistance_matrix[i, j] = result.resistance_matrix[j, i] = 0.0
                continue
            two = np.where((focal == ra) | (focal == rb), focal, 0)
            sub = circuit.pairwise(inp.habitat, two, currents=False, pair_maps=keep_maps, **options)
            r = sub.resistance_matrix[0, 1]
            result.resistance_matrix[i, j] = result.resistance_matrix[j, i] = r
            for key, cmap in sub.curmaps.items():
                result.curmaps[(a, b)] = cmap
                result.voltmaps[(a, b)] = sub.voltmaps[key]
    return result


def _focal_included(func, inp: _Inputs, focal, partners: dict, keep_maps: bool, options: dict):
    """One-to-all or all-to-one where each focal ID sees only the IDs it is paired with."""
    ids = np.array(sorted(partners), dtype=np.int64)
    default = circuit.DISCONNECTED if func is circuit.one_to_all else 0.0
    result = circuit.FocalResult(ids, np.full(len(ids), default))
    for k, t in enumerate(ids.tolist()):
        keep = [t, *partners[t]]
        # IDs sharing the target's node (one polygon) merge into it, as in
        # Circuitscape the target's ground removes their sources (and v.v.).
        sub_focal, merged = _merge_shared_nodes(
            np.where(np.isin(focal, keep), focal, 0), options.get("polygons")
        )
        rep = merged.get(t, t)
        sub = func(inp.habitat, sub_focal, currents=False, focal_maps=keep_maps, **options)
        result.resistances[k] = sub.resistances[int(np.flatnonzero(sub.ids == rep)[0])]
        if rep in sub.curmaps:
            result.curmaps[t] = sub.curmaps[rep]
            result.voltmaps[t] = sub.voltmaps[rep]
    return result


def _scale(result: circuit.FocalResult, strengths: np.ndarray) -> None:
    """One-to-all with variable source strengths: the source injects s A, not 1 A.

    Voltages and node currents are linear in the injected current, and the
    one-to-all resistance file holds the source's voltage (Circuitscape.jl
    ``onetoall_kernel``: ``res[i] = v[1]``), so each is multiplied by s.
    """
    for k, focal_id in enumerate(result.ids):
        s = strengths[k]
        if result.resistances[k] != circuit.DISCONNECTED:
            result.resistances[k] *= s
        if int(focal_id) in result.curmaps:
            result.curmaps[int(focal_id)] = result.curmaps[int(focal_id)] * s
            result.voltmaps[int(focal_id)] = result.voltmaps[int(focal_id)] * s


def _focal_components(inp: _Inputs, focal, aliases: dict, common: dict) -> dict[int, int]:
    """Connected component of each focal ID's node (−1: no node), all regions shorted."""
    graph = circuit.build_graph(
        inp.habitat,
        common["neighbours"],
        common["avg"],
        is_conductance=common["is_conductance"],
        regions=circuit.short_regions(focal, inp.polygons),
    )
    out: dict[int, int] = {}
    for focal_id in np.unique(focal[focal > 0]).tolist():
        nodes = graph.node_of_cell[(focal == focal_id) & (graph.node_of_cell >= 0)]
        out[focal_id] = int(graph.component[nodes[0]]) if nodes.size else -1
    for a, r in aliases.items():
        out[a] = out.get(r, -1)
    return out


def _all_to_one_flags(result: circuit.FocalResult, components: dict, included) -> None:
    """All-to-one "resistances": 0 where the ID was solved, −1 where not (Circuitscape).

    An ID is solved when another focal ID it is paired with shares its component.
    """
    for k, focal_id in enumerate(result.ids.tolist()):
        comp = components.get(focal_id, -1)
        others = included[1][focal_id] if included is not None else components.keys()
        solved = comp >= 0 and any(components.get(o, -1) == comp for o in others if o != focal_id)
        result.resistances[k] = 0.0 if solved else circuit.DISCONNECTED


def _zero_maps_for_unsolved(result: circuit.FocalResult, valid: np.ndarray, components) -> None:
    """A focal ID on a node but unsolved gets zero maps, as Circuitscape writes them."""
    zero = np.where(valid, 0.0, np.nan)
    for focal_id in result.ids.tolist():
        if focal_id not in result.curmaps and components.get(focal_id, -1) >= 0:
            result.curmaps[focal_id] = zero.copy()
            result.voltmaps[focal_id] = zero.copy()
    result.curmaps = dict(sorted(result.curmaps.items()))
    result.voltmaps = dict(sorted(result.voltmaps.items()))


# ------------------------------------------------------------------- network mode
def _load_network(job: Job) -> network.Network:
    path = job.file("habitat_file")
    table = read_graph(path)
    table[:, 2] = _reclass(job, table[:, 2])
    is_resistance = job.flag("habitat_map_is_resistances", True)
    try:
        return network.build_network(
            table[:, 0], table[:, 1], table[:, 2], is_resistance=is_resistance
        )
    except ValueError as err:
        raise InputError(f"{path}: habitat_file: {err}") from err


def _node_values(job: Job, net: network.Network, key: str) -> np.ndarray:
    """A network source or ground file (``node value``) as one value per graph node."""
    path = job.file(key)
    ids, values = read_node_values(path, f"{key} (node value)")
    local = net.index(ids)
    if np.any(local < 0):
        raise InputError(f"{path}: {key} lists node {ids[local < 0][0]}, which is not in the graph")
    out = np.full(net.n_nodes, np.nan)
    out[local] = values  # a node listed twice keeps its last value, as Circuitscape.jl
    return out


def _run_network(job: Job, scenario: str) -> list[Path]:
    """Network (graph) pairwise or advanced mode, with Circuitscape's text outputs.

    Files (``<prefix>`` = output_file up to ``.out``): pairwise
    ``_resistances.out`` and ``_resistances_3columns.out``; per pair with
    write_volt_maps ``_voltages_<a>_<b>.txt`` and with write_cur_maps
    ``_node_currents_<a>_<b>.txt`` and ``_branch_currents_<a>_<b>.txt`` (as
    Circuitscape.jl), and their sums ``_node_currents_cum.txt`` and
    ``_branch_currents_cum.txt`` over all graph nodes and edges (as
    Circuitscape 4; Circuitscape.jl 5 leaves them as a TODO).  Advanced:
    ``_voltages.txt``, ``_node_currents.txt``, ``_branch_currents.txt``.
    Node IDs are written as the graph file gives them (Circuitscape.jl 5
    writes its 1-based indices, i.e. ID + 1; its own tests shift them back).
    """
    net = _load_network(job)
    solver = _solver(job)
    prefix = job.prefix
    Path(prefix).parent.mkdir(parents=True, exist_ok=True)
    write_cur = job.flag("write_cur_maps")
    cum_only = job.flag("write_cum_cur_map_only")
    write_volt = job.flag("write_volt_maps")
    for key in ("write_max_cur_maps", *GRID_OUTPUT_OPTIONS):
        if job.flag(key):
            log.info("%s: %s applies to grids; Circuitscape ignores it for networks", job.path, key)
    ids_of = net.node_ids
    written: list[Path] = []
    log.info(
        "running %s (network %s) on %d nodes, %d edges",
        job.path,
        scenario,
        net.n_nodes,
        len(net.edges),
    )

    def write(name: str, sol: network.Solution) -> None:
        if write_volt:
            written.append(
                write_node_table(f"{prefix}_voltages{name}.txt", ids_of[sol.nodes], sol.voltages)
            )
        if write_cur and not cum_only:
            written.append(
                write_node_table(
                    f"{prefix}_node_currents{name}.txt", ids_of[sol.nodes], sol.node_current
                )
            )
            e = net.edges[sol.edges]
            written.append(
                write_branch_table(
                    f"{prefix}_branch_currents{name}.txt",
                    ids_of[e[:, 0]],
                    ids_of[e[:, 1]],
                    sol.branch_current,
                )
            )

    if scenario == "advanced":
        sources = np.nan_to_num(_node_values(job, net, "source_file"), nan=0.0)
        grounds = _node_values(job, net, "ground_file")
        ground_is_resistance = job.flag("ground_file_is_resistances", True)
        if job.flag("use_unit_currents"):
            sources = np.where(sources != 0, 1.0, 0.0)
        if job.flag("use_direct_grounds"):
            grounds = np.where(np.nan_to_num(grounds) != 0, 0.0, np.nan)
            ground_is_resistance = True
        sol = network.advanced(
            net,
            sources,
            grounds,
            ground_is_resistance=ground_is_resistance,
            policy=job.get("remove_src_or_gnd", "keepall").lower(),  # type: ignore[arg-type]
            solver=solver,
        )
        write("", sol)
        return written

    focal_path = job.file("point_file")
    focal = read_node_list(focal_path, "point_file (focal node IDs)")
    missing = [int(i) for i in focal if net.index([i])[0] < 0]
    if missing:
        log.warning(
            "%s: focal node %d is not in the graph; it is reported as not connected (-1)",
            focal_path,
            missing[0],
        )
    include = None
    if job.flag("use_included_pairs"):
        listed, table = read_included_pairs(job.file("included_pairs_file"), keep_zero=True)
        include = {int(a): set() for a in listed.tolist()}
        for i, j in zip(*np.nonzero(table), strict=True):
            if i != j:
                include[int(listed[i])].add(int(listed[j]))
        focal = focal[np.isin(focal, listed)]
    result = network.pairwise(
        net, focal, include=include, solutions=write_cur or cum_only or write_volt, solver=solver
    )
    written += write_resistance_matrix(prefix, result.ids, result.resistance_matrix)
    cum_node = np.zeros(net.n_nodes)
    cum_branch = np.zeros(len(net.edges))
    for (a, b), sol in result.solutions.items():
        write(f"_{a}_{b}", sol)
        cum_node[sol.nodes] += sol.node_current
        cum_branch[sol.edges] += sol.branch_current
    if write_cur or cum_only:
        written.append(write_node_table(f"{prefix}_node_currents_cum.txt", ids_of, cum_node))
        written.append(
            write_branch_table(
                f"{prefix}_branch_currents_cum.txt",
                ids_of[net.edges[:, 0]],
                ids_of[net.edges[:, 1]],
                cum_branch,
            )
        )
    return written


def _job_logging(ini: str, verbose: bool) -> logging.Handler | None:
    """Circuitscape's log_level, log_file and suppress_messages keys for this job.

    Returns the log file's handler (to remove after the job), if any.
    """
    try:
        job = read_job(ini)
    except InputError:
        return None  # reported by run_job
    level = job.get("log_level", "info").upper().replace("CRITICAL", "ERROR")
    if level not in ("DEBUG", "INFO", "WARNING", "ERROR"):
        raise InputError(f"{job.path}: log_level = {level!r}; use DEBUG, INFO, WARNING or ERROR")
    if job.flag("suppress_messages"):
        level = "WARNING"
    logging.getLogger().setLevel(logging.DEBUG if verbose else level)
    log_file = job.get("log_file")
    if log_file and log_file.lower() != "none":
        Path(log_file).parent.mkdir(parents=True, exist_ok=True)
        handler = logging.FileHandler(log_file)
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
        logging.getLogger().addHandler(handler)
        return handler
    return None


def main(argv: list[str] | None = None) -> int:
    """Command line: ``python -m amurlink.apps.circuitscape_ini job.ini [job2.ini …]``."""
    parser = argparse.ArgumentParser(
        prog="python -m amurlink.apps.circuitscape_ini",
        description="Run Circuitscape .ini raster jobs (pairwise, one-to-all, all-to-one, "
        "advanced) with amurlink's solver.",
    )
    parser.add_argument("ini", nargs="+", help="Circuitscape .ini job file(s)")
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    parser.add_argument(
        "--strict",
        action="store_true",
        help="refuse a focal point on a no-data cell (Circuitscape runs it, reporting -1)",
    )
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s [%(name)s] %(message)s",
    )
    root = logging.getLogger()
    level = root.level
    for ini in args.ini:
        handler = None
        try:
            handler = _job_logging(ini, args.verbose)
            for p in run_job(ini, strict=args.strict):
                log.info("wrote %s", p)
        except InputError as err:
            print("amurlink: bad input: " + " ".join(str(err).split()), file=sys.stderr)
            return 2
        finally:
            root.setLevel(level)
            if handler is not None:
                root.removeHandler(handler)
                handler.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
