"""Background points for presence-background models, with sampling-bias correction.

The default is **target-group background** (Phillips et al. 2009, Ecol Appl
19:181): background drawn with the same spatial bias as the presences, namely
proportional to a kernel density of all sightings of all species recorded by
the same surveys (and optionally the camera-trap stations).  Sightings of big
cats cluster where people look -- along roads, around ranger stations, in
camera-trap grids -- and a model fitted against uniform background learns that
survey effort as if it were habitat.  Drawing background with the same bias
cancels it, to the extent that the target group shares the focal species' bias.
This was the most effective correction in Phillips et al.'s 2009 comparison,
hence the default (config ``habitat.bias: target_group``); ``none`` gives
uniform background over the accessible area.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd
from scipy import ndimage

from amurlink.core.errors import InputError
from amurlink.core.grid import Grid
from amurlink.habitat import sightings


def scott_bandwidth(x, y) -> float:
    """Scott's rule bandwidth for a 2-D Gaussian kernel: σ̄ · n^(−1/6)."""
    x = np.asarray(x, float)
    y = np.asarray(y, float)
    n = len(x)
    if n < 2:
        return math.nan
    sd = 0.5 * (np.std(x, ddof=1) + np.std(y, ddof=1))
    return float(sd * n ** (-1 / 6))


def sighting_density(
    grid: Grid,
    x,
    y,
    valid_mask: np.ndarray,
    bandwidth_m: float | None = None,
) -> np.ndarray:
    """Gaussian kernel density of points on the grid, normalised to sum to 1 over valid cells.

    Points are counted per cell and smoothed with a Gaussian of standard
    deviation ``bandwidth_m`` (default Scott's rule, at least one cell).  Points
    off the grid are ignored; the density is 0 outside ``valid_mask``.
    """
    valid = np.asarray(valid_mask, bool)
    x = np.asarray(x, float)
    y = np.asarray(y, float)
    inside = grid.contains(x, y)
    row, col = grid.rowcol(x[inside], y[inside])
    counts = np.zeros(grid.shape, np.float64)
    np.add.at(counts, (row, col), 1.0)
    if bandwidth_m is None or not np.isfinite(bandwidth_m):
        bandwidth_m = scott_bandwidth(x[inside], y[inside])
    if not np.isfinite(bandwidth_m):
        bandwidth_m = grid.resolution
    sigma = max(bandwidth_m / grid.resolution, 1.0)
    dens = ndimage.gaussian_filter(counts, sigma=sigma, mode="constant", truncate=4.0)
    dens = np.where(valid, np.clip(dens, 0.0, None), 0.0)
    total = dens.sum()
    return dens / total if total > 0 else dens


def block_factor(sigma_cells: float) -> int:
    """Cells per block edge over which a Gaussian density of ``sigma_cells`` is taken as flat.

    Blocks of σ/4: across one the density changes by a factor of at most
    exp(σ/4 · |x|/σ²) ≈ e^{0.125 z} at z standard deviations from a sighting,
    small next to the kernel's own uncertainty.  Narrow kernels (σ < 8 cells)
    are evaluated cell by cell.
    """
    return max(1, int(sigma_cells // 4)) if sigma_cells >= 8 else 1


def _sample_by_blocks(grid, valid, n_points, rng, factor, target, floor_fraction):
    """Background drawn block by block: memory and time linear in the cells.

    A block's weight is its valid cells × (kernel density of the target group at
    the block, smoothed on the block grid, + the floor); ``n_points`` blocks are
    drawn with replacement by weight, then as many distinct valid cells within
    each block, uniformly (the density is flat within a block, see
    :func:`block_factor`).  Blocks drawn more often than they have cells pass the
    surplus on to the others.  Equivalent to the cell-by-cell draw of
    :func:`sample_background` up to the block discretisation; no array of the
    grid's size is made but the mask itself.
    """
    rows, cols = valid.shape
    pr, pc = -rows % factor, -cols % factor
    padded = np.pad(valid, ((0, pr), (0, pc)))
    br, bc = padded.shape[0] // factor, padded.shape[1] // factor
    n_valid = padded.reshape(br, factor, bc, factor).sum(axis=(1, 3)).ravel()
    if target is None:
        weight = n_valid.astype(float)
    else:
        tx, ty, bandwidth_m = target
        inside = grid.contains(tx, ty)
        r, c = grid.rowcol(tx[inside], ty[inside])
        counts = np.zeros((br, bc))
        np.add.at(counts, (np.asarray(r) // factor, np.asarray(c) // factor), 1.0)
        dens = ndimage.gaussian_filter(
            counts, sigma=bandwidth_m / (grid.resolution * factor), mode="constant", truncate=4.0
        ).ravel()
        dens = np.clip(dens, 0.0, None) * (n_valid > 0)
        per_cell = dens / max(n_valid[n_valid > 0].size, 1)
        mean_cell = (per_cell * n_valid).sum() / n_valid.sum()
        weight = n_valid * (per_cell + floor_fraction * mean_cell)
    taken = np.zeros(len(n_valid), np.int64)
    order: dict[int, np.ndarray] = {}  # a visited block's cells in a random order
    chosen: list[np.ndarray] = []
    while taken.sum() < n_points:
        open_weight = np.where(taken < n_valid, weight, 0.0)
        need = n_points - int(taken.sum())
        draws = np.bincount(
            rng.choice(len(weight), size=need, p=open_weight / open_weight.sum()),
            minlength=len(weight),
        )
        for b in np.flatnonzero(draws):
            r0, c0 = (b // bc) * factor, (b % bc) * factor
            width = min(factor, cols - c0)
            if b not in order:
                local = np.flatnonzero(valid[r0 : r0 + factor, c0 : c0 + width])
                order[b] = rng.permutation(local)
            k = min(int(draws[b]), int(n_valid[b] - taken[b]))
            picked = order[b][taken[b] : taken[b] + k]
            chosen.append((r0 + picked // width) * cols + c0 + picked % width)
            taken[b] += k
    cells = np.sort(np.concatenate(chosen))
    row, col = np.divmod(cells, cols)
    x, y = grid.cell_centres(row, col)
    return pd.DataFrame({"x": x, "y": y, "row": row.astype(np.int64),
                         "col": col.astype(np.int64), "weight": np.ones(len(cells))})  # fmt: skip


def _weighted_sample_without_replacement(
    weights: np.ndarray, n: int, rng: np.random.Generator
) -> np.ndarray:
    """Efraimidis & Spirakis (2006) A-ES: top ``n`` keys log(u)/w; O(N) for N candidates."""
    w = np.asarray(weights, float)
    keys = np.full(w.shape, -np.inf)
    pos = w > 0
    u = rng.random(int(pos.sum()))
    keys[pos] = np.log(u) / w[pos]
    n = min(n, int(pos.sum()))
    idx = np.argpartition(-keys, n - 1)[:n] if n > 0 else np.array([], np.int64)
    return np.sort(idx)


def sample_background(
    grid: Grid,
    valid_mask: np.ndarray,
    n_points: int,
    seed: int,
    bias: str = "target_group",
    target_x=None,
    target_y=None,
    bandwidth_m: float | None = None,
    floor_fraction: float = 0.01,
) -> pd.DataFrame:
    """Draw background points at cell centres of valid cells, without replacement.

    Parameters
    ----------
    grid : Grid
    valid_mask : bool array, grid.shape
        The accessible area: cells where every covariate has data.
    n_points : int
        Number of points (MaxEnt's default is 10,000).  When it reaches the number
        of valid cells every valid cell is used once, weighted by the bias surface.
    seed : int
    bias : {"target_group", "none"}
        ``target_group``: probability ∝ kernel density of ``target_x, target_y``
        (all sightings of all species; Phillips et al. 2009) plus a floor of
        ``floor_fraction`` × the mean density, so no accessible cell is impossible.
        ``none``: uniform.
    target_x, target_y : array-like
        Target-group locations in the grid CRS.
    bandwidth_m : float, optional
        Kernel standard deviation; default Scott's rule.

    Returns
    -------
    DataFrame
        x, y, row, col, weight.  ``weight`` is the weight to give each point in the
        fit: 1 for a sample drawn from the bias surface.
    """
    valid = np.asarray(valid_mask, bool)
    if valid.shape != grid.shape:
        raise ValueError(f"valid_mask shape {valid.shape} does not match grid {grid.shape}")
    if bias not in ("none", "target_group"):
        raise ValueError(f"bias must be 'none' or 'target_group', got {bias!r}")
    target = None
    if bias == "target_group":
        if target_x is None or len(np.asarray(target_x)) == 0:
            raise ValueError("target_group background needs target-group sightings")
        target = _target_group(grid, target_x, target_y, bandwidth_m)
    factor = block_factor(target[2] / grid.resolution) if target is not None else 1
    rng = np.random.default_rng(seed)
    if factor > 1 and n_points < valid.sum():
        return _sample_by_blocks(grid, valid, n_points, rng, factor, target, floor_fraction)
    return _sample_by_cells(grid, valid, n_points, rng, target, floor_fraction)


def _target_group(grid: Grid, target_x, target_y, bandwidth_m: float | None):
    """``(x, y, bandwidth)`` of the target group; the bandwidth by default Scott's rule.

    Scott's rule over the points on the grid, or one cell where it is undefined
    (fewer than two points).
    """
    tx, ty = np.asarray(target_x, float), np.asarray(target_y, float)
    inside = grid.contains(tx, ty)
    if bandwidth_m is None or not np.isfinite(bandwidth_m):
        bandwidth_m = scott_bandwidth(tx[inside], ty[inside])
    if not np.isfinite(bandwidth_m):
        bandwidth_m = grid.resolution
    return tx, ty, bandwidth_m


def _sample_by_cells(grid, valid, n_points, rng, target, floor_fraction) -> pd.DataFrame:
    """Background drawn cell by cell (A-ES weighted sampling without replacement).

    Probability uniform (``target`` None), or ∝ the target group's kernel density
    plus ``floor_fraction`` × its mean; every valid cell, weighted by it, when
    ``n_points`` reaches the number of valid cells.
    """
    flat_valid = np.flatnonzero(valid.ravel())
    if len(flat_valid) == 0:
        raise ValueError("no valid cells to sample background from")
    if target is None:
        prob = np.full(len(flat_valid), 1.0 / len(flat_valid))
    else:
        tx, ty, bandwidth_m = target
        dens = sighting_density(grid, tx, ty, valid, bandwidth_m).ravel()[flat_valid]
        dens = dens + floor_fraction * dens.mean()
        prob = dens / dens.sum()
    if n_points >= len(flat_valid):
        chosen = np.arange(len(flat_valid))
        weight = prob * len(flat_valid)
    else:
        chosen = _weighted_sample_without_replacement(prob, n_points, rng)
        weight = np.ones(len(chosen))
    cells = flat_valid[chosen]
    row, col = np.divmod(cells, grid.width)
    x, y = grid.cell_centres(row, col)
    return pd.DataFrame(
        {"x": x, "y": y, "row": row.astype(np.int64), "col": col.astype(np.int64), "weight": weight}
    )


def species_background(
    grid: Grid,
    valid_mask: np.ndarray,
    *,
    bias: str,
    n_points: int,
    seed: int,
    records: pd.DataFrame | None = None,
    stations: pd.DataFrame | None = None,
    filters: dict | None = None,
    source: str = "sightings",
    log: Callable[[str], None] | None = None,
) -> pd.DataFrame:
    """Background points of the habitat stage (rule ``background``).

    With ``bias="target_group"`` the target group is every sighting in
    ``records`` (and every station with effort) that passes config ``sightings``
    ``filters`` and lies in the study area (:func:`sightings.target_group_points`);
    none there is an :class:`InputError` naming ``source``, the sightings file.
    The points are :func:`sample_background`'s.
    """
    target_x = target_y = None
    if bias == "target_group":
        filters = filters or {}
        group = sightings.target_group_points(
            records,
            grid,
            valid_mask,
            max_uncertainty_m=filters.get("max_uncertainty_m"),
            date_min=filters.get("date_min"),
            date_max=filters.get("date_max"),
            stations=stations,
            drop_basis=filters.get("drop_basis_of_record", sightings.DROP_BASIS),
            drop_generalised=filters.get("drop_generalised", True),
        )
        if group.empty:
            raise InputError(
                f"{source}: no sightings of any species inside the study area "
                "for the target-group background; set habitat.bias: none"
            )
        if log is not None:
            log(f"target group: {group['kind'].value_counts().to_dict()}")
        target_x, target_y = group["x"].to_numpy(), group["y"].to_numpy()
    return sample_background(
        grid, valid_mask, n_points=n_points, seed=seed, bias=bias,
        target_x=target_x, target_y=target_y,
    )  # fmt: skip


def target_group_sites(records: pd.DataFrame, columns: Sequence[str]) -> pd.DataFrame:
    """Target-group background of samples-with-data tables: the records' distinct sites.

    Phillips et al. (2009, *Ecol. Appl.* 19:181) in its original form: the
    background of a species is the set of sites where any species of its target
    group (taxa recorded by the same surveys, with the same bias) was recorded,
    each site once.  :func:`sample_background` is the raster form, drawing cells
    by a kernel density of those sites; with SWD tables the sites themselves
    are the sample, as in Valavi et al.'s (2023, *Glob. Ecol. Biogeogr.*
    32:369) NCEAS models.  ``records`` holds ``x, y`` and ``columns``; a site
    is an ``(x, y)`` pair and keeps its first record's values.
    """
    sites = records.drop_duplicates(["x", "y"])
    return sites[["x", "y", *columns]].reset_index(drop=True)
