"""Circuit theory on raster landscapes, numerically compatible with Circuitscape.

Cells are nodes of an electrical network and neighbouring cells are joined by
resistors (McRae et al. 2008, *Ecology* 89:2712).  The conventions follow
Circuitscape.jl (Anantharaman et al. 2020, *JuliaCon Proceedings*) so that a
Circuitscape run can be reproduced:

* a cell is a node when its resistance (or conductance) is finite and > 0;
  no-data, NaN, ±inf, zero and negative cells are not nodes;
* 4 or 8 neighbours; the conductance of an edge is ``1 / ((r_i + r_j) / 2)``
  (average resistance) or ``(c_i + c_j) / 2`` (average conductance), and
  diagonal edges are divided by √2; the cell size is not used;
* all cells of a focal region are shorted into one node; parallel edges
  between merged nodes add, edges inside a region vanish;
* the node current of a cell is Circuitscape's: the larger of the total
  inflow and the total outflow through the node's branches and finite
  ground (``get_node_currents`` in Circuitscape.jl ``src/out.jl``), with a
  branch current zeroed when it is below 1e-8 of the largest branch current.
  Injected source current is not counted; by Kirchhoff's current law, for
  non-negative sources this equals ``(Σ|I_branch| + |I_source| + |I_ground|) / 2``.
  Every cell of a shorted region shows its region node's current.

Linear systems are solved grounded at one node per connected component, with
a sparse Cholesky factorisation (CHOLMOD when installed, else MKL PARDISO or
SuperLU) or conjugate gradients preconditioned by smoothed-aggregation
algebraic multigrid (pyamg), relative tolerance 1e-6 as in Circuitscape.jl.
The factorisation or the AMG hierarchy is built once and reused for every
right-hand side; ``solver='auto'`` picks one with a measured cost model
(:func:`plan_solver`: nodes, estimated fill and memory, right-hand sides).
Circuitscape's per-pair shorting of focal regions is solved from one
factorisation of the unshorted graph (:func:`_pairwise_reduced`).  When neither a
factor nor pyamg's hierarchy fits in memory, ``solver='cg+amg-lean'`` (also the
cost model's last resort) runs pairwise resistances with all regions shorted in
about 240 bytes a cell: the Laplacian straight from the raster into CSR
(:func:`laplacian_from_raster`), smoothed aggregation on 3 × 3 raster blocks
(:class:`LeanMultigrid`) and conjugate gradients with four work vectors
(:func:`conjugate_gradients`); see :func:`_pairwise_lean`.

Pairwise effective resistances need only k − 1 solves for k focal nodes in a
component: ground focal node g and solve ``L_g x_a = e_a`` for every other a.
Unit current injected at a and withdrawn at b gives, by superposition,
``v = x_a − x_b`` (up to a constant), so ``R_ab = X_aa + X_bb − 2 X_ab``
(``X`` the grounded Green's function restricted to the focal nodes; x_g = 0).
"""

from __future__ import annotations

import itertools
import logging
import math
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components
from scipy.sparse.linalg import cg, splu

from amurlink.connectivity.progress import Progress

log = logging.getLogger(__name__)

Solver = Literal["auto", "direct", "cholmod", "pardiso", "superlu", "cg+amg", "cg+amg-lean"]
Average = Literal["resistance", "conductance"]

#: Relative residual tolerance of conjugate gradients (Circuitscape.jl uses 1e-6).
CG_RTOL = 1e-6
#: A solution is rejected when its relative residual exceeds this.
RESIDUAL_LIMIT = 10 * CG_RTOL
#: Branch currents below this fraction of the largest are zeroed (Circuitscape.jl).
BRANCH_CURRENT_CUTOFF = 1e-8
#: Effective resistance of a disconnected pair (Circuitscape convention).
DISCONNECTED = -1.0
#: Seed of pyamg's random start vectors, so that CG+AMG solves repeat bit for bit.
AMG_SEED = 20261202


class SolverError(RuntimeError):
    """A linear solve did not reach the required residual."""


# --------------------------------------------------------------------------- graph
@dataclass
class CircuitGraph:
    """A raster as a resistor network.

    Attributes
    ----------
    shape : tuple of int
        Raster shape (rows, cols).
    node_of_cell : numpy.ndarray
        int64 array of ``shape``: node index of each cell, −1 where the cell is no node.
    laplacian : scipy.sparse.csr_matrix
        Weighted graph Laplacian ``D − A`` (n_nodes × n_nodes).
    edges : numpy.ndarray
        (m, 2) int64, node pairs ``i < j`` of every edge (parallel edges merged).
    conductances : numpy.ndarray
        (m,) float64 conductance of each edge.
    component : numpy.ndarray
        (n_nodes,) connected-component label of each node.
    """

    shape: tuple[int, int]
    node_of_cell: np.ndarray
    laplacian: sp.csr_matrix
    edges: np.ndarray
    conductances: np.ndarray
    component: np.ndarray

    @property
    def n_nodes(self) -> int:
        return self.laplacian.shape[0]

    @property
    def n_components(self) -> int:
        return int(self.component.max()) + 1 if self.component.size else 0

    def to_raster(self, node_values: np.ndarray, fill: float = np.nan) -> np.ndarray:
        """Spread per-node values over the cells (``fill`` where a cell is no node)."""
        out = np.full(self.shape, fill, dtype=np.float64)
        is_node = self.node_of_cell >= 0
        out[is_node] = np.asarray(node_values, dtype=np.float64)[self.node_of_cell[is_node]]
        return out


@dataclass
class _CellEdges:
    """Cell-level edges before focal regions are merged (reused across pairs)."""

    shape: tuple[int, int]
    valid: np.ndarray  # bool (rows, cols)
    cell_a: np.ndarray  # flat cell indices
    cell_b: np.ndarray
    conductance: np.ndarray


def _cell_conductance(values: np.ndarray, is_conductance: bool) -> tuple[np.ndarray, np.ndarray]:
    values = np.asarray(values, dtype=np.float64)
    if values.ndim != 2:
        raise ValueError(f"expected a 2-D raster, got shape {values.shape}")
    with np.errstate(divide="ignore", invalid="ignore"):
        valid = np.isfinite(values) & (values > 0)
        conductance = np.where(valid, values if is_conductance else 1.0 / values, 0.0)
    return valid, conductance


def _cell_edges(
    values: np.ndarray,
    neighbours: int = 8,
    avg: Average = "resistance",
    is_conductance: bool = False,
) -> _CellEdges:
    if neighbours not in (4, 8):
        raise ValueError(f"neighbours must be 4 or 8, got {neighbours}")
    if avg not in ("resistance", "conductance"):
        raise ValueError(f"avg must be 'resistance' or 'conductance', got {avg!r}")
    valid, cond = _cell_conductance(values, is_conductance)
    rows, cols = valid.shape
    flat = np.arange(rows * cols, dtype=np.int64).reshape(rows, cols)
    offsets = [(0, 1, 1.0), (1, 0, 1.0)]
    if neighbours == 8:
        offsets += [(1, 1, math.sqrt(2.0)), (1, -1, math.sqrt(2.0))]
    parts_a, parts_b, parts_g = [], [], []
    for dr, dc, divisor in offsets:
        sa = (slice(0, rows - dr), slice(max(0, -dc), cols - max(0, dc)))
        sb = (slice(dr, rows), slice(max(0, dc), cols - max(0, -dc)))
        both = valid[sa] & valid[sb]
        ca, cb = cond[sa][both], cond[sb][both]
        if avg == "resistance":
            g = 1.0 / ((1.0 / ca + 1.0 / cb) / 2.0)
        else:
            g = (ca + cb) / 2.0
        parts_a.append(flat[sa][both])
        parts_b.append(flat[sb][both])
        parts_g.append(g / divisor)
    return _CellEdges(
        (rows, cols),
        valid,
        np.concatenate(parts_a),
        np.concatenate(parts_b),
        np.concatenate(parts_g),
    )


def cell_edge_conductances(
    values: np.ndarray, neighbours: int = 8, avg: Average = "resistance"
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every cell-to-cell edge of a raster and its conductance, as :func:`build_graph` makes them.

    Returns
    -------
    cell_a, cell_b : numpy.ndarray
        Flat indices (row-major) of the two cells of each edge.
    conductance : numpy.ndarray
        The edge's conductance (Circuitscape's average and √2 diagonal rule).
    """
    cells = _cell_edges(values, neighbours, avg)
    return cells.cell_a, cells.cell_b, cells.conductance


def _assemble(cells: _CellEdges, regions: np.ndarray | None) -> CircuitGraph:
    """Number the nodes (merging each region into one node) and build the Laplacian."""
    rows, cols = cells.shape
    key = np.arange(rows * cols, dtype=np.int64).reshape(rows, cols)
    if regions is not None:
        regions = np.asarray(regions)
        in_region = (regions > 0) & cells.valid
        # Negative keys cannot collide with flat cell indices.
        key = np.where(in_region, -regions.astype(np.int64), key)
    node_of_cell = np.full((rows, cols), -1, dtype=np.int64)
    _, node_ids = np.unique(key[cells.valid], return_inverse=True)
    node_of_cell[cells.valid] = node_ids.ravel()
    n = int(node_ids.max()) + 1 if node_ids.size else 0
    if regions is not None:
        _spread_region_nodes(node_of_cell, regions, cells.valid)
    flat_nodes = node_of_cell.ravel()
    ni, nj = flat_nodes[cells.cell_a], flat_nodes[cells.cell_b]
    keep = ni != nj  # edges inside a shorted region disappear
    lo = np.minimum(ni[keep], nj[keep])
    hi = np.maximum(ni[keep], nj[keep])
    upper = sp.coo_matrix((cells.conductance[keep], (lo, hi)), shape=(n, n)).tocsr()
    upper.sum_duplicates()  # parallel edges between merged nodes add
    coo = upper.tocoo()
    edges = np.column_stack([coo.row, coo.col]).astype(np.int64)
    adjacency = upper + upper.T
    degree = np.asarray(adjacency.sum(axis=1)).ravel()
    laplacian = (sp.diags(degree) - adjacency).tocsr()
    _, component = connected_components(adjacency, directed=False)
    return CircuitGraph((rows, cols), node_of_cell, laplacian, edges, coo.data.copy(), component)


def _spread_region_nodes(node_of_cell: np.ndarray, regions: np.ndarray, valid: np.ndarray) -> None:
    """Give a region's no-data cells the region's node (in place), as Circuitscape does.

    Circuitscape.jl's ``construct_node_map`` (``src/raster/pairwise.jl``) sets every
    cell of a polygon or focal region, valid or not, to the node of its first valid
    cell, so its maps show the region's voltage and current there.  These cells
    join no edges here; a region without valid cells stays no node.
    """
    spread = (regions > 0) & ~valid
    inside = (regions > 0) & valid
    if not spread.any() or not inside.any():
        return
    region_ids, first = np.unique(regions[inside], return_index=True)
    region_nodes = node_of_cell[inside][first]
    labels = regions[spread]
    pos = np.minimum(np.searchsorted(region_ids, labels), len(region_ids) - 1)
    node_of_cell[spread] = np.where(region_ids[pos] == labels, region_nodes[pos], -1)


def short_regions(focal: np.ndarray, polygons: np.ndarray | None) -> np.ndarray:
    """One label raster for focal regions and short-circuit polygons (0 = none).

    Every polygon is shorted; a focal region and the polygons it touches become
    one region (Circuitscape.jl ``create_new_polymap``, ``src/raster/pairwise.jl``).
    Labels are arbitrary positive integers; use the focal raster to find a focal
    ID's node.
    """
    focal = np.asarray(focal)
    if polygons is None:
        return focal
    polygons = np.where(np.isfinite(polygons) & (polygons > 0), polygons, 0).astype(np.int64)
    offset = int(polygons.max()) if polygons.size else 0
    labels = np.where(polygons > 0, polygons, np.where(focal > 0, focal + offset, 0))
    parent: dict[int, int] = {}

    def root(x: int) -> int:
        while parent.get(x, x) != x:
            x = parent[x]
        return x

    for focal_id in np.unique(focal[focal > 0]):
        at = focal == focal_id
        touched = {int(v) for v in np.unique(labels[at])} | {int(focal_id) + offset}
        roots = sorted({root(v) for v in touched})
        for r in roots[1:]:
            parent[r] = roots[0]
    if parent:
        flat = np.unique(labels[labels > 0])
        mapped = np.array([root(int(v)) for v in flat])
        labels = np.where(labels > 0, mapped[np.searchsorted(flat, labels)], 0)
    return labels.astype(np.int64)


def build_graph(
    resistance: np.ndarray,
    neighbours: int = 8,
    avg: Average = "resistance",
    *,
    is_conductance: bool = False,
    regions: np.ndarray | None = None,
) -> CircuitGraph:
    """Build the resistor network of a raster (Circuitscape conventions).

    Parameters
    ----------
    resistance : numpy.ndarray
        2-D cell resistances (or conductances when ``is_conductance``).  Cells
        that are NaN, ±inf, zero or negative are not nodes.
    neighbours : {4, 8}
        Connection scheme; diagonal conductances are divided by √2.
    avg : {'resistance', 'conductance'}
        Edge conductance ``1/((r_i + r_j)/2)`` or ``(c_i + c_j)/2``.
    is_conductance : bool
        ``resistance`` holds conductances (Circuitscape's
        ``habitat_map_is_resistances = False``).
    regions : numpy.ndarray, optional
        Integer raster of focal-region IDs (0 or less = none); the valid cells
        of each region are shorted into one node.

    Returns
    -------
    CircuitGraph

    References
    ----------
    McRae, B. H., Dickson, B. G., Keitt, T. H. & Shah, V. B. (2008). Using circuit
    theory to model connectivity in ecology, evolution, and conservation.
    *Ecology* 89:2712–2724.
    """
    cells = _cell_edges(resistance, neighbours, avg, is_conductance)
    if regions is not None and np.shape(regions) != cells.shape:
        raise ValueError(f"regions shape {np.shape(regions)} != raster shape {cells.shape}")
    return _assemble(cells, regions)


# ------------------------------------------------------------ lean graph builder
def _stencil(neighbours: int) -> list[tuple[int, int, float]]:
    """Neighbour offsets ``(dr, dc, divisor)`` in row-major order, the cell itself included.

    Row-major order is the order of the neighbours' node numbers (cells are numbered
    row by row), so a Laplacian row filled slot by slot is already sorted by column
    wherever no shorted region is involved.
    """
    diagonal = math.sqrt(2.0)
    if neighbours == 4:
        return [(-1, 0, 1.0), (0, -1, 1.0), (0, 0, 0.0), (0, 1, 1.0), (1, 0, 1.0)]
    return [(dr, dc, diagonal if dr and dc else 1.0) for dr in (-1, 0, 1) for dc in (-1, 0, 1)]


def _lean_node_map(
    valid: np.ndarray, regions: np.ndarray | None
) -> tuple[np.ndarray, int, np.ndarray, np.ndarray]:
    """:func:`_assemble`'s node numbering, and each node cell's row in a slot table.

    Returns ``node_of_cell`` (32-bit where the grid allows), the number of nodes,
    ``slot_row`` (per cell: its row in a table of one row per node cell, ordered by
    node) and the first table row of every node (``n + 1`` entries).
    """
    shape = valid.shape
    index = np.int32 if valid.size < 2**31 - 1 else np.int64
    in_region = np.zeros(shape, bool) if regions is None else (np.asarray(regions) > 0) & valid
    plain = valid & ~in_region
    n_plain = int(np.count_nonzero(plain))
    labels = np.unique(regions[in_region]) if in_region.any() else np.zeros(0, np.int64)
    n_regions = len(labels)
    node_of_cell = np.full(shape, -1, dtype=index)
    # _assemble keys a region's cells by −label and a cell by its flat index, and
    # numbers the sorted keys: regions first, the largest label first, then the cells.
    node_of_cell[plain] = np.arange(n_regions, n_regions + n_plain, dtype=index)
    slot_row = np.full(shape, -1, dtype=index)
    region_cells = 0
    first = np.zeros(n_regions + n_plain + 1, dtype=np.int64)
    if n_regions:
        region_node = (n_regions - 1 - np.searchsorted(labels, regions[in_region])).astype(index)
        node_of_cell[in_region] = region_node
        order = np.argsort(region_node, kind="stable")
        rank = np.empty(order.size, dtype=index)
        rank[order] = np.arange(order.size, dtype=index)
        slot_row[in_region] = rank
        region_cells = order.size
        first[1 : n_regions + 1] = np.cumsum(np.bincount(region_node, minlength=n_regions))
    slot_row[plain] = np.arange(region_cells, region_cells + n_plain, dtype=index)
    first[n_regions + 1 :] = region_cells + np.arange(1, n_plain + 1)
    return node_of_cell, n_regions + n_plain, slot_row, first


def laplacian_from_raster(
    resistance: np.ndarray,
    neighbours: int = 8,
    avg: Average = "resistance",
    *,
    is_conductance: bool = False,
    regions: np.ndarray | None = None,
    valid: np.ndarray | None = None,
) -> tuple[np.ndarray, sp.csr_matrix]:
    """:func:`build_graph`'s node map and Laplacian, written straight into CSR.

    The same network as :func:`build_graph` (same node numbers, same matrix:
    bit for bit where no region is shorted, to rounding in a shorted region's
    row and its neighbours', whose sums run in another order), without the edge
    list, its conductances or a COO matrix.  Every node cell gets a row of
    ``neighbours + 1`` slots (its neighbours' nodes and conductances, one
    direction at a time, and its own node with the sum of its conductances);
    slots of missing neighbours point at the cell's own node with 0.  A node's
    row is the slots of its cells; sorting each row and adding duplicates (in
    place) merges a shorted region's parallel edges and drops the empty slots.
    It peaks at about 180 bytes per cell, the matrix alone being 112 (9 entries
    a row, 32-bit indices), where :func:`build_graph` peaks at about 720.

    Parameters
    ----------
    resistance, neighbours, avg, is_conductance, regions
        As :func:`build_graph`'s.
    valid : numpy.ndarray, optional
        Boolean raster: only these cells may be nodes (for example the cells of
        the components that matter), on top of :func:`build_graph`'s rule.

    Returns
    -------
    node_of_cell : numpy.ndarray
        Node of each cell (−1: no node), int32 when the grid has fewer than 2³¹ cells.
    laplacian : scipy.sparse.csr_matrix
        ``D − A``, 32-bit indices when they fit, sorted and without explicit zeros.

    References
    ----------
    McRae, B. H., Dickson, B. G., Keitt, T. H. & Shah, V. B. (2008). Using circuit
    theory to model connectivity in ecology, evolution, and conservation.
    *Ecology* 89:2712–2724.  Saad, Y. (2003). *Iterative Methods for Sparse
    Linear Systems*, 2nd ed., SIAM, §3.4 (the CSR format).
    """
    if neighbours not in (4, 8):
        raise ValueError(f"neighbours must be 4 or 8, got {neighbours}")
    if avg not in ("resistance", "conductance"):
        raise ValueError(f"avg must be 'resistance' or 'conductance', got {avg!r}")
    is_node, cond = _cell_conductance(resistance, is_conductance)
    if valid is not None:
        is_node &= np.asarray(valid, dtype=bool)
    if regions is not None and np.shape(regions) != is_node.shape:
        raise ValueError(f"regions shape {np.shape(regions)} != raster shape {is_node.shape}")
    node_of_cell, n, slot_row, first = _lean_node_map(is_node, regions)
    del is_node
    rows, cols = node_of_cell.shape
    stencil = _stencil(neighbours)
    n_slots = len(stencil)
    n_cells = int(first[-1])
    index = node_of_cell.dtype
    own = np.empty(n_cells, dtype=index)
    at = slot_row >= 0
    own[slot_row[at]] = node_of_cell[at]
    del at
    indices = np.empty((n_cells, n_slots), dtype=index)
    indices[:] = own[:, None]
    del own
    data = np.zeros((n_cells, n_slots))
    degree = np.zeros(n_cells)
    centre = 0
    for slot, (dr, dc, divisor) in enumerate(stencil):
        if dr == dc == 0:
            centre = slot
            continue
        here = (slice(max(0, -dr), rows - max(0, dr)), slice(max(0, -dc), cols - max(0, dc)))
        there = (slice(max(0, dr), rows - max(0, -dr)), slice(max(0, dc), cols - max(0, -dc)))
        node_a, node_b = node_of_cell[here], node_of_cell[there]
        # An edge inside a shorted region vanishes (both ends are one node).
        both = (node_a >= 0) & (node_b >= 0) & (node_a != node_b)
        ca, cb = cond[here][both], cond[there][both]
        # _cell_edges' expressions, symmetric in a and b, so the same bits either way.
        g = 1.0 / ((1.0 / ca + 1.0 / cb) / 2.0) if avg == "resistance" else (ca + cb) / 2.0
        g = g / divisor
        del ca, cb
        row = slot_row[here][both]
        data[row, slot] = -g
        indices[row, slot] = node_b[both]
        # Slot order is column order, so the degree adds up as build_graph's row sum.
        degree[row] += g
        del g, row, both
    data[:, centre] = degree
    del degree, slot_row, cond
    indptr = (first * n_slots).astype(index if first[-1] * n_slots < 2**31 - 1 else np.int64)
    laplacian = sp.csr_matrix((data.ravel(), indices.ravel(), indptr), shape=(n, n))
    del data, indices
    laplacian.sum_duplicates()  # in place: merges parallel edges and the empty slots
    laplacian.eliminate_zeros()  # in place
    _degree_as_row_sums(laplacian)
    if regions is not None:
        _spread_region_nodes(node_of_cell, np.asarray(regions), node_of_cell >= 0)
    return node_of_cell, laplacian


def _degree_as_row_sums(laplacian: sp.csr_matrix, rows_per_chunk: int = 1 << 16) -> None:
    """Set the diagonal to minus the sum of each row's other entries, in place.

    :func:`build_graph` takes the degree as the adjacency matrix's row sums
    (``np.add.reduceat`` over each row's entries in column order); adding the
    same numbers in the same order here gives the same bits.  Rows go a chunk at
    a time so that the work arrays stay small.
    """
    indptr, indices, data = laplacian.indptr, laplacian.indices, laplacian.data
    n = laplacian.shape[0]
    for start in range(0, n, rows_per_chunk):
        stop = min(n, start + rows_per_chunk)
        lo, hi = int(indptr[start]), int(indptr[stop])
        lengths = np.diff(indptr[start : stop + 1])
        row = np.repeat(np.arange(start, stop, dtype=indices.dtype), lengths)
        on_diagonal = indices[lo:hi] == row
        off = np.flatnonzero(~on_diagonal)
        counts = lengths - np.bincount(row[on_diagonal] - start, minlength=stop - start)
        starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
        has = counts > 0
        degree = np.zeros(stop - start)
        if off.size:
            sums = np.add.reduceat(-data[lo:hi][off], starts[has])
            degree[has] = sums
        chunk = data[lo:hi]
        chunk[on_diagonal] = degree[row[on_diagonal] - start]


# -------------------------------------------------------------------------- solver
#: Relative cost constants of the solver cost model (:func:`plan_solver`), fitted
#: on this project's 8-neighbour test grids (bench/circuit.py, bench/RESULTS.md):
#: seconds per unit of work.  Only their ratios matter for the choice.
COST = {
    "factor": 1.0e-8,  # direct factorisation, per n^1.5 (nested-dissection flops of a planar graph)
    "solve": 3.0e-9,  # one direct solve, per stored factor entry
    "amg_setup": 8.0e-7,  # pyamg smoothed-aggregation set-up, per matrix entry
    "cg": 6.0e-7,  # one preconditioned CG solve (rtol 1e-6), per matrix entry
    "lean_setup": 2.7e-7,  # LeanMultigrid set-up on 3 × 3 raster blocks, per matrix entry
    "lean_cg": 5.2e-7,  # one CG solve preconditioned by it (rtol 1e-6), per matrix entry
}
#: Estimated factor entries per ``n · log2 n · (nnz / n)`` (measured with CHOLMOD on
#: 8-neighbour grids of 0.1 to 1 M nodes; SuperLU stores about twice as many).
FILL_PER_NLOGN = 0.3
#: Bytes per factor entry (value, row index, supernode padding).
BYTES_PER_FACTOR_ENTRY = 14.0
#: Bytes per matrix entry for CG + AMG at its peak: the matrix (12.4 B an entry) and
#: pyamg's smoothed-aggregation set-up, measured at 561 B a cell above the matrix
#: for 9-entry rows at 1 M cells (bench/RESULTS.md, issue 11).
BYTES_PER_AMG_ENTRY = 75.0
#: The same for the lean path (:class:`LeanMultigrid`, :func:`conjugate_gradients`):
#: matrix, hierarchy (48 B a cell) and its set-up peak (107 B a cell) at 1 M cells.
BYTES_PER_LEAN_ENTRY = 30.0
#: Share of the memory available that a direct factorisation may take.
MEMORY_SHARE = 0.5

_DIRECT = ("cholmod", "pardiso", "superlu")


def _have(module: str) -> bool:
    import importlib.util

    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        return False


def direct_backend() -> str:
    """The fastest direct back-end installed: CHOLMOD, then MKL PARDISO, then SuperLU.

    CHOLMOD comes from scikit-sparse (extra ``solvers``; needs SuiteSparse), PARDISO
    from pypardiso; SuperLU (SciPy) is always there.  The order is the one measured
    by ``bench/circuit.py`` on this project's grids (bench/RESULTS.md).
    """
    if _have("sksparse"):
        return "cholmod"
    if _have("pypardiso"):
        return "pardiso"
    return "superlu"


def available_memory() -> int:
    """Bytes of physical memory free now (``os.sysconf``: available pages × page size)."""
    import os

    try:
        return int(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_AVPHYS_PAGES"))
    except (ValueError, OSError, AttributeError):  # not on this platform
        return 8 * 2**30


@dataclass(frozen=True)
class SolverPlan:
    """The cost model's estimates for one matrix and its right-hand sides.

    ``seconds`` and ``bytes`` per candidate ('direct' and 'cg+amg'); ``method`` is
    the choice: the faster one whose memory fits ``budget`` bytes.
    """

    method: str
    seconds: dict
    bytes: dict
    budget: float


def plan_solver(n: int, nnz: int, n_rhs: int = 1, memory_bytes: float | None = None) -> SolverPlan:
    """Choose between a direct factorisation and CG + AMG from a measured cost model.

    Parameters
    ----------
    n, nnz : int
        Unknowns and stored entries of the (grounded Laplacian) matrix.
    n_rhs : int
        Right-hand sides that will be solved with it.
    memory_bytes : float, optional
        Memory the solver may use (default: :data:`MEMORY_SHARE` of
        :func:`available_memory`).

    Returns
    -------
    SolverPlan
        The faster of 'direct' (:func:`direct_backend`; factorisation + solves)
        and 'cg+amg' (set-up + solves) among those whose estimated memory fits;
        'cg+amg-lean' (:class:`LeanMultigrid`) when neither fits, so a grid too
        large to factorise falls back to CG + AMG, and then to its lean form,
        before memory runs out.

    Notes
    -----
    The fill of a nested-dissection (or minimum-degree) Cholesky factor of a
    planar grid graph grows as ``n log n`` and its flops as ``n^1.5`` (George
    1973, *SIAM J. Numer. Anal.* 10:345; Davis 2006, *Direct Methods for Sparse
    Linear Systems*, SIAM); CG + smoothed aggregation costs a set-up and a
    number of iterations nearly independent of ``n`` per solve (Vaněk, Mandel &
    Brezina 1996, *Computing* 56:179).  The constants (:data:`COST`) were fitted
    to timings on this machine (bench/circuit.py).
    """
    n = max(int(n), 1)
    degree = max(nnz / n, 1.0)
    fill = FILL_PER_NLOGN * n * max(math.log2(n), 1.0) * degree
    seconds = {
        "direct": COST["factor"] * n**1.5 * degree / 9.0 + COST["solve"] * fill * n_rhs,
        "cg+amg": COST["amg_setup"] * nnz + COST["cg"] * nnz * n_rhs,
        "cg+amg-lean": COST["lean_setup"] * nnz + COST["lean_cg"] * nnz * n_rhs,
    }
    size = {
        "direct": BYTES_PER_FACTOR_ENTRY * fill,
        "cg+amg": BYTES_PER_AMG_ENTRY * nnz,
        "cg+amg-lean": BYTES_PER_LEAN_ENTRY * nnz,
    }
    budget = MEMORY_SHARE * available_memory() if memory_bytes is None else float(memory_bytes)
    # The lean path is kept for when nothing else fits: it needs the raster's geometry
    # for its aggregates (without it, LinearSolver aggregates as pyamg does).
    fitting = [m for m in ("direct", "cg+amg") if size[m] <= budget]
    method = min(fitting, key=seconds.__getitem__) if fitting else "cg+amg-lean"
    return SolverPlan(method, seconds, size, budget)


def principal_submatrix(matrix: sp.csr_matrix, nodes: np.ndarray) -> sp.csr_matrix:
    """``matrix[nodes][:, nodes]`` (rows and columns ``nodes``), as one new matrix.

    Selecting the component first and dropping the ground after would hold two
    copies of a Laplacian of the whole grid at once (about 110 bytes a cell each).
    """
    return matrix[nodes][:, nodes]


class LinearSolver:
    """Solve ``A x = b`` for many right-hand sides with one factorisation or AMG hierarchy.

    Parameters
    ----------
    matrix : scipy.sparse matrix
        Symmetric positive definite (a grounded Laplacian).
    method : {'auto', 'direct', 'cholmod', 'pardiso', 'superlu', 'cg+amg', 'cg+amg-lean'}
        'cholmod' is CHOLMOD's supernodal Cholesky (scikit-sparse; Chen et al.
        2008, *ACM TOMS* 35:22), 'pardiso' MKL PARDISO for SPD matrices
        (pypardiso), 'superlu' SciPy's ``splu`` (MMD on AᵀA+A ordering,
        symmetric mode, no pivoting: the matrix is SPD); 'direct' is the fastest
        of them installed (:func:`direct_backend`).  'cg+amg' runs conjugate
        gradients (rtol 1e-6) preconditioned by a smoothed-aggregation AMG
        hierarchy (pyamg).  'cg+amg-lean' is the same method in less memory:
        :func:`conjugate_gradients` (four work vectors) preconditioned by
        :class:`LeanMultigrid` (aggregates on ``coordinates``).  'auto' asks the
        cost model (:func:`plan_solver`).
    n_rhs : int
        Right-hand sides expected (for 'auto').
    memory_bytes : float, optional
        Memory the solver may use (for 'auto'; default from :func:`available_memory`).
    coordinates : tuple of numpy.ndarray, optional
        Row and column of each unknown on the raster, for 'cg+amg-lean''s
        geometric aggregates (without them it aggregates algebraically).

    Notes
    -----
    Every solution is checked: a relative residual ``‖A x − b‖ / ‖b‖`` above
    :data:`RESIDUAL_LIMIT` raises :class:`SolverError`.
    """

    def __init__(
        self,
        matrix: sp.spmatrix,
        method: Solver = "auto",
        *,
        n_rhs: int = 1,
        memory_bytes: float | None = None,
        coordinates: tuple[np.ndarray, np.ndarray] | None = None,
    ):
        if method not in ("auto", "direct", "cg+amg", "cg+amg-lean", *_DIRECT):
            raise ValueError(
                "solver must be 'auto', 'direct', 'cholmod', 'pardiso', 'superlu', "
                f"'cg+amg' or 'cg+amg-lean', got {method!r}"
            )
        self.matrix = sp.csr_matrix(matrix, dtype=np.float64)
        n = self.matrix.shape[0]
        if method == "auto":
            method = plan_solver(n, self.matrix.nnz, n_rhs, memory_bytes).method
        if method == "direct":
            method = direct_backend()
        self.method = method
        start = time.perf_counter()
        if n == 0:
            pass
        elif method == "cholmod":
            from sksparse.cholmod import cholesky

            # Nested dissection (METIS) pays off over many solves, AMD over few.
            ordering = "metis" if n_rhs > 16 else "amd"
            # The matrix is symmetric: its CSR transpose is itself in CSC, without a copy.
            self._factor = cholesky(self.matrix.T, ordering_method=ordering)
        elif method == "pardiso":
            import pypardiso

            self._pardiso = pypardiso.PyPardisoSolver(mtype=2)  # real SPD
            self._upper = sp.triu(self.matrix, format="csr")
            self._upper.sort_indices()
            self._pardiso.factorize(self._upper)
        elif method == "superlu":
            # Symmetric mode without pivoting keeps the fill-reducing ordering; with
            # SuperLU's default partial pivoting a 40k-node grid took 100 s, not 0.2 s.
            self._lu = splu(
                self.matrix.T,  # symmetric: the CSR transpose is the CSC matrix, no copy
                permc_spec="MMD_AT_PLUS_A",
                diag_pivot_thresh=0.0,
                options={"SymmetricMode": True},
            )
        elif method == "cg+amg-lean":
            row, col = (None, None) if coordinates is None else coordinates
            self._lean = LeanMultigrid(self.matrix, row, col)
        else:
            import pyamg

            # pyamg draws the start vectors of its spectral-radius estimates from
            # NumPy's global generator, unseeded: without a fixed seed two runs differ
            # at CG's tolerance.  Seed it for the set-up and restore the caller's state.
            state = np.random.get_state()  # noqa: NPY002 (pyamg uses the global generator)
            np.random.seed(AMG_SEED)  # noqa: NPY002 (pyamg uses the global generator)
            try:
                self._ml = pyamg.smoothed_aggregation_solver(self.matrix)
            finally:
                np.random.set_state(state)  # noqa: NPY002 (pyamg uses the global generator)
            self._precond = self._ml.aspreconditioner(cycle="V")
        log.debug("%s set-up for %d unknowns: %.2f s", method, n, time.perf_counter() - start)

    @property
    def is_direct(self) -> bool:
        return self.method in _DIRECT

    def _direct(self, rhs: np.ndarray) -> np.ndarray:
        if self.method == "cholmod":
            return self._factor(rhs)
        if self.method == "pardiso":
            self._pardiso.set_phase(33)
            return self._pardiso._call_pardiso(self._upper, np.asfortranarray(rhs))
        return self._lu.solve(np.asfortranarray(rhs))

    def solve(self, rhs: np.ndarray) -> np.ndarray:
        """Solve for one right-hand side (1-D) or several (columns of a 2-D array)."""
        rhs = np.asarray(rhs, dtype=np.float64)
        if self.matrix.shape[0] == 0:
            return np.zeros(rhs.shape)
        if rhs.ndim == 2:
            if self.is_direct:
                x = np.asarray(self._direct(rhs)).reshape(rhs.shape)
                self._check(x, rhs)
                return x
            return np.column_stack([self.solve(rhs[:, k]) for k in range(rhs.shape[1])])
        if self.is_direct:
            x = np.asarray(self._direct(rhs)).reshape(rhs.shape)
        elif self.method == "cg+amg-lean":
            x, iterations = conjugate_gradients(self.matrix, rhs, self._lean, CG_RTOL)
            log.debug("lean CG: %d iterations", iterations)
            if iterations > 10_000:
                log.warning("CG stopped after 10000 iterations without converging")
        else:
            x, info = cg(self.matrix, rhs, rtol=CG_RTOL, atol=0.0, maxiter=10_000, M=self._precond)
            if info > 0:
                log.warning("CG stopped after %d iterations without converging", info)
        self._check(x, rhs)
        return x

    def _check(self, x: np.ndarray, rhs: np.ndarray) -> None:
        """Raise :class:`SolverError` when a column's relative residual is too large."""
        norm_b = np.linalg.norm(rhs, axis=0)
        norm_r = np.linalg.norm(self.matrix @ x - rhs, axis=0)
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = np.where(norm_b > 0, norm_r / norm_b, 0.0)
        residual = float(np.max(ratio)) if ratio.size else 0.0
        if not residual <= RESIDUAL_LIMIT:
            raise SolverError(
                f"{self.method} solve: relative residual {residual:.3g} > {RESIDUAL_LIMIT:g}"
            )


# ------------------------------------------------------------ lean multigrid
#: Edge of the square blocks of raster cells (then of coarse nodes) aggregated per level.
LEAN_BLOCK = 3
#: The lean hierarchy stops coarsening at this many unknowns and factorises them (dense).
LEAN_MAX_COARSE = 1000
#: Rows of the fine matrix per chunk of the Galerkin product ``Pᵀ A P``.
GALERKIN_ROWS = 1 << 16
#: Power iterations for the spectral radius of ``D⁻¹A`` (prolongation smoothing).
POWER_STEPS = 20


def _block_aggregates(
    row: np.ndarray, col: np.ndarray, block: int
) -> tuple[np.ndarray, int, np.ndarray, np.ndarray]:
    """Aggregate the unknowns by ``block × block`` squares of their grid positions.

    Returns each unknown's aggregate (numbered 0 … n_agg − 1 in row-major block
    order, empty blocks skipped), the number of aggregates and the aggregates'
    own grid positions (the block's row and column), for the next level.
    """
    width = int(col.max()) // block + 1 if col.size else 1
    key = (row // block).astype(np.int64) * width + col // block
    present = np.bincount(key, minlength=1) > 0
    number = np.cumsum(present) - 1
    aggregate = number[key].astype(np.int32 if present.sum() < 2**31 - 1 else np.int64)
    del key, number
    ids = np.flatnonzero(present)
    coarse_row, coarse_col = np.divmod(ids, width)
    index = row.dtype
    return aggregate, ids.size, coarse_row.astype(index), coarse_col.astype(index)


def _spectral_radius_estimate(matrix: sp.csr_matrix, diagonal: np.ndarray) -> float:
    """Largest eigenvalue of ``D⁻¹A`` by power iteration on ``D^-½ A D^-½`` (three vectors).

    The Rayleigh quotient approaches the radius from below; smoothed aggregation
    damps by ``4/3`` of its inverse, which stays a contraction for a modest
    underestimate (Vaněk, Mandel & Brezina 1996).  pyamg's Lanczos estimate
    keeps 15 vectors, 120 bytes a cell on the fine grid.
    """
    scale = 1.0 / np.sqrt(diagonal)
    # A fixed start vector: the estimate, hence the hierarchy, repeats bit for bit.
    x = np.random.default_rng(AMG_SEED).uniform(0.5, 1.5, matrix.shape[0])
    estimate = 1.0
    for _ in range(POWER_STEPS):
        x /= np.linalg.norm(x)
        y = matrix @ (scale * x)
        y *= scale
        estimate = float(x @ y)
        x = y
    return estimate


def _smoothed_prolongator(
    matrix: sp.csr_matrix, aggregate: np.ndarray, n_agg: int, candidate: np.ndarray
) -> tuple[sp.csr_matrix, np.ndarray]:
    """Jacobi-smoothed prolongator ``P = (I − ω/ρ D⁻¹A) T`` and the coarse candidate.

    ``T`` is the tentative prolongator of the near-null-space candidate (the
    constants on the fine grid): column j holds the candidate on aggregate j,
    normalised, and the coarse candidate is the norms (pyamg's
    ``fit_candidates``).  ``ω = 4/3``, ``ρ`` the spectral radius of ``D⁻¹A``.
    ``P`` is computed as ``−ω/ρ · D⁻¹ (A − ρ/ω D) T``: one sparse product, with
    ``A``'s diagonal shifted in place and restored, so no sum of two sparse
    matrices of the fine grid is formed.

    References
    ----------
    Vaněk, P., Mandel, J. & Brezina, M. (1996). Algebraic multigrid by smoothed
    aggregation for second and fourth order elliptic problems. *Computing*
    56:179–196.
    """
    n = matrix.shape[0]
    diagonal = matrix.diagonal()
    if not np.all(diagonal > 0):
        # Not positive definite; and setdiag below would insert entries, copying the matrix.
        raise ValueError("LeanMultigrid needs a positive diagonal (a grounded Laplacian)")
    # Before the tentative prolongator exists: the estimate's vectors and it never coexist.
    damping = (4.0 / 3.0) / _spectral_radius_estimate(matrix, diagonal)
    norm = np.sqrt(np.bincount(aggregate, candidate**2, minlength=n_agg))
    tentative = sp.csr_matrix(
        (candidate / norm[aggregate], aggregate, np.arange(n + 1, dtype=aggregate.dtype)),
        shape=(n, n_agg),
    )
    _set_diagonal(matrix, diagonal, 1.0 - 1.0 / damping)
    try:
        prolongator = matrix @ tentative
    finally:
        _set_diagonal(matrix, diagonal)  # the same bits back
    del tentative
    # Rows scaled by −ω/ρ D⁻¹ a chunk at a time (a per-entry scale would be 22 B a cell).
    scale = -damping / diagonal
    indptr = prolongator.indptr
    for start in range(0, n, GALERKIN_ROWS):
        stop = min(n, start + GALERKIN_ROWS)
        lo, hi = indptr[start], indptr[stop]
        prolongator.data[lo:hi] *= np.repeat(scale[start:stop], np.diff(indptr[start : stop + 1]))
    return prolongator, norm


def _set_diagonal(matrix: sp.csr_matrix, diagonal: np.ndarray, factor: float = 1.0) -> None:
    """Set the stored diagonal entries to ``factor · diagonal``, in place, a chunk of rows at a time.

    ``setdiag`` builds index arrays over all rows (about 30 bytes a row).
    """
    indptr, indices, data = matrix.indptr, matrix.indices, matrix.data
    n = matrix.shape[0]
    for start in range(0, n, GALERKIN_ROWS):
        stop = min(n, start + GALERKIN_ROWS)
        lo, hi = indptr[start], indptr[stop]
        row = np.repeat(
            np.arange(start, stop, dtype=indices.dtype), np.diff(indptr[start : stop + 1])
        )
        on_diagonal = indices[lo:hi] == row
        chunk = data[lo:hi]
        chunk[on_diagonal] = diagonal[row[on_diagonal]] * factor


def _galerkin(matrix: sp.csr_matrix, prolongator: sp.csr_matrix) -> sp.csr_matrix:
    """Coarse operator ``Pᵀ A P``, summed over chunks of fine rows.

    ``Pᵀ A P = Σ_chunks P[c]ᵀ (A[c] P)``: each chunk's ``A[c] P`` and its
    transposed copy are a fraction of the fine grid, where ``(A P)`` in one
    piece would take about 60 bytes a fine cell and its conversion as much again.
    """
    n = matrix.shape[0]
    coarse = None
    for start in range(0, n, GALERKIN_ROWS):
        stop = min(n, start + GALERKIN_ROWS)
        part = prolongator[start:stop].T @ (matrix[start:stop] @ prolongator)
        coarse = part if coarse is None else coarse + part
    coarse = sp.csr_matrix(coarse)
    coarse.sum_duplicates()
    return coarse


class LeanMultigrid:
    """A smoothed-aggregation V-cycle on square blocks of the raster, built lean.

    Level by level, the unknowns are aggregated by ``block × block`` squares
    of their grid positions (predefined geometric aggregates: no strength of
    connection, no aggregation search), the tentative prolongator of the
    constants is smoothed by one damped Jacobi step, and the coarse operator is
    the Galerkin product ``Pᵀ A P``; restriction is ``Pᵀ`` (a transposed view,
    not a copy).  Relaxation is one symmetric Gauss–Seidel sweep before and
    after the coarse correction (pyamg's kernel, in place), and the coarsest
    level is factorised densely, so the V-cycle is a symmetric positive
    definite preconditioner for conjugate gradients.

    Parameters
    ----------
    matrix : scipy.sparse.csr_matrix
        Symmetric positive definite, with every diagonal entry stored (a
        grounded Laplacian).  Kept by reference, not copied.
    row, col : numpy.ndarray, optional
        Grid position of each unknown (for raster nodes the row and column of a
        cell of the node).  Without them the unknowns are aggregated by pyamg's
        standard aggregation of the symmetric strength of connection, which is
        general but not lean.
    block : int
        Edge of the aggregated squares.
    max_coarse : int, optional
        Unknowns of the coarsest level, factorised densely (default :data:`LEAN_MAX_COARSE`).

    Notes
    -----
    On a raster of 9-entry rows (8 neighbours) the kept hierarchy is 48 bytes a
    cell (the fine prolongator, 2.8 entries a row, and the coarse levels, a
    ninth of the size each), and its set-up peaks at about 100 bytes a cell
    above the matrix (measured with ``tracemalloc`` at 1 M cells); pyamg's
    smoothed-aggregation set-up peaks at 561 (bench/RESULTS.md).  With CG it
    takes 21–22 iterations to 1e-6 at 1 M cells, as pyamg's own aggregation does.

    References
    ----------
    Vaněk, P., Mandel, J. & Brezina, M. (1996). Algebraic multigrid by smoothed
    aggregation for second and fourth order elliptic problems. *Computing*
    56:179–196.  Trottenberg, U., Oosterlee, C. W. & Schüller, A. (2001).
    *Multigrid*, Academic Press (the V-cycle).  Olson, L. N. & Schroder, J. B.
    (2018). PyAMG: Algebraic Multigrid Solvers in Python v4.0.
    """

    def __init__(
        self,
        matrix: sp.csr_matrix,
        row: np.ndarray | None = None,
        col: np.ndarray | None = None,
        *,
        block: int = LEAN_BLOCK,
        max_coarse: int | None = None,
    ):
        from scipy.linalg import cho_factor

        max_coarse = LEAN_MAX_COARSE if max_coarse is None else max_coarse
        self.levels: list[tuple[sp.csr_matrix, sp.csr_matrix]] = []
        current = matrix
        candidate = np.ones(matrix.shape[0])
        while current.shape[0] > max_coarse:
            if row is None or col is None:
                aggregate, n_agg = _algebraic_aggregates(current)
            else:
                aggregate, n_agg, row, col = _block_aggregates(row, col, block)
            if n_agg >= current.shape[0] or n_agg == 0:
                break  # no coarsening left
            prolongator, candidate = _smoothed_prolongator(current, aggregate, n_agg, candidate)
            del aggregate
            self.levels.append((current, prolongator))
            current = _galerkin(current, prolongator)
        self.coarse = current
        self._coarse_factor = cho_factor(current.toarray()) if current.shape[0] else None

    @property
    def n_levels(self) -> int:
        return len(self.levels) + 1

    def _cycle(self, level: int, rhs: np.ndarray) -> np.ndarray:
        from pyamg import amg_core
        from scipy.linalg import cho_solve

        if level == len(self.levels):
            return cho_solve(self._coarse_factor, rhs) if rhs.size else rhs.copy()
        matrix, prolongator = self.levels[level]
        x = np.zeros_like(rhs)
        n = x.size
        args = (matrix.indptr, matrix.indices, matrix.data)
        amg_core.gauss_seidel(*args, x, rhs, 0, n, 1)
        amg_core.gauss_seidel(*args, x, rhs, n - 1, -1, -1)
        residual = matrix @ x
        np.subtract(rhs, residual, out=residual)
        coarse = self._cycle(level + 1, prolongator.T @ residual)
        del residual
        x += prolongator @ coarse
        amg_core.gauss_seidel(*args, x, rhs, 0, n, 1)
        amg_core.gauss_seidel(*args, x, rhs, n - 1, -1, -1)
        return x

    def __call__(self, rhs: np.ndarray) -> np.ndarray:
        """One V-cycle from zero: an approximation of ``A⁻¹ rhs``."""
        return self._cycle(0, np.ascontiguousarray(rhs, dtype=np.float64))


def _algebraic_aggregates(matrix: sp.csr_matrix) -> tuple[np.ndarray, int]:
    """pyamg's standard aggregation (symmetric strength, θ = 0) as one label per unknown."""
    from pyamg.aggregation import standard_aggregation
    from pyamg.strength import symmetric_strength_of_connection

    agg_op, _ = standard_aggregation(symmetric_strength_of_connection(matrix))
    agg_op = agg_op.tocsr()
    aggregate = np.full(matrix.shape[0], -1, dtype=np.int64)
    has = np.diff(agg_op.indptr) > 0
    aggregate[has] = agg_op.indices
    n_agg = agg_op.shape[1]
    # Unknowns without a strong neighbour are left out by pyamg: each its own aggregate.
    alone = np.flatnonzero(~has)
    aggregate[alone] = n_agg + np.arange(alone.size)
    return aggregate, n_agg + alone.size


def conjugate_gradients(
    matrix: sp.spmatrix,
    rhs: np.ndarray,
    preconditioner,
    rtol: float = CG_RTOL,
    maxiter: int = 10_000,
) -> tuple[np.ndarray, int]:
    """Preconditioned conjugate gradients with four work vectors, updated in place.

    Parameters
    ----------
    matrix : scipy.sparse matrix
        Symmetric positive definite.
    rhs : numpy.ndarray
        One right-hand side.
    preconditioner : callable
        ``r -> M⁻¹ r`` for a symmetric positive definite ``M``.
    rtol : float
        Stop when ``‖b − A x‖ ≤ rtol ‖b‖`` (the recurrence's residual, as SciPy's ``cg``).
    maxiter : int
        Iterations at most.

    Returns
    -------
    x : numpy.ndarray
    iterations : int
        Iterations taken; ``maxiter + 1`` when it did not converge.

    Notes
    -----
    Algorithm 9.1 of Saad (2003) with the updates ``x += α p`` and ``r −= α q``
    done by BLAS ``axpy`` and ``p = z + β p`` in place: the solution, the
    residual, the search direction and one vector for ``A p`` and then ``M⁻¹ r``
    (SciPy's ``cg`` keeps more, and allocates temporaries every iteration).

    References
    ----------
    Saad, Y. (2003). *Iterative Methods for Sparse Linear Systems*, 2nd ed.,
    SIAM, Algorithm 9.1.  Hestenes, M. R. & Stiefel, E. (1952). Methods of
    conjugate gradients for solving linear systems. *J. Res. NBS* 49:409–436.
    """
    from scipy.linalg.blas import daxpy

    rhs = np.asarray(rhs, dtype=np.float64)
    x = np.zeros_like(rhs)
    threshold = rtol * np.linalg.norm(rhs)
    if threshold == 0.0:
        return x, 0
    residual = rhs.copy()
    direction = preconditioner(residual)
    rho = float(residual @ direction)
    for iteration in range(1, maxiter + 1):
        work = matrix @ direction
        alpha = rho / float(direction @ work)
        daxpy(direction, x, a=alpha)
        daxpy(work, residual, a=-alpha)
        del work
        if np.linalg.norm(residual) <= threshold:
            return x, iteration
        work = preconditioner(residual)
        rho_new = float(residual @ work)
        direction *= rho_new / rho
        direction += work
        del work
        rho = rho_new
    return x, maxiter + 1


# ------------------------------------------------------------------- node currents
def node_currents(
    edges: np.ndarray,
    conductances: np.ndarray,
    voltages: np.ndarray,
    finite_grounds: np.ndarray | None = None,
) -> np.ndarray:
    """Circuitscape's node current: the larger of total inflow and total outflow.

    Parameters
    ----------
    edges : numpy.ndarray
        (m, 2) node pairs ``i < j``.
    conductances : numpy.ndarray
        (m,) edge conductances.
    voltages : numpy.ndarray
        (n,) node voltages.
    finite_grounds : numpy.ndarray, optional
        (n,) conductance to ground of each node (0 = none); the current into or
        out of ground counts as inflow or outflow.

    Returns
    -------
    numpy.ndarray
        (n,) node currents.

    Notes
    -----
    Follows ``get_node_currents`` of Circuitscape.jl (``src/out.jl``): branch
    currents in each direction are zeroed below 1e-8 of that direction's
    largest value; sources are not counted, so for a node obeying Kirchhoff's
    law with a non-negative source this is ``(Σ|I_e| + |I_source| + |I_ground|)/2``.
    """
    n = voltages.shape[0]
    i, j = edges[:, 0], edges[:, 1]
    forward = np.abs(conductances) * (voltages[i] - voltages[j])  # current i → j
    # Circuitscape's 'pos' pass sums flow into each node, its 'neg' pass flow out
    # of it; each pass zeroes small branch currents relative to its own maximum.
    b_pos = _cut_small(forward)
    b_neg = _cut_small(-forward)
    inflow = np.zeros(n)  # bincount of no edges would be integer
    outflow = np.zeros(n)
    inflow += np.bincount(j, np.maximum(b_pos, 0.0), n) + np.bincount(i, np.maximum(-b_pos, 0.0), n)
    outflow += np.bincount(j, np.maximum(b_neg, 0.0), n) + np.bincount(
        i, np.maximum(-b_neg, 0.0), n
    )
    if finite_grounds is not None:
        ground_current = finite_grounds * voltages  # > 0: into ground
        inflow += np.maximum(-ground_current, 0.0)
        outflow += np.maximum(ground_current, 0.0)
    return np.maximum(inflow, outflow)


def _cut_small(branch: np.ndarray) -> np.ndarray:
    """Zero branch currents below 1e-8 of the largest (Circuitscape.jl)."""
    if branch.size == 0:
        return branch
    top = branch.max()
    if top > 0:
        return np.where(np.abs(branch / top) < BRANCH_CURRENT_CUTOFF, 0.0, branch)
    return branch


# -------------------------------------------------------------- Green's functions
def _component_nodes(graph: CircuitGraph, label: int) -> np.ndarray:
    return np.flatnonzero(graph.component == label)


def _grounded_green(
    laplacian: sp.csr_matrix,
    nodes: np.ndarray,
    focal_local: Sequence[int],
    method: Solver,
    progress: Progress | None = None,
) -> np.ndarray:
    """Voltages for unit current at each focal node, the first focal node grounded.

    Returns an (len(nodes), k) array ``X``: column a is the voltage with 1 A
    injected at focal node a and withdrawn at the ground (column 0 is zero).
    """
    ground = focal_local[0]
    keep = np.ones(len(nodes), dtype=bool)
    keep[ground] = False
    position = np.cumsum(keep) - 1  # index of a kept node in the grounded system
    columns = [c for c, node in enumerate(focal_local) if c > 0 and node != ground]
    solver = LinearSolver(principal_submatrix(laplacian, nodes[keep]), method, n_rhs=len(columns))
    x = np.zeros((len(nodes), len(focal_local)))
    # A focal node shorted with the ground (one polygon) stays at 0 V.
    for chunk in _chunks(columns, int(keep.sum())):
        rhs = np.zeros((int(keep.sum()), len(chunk)))
        rhs[position[[focal_local[c] for c in chunk]], np.arange(len(chunk))] = 1.0
        x[np.ix_(keep, chunk)] = solver.solve(rhs)
        if progress:
            progress.step(len(chunk))
    return x


#: Memory for one batch of right-hand sides and their solutions (bytes).
RHS_BATCH_BYTES = 256 * 2**20


def _chunks(items: Sequence, n: int) -> Iterable[list]:
    """``items`` in batches whose dense (n × batch) right-hand sides fit :data:`RHS_BATCH_BYTES`."""
    size = max(1, int(RHS_BATCH_BYTES // (16 * max(n, 1))))
    for start in range(0, len(items), size):
        yield list(items[start : start + size])


# ------------------------------------------------------------------------ results
@dataclass
class PairwiseResult:
    """Pairwise effective resistances and current maps.

    ``resistance_matrix[a, b]`` is the effective resistance between
    ``ids[a]`` and ``ids[b]`` (−1 when they are not connected, 0 on the
    diagonal).  Maps are rasters with NaN where a cell is no node.
    ``voltmaps`` and ``curmaps`` hold per-pair maps keyed by ``(id_a, id_b)``
    (``id_a < id_b``) when asked for; voltages are 0 at ``id_a`` and the
    effective resistance at ``id_b`` (Circuitscape's normalisation).
    """

    ids: np.ndarray
    resistance_matrix: np.ndarray
    cum_current: np.ndarray | None = None
    max_current: np.ndarray | None = None
    voltmaps: dict[tuple[int, int], np.ndarray] = field(default_factory=dict)
    curmaps: dict[tuple[int, int], np.ndarray] = field(default_factory=dict)

    def pairs(self) -> Iterable[tuple[int, int, float]]:
        """``(id_a, id_b, effective_resistance)`` for every pair ``a < b``."""
        for a, b in itertools.combinations(range(len(self.ids)), 2):
            yield int(self.ids[a]), int(self.ids[b]), float(self.resistance_matrix[a, b])

    def table(self):
        """:meth:`pairs` as a table: ``core_a``, ``core_b``, ``effective_resistance`` (−1: not connected)."""
        import pandas as pd

        return pd.DataFrame(
            list(self.pairs()), columns=["core_a", "core_b", "effective_resistance"]
        )


@dataclass
class FocalResult:
    """One-to-all or all-to-one results, per focal ID.

    ``resistances[k]`` is, for one-to-all, the voltage at ``ids[k]`` per ampere
    injected there with every other focal node grounded (−1 when the component
    holds no other focal node); for all-to-one it is 0, as in Circuitscape.
    """

    ids: np.ndarray
    resistances: np.ndarray
    cum_current: np.ndarray | None = None
    max_current: np.ndarray | None = None
    voltmaps: dict[int, np.ndarray] = field(default_factory=dict)
    curmaps: dict[int, np.ndarray] = field(default_factory=dict)


@dataclass
class AdvancedResult:
    """Advanced-mode voltage and node-current maps (NaN where a cell is no node)."""

    voltage: np.ndarray
    current: np.ndarray


# ------------------------------------------------------------------------- helpers
def focal_points(shape: tuple[int, int], points: Mapping[int, tuple[int, int]]) -> np.ndarray:
    """Rasterise focal points ``{id: (row, col)}`` into an ID raster (0 = none)."""
    out = np.zeros(shape, dtype=np.int64)
    for focal_id, (row, col) in points.items():
        if focal_id <= 0:
            raise ValueError(f"focal IDs must be positive, got {focal_id}")
        out[row, col] = focal_id
    return out


def _focal_ids(focal: np.ndarray, shape: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    focal = np.asarray(focal)
    if focal.shape != shape:
        raise ValueError(f"focal raster shape {focal.shape} != resistance shape {shape}")
    if focal.dtype.kind == "f":
        focal = np.where(np.isfinite(focal), focal, 0)
        if np.any(focal != np.round(focal)):
            raise ValueError("focal IDs must be whole numbers")
    focal = np.where(focal > 0, focal, 0).astype(np.int64)
    return np.unique(focal[focal > 0]), focal


def _focal_nodes(graph: CircuitGraph, focal: np.ndarray, ids: np.ndarray) -> np.ndarray:
    """Node of each focal ID (−1 when none of its cells is a node)."""
    nodes = np.full(len(ids), -1, dtype=np.int64)
    is_node = graph.node_of_cell >= 0
    for k, focal_id in enumerate(ids):
        found = graph.node_of_cell[(focal == focal_id) & is_node]
        if found.size:
            nodes[k] = found[0]
    return nodes


def _start_current_maps(
    result: PairwiseResult | FocalResult, valid: np.ndarray, max_current: bool
) -> None:
    """Zero cumulative (and maximum) current maps on the nodes, NaN elsewhere."""
    result.cum_current = np.where(valid, 0.0, np.nan)
    if max_current:
        result.max_current = np.where(valid, 0.0, np.nan)


def _accumulate(cum: np.ndarray, peak: np.ndarray | None, cmap: np.ndarray) -> None:
    np.add(cum, cmap, out=cum, where=~np.isnan(cmap))
    if peak is not None:
        np.fmax(peak, cmap, out=peak)


# ------------------------------------------------------------------------ pairwise
def pairwise(
    resistance: np.ndarray,
    focal: np.ndarray,
    *,
    neighbours: int = 8,
    avg: Average = "resistance",
    is_conductance: bool = False,
    solver: Solver = "auto",
    shorting: Literal["pair", "all"] = "pair",
    currents: bool = True,
    max_current: bool = False,
    pair_maps: bool = False,
    polygons: np.ndarray | None = None,
    engine: Literal["reduced", "per-pair"] = "reduced",
) -> PairwiseResult:
    """Pairwise effective resistances and cumulative current (Circuitscape pairwise mode).

    Parameters
    ----------
    resistance : numpy.ndarray
        Cell resistances (conductances when ``is_conductance``); see :func:`build_graph`.
    focal : numpy.ndarray
        Integer raster of focal IDs (0 = none).  An ID on several cells is a
        focal region.  Use :func:`focal_points` for point coordinates.
    neighbours, avg, is_conductance
        Graph construction, as in :func:`build_graph`.
    solver : {'auto', 'direct', 'cg+amg', 'cg+amg-lean'}
        See :class:`LinearSolver`.  With 'cg+amg-lean' (or 'auto' when the cost
        model picks it), all regions shorted (or single-cell focal nodes) and no
        current maps, the whole job runs lean (:func:`_pairwise_lean`).
    shorting : {'pair', 'all'}
        How focal regions are shorted.  'pair' is Circuitscape's: for the pair
        (a, b) only regions a and b are shorted, the others are ordinary cells.
        'all' shorts every region at once and needs only k − 1 solves per
        component (other regions then act as perfect conductors).  Identical
        when every ID is a single cell.
    currents : bool
        Compute the cumulative current map (sum of node currents over pairs).
    max_current : bool
        Also the maximum current over pairs.
    pair_maps : bool
        Keep every pair's voltage and current map (memory: two rasters per pair).
    polygons : numpy.ndarray, optional
        Short-circuit regions (Circuitscape's ``polygon_file``), shorted in every
        solve; a focal node inside one is the polygon's node (:func:`short_regions`).
    engine : {'reduced', 'per-pair'}
        How 'pair' shorting is solved: 'reduced' factorises the unshorted graph
        once and shorts each pair on its regions' boundary nodes
        (:func:`_pairwise_reduced`; with CG + AMG it keeps a hierarchy per pair
        when the cost model says that is cheaper); 'per-pair' builds each
        pair's graph and solver (the reference, one set-up per pair).

    Returns
    -------
    PairwiseResult

    References
    ----------
    McRae et al. (2008) *Ecology* 89:2712; Circuitscape.jl (Anantharaman et al.
    2020, *Proceedings of the JuliaCon Conferences* 1:58).
    """
    ids, focal = _focal_ids(focal, np.shape(resistance))
    counts = np.array([np.count_nonzero(focal == i) for i in ids], dtype=np.int64)
    if shorting not in ("pair", "all"):
        raise ValueError(f"shorting must be 'pair' or 'all', got {shorting!r}")
    if engine not in ("reduced", "per-pair"):
        raise ValueError(f"engine must be 'reduced' or 'per-pair', got {engine!r}")
    k = len(ids)
    result = PairwiseResult(ids, np.full((k, k), DISCONNECTED))
    np.fill_diagonal(result.resistance_matrix, 0.0)
    want_maps = currents or max_current or pair_maps
    shared = shorting == "all" or not np.any(counts > 1)
    if k >= 2 and shared and not want_maps and _lean_is_wanted(solver, resistance, neighbours, k):
        options = {"neighbours": neighbours, "avg": avg, "is_conductance": is_conductance}
        _pairwise_lean(resistance, focal, ids, result, options, polygons)
        return result
    cells = _cell_edges(resistance, neighbours, avg, is_conductance)
    if want_maps:
        _start_current_maps(result, cells.valid, max_current)
    if k < 2:
        return result
    if shorting == "pair" and np.any(counts > 1):
        per_pair = _pairwise_reduced if engine == "reduced" else _pairwise_per_pair
        per_pair(cells, focal, ids, solver, result, want_maps, pair_maps, polygons)
    else:
        _pairwise_shared(cells, focal, ids, solver, result, want_maps, pair_maps, polygons)
    return result


def _lean_is_wanted(solver: str, resistance: np.ndarray, neighbours: int, k: int) -> bool:
    """'cg+amg-lean' asked for, or 'auto' and the cost model picks it for this raster."""
    if solver == "cg+amg-lean":
        return True
    if solver != "auto":
        return False
    n = int(np.size(resistance))  # an upper bound on the nodes, without a pass over them
    return plan_solver(n, (neighbours + 1) * n, k - 1).method == "cg+amg-lean"


def _node_positions(node_of_cell: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Row and column of a cell of every node (for a shorted region, one of its cells)."""
    rows, cols = np.nonzero(node_of_cell >= 0)
    row = np.zeros(n, dtype=np.int32)
    col = np.zeros(n, dtype=np.int32)
    at = node_of_cell[rows, cols]
    row[at] = rows
    col[at] = cols
    return row, col


def _ground_in_place(laplacian: sp.csr_matrix, grounds: Sequence[int]) -> None:
    """Ground ``grounds`` without copying the matrix: their rows and columns keep only the diagonal.

    With a zero right-hand side there, a ground's voltage is 0 and its
    neighbours see it as a conductance to ground: the system on the other
    nodes is the grounded Laplacian (row and column removed), with the same
    numbers in the same places, and the matrix stays symmetric positive definite.
    """
    grounds = np.asarray(grounds, dtype=np.int64)
    diagonal = laplacian.diagonal()[grounds]
    is_ground = np.zeros(laplacian.shape[0], dtype=bool)
    is_ground[grounds] = True
    laplacian.data[is_ground[laplacian.indices]] = 0.0  # the grounds' columns
    for node, value in zip(grounds.tolist(), diagonal.tolist(), strict=True):
        lo, hi = laplacian.indptr[node], laplacian.indptr[node + 1]
        laplacian.data[lo:hi] = np.where(laplacian.indices[lo:hi] == node, value, 0.0)
    laplacian.eliminate_zeros()  # in place


def _lean_groups(
    node_of_cell: np.ndarray, laplacian: sp.csr_matrix, focal: np.ndarray, ids: np.ndarray
) -> tuple[np.ndarray, np.ndarray, list[np.ndarray]]:
    """Focal nodes, component labels and the focal IDs of each component with a pair."""
    nodes = np.full(len(ids), -1, dtype=np.int64)
    for k, focal_id in enumerate(ids):
        found = node_of_cell[(focal == focal_id) & (node_of_cell >= 0)]
        if found.size:
            nodes[k] = found[0]
    # The Laplacian is symmetric: its strong components are the graph's components,
    # found without the transposed copy that the undirected search makes.
    _, component = connected_components(laplacian, directed=True, connection="strong")
    labels = np.where(nodes >= 0, component[np.maximum(nodes, 0)], -1)
    groups = [np.flatnonzero(labels == lab) for lab in np.unique(labels[labels >= 0])]
    return nodes, component, [g for g in groups if len(g) > 1]


def _pairwise_lean(resistance, focal, ids, result, graph_options, polygons=None) -> None:
    """All regions shorted, resistances only, in about 250 bytes a cell.

    The shared engine's method (:func:`_pairwise_shared`: one ground per
    component, k − 1 solves) with every large intermediate left out: the
    Laplacian is built straight into CSR (:func:`laplacian_from_raster`, no
    edge list), components without a focal pair are dropped by building it
    again on the other cells, the grounds are decoupled in place
    (:func:`_ground_in_place`) instead of copying a principal submatrix, the
    solver is :class:`LeanMultigrid` with :func:`conjugate_gradients`, and each
    solution is kept only on the focal nodes.
    """
    regions = short_regions(focal, polygons)
    node_of_cell, laplacian = laplacian_from_raster(resistance, regions=regions, **graph_options)
    nodes, component, groups = _lean_groups(node_of_cell, laplacian, focal, ids)
    if not groups:
        return
    wanted = np.zeros(int(component.max()) + 1, dtype=bool)
    wanted[[component[nodes[g[0]]] for g in groups]] = True
    if not wanted[component].all():
        keep = node_of_cell >= 0
        keep[keep] = wanted[component[node_of_cell[keep]]]
        del laplacian, node_of_cell, component
        node_of_cell, laplacian = laplacian_from_raster(
            resistance, regions=regions, valid=keep, **graph_options
        )
        del keep
        nodes, component, groups = _lean_groups(node_of_cell, laplacian, focal, ids)
    del component
    grounds = [int(nodes[g[0]]) for g in groups]
    _ground_in_place(laplacian, grounds)
    n = laplacian.shape[0]
    total = sum(len(g) - 1 for g in groups)
    log.info("pairwise, lean: %d nodes, %d focal nodes, %d solves", n, len(ids), total)
    lin = LinearSolver(laplacian, "cg+amg-lean", coordinates=_node_positions(node_of_cell, n))
    del node_of_cell
    progress = Progress("pairwise solves", total, log)
    for members, ground in zip(groups, grounds, strict=True):
        focal_nodes = nodes[members]
        green = np.zeros((len(members), len(members)))
        for p in range(1, len(members)):
            if focal_nodes[p] != ground:  # shorted with the ground by a polygon: 0 V
                rhs = np.zeros(n)
                rhs[focal_nodes[p]] = 1.0
                green[:, p] = lin.solve(rhs)[focal_nodes]
            progress.step()
        diag = np.diag(green)
        r = diag[:, None] + diag[None, :] - green - green.T
        for p, q in itertools.combinations(range(len(members)), 2):
            a, b = members[p], members[q]
            result.resistance_matrix[a, b] = result.resistance_matrix[b, a] = r[p, q]


def _record_pair(
    result: PairwiseResult,
    graph: CircuitGraph,
    key: tuple[int, int],
    voltages: np.ndarray,
    pair_maps: bool,
) -> None:
    cmap = graph.to_raster(node_currents(graph.edges, graph.conductances, voltages))
    cmap[(graph.node_of_cell < 0) & ~np.isnan(result.cum_current)] = 0.0
    _accumulate(result.cum_current, result.max_current, cmap)
    if pair_maps:
        result.curmaps[key] = cmap
        result.voltmaps[key] = graph.to_raster(voltages)


def _pairwise_shared(
    cells, focal, ids, solver, result, want_maps, pair_maps, polygons=None
) -> None:
    """All regions (and ``polygons``) shorted at once: k − 1 solves per component."""
    graph = _assemble(cells, short_regions(focal, polygons))
    nodes = _focal_nodes(graph, focal, ids)
    labels = np.where(nodes >= 0, graph.component[np.maximum(nodes, 0)], -1)
    groups = [np.flatnonzero(labels == lab) for lab in np.unique(labels[labels >= 0])]
    groups = [g for g in groups if len(g) > 1]
    total_solves = sum(len(g) - 1 for g in groups)
    total_pairs = sum(len(g) * (len(g) - 1) // 2 for g in groups)
    log.info(
        "pairwise: %d nodes, %d focal nodes, %d components with focal pairs, %d solves",
        graph.n_nodes,
        len(ids),
        len(groups),
        total_solves,
    )
    progress = Progress("pairwise solves", total_solves, log)
    pair_progress: Progress | None = None  # started when the first map is made
    for members in groups:
        comp_nodes = _component_nodes(graph, labels[members[0]])
        local = np.searchsorted(comp_nodes, nodes[members])
        x = _grounded_green(graph.laplacian, comp_nodes, list(local), solver, progress)
        green = x[local, :]  # green[p, q]: voltage at focal p for 1 A at focal q
        diag = np.diag(green)
        r = diag[:, None] + diag[None, :] - green - green.T
        for p, q in itertools.combinations(range(len(members)), 2):
            a, b = members[p], members[q]
            result.resistance_matrix[a, b] = result.resistance_matrix[b, a] = r[p, q]
        if not want_maps:
            continue
        if pair_progress is None:
            pair_progress = Progress("pairwise current maps", total_pairs, log)
        for p, q in itertools.combinations(range(len(members)), 2):
            a, b = members[p], members[q]
            # Circuitscape injects +1 A at the higher ID, −1 A at the lower and
            # sets the lower's voltage to 0.
            v_local = x[:, q] - x[:, p]
            v_local -= v_local[local[p]]
            voltages = np.zeros(graph.n_nodes)
            voltages[comp_nodes] = v_local
            _record_pair(result, graph, (int(ids[a]), int(ids[b])), voltages, pair_maps)
            pair_progress.step()


def _pairwise_per_pair(
    cells, focal, ids, solver, result, want_maps, pair_maps, polygons=None
) -> None:
    """Circuitscape's focal-region path: only the pair's two regions (and ``polygons``) shorted."""
    pairs = list(itertools.combinations(range(len(ids)), 2))
    progress = Progress("pairwise pairs", len(pairs), log)
    log.info("pairwise with focal regions: %d pairs, one graph and solve each", len(pairs))
    for a, b in pairs:
        two = np.where((focal == ids[a]) | (focal == ids[b]), focal, 0)
        graph = _assemble(cells, short_regions(two, polygons))
        na, nb = _focal_nodes(graph, two, ids[[a, b]])
        if na >= 0 and nb >= 0 and graph.component[na] == graph.component[nb]:
            comp_nodes = _component_nodes(graph, graph.component[na])
            local = list(np.searchsorted(comp_nodes, [na, nb]))
            x = _grounded_green(graph.laplacian, comp_nodes, local, solver)
            v_local = x[:, 1]  # 1 A into b, out of a, a at 0 V
            r = v_local[local[1]]
            result.resistance_matrix[a, b] = result.resistance_matrix[b, a] = r
            if want_maps:
                voltages = np.zeros(graph.n_nodes)
                voltages[comp_nodes] = v_local
                _record_pair(result, graph, (int(ids[a]), int(ids[b])), voltages, pair_maps)
        progress.step()


def _region_nodes(
    graph: CircuitGraph, focal: np.ndarray, ids: np.ndarray, polygons: np.ndarray | None
) -> list[np.ndarray]:
    """Nodes of each focal region (with the polygons it touches) in the unshorted graph."""
    valid = graph.node_of_cell >= 0
    sets = []
    for focal_id in ids:
        at = focal == focal_id
        if polygons is None:
            cells = at & valid
        else:
            labels = short_regions(np.where(at, focal, 0), polygons)
            cells = (labels == labels[at][0]) & valid
        sets.append(np.unique(graph.node_of_cell[cells]))
    return sets


def _region_boundary(graph: CircuitGraph, sets: list[np.ndarray]) -> np.ndarray:
    """Region nodes with a branch leaving their region (or in two regions via a polygon).

    A region's other nodes connect only inside it: shorted, they sit at the
    region's voltage and carry nothing; unshorted, they are ordinary nodes that
    can be eliminated with the rest.
    """
    count = np.zeros(graph.n_nodes, dtype=np.int64)
    owner = np.full(graph.n_nodes, -1, dtype=np.int64)
    for k, nodes in enumerate(sets):
        count[nodes] += 1
        owner[nodes] = k
    owner[count > 1] = -2
    i, j = graph.edges[:, 0], graph.edges[:, 1]
    differ = owner[i] != owner[j]
    boundary = np.zeros(graph.n_nodes, dtype=bool)
    boundary[i[differ]] = True
    boundary[j[differ]] = True
    return np.flatnonzero((boundary & (owner != -1)) | (count > 1))


def _pair_saddle(green: np.ndarray, t_a: np.ndarray, t_b: np.ndarray, ground: int) -> tuple:
    """Shorted pair in one component from the grounded Green's function on its boundary nodes.

    Unknowns: the currents ``q`` drawn from the reduced network at the boundary
    nodes of regions a and b and their two voltages; equations: every boundary
    node of a at ``V_a``, of b at ``V_b``, 1 A into b and out of a (the region
    holding the ground needs no balance: the ground takes it).  Returns
    ``(R, q, V_a, nodes)`` with ``R = V_b − V_a``.
    """
    nodes = np.concatenate([t_a, t_b])
    side = np.concatenate([np.zeros(len(t_a), int), np.ones(len(t_b), int)])
    free = nodes != ground
    cols = nodes[free]
    m = len(nodes)
    rows = [np.hstack([green[np.ix_(nodes, cols)], -(side[:, None] == [0, 1]).astype(float)])]
    rhs = [np.zeros(m)]
    for s, amps in ((0, -1.0), (1, 1.0)):
        if ground in nodes[side == s]:
            continue
        row = np.zeros(len(cols) + 2)
        row[: len(cols)] = side[free] == s
        rows.append(row[None, :])
        rhs.append([amps])
    sol = np.linalg.solve(np.vstack(rows), np.concatenate(rhs))
    q = np.zeros(m)
    q[free] = sol[: len(cols)]
    v_a, v_b = sol[-2], sol[-1]
    return v_b - v_a, q, v_a, nodes


def _pairwise_reduced(
    cells, focal, ids, solver, result, want_maps, pair_maps, polygons=None
) -> None:
    """Circuitscape's per-pair shorting from one factorisation of the unshorted graph.

    The pairs' networks differ only in which two regions are shorted.  The
    grounded Green's function ``G`` of the unshorted graph (polygons shorted),
    restricted to the regions' boundary nodes (:func:`_region_boundary`),
    holds everything the pairs need: shorting regions a and b is then a small
    dense saddle-point system on their boundary nodes (:func:`_pair_saddle`;
    Kron reduction, Dörfler & Bullo 2013, *IEEE TCAS-I* 60:150).  Components
    that hold nodes of both regions conduct in parallel; a component touched by
    one region only hangs from it and carries no current.  Current maps take
    one more solve per pair with the boundary currents as sources.
    """
    base_regions = None if polygons is None else short_regions(np.zeros_like(focal), polygons)
    graph = _assemble(cells, base_regions)
    sets = _region_nodes(graph, focal, ids, polygons)
    border = _region_boundary(graph, sets)
    comp_of_border = graph.component[border]
    comps, first = np.unique(comp_of_border, return_index=True)
    grounds = border[first]
    relevant = np.isin(graph.component, comps)
    relevant[grounds] = False
    free = np.flatnonzero(relevant)  # unknowns: relevant components less one ground each
    unknown = np.full(graph.n_nodes, -1, dtype=np.int64)
    unknown[free] = np.arange(free.size)
    columns = [int(k) for k in np.flatnonzero(unknown[border] >= 0)]
    pairs = list(itertools.combinations(range(len(ids)), 2))
    n_rhs = len(columns) + (len(pairs) if want_maps else 0)
    log.info(
        "pairwise, per-pair shorting: %d nodes, %d region boundary nodes, %d pairs",
        graph.n_nodes,
        len(border),
        len(pairs),
    )
    matrix = graph.laplacian[free][:, free]
    if solver == "auto":
        solver = plan_solver(free.size, matrix.nnz, n_rhs).method  # type: ignore[assignment]
    if solver == "cg+amg" and _per_pair_is_cheaper(matrix, n_rhs, len(pairs)):
        log.info("pairwise: CG + AMG set up per pair costs less than %d CG solves", n_rhs)
        _pairwise_per_pair(cells, focal, ids, solver, result, want_maps, pair_maps, polygons)
        return
    coordinates = None
    if solver == "cg+amg-lean":  # its aggregates are blocks of the raster
        row, col = _node_positions(graph.node_of_cell, graph.n_nodes)
        coordinates = (row[free], col[free])
        del row, col
    lin = LinearSolver(matrix, solver, n_rhs=n_rhs, coordinates=coordinates)
    del coordinates
    green = np.zeros((len(border), len(border)))
    progress = Progress("pairwise boundary solves", len(columns), log)
    for chunk in _chunks(columns, free.size):
        rhs = np.zeros((free.size, len(chunk)))
        rhs[unknown[border[chunk]], np.arange(len(chunk))] = 1.0
        x = lin.solve(rhs)
        inside = unknown[border] >= 0
        green[np.ix_(inside, chunk)] = x[unknown[border[inside]], :]
        progress.step(len(chunk))
    green = (green + green.T) / 2.0  # symmetric up to rounding
    position = np.full(graph.n_nodes, -1, dtype=np.int64)
    position[border] = np.arange(len(border))
    ground_of = dict(zip(comps.tolist(), position[grounds].tolist(), strict=True))
    pair_progress = Progress("pairwise pairs", len(pairs), log)
    for a, b in pairs:
        s_a, s_b = sets[a], sets[b]
        pair_progress.step()
        if s_a.size == 0 or s_b.size == 0:
            continue
        if np.intersect1d(s_a, s_b).size:  # one polygon shorts both: the same node
            r, parts = 0.0, []
        else:
            t_a, t_b = position[s_a], position[s_b]
            t_a, t_b = t_a[t_a >= 0], t_b[t_b >= 0]
            parts = []
            for comp in np.intersect1d(comp_of_border[t_a], comp_of_border[t_b]):
                ta = t_a[comp_of_border[t_a] == comp]
                tb = t_b[comp_of_border[t_b] == comp]
                parts.append(_pair_saddle(green, ta, tb, ground_of[int(comp)]))
            if not parts:
                continue
            r = 1.0 / sum(1.0 / p[0] for p in parts)
        result.resistance_matrix[a, b] = result.resistance_matrix[b, a] = r
        if want_maps:
            voltages = _pair_voltages(graph, lin, free, unknown, border, parts, r, s_b)
            _record_pair_on_base(
                result, cells, focal, ids, (a, b), graph, voltages, pair_maps, polygons
            )


def _per_pair_is_cheaper(matrix: sp.spmatrix, n_rhs: int, n_pairs: int) -> bool:
    """CG + AMG: one hierarchy and ``n_rhs`` solves, or a hierarchy and a solve per pair?"""
    one = COST["amg_setup"] * matrix.nnz + COST["cg"] * matrix.nnz * n_rhs
    each = n_pairs * (COST["amg_setup"] + COST["cg"]) * matrix.nnz
    return each < one


def _pair_voltages(graph, lin, free, unknown, border, parts, r, s_b) -> np.ndarray:
    """Node voltages of the shorted pair (region a at 0 V) on the unshorted graph's nodes."""
    voltages = np.zeros(graph.n_nodes)
    if not parts:
        return voltages
    rhs = np.zeros(free.size)
    shift = {}
    for r_c, q, v_a, nodes in parts:
        scale = r / r_c  # share of the 1 A through this component
        keep = unknown[border[nodes]] >= 0
        rhs[unknown[border[nodes[keep]]]] += scale * q[keep]
        shift[int(graph.component[border[nodes[0]]])] = scale * v_a
    voltages[free] = lin.solve(rhs)
    for comp, v_a in shift.items():
        on = graph.component == comp
        voltages[on] -= v_a
    # Components hanging from region b alone sit at its voltage.
    hanging = np.setdiff1d(np.unique(graph.component[s_b]), list(shift))
    voltages[np.isin(graph.component, hanging)] = r
    return voltages


def _record_pair_on_base(
    result, cells, focal, ids, pair, graph, voltages, pair_maps, polygons=None
):
    """Record a pair's maps on Circuitscape's pair graph (only its two regions shorted)."""
    a, b = pair
    two = np.where((focal == ids[a]) | (focal == ids[b]), focal, 0)
    pair_graph = _assemble(cells, short_regions(two, polygons))
    on = pair_graph.node_of_cell >= 0
    v = np.zeros(pair_graph.n_nodes)
    base_node = graph.node_of_cell[on]
    ok = base_node >= 0
    v[pair_graph.node_of_cell[on][ok]] = voltages[base_node[ok]]
    _record_pair(result, pair_graph, (int(ids[a]), int(ids[b])), v, pair_maps)


# ------------------------------------------------------------ one-to-all, all-to-one
def _focal_mode(
    mode: Literal["one-to-all", "all-to-one"],
    resistance: np.ndarray,
    focal: np.ndarray,
    *,
    solver: Solver = "auto",
    currents: bool = True,
    max_current: bool = False,
    focal_maps: bool = False,
    polygons: np.ndarray | None = None,
    **graph_options,
) -> FocalResult:
    """One-to-all or all-to-one (``mode``); the options are :func:`pairwise`'s.

    ``focal_maps`` keeps each focal node's voltage and current map (as
    ``pair_maps`` does per pair); ``graph_options`` are ``neighbours``, ``avg``
    and ``is_conductance``.
    """
    cells = _cell_edges(resistance, **graph_options)
    ids, focal = _focal_ids(focal, cells.shape)
    # Circuitscape shorts every region (and polygon) in these modes.
    graph = _assemble(cells, short_regions(focal, polygons))
    nodes = _focal_nodes(graph, focal, ids)
    # all-to-one: Circuitscape injects 1 A per focal *cell* (its source map is the
    # point raster), so a region injects as many amperes as it has node cells.
    is_node = graph.node_of_cell >= 0
    strength = np.array([np.count_nonzero((focal == i) & is_node) for i in ids], dtype=float)
    k = len(ids)
    result = FocalResult(ids, np.full(k, DISCONNECTED if mode == "one-to-all" else 0.0))
    if currents or max_current or focal_maps:
        _start_current_maps(result, cells.valid, max_current)
    labels = np.where(nodes >= 0, graph.component[np.maximum(nodes, 0)], -1)
    progress = Progress(mode, k, log)
    greens: dict[int, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
    for target in range(k):
        members = np.flatnonzero((labels == labels[target]) & (labels >= 0))
        if labels[target] < 0 or len(members) < 2:
            progress.step()
            continue
        lab = int(labels[target])
        if lab not in greens:
            comp_nodes = _component_nodes(graph, lab)
            local = np.searchsorted(comp_nodes, nodes[members])
            greens[lab] = (
                comp_nodes,
                local,
                _grounded_green(graph.laplacian, comp_nodes, list(local), solver),
            )
        comp_nodes, local, x = greens[lab]
        t = int(np.flatnonzero(members == target)[0])
        others = [p for p in range(len(members)) if p != t]
        if mode == "one-to-all":
            v_local = _one_to_all_voltages(x, local, t, others)
            result.resistances[target] = v_local[local[t]]
        else:
            # Sources at every other focal node, target grounded; column 0 of x
            # is the ground of x, whose injection has no effect there.
            w = x[:, others] @ strength[members[others]] - strength[members[others]].sum() * x[:, t]
            v_local = w - w[local[t]]
        if currents or max_current or focal_maps:
            voltages = np.zeros(graph.n_nodes)
            voltages[comp_nodes] = v_local
            cmap = graph.to_raster(node_currents(graph.edges, graph.conductances, voltages))
            _accumulate(result.cum_current, result.max_current, cmap)
            if focal_maps:
                result.curmaps[int(ids[target])] = cmap
                result.voltmaps[int(ids[target])] = graph.to_raster(voltages)
        progress.step()
    return result


def _one_to_all_voltages(x: np.ndarray, local: np.ndarray, t: int, others: list[int]) -> np.ndarray:
    """1 A into focal ``t``, every other focal node held at 0 V.

    With ``x`` grounded at focal 0, the unknown currents ``q`` leaving through
    the other focal nodes make their voltages equal: the focal block ``X_SS``
    of the Green's function gives them by a small dense solve.
    """
    green = x[local, :]
    if t != 0:
        # Focal 0 is ground already; the rest S must also sit at 0 V.
        rest = [p for p in others if p != 0]
        v = x[:, t].copy()
        if rest:
            q = np.linalg.solve(green[np.ix_(rest, rest)], -green[rest, t])
            v += x[:, rest] @ q
        return v
    # Source at the ground of x: relative to it the others share one voltage −V
    # and draw 1 A in total.  X_SS q = −V·1, 1ᵀq = −1  ⇒  V = 1 / (1ᵀ X_SS⁻¹ 1).
    s = np.linalg.solve(green[np.ix_(others, others)], np.ones(len(others)))
    volt = 1.0 / s.sum()
    return x[:, others] @ (-volt * s) + volt


def one_to_all(resistance: np.ndarray, focal: np.ndarray, **options) -> FocalResult:
    """Circuitscape one-to-all mode: 1 A into each focal node, all others grounded.

    Every focal region is shorted.  ``resistances[k]`` is the voltage at the
    source per ampere (−1 when no other focal node shares its component).  One
    Green's-function solve per focal node and a k×k dense solve per target
    replace Circuitscape's refactorisation for each target; the answers agree
    to solver tolerance.  Keyword ``options`` (``neighbours``, ``avg``,
    ``is_conductance``, ``solver``, ``currents``, ``max_current``,
    ``focal_maps``) as :func:`pairwise`'s, with the same defaults.
    """
    return _focal_mode("one-to-all", resistance, focal, **options)


def all_to_one(resistance: np.ndarray, focal: np.ndarray, **options) -> FocalResult:
    """Circuitscape all-to-one mode: each focal node in turn grounded, the others sources.

    As in Circuitscape.jl, each focal *cell* injects 1 A (a region of n node
    cells injects n A).  ``resistances`` are 0.  Keyword ``options`` as
    :func:`one_to_all`'s.
    """
    return _focal_mode("all-to-one", resistance, focal, **options)


# ------------------------------------------------------------------------ advanced
def ground_conductances(grounds, ground_is_resistance: bool) -> np.ndarray:
    """Circuitscape's ground values as conductances to ground.

    NaN or negative: no ground (0); with ``ground_is_resistance``, a resistance
    ``r`` is the conductance ``1 / r``, so 0 is a direct ground (inf).

    References
    ----------
    Circuitscape.jl ``read_source_and_ground_maps`` (``src/raster/advanced.jl``).
    """
    gnd = np.asarray(grounds, dtype=np.float64)
    with np.errstate(divide="ignore"):
        if ground_is_resistance:
            gnd = np.where(np.isnan(gnd), 0.0, 1.0 / gnd)
    return np.where(np.isnan(gnd) | (gnd < 0), 0.0, gnd)


def resolve_conflicts(sources: np.ndarray, grounds: np.ndarray, policy: str):
    """Nodes with both a source and a ground, as Circuitscape resolves them.

    ``policy`` (``remove_src_or_gnd``): keepall, rmvsrc (the source goes), rmvgnd (the
    ground goes) or rmvall; a source on a direct (infinite) ground always loses the
    ground.  Returns the sources, the grounds and the finite grounds (direct ones 0),
    new arrays.

    References
    ----------
    Circuitscape.jl ``resolve_conflicts`` (``src/raster/advanced.jl``).
    """
    if policy not in ("keepall", "rmvsrc", "rmvgnd", "rmvall"):
        raise ValueError(f"policy must be keepall, rmvsrc, rmvgnd or rmvall, got {policy!r}")
    sources, grounds = np.array(sources, np.float64), np.array(grounds, np.float64)
    conflict = (sources != 0) & (grounds != 0)
    if policy in ("rmvsrc", "rmvall"):
        sources[conflict] = 0.0
    if policy in ("rmvgnd", "rmvall"):
        grounds[conflict] = 0.0
    grounds[np.isinf(grounds) & (sources > 0)] = 0.0
    return sources, grounds, np.where(np.isinf(grounds), 0.0, grounds)


def advanced(
    resistance: np.ndarray,
    source: np.ndarray,
    ground: np.ndarray,
    *,
    ground_is_resistance: bool = False,
    policy: Literal["keepall", "rmvsrc", "rmvgnd", "rmvall"] = "keepall",
    neighbours: int = 8,
    avg: Average = "resistance",
    is_conductance: bool = False,
    regions: np.ndarray | None = None,
    solver: Solver = "auto",
) -> AdvancedResult:
    """Circuitscape advanced mode: current sources and grounds given as rasters.

    Parameters
    ----------
    resistance : numpy.ndarray
        Cell resistances (conductances when ``is_conductance``).
    source : numpy.ndarray
        Current (A) injected at each cell; NaN or 0 = none.  Sources in one
        shorted region add.
    ground : numpy.ndarray
        Conductance to ground of each cell (resistance when
        ``ground_is_resistance``; a ground resistance of 0 ties the cell
        directly to ground, 0 V).  NaN = no ground.
    policy : {'keepall', 'rmvsrc', 'rmvgnd', 'rmvall'}
        Cells with both a source and a ground: keep both, remove the source,
        remove the ground, or remove both (Circuitscape's ``remove_src_or_gnd``).
        A source on a direct (infinite) ground always loses the ground.
    regions : numpy.ndarray, optional
        Short-circuit regions (Circuitscape's polygon file).

    Returns
    -------
    AdvancedResult
        Voltage and node-current maps; components without both a source and a
        ground are left at 0.

    References
    ----------
    McRae et al. (2008) *Ecology* 89:2712; Circuitscape.jl ``src/raster/advanced.jl``.
    """
    graph = build_graph(resistance, neighbours, avg, is_conductance=is_conductance, regions=regions)
    n = graph.n_nodes
    is_node = graph.node_of_cell >= 0
    src_cells = np.nan_to_num(np.asarray(source, dtype=np.float64), nan=0.0)
    gnd_cells = ground_conductances(ground, ground_is_resistance)
    sources = np.bincount(graph.node_of_cell[is_node], src_cells[is_node], n)
    grounds = np.bincount(graph.node_of_cell[is_node], gnd_cells[is_node], n)
    sources, grounds, finite = resolve_conflicts(sources, grounds, policy)
    voltages = np.zeros(n)
    for label in range(graph.n_components):
        comp = _component_nodes(graph, label)
        if sources[comp].sum() == 0 or grounds[comp].sum() == 0:
            continue
        fixed = np.isinf(grounds[comp])
        free = comp[~fixed]
        matrix = graph.laplacian[free][:, free] + sp.diags(finite[free])
        voltages[free] = LinearSolver(matrix, solver).solve(sources[free])
    current = node_currents(graph.edges, graph.conductances, voltages, finite)
    return AdvancedResult(graph.to_raster(voltages), graph.to_raster(current))


# ------------------------------------------------------------------ network level
def network_resistances(
    n_nodes: int,
    edges: np.ndarray,
    conductances: np.ndarray,
    focal_nodes: Sequence[int],
    solver: Solver = "auto",
) -> np.ndarray:
    """Effective-resistance matrix between ``focal_nodes`` of a resistor network.

    Parameters
    ----------
    n_nodes : int
        Number of nodes (0 … n_nodes − 1).
    edges : numpy.ndarray
        (m, 2) node pairs; parallel edges add.
    conductances : numpy.ndarray
        (m,) positive conductances (siemens).
    focal_nodes : sequence of int
        Nodes between which to compute resistances.

    Returns
    -------
    numpy.ndarray
        Symmetric matrix, 0 on the diagonal, −1 for disconnected pairs.
    """
    edges = np.asarray(edges, dtype=np.int64).reshape(-1, 2)
    g = np.asarray(conductances, dtype=np.float64)
    adjacency = sp.coo_matrix((g, (edges[:, 0], edges[:, 1])), shape=(n_nodes, n_nodes)).tocsr()
    adjacency = adjacency + adjacency.T
    laplacian = (sp.diags(np.asarray(adjacency.sum(axis=1)).ravel()) - adjacency).tocsr()
    _, component = connected_components(adjacency, directed=False)
    focal_nodes = np.asarray(focal_nodes, dtype=np.int64)
    k = len(focal_nodes)
    out = np.full((k, k), DISCONNECTED)
    np.fill_diagonal(out, 0.0)
    for label in np.unique(component[focal_nodes]):
        members = np.flatnonzero(component[focal_nodes] == label)
        if len(members) < 2:
            continue
        comp_nodes = np.flatnonzero(component == label)
        local = np.searchsorted(comp_nodes, focal_nodes[members])
        x = _grounded_green(laplacian, comp_nodes, list(local), solver)
        green = x[local, :]
        diag = np.diag(green)
        r = diag[:, None] + diag[None, :] - green - green.T
        for p, q in itertools.combinations(range(len(members)), 2):
            out[members[p], members[q]] = out[members[q], members[p]] = r[p, q]
    return out
