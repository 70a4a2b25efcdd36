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
from dataclasses import dataclass

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


@dataclass
class _Network:
    """What every index needs of a graph: node order, areas, decay constant, weights."""

    order: list
    areas: np.ndarray
    k: float
    cost: csr_array  # edge costs (``weight``)
    hops: csr_array  # 1 per edge

    @classmethod
    def of(
        cls, graph: nx.Graph, dispersal_cost: float, area: str = "area_km2", weight: str = "cwd"
    ) -> _Network:
        order = _order(graph)
        return cls(
            order,
            _areas(graph, order, area),
            decay_constant(dispersal_cost),
            _weights(graph, order, weight),
            _weights(graph, order, None),
        )

    def pc(self, keep=None) -> np.ndarray:
        """Matrix of ``p*_ij`` (on the nodes ``keep``)."""
        return _pc_matrix(self.cost, self.k, keep)

    def iic(self, keep=None) -> np.ndarray:
        """Matrix of ``1 / (1 + nl_ij)`` (on the nodes ``keep``)."""
        return _iic_matrix(self.hops, keep)

    def numerators(self) -> tuple[float, float]:
        """``PC_num`` and ``IIC_num``: the sums of ``a_i a_j p*_ij`` and ``a_i a_j / (1 + nl_ij)``."""
        a = self.areas
        if not len(a):
            return 0.0, 0.0
        return float(a @ self.pc() @ a), float(a @ self.iic() @ a)


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
    network = _Network.of(graph, dispersal_cost, area, weight)
    pc_num, iic_num = network.numerators()
    total = float(network.areas.sum())
    ec = math.sqrt(pc_num)
    return {
        "IIC": iic_num / landscape_area**2,
        "IIC_num": iic_num,
        "PC": pc_num / landscape_area**2,
        "PC_num": pc_num,
        "EC": ec,
        "EC_fraction": ec / total if total > 0 else float("nan"),
        "k": network.k,
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
    network = _Network.of(graph, dispersal_cost, area, weight)
    table = {"node": network.order}
    pc = _fractions(network.areas, network.pc(), network.pc)
    iic = _fractions(network.areas, network.iic(), network.iic)
    for name, parts in (("dIIC", iic), ("dPC", pc)):
        table[name] = parts["d"]
        for part in ("intra", "flux", "connector"):
            table[f"{name}{part}"] = parts[part]
    return pd.DataFrame(table)


def link_importance(graph: nx.Graph, dispersal_cost: float, **names: str) -> pd.DataFrame:
    """dPC and dIIC of every link: percent loss of PC / IIC when the link is removed.

    ``names`` are the ``area`` and ``weight`` attribute names, as for
    :func:`node_importance` (same defaults).

    Returns
    -------
    pandas.DataFrame
        ``u``, ``v`` (u < v), ``dPC``, ``dIIC``, in edge order sorted by (u, v).

    References
    ----------
    Saura, S. & Rubio, L. (2010). *Ecography* 33, 523–537; Pascual-Hortal, L. &
    Saura, S. (2006). *Landscape Ecology* 21, 959–967.
    """
    pc_num, iic_num = _Network.of(graph, dispersal_cost, **names).numerators()
    rows = []
    for u, v in sorted(tuple(sorted(e)) for e in graph.edges):
        data = graph.edges[u, v]
        graph.remove_edge(u, v)
        try:
            pc_without, iic_without = _Network.of(graph, dispersal_cost, **names).numerators()
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


# ------------------------------------------------------------- the graph rule
def join_link_resistances(
    links: pd.DataFrame, effective: pd.DataFrame, corridor: pd.DataFrame | None = None
) -> pd.DataFrame:
    """The links with the circuit rules' resistances joined on ``from_core``, ``to_core``.

    Parameters
    ----------
    links : pandas.DataFrame
        The corridors rule's links (with ``cwd``).
    effective : pandas.DataFrame
        Circuitscape-style pairwise table (:func:`amurlink.core.io.connectivity.read_effective_resistance`):
        ``effective_resistance`` (ohm, NaN for a pair not connected) and optionally
        ``current``; ``current`` is NaN when it has none.
    corridor : pandas.DataFrame, optional
        Pinchpoint Mapper's per-link ``corridor_resistance`` (the effective
        resistance within the link's corridor,
        :func:`amurlink.core.io.connectivity.read_corridor_resistance`); joined with
        ``cwd_to_corridor_resistance``, as Linkage Mapper adds Eff_Resist and
        CWD_to_Eff_Resist to its link table (McRae 2012).

    Returns
    -------
    pandas.DataFrame
        ``links`` with the joined columns (any older copies of them replaced).
    """
    ends = ["from_core", "to_core"]
    links = links.drop(columns=["effective_resistance", "current"], errors="ignore")
    links = links.merge(effective, on=ends, how="left")
    if "current" not in links.columns:
        links["current"] = np.nan
    if corridor is not None:
        links = links.drop(columns=["corridor_resistance"], errors="ignore")
        links = links.merge(corridor, on=ends, how="left")
        links["cwd_to_corridor_resistance"] = links["cwd"] / links["corridor_resistance"]
    return links


@dataclass
class NetworkResult:
    """Output of :func:`core_network`.

    Attributes
    ----------
    graph : networkx.Graph
        Cores and links with every attribute and score (for GraphML).
    indices : dict
        :func:`connectivity_indices` with the species, its dispersal distance,
        the distance used, the number of cross-border links and the conductance
        attribute of the current-flow betweenness.
    nodes : pandas.DataFrame
        The core table with :func:`node_importance` and :func:`centrality` joined.
    links : pandas.DataFrame
        The links with :func:`link_importance`, edge betweenness and ``rank_dPC``
        (1 = the link whose loss costs PC most), in ``link_id`` order.
    """

    graph: nx.Graph
    indices: dict
    nodes: pd.DataFrame
    links: pd.DataFrame

    def json_indices(self) -> dict:
        """``indices`` for strict JSON, which has no NaN: undefined values (no cores) are None."""
        return {
            key: None if isinstance(value, float) and not np.isfinite(value) else value
            for key, value in self.indices.items()
        }

    def core_layer(self, cores) -> pd.DataFrame:
        """Core polygons (``core_id``, geometry) with the node table joined, for the network map."""
        return cores[["core_id", "geometry"]].merge(self.nodes, on="core_id", how="left")


def core_network(
    cores: pd.DataFrame,
    links: pd.DataFrame,
    landscape_area: float,
    species: str,
    dispersal_km: float,
) -> NetworkResult:
    """The graph rule: Conefor's indices and importances of a core network, links ranked.

    Parameters
    ----------
    cores : pandas.DataFrame
        Core table (``core_id``, ``area_km2`` …; a geometry column is ignored).
    links : pandas.DataFrame
        Links with ``link_id``, ``from_core``, ``to_core``, ``cwd`` (cost units)
        and the attributes to carry (:func:`join_link_resistances`).
    landscape_area : float
        :math:`A_L` (km²).
    species : str
        Species key, recorded in the indices.
    dispersal_km : float
        Species dispersal distance: ``p = 0.5`` at ``dispersal_km`` × 1000 cost
        units (see :func:`decay_constant`).

    Returns
    -------
    NetworkResult
    """
    dispersal_cost = dispersal_km * 1000.0
    graph = build_graph(cores, links)
    indices = connectivity_indices(graph, landscape_area, dispersal_cost)
    nodes = node_importance(graph, dispersal_cost)
    edges = link_importance(graph, dispersal_cost)
    # After link_importance, which removes and re-adds each edge: that sets the
    # graph's edge order, which betweenness and the GraphML follow.
    node_centrality, edge_centrality = centrality(graph)
    nodes = nodes.merge(node_centrality, on="node")
    edges = edges.merge(edge_centrality, on=["u", "v"])
    set_attributes(graph, nodes, edges)
    indices.update(
        species=species,
        dispersal_km=dispersal_km,
        distance="cwd (resistance x m)",
        n_cross_border_links=len(cross_border_links(graph)),
        conductance=conductance_attribute(graph),
    )
    node_table = cores.drop(columns="geometry").merge(
        nodes.rename(columns={"node": "core_id"}), on="core_id", how="left"
    )
    link_scores = edges.rename(columns={"u": "from_core", "v": "to_core"})
    ranked = links.merge(link_scores, on=["from_core", "to_core"], how="left")
    ranked["rank_dPC"] = ranked["dPC"].rank(ascending=False, method="min").astype("Int64")
    ranked = ranked.sort_values("link_id", ignore_index=True)
    return NetworkResult(graph, indices, node_table, ranked)
