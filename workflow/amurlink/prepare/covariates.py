"""Environmental covariates on the analysis grid: pure functions on numpy arrays.

The covariates follow those of published Amur habitat models (Hebblewhite et
al. 2011, 2014; Wang et al. 2018): forest cover in the surrounding landscape,
elevation, slope, distance to roads by class, distance to settlements, and
logging recency and density.
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage, signal

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
