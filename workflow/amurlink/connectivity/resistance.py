"""Landscape resistance to movement: pure functions on numpy arrays.

Resistance starts from habitat suitability through the negative-exponential
transform of Keeley et al. (2016), then adds the cost of crossing roads, recent
cutblocks and built-up land, and makes water and fences barriers.  Resistance is
dimensionless and at least 1 (the cost of crossing one metre of the best
habitat); cost-weighted distances are resistance × metres (Linkage Mapper,
McRae & Kavanagh 2011).  NaN marks impassable or no-data cells.

References
----------
Keeley, A. T. H., Beier, P. & Gagnon, J. W. (2016). Estimating landscape
resistance from habitat suitability: effects of data source and nonlinearities.
*Landscape Ecology* 31, 2151–2162.

McRae, B. H. & Kavanagh, D. M. (2011). *Linkage Mapper Connectivity Analysis
Software*. The Nature Conservancy, Seattle WA.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from amurlink.core.errors import InputError

#: Resistance of the least suitable habitat (h = 0) in Keeley et al.'s transform.
MAX_HABITAT_RESISTANCE = 100.0
#: Resistance of the most suitable habitat (h = 1).
MIN_RESISTANCE = 1.0
#: ESA WorldCover built-up class.
BUILTUP_CLASS = 50
#: ESA WorldCover permanent water class.
WATER_CLASS = 80
#: logging_recency value of cells never logged (amurlink.prepare.covariates.logging_recency).
NEVER_LOGGED = 50.0


def nan_filled(values: np.ndarray) -> np.ndarray:
    """float64 copy of a raster as read, masked (no-data) cells NaN.

    NaN is the no-data convention of every connectivity function: an impassable
    resistance cell, a cell outside every corridor, no suitability.
    """
    return np.ma.filled(np.ma.asarray(values).astype(np.float64), np.nan)


def suitability_to_resistance(h: np.ndarray, c: float = 8.0) -> np.ndarray:
    """Habitat suitability to resistance by Keeley et al.'s negative exponential.

    .. math:: R = 100 - 99 \\frac{1 - e^{-c h}}{1 - e^{-c}}

    so that ``h = 0`` gives 100 and ``h = 1`` gives 1.  Small ``c`` (0.25) is
    nearly linear, ``R ≈ 100 − 99 h``; large ``c`` (8–16) makes resistance low
    already at moderate suitability, the shape Keeley et al. (2016) found to
    match movement data best.  ``c → 0`` is the linear limit and is handled
    exactly (``expm1`` keeps the ratio accurate for tiny ``c``).

    Parameters
    ----------
    h : numpy.ndarray
        Suitability in [0, 1]; NaN (no data) stays NaN.  Values a little outside
        [0, 1] (floating-point round-off of a model's output) are clipped.
    c : float
        Shape of the curve, ``c > 0`` (config ``connectivity.shape_c``).

    Returns
    -------
    numpy.ndarray
        float32 resistance in [1, 100].

    References
    ----------
    Keeley, A. T. H., Beier, P. & Gagnon, J. W. (2016). *Landscape Ecology*
    31, 2151–2162.
    """
    if not c > 0:
        raise ValueError(f"shape c must be > 0, got {c}")
    h = np.clip(np.asarray(h, dtype=np.float64), 0.0, 1.0)
    # (1 - e^{-ch}) / (1 - e^{-c}) with expm1 so that small c does not cancel.
    ratio = np.expm1(-c * h) / np.expm1(-c)
    span = MAX_HABITAT_RESISTANCE - MIN_RESISTANCE
    return (MAX_HABITAT_RESISTANCE - span * ratio).astype(np.float32)


def logging_penalty(logging_age: np.ndarray, classes: Sequence[Mapping[str, float]]) -> np.ndarray:
    """Resistance added on logged cells by years since the cut, first matching class.

    Parameters
    ----------
    logging_age : numpy.ndarray
        Years since the last cut (``logging_recency`` covariate); cells at or
        above :data:`NEVER_LOGGED`, or NaN, were never logged and get 0.
    classes : sequence of mappings
        ``[{"max_age": 5, "add": 60}, {"max_age": 15, "add": 25}]``: a cell gets
        the ``add`` of the first class (in the given order) with
        ``age <= max_age``; cells matching no class get 0.

    Returns
    -------
    numpy.ndarray
        float32 added resistance.
    """
    age = np.asarray(logging_age, dtype=np.float64)
    penalty = np.zeros(age.shape, np.float32)
    with np.errstate(invalid="ignore"):
        unassigned = np.isfinite(age) & (age < NEVER_LOGGED)
        for cls in classes:
            hit = unassigned & (age <= float(cls["max_age"]))
            penalty[hit] = float(cls["add"])
            unassigned &= ~hit
    return penalty


def apply_penalties(
    base: np.ndarray,
    *,
    road_cells: Mapping[str, np.ndarray] | None = None,
    road_resistance: Mapping[str, float] | None = None,
    logging_age: np.ndarray | None = None,
    logging_resistance: Sequence[Mapping[str, float]] = (),
    landcover: np.ndarray | None = None,
    builtup_resistance: float = 0.0,
    water: str = "barrier",
    barrier_resistance: float = 5000.0,
    fence: np.ndarray | None = None,
    valid: np.ndarray | None = None,
) -> np.ndarray:
    """Add human and physical barriers to a habitat-based resistance surface.

    Additive penalties (roads, logging, built-up land) sum: a road through a
    fresh cutblock costs both.  Water and fences then set the cell to (at
    least) ``barrier_resistance``, or water to no-data when ``water="nodata"``
    — a barrier the least-cost path may still cross at high cost (a frozen or
    narrow river), or a hard barrier.

    Parameters
    ----------
    base : numpy.ndarray
        Habitat resistance (:func:`suitability_to_resistance`); NaN = no data.
    road_cells : mapping of str to bool array, optional
        Road group → cells holding a road of that group (``dist_road_<group> == 0``).
    road_resistance : mapping of str to float, optional
        Road group → resistance added (config ``connectivity.road_resistance``).
        A group in ``road_cells`` with no entry here adds nothing.
    logging_age : numpy.ndarray, optional
        Years since the last cut; see :func:`logging_penalty`.
    logging_resistance : sequence of mappings
        Age classes ``{max_age, add}``; see :func:`logging_penalty`.
    landcover : numpy.ndarray, optional
        ESA WorldCover codes; 50 (built-up) gets ``builtup_resistance`` added,
        80 (water) is a barrier.
    builtup_resistance : float
        Resistance added on built-up cells.
    water : {"barrier", "nodata"}
        Water cells become ``barrier_resistance`` or NaN (impassable).
    barrier_resistance : float
        Resistance of a barrier cell (water, fence): the cell is raised to at
        least this value.
    fence : numpy.ndarray, optional
        Boolean mask of fence cells (rasterised lines; rasterise with
        ``all_touched=True`` so an 8-neighbour path cannot slip diagonally
        through a one-cell line).
    valid : numpy.ndarray, optional
        Boolean mask of the study area; cells outside become NaN.

    Returns
    -------
    numpy.ndarray
        float32 resistance, ≥ 1 everywhere it is finite; NaN where impassable
        or no data.

    References
    ----------
    McRae, B. H. & Kavanagh, D. M. (2011). *Linkage Mapper Connectivity
    Analysis Software*. The Nature Conservancy (resistance surfaces as habitat
    resistance plus barrier and infrastructure costs).
    """
    if water not in ("barrier", "nodata"):
        raise ValueError(f"water must be 'barrier' or 'nodata', got {water!r}")
    out = np.asarray(base, dtype=np.float64).copy()
    layers = {f"road_cells[{g}]": cells for g, cells in (road_cells or {}).items()}
    _check_shapes(out.shape, logging_age=logging_age, landcover=landcover, fence=fence,
                  valid=valid, **layers)  # fmt: skip
    _add_costs(out, road_cells or {}, road_resistance or {}, logging_age, logging_resistance,
               landcover, builtup_resistance)  # fmt: skip
    _set_barriers(out, landcover, water, barrier_resistance, fence)
    if valid is not None:
        out[~np.asarray(valid, bool)] = np.nan
    # NaN survives np.maximum, so no-data stays no-data.
    out = np.maximum(out, MIN_RESISTANCE)
    return out.astype(np.float32)


def _check_shapes(shape: tuple[int, ...], **layers) -> None:
    """Every layer given (not None) has the resistance's ``shape``, or ValueError names it."""
    for name, layer in layers.items():
        if layer is not None and np.shape(layer) != shape:
            raise ValueError(f"{name} shape {np.shape(layer)} != resistance shape {shape}")


def _add_costs(
    out: np.ndarray,
    road_cells: Mapping[str, np.ndarray],
    road_resistance: Mapping[str, float],
    logging_age: np.ndarray | None,
    logging_resistance: Sequence[Mapping[str, float]],
    landcover: np.ndarray | None,
    builtup_resistance: float,
) -> None:
    """Add the road, logging and built-up penalties to ``out`` (in place); they sum."""
    for group, cells in road_cells.items():
        out[np.asarray(cells, bool)] += float(road_resistance.get(group, 0.0))
    if logging_age is not None:
        out += logging_penalty(logging_age, logging_resistance)
    if landcover is not None:
        out[landcover == BUILTUP_CLASS] += float(builtup_resistance)


def _set_barriers(
    out: np.ndarray,
    landcover: np.ndarray | None,
    water: str,
    barrier_resistance: float,
    fence: np.ndarray | None,
) -> None:
    """Raise water and fence cells to ``barrier_resistance`` (water: NaN when "nodata"), in place."""
    if landcover is not None:
        is_water = landcover == WATER_CLASS
        if water == "nodata":
            out[is_water] = np.nan
        else:
            out[is_water] = np.maximum(out[is_water], barrier_resistance)
    if fence is not None:
        fence = np.asarray(fence, bool)
        out[fence] = np.maximum(out[fence], barrier_resistance)


# ------------------------------------------------------------ the resistance rule
def pressure_bands(
    names: Sequence[str], road_groups: Sequence[str], path: str | os.PathLike
) -> dict[str, int | dict[str, int]]:
    """Indices of the bands :func:`landscape_resistance` needs in a pressure stack.

    Returns ``{"roads": {group: index}, "logging_age": index, "fence": index}``;
    a missing band (``road_<group>``, ``logging_age``, ``fence``) is an
    :class:`~amurlink.core.errors.InputError` naming ``path``, the stack's file.
    """

    def index(name: str) -> int:
        if name not in names:
            raise InputError(f"{path}: no band named {name!r} (bands: {', '.join(names)})")
        return list(names).index(name)

    return {
        "roads": {g: index(f"road_{g}") for g in road_groups},
        "logging_age": index("logging_age"),
        "fence": index("fence"),
    }


def landscape_resistance(
    suitability: np.ndarray,
    pressures: np.ndarray,
    landcover: np.ndarray,
    bands: Mapping,
    params: Mapping,
) -> np.ndarray:
    """The resistance rule on one window: suitability through Keeley's curve, then penalties.

    Parameters
    ----------
    suitability : numpy.ndarray
        2-D habitat suitability, NaN outside the study area (which stays NaN).
    pressures : numpy.ndarray
        Bands-first pressure stack of the scenario, bands as :func:`pressure_bands`.
    landcover : numpy.ndarray
        2-D ESA WorldCover codes, NaN where no data.
    bands : mapping
        :func:`pressure_bands` of the stack.
    params : mapping
        Config ``connectivity``: ``shape_c``, ``road_resistance``,
        ``logging_resistance``, ``builtup_resistance``, ``water``,
        ``barrier_resistance``.

    Returns
    -------
    numpy.ndarray
        float32 resistance, NaN where impassable or no data (:func:`apply_penalties`).
    """
    return apply_penalties(
        suitability_to_resistance(suitability, params["shape_c"]),
        road_cells={g: pressures[k] > 0 for g, k in bands["roads"].items()},
        road_resistance=params["road_resistance"],
        logging_age=pressures[bands["logging_age"]],
        logging_resistance=params["logging_resistance"],
        landcover=np.nan_to_num(landcover, nan=0).astype(int),
        builtup_resistance=params["builtup_resistance"],
        water=params["water"],
        barrier_resistance=params["barrier_resistance"],
        fence=pressures[bands["fence"]] > 0,
        valid=np.isfinite(suitability),
    )


@dataclass
class ResistanceSummary:
    """Count, minimum, mean and maximum of the passable cells, window by window."""

    count: int = 0
    low: float = np.inf
    high: float = -np.inf
    total: float = 0.0

    def add(self, resistance: np.ndarray) -> None:
        """Count the finite cells of one window."""
        finite = resistance[np.isfinite(resistance)]
        if finite.size:
            self.count += finite.size
            self.low, self.high = min(self.low, finite.min()), max(self.high, finite.max())
            self.total += finite.sum()

    @property
    def mean(self) -> float:
        return self.total / max(self.count, 1)
