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
Relative paths are taken relative to the working directory, as Circuitscape does.

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
import logging
import math
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from amurlink.connectivity import circuit
from amurlink.core.errors import InputError
from amurlink.core.io.circuitscape import (
    GridHeader,
    Job,
    read_grid,
    read_job,
    write_ascii_grid,
    write_focal_resistances,
    write_resistance_matrix,
)

log = logging.getLogger(__name__)

SCENARIOS = ("pairwise", "one-to-all", "all-to-one", "advanced")
#: Job keys this runner refuses when they are True.
UNSUPPORTED = (
    "use_mask",
    "use_included_pairs",
    "use_variable_source_strengths",
    "use_reclass_table",
    "log_transform_maps",
    "set_focal_node_currents_to_zero",
)


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


def _check_job(job: Job) -> str:
    """The job's scenario, after refusing what this runner does not support."""
    data_type = job.get("data_type", "raster").lower()
    if data_type != "raster":
        raise InputError(f"{job.path}: data_type = {data_type!r}; only raster jobs are supported")
    scenario = job.get("scenario").lower()
    if scenario not in SCENARIOS:
        raise InputError(
            f"{job.path}: scenario = {scenario!r}; use pairwise, one-to-all, all-to-one or advanced"
        )
    for key in UNSUPPORTED:
        if job.flag(key):
            raise InputError(f"{job.path}: {key} = True is not supported")
    if job.flag("use_polygons") and scenario != "advanced":
        raise InputError(f"{job.path}: use_polygons is supported in advanced mode only")
    return scenario


@dataclass
class _Outputs:
    """The job's output options, and the files written so far."""

    prefix: str
    header: GridHeader
    write_cur: bool
    cum_only: bool
    write_max: bool
    write_volt: bool
    null_cur: bool
    null_volt: bool
    written: list[Path] = field(default_factory=list)

    @classmethod
    def of(cls, job: Job, header: GridHeader) -> _Outputs:
        return cls(
            job.prefix,
            header,
            write_cur=job.flag("write_cur_maps"),
            cum_only=job.flag("write_cum_cur_map_only"),
            write_max=job.flag("write_max_cur_maps"),
            write_volt=job.flag("write_volt_maps"),
            null_cur=job.flag("set_null_currents_to_nodata"),
            null_volt=job.flag("set_null_voltages_to_nodata"),
        )

    @property
    def per_map(self) -> bool:
        """Maps per pair or focal node are wanted."""
        return (self.write_cur and not self.cum_only) or self.write_volt

    def current(self, name: str, data: np.ndarray) -> None:
        self.written.append(
            write_ascii_grid(
                f"{self.prefix}_{name}.asc", _map_out(data, self.null_cur), self.header
            )
        )

    def voltage(self, name: str, data: np.ndarray) -> None:
        self.written.append(
            write_ascii_grid(
                f"{self.prefix}_{name}.asc", _map_out(data, self.null_volt), self.header
            )
        )

    def per_node_maps(self, currents: dict, voltages: dict, suffix) -> None:
        """Each pair's or focal node's current and voltage maps, as asked."""
        for key, cmap in currents.items():
            if self.write_cur and not self.cum_only:
                self.current(f"curmap_{suffix(key)}", cmap)
            if self.write_volt:
                self.voltage(f"voltmap_{suffix(key)}", voltages[key])


def run_job(path: str | os.PathLike) -> list[Path]:
    """Run the Circuitscape raster job in ``path``; return the files written."""
    job = read_job(path)
    scenario = _check_job(job)
    habitat, header, is_resistance = _load_habitat(job)
    common = {
        "neighbours": 4 if job.flag("connect_four_neighbors_only") else 8,
        # Circuitscape's default is False: average conductance.
        "avg": "resistance" if job.flag("connect_using_avg_resistances") else "conductance",
        "is_conductance": not is_resistance,
        "solver": _solver(job),
    }
    outputs = _Outputs.of(job, header)
    Path(outputs.prefix).parent.mkdir(parents=True, exist_ok=True)
    log.info("running %s (%s) on %d×%d cells", job.path, scenario, header.nrows, header.ncols)
    if scenario == "advanced":
        _run_advanced(job, habitat, header, common, outputs)
    else:
        _run_focal(job, scenario, habitat, header, common, outputs)
    return outputs.written


def _run_advanced(job: Job, habitat, header: GridHeader, common: dict, out: _Outputs) -> None:
    """Advanced mode: sources and grounds from the job's rasters."""
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
    if out.write_volt:
        out.voltage("voltmap", result.voltage)
    if out.write_cur or out.cum_only:
        out.current("curmap", result.current)


def _run_focal(
    job: Job, scenario: str, habitat, header: GridHeader, common: dict, out: _Outputs
) -> None:
    """Pairwise, one-to-all or all-to-one: current between the job's focal nodes."""
    focal = _focal(job, header)
    maps = {
        "currents": out.write_cur or out.cum_only or out.write_max,
        "max_current": out.write_max,
    }
    if scenario == "pairwise":
        result = circuit.pairwise(habitat, focal, pair_maps=out.per_map, **maps, **common)
        out.written += write_resistance_matrix(out.prefix, result.ids, result.resistance_matrix)
        out.per_node_maps(result.curmaps, result.voltmaps, lambda pair: f"{pair[0]}_{pair[1]}")
    else:
        func = circuit.one_to_all if scenario == "one-to-all" else circuit.all_to_one
        result = func(habitat, focal, focal_maps=out.per_map, **maps, **common)
        if scenario == "one-to-all":
            out.written.append(write_focal_resistances(out.prefix, result.ids, result.resistances))
        out.per_node_maps(result.curmaps, result.voltmaps, str)
    if result.cum_current is not None and (out.write_cur or out.cum_only):
        out.current("cum_curmap", result.cum_current)
    if out.write_max and result.max_current is not None:
        out.current("max_curmap", result.max_current)


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
