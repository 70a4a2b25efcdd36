"""Circuit theory on a resistor network given as a graph (Circuitscape's network mode).

Circuitscape reads a graph as ``node node value`` triples (conductances, or
resistances when ``habitat_map_is_resistances``) and runs pairwise or advanced
mode on it (Circuitscape.jl ``src/network/*.jl``, ``src/core.jl``, ``src/out.jl``;
McRae et al. 2008, *Ecology* 89:2712).  This module holds the network side as
pure functions; the ``.ini`` runner (:mod:`amurlink.apps.circuitscape_ini`) reads
and writes the files.  Conventions, as Circuitscape.jl:

* node IDs are non-negative integers; parallel edges add, self-loops vanish;
* pairs are solved per connected component: 1 A enters at the second node of a
  pair and leaves at the first, voltages are shifted so that the first node is
  at 0 V, and the effective resistance is the second node's voltage;
  pairs in different components get −1, a focal node listed twice 0;
* node currents are :func:`amurlink.connectivity.circuit.node_currents`
  (the larger of in- and outflow, small branch currents cut at 1e-8 of the
  largest); branch currents are ``|g (v_i − v_j)|`` per edge, with the same cut;
* advanced mode: per component with both a source and a ground, finite grounds
  join the Laplacian's diagonal, direct grounds (infinite conductance) are held
  at 0 V, and ``remove_src_or_gnd`` resolves nodes with both.

Each component's grounded Laplacian is factorised (or its AMG hierarchy built)
once by :class:`amurlink.connectivity.circuit.LinearSolver`, and all of its
focal nodes are solved as right-hand sides of that one solver: the voltages of
pair (a, b) are ``x_b − x_a`` by superposition, with ``x_k`` the voltages for
1 A into node k out of the component's ground.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

from amurlink.connectivity.circuit import (
    BRANCH_CURRENT_CUTOFF,
    DISCONNECTED,
    LinearSolver,
    Solver,
    ground_conductances,
    node_currents,
    principal_submatrix,
    resolve_conflicts,
)

Policy = Literal["keepall", "rmvsrc", "rmvgnd", "rmvall"]


@dataclass(frozen=True)
class Network:
    """A resistor network: nodes, merged edges, Laplacian and components.

    Attributes
    ----------
    node_ids : numpy.ndarray
        (n,) sorted node IDs as the graph file gives them.
    edges : numpy.ndarray
        (m, 2) local node indices ``i < j``, one row per pair of joined nodes.
    conductances : numpy.ndarray
        (m,) conductance of each edge (parallel edges summed).
    laplacian : scipy.sparse.csr_matrix
        (n, n) weighted graph Laplacian.
    component : numpy.ndarray
        (n,) connected-component label of each node.
    """

    node_ids: np.ndarray
    edges: np.ndarray
    conductances: np.ndarray
    laplacian: sp.csr_matrix
    component: np.ndarray

    @property
    def n_nodes(self) -> int:
        return int(self.node_ids.size)

    def index(self, ids) -> np.ndarray:
        """Local index of each node ID (−1 for IDs not in the graph)."""
        ids = np.asarray(ids, dtype=np.int64)
        if self.n_nodes == 0:
            return np.full(ids.shape, -1, dtype=np.int64)
        at = np.searchsorted(self.node_ids, ids).clip(0, self.n_nodes - 1)
        return np.where(self.node_ids[at] == ids, at, -1)

    def component_nodes(self, label: int) -> np.ndarray:
        return np.flatnonzero(self.component == label)


def build_network(
    a: np.ndarray, b: np.ndarray, values: np.ndarray, *, is_resistance: bool
) -> Network:
    """The network of edges ``a — b`` with conductance (or resistance) ``values``.

    Parameters
    ----------
    a, b : numpy.ndarray
        Integer node IDs of each edge's ends.
    values : numpy.ndarray
        Positive, finite conductances, or resistances when ``is_resistance``.

    Raises
    ------
    ValueError
        On non-integer or negative IDs, or values that are not finite and > 0
        (Circuitscape cannot honour a zero resistance: use one node instead).

    References
    ----------
    Circuitscape.jl ``load_graph`` (``src/io.jl``) and ``compute_graph_data``
    (``src/network/pairwise.jl``).
    """
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    values = np.asarray(values, dtype=np.float64)
    ends = np.concatenate([a, b])
    if np.any(ends != np.round(ends)) or np.any(ends < 0):
        raise ValueError("node IDs must be non-negative integers")
    if not np.all(np.isfinite(values) & (values > 0)):
        kind = "resistances" if is_resistance else "conductances"
        raise ValueError(f"edge {kind} must be finite and > 0")
    g = 1.0 / values if is_resistance else values
    node_ids = np.unique(ends.astype(np.int64))
    i = np.searchsorted(node_ids, a.astype(np.int64))
    j = np.searchsorted(node_ids, b.astype(np.int64))
    keep = i != j  # self-loops carry no current
    lo, hi = np.minimum(i, j)[keep], np.maximum(i, j)[keep]
    n = node_ids.size
    upper = sp.coo_matrix((g[keep], (lo, hi)), shape=(n, n)).tocsr()
    upper.sum_duplicates()
    coo = upper.tocoo()
    order = np.lexsort((coo.col, coo.row))
    edges = np.column_stack([coo.row[order], coo.col[order]]).astype(np.int64)
    conductances = coo.data[order]
    adjacency = upper + upper.T
    laplacian = (sp.diags(np.asarray(adjacency.sum(axis=1)).ravel()) - adjacency).tocsr()
    _, component = connected_components(adjacency, directed=False)
    return Network(node_ids, edges, conductances, laplacian, component)


def branch_currents(net: Network, voltages: np.ndarray) -> np.ndarray:
    """|current| on each edge, cut at 1e-8 of the largest as Circuitscape.jl.

    ``_get_branch_currents(G, v, true)`` then ``abs`` (``src/out.jl``): the
    signed currents ``g (v_i − v_j)`` (i < j) below 1e-8 of their maximum are 0.
    """
    forward = net.conductances * (voltages[net.edges[:, 0]] - voltages[net.edges[:, 1]])
    if forward.size and forward.max() > 0:
        forward = np.where(np.abs(forward / forward.max()) < BRANCH_CURRENT_CUTOFF, 0.0, forward)
    return np.abs(forward)


@dataclass
class Solution:
    """Voltages and currents of one solve, on the nodes of its component(s)."""

    nodes: np.ndarray  # local node indices, sorted
    voltages: np.ndarray  # (len(nodes),)
    node_current: np.ndarray  # (len(nodes),)
    edges: np.ndarray  # indices into Network.edges
    branch_current: np.ndarray  # (len(edges),)


@dataclass
class NetworkPairwise:
    """Pairwise resistances between focal node IDs (in the order given) and per-pair solves."""

    ids: np.ndarray
    resistance_matrix: np.ndarray
    solutions: dict[tuple[int, int], Solution] = field(default_factory=dict)


def _solution(net: Network, nodes: np.ndarray, v_nodes: np.ndarray, finite=None) -> Solution:
    full = np.zeros(net.n_nodes)
    full[nodes] = v_nodes
    in_comp = np.zeros(net.n_nodes, dtype=bool)
    in_comp[nodes] = True
    edge_at = np.flatnonzero(in_comp[net.edges[:, 0]])
    sub_edges = np.searchsorted(nodes, net.edges[edge_at])
    current = node_currents(sub_edges, net.conductances[edge_at], v_nodes, finite)
    branch = branch_currents(net, full)[edge_at]
    return Solution(nodes, v_nodes, current, edge_at, branch)


def pairwise(
    net: Network,
    focal_ids,
    *,
    include: dict[int, set[int]] | None = None,
    solutions: bool = False,
    solver: Solver = "auto",
) -> NetworkPairwise:
    """Effective resistance between every pair of focal nodes (Circuitscape network pairwise).

    Parameters
    ----------
    net : Network
    focal_ids : sequence of int
        Focal node IDs in the order of Circuitscape's focal-node file (repeats
        allowed: they get resistance 0 between them).
    include : dict, optional
        For ``use_included_pairs``: per ID, the IDs it is solved with; other
        pairs keep −1.
    solutions : bool
        Keep each pair's voltages, node and branch currents.
    solver : {'auto', 'direct', 'cg+amg'}

    Returns
    -------
    NetworkPairwise
        −1 for pairs in different components or with a node not in the graph.

    References
    ----------
    Circuitscape.jl ``single_ground_all_pairs`` (``src/core.jl``).
    """
    ids = np.asarray(focal_ids, dtype=np.int64)
    k = ids.size
    matrix = np.full((k, k), DISCONNECTED)
    np.fill_diagonal(matrix, 0.0)
    local = net.index(ids)
    same = np.equal.outer(ids, ids) & (local[:, None] >= 0)
    matrix[same] = 0.0
    out = NetworkPairwise(ids, matrix)
    present = local[local >= 0]
    for label in dict.fromkeys(net.component[present].tolist()):  # first-seen order
        nodes = net.component_nodes(label)
        members = set(net.node_ids[nodes].tolist())
        uniq = list(dict.fromkeys(int(x) for x in ids.tolist() if x in members))
        if len(uniq) < 2:
            continue
        pos = np.searchsorted(nodes, net.index(uniq))
        x = _grounded_columns(net, nodes, pos, solver, full=solutions)
        at = pos if solutions else np.arange(len(uniq))  # rows of the focal nodes in x
        for p in range(len(uniq)):
            for q in range(p + 1, len(uniq)):
                a, b = uniq[p], uniq[q]
                if include is not None and b not in include.get(a, set()):
                    continue
                # 1 A in at b, out at a, a at 0 V: v = x_b − x_a − (x_b − x_a)[a].
                r = float(x[at[q], q] - x[at[q], p] - x[at[p], q] + x[at[p], p])
                rows, cols = np.flatnonzero(ids == a), np.flatnonzero(ids == b)
                matrix[np.ix_(rows, cols)] = r
                matrix[np.ix_(cols, rows)] = r
                if solutions:
                    v = x[:, q] - x[:, p]
                    out.solutions[(a, b)] = _solution(net, nodes, v - v[pos[p]])
    return out


#: Right-hand sides solved at once when only focal-node voltages are kept.
BATCH = 64


def _grounded_columns(
    net: Network, nodes: np.ndarray, pos: np.ndarray, solver: Solver, full: bool
) -> np.ndarray:
    """Voltages for 1 A into each focal node ``pos`` (local), the first one grounded.

    One solver (factorisation or AMG hierarchy) for the component; column k is
    the solution for focal node k.  ``full``: every node's voltage (n × k);
    otherwise only the focal nodes' rows (k × k), solved ``BATCH`` columns at a
    time so that memory stays at n × BATCH.
    """
    keep = np.ones(nodes.size, dtype=bool)
    keep[pos[0]] = False
    x = np.zeros((nodes.size if full else pos.size, pos.size))
    if not keep.any():
        return x
    lin = LinearSolver(principal_submatrix(net.laplacian, nodes[keep]), solver)
    index = np.cumsum(keep) - 1  # position of a kept node in the grounded system
    for start in range(1, pos.size, BATCH):
        cols = np.arange(start, min(start + BATCH, pos.size))
        rhs = np.zeros((int(keep.sum()), cols.size))
        rhs[index[pos[cols]], np.arange(cols.size)] = 1.0
        sol = np.zeros((nodes.size, cols.size))
        sol[keep] = lin.solve(rhs)
        x[:, cols] = sol if full else sol[pos]
    return x


def advanced(
    net: Network,
    sources: np.ndarray,
    grounds: np.ndarray,
    *,
    ground_is_resistance: bool,
    policy: Policy = "keepall",
    solver: Solver = "auto",
) -> Solution:
    """Voltages and currents for current sources and grounds on network nodes.

    Parameters
    ----------
    net : Network
    sources : numpy.ndarray
        (n,) current injected at each node (A); 0 = none.
    grounds : numpy.ndarray
        (n,) conductance to ground (resistance when ``ground_is_resistance``,
        where 0 means a direct ground); NaN = no ground.
    policy : {'keepall', 'rmvsrc', 'rmvgnd', 'rmvall'}
        Nodes with both a source and a ground (Circuitscape's
        ``remove_src_or_gnd``); a source on a direct ground always loses the
        ground.

    Returns
    -------
    Solution
        Over every node of the graph; components without both a source and a
        ground stay at 0 V.

    References
    ----------
    Circuitscape.jl ``resolve_conflicts``, ``advanced_kernel`` and
    ``multiple_solver`` (``src/raster/advanced.jl``).
    """
    src = np.nan_to_num(np.asarray(sources, dtype=np.float64), nan=0.0)
    gnd = ground_conductances(grounds, ground_is_resistance)
    src, gnd, finite = resolve_conflicts(src, gnd, policy)
    voltages = np.zeros(net.n_nodes)
    for label in np.unique(net.component):
        comp = net.component_nodes(int(label))
        if src[comp].sum() == 0 or gnd[comp].sum() == 0:
            continue
        free = comp[~np.isinf(gnd[comp])]
        matrix = net.laplacian[free][:, free] + sp.diags(finite[free])
        voltages[free] = LinearSolver(matrix, solver).solve(src[free])
    return _solution(net, np.arange(net.n_nodes), voltages, finite)
