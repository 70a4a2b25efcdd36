"""Pressures: what raises movement resistance, per scenario, as rasters on the grid.

A scenario's ``changes`` (config ``scenarios``) turn the prepared roads and
cutblocks into the scenario's own (:func:`apply_scenario`: proposed roads built,
new roads, upgrades, logging concessions, crossings and removed fences);
:func:`pressure_layers` burns them, with the fences, into road, logging-age and
fence bands, and :func:`pressure_strips` does so strip by strip, so a job holds one
strip in memory.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
from rasterio.windows import Window

from amurlink.core.errors import InputError
from amurlink.core.grid import Grid
from amurlink.core.tiles import strip_rows, strips
from amurlink.prepare.covariates import NEVER_LOGGED_YEARS, last_cut_year, logging_recency
from amurlink.prepare.vectors import rasterize_index, to_study_area

SCENARIO_KINDS = (
    "build_proposed",
    "new_road",
    "upgrade_road",
    "logging_concession",
    "crossing",
    "remove_fence",
)


def _scenario_layer(layer: gpd.GeoDataFrame | None, grid: Grid, where: str) -> gpd.GeoDataFrame:
    if layer is None:
        raise InputError(f"{where}: this change needs a 'file'")
    if layer.crs is None:
        raise InputError(f"{where}: layer has no CRS; define one (e.g. ogr2ogr -a_srs)")
    inside = to_study_area(layer, grid, where)
    if inside.empty:
        raise InputError(
            f"{where}: no feature lies inside the study area {grid.bounds} ({grid.crs})"
        )
    return inside


@dataclass
class _ScenarioLayers:
    """What a scenario's changes edit in turn: roads, cutblocks, polygons where penalties lift."""

    roads: gpd.GeoDataFrame
    logging: gpd.GeoDataFrame
    mitigated: list = field(default_factory=list)


@dataclass(frozen=True)
class _Change:
    """One change of a scenario, checked: its settings, its file's layer and its context."""

    settings: Mapping
    where: str  # "file: scenario 's', change i (kind)", for messages
    layer: gpd.GeoDataFrame | None
    grid: Grid
    group_of: Mapping[str, str]  # road class -> road group
    reference_year: int
    scenario: str

    def features(self) -> gpd.GeoDataFrame:
        """The change's file, checked and clipped to the study area."""
        return _scenario_layer(self.layer, self.grid, self.where)


def _build_proposed(layers: _ScenarioLayers, change: _Change) -> None:
    """Proposed roads (optionally only those named ``name``) become existing."""
    name = change.settings.get("name")
    pick = layers.roads["status"] == "proposed"
    if name:
        pick &= layers.roads["name"] == name
    if not pick.any():
        raise InputError(
            f"{change.where}: no proposed road{' named ' + repr(name) if name else ''} in the roads layer"
        )
    layers.roads.loc[pick, "status"] = "existing"


def _new_road(layers: _ScenarioLayers, change: _Change) -> None:
    """Lines of the change's file become existing roads of class ``highway``."""
    highway = change.settings["highway"]
    new = change.features()
    new = new[new.geom_type.isin(["LineString", "MultiLineString"])].explode(index_parts=False)
    new = gpd.GeoDataFrame(
        {
            "highway": highway,
            "group": change.group_of[highway],
            "status": "existing",
            "name": change.settings.get("name", f"{change.scenario} road"),
        },
        geometry=new.geometry.to_numpy(),
        crs=change.grid.crs,
    )
    layers.roads = pd.concat([layers.roads, new], ignore_index=True)


def _upgrade_road(layers: _ScenarioLayers, change: _Change) -> None:
    """Existing roads named ``name`` get class ``highway``."""
    highway, name = change.settings["highway"], change.settings.get("name")
    roads = layers.roads
    pick = (roads["name"] == name) & (roads["status"] == "existing")
    if not pick.any():
        raise InputError(f"{change.where}: no existing road named {name!r}")
    roads.loc[pick, ["highway", "group"]] = [highway, change.group_of[highway]]


def _logging_concession(layers: _ScenarioLayers, change: _Change) -> None:
    """Polygons of the change's file are cut in ``year`` (default: the reference year)."""
    new = change.features()
    new = new[new.geom_type.isin(["Polygon", "MultiPolygon"])]
    new = gpd.GeoDataFrame(
        {
            "year": int(change.settings.get("year", change.reference_year)),
            "area_ha": new.area / 1e4,
        },
        geometry=new.geometry.to_numpy(),
        crs=change.grid.crs,
    )
    layers.logging = pd.concat([layers.logging, new], ignore_index=True)


def _lift_penalties(layers: _ScenarioLayers, change: _Change) -> None:
    """Features of the change's file, buffered by ``radius_m``, lift road and fence penalties."""
    radius = float(change.settings.get("radius_m", change.grid.resolution))
    layers.mitigated.extend(change.features().geometry.buffer(radius))


#: What each kind of change does to the scenario's layers.
_APPLY_CHANGE = {
    "build_proposed": _build_proposed,
    "new_road": _new_road,
    "upgrade_road": _upgrade_road,
    "logging_concession": _logging_concession,
    "crossing": _lift_penalties,
    "remove_fence": _lift_penalties,
}


def _where(change: Mapping, i: int, scenario: str, group_of: Mapping[str, str]) -> str:
    """Check a change's kind and road class; return the place to name in messages."""
    kind = change.get("kind")
    where = f"scenario {scenario!r}, change {i + 1} ({kind})"
    if kind not in SCENARIO_KINDS:
        raise InputError(f"{where}: unknown kind; expected one of {list(SCENARIO_KINDS)}")
    if "file" in change:
        where = f"{change['file']}: {where}"
    highway = change.get("highway")
    if kind in ("new_road", "upgrade_road") and highway not in group_of:
        raise InputError(f"{where}: unknown road class {highway!r}; known: {sorted(group_of)}")
    return where


def apply_scenario(
    roads: gpd.GeoDataFrame,
    logging: gpd.GeoDataFrame,
    changes: Sequence[Mapping],
    layers: Mapping[int, gpd.GeoDataFrame],
    grid: Grid,
    road_classes: Mapping[str, Sequence[str]],
    reference_year: int,
    scenario: str = "scenario",
) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Apply a scenario's changes to the prepared roads and cutblocks.

    Parameters
    ----------
    roads, logging : GeoDataFrame
        Prepared layers (:func:`~amurlink.prepare.vectors.prepare_roads`,
        :func:`~amurlink.prepare.vectors.prepare_logging`).
    changes : sequence of mappings
        The scenario's ``changes`` from the config, applied in order; each has a ``kind``:
        ``build_proposed`` (roads with ``status='proposed'`` become existing;
        optional ``name`` selects one), ``new_road`` (lines from ``file``, class
        ``highway``), ``upgrade_road`` (existing roads named ``name`` get class
        ``highway``), ``logging_concession`` (polygons from ``file`` cut in
        ``year``, default the reference year), ``crossing`` and ``remove_fence``
        (points, lines or polygons from ``file``, buffered by ``radius_m``,
        where road and fence penalties are lifted).
    layers : mapping of int to GeoDataFrame
        The file read for change ``i`` (index into ``changes``).

    Returns
    -------
    roads, logging, mitigated : GeoDataFrame
        The scenario's road network (existing roads only), its cutblocks, and
        the polygons where penalties are lifted.
    """
    group_of = {cls: g for g, classes in road_classes.items() for cls in classes}
    edited = _ScenarioLayers(roads.copy(), logging.copy())
    for i, settings in enumerate(changes):
        where = _where(settings, i, scenario, group_of)
        change = _Change(settings, where, layers.get(i), grid, group_of, reference_year, scenario)
        _APPLY_CHANGE[settings["kind"]](edited, change)
    roads = gpd.GeoDataFrame(edited.roads, crs=grid.crs)
    roads["road_id"] = np.arange(1, len(roads) + 1)
    logging = gpd.GeoDataFrame(edited.logging, crs=grid.crs)
    logging["block_id"] = np.arange(1, len(logging) + 1)
    mitigated = gpd.GeoDataFrame(geometry=edited.mitigated, crs=grid.crs)
    return roads, logging, mitigated


def features_over(gdf: gpd.GeoDataFrame | None, grid: Grid) -> gpd.GeoDataFrame | None:
    """The features whose bounding boxes meet ``grid``'s extent (None stays None).

    Rasterising a strip of a grid from these gives the same cells as the
    same rows of the whole grid: a cell's value depends only on what lies on it.
    """
    if gdf is None:
        return None
    xmin, ymin, xmax, ymax = grid.bounds
    return gdf.cx[xmin:xmax, ymin:ymax]


def pressure_names(road_groups: Sequence[str]) -> list[str]:
    """Band names of the pressure stack, in band order."""
    return [*(f"road_{g}" for g in road_groups), "logging_age", "fence"]


def pressure_units(road_groups: Sequence[str]) -> list[str]:
    """Units of the pressure bands (:func:`pressure_names`): road and fence cells 0/1, age in years."""
    return ["1"] * len(road_groups) + ["year", "1"]


def pressure_layers(
    roads: gpd.GeoDataFrame,
    logging: gpd.GeoDataFrame,
    grid: Grid,
    *,
    road_groups: Sequence[str],
    reference_year: int,
    fences: gpd.GeoDataFrame | None = None,
    mitigated: gpd.GeoDataFrame | None = None,
) -> tuple[np.ndarray, list[str]]:
    """Rasters of what raises movement resistance: road cells by group, logging age, fences.

    Road and fence cells are burnt with ``all_touched`` so a line is never
    broken by diagonal gaps; inside ``mitigated`` polygons (wildlife crossings,
    removed fences) road and fence cells are cleared.

    Returns a float32 stack and band names ``road_<group>`` (0/1),
    ``logging_age`` (years since the last cut, 50 = never), ``fence`` (0/1).
    """
    names = pressure_names(road_groups)
    out = np.zeros((len(names), *grid.shape), np.float32)
    existing = roads[roads["status"] == "existing"]
    for k, group in enumerate(road_groups):
        out[k] = rasterize_index(existing[existing["group"] == group], grid, all_touched=True) > 0
    out[len(road_groups)] = logging_recency(
        last_cut_year(logging, grid), reference_year, NEVER_LOGGED_YEARS
    )
    if fences is not None and not fences.empty:
        out[-1] = rasterize_index(fences, grid, all_touched=True) > 0
    if mitigated is not None and not mitigated.empty:
        lifted = rasterize_index(mitigated, grid, all_touched=True) > 0
        out[: len(road_groups), lifted] = 0
        out[-1, lifted] = 0
    return out, names


def pressure_strips(
    roads: gpd.GeoDataFrame,
    logging: gpd.GeoDataFrame,
    grid: Grid,
    *,
    rows_per_strip: int | None = None,
    **options,
) -> Iterator[tuple[Window, np.ndarray]]:
    """Yield ``(window, stack)``: :func:`pressure_layers` strip by strip over ``grid``.

    ``options`` are :func:`pressure_layers`'s keywords (``road_groups``,
    ``reference_year``, ``fences``, ``mitigated``).  Each cell's value depends only on
    the geometries over it, so a strip rasterised from the features over it
    (:func:`features_over`) equals the same rows of the whole grid, in a strip's
    memory.  Strips are whole rows of about :data:`amurlink.core.tiles.STRIP_CELLS`
    cells unless ``rows_per_strip`` says otherwise.
    """
    fences, mitigated = options.pop("fences", None), options.pop("mitigated", None)
    for row0, row1 in strips(grid.height, 1, rows_per_strip or strip_rows(grid.width)):
        window = Window(0, row0, grid.width, row1 - row0)
        part = grid.window_grid(window)
        stack, _ = pressure_layers(
            features_over(roads, part), features_over(logging, part), part,
            fences=features_over(fences, part), mitigated=features_over(mitigated, part), **options,
        )  # fmt: skip
        yield window, stack
