"""Prepare: bring every input layer onto the one analysis grid and derive covariates.

Vector layers are checked (columns, codes, CRS), reprojected to the analysis CRS
and clipped to the study area; rasters are warped onto the grid (see
:func:`amurlink.core.io.warp_to_grid`); covariates are computed on the grid by
:mod:`amurlink.prepare.covariates`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from rasterio import features

from amurlink.core.errors import InputError
from amurlink.core.grid import Grid
from amurlink.prepare import covariates as cov

#: Value of ``logging_recency`` for cells never logged (years).
NEVER_LOGGED_YEARS = 50.0

#: Band order of ``covariates.tif``; road bands follow the configured road groups.
FIXED_BANDS_BEFORE_ROADS = ("forest_fraction", "elevation", "slope")
FIXED_BANDS_AFTER_ROADS = ("dist_settlement", "logging_recency", "logging_density")

COVARIATE_UNITS = {
    "forest_fraction": "1",
    "elevation": "m",
    "slope": "degree",
    "dist_settlement": "m",
    "logging_recency": "year",
    "logging_density": "1",
}


def covariate_names(road_groups: Sequence[str]) -> list[str]:
    """Band names of the covariate stack, in band order."""
    return [
        *FIXED_BANDS_BEFORE_ROADS,
        *(f"dist_road_{g}" for g in road_groups),
        *FIXED_BANDS_AFTER_ROADS,
    ]


def check_landcover_codes(landcover: np.ndarray, nodata, path: str) -> None:
    """Raise :class:`InputError` if the raster holds codes that are not ESA WorldCover classes."""
    values = np.unique(landcover)
    if nodata is not None:
        values = values[values != nodata]
    unknown = sorted(set(values.tolist()) - set(cov.WORLDCOVER_CLASSES))
    if unknown:
        raise InputError(
            f"{path}: land-cover codes {unknown[:10]} are not ESA WorldCover classes "
            f"(expected {sorted(cov.WORLDCOVER_CLASSES)}); reclassify the raster first"
        )


def _require_columns(gdf: pd.DataFrame, columns: Sequence[str], path: str) -> None:
    missing = [c for c in columns if c not in gdf.columns]
    if missing:
        raise InputError(
            f"{path}: missing column(s) {missing}; found {[c for c in gdf.columns if c != 'geometry']}"
        )


def _to_study_area(gdf: gpd.GeoDataFrame, grid: Grid, path: str) -> gpd.GeoDataFrame:
    if gdf.crs is None:
        raise InputError(f"{path}: layer has no CRS; define one (e.g. ogr2ogr -a_srs)")
    gdf = gdf[gdf.geometry.notna() & ~gdf.geometry.is_empty].to_crs(grid.crs)
    gdf = gdf.clip(shapely.box(*grid.bounds))
    return gdf[~gdf.geometry.is_empty].reset_index(drop=True)


def prepare_roads(
    roads: gpd.GeoDataFrame, grid: Grid, road_classes: Mapping[str, Sequence[str]], path: str
) -> gpd.GeoDataFrame:
    """Check, reproject and clip roads; add ``group`` and ``status``.

    OSM marks planned roads ``highway=proposed`` with the planned class in the
    ``proposed`` tag; such roads keep that class in ``highway`` and get
    ``status='proposed'`` so that baseline covariates and resistance leave them out.
    """
    _require_columns(roads, ["highway"], path)
    roads = roads.copy()
    roads["highway"] = roads["highway"].astype(str).str.strip().str.lower()
    status = np.where(roads["highway"] == "proposed", "proposed", "existing")
    if (status == "proposed").any():
        if "proposed" not in roads.columns:
            raise InputError(
                f"{path}: roads with highway='proposed' need a 'proposed' column giving the planned class"
            )
        planned = roads["proposed"].astype(str).str.strip().str.lower()
        roads.loc[status == "proposed", "highway"] = planned[status == "proposed"]
    roads["status"] = status
    group_of = {cls: g for g, classes in road_classes.items() for cls in classes}
    unknown = sorted(set(roads["highway"]) - set(group_of))
    if unknown:
        raise InputError(
            f"{path}: column 'highway' has unknown road class(es) {unknown}; "
            f"known: {sorted(group_of)} (config covariates.road_classes)"
        )
    roads["group"] = roads["highway"].map(group_of)
    if "name" not in roads.columns:
        roads["name"] = ""
    roads = _to_study_area(roads, grid, path).explode(index_parts=False).reset_index(drop=True)
    roads = roads[roads.geom_type == "LineString"].reset_index(drop=True)
    roads["road_id"] = np.arange(1, len(roads) + 1)
    return roads[["road_id", "highway", "group", "status", "name", "geometry"]]


def prepare_logging(blocks: gpd.GeoDataFrame, grid: Grid, path: str) -> gpd.GeoDataFrame:
    """Check, reproject and clip logging cutblocks (``year`` required)."""
    _require_columns(blocks, ["year"], path)
    years = pd.to_numeric(blocks["year"], errors="coerce")
    bad = blocks.index[years.isna() | (years < 1900) | (years > 2100)]
    if len(bad):
        raise InputError(f"{path}: column 'year' has invalid values in rows {list(bad[:10])}")
    blocks = blocks.assign(year=years.astype(int))
    blocks = _to_study_area(blocks, grid, path)
    blocks = blocks[blocks.geom_type.isin(["Polygon", "MultiPolygon"])].reset_index(drop=True)
    blocks["block_id"] = np.arange(1, len(blocks) + 1)
    blocks["area_ha"] = blocks.geometry.area / 1e4
    return blocks[["block_id", "year", "area_ha", "geometry"]]


def prepare_countries(
    countries: gpd.GeoDataFrame, grid: Grid, path: str
) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Country polygons clipped to the study area, and the borders between them.

    Accepts Natural Earth's column names (``ISO_A3``/``ADM0_A3``, ``NAME``).
    """
    rename = {}
    for want, options in {
        "iso_a3": ["ISO_A3", "ADM0_A3", "iso_a3"],
        "name": ["NAME", "name"],
    }.items():
        found = next((c for c in options if c in countries.columns), None)
        if found is None:
            raise InputError(f"{path}: missing column {want!r} (or one of {options})")
        rename[found] = want
    countries = countries.rename(columns=rename)[["iso_a3", "name", "geometry"]]
    countries = _to_study_area(countries, grid, path)
    countries = countries.dissolve(by="iso_a3", as_index=False, sort=True)[
        ["iso_a3", "name", "geometry"]
    ]
    if countries.empty:
        raise InputError(f"{path}: no country polygon overlaps the study area")
    lines = []
    geoms = list(countries.geometry)
    tol = grid.resolution / 10
    # The clip box's edge is not a border; polygons from one source share vertices,
    # and snapping absorbs rounding where they do not.
    frame = shapely.box(*grid.bounds).exterior.buffer(tol)
    for i in range(len(geoms)):
        for j in range(i + 1, len(geoms)):
            shared = shapely.intersection(shapely.snap(geoms[i], geoms[j], tol), geoms[j])
            parts = [
                p
                for p in shapely.get_parts(shared)
                if p.geom_type in ("LineString", "MultiLineString")
            ]
            if not parts:
                continue
            shared = shapely.line_merge(shapely.union_all(parts)).difference(frame)
            if not shared.is_empty and shared.length > 0:
                lines.append(
                    {
                        "countries": f"{countries.iso_a3[i]}-{countries.iso_a3[j]}",
                        "geometry": shared,
                    }
                )
    border = gpd.GeoDataFrame(lines, columns=["countries", "geometry"], crs=grid.crs)
    return countries, border


def prepare_settlements(
    points: gpd.GeoDataFrame, grid: Grid, countries: gpd.GeoDataFrame, path: str
) -> gpd.GeoDataFrame:
    """Check, reproject and clip settlements (``population`` required); add ``iso_a3``."""
    _require_columns(points, ["population"], path)
    points = points.copy()
    points["population"] = pd.to_numeric(points["population"], errors="coerce").fillna(0)
    if "name" not in points.columns:
        points["name"] = ""
    points = _to_study_area(points, grid, path)
    points = points.drop(columns="iso_a3", errors="ignore")
    joined = gpd.sjoin(points, countries[["iso_a3", "geometry"]], how="left", predicate="within")
    points["iso_a3"] = joined.groupby(level=0)["iso_a3"].first().reindex(points.index)
    return points[["name", "population", "iso_a3", "geometry"]]


def rasterize_index(gdf: gpd.GeoDataFrame, grid: Grid, all_touched: bool = False) -> np.ndarray:
    """Raster of 1-based row index of the (last) feature covering each cell; 0 elsewhere."""
    if gdf.empty:
        return np.zeros(grid.shape, np.int32)
    shapes = ((geom, i + 1) for i, geom in enumerate(gdf.geometry))
    return features.rasterize(
        shapes,
        out_shape=grid.shape,
        transform=grid.transform,
        fill=0,
        dtype="int32",
        all_touched=all_touched,
    )


def last_cut_year(logging: gpd.GeoDataFrame, grid: Grid) -> np.ndarray:
    """Year of the latest cut in each cell, 0 where never cut."""
    if logging.empty:
        return np.zeros(grid.shape, np.int64)
    # Rasterize in ascending year order so that later cuts overwrite earlier ones.
    ordered = logging.sort_values("year", kind="stable")
    idx = rasterize_index(ordered, grid)
    return np.where(idx > 0, ordered["year"].to_numpy()[np.maximum(idx - 1, 0)], 0)


def compute_covariates(
    landcover: np.ndarray,
    dem: np.ndarray,
    roads: gpd.GeoDataFrame,
    settlements: gpd.GeoDataFrame,
    logging: gpd.GeoDataFrame,
    valid: np.ndarray,
    grid: Grid,
    *,
    road_groups: Sequence[str],
    forest_classes: Sequence[int] = (10,),
    forest_radius_m: float = 1000.0,
    logging_radius_m: float = 1000.0,
    reference_year: int = 2025,
    max_distance_m: float | None = None,
    dem_fill: float | None = None,
) -> tuple[np.ndarray, list[str]]:
    """Covariate stack (bands-first float32, NaN outside ``valid``) and its band names.

    Roads are rasterised with ``all_touched`` so that a road is never broken
    into gaps a dispersal path could slip through; proposed roads are left out.

    ``max_distance_m`` caps the distance bands (default: the grid's diagonal);
    ``dem_fill`` replaces missing elevations (default: the grid's mean).  A tile
    passes the whole grid's values, so that with a halo of at least
    ``max(max_distance_m, forest_radius_m, logging_radius_m)`` its cells equal
    the untiled stack's (:func:`covariate_halo_m`).
    """
    res = grid.resolution
    names = covariate_names(road_groups)
    out = np.empty((len(names), *grid.shape), np.float32)
    bands = dict(zip(names, out, strict=True))
    bands["forest_fraction"][:] = cov.class_fraction(
        landcover, forest_classes, forest_radius_m / res, valid
    )
    if dem_fill is None:
        dem_fill = float(np.nanmean(dem)) if np.isfinite(dem).any() else 0.0
    dem_filled = np.where(np.isfinite(dem), dem, dem_fill)
    bands["elevation"][:] = dem_filled
    bands["slope"][:] = cov.slope_degrees(dem_filled, res)
    existing = roads[roads["status"] == "existing"]
    for group in road_groups:
        on_road = rasterize_index(existing[existing["group"] == group], grid, all_touched=True) > 0
        bands[f"dist_road_{group}"][:] = cov.distance_to(on_road, res, max_distance_m)
    town = rasterize_index(settlements, grid, all_touched=True) > 0
    bands["dist_settlement"][:] = cov.distance_to(town, res, max_distance_m)
    last_year = last_cut_year(logging, grid)
    bands["logging_recency"][:] = cov.logging_recency(last_year, reference_year, NEVER_LOGGED_YEARS)
    bands["logging_density"][:] = np.clip(
        cov.focal_mean((last_year > 0).astype(float), valid, logging_radius_m / res), 0, 1
    )
    out[:, ~valid] = np.nan
    return out, names


def covariate_halo_m(
    forest_radius_m: float, logging_radius_m: float, max_distance_m: float | None
) -> float:
    """Halo (m) a covariate tile needs: the widest window or the distance cap, plus a cell.

    The slope's 3 × 3 window needs one cell more than nothing; the caller adds it.
    Without a distance cap the distances are global and cannot be tiled (``inf``).
    """
    if max_distance_m is None:
        return float("inf")
    return float(max(forest_radius_m, logging_radius_m, max_distance_m))


# ------------------------------------------------------------------ scenarios
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
    inside = _to_study_area(layer, grid, where)
    if inside.empty:
        raise InputError(
            f"{where}: no feature lies inside the study area {grid.bounds} ({grid.crs})"
        )
    return inside


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
        Prepared layers (:func:`prepare_roads`, :func:`prepare_logging`).
    changes : sequence of mappings
        The scenario's ``changes`` from the config; each has a ``kind``:
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
    roads, logging = roads.copy(), logging.copy()
    mitigated = []
    for i, change in enumerate(changes):
        kind = change.get("kind")
        where = f"scenario {scenario!r}, change {i + 1} ({kind})"
        if kind not in SCENARIO_KINDS:
            raise InputError(f"{where}: unknown kind; expected one of {list(SCENARIO_KINDS)}")
        if "file" in change:
            where = f"{change['file']}: {where}"
        highway = change.get("highway")
        if kind in ("new_road", "upgrade_road"):
            if highway not in group_of:
                raise InputError(
                    f"{where}: unknown road class {highway!r}; known: {sorted(group_of)}"
                )
        if kind == "build_proposed":
            pick = roads["status"] == "proposed"
            if change.get("name"):
                pick &= roads["name"] == change["name"]
            if not pick.any():
                raise InputError(
                    f"{where}: no proposed road{' named ' + repr(change.get('name')) if change.get('name') else ''} in the roads layer"
                )
            roads.loc[pick, "status"] = "existing"
        elif kind == "new_road":
            new = _scenario_layer(layers.get(i), grid, where)
            new = new[new.geom_type.isin(["LineString", "MultiLineString"])].explode(
                index_parts=False
            )
            new = gpd.GeoDataFrame(
                {
                    "highway": highway,
                    "group": group_of[highway],
                    "status": "existing",
                    "name": change.get("name", f"{scenario} road"),
                },
                geometry=new.geometry.to_numpy(),
                crs=grid.crs,
            )
            roads = pd.concat([roads, new], ignore_index=True)
        elif kind == "upgrade_road":
            pick = (roads["name"] == change.get("name")) & (roads["status"] == "existing")
            if not pick.any():
                raise InputError(f"{where}: no existing road named {change.get('name')!r}")
            roads.loc[pick, ["highway", "group"]] = [highway, group_of[highway]]
        elif kind == "logging_concession":
            new = _scenario_layer(layers.get(i), grid, where)
            new = new[new.geom_type.isin(["Polygon", "MultiPolygon"])]
            new = gpd.GeoDataFrame(
                {"year": int(change.get("year", reference_year)), "area_ha": new.area / 1e4},
                geometry=new.geometry.to_numpy(),
                crs=grid.crs,
            )
            logging = pd.concat([logging, new], ignore_index=True)
        else:  # crossing, remove_fence
            new = _scenario_layer(layers.get(i), grid, where)
            radius = float(change.get("radius_m", grid.resolution))
            mitigated.extend(new.geometry.buffer(radius))
    roads = gpd.GeoDataFrame(roads, crs=grid.crs)
    roads["road_id"] = np.arange(1, len(roads) + 1)
    logging = gpd.GeoDataFrame(logging, crs=grid.crs)
    logging["block_id"] = np.arange(1, len(logging) + 1)
    mitigated_gdf = gpd.GeoDataFrame(geometry=mitigated, crs=grid.crs)
    return roads, logging, mitigated_gdf


def features_over(gdf: gpd.GeoDataFrame | None, grid: Grid) -> gpd.GeoDataFrame | None:
    """The features whose bounding boxes meet ``grid``'s extent (None stays None).

    Rasterising a strip of a grid from these gives the same cells as the
    same rows of the whole grid: a cell's value depends only on what lies on it.
    """
    if gdf is None:
        return None
    xmin, ymin, xmax, ymax = grid.bounds
    return gdf.cx[xmin:xmax, ymin:ymax]


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
    names = [*(f"road_{g}" for g in road_groups), "logging_age", "fence"]
    out = np.zeros((len(names), *grid.shape), np.float32)
    existing = roads[roads["status"] == "existing"]
    for k, group in enumerate(road_groups):
        out[k] = rasterize_index(existing[existing["group"] == group], grid, all_touched=True) > 0
    out[len(road_groups)] = cov.logging_recency(
        last_cut_year(logging, grid), reference_year, NEVER_LOGGED_YEARS
    )
    if fences is not None and not fences.empty:
        out[-1] = rasterize_index(fences, grid, all_touched=True) > 0
    if mitigated is not None and not mitigated.empty:
        lifted = rasterize_index(mitigated, grid, all_touched=True) > 0
        out[: len(road_groups), lifted] = 0
        out[-1, lifted] = 0
    return out, names
