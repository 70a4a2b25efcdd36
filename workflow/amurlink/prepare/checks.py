"""Checks run on every input before any heavy work (rule ``check_inputs``).

Pure functions: each takes what the readers read (a config mapping, a layer,
the feature counts of the prepared layers) and either returns warnings
(one line each, saying what the run will lack) or raises
:class:`~amurlink.core.errors.InputError` with one line naming the file (or
config key), the field and the problem.  Raster coverage is checked by
:func:`amurlink.core.io.rasters.check_coverage` and classes by
:mod:`amurlink.prepare.align`, as the stages check them.  The stages run the
same checks again where they read the data; running them first means a bad
input stops a run in seconds, not after the covariates.

Geometry validity follows the OGC Simple Features rules as GEOS implements them;
repairs use GEOS's ``MakeValid`` (shapely :func:`shapely.make_valid`, method
"linework"), which keeps every vertex and splits a self-intersecting ring into
valid parts (GEOS documentation, ``GEOSMakeValid``; PostGIS ``ST_MakeValid``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import geopandas as gpd
import numpy as np
import shapely

from amurlink.core.errors import InputError

#: Scenario change kinds that read a file, and the keys each kind needs.
CHANGE_KEYS = {
    "build_proposed": (),
    "new_road": ("file", "highway"),
    "upgrade_road": ("name", "highway"),
    "logging_concession": ("file", "year"),
    "crossing": ("file",),
    "remove_fence": ("file",),
}


def check_bbox(study_area: Mapping) -> None:
    """Raise :class:`InputError` if ``study_area``'s extent is out of order or out of range.

    ``bbox_lonlat`` is WGS84 ``[lon_min, lat_min, lon_max, lat_max]`` (longitudes
    within ±180, latitudes within ±90, minimum below maximum); ``bounds`` is
    ``[xmin, ymin, xmax, ymax]`` in the analysis CRS.  ``bounds`` wins when both
    are given (:func:`amurlink.core.grids.habitat_grid`), so only it is checked then.
    """
    if study_area.get("bounds"):
        xmin, ymin, xmax, ymax = study_area["bounds"]
        if not (xmin < xmax and ymin < ymax):
            raise InputError(
                f"config study_area.bounds: {list(study_area['bounds'])} is not "
                f"[xmin, ymin, xmax, ymax] with xmin < xmax and ymin < ymax"
            )
        return
    box = study_area.get("bbox_lonlat")
    if not box:
        return
    lon_min, lat_min, lon_max, lat_max = box
    if max(abs(lon_min), abs(lon_max)) > 180 or max(abs(lat_min), abs(lat_max)) > 90:
        raise InputError(
            f"config study_area.bbox_lonlat: {list(box)} out of range (lon ±180, lat ±90); "
            f"the order is [lon_min, lat_min, lon_max, lat_max]"
        )
    for name, low, high in (("lon", lon_min, lon_max), ("lat", lat_min, lat_max)):
        if not low < high:
            raise InputError(
                f"config study_area.bbox_lonlat: {name}_min {low:g} is not below {name}_max "
                f"{high:g}; the order is [lon_min, lat_min, lon_max, lat_max]"
            )


def check_resolutions(config: Mapping) -> list[str]:
    """Warnings for coarse grids that are not whole multiples of the finer one.

    The connectivity grid (``connectivity.resolution_m``) is a block of habitat
    cells and the Omniscape grid a block of connectivity cells
    (:func:`amurlink.core.grids.coarsen_factor` rounds to the nearest whole
    factor, at least 1); a resolution so rounded gets a warning giving the one
    used (a coarse grid set finer than the grid below it is that grid).
    """
    fine = float(config["study_area"]["resolution"])
    connectivity = config.get("connectivity", {})
    levels = [
        ("connectivity.resolution_m", connectivity.get("resolution_m")),
        (
            "connectivity.omniscape.resolution_m",
            connectivity.get("omniscape", {}).get("resolution_m"),
        ),
    ]
    warnings, below = [], "study_area.resolution"
    for key, coarse in levels:
        if not coarse:
            continue
        factor = max(1, round(coarse / fine))
        if not math.isclose(coarse, factor * fine, rel_tol=1e-9):
            warnings.append(
                f"config {key}: {coarse:g} m is not a whole multiple of {below} ({fine:g} m); "
                f"{factor * fine:g} m ({factor} x {factor} cells) is used"
            )
        fine, below = factor * fine, key
    return warnings


def check_scenarios(scenarios: Mapping) -> None:
    """Raise :class:`InputError` naming a scenario change that lacks a key its kind needs."""
    for name, scenario in scenarios.items():
        for i, change in enumerate(scenario.get("changes", [])):
            kind = change.get("kind")
            missing = [k for k in CHANGE_KEYS.get(kind, ()) if change.get(k) in (None, "")]
            if missing:
                raise InputError(
                    f"config scenarios.{name}.changes[{i}] ({kind}): missing {', '.join(missing)}"
                )


def check_config(config: Mapping) -> list[str]:
    """The config's own consistency, checked when the workflow is parsed: warnings.

    Extent order and range (:func:`check_bbox`), grid resolutions
    (:func:`check_resolutions`) and scenario changes (:func:`check_scenarios`);
    the schema (types, allowed keys and values) has been checked before.
    """
    check_bbox(config["study_area"])
    check_scenarios(config.get("scenarios", {}))
    return check_resolutions(config)


def repair_geometries(
    gdf: gpd.GeoDataFrame, path: str, polygons: bool = False
) -> tuple[gpd.GeoDataFrame, list[str]]:
    """Invalid geometries repaired with ``make_valid``: ``(layer, warnings)``.

    A self-intersecting ring (a "bow tie" cutblock) becomes valid parts; for a
    polygon layer (``polygons``) only the polygonal parts are kept.  A feature
    that ``make_valid`` cannot turn into a geometry of its kind (a polygon with
    no area, e.g. all vertices on one line) is an :class:`InputError` naming
    the file and the feature rows.  Features without a geometry are left alone.

    Returns the layer (a copy when anything was repaired) and a warning per
    repair made.
    """
    geoms = gdf.geometry.to_numpy()
    present = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    invalid = present & ~shapely.is_valid(geoms)
    if not invalid.any():
        return gdf, []
    rows = np.flatnonzero(invalid)
    reasons = shapely.is_valid_reason(geoms[rows])
    fixed = shapely.make_valid(geoms[rows])
    if polygons:
        fixed = np.array([_polygonal(g) for g in fixed], dtype=object)
    lost = shapely.is_empty(fixed) | shapely.is_missing(fixed)
    if lost.any():
        bad = rows[lost][:10].tolist()
        raise InputError(
            f"{path}: geometry of feature(s) at row(s) {bad} is invalid "
            f"({reasons[lost][0]}) and make_valid cannot repair it "
            f"(no {'area' if polygons else 'geometry'} left); fix or remove it"
        )
    out = gdf.copy()
    out.loc[out.index[rows], out.geometry.name] = fixed
    shown = ", ".join(f"row {r} ({why})" for r, why in zip(rows[:5], reasons[:5], strict=False))
    more = f" and {len(rows) - 5} more" if len(rows) > 5 else ""
    return out, [f"{path}: {len(rows)} invalid geometr{'y' if len(rows) == 1 else 'ies'} "
                 f"repaired with make_valid: {shown}{more}"]  # fmt: skip


def _polygonal(geom):
    """The polygonal parts of a geometry (empty if it has none)."""
    parts = [p for p in shapely.get_parts(geom) if p.geom_type in ("Polygon", "MultiPolygon")]
    if not parts:
        return shapely.Polygon()
    return (
        parts[0]
        if len(parts) == 1
        else shapely.MultiPolygon([q for p in parts for q in shapely.get_parts(p)])
    )


def empty_layer_warnings(
    counts: Mapping[str, int], paths: Mapping[str, str], proposed: int, scenarios: Mapping
) -> list[str]:
    """Warnings for valid but empty layers, saying what the run will lack.

    ``counts`` are the features of each prepared layer inside the study area
    (roads, logging, settlements, fences), ``proposed`` the proposed roads
    among the roads; ``scenarios`` the config's, whose ``build_proposed``
    changes need proposed roads.
    """
    lacks = {
        "roads": "no distance-to-road covariates (all at the maximum distance), no road "
        "penalty in resistance and no road threats",
        "logging": "no logging covariates (recency, density) and no cutblock threats",
        "settlements": "no distance-to-settlement covariate (all at the maximum distance)",
        "fences": "no fence barriers in resistance",
    }
    warnings = [
        f"{paths[key]}: no {key} feature inside the study area; the run will have {lack}"
        for key, lack in lacks.items()
        if key in counts and counts[key] == 0
    ]
    return warnings


def scenario_files(scenarios: Mapping) -> list[tuple[str, str, str]]:
    """``(scenario, kind, file)`` of every scenario change that reads a file."""
    return [
        (name, change["kind"], change["file"])
        for name, scenario in scenarios.items()
        for change in scenario.get("changes", [])
        if change.get("file")
    ]


def format_report(sections: Sequence[tuple[str, Sequence[str]]], warnings: Sequence[str]) -> str:
    """The check's report: one section per input (its lines), then the warnings."""
    lines = ["amurlink input check: passed", ""]
    for title, body in sections:
        lines.append(title)
        lines.extend(f"  {line}" for line in body)
    lines.append("")
    lines.append(f"warnings ({len(warnings)}):" if warnings else "warnings: none")
    lines.extend(f"  {w}" for w in warnings)
    return "\n".join(lines) + "\n"
