"""Pinch points: circuit-theory current density inside least-cost corridors.

This follows Linkage Mapper's Pinchpoint Mapper (McRae 2012) in its
"adjacent pair" mode.  For every link A–B the resistance surface is clipped to
the link's own corridor — the cells whose normalised least-cost corridor value

.. math:: \\mathrm{NLCC}_{AB} = \\mathrm{CWD}_A + \\mathrm{CWD}_B - \\mathrm{LCD}_{AB}

is at most the corridor width cut-off, plus the cells of cores A and B; every
other cell is no-data — and Circuitscape's pairwise mode is run between the two
cores (each shorted as a focal region, 1 A from A to B).  The node currents of
all links are mosaicked by their maximum: a cell where the whole link current
must squeeze through a narrow passage carries a high current, a *pinch point*.

The second product is Pinchpoint Mapper's "all pairs" map: the cumulative
pairwise current among all cores over the corridor network (the union of the
corridors, the other cells no-data).

References
----------
McRae, B. H. (2012). *Pinchpoint Mapper Connectivity Analysis Software*. The
Nature Conservancy, Seattle WA.

McRae, B. H., Dickson, B. G., Keitt, T. H. & Shah, V. B. (2008). Using circuit
theory to model connectivity in ecology, evolution, and conservation. *Ecology*
89, 2712–2724.

McRae, B. H. & Kavanagh, D. M. (2011). *Linkage Mapper Connectivity Analysis
Software*. The Nature Conservancy, Seattle WA.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from amurlink.connectivity import circuit
from amurlink.connectivity.corridors import CoreCostDistances

log = logging.getLogger(__name__)


@dataclass
class PinchpointResult:
    """Output of :func:`pinchpoints`.

    Attributes
    ----------
    current : numpy.ndarray
        float64 maximum over links of the link's node current (A, for 1 A
        between the two cores), NaN outside every link's corridor.
    links : pandas.DataFrame
        ``from_core``, ``to_core``, ``lcd`` (cost units), ``corridor_cells``,
        ``effective_resistance`` (ohm, within the corridor; −1 when the
        corridor does not join the cores).
    network : numpy.ndarray or None
        All-pairs current over the corridor network
        (:func:`corridor_network_current`), when :func:`pinchpoint_maps` made it.
    """

    current: np.ndarray
    links: pd.DataFrame
    network: np.ndarray | None = None


def link_corridor(cwd_a: np.ndarray, cwd_b: np.ndarray, lcd: float, width: float) -> np.ndarray:
    """Cells of the A–B corridor: NLCC_AB = CWD_A + CWD_B − LCD ≤ ``width`` (boolean)."""
    with np.errstate(invalid="ignore"):
        nlcc = cwd_a + cwd_b - lcd
    return np.isfinite(nlcc) & (nlcc <= width)


def _bounding_box(mask: np.ndarray, pad: int = 1) -> tuple[slice, slice]:
    rows = np.flatnonzero(mask.any(axis=1))
    cols = np.flatnonzero(mask.any(axis=0))
    r0, r1 = max(rows[0] - pad, 0), min(rows[-1] + pad + 1, mask.shape[0])
    c0, c1 = max(cols[0] - pad, 0), min(cols[-1] + pad + 1, mask.shape[1])
    return slice(r0, r1), slice(c0, c1)


def pinchpoints(
    resistance: np.ndarray,
    cores: np.ndarray,
    links: Sequence[tuple[int, int]],
    resolution: float,
    *,
    corridor_width: float,
    neighbours: int = 8,
    solver: circuit.Solver = "auto",
    distances: CoreCostDistances | None = None,
) -> PinchpointResult:
    """Pinchpoint Mapper, adjacent-pair mode: per-link current in the link's corridor.

    Parameters
    ----------
    resistance : numpy.ndarray
        Resistance ≥ 1, NaN impassable (no node).
    cores : numpy.ndarray
        int core ids, 0 = none.
    links : sequence of (int, int)
        Core pairs to map (the corridors rule's links).
    resolution : float
        Cell size in metres.
    corridor_width : float
        NLCC cut-off in cost units (config ``corridor_width_km`` × 1000).
    neighbours : {4, 8}
        Used for both the cost distances and the circuit.
    solver : {'auto', 'direct', 'cg+amg'}
        Circuit solver (:class:`amurlink.connectivity.circuit.LinearSolver`).
    distances : CoreCostDistances, optional
        Reuse CWDs already solved (e.g. by :func:`amurlink.connectivity.barriers.barrier_scores`).

    Returns
    -------
    PinchpointResult

    Notes
    -----
    Each link's circuit is solved on the bounding box of its corridor only, so
    the cost is that of the corridor, not of the whole grid.

    References
    ----------
    McRae, B. H. (2012). *Pinchpoint Mapper Connectivity Analysis Software*.
    McRae et al. (2008) *Ecology* 89, 2712–2724.
    """
    resistance = np.asarray(resistance, dtype=np.float64)
    cores = np.asarray(cores)
    distances = distances or CoreCostDistances(resistance, cores, resolution, neighbours)
    current = np.full(resistance.shape, np.nan)
    rows = [
        _link_current(
            resistance, cores, distances, (a, b), lcd, corridor_width, neighbours, solver, current
        )
        for a, b, lcd in distances.over_links(links, "pinch points")
    ]
    table = pd.DataFrame(
        rows, columns=["from_core", "to_core", "lcd", "corridor_cells", "effective_resistance"]
    )
    # Cores are shorted focal regions: their cells carry the node's total current,
    # which is no pinch point; Pinchpoint Mapper maps current in the corridors only.
    current[cores > 0] = np.nan
    return PinchpointResult(current, table)


def _link_current(
    resistance: np.ndarray,
    cores: np.ndarray,
    distances: CoreCostDistances,
    link: tuple[int, int],
    lcd: float,
    corridor_width: float,
    neighbours: int,
    solver: circuit.Solver,
    current: np.ndarray,
) -> tuple[int, int, float, int, float]:
    """Solve link A–B's circuit in its corridor; mosaic its current into ``current`` by maximum.

    Returns the link's row of :attr:`PinchpointResult.links`.
    """
    a, b = link
    inside = link_corridor(distances(a), distances(b), lcd, corridor_width)
    inside |= (cores == a) | (cores == b)
    inside &= np.isfinite(resistance)
    if not inside.any():  # a core without a passable cell: nothing to map
        log.warning("link %d-%d: no passable corridor cell", a, b)
        return a, b, lcd, 0, circuit.DISCONNECTED
    box = _bounding_box(inside)
    clipped = np.where(inside[box], resistance[box], np.nan)
    focal = np.where(inside[box] & np.isin(cores[box], (a, b)), cores[box], 0)
    result = circuit.pairwise(clipped, focal, neighbours=neighbours, solver=solver)
    r_eff = float(result.resistance_matrix[0, 1]) if len(result.ids) == 2 else circuit.DISCONNECTED
    np.fmax(current[box], result.cum_current, out=current[box])
    return a, b, lcd, int(inside.sum()), r_eff


def corridor_network_current(
    resistance: np.ndarray,
    cores: np.ndarray,
    corridors: np.ndarray,
    *,
    neighbours: int = 8,
    solver: circuit.Solver = "auto",
    shorting: str = "pair",
) -> np.ndarray:
    """Pinchpoint Mapper's all-pairs mode: cumulative pairwise current over the corridors.

    Parameters
    ----------
    resistance : numpy.ndarray
        Resistance, NaN impassable.
    cores : numpy.ndarray
        int core ids (focal regions), 0 = none.
    corridors : numpy.ndarray
        The NLCC mosaic cut at the corridor width (NaN outside): the corridor
        network.  Cells outside it and outside every core are no-data.
    neighbours, solver, shorting
        As in :func:`amurlink.connectivity.circuit.pairwise`.

    Returns
    -------
    numpy.ndarray
        Cumulative current over all core pairs (A), NaN off the network.

    References
    ----------
    McRae, B. H. (2012). *Pinchpoint Mapper Connectivity Analysis Software*.
    """
    network = (np.isfinite(corridors) | (cores > 0)) & np.isfinite(resistance)
    clipped = np.where(network, resistance, np.nan)
    result = circuit.pairwise(
        clipped,
        np.where(network, cores, 0),
        neighbours=neighbours,
        solver=solver,
        shorting=shorting,
    )
    current = result.cum_current.copy()
    current[cores > 0] = np.nan  # shorted focal regions, as in pinchpoints()
    return current


def pinchpoint_maps(
    resistance: np.ndarray,
    cores: np.ndarray,
    corridors: np.ndarray,
    links: Sequence[tuple[int, int]],
    resolution: float,
    *,
    corridor_width: float,
    shorting: str = "pair",
    **options,
) -> PinchpointResult:
    """The pinch-point rule: both of Pinchpoint Mapper's products.

    The adjacent-pair map and link table of :func:`pinchpoints`, with the
    all-pairs current of :func:`corridor_network_current` as ``network``.
    ``options`` (``neighbours``, ``solver``) go to both; ``shorting`` is the
    all-pairs run's.
    """
    result = pinchpoints(
        resistance, cores, links, resolution, corridor_width=corridor_width, **options
    )
    result.network = corridor_network_current(
        resistance, cores, corridors, shorting=shorting, **options
    )
    return result
