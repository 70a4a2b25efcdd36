"""Circuit theory solver: analytic networks, Circuitscape conventions, solver agreement."""

import itertools
import logging
import math
from pathlib import Path

import numpy as np
import pytest

from amurlink.connectivity import circuit
from amurlink.connectivity.circuit import (
    DISCONNECTED,
    LinearSolver,
    SolverError,
    advanced,
    all_to_one,
    build_graph,
    focal_points,
    network_resistances,
    node_currents,
    one_to_all,
    pairwise,
)

SOLVERS = ["direct", "cg+amg"]


def _dense_resistances(graph, nodes):
    """Effective resistances from the Moore–Penrose pseudo-inverse (independent check)."""
    pinv = np.linalg.pinv(graph.laplacian.toarray())
    k = len(nodes)
    out = np.zeros((k, k))
    for a, b in itertools.combinations(range(k), 2):
        i, j = nodes[a], nodes[b]
        out[a, b] = out[b, a] = pinv[i, i] + pinv[j, j] - 2 * pinv[i, j]
    return out


def _strip(rows, cols):
    resistance = np.ones((rows, cols))
    focal = np.zeros((rows, cols), dtype=int)
    focal[:, 0] = 1
    focal[:, -1] = 2
    return resistance, focal


# ------------------------------------------------------------------- analytic
@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize("shorting", ["pair", "all"])
@pytest.mark.parametrize("rows, cols", [(5, 10), (1, 7), (12, 3)])
def test_strip_between_edge_electrodes_4_neighbours(solver, shorting, rows, cols):
    # cols − 1 gaps in series, each of `rows` unit resistors in parallel (vertical
    # edges carry nothing by symmetry): R = (cols − 1) / rows.
    resistance, focal = _strip(rows, cols)
    result = pairwise(resistance, focal, neighbours=4, solver=solver, shorting=shorting)
    assert result.resistance_matrix[0, 1] == pytest.approx((cols - 1) / rows, rel=1e-6)
    # Every interior cell carries 1/rows A; the shorted electrodes show the node current 1 A.
    assert np.allclose(result.cum_current[:, 1:-1], 1 / rows, rtol=1e-5)
    assert np.allclose(result.cum_current[:, [0, -1]], 1.0, rtol=1e-5)


@pytest.mark.parametrize("solver", SOLVERS)
def test_strip_8_neighbours_adds_diagonals_over_sqrt2(solver):
    rows, cols = 6, 9
    resistance, focal = _strip(rows, cols)
    result = pairwise(resistance, focal, neighbours=8, solver=solver)
    per_gap = rows + 2 * (rows - 1) / math.sqrt(2)  # horizontals + two diagonal families
    assert result.resistance_matrix[0, 1] == pytest.approx((cols - 1) / per_gap, rel=1e-6)


def test_strip_scales_with_resistance_and_ignores_cell_size():
    resistance, focal = _strip(4, 6)
    r1 = pairwise(resistance, focal, neighbours=4).resistance_matrix[0, 1]
    r7 = pairwise(7 * resistance, focal, neighbours=4).resistance_matrix[0, 1]
    assert r7 == pytest.approx(7 * r1)


@pytest.mark.parametrize("avg", ["resistance", "conductance"])
def test_resistors_in_series(avg):
    r = np.array([[2.0, 5.0, 3.0, 10.0]])
    focal = focal_points(r.shape, {1: (0, 0), 2: (0, 3)})
    if avg == "resistance":
        expected = sum((r[0, k] + r[0, k + 1]) / 2 for k in range(3))
    else:
        expected = sum(1 / ((1 / r[0, k] + 1 / r[0, k + 1]) / 2) for k in range(3))
    result = pairwise(r, focal, neighbours=4, avg=avg)
    assert result.resistance_matrix[0, 1] == pytest.approx(expected, rel=1e-9)


def test_resistors_in_parallel():
    # Two rows joining two shorted columns: two edges in parallel.
    r = np.array([[1.0, 3.0], [4.0, 6.0]])
    focal = np.array([[1, 2], [1, 2]])
    g = 1 / ((1 + 3) / 2) + 1 / ((4 + 6) / 2)
    result = pairwise(r, focal, neighbours=4)
    assert result.resistance_matrix[0, 1] == pytest.approx(1 / g, rel=1e-9)
    # 8 neighbours add the two diagonals 1–6 and 4–3, each divided by √2.
    g8 = g + (1 / ((1 + 6) / 2) + 1 / ((4 + 3) / 2)) / math.sqrt(2)
    result8 = pairwise(r, focal, neighbours=8)
    assert result8.resistance_matrix[0, 1] == pytest.approx(1 / g8, rel=1e-9)


@pytest.mark.parametrize("solver", SOLVERS)
def test_wheatstone_bridge(solver):
    # A=0, C=1, D=2, B=3; R1 A–C, R2 A–D, R3 C–B, R4 D–B, R5 C–D.
    r1, r2, r3, r4, r5 = 1.0, 2.0, 3.0, 4.0, 5.0
    edges = [(0, 1), (0, 2), (1, 3), (2, 3), (1, 2)]
    g = 1 / np.array([r1, r2, r3, r4, r5])
    numerator = r1 * r2 * (r3 + r4) + r3 * r4 * (r1 + r2) + r5 * (r1 + r3) * (r2 + r4)
    denominator = (r1 + r2) * (r3 + r4) + r5 * (r1 + r2 + r3 + r4)
    out = network_resistances(4, np.array(edges), g, [0, 3], solver=solver)
    assert out[0, 1] == pytest.approx(numerator / denominator, rel=1e-6)
    # Balanced bridge: no current through R5, so R = (2 + 2) ∥ (2 + 2) = 2.
    balanced = network_resistances(4, np.array(edges), np.full(5, 0.5), [0, 3], solver=solver)
    assert balanced[0, 1] == pytest.approx(2.0, rel=1e-6)


# -------------------------------------------------------------- conventions
def test_no_data_cells_are_not_nodes():
    r = np.array([[1.0, np.nan, np.inf], [0.0, -2.0, 3.0]])
    graph = build_graph(r, neighbours=8)
    assert graph.n_nodes == 2
    assert (graph.node_of_cell >= 0).tolist() == [[True, False, False], [False, False, True]]
    assert graph.edges.shape == (0, 2)


def test_laplacian_rows_sum_to_zero_and_diagonal_weights():
    r = np.array([[1.0, 2.0], [3.0, 4.0]])
    graph = build_graph(r, neighbours=8)
    lap = graph.laplacian.toarray()
    assert np.allclose(lap.sum(axis=1), 0)
    n = graph.node_of_cell
    assert -lap[n[0, 0], n[1, 1]] == pytest.approx(1 / ((1 + 4) / 2) / math.sqrt(2))
    assert -lap[n[0, 1], n[1, 0]] == pytest.approx(1 / ((2 + 3) / 2) / math.sqrt(2))
    cond = build_graph(1 / r, neighbours=4, avg="conductance", is_conductance=True)
    m = cond.node_of_cell
    assert -cond.laplacian[m[0, 0], m[0, 1]] == pytest.approx((1 + 1 / 2) / 2)


def test_regions_merge_cells_and_parallel_edges_add():
    r = np.ones((2, 3))
    regions = np.array([[1, 0, 0], [1, 0, 0]])
    graph = build_graph(r, neighbours=4, regions=regions)
    assert graph.n_nodes == 5
    region_node = graph.node_of_cell[0, 0]
    assert graph.node_of_cell[1, 0] == region_node
    # The region's edges to column 1 stay separate (two distinct neighbours); no self-loop.
    assert not np.any(graph.edges[:, 0] == graph.edges[:, 1])
    assert graph.laplacian[region_node, region_node] == pytest.approx(2.0)


def test_disconnected_pairs_get_minus_one():
    r = np.ones((4, 7))
    r[:, 3] = np.nan  # a wall of no-data
    focal = focal_points(r.shape, {1: (0, 0), 2: (3, 2), 3: (1, 6)})
    focal[2, 0] = 0
    result = pairwise(r, focal, neighbours=8)
    m = result.resistance_matrix
    assert m[0, 2] == DISCONNECTED and m[1, 2] == DISCONNECTED
    assert m[0, 1] > 0
    # A focal point on a no-data cell is disconnected from everything.
    focal[1, 5] = 4
    r[1, 5] = np.nan
    m4 = pairwise(r, focal, neighbours=8).resistance_matrix
    assert np.all(m4[3, :3] == DISCONNECTED)
    assert np.all(np.diag(m4) == 0)


def test_pairwise_matrix_is_a_metric():
    rng = np.random.default_rng(3)
    r = np.exp(rng.normal(0, 1.5, (40, 50)))
    points = {i + 1: (int(rng.integers(40)), int(rng.integers(50))) for i in range(6)}
    result = pairwise(r, focal_points(r.shape, points), solver="direct")
    m = result.resistance_matrix
    assert np.allclose(m, m.T)
    off = ~np.eye(6, dtype=bool)
    assert np.all(m[off] > 0)
    for a, b, c in itertools.permutations(range(6), 3):
        assert m[a, c] <= m[a, b] + m[b, c] + 1e-12


@pytest.mark.parametrize("neighbours", [4, 8])
def test_pairwise_matches_pseudo_inverse(neighbours):
    rng = np.random.default_rng(7)
    r = np.exp(rng.normal(0, 1, (15, 18)))
    r[rng.random(r.shape) < 0.1] = np.nan
    points = {1: (0, 0), 2: (14, 17), 3: (7, 9), 4: (2, 15)}
    focal = focal_points(r.shape, points)
    r[focal > 0] = 1.0
    graph = build_graph(r, neighbours)
    nodes = [graph.node_of_cell[p] for p in points.values()]
    expected = _dense_resistances(graph, nodes)
    disconnected = graph.component[nodes][:, None] != graph.component[nodes][None, :]
    expected[disconnected] = DISCONNECTED
    got = pairwise(r, focal, neighbours=neighbours, currents=False).resistance_matrix
    assert np.allclose(got, expected, rtol=1e-8)


def test_pair_voltages_by_subtraction_match_a_direct_solve():
    # v_ab = x_b − x_a from the grounded solutions must equal solving each pair alone.
    rng = np.random.default_rng(11)
    r = np.exp(rng.normal(0, 1, (12, 14)))
    points = {1: (1, 1), 2: (10, 12), 3: (6, 2), 5: (0, 13)}
    focal = focal_points(r.shape, points)
    result = pairwise(r, focal, neighbours=8, shorting="all", pair_maps=True, max_current=True)
    graph = build_graph(r, 8)
    lap = graph.laplacian.toarray()
    cum = np.zeros(r.shape)
    peak = np.zeros(r.shape)
    for (a, b), vmap in result.voltmaps.items():
        na, nb = graph.node_of_cell[points[a]], graph.node_of_cell[points[b]]
        rhs = np.zeros(graph.n_nodes)
        rhs[nb], rhs[na] = 1.0, -1.0
        v = np.linalg.lstsq(lap, rhs, rcond=None)[0]
        v -= v[na]
        assert np.allclose(vmap, graph.to_raster(v), atol=1e-9)
        assert vmap[points[b]] == pytest.approx(
            result.resistance_matrix[list(result.ids).index(a), list(result.ids).index(b)]
        )
        cmap = graph.to_raster(node_currents(graph.edges, graph.conductances, v))
        assert np.allclose(result.curmaps[(a, b)], cmap, atol=1e-9)
        cum += cmap
        peak = np.maximum(peak, cmap)
    assert len(result.voltmaps) == 6
    assert np.allclose(result.cum_current, cum, atol=1e-8)
    assert np.allclose(result.max_current, peak, atol=1e-9)


def test_focal_regions_shorted_per_pair_like_circuitscape():
    # With 'pair', a third region between the pair is ordinary habitat; with 'all'
    # it is a perfect conductor, so the resistance must be lower.
    r = np.ones((5, 11))
    focal = np.zeros(r.shape, dtype=int)
    focal[:, 0] = 1
    focal[:, -1] = 2
    focal[1:4, 4:7] = 3
    per_pair = pairwise(r, focal, neighbours=4, shorting="pair", pair_maps=True)
    shared = pairwise(r, focal, neighbours=4, shorting="all")
    assert per_pair.resistance_matrix[0, 1] > shared.resistance_matrix[0, 1]
    # Independent check of the per-pair value: short regions 1 and 2 only.
    only = np.where(focal == 3, 0, focal)
    graph = build_graph(r, 4, regions=only)
    nodes = [graph.node_of_cell[0, 0], graph.node_of_cell[0, -1]]
    assert per_pair.resistance_matrix[0, 1] == pytest.approx(
        _dense_resistances(graph, nodes)[0, 1], rel=1e-9
    )
    assert set(per_pair.curmaps) == {(1, 2), (1, 3), (2, 3)}


def test_node_current_is_max_of_inflow_and_outflow():
    # A star: centre 0 fed by 2 A from node 1 and 1 A from node 2, draining 3 A to 3.
    edges = np.array([[0, 1], [0, 2], [0, 3]])
    g = np.ones(3)
    v = np.array([0.0, 2.0, 1.0, -3.0])
    cur = node_currents(edges, g, v)
    assert cur.tolist() == pytest.approx([3.0, 2.0, 1.0, 3.0])
    # Raised by 6 V, node 3 drains its 3 A through a 1 S ground: outflow to ground.
    cur_g = node_currents(edges, g, v + 6, finite_grounds=np.array([0, 0, 0, 1.0]))
    assert cur_g.tolist() == pytest.approx([3.0, 2.0, 1.0, 3.0])
    # A ground drawing more than arrives (2 S: 6 A) makes outflow the larger.
    cur_2 = node_currents(edges, g, v + 6, finite_grounds=np.array([0, 0, 0, 2.0]))
    assert cur_2[3] == pytest.approx(6.0)


def test_node_current_equals_half_of_absolute_flows_with_sources_and_grounds():
    rng = np.random.default_rng(5)
    r = np.exp(rng.normal(0, 1, (20, 20)))
    source = np.zeros(r.shape)
    source[rng.random(r.shape) < 0.05] = 1.0
    ground = np.zeros(r.shape)
    ground[rng.random(r.shape) < 0.05] = 0.5
    ground[source > 0] = 0
    res = advanced(r, source, ground, neighbours=8, solver="direct")
    graph = build_graph(r, 8)
    v = np.nan_to_num(res.voltage)[graph.node_of_cell >= 0]
    order = graph.node_of_cell[graph.node_of_cell >= 0]
    volt = np.zeros(graph.n_nodes)
    volt[order] = v
    i, j = graph.edges.T
    flow = np.abs(graph.conductances * (volt[i] - volt[j]))
    abs_sum = np.bincount(i, flow, graph.n_nodes) + np.bincount(j, flow, graph.n_nodes)
    src = np.zeros(graph.n_nodes)
    src[order] = source[graph.node_of_cell >= 0]
    gnd = np.zeros(graph.n_nodes)
    gnd[order] = ground[graph.node_of_cell >= 0] * v
    expected = graph.to_raster((abs_sum + np.abs(src) + np.abs(gnd)) / 2)
    assert np.allclose(res.current, expected, rtol=1e-5, atol=1e-9)


# ------------------------------------------------------------ other modes
def test_advanced_two_cells_finite_ground():
    r = np.array([[1.0, 1.0]])
    res = advanced(r, np.array([[1.0, 0]]), np.array([[0, 1.0]]), neighbours=4)
    assert res.voltage[0].tolist() == pytest.approx([2.0, 1.0])
    assert res.current[0].tolist() == pytest.approx([1.0, 1.0])
    # Ground given as resistance 0 ties the cell to 0 V.
    res0 = advanced(r, np.array([[1.0, 0]]), np.array([[np.nan, 0.0]]), ground_is_resistance=True)
    assert res0.voltage[0].tolist() == pytest.approx([1.0, 0.0])


def test_advanced_skips_components_without_ground():
    r = np.array([[1.0, np.nan, 1.0]])
    res = advanced(r, np.array([[1.0, 0, 1.0]]), np.array([[1.0, 0, 0]]), neighbours=4)
    assert res.voltage[0, 2] == 0.0
    assert res.voltage[0, 0] == pytest.approx(1.0)


@pytest.mark.parametrize("solver", SOLVERS)
def test_one_to_all_matches_advanced_with_other_focal_nodes_grounded(solver):
    rng = np.random.default_rng(2)
    r = np.exp(rng.normal(0, 1, (18, 16)))
    focal = focal_points(r.shape, {1: (0, 0), 2: (17, 15), 3: (9, 3), 4: (4, 12)})
    focal[10:12, 3:5] = 3  # a region
    result = one_to_all(r, focal, neighbours=8, solver=solver, focal_maps=True)
    for k, focal_id in enumerate(result.ids):
        source = np.where((focal == focal_id), 0.0, 0.0)
        source[np.argwhere(focal == focal_id)[0][0], np.argwhere(focal == focal_id)[0][1]] = 1
        ground = np.where((focal > 0) & (focal != focal_id), 0.0, np.nan)  # 0 Ω = direct
        ref = advanced(r, source, ground, ground_is_resistance=True, regions=focal, solver="direct")
        cell = tuple(np.argwhere(focal == focal_id)[0])
        assert result.resistances[k] == pytest.approx(ref.voltage[cell], rel=1e-6)
        # CG stops at a 1e-6 relative residual: currents agree to about 1e-6 of the max.
        assert np.allclose(result.voltmaps[int(focal_id)], ref.voltage, rtol=1e-5, atol=1e-7)
        assert np.allclose(result.curmaps[int(focal_id)], ref.current, rtol=1e-5, atol=1e-6)


def test_all_to_one_matches_advanced_and_injects_one_ampere_per_cell():
    rng = np.random.default_rng(4)
    r = np.exp(rng.normal(0, 1, (14, 14)))
    focal = focal_points(r.shape, {1: (0, 0), 2: (13, 13), 3: (7, 1)})
    focal[0, 12:14] = 4  # two cells: 2 A
    result = all_to_one(r, focal, neighbours=4, focal_maps=True, solver="direct")
    assert np.all(result.resistances == 0)
    for focal_id in result.ids:
        source = np.where((focal > 0) & (focal != focal_id), 1.0, 0.0)
        ground = np.where(focal == focal_id, 0.0, np.nan)
        ref = advanced(r, source, ground, ground_is_resistance=True, regions=focal, neighbours=4)
        assert np.allclose(result.curmaps[int(focal_id)], ref.current, rtol=1e-6, atol=1e-9)
    assert np.allclose(result.cum_current, sum(result.curmaps.values()))


def test_one_to_all_alone_in_component_is_minus_one():
    r = np.ones((3, 5))
    r[:, 2] = np.nan
    focal = focal_points(r.shape, {1: (0, 0), 2: (2, 4), 3: (0, 4)})
    res = one_to_all(r, focal)
    assert res.resistances[0] == DISCONNECTED
    assert res.resistances[1] > 0 and res.resistances[2] > 0


# ----------------------------------------------------------------- solvers
def test_solver_residual_check_raises(monkeypatch):
    graph = build_graph(np.ones((10, 10)), 4)
    matrix = graph.laplacian[1:, 1:]
    solver = LinearSolver(matrix, "cg+amg")
    monkeypatch.setattr(circuit, "cg", lambda *a, **k: (np.zeros(matrix.shape[0]), 0))
    with pytest.raises(SolverError, match="residual"):
        solver.solve(np.ones(matrix.shape[0]))


def test_auto_solver_picks_direct_for_small_components():
    graph = build_graph(np.ones((5, 5)), 4)
    assert LinearSolver(graph.laplacian[1:, 1:], "auto").method == circuit.direct_backend()
    with pytest.raises(ValueError, match="solver"):
        LinearSolver(graph.laplacian[1:, 1:], "spsolve")


def test_progress_is_logged(caplog):
    resistance, focal = _strip(4, 6)
    focal[1, 3] = 3
    with caplog.at_level(logging.INFO, logger="amurlink.connectivity.circuit"):
        pairwise(resistance, focal, neighbours=4, shorting="all")
    assert any("of 2 done" in m and "left" in m for m in caplog.messages)


def _random_problem(size, seed):
    rng = np.random.default_rng(seed)
    # Four orders of magnitude of resistance, a few no-data holes.
    r = 10 ** rng.uniform(0, 4, (size, size))
    r[rng.random(r.shape) < 0.02] = np.nan
    points = {
        1: (0, 0),
        2: (size - 1, size - 1),
        3: (size // 2, size // 3),
        4: (size // 5, size - 2),
    }
    focal = focal_points(r.shape, points)
    r[focal > 0] = 1.0
    return r, focal


@pytest.mark.parametrize("neighbours", [4, 8])
def test_cg_amg_matches_direct_small(neighbours):
    r, focal = _random_problem(60, neighbours)
    direct = pairwise(r, focal, neighbours=neighbours, solver="direct")
    amg = pairwise(r, focal, neighbours=neighbours, solver="cg+amg")
    assert np.allclose(amg.resistance_matrix, direct.resistance_matrix, rtol=1e-6)
    assert np.allclose(amg.cum_current, direct.cum_current, rtol=1e-4, atol=1e-6, equal_nan=True)


@pytest.mark.slow  # ~1 s alone, but over 5 s on a busy 2-core machine
@pytest.mark.parametrize("neighbours", [4, 8])
def test_cg_amg_matches_direct_200(neighbours):
    r, focal = _random_problem(200, 10 + neighbours)
    direct = pairwise(r, focal, neighbours=neighbours, solver="direct")
    amg = pairwise(r, focal, neighbours=neighbours, solver="cg+amg")
    assert np.allclose(amg.resistance_matrix, direct.resistance_matrix, rtol=1e-6)
    peak = np.nanmax(direct.cum_current)
    assert np.allclose(
        amg.cum_current, direct.cum_current, rtol=0, atol=1e-5 * peak, equal_nan=True
    )


# ------------------------------------------------------------ pipeline script
def test_pipeline_script_writes_current_and_table(tmp_path, small_grid):
    import runpy
    from types import SimpleNamespace

    import pandas as pd

    from amurlink.core import io

    rows, cols = small_grid.shape
    resistance = np.full((rows, cols), 5.0, dtype="float32")
    resistance[:, 25] = -9999  # a no-data wall splits the grid
    cores = np.zeros((rows, cols), dtype="int32")
    cores[5:8, 2:5] = 1
    cores[30:33, 15:18] = 2
    cores[10:12, 40:44] = 3
    io.write_raster(tmp_path / "resistance.tif", resistance, small_grid, nodata=-9999.0,
                    descriptions="resistance")  # fmt: skip
    io.write_raster(tmp_path / "cores.tif", cores, small_grid, nodata=0, descriptions="core_id",
                    categorical=True)  # fmt: skip
    snakemake = SimpleNamespace(
        input=SimpleNamespace(resistance=str(tmp_path / "resistance.tif"),
                              cores=str(tmp_path / "cores.tif")),
        output=SimpleNamespace(current=str(tmp_path / "current.tif"),
                               effective_resistance=str(tmp_path / "er.csv")),
        params=SimpleNamespace(neighbours=8, solver="auto"),
        log=[str(tmp_path / "circuit.log")], rule="circuit", wildcards={},
    )  # fmt: skip
    script = Path(__file__).parents[1] / "workflow/scripts/circuit.py"
    runpy.run_path(str(script), init_globals={"snakemake": snakemake})
    table = pd.read_csv(tmp_path / "er.csv")
    assert list(table.columns) == ["core_a", "core_b", "effective_resistance"]
    assert table[["core_a", "core_b"]].values.tolist() == [[1, 2], [1, 3], [2, 3]]
    er = table["effective_resistance"].to_numpy()
    assert er[0] > 0 and er[1] == -1 and er[2] == -1
    current, grid = io.read_raster(tmp_path / "current.tif")
    assert grid == small_grid and current.dtype == np.float32
    assert current.mask[:, 25].all()  # no-data stays no-data
    assert current[6, 3] == pytest.approx(1.0, rel=1e-4)  # a core carries its pair's 1 A
    with rasterio_open(tmp_path / "current.tif") as src:
        assert src.descriptions[0] == "cumulative current" and src.units[0] == "A"


def rasterio_open(path):
    import rasterio

    return rasterio.open(path)


def test_pairwise_result_table():
    r = np.ones((1, 5))
    focal = np.array([[1, 0, 2, 0, 3]])
    table = circuit.pairwise(r, focal, neighbours=4, solver="direct").table()
    assert table.columns.tolist() == ["core_a", "core_b", "effective_resistance"]
    assert table[["core_a", "core_b"]].values.tolist() == [[1, 2], [1, 3], [2, 3]]
    np.testing.assert_allclose(table["effective_resistance"], [2.0, 4.0, 2.0])


def test_cg_amg_repeats_bit_for_bit_and_keeps_the_callers_random_state():
    # pyamg's set-up draws random start vectors; seeded, two runs give the same bits.
    rng = np.random.default_rng(3)
    resistance = rng.uniform(1, 1000, (60, 60))
    focal = np.zeros((60, 60), dtype=int)
    focal[5, 5], focal[50, 40], focal[30, 55] = 1, 2, 3
    np.random.seed(123)  # noqa: NPY002 (pyamg uses the global generator)
    before = np.random.get_state()[1].copy()  # noqa: NPY002 (pyamg uses the global generator)
    runs = [
        circuit.pairwise(resistance, focal, solver="cg+amg").resistance_matrix for _ in range(2)
    ]
    assert np.array_equal(runs[0], runs[1])
    assert np.array_equal(np.random.get_state()[1], before)  # noqa: NPY002 (pyamg uses the global generator)
