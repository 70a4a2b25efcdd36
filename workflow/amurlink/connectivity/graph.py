"""Graph connectivity of the core network: IIC, PC, EC and node and link importance.

Nodes are cores weighted by area (km²); edges are the least-cost links with
their cost-weighted distance ``cwd`` (resistance × m).  The indices are those
of Conefor (Saura & Torné 2009):

* Integral Index of Connectivity (Pascual-Hortal & Saura 2006)

  .. math:: IIC = \\frac{\\sum_i \\sum_j a_i a_j / (1 + nl_{ij})}{A_L^2}

  with :math:`nl_{ij}` the number of links on the topologically shortest path
  between *i* and *j* (0 for *i = j*; unreachable pairs contribute 0).
* Probability of Connectivity (Saura & Pascual-Hortal 2007)

  .. math:: PC = \\frac{\\sum_i \\sum_j a_i a_j p^*_{ij}}{A_L^2}, \\qquad
            EC = \\sqrt{\\sum_i \\sum_j a_i a_j p^*_{ij}}

  with direct dispersal probability :math:`p_{ij} = e^{-k d_{ij}}` and
  :math:`p^*_{ij}` the maximum product of probabilities over all paths
  (:math:`p^*_{ii} = 1`).  Because :math:`-\\ln p = k d`, the maximum-product
  path is the shortest path on ``cwd`` and :math:`p^*_{ij} = e^{-k D_{ij}}`
  with :math:`D_{ij}` the network shortest-path cost.  Here
  :math:`k = \\ln 2 / d_{50}` with :math:`d_{50}` the species' dispersal
  distance (config ``dispersal_km`` × 1000 cost units), so that a link as costly
  as 1 km × ``dispersal_km`` of the best habitat is crossed with probability 0.5.
* Node importance :math:`dI_k = 100 (I - I_{-k}) / I`, and for PC its three
  fractions (Saura & Rubio 2010), :math:`dPC = dPC_{intra} + dPC_{flux} +
  dPC_{connector}`:

  .. math:: dPC_{intra,k} = 100\\,a_k^2 / PC_{num}, \\quad
            dPC_{flux,k} = 100 \\cdot 2 a_k \\sum_{j \\ne k} a_j p^*_{kj} / PC_{num},

  .. math:: dPC_{connector,k} = 100 \\sum_{i \\ne k} \\sum_{j \\ne k}
            a_i a_j (p^*_{ij} - p'^*_{ij}) / PC_{num},

  :math:`p'^*` the maximum-product probabilities once *k* is removed (the same
  split is reported for IIC).  Link importance removes the link instead.

:math:`A_L` is the landscape area (km²); it scales IIC and PC but not the
importances or EC.

References
----------
Pascual-Hortal, L. & Saura, S. (2006). Comparison and development of new
graph-based landscape connectivity indices. *Landscape Ecology* 21, 959–967.

Saura, S. & Pascual-Hortal, L. (2007). A new habitat availability index to
integrate connectivity in landscape conservation planning. *Landscape and
Urban Planning* 83, 91–103.

Saura, S. & Rubio, L. (2010). A common currency for the different ways in
which patches and links can contribute to habitat availability and
connectivity in the landscape. *Ecography* 33, 523–537.

Saura, S. & Torné, J. (2009). Conefor Sensinode 2.2. *Environmental Modelling
& Software* 24, 135–139.

Newman, M. E. J. (2005). A measure of betweenness centrality based on random
walks. *Social Networks* 27, 39–54 (current-flow betweenness).
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import networkx as nx
import numpy as np
import pandas as pd
from scipy.sparse import csr_array
from scipy.sparse.csgraph import shortest_path

#: Smallest edge weight passed to the shortest-path solver (it drops zeros).
_TINY = 1e-12


def decay_constant(dispersal_cost: float) -> float:
    """``k`` of ``p = exp(-k d)`` such that ``p = 0.5`` at ``d = dispersal_cost``."""
    if not dispersal_cost > 0:
        raise ValueError(f"dispersal distance must be > 0, got {dispersal_cost}")
    return math.log(2.0) / dispersal_cost


def build_graph(
    nodes: pd.DataFrame,
    links: pd.DataFrame,
    *,
    node_key: str = "core_id",
    ends: tuple[str, str] = ("from_core", "to_core"),
) -> nx.Graph:
    """Undirected graph of cores (nodes) and links (edges) with their attributes.

    Parameters
    ----------
    nodes : pandas.DataFrame
        One row per core: ``node_key`` and attributes (``area_km2`` …); a
        ``geometry`` column is dropped.
    links : pandas.DataFrame
        One row per link: the two ``ends`` columns and attributes (``cwd`` …).
    node_key : str
        Node id column.
    ends : (str, str)
        Columns of the linked node ids.

    Returns
    -------
    networkx.Graph
        Attributes converted to Python scalars; NaN and None left out.
    """
    graph = nx.Graph()
    for row in nodes.drop(columns="geometry", errors="ignore").to_dict("records"):
        node = int(row.pop(node_key))
        graph.add_node(node, **_clean(row))
    for row in links.drop(columns="geometry", errors="ignore").to_dict("records"):
        a, b = int(row.pop(ends[0])), int(row.pop(ends[1]))
        for end in (a, b):
            if end not in graph:
                raise ValueError(f"link {a}-{b}: node {end} not among the nodes")
        graph.add_edge(a, b, **_clean(row))
    return graph


def _clean(attrs: dict) -> dict:
    out = {}
    for key, value in attrs.items():
        if value is None:
            continue
        if isinstance(value, np.generic):
            value = value.item()
        if isinstance(value, float) and math.isnan(value):
            continue
        out[key] = value
    return out


# --------------------------------------------------------------- matrices
def _order(graph: nx.Graph) -> list:
    return sorted(graph.nodes)


def _weights(graph: nx.Graph, order: list, weight: str | None) -> csr_array:
    """Symmetric sparse matrix of edge weights (``weight=None``: 1 per edge)."""
    index = {node: i for i, node in enumerate(order)}
    rows, cols, vals = [], [], []
    for a, b, data in graph.edges(data=True):
        w = 1.0 if weight is None else float(data[weight])
        if not w >= 0:
            raise ValueError(f"edge {a}-{b}: {weight} = {w} is not a non-negative number")
        rows += [index[a], index[b]]
        cols += [index[b], index[a]]
        vals += [max(w, _TINY)] * 2
    n = len(order)
    return csr_array((vals, (rows, cols)), shape=(n, n))


def _distances(weights: csr_array, keep: np.ndarray | None = None) -> np.ndarray:
    """All-pairs shortest paths (inf = unreachable), optionally on a node subset."""
    if keep is not None:
        weights = weights[keep][:, keep]
    if weights.shape[0] == 0:
        return np.zeros((0, 0))
    return shortest_path(weights, method="D", directed=False)


def _areas(graph: nx.Graph, order: list, area: str) -> np.ndarray:
    return np.array([float(graph.nodes[n][area]) for n in order])


def max_product_probability(
    graph: nx.Graph, dispersal_cost: float, weight: str = "cwd"
) -> tuple[list, np.ndarray]:
    """Node order and the matrix of maximum-product probabilities ``p*_ij``.

    ``p*_ij = exp(-k D_ij)``, ``D`` the shortest-path cost on ``weight`` and
    ``k`` from :func:`decay_constant`; ``p*_ii = 1``, 0 between components
    (Saura & Pascual-Hortal 2007).
    """
    order = _order(graph)
    k = decay_constant(dispersal_cost)
    return order, np.exp(-k * _distances(_weights(graph, order, weight)))


def _pc_matrix(weights: csr_array, k: float, keep=None) -> np.ndarray:
    return np.exp(-k * _distances(weights, keep))


def _iic_matrix(hops: csr_array, keep=None) -> np.ndarray:
    return 1.0 / (1.0 + _distances(hops, keep))  # inf hops → 0


# ---------------------------------------------------------------- indices
def connectivity_indices(
    graph: nx.Graph,
    landscape_area: float,
    dispersal_cost: float,
    *,
    area: str = "area_km2",
    weight: str = "cwd",
) -> dict:
    """IIC, PC and EC of the whole network.

    Parameters
    ----------
    graph : networkx.Graph
        Nodes with ``area``, edges with ``weight``.
    landscape_area : float
        :math:`A_L`, in the units of ``area`` (km²).
    dispersal_cost : float
        Cost distance at which ``p = 0.5`` (cost units of ``weight``).
    area, weight : str
        Node and edge attribute names.

    Returns
    -------
    dict
        ``IIC``, ``IIC_num``, ``PC``, ``PC_num``, ``EC`` (km², the area of a
        single patch giving the same PC), ``EC_fraction`` (EC over total core
        area: 1 when every core reaches every other with p* = 1), ``k``,
        counts of nodes, links, components, total core area.

    References
    ----------
    Pascual-Hortal & Saura (2006); Saura & Pascual-Hortal (2007).
    """
    if not landscape_area > 0:
        raise ValueError(f"landscape area must be > 0, got {landscape_area}")
    order = _order(graph)
    a = _areas(graph, order, area)
    k = decay_constant(dispersal_cost)
    pc_num = float(a @ _pc_matrix(_weights(graph, order, weight), k) @ a) if len(a) else 0.0
    iic_num = float(a @ _iic_matrix(_weights(graph, order, None)) @ a) if len(a) else 0.0
    total = float(a.sum())
    ec = math.sqrt(pc_num)
    return {
        "IIC": iic_num / landscape_area**2,
        "IIC_num": iic_num,
        "PC": pc_num / landscape_area**2,
        "PC_num": pc_num,
        "EC": ec,
        "EC_fraction": ec / total if total > 0 else float("nan"),
        "k": k,
        "dispersal_cost": float(dispersal_cost),
        "landscape_area": float(landscape_area),
        "total_core_area": total,
        "n_nodes": graph.number_of_nodes(),
        "n_links": graph.number_of_edges(),
        "n_components": nx.number_connected_components(graph) if len(graph) else 0,
    }


def _fractions(a: np.ndarray, full: np.ndarray, matrix_without) -> dict[str, np.ndarray]:
    """Node-removal importance and its intra / flux / connector split for one index.

    ``full`` is the pairwise matrix (p* or 1/(1+nl)) of the whole graph;
    ``matrix_without(keep)`` recomputes it on the nodes ``keep``.
    """
    n = len(a)
    num = float(a @ full @ a)
    intra = a**2
    flux = 2 * a * (full @ a - np.diag(full) * a)
    connector = np.zeros(n)
    removed = np.zeros(n)
    for k in range(n):
        keep = np.arange(n) != k
        ak = a[keep]
        without = matrix_without(keep)
        # Connections among the others lost (or weakened) without k as a stepping stone.
        connector[k] = float(ak @ (full[np.ix_(keep, keep)] - without) @ ak)
        removed[k] = num - float(ak @ without @ ak)
    scale = 100.0 / num if num > 0 else 0.0
    return {
        "d": removed * scale,
        "intra": intra * scale,
        "flux": flux * scale,
        "connector": connector * scale,
    }


def node_importance(
    graph: nx.Graph,
    dispersal_cost: float,
    *,
    area: str = "area_km2",
    weight: str = "cwd",
) -> pd.DataFrame:
    """dIIC and dPC of every node, with Saura & Rubio's intra/flux/connector split.

    Returns
    -------
    pandas.DataFrame
        ``node``, ``dIIC``, ``dIICintra``, ``dIICflux``, ``dIICconnector``,
        ``dPC``, ``dPCintra``, ``dPCflux``, ``dPCconnector`` (percent), ordered
        by node.  For every node ``dPC = dPCintra + dPCflux + dPCconnector``
        (and likewise for IIC), up to round-off.

    References
    ----------
    Saura, S. & Rubio, L. (2010). *Ecography* 33, 523–537.
    """
    order = _order(graph)
    a = _areas(graph, order, area)
    k = decay_constant(dispersal_cost)
    w = _weights(graph, order, weight)
    hops = _weights(graph, order, None)
    table = {"node": order}
    pc = _fractions(a, _pc_matrix(w, k), lambda keep: _pc_matrix(w, k, keep))
    iic = _fractions(a, _iic_matrix(hops), lambda keep: _iic_matrix(hops, keep))
    for name, parts in (("dIIC", iic), ("dPC", pc)):
        table[name] = parts["d"]
        for part in ("intra", "flux", "connector"):
            table[f"{name}{part}"] = parts[part]
    return pd.DataFrame(table)


def link_importance(
    graph: nx.Graph,
    dispersal_cost: float,
    *,
    area: str = "area_km2",
    weight: str = "cwd",
) -> pd.DataFrame:
    """dPC and dIIC of every link: percent loss of PC / IIC when the link is removed.

    Returns
    -------
    pandas.DataFrame
        ``u``, ``v`` (u < v), ``dPC``, ``dIIC``, in edge order sorted by (u, v).

    References
    ----------
    Saura, S. & Rubio, L. (2010). *Ecography* 33, 523–537; Pascual-Hortal, L. &
    Saura, S. (2006). *Landscape Ecology* 21, 959–967.
    """
    order = _order(graph)
    a = _areas(graph, order, area)
    k = decay_constant(dispersal_cost)
    pc_num = float(a @ _pc_matrix(_weights(graph, order, weight), k) @ a)
    iic_num = float(a @ _iic_matrix(_weights(graph, order, None)) @ a)
    rows = []
    for u, v in sorted(tuple(sorted(e)) for e in graph.edges):
        data = graph.edges[u, v]
        graph.remove_edge(u, v)
        try:
            pc_without = float(a @ _pc_matrix(_weights(graph, order, weight), k) @ a)
            iic_without = float(a @ _iic_matrix(_weights(graph, order, None)) @ a)
        finally:
            graph.add_edge(u, v, **data)
        rows.append(
            {
                "u": u,
                "v": v,
                "dPC": 100 * (pc_num - pc_without) / pc_num if pc_num > 0 else 0.0,
                "dIIC": 100 * (iic_num - iic_without) / iic_num if iic_num > 0 else 0.0,
            }
        )
    return pd.DataFrame(rows, columns=["u", "v", "dPC", "dIIC"])


def conductance_attribute(graph: nx.Graph) -> str:
    """Edge attribute to use as resistance for current flow.

    ``effective_resistance`` (circuit theory) when every edge has a finite
    positive one; otherwise ``cwd`` — one consistent unit for the whole graph.
    """
    values = [d.get("effective_resistance") for _, _, d in graph.edges(data=True)]
    if values and all(v is not None and np.isfinite(v) and v > 0 for v in values):
        return "effective_resistance"
    return "cwd"


def centrality(graph: nx.Graph, *, weight: str = "cwd") -> tuple[pd.DataFrame, pd.DataFrame]:
    """Shortest-path and current-flow betweenness of nodes, and edge betweenness.

    Betweenness (Freeman 1977, Brandes 2001) uses shortest paths on ``weight``
    (the maximum-product paths of PC).  Current-flow betweenness (Newman 2005)
    treats each link as a resistor of ``1/conductance`` =
    :func:`conductance_attribute` and is computed per connected component of at
    least three nodes (normalised within the component; 0 elsewhere).

    Returns
    -------
    nodes : pandas.DataFrame
        ``node``, ``betweenness``, ``current_flow_betweenness``, ``degree``.
    edges : pandas.DataFrame
        ``u``, ``v`` (u < v), ``edge_betweenness``.
    """
    order = _order(graph)
    betweenness = nx.betweenness_centrality(graph, weight=weight, normalized=True)
    edge_bc = nx.edge_betweenness_centrality(graph, weight=weight, normalized=True)
    resistance_attr = conductance_attribute(graph)
    flow = dict.fromkeys(order, 0.0)
    for component in nx.connected_components(graph):
        if len(component) < 3:
            continue
        sub = graph.subgraph(component).copy()
        # Conductance = 1/resistance, scaled to max 1 (betweenness is scale-free).
        g = {
            (u, v): 1.0 / max(float(d[resistance_attr]), _TINY) for u, v, d in sub.edges(data=True)
        }
        top = max(g.values())
        nx.set_edge_attributes(sub, {e: v / top for e, v in g.items()}, "conductance")
        flow.update(nx.current_flow_betweenness_centrality(sub, weight="conductance"))
    nodes = pd.DataFrame(
        {
            "node": order,
            "betweenness": [betweenness[n] for n in order],
            "current_flow_betweenness": [flow[n] for n in order],
            "degree": [graph.degree[n] for n in order],
        }
    )
    edges = pd.DataFrame(
        [(min(u, v), max(u, v), c) for (u, v), c in edge_bc.items()],
        columns=["u", "v", "edge_betweenness"],
    ).sort_values(["u", "v"], ignore_index=True)
    return nodes, edges


def set_attributes(graph: nx.Graph, nodes: pd.DataFrame | None, edges: pd.DataFrame | None):
    """Copy node (``node`` column) and edge (``u``, ``v``) tables onto the graph."""
    if nodes is not None:
        for row in nodes.to_dict("records"):
            graph.nodes[row.pop("node")].update(_clean(row))
    if edges is not None:
        for row in edges.to_dict("records"):
            graph.edges[row.pop("u"), row.pop("v")].update(_clean(row))
    return graph


def to_graphml(graph: nx.Graph) -> str:
    """GraphML text of the graph (scalar attributes only; node ids as strings)."""
    return "\n".join(nx.generate_graphml(graph, prettyprint=True)) + "\n"


def cross_border_links(graph: nx.Graph, attribute: str = "crosses_border") -> Iterable:
    """Edges flagged as crossing a border."""
    return [(u, v) for u, v, d in graph.edges(data=True) if d.get(attribute)]
