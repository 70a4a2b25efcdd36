"""Environmental covariates on the analysis grid, and the covariate stack.

The covariates follow those of published Amur habitat models (Hebblewhite et
al. 2011, 2014; Wang et al. 2018): forest cover in the surrounding landscape,
elevation, slope, distance to roads by class, distance to settlements, and
logging recency and density.  The single covariates are pure functions on numpy
arrays; :func:`compute_covariates` assembles them into the stack of
``covariates.tif`` from the aligned rasters and the prepared vector layers.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import geopandas as gpd
import numpy as np
from scipy import ndimage, signal

from amurlink.core.grid import Grid
from amurlink.prepare.vectors import rasterize_index

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

#: ESA WorldCover class codes (Zanaga et al. 2022, product user manual v2).
WORLDCOVER_CLASSES = {
    10: "Tree cover",
    20: "Shrubland",
    30: "Grassland",
    40: "Cropland",
    50: "Built-up",
    60: "Bare / sparse vegetation",
    70: "Snow and ice",
    80: "Permanent water bodies",
    90: "Herbaceous wetland",
    95: "Mangroves",
    100: "Moss and lichen",
}

#: WorldCover's own legend colours, for colour tables and maps.
WORLDCOVER_COLOURS = {
    10: (0, 100, 0, 255),
    20: (255, 187, 34, 255),
    30: (255, 255, 76, 255),
    40: (240, 150, 255, 255),
    50: (250, 0, 0, 255),
    60: (180, 180, 180, 255),
    70: (240, 240, 240, 255),
    80: (0, 100, 200, 255),
    90: (0, 150, 160, 255),
    95: (0, 207, 117, 255),
    100: (250, 230, 160, 255),
}


def disk_kernel(radius_cells: float) -> np.ndarray:
    """Boolean disk of the given radius (in cells), centred on an odd-sized square."""
    r = max(int(np.floor(radius_cells)), 0)
    yy, xx = np.mgrid[-r : r + 1, -r : r + 1]
    return (xx**2 + yy**2) <= radius_cells**2 + 1e-9


def focal_mean(values: np.ndarray, valid: np.ndarray, radius_cells: float) -> np.ndarray:
    """Mean of ``values`` over a circular window, counting only ``valid`` cells.

    Cells with no valid neighbour get NaN.  Uses FFT convolution, so the cost is
    O(n log n) whatever the radius.
    """
    kernel = disk_kernel(radius_cells).astype(np.float64)
    v = np.where(valid, values, 0.0).astype(np.float64)
    num = signal.fftconvolve(v, kernel, mode="same")
    den = signal.fftconvolve(valid.astype(np.float64), kernel, mode="same")
    with np.errstate(invalid="ignore", divide="ignore"):
        out = num / den
    out[den < 0.5] = np.nan
    # FFT round-off can leave tiny negatives or values above 1 for fractions
    return out


def class_fraction(
    landcover: np.ndarray, classes, radius_cells: float, valid: np.ndarray | None = None
) -> np.ndarray:
    """Fraction of cells of ``classes`` within ``radius_cells`` (e.g. forest fraction)."""
    if valid is None:
        valid = np.ones(landcover.shape, bool)
    hit = np.isin(landcover, list(classes)).astype(np.float64)
    return np.clip(focal_mean(hit, valid, radius_cells), 0.0, 1.0)


def slope_degrees(dem: np.ndarray, resolution: float) -> np.ndarray:
    """Slope in degrees by Horn's (1981) third-order finite difference, as ``gdaldem slope``.

    Horn, B.K.P. (1981) Hill shading and the reflectance map. Proc. IEEE 69:14-47.
    Edges are handled by replicating the border cells.
    """
    z = np.pad(np.asarray(dem, dtype=np.float64), 1, mode="edge")
    a, b, c = z[:-2, :-2], z[:-2, 1:-1], z[:-2, 2:]
    d, f = z[1:-1, :-2], z[1:-1, 2:]
    g, h, i = z[2:, :-2], z[2:, 1:-1], z[2:, 2:]
    dzdx = ((c + 2 * f + i) - (a + 2 * d + g)) / (8 * resolution)
    dzdy = ((g + 2 * h + i) - (a + 2 * b + c)) / (8 * resolution)
    return np.degrees(np.arctan(np.hypot(dzdx, dzdy)))


def distance_to(mask: np.ndarray, resolution: float, cap: float | None = None) -> np.ndarray:
    """Euclidean distance (map units) from every cell centre to the nearest ``True`` cell.

    Where the mask is empty, every cell gets ``cap`` (default: the grid diagonal),
    meaning "farther than anything in the study area".
    """
    mask = np.asarray(mask, bool)
    if cap is None:
        cap = float(np.hypot(*mask.shape) * resolution)
    if not mask.any():
        return np.full(mask.shape, cap, dtype=np.float64)
    dist = ndimage.distance_transform_edt(~mask, sampling=resolution)
    return np.minimum(dist, cap)


def logging_recency(
    last_cut_year: np.ndarray, reference_year: int, never: float = 50.0
) -> np.ndarray:
    """Years since the most recent cut in each cell; ``never`` where never logged.

    ``last_cut_year`` holds the latest logging year per cell, 0 where none.
    """
    years = np.asarray(last_cut_year)
    out = np.full(years.shape, float(never))
    cut = years > 0
    out[cut] = np.clip(reference_year - years[cut], 0, never)
    return out


def log_distance(distance_m: np.ndarray) -> np.ndarray:
    """``log(1 + d / 100 m)``: distances' effects fade with distance (diminishing returns)."""
    return np.log1p(np.asarray(distance_m, float) / 100.0)


# ------------------------------------------------------------------ the stack
def covariate_names(road_groups: Sequence[str]) -> list[str]:
    """Band names of the covariate stack, in band order."""
    return [
        *FIXED_BANDS_BEFORE_ROADS,
        *(f"dist_road_{g}" for g in road_groups),
        *FIXED_BANDS_AFTER_ROADS,
    ]


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
    forest_cover: np.ndarray | None = None,
) -> tuple[np.ndarray, list[str]]:
    """Covariate stack (bands-first float32, NaN outside ``valid``) and its band names.

    ``forest_cover``, the forest classes' share of each cell (land cover aggregated by
    class fractions, :func:`amurlink.prepare.align.class_fractions`), makes the forest
    fraction the mean forest area in the window; without it, the share of cells whose
    class is a forest class.

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
    if forest_cover is None:
        bands["forest_fraction"][:] = class_fraction(
            landcover, forest_classes, forest_radius_m / res, valid
        )
    else:
        cover = np.nan_to_num(np.asarray(forest_cover, np.float64))
        bands["forest_fraction"][:] = np.clip(
            focal_mean(cover, valid, forest_radius_m / res), 0.0, 1.0
        )
    if dem_fill is None:
        dem_fill = float(np.nanmean(dem)) if np.isfinite(dem).any() else 0.0
    dem_filled = np.where(np.isfinite(dem), dem, dem_fill)
    bands["elevation"][:] = dem_filled
    bands["slope"][:] = slope_degrees(dem_filled, res)
    existing = roads[roads["status"] == "existing"]
    for group in road_groups:
        on_road = rasterize_index(existing[existing["group"] == group], grid, all_touched=True) > 0
        bands[f"dist_road_{group}"][:] = distance_to(on_road, res, max_distance_m)
    town = rasterize_index(settlements, grid, all_touched=True) > 0
    bands["dist_settlement"][:] = distance_to(town, res, max_distance_m)
    last_year = last_cut_year(logging, grid)
    bands["logging_recency"][:] = logging_recency(last_year, reference_year, NEVER_LOGGED_YEARS)
    bands["logging_density"][:] = np.clip(
        focal_mean((last_year > 0).astype(float), valid, logging_radius_m / res), 0, 1
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


def covariate_halo_cells(settings: Mapping, grid: Grid) -> int:
    """Halo (cells) a covariate tile of ``grid`` is read with, for config ``covariates``.

    :func:`covariate_halo_m` plus the slope's one cell; the whole grid when the
    distances are not capped (``max_distance_m`` null), so a tile then sees everything.
    """
    halo_m = covariate_halo_m(
        settings["forest_radius_m"], settings["logging_radius_m"], settings["max_distance_m"]
    )
    return max(grid.shape) if math.isinf(halo_m) else math.ceil(halo_m / grid.resolution) + 1


def tile_covariates(
    landcover: np.ndarray,
    dem: np.ndarray,
    roads: gpd.GeoDataFrame,
    settlements: gpd.GeoDataFrame,
    logging: gpd.GeoDataFrame,
    outer: Grid,
    inner: tuple[slice, slice],
    settings: Mapping,
    dem_fill: float,
    forest_cover: np.ndarray | None = None,
) -> tuple[np.ndarray, list[str], list[str]]:
    """Covariates of one tile: computed on the tile and its halo, cut back to the tile.

    Parameters
    ----------
    landcover, dem : numpy.ndarray
        The tile and its halo (:func:`covariate_halo_cells`) on ``outer``: land-cover
        codes (0 = no data) and elevations (NaN = no data).
    roads, settlements, logging : GeoDataFrame
        The prepared layers (:mod:`amurlink.prepare.vectors`).
    inner : tuple of slices
        Where the tile lies in ``outer`` (:meth:`amurlink.core.tiles.Tile.inner`).
    settings : mapping
        Config ``covariates``.
    dem_fill : float
        Elevation for missing cells: the whole grid's mean, so tiles agree.
    forest_cover : numpy.ndarray, optional
        Forest share of each cell on ``outer`` (land cover by class fractions).

    Returns
    -------
    stack, names, units
        The tile's bands (float32, NaN = no data), their names and units.
    """
    stack, names = compute_covariates(
        landcover, dem, roads, settlements, logging, landcover != 0, outer,
        road_groups=list(settings["road_classes"]), forest_classes=settings["forest_classes"],
        forest_radius_m=settings["forest_radius_m"], logging_radius_m=settings["logging_radius_m"],
        reference_year=settings["reference_year"], max_distance_m=settings["max_distance_m"],
        dem_fill=dem_fill, forest_cover=forest_cover,
    )  # fmt: skip
    units = [COVARIATE_UNITS.get(n, "m") for n in names]
    return stack[:, inner[0], inner[1]], names, units
