"""Prepare: bring every input layer onto the one analysis grid and derive covariates.

Vector layers are checked (columns, codes, CRS), reprojected to the analysis CRS
and clipped to the study area; rasters are warped onto the grid (see
:func:`amurlink.io.warp_to_grid`); covariates are computed on the grid by
:mod:`amurlink.covariates`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from rasterio import features

from amurlink import covariates as cov
from amurlink.grid import Grid
from amurlink.io import InputError

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


def grid_from_config(study_area: Mapping) -> Grid:
    """The analysis grid from the config's ``study_area`` block."""
    crs, res = study_area["crs"], float(study_area["resolution"])
    if study_area.get("bounds"):
        return Grid.from_bounds(crs, tuple(study_area["bounds"]), res)
    return Grid.from_lonlat_box(crs, tuple(study_area["bbox_lonlat"]), res)


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
) -> tuple[np.ndarray, list[str]]:
    """Covariate stack (bands-first float32, NaN outside ``valid``) and its band names.

    Roads are rasterised with ``all_touched`` so that a road is never broken
    into gaps a dispersal path could slip through; proposed roads are left out.
    """
    res = grid.resolution
    names = covariate_names(road_groups)
    out = np.empty((len(names), *grid.shape), np.float32)
    bands = dict(zip(names, out, strict=True))
    bands["forest_fraction"][:] = cov.class_fraction(
        landcover, forest_classes, forest_radius_m / res, valid
    )
    dem_filled = np.where(np.isfinite(dem), dem, np.nanmean(dem))
    bands["elevation"][:] = dem_filled
    bands["slope"][:] = cov.slope_degrees(dem_filled, res)
    existing = roads[roads["status"] == "existing"]
    for group in road_groups:
        on_road = rasterize_index(existing[existing["group"] == group], grid, all_touched=True) > 0
        bands[f"dist_road_{group}"][:] = cov.distance_to(on_road, res)
    town = rasterize_index(settlements, grid, all_touched=True) > 0
    bands["dist_settlement"][:] = cov.distance_to(town, res)
    # Latest cut wins: rasterize in ascending year order, later burns overwrite.
    ordered = logging.sort_values("year", kind="stable")
    idx = rasterize_index(ordered, grid)
    last_year = np.where(idx > 0, ordered["year"].to_numpy()[np.maximum(idx - 1, 0)], 0)
    bands["logging_recency"][:] = cov.logging_recency(last_year, reference_year, NEVER_LOGGED_YEARS)
    bands["logging_density"][:] = np.clip(
        cov.focal_mean((idx > 0).astype(float), valid, logging_radius_m / res), 0, 1
    )
    out[:, ~valid] = np.nan
    return out, names
