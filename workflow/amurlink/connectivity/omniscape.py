"""Wall-to-wall current flow with a moving window, as Omniscape does.

Omniscape (McRae et al. 2016, *Conserving Nature's Stage: Mapping Omnidirectional
Connectivity for Resilient Terrestrial Landscapes*, The Nature Conservancy;
Landau, Shah, Anantharaman & Hall 2021, *JOSS* 6:2829) maps connectivity without
cores: every cell is a source, and for every *target* — the centre cell of a
``block_size × block_size`` block — a circuit is solved inside a circle of
radius ``radius`` around it:

* the resistance is clipped to the circle (cells outside are not nodes);
* the target cell is grounded (0 V);
* the target's strength is the sum of the source strengths of its block; the
  sources inside the circle but outside the block inject that amount in
  proportion to their own strength, ``I_s = S_target × s / Σ s``;
* the node currents of the solution (Circuitscape's node current, see
  :func:`amurlink.connectivity.circuit.node_currents`) are added to the cumulative current.

The *flow potential* is the same computation on a uniform resistance of 1 over
the same passable cells, and the *normalised current* is cumulative current /
flow potential: above 1 where the landscape channels flow (pinch points), below
1 where it impedes it.

Targets are a property of the whole grid (block centres at rows and columns
``b//2, b//2 + b, …``), so a tile computes exactly the targets whose centres it
owns, reading the landscape with a halo of ``radius`` cells, and the sum of the
tiles' current maps does not depend on the tiling.
"""

from __future__ import annotations

import functools
import logging
import math
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from scipy import ndimage

from amurlink.connectivity.circuit import LinearSolver, node_currents
from amurlink.connectivity.progress import Progress
from amurlink.core.tiles import Tile, coarsen_mean

log = logging.getLogger(__name__)


@dataclass
class OmniscapeResult:
    """Per-cell current maps (float64, 0 where no target's circuit reached)."""

    cumulative: np.ndarray
    flow_potential: np.ndarray
    n_targets: int | None = None  # None for a mosaic of tiles (:func:`mosaic_tiles`)

    @property
    def normalised(self) -> np.ndarray:
        return normalise(self.cumulative, self.flow_potential)


def normalise(cumulative: np.ndarray, flow_potential: np.ndarray) -> np.ndarray:
    """Cumulative current / flow potential; NaN where the flow potential is 0."""
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(flow_potential > 0, cumulative / flow_potential, np.nan)


def target_cells(
    shape: tuple[int, int],
    block_size: int,
    rows: tuple[int, int] | None = None,
    cols: tuple[int, int] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Row and column indices of the block centres of a grid, optionally in a range.

    ``rows``/``cols`` are half-open index ranges of the owning tile.
    """
    if block_size < 1 or block_size % 2 == 0:
        raise ValueError(f"block_size must be a positive odd number, got {block_size}")
    half = block_size // 2
    r = np.arange(half, shape[0], block_size)
    c = np.arange(half, shape[1], block_size)
    if rows is not None:
        r = r[(r >= rows[0]) & (r < rows[1])]
    if cols is not None:
        c = c[(c >= cols[0]) & (c < cols[1])]
    rr, cc = np.meshgrid(r, c, indexing="ij")
    return rr.ravel(), cc.ravel()


def _circle(radius: int) -> np.ndarray:
    yy, xx = np.mgrid[-radius : radius + 1, -radius : radius + 1]
    return (yy**2 + xx**2) <= radius**2 + 1e-9


@functools.lru_cache(maxsize=16)
def _window_edges(shape: tuple[int, int], neighbours: int):
    """Cell pairs (flat indices) and distance divisors of every edge of a full window."""
    rows, cols = shape
    flat = np.arange(rows * cols).reshape(shape)
    offsets = [(0, 1, 1.0), (1, 0, 1.0)]
    if neighbours == 8:
        offsets += [(1, 1, np.sqrt(2.0)), (1, -1, np.sqrt(2.0))]
    a, b, d = [], [], []
    for dr, dc, divisor in offsets:
        sa = flat[0 : rows - dr, max(0, -dc) : cols - max(0, dc)]
        sb = flat[dr:rows, max(0, dc) : cols - max(0, -dc)]
        a.append(sa.ravel())
        b.append(sb.ravel())
        d.append(np.full(sa.size, divisor))
    return np.concatenate(a), np.concatenate(b), np.concatenate(d)


def _solve_window(
    resistance: np.ndarray,
    source: np.ndarray,
    ground: tuple[int, int],
    neighbours: int,
    solver: str,
) -> np.ndarray | None:
    """Node currents of one window with ``source`` injected and ``ground`` at 0 V.

    The network is :func:`amurlink.connectivity.circuit.build_graph`'s (Circuitscape's
    conventions: edge conductance ``1 / mean resistance``, diagonals / √2),
    assembled directly for speed: a window is small and there are many.
    """
    rows, cols = resistance.shape
    passable = np.isfinite(resistance) & (resistance > 0)
    structure = (
        np.ones((3, 3), bool) if neighbours == 8 else ndimage.generate_binary_structure(2, 1)
    )
    label, _ = ndimage.label(passable, structure=structure)
    connected = (label == label[ground]).ravel()  # only the ground's component carries current
    cell_a, cell_b, divisor = _window_edges(tuple(resistance.shape), neighbours)
    keep = connected[cell_a] & connected[cell_b]
    cell_a, cell_b = cell_a[keep], cell_b[keep]
    r = resistance.ravel()
    conductance = 1.0 / ((r[cell_a] + r[cell_b]) / 2.0) / divisor[keep]
    n_cells = rows * cols
    free = connected.copy()
    free[ground[0] * cols + ground[1]] = False  # the ground is at 0 V: not an unknown
    rhs = source.ravel()[free]
    if not np.any(rhs > 0):
        return None
    unknown = np.full(n_cells, -1)
    unknown[free] = np.arange(int(free.sum()))
    degree = np.bincount(cell_a, conductance, n_cells) + np.bincount(cell_b, conductance, n_cells)
    ia, ib = unknown[cell_a], unknown[cell_b]
    off = (ia >= 0) & (ib >= 0)
    diag = np.arange(rhs.size)
    laplacian = sp.csc_matrix(
        (
            np.concatenate([-conductance[off], -conductance[off], degree[free]]),
            (np.concatenate([ia[off], ib[off], diag]), np.concatenate([ib[off], ia[off], diag])),
        ),
        shape=(rhs.size, rhs.size),
    )
    voltages = np.zeros(n_cells)
    voltages[free] = LinearSolver(laplacian, solver).solve(rhs)
    currents = node_currents(np.column_stack([cell_a, cell_b]), conductance, voltages)
    return currents.reshape(rows, cols)


def omniscape(
    resistance: np.ndarray,
    source: np.ndarray,
    radius: int,
    block_size: int = 1,
    *,
    targets: tuple[np.ndarray, np.ndarray] | None = None,
    neighbours: int = 8,
    solver: str = "auto",
) -> OmniscapeResult:
    """Omniscape's moving-window current flow over a raster.

    Parameters
    ----------
    resistance : numpy.ndarray
        2-D cell resistances; NaN, ±inf and values ≤ 0 are impassable (no node).
    source : numpy.ndarray
        2-D source strengths ≥ 0 (e.g. habitat suitability); NaN counts as 0.
    radius : int
        Moving-window radius in cells (the circle ``dy² + dx² ≤ radius²``).
    block_size : int
        Odd edge of the target blocks in cells (Omniscape's ``block_size``).
    targets : tuple of numpy.ndarray, optional
        Rows and columns of the targets to compute (default: every block centre
        of ``resistance``'s grid, :func:`target_cells`).  A tile passes the
        centres it owns, in the coordinates of its halo-expanded array.
    neighbours : {4, 8}
        Cell connections (Circuitscape conventions, :func:`amurlink.connectivity.circuit.build_graph`).
    solver : {'auto', 'direct', 'cholmod', 'pardiso', 'superlu', 'cg+amg'}
        Linear solver per window (:class:`amurlink.connectivity.circuit.LinearSolver`);
        'auto' is the circuit engine's cost-model choice, as for ``circuit`` and
        ``pinchpoints``.

    Returns
    -------
    OmniscapeResult
        Cumulative current and flow potential, each the sum over targets.

    References
    ----------
    McRae, B. H. et al. (2016) Conserving Nature's Stage. The Nature Conservancy.
    Landau, V. A., Shah, V. B., Anantharaman, R. & Hall, K. R. (2021) Omniscape.jl:
    Software to compute omnidirectional landscape connectivity. *JOSS* 6:2829.
    """
    resistance = np.asarray(resistance, dtype=np.float64)
    if resistance.shape != np.shape(source):
        raise ValueError(f"source shape {np.shape(source)} != resistance {resistance.shape}")
    if radius < 1:
        raise ValueError(f"radius must be at least 1 cell, got {radius}")
    passable = np.isfinite(resistance) & (resistance > 0)
    strength = np.where(passable, np.nan_to_num(np.asarray(source, float), nan=0.0), 0.0)
    strength = np.maximum(strength, 0.0)
    uniform = np.where(passable, 1.0, np.nan)
    if targets is None:
        targets = target_cells(resistance.shape, block_size)
    circle = _circle(radius)
    cumulative = np.zeros(resistance.shape)
    potential = np.zeros(resistance.shape)
    n_done = 0
    progress = Progress("omniscape targets", len(targets[0]), log, every=30)
    for tr, tc in zip(*targets, strict=True):
        window = _target_window(strength, passable, (tr, tc), radius, block_size // 2, circle)
        if window is not None:
            win, inside, src, ground = window
            for landscape, out in ((resistance, cumulative), (uniform, potential)):
                clipped = np.where(inside, landscape[win], np.nan)
                current = _solve_window(clipped, src, ground, neighbours, solver)
                if current is not None:
                    out[win] += current
            n_done += 1
        progress.step()
    log.info("omniscape: %d targets solved in %.1f s", n_done, progress.elapsed)
    return OmniscapeResult(cumulative, potential, n_done)


def _target_window(
    strength: np.ndarray,
    passable: np.ndarray,
    target: tuple[int, int],
    radius: int,
    half: int,
    circle: np.ndarray,
) -> tuple[tuple[slice, slice], np.ndarray, np.ndarray, tuple[int, int]] | None:
    """The circuit of one target: its window, circle, source currents and ground.

    Returns ``(window slices, cells inside the circle, source current per cell,
    ground cell in the window)``, or None when the target carries no current (an
    impassable target, an empty block, or no source outside the block).
    """
    tr, tc = target
    rows, cols = strength.shape
    if not passable[tr, tc]:
        return None
    b = (slice(max(tr - half, 0), tr + half + 1), slice(max(tc - half, 0), tc + half + 1))
    amps = strength[b].sum()
    if amps <= 0:
        return None
    r0, r1 = max(tr - radius, 0), min(tr + radius + 1, rows)
    c0, c1 = max(tc - radius, 0), min(tc + radius + 1, cols)
    inside = circle[r0 - tr + radius : r1 - tr + radius, c0 - tc + radius : c1 - tc + radius]
    win = (slice(r0, r1), slice(c0, c1))
    src = np.where(inside, strength[win], 0.0)
    # Sources inside the target block feed the target itself: Omniscape drops them.
    src[b[0].start - r0 : tr + half + 1 - r0, b[1].start - c0 : tc + half + 1 - c0] = 0.0
    total = src.sum()
    if total <= 0:
        return None
    src *= amps / total
    return win, inside, src, (tr - r0, tc - c0)


def omniscape_tile(
    resistance: np.ndarray,
    source: np.ndarray,
    outer: Tile,
    tile: Tile,
    grid_shape: tuple[int, int],
    radius: int,
    block_size: int,
    **kwargs,
) -> OmniscapeResult:
    """Omniscape for the targets a tile owns, on the tile read with its halo.

    Parameters
    ----------
    resistance, source : numpy.ndarray
        The landscape over ``outer`` (the tile expanded by at least ``radius``
        cells, clipped to the grid: :meth:`amurlink.core.tiles.Tile.expand`).
    outer, tile : amurlink.core.tiles.Tile
        The halo-expanded window and the tile itself, in grid cells.
    grid_shape : tuple of int
        Shape of the whole grid (the targets are the whole grid's block centres).
    radius, block_size, **kwargs
        As for :func:`omniscape`.

    Returns
    -------
    OmniscapeResult
        Current maps over ``outer``; summing every tile's maps at their place
        gives the untiled result (up to floating-point summation order).
    """
    rows, cols = target_cells(
        grid_shape,
        block_size,
        rows=(tile.row0, tile.row0 + tile.height),
        cols=(tile.col0, tile.col0 + tile.width),
    )
    targets = (rows - outer.row0, cols - outer.col0)
    return omniscape(resistance, source, radius, block_size, targets=targets, **kwargs)


def radius_cells(radius_km: float, resolution: float) -> int:
    """Omniscape's window radius in whole cells: ``radius_km`` rounded up, at least one cell."""
    return max(1, math.ceil(radius_km * 1000 / resolution - 1e-9))


def coarse_inputs(
    resistance: np.ndarray, suitability: np.ndarray, factor: int
) -> tuple[np.ndarray, np.ndarray]:
    """Resistance and source strength on Omniscape's grid, ``factor`` times coarser.

    Both are block means (:func:`amurlink.core.tiles.coarsen_mean`: no data where
    more than half the block is); the source strength is the mean suitability,
    0 where it has no data but the resistance has, NaN where the resistance has none.
    """
    r = coarsen_mean(resistance, factor)
    s = coarsen_mean(suitability, factor)
    return r, np.where(np.isfinite(r), np.nan_to_num(s, nan=0.0), np.nan)


def mosaic_tiles(
    parts: Iterable[tuple[object, np.ndarray]], outside: np.ndarray
) -> OmniscapeResult:
    """Sum the tiles' current maps at their places on the whole grid.

    Parameters
    ----------
    parts : iterable of (window, numpy.ndarray)
        Each tile's place (a :class:`rasterio.windows.Window` of the grid) and its
        bands-first cumulative current and flow potential
        (:func:`amurlink.core.io.read_tiles`), read one at a time.
    outside : numpy.ndarray
        Boolean mask of the grid's no-data cells (no resistance), NaN in the maps.

    Returns
    -------
    OmniscapeResult
        The untiled maps (as :func:`omniscape_tile` documents); ``n_targets`` None.
    """
    cumulative = np.zeros(outside.shape)
    potential = np.zeros(outside.shape)
    for window, part in parts:
        where = window.toslices()
        cumulative[where] += part[0]
        potential[where] += part[1]
    cumulative[outside] = np.nan
    potential[outside] = np.nan
    return OmniscapeResult(cumulative, potential)
