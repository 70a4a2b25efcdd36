"""What mitigating each threat would give back: counterfactual impacts and a greedy plan.

A threat record (:func:`amurlink.threats.flagging.flag_threats`) is mitigated by
lifting its penalty where it lies: a road piece given a wildlife crossing or
closed loses its road group's added resistance on the habitat-grid cells it
touches (its pressure band cleared there, as a scenario's ``crossing`` does), a
cutblock regrown loses its logging penalty (its cells' ``logging_age`` set to
never logged).  The mitigated resistance of those cells is recomputed with the
resistance rule's own function (:func:`~amurlink.connectivity.resistance.landscape_resistance`)
and aggregated onto the connectivity grid as the ``connectivity_grid`` rule does
(block mean, :func:`~amurlink.core.tiles.coarsen_mean`), so the counterfactual
grid differs from the baseline only in the blocks the threat touches.

Impact on the links a threat touches (its ``link_ids``)
    * ``ΔCWD``: change of the link's least-cost distance (Linkage Mapper's cost
      distance, :func:`~amurlink.connectivity.corridors.least_cost_distance`),
      ≤ 0 as mitigation only lowers resistance;
    * ``ΔR``: change of the effective resistance between the link's two cores,
      shorted as focal regions as the ``circuit`` rule does (Circuitscape pairwise
      mode, McRae et al. 2008);
    * ``ΔPC`` and ``ΔEC``: change of the probability of connectivity and the
      equivalent connected area of the core network (Saura & Pascual-Hortal
      2007; Saura et al. 2011) with the graph rule's ``p_ij = exp(−k cwd)``,
      the links' cwd replaced by their mitigated values.  ``dPC_regained`` is
      ΔPC in per cent of the baseline PC.

Links the threat does not touch keep their cwd: a mitigation is credited to the
links it lies on, the attribution of :func:`flag_threats`.

Fast and exact
    Per link, the Laplacian of the resistor network with the two cores shorted,
    grounded at core b, is factorised once (CHOLMOD, Chen et al. 2008).  A
    mitigation raises the conductance of the few edges at its cells, so the
    mitigated matrix is ``L' = L + C Cᵀ`` with one column ``√Δg (e_i − e_j)`` per
    changed edge, and its factor is the baseline's updated in place by
    ``cholmod_updown`` (Davis & Hager 1999) on a copy; without CHOLMOD the
    mitigated matrix is factorised afresh.  The least-cost distance stops
    Dijkstra's search at the first cell of the far core.  Both equal the naive
    recomputation (:func:`naive_link_values`) to round-off.

Mitigation plan
    Greedy selection (Nemhauser et al. 1978): the threat regaining the most PC
    is picked, the landscape updated with it mitigated, every remaining threat
    re-evaluated on the updated landscape, and so on up to the budget.

References
----------
Chen, Y., Davis, T. A., Hager, W. W. & Rajamanickam, S. (2008). Algorithm 887:
CHOLMOD. *ACM TOMS* 35, 22.
Davis, T. A. & Hager, W. W. (1999). Modifying a sparse Cholesky factorization.
*SIAM J. Matrix Anal. Appl.* 20, 606–627.
McRae, B. H., Dickson, B. G., Keitt, T. H. & Shah, V. B. (2008). *Ecology* 89, 2712–2724.
Nemhauser, G. L., Wolsey, L. A. & Fisher, M. L. (1978). An analysis of approximations
for maximizing submodular set functions. *Math. Programming* 14, 265–294.
Saura, S. & Pascual-Hortal, L. (2007). *Landscape Urban Plan.* 83, 91–103.
Saura, S., Estreguil, C., Mouton, C. & Rodríguez-Freire, M. (2011). *Ecol. Indic.* 11, 407–416.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

import geopandas as gpd
import numpy as np
import pandas as pd
import scipy.sparse as sp
from affine import Affine
from rasterio import features

from amurlink.connectivity import circuit
from amurlink.connectivity import graph as cg
from amurlink.connectivity.corridors import least_cost_distance
from amurlink.connectivity.resistance import NEVER_LOGGED, landscape_resistance
from amurlink.core.grid import Grid
from amurlink.core.tiles import coarsen_mean

log = logging.getLogger(__name__)

#: Columns of the impact table.
IMPACT_COLUMNS = [
    "threat_id", "kind", "name", "source_id", "country", "link_ids", "n_links",
    "dPC_regained", "dPC", "dEC_km2", "dCWD", "dR", "dCWD_sum", "dR_sum", "score",
    "rank_score", "rank_impact",
]  # fmt: skip
#: Columns of the plan table.
PLAN_COLUMNS = ["step", "threat_id", "kind", "name", "dPC_step", "PC", "PC_gain_percent", "EC_km2"]


# ------------------------------------------------------------ mitigated cells
@dataclass(frozen=True)
class Lift:
    """Where one threat's penalty lifts on the habitat grid.

    ``rows``/``cols`` are a window of the habitat grid aligned to whole
    connectivity blocks; ``mask`` the cells of the window the threat touches;
    pressure band ``band`` is set to ``value`` there (0 clears a road band,
    :data:`NEVER_LOGGED` regrows a cutblock).
    """

    threat_id: int
    rows: slice
    cols: slice
    mask: np.ndarray
    band: int
    value: float


def threat_lifts(threats: gpd.GeoDataFrame, fine: Grid, factor: int, bands: Mapping) -> list[Lift]:
    """The :class:`Lift` of each baseline threat (kinds ``road`` and ``logging``).

    Cells are those the geometry touches (``all_touched``, as the pressures rule
    burns roads); a road piece lifts the band of its ``road_group``.
    """
    lifts = []
    for row in threats.itertuples(index=False):
        if row.kind not in ("road", "logging") or row.geometry is None or row.geometry.is_empty:
            continue
        if row.kind == "road" and row.road_group not in bands["roads"]:
            continue
        xmin, ymin, xmax, ymax = row.geometry.bounds
        rr, cc = fine.rowcol([xmin, xmax], [ymax, ymin])
        r0 = max(int(rr.min()) - 1, 0) // factor * factor
        c0 = max(int(cc.min()) - 1, 0) // factor * factor
        r1 = min(-(-(int(rr.max()) + 2) // factor) * factor, fine.height)
        c1 = min(-(-(int(cc.max()) + 2) // factor) * factor, fine.width)
        if r1 <= r0 or c1 <= c0:
            continue
        mask = features.geometry_mask(
            [row.geometry], out_shape=(r1 - r0, c1 - c0),
            transform=fine.transform @ Affine.translation(c0, r0), all_touched=True, invert=True,
        )  # fmt: skip
        band, value = (
            (bands["roads"][row.road_group], 0.0)
            if row.kind == "road"
            else (bands["logging_age"], NEVER_LOGGED)
        )
        lifts.append(Lift(int(row.threat_id), slice(r0, r1), slice(c0, c1), mask, band, value))
    return lifts


@dataclass
class FineLandscape:
    """The resistance rule's inputs on the habitat grid, to recompute mitigated blocks."""

    suitability: np.ndarray  # 2-D, NaN outside the study area
    pressures: np.ndarray  # bands first, the baseline pressure stack
    landcover: np.ndarray  # 2-D, NaN where no data
    bands: Mapping  # :func:`pressure_bands`
    params: Mapping  # config ``connectivity`` as the resistance rule gets it
    factor: int  # habitat cells per connectivity cell

    def coarse_resistance(self, rows: slice, cols: slice, lifts: Sequence[Lift] = ()) -> np.ndarray:
        """Connectivity-grid resistance of a block-aligned window with ``lifts`` applied."""
        pressures = self.pressures[:, rows, cols].copy()
        for lift in lifts:
            r0, r1 = max(lift.rows.start, rows.start), min(lift.rows.stop, rows.stop)
            c0, c1 = max(lift.cols.start, cols.start), min(lift.cols.stop, cols.stop)
            if r1 <= r0 or c1 <= c0:
                continue
            hit = lift.mask[r0 - lift.rows.start : r1 - lift.rows.start,
                            c0 - lift.cols.start : c1 - lift.cols.start]  # fmt: skip
            part = pressures[lift.band, r0 - rows.start : r1 - rows.start,
                             c0 - cols.start : c1 - cols.start]  # fmt: skip
            part[hit] = lift.value
        fine = landscape_resistance(
            self.suitability[rows, cols], pressures, self.landcover[rows, cols],
            self.bands, self.params,
        )  # fmt: skip
        # float32 as the connectivity grid is written
        return coarsen_mean(fine, self.factor).astype(np.float32).astype(np.float64)


def mitigated_cells(
    landscape: FineLandscape, lift: Lift, lifted: Sequence[Lift] = ()
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Connectivity-grid cells whose resistance changes when ``lift`` joins ``lifted``.

    Returns ``(rows, cols, values)`` on the connectivity grid: the cells of the
    threat's blocks whose resistance with ``lifted`` and ``lift`` mitigated
    differs from that with ``lifted`` only, and their new resistance.
    """
    others = [x for x in lifted if x.threat_id != lift.threat_id]
    before = landscape.coarse_resistance(lift.rows, lift.cols, others)
    after = landscape.coarse_resistance(lift.rows, lift.cols, [*others, lift])
    changed = np.isfinite(after) & (after != before)
    r, c = np.nonzero(changed)
    f = landscape.factor
    return r + lift.rows.start // f, c + lift.cols.start // f, after[changed]


# ------------------------------------------------------------ links and network
def changed_edges(
    resistance: np.ndarray, rows: np.ndarray, cols: np.ndarray, values: np.ndarray, neighbours: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Cell edges whose conductance changes when cells ``(rows, cols)`` take ``values``.

    Conductances come from :func:`circuit.cell_edge_conductances` on a window of
    the changed cells padded by one cell (every edge of a changed cell lies in
    it).  Returns flat cell indices of both ends and the conductance change.
    """
    height, width = resistance.shape
    r0, r1 = max(rows.min() - 1, 0), min(rows.max() + 2, height)
    c0, c1 = max(cols.min() - 1, 0), min(cols.max() + 2, width)
    before = resistance[r0:r1, c0:c1]
    after = before.copy()
    after[rows - r0, cols - c0] = values
    a, b, g0 = circuit.cell_edge_conductances(before, neighbours)
    a1, b1, g1 = circuit.cell_edge_conductances(after, neighbours)
    if not (np.array_equal(a, a1) and np.array_equal(b, b1)):
        raise ValueError("a mitigation changed which cells are passable")
    keep = g1 != g0
    w = c1 - c0

    def to_global(flat):
        return (flat // w + r0) * width + flat % w + c0

    return to_global(a[keep]), to_global(b[keep]), g1[keep] - g0[keep]


@dataclass
class LinkCircuit:
    """One link's resistor network (its two cores shorted, grounded at ``b``) and factor."""

    node_of_cell: np.ndarray  # flat
    row_of_node: np.ndarray  # node -> row of the grounded matrix (-1: ground or other component)
    source_row: int
    matrix: sp.csc_matrix
    factor: object = None  # sksparse Factor, or None without CHOLMOD
    resistance: float = circuit.DISCONNECTED

    @classmethod
    def build(cls, resistance: np.ndarray, cores: np.ndarray, a: int, b: int, neighbours: int):
        regions = np.where(cores == a, 1, np.where(cores == b, 2, 0))
        graph = circuit.build_graph(resistance, neighbours, regions=regions)
        flat_nodes = graph.node_of_cell.ravel()
        cells_a, cells_b = (np.flatnonzero(regions.ravel() == k) for k in (1, 2))
        node_a = flat_nodes[cells_a[0]] if cells_a.size else -1
        node_b = flat_nodes[cells_b[0]] if cells_b.size else -1
        row_of_node = np.full(graph.n_nodes, -1, np.int64)
        if node_a < 0 or node_b < 0 or graph.component[node_a] != graph.component[node_b]:
            return cls(flat_nodes, row_of_node, -1, sp.csc_matrix((0, 0)))
        nodes = np.flatnonzero(graph.component == graph.component[node_a])
        nodes = nodes[nodes != node_b]
        row_of_node[nodes] = np.arange(len(nodes))
        matrix = sp.csc_matrix(circuit.principal_submatrix(graph.laplacian, nodes))
        link = cls(flat_nodes, row_of_node, int(row_of_node[node_a]), matrix)
        if circuit.direct_backend() == "cholmod":
            from sksparse.cholmod import cholesky

            # simplicial LDLᵀ: the form cholmod_updown modifies (a supernodal factor would be
            # converted on every copy that is updated)
            link.factor = cholesky(matrix, mode="simplicial")
        link.resistance = link._solve(link.factor, matrix)
        return link

    def _solve(self, factor, matrix) -> float:
        rhs = np.zeros(self.matrix.shape[0])
        rhs[self.source_row] = 1.0
        if factor is not None:
            return float(np.asarray(factor(rhs)).ravel()[self.source_row])
        return float(circuit.LinearSolver(matrix, "direct").solve(rhs)[self.source_row])

    def update(self, cell_a, cell_b, dg) -> sp.csc_matrix | None:
        """``C`` of ``L' = L + C Cᵀ`` for conductance changes ``dg`` on cell edges (None: none)."""
        if self.source_row < 0:
            return None
        if np.any(dg < 0):
            raise ValueError("a mitigation lowered a conductance; a rank-k update needs Δg ≥ 0")
        ni, nj = self.node_of_cell[cell_a], self.node_of_cell[cell_b]
        keep = (ni >= 0) & (nj >= 0) & (ni != nj)
        # parallel cell edges between the same two nodes (shorted cores) add
        pairs = pd.DataFrame({"i": np.minimum(ni, nj)[keep], "j": np.maximum(ni, nj)[keep],
                              "g": dg[keep]}).groupby(["i", "j"], sort=True)["g"].sum()  # fmt: skip
        ri = self.row_of_node[pairs.index.get_level_values(0).to_numpy()]
        rj = self.row_of_node[pairs.index.get_level_values(1).to_numpy()]
        root = np.sqrt(pairs.to_numpy())
        cols = np.arange(len(root))
        inside_i, inside_j = ri >= 0, rj >= 0
        rows = np.concatenate([ri[inside_i], rj[inside_j]])
        vals = np.concatenate([root[inside_i], -root[inside_j]])
        at = np.concatenate([cols[inside_i], cols[inside_j]])
        if not len(rows):
            return None
        return sp.csc_matrix((vals, (rows, at)), shape=(self.matrix.shape[0], len(root)))

    def mitigated(self, update: sp.csc_matrix | None, apply: bool = False) -> float:
        """Effective resistance with ``L + C Cᵀ``; ``apply`` keeps the update."""
        if update is None:
            return self.resistance
        matrix = (self.matrix + update @ update.T).tocsc() if apply or self.factor is None else None
        factor = None
        if self.factor is not None:
            factor = self.factor if apply else self.factor.copy()
            factor.update_inplace(update)
        value = self._solve(factor, matrix)
        if apply:
            self.matrix, self.resistance = matrix, value
        return value


@dataclass
class Network:
    """The connectivity grid, its cores and links, and the current state of every link."""

    resistance: np.ndarray  # connectivity grid, NaN impassable (updated by :meth:`mitigate`)
    cores: np.ndarray
    links: pd.DataFrame  # link_id, from_core, to_core
    core_areas: pd.DataFrame  # core_id, area_km2
    resolution: float
    landscape_area: float
    dispersal_cost: float
    neighbours: int = 8
    cwd: dict = field(default_factory=dict)  # link_id -> least-cost distance now
    circuits: dict = field(default_factory=dict)  # link_id -> LinkCircuit

    def __post_init__(self):
        self.resistance = np.asarray(self.resistance, np.float64).copy()
        for link in self.links.itertuples(index=False):
            a, b = int(link.from_core), int(link.to_core)
            self.cwd[int(link.link_id)] = self.link_cwd(self.resistance, a, b)
            self.circuits[int(link.link_id)] = LinkCircuit.build(
                self.resistance, self.cores, a, b, self.neighbours
            )
        self.ends = {int(r.link_id): (int(r.from_core), int(r.to_core))
                     for r in self.links.itertuples(index=False)}  # fmt: skip

    def link_cwd(self, resistance: np.ndarray, a: int, b: int) -> float:
        """Least-cost distance between cores ``a`` and ``b`` on ``resistance`` (inf: none)."""
        try:
            return least_cost_distance(
                resistance, self.cores == a, self.cores == b, self.resolution,
                neighbours=self.neighbours,
            )  # fmt: skip
        except ValueError:  # no passable cell in core a (CoreCostDistances: reaches nothing)
            return float("inf")

    def indices(self, cwd: Mapping[int, float]) -> dict:
        """PC and EC of the core network with the links' cwd ``cwd`` (the graph rule's p_ij)."""
        links = self.links.assign(cwd=[cwd[int(i)] for i in self.links["link_id"]])
        links = links[np.isfinite(links["cwd"])]
        graph = cg.build_graph(self.core_areas, links[["from_core", "to_core", "cwd"]])
        return cg.connectivity_indices(graph, self.landscape_area, self.dispersal_cost)

    def evaluate(self, rows, cols, values, link_ids: Sequence[int], apply: bool = False) -> dict:
        """New cwd and effective resistance of ``link_ids`` with cells ``(rows, cols) = values``."""
        out = {}
        if len(values) == 0:
            return {lid: (self.cwd[lid], self.circuits[lid].resistance) for lid in link_ids}
        edges = changed_edges(self.resistance, rows, cols, values, self.neighbours)
        mitigated = self.resistance.copy()
        mitigated[rows, cols] = values
        for lid in link_ids:
            circ = self.circuits[lid]
            cwd = self.link_cwd(mitigated, *self.ends[lid])
            out[lid] = (cwd, circ.mitigated(circ.update(*edges), apply=apply))
            if apply:
                self.cwd[lid] = cwd
        if apply:
            self.resistance = mitigated
        return out


def naive_link_values(
    resistance: np.ndarray, cores: np.ndarray, a: int, b: int, resolution: float, neighbours: int
) -> tuple[float, float]:
    """Reference: the link's cwd and effective resistance recomputed from scratch.

    The corridors rule's cost distance from core ``a`` over the whole grid
    (:class:`~amurlink.connectivity.corridors.CoreCostDistances`) and the
    circuit rule's pairwise solve (:func:`circuit.pairwise`, Circuitscape's
    pair shorting) on the two cores.
    """
    from amurlink.connectivity.corridors import CoreCostDistances

    cwd = CoreCostDistances(resistance, cores, resolution, neighbours).lcd(a, b)
    focal = np.where(np.isin(cores, [a, b]), cores, 0)
    result = circuit.pairwise(resistance, focal, neighbours=neighbours, solver="direct",
                              currents=False)  # fmt: skip
    return cwd, float(result.resistance_matrix[0, 1])


# ------------------------------------------------------------------ impacts
def _link_ids(value) -> list[int]:
    return [int(x) for x in str(value).split(",") if x.strip() and x.strip() != "nan"]


def _impact_row(network: Network, base: dict, lift_links, rows, cols, values) -> dict:
    """ΔPC (per cent), ΔEC and per-link ΔCWD / ΔR of one threat on the network as it is."""
    links = [lid for lid in lift_links if lid in network.cwd]
    new = network.evaluate(rows, cols, values, links)
    cwd = dict(network.cwd) | {lid: v[0] for lid, v in new.items()}
    ind = network.indices(cwd)
    d_cwd = {lid: new[lid][0] - network.cwd[lid] for lid in links}
    d_r = {lid: new[lid][1] - network.circuits[lid].resistance for lid in links}
    return {
        "dPC_regained": 100.0 * (ind["PC"] - base["PC"]) / base["PC"] if base["PC"] > 0 else 0.0,
        "dEC_km2": ind["EC"] - base["EC"],
        "dCWD": ";".join(f"{lid}:{v:.6g}" for lid, v in d_cwd.items()),
        "dR": ";".join(f"{lid}:{v:.6g}" for lid, v in d_r.items()),
        "dCWD_sum": float(sum(d_cwd.values())),
        "dR_sum": float(sum(d_r.values())),
        "PC": ind["PC"],
        "EC": ind["EC"],
    }


def threat_impacts(
    network: Network, landscape: FineLandscape, threats: pd.DataFrame, lifts: Sequence[Lift]
) -> pd.DataFrame:
    """The impact of mitigating each baseline threat alone (see the module docstring).

    Returns
    -------
    DataFrame
        :data:`IMPACT_COLUMNS`, ranked by ``dPC_regained`` (ties: the larger drop of
        effective resistance ``dR_sum``, then ``threat_id``);
        ``dCWD`` / ``dR`` read ``link:change;…``; ``dPC`` is the flagging
        table's link importance and ``score`` / ``rank_score`` its ad-hoc ranking.
    """
    base = network.indices(network.cwd)
    by_id = threats.set_index("threat_id")
    rows = []
    for lift in lifts:
        r, c, v = mitigated_cells(landscape, lift)
        rec = by_id.loc[lift.threat_id]
        row = _impact_row(network, base, _link_ids(rec["link_ids"]), r, c, v)
        rows.append({"threat_id": lift.threat_id, **row})
    table = pd.DataFrame(rows, columns=["threat_id", "dPC_regained", "dEC_km2", "dCWD", "dR",
                                        "dCWD_sum", "dR_sum"])  # fmt: skip
    info = threats[["threat_id", "kind", "source_id", "country", "link_ids", "n_links", "dPC",
                    "score", "rank"]].rename(columns={"rank": "rank_score"})  # fmt: skip
    info = info.assign(name=threats["name"] if "name" in threats else "")
    table = info.merge(table, on="threat_id", how="inner")
    # ties (no link shortened, ΔPC 0) by the effective resistance regained
    table = table.sort_values(
        ["dPC_regained", "dR_sum", "threat_id"], ascending=[False, True, True]
    )
    table["rank_impact"] = np.arange(1, len(table) + 1)
    return table[IMPACT_COLUMNS].reset_index(drop=True)


def mitigation_plan(
    network: Network,
    landscape: FineLandscape,
    threats: pd.DataFrame,
    lifts: Sequence[Lift],
    budget: int,
) -> pd.DataFrame:
    """Greedy mitigation plan: up to ``budget`` threats, each the best given those before.

    ``network`` is updated in place (the picked threats mitigated).  Returns
    :data:`PLAN_COLUMNS`: step 0 is the baseline; ``dPC_step`` the PC per cent
    (of the baseline) the step's pick regains; ``PC_gain_percent`` the
    cumulative gain — the gain curve.  Stops early when no threat regains PC.
    """
    by_id = threats.set_index("threat_id")
    base = network.indices(network.cwd)
    steps = [{"step": 0, "threat_id": pd.NA, "kind": "", "name": "", "dPC_step": 0.0,
              "PC": base["PC"], "PC_gain_percent": 0.0, "EC_km2": base["EC"]}]  # fmt: skip
    picked: list[Lift] = []
    remaining = list(lifts)
    now = base
    for step in range(1, budget + 1):
        best = None
        for lift in remaining:
            r, c, v = mitigated_cells(landscape, lift, picked)
            row = _impact_row(network, now, _link_ids(by_id.loc[lift.threat_id, "link_ids"]),
                              r, c, v)  # fmt: skip
            key = (row["PC"], -lift.threat_id)
            if best is None or key > best[0]:
                best = (key, lift, (r, c, v), row)
        if best is None or not best[3]["PC"] > now["PC"]:
            break
        _, lift, (r, c, v), row = best
        # the landscape as it now is: every link's cwd and circuit take the pick
        network.evaluate(r, c, v, list(network.cwd), apply=True)
        now_pc = network.indices(network.cwd)
        picked.append(lift)
        remaining.remove(lift)
        rec = by_id.loc[lift.threat_id]
        steps.append({
            "step": step, "threat_id": lift.threat_id, "kind": rec["kind"],
            "name": rec["name"] if "name" in by_id else "",
            "dPC_step": 100.0 * (now_pc["PC"] - now["PC"]) / base["PC"], "PC": now_pc["PC"],
            "PC_gain_percent": 100.0 * (now_pc["PC"] - base["PC"]) / base["PC"],
            "EC_km2": now_pc["EC"],
        })  # fmt: skip
        now = now_pc
    plan = pd.DataFrame(steps, columns=PLAN_COLUMNS)
    plan["threat_id"] = plan["threat_id"].astype("Int64")
    return plan


def plan_layer(threats: gpd.GeoDataFrame, plan: pd.DataFrame) -> gpd.GeoDataFrame:
    """The picked threats' geometries in the plan's order (``step``), with the gain curve."""
    picked = plan[plan["step"] > 0][["step", "threat_id", "dPC_step", "PC_gain_percent"]]
    layer = threats[["threat_id", "kind", "country", "link_ids", "geometry"]].merge(
        picked.astype({"threat_id": "int64"}), on="threat_id", how="inner"
    )
    return gpd.GeoDataFrame(
        layer.sort_values("step", ignore_index=True), geometry="geometry", crs=threats.crs
    )


# ------------------------------------------------------------ robustness
def assumption_variants(
    suitability_shifts: Sequence[float], shape_cs: Sequence[float]
) -> list[tuple[str, float, float]]:
    """``(name, shift, c)`` of every assumption: suitability ``s + shift · sd``, shape ``c``.

    Names read as ``"s-1sd c=4"``; the crossing of both lists, in their order.
    """
    return [(f"s{shift:+g}sd c={c:g}", float(shift), float(c))
            for shift in suitability_shifts for c in shape_cs]  # fmt: skip


def shifted_suitability(suitability: np.ndarray, sd: np.ndarray, shift: float) -> np.ndarray:
    """``suitability + shift · sd``, clipped to [0, 1] (NaN stays NaN): one draw of the
    habitat ensemble's spread (``sd`` the members' weighted standard deviation)."""
    with np.errstate(invalid="ignore"):
        return np.clip(suitability + shift * np.nan_to_num(sd), 0.0, 1.0)


def ranking_robustness(rankings: Mapping[str, pd.DataFrame], top: int = 10) -> pd.DataFrame:
    """How each threat's impact rank holds over assumptions: P(top ``top``) and its rank range.

    Parameters
    ----------
    rankings : mapping
        Assumption name → :func:`threat_impacts` table under it (``threat_id``,
        ``rank_impact``), e.g. from :func:`assumption_variants`.
    top : int
        Size of the list a threat may be in.

    Returns
    -------
    DataFrame
        ``threat_id``, ``p_top`` (the share of assumptions under which it ranks in the
        top ``top``; assumptions equally likely), ``rank_min``, ``rank_median``,
        ``rank_max`` and ``top_only_under``: the assumption's name when exactly one puts
        it in the top list (a threat that is top only under one assumption says so),
        else empty.  Sorted by ``p_top`` then median rank.

    Notes
    -----
    A sensitivity analysis of the ranking over a grid of the inputs' uncertain
    parameters (Saltelli et al. 2008, *Global Sensitivity Analysis: The Primer*, Wiley;
    for resistance surfaces from suitability, the shape of Keeley et al. 2016's
    transform is such a parameter).
    """
    ranks = pd.DataFrame(
        {name: table.set_index("threat_id")["rank_impact"] for name, table in rankings.items()}
    )
    in_top = ranks.le(top)
    only = in_top.sum(axis=1).eq(1)
    out = pd.DataFrame(
        {
            "threat_id": ranks.index.astype(int),
            "p_top": in_top.mean(axis=1).to_numpy(),
            "rank_min": ranks.min(axis=1).to_numpy(),
            "rank_median": ranks.median(axis=1).to_numpy(),
            "rank_max": ranks.max(axis=1).to_numpy(),
            "top_only_under": np.where(only, in_top.idxmax(axis=1), ""),
        }
    )
    return out.sort_values(["p_top", "rank_median"], ascending=[False, True], ignore_index=True)


def impacts_under(
    network: Network,
    landscape: FineLandscape,
    threats: pd.DataFrame,
    lifts: Sequence[Lift],
    suitability_sd: np.ndarray,
    shift: float,
    shape_c: float,
) -> pd.DataFrame:
    """:func:`threat_impacts` under one assumption: suitability shifted by ``shift`` sd and
    the resistance transform's shape ``shape_c``, the cores and links kept as they are.

    The connectivity grid is rebuilt with the resistance rule's function on the whole
    grid (:meth:`FineLandscape.coarse_resistance`), then every link's factor and distance.
    """
    land = replace(
        landscape,
        suitability=shifted_suitability(landscape.suitability, suitability_sd, shift),
        params={**landscape.params, "shape_c": shape_c},
    )
    rows, cols = land.suitability.shape
    resistance = land.coarse_resistance(slice(0, rows), slice(0, cols))
    if resistance.shape != network.resistance.shape:
        raise ValueError(f"rebuilt grid {resistance.shape} != network {network.resistance.shape}")
    resistance[np.isnan(network.resistance)] = np.nan  # the same impassable cells
    return threat_impacts(replace(network, resistance=resistance, cwd={}, circuits={}), land,
                          threats, lifts)  # fmt: skip


def check_against_naive(
    network: Network,
    landscape: FineLandscape,
    threats: pd.DataFrame,
    lifts: Sequence[Lift],
    impacts: pd.DataFrame,
    n: int = 3,
) -> dict:
    """The fast path's figures for the ``n`` top threats against recomputing them naively.

    Fast: :meth:`Network.evaluate` (rank-k factor updates, the stopped Dijkstra).
    Naive: the whole connectivity grid rebuilt with the threat mitigated (the resistance
    rule's function, :meth:`FineLandscape.coarse_resistance`) and every link it touches
    solved afresh (:func:`naive_link_values`: the corridors rule's cost distance and the
    circuit rule's pairwise solve), then PC.  Returns the largest absolute differences
    of ΔCWD, ΔR and ΔPC (per cent) and the threats checked.
    """
    by_id = {lift.threat_id: lift for lift in lifts}
    link_ids = threats.set_index("threat_id")["link_ids"]
    rows, cols = landscape.suitability.shape
    worst = {"dCWD": 0.0, "dR": 0.0, "dPC": 0.0}
    checked, before = [], {}
    base = network.indices(network.cwd)
    for threat_id in impacts["threat_id"].head(n).astype(int):
        lift = by_id[threat_id]
        links = [lid for lid in _link_ids(link_ids.loc[threat_id]) if lid in network.cwd]
        fast = network.evaluate(*mitigated_cells(landscape, lift), links)
        mitigated = landscape.coarse_resistance(slice(0, rows), slice(0, cols), [lift])
        mitigated[np.isnan(network.resistance)] = np.nan
        fast_cwd, naive_cwd = dict(network.cwd), dict(network.cwd)
        for lid in links:
            a, b = network.ends[lid]
            if lid not in before:  # a link's unmitigated values, solved once for all threats
                before[lid] = naive_link_values(network.resistance, network.cores, a, b,
                                                network.resolution, network.neighbours)  # fmt: skip
            cwd0, r0 = before[lid]
            cwd1, r1 = naive_link_values(mitigated, network.cores, a, b, network.resolution,
                                         network.neighbours)  # fmt: skip
            fast_cwd[lid], naive_cwd[lid] = fast[lid][0], cwd1
            d_r_fast = fast[lid][1] - network.circuits[lid].resistance
            worst["dCWD"] = max(
                worst["dCWD"], abs((cwd1 - cwd0) - (fast[lid][0] - network.cwd[lid]))
            )
            worst["dR"] = max(worst["dR"], abs((r1 - r0) - d_r_fast))
        pcs = [network.indices(c)["PC"] for c in (fast_cwd, naive_cwd)]
        worst["dPC"] = max(worst["dPC"], 100.0 * abs(pcs[0] - pcs[1]) / base["PC"])
        checked.append(int(threat_id))
    return worst | {"threats": checked}
