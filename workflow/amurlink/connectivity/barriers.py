"""Barrier Mapper: where restoration would shorten least-cost corridors most.

Following McRae et al. (2012) and Linkage Mapper's Barrier Mapper, a circular
window of radius r is moved over the landscape.  Restoring the window (its
cells given the restored resistance) lets a path from core A enter the window
at its cheapest cell, cross it, and leave from its cheapest cell towards core B.
For link A–B and the window centred on cell x the least-cost distance after
restoration is

.. math:: \\mathrm{LCD}'_{AB}(x) = \\min_{w(x)} \\mathrm{CWD}_A
          + \\min_{w(x)} \\mathrm{CWD}_B + 2r\\,R_{\\mathrm{restored}}

and the *improvement score* is the fall of the LCD per metre restored across
the window's diameter,

.. math:: \\mathrm{IS}_r(x) = \\frac{\\mathrm{LCD}_{AB} - \\mathrm{LCD}'_{AB}(x)}{2r},

set to 0 where it is negative (restoring there would not help).  It is in
resistance units (cost per metre), so scores at different radii compare; the
map keeps the maximum over links and radii.  The percentage form is
``100 (LCD − LCD') / LCD``.  Window minima use :func:`scipy.ndimage.minimum_filter`
with a disk footprint.

References
----------
McRae, B. H., Hall, S. A., Beier, P. & Theobald, D. M. (2012). Where to
restore ecological connectivity? Detecting barriers and quantifying restoration
benefits. *PLoS ONE* 7(12), e52604.

McRae, B. H. & Kavanagh, D. M. (2011). *Linkage Mapper Connectivity Analysis
Software*. The Nature Conservancy, Seattle WA.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.ndimage import minimum_filter

from amurlink.connectivity.corridors import CoreCostDistances

log = logging.getLogger(__name__)


def disk(radius_cells: int) -> np.ndarray:
    """Boolean disk footprint: cells whose centre lies within ``radius_cells`` of the centre."""
    r = int(radius_cells)
    yy, xx = np.mgrid[-r : r + 1, -r : r + 1]
    return (yy * yy + xx * xx) <= r * r


def radii_in_cells(radii_m: Sequence[float], resolution: float) -> list[int]:
    """Window radii in whole cells (rounded, at least one cell, without repeats).

    Barrier Mapper's radii are in map units; on a coarse grid a radius below
    one cell would be a single cell and restore nothing, so it becomes one cell.
    """
    cells = sorted({max(1, int(round(r / resolution))) for r in radii_m})
    if not cells:
        raise ValueError("no barrier radius given")
    return cells


@dataclass
class BarrierResult:
    """Output of :func:`barrier_scores`.

    Attributes
    ----------
    score : numpy.ndarray
        Maximum improvement score over links and radii (resistance units:
        cost units saved per metre restored), 0 where restoration does not
        help, NaN on impassable cells.
    percent : numpy.ndarray
        Maximum percentage improvement ``100 (LCD − LCD') / LCD``.
    best_radius_m : numpy.ndarray
        Radius (m) at which ``score`` is reached (NaN where the score is 0).
    links : pandas.DataFrame
        Per link: ``from_core``, ``to_core``, ``lcd``, ``max_score``,
        ``max_percent``.
    """

    score: np.ndarray
    percent: np.ndarray
    best_radius_m: np.ndarray
    links: pd.DataFrame | None = None


def improvement(
    cwd_a: np.ndarray,
    cwd_b: np.ndarray,
    lcd: float,
    radius_cells: int,
    resolution: float,
    restored_resistance: float = 1.0,
) -> np.ndarray:
    """LCD saved (cost units) by restoring the disk of ``radius_cells`` around each cell.

    ``LCD − min_window CWD_A − min_window CWD_B − 2 r R_restored`` with
    ``r = radius_cells × resolution``; negative values (no benefit) are kept, so
    the caller chooses how to clip.  Cells whose window reaches no finite CWD
    are −inf.
    """
    footprint = disk(radius_cells)
    min_a = minimum_filter(cwd_a, footprint=footprint, mode="constant", cval=np.inf)
    min_b = minimum_filter(cwd_b, footprint=footprint, mode="constant", cval=np.inf)
    diameter = 2.0 * radius_cells * resolution
    with np.errstate(invalid="ignore"):
        saved = lcd - (min_a + min_b) - diameter * restored_resistance
    return np.where(np.isfinite(saved), saved, -np.inf)


def barrier_scores(
    resistance: np.ndarray,
    cores: np.ndarray,
    links: Sequence[tuple[int, int]],
    resolution: float,
    radii_m: Sequence[float],
    *,
    restored_resistance: float = 1.0,
    neighbours: int = 8,
    distances: CoreCostDistances | None = None,
) -> BarrierResult:
    """Barrier Mapper improvement scores, maximum over links and radii.

    Parameters
    ----------
    resistance : numpy.ndarray
        Resistance ≥ 1, NaN impassable.
    cores : numpy.ndarray
        int core ids, 0 = none.
    links : sequence of (int, int)
        Core pairs (the corridors rule's links).
    resolution : float
        Cell size (m).
    radii_m : sequence of float
        Window radii in metres (config ``barrier_radii_m``), see :func:`radii_in_cells`.
    restored_resistance : float
        Resistance of a restored cell (1 = best habitat).
    neighbours : {4, 8}
        Moves allowed in the cost distances.
    distances : CoreCostDistances, optional
        CWDs already solved.

    Returns
    -------
    BarrierResult

    References
    ----------
    McRae, B. H., Hall, S. A., Beier, P. & Theobald, D. M. (2012). *PLoS ONE*
    7(12), e52604.
    """
    resistance = np.asarray(resistance, dtype=np.float64)
    cores = np.asarray(cores)
    distances = distances or CoreCostDistances(resistance, cores, resolution, neighbours)
    radii = radii_in_cells(radii_m, resolution)
    maps = BarrierResult(
        np.zeros(resistance.shape), np.zeros(resistance.shape), np.full(resistance.shape, np.nan)
    )
    rows = []
    for a, b, lcd in distances.over_links(links, "barriers"):
        best = _restore_link(
            distances(a), distances(b), lcd, radii, resolution, restored_resistance, maps
        )
        rows.append((a, b, lcd, *best))
    impassable = ~np.isfinite(resistance)
    for values in (maps.score, maps.percent, maps.best_radius_m):
        values[impassable] = np.nan
    maps.links = pd.DataFrame(
        rows, columns=["from_core", "to_core", "lcd", "max_score", "max_percent"]
    )
    return maps


def _restore_link(
    cwd_a: np.ndarray,
    cwd_b: np.ndarray,
    lcd: float,
    radii: Sequence[int],
    resolution: float,
    restored_resistance: float,
    maps: BarrierResult,
) -> tuple[float, float]:
    """Fold link A–B's improvement at every radius into ``maps`` (maxima, in place).

    Returns the link's largest score and percentage (0 when its LCD is not a
    positive finite number: nothing to improve).
    """
    link_score = link_percent = 0.0
    if not (np.isfinite(lcd) and lcd > 0):
        return link_score, link_percent
    for radius in radii:
        saved = improvement(cwd_a, cwd_b, lcd, radius, resolution, restored_resistance)
        per_metre = saved / (2.0 * radius * resolution)
        better = per_metre > maps.score
        maps.score[better] = per_metre[better]
        maps.best_radius_m[better] = radius * resolution
        np.fmax(maps.percent, 100.0 * saved / lcd, out=maps.percent)
        link_score = max(link_score, float(per_metre.max()))
        link_percent = max(link_percent, float(100.0 * saved.max() / lcd))
    return link_score, link_percent
