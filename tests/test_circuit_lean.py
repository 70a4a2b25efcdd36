"""The lean circuit path: CSR straight from the raster, geometric smoothed aggregation, lean CG."""

import itertools
import logging

import numpy as np
import pytest
import scipy.sparse as sp

from amurlink.connectivity import circuit
from amurlink.connectivity.circuit import (
    LeanMultigrid,
    LinearSolver,
    build_graph,
    conjugate_gradients,
    laplacian_from_raster,
    pairwise,
    plan_solver,
)


def _landscape(shape, seed, holes=0.05):
    rng = np.random.default_rng(seed)
    r = 10 ** rng.uniform(0, 4, shape)
    r[rng.random(shape) < holes] = np.nan
    return r


def _regions(shape):
    regions = np.zeros(shape, dtype=np.int64)
    regions[3:8, 4:9] = 2
    regions[20:23, 30:40] = 5
    regions[30, 1] = 5  # one label in two places: one node
    regions[0, 0] = 1
    return regions


def _random_job(size, seed):
    """Four focal points and one 3 × 3 focal region on a random landscape with holes."""
    r = _landscape((size, size), seed, holes=0.02)
    focal = np.zeros(r.shape, dtype=np.int64)
    points = [(0, 0), (size - 1, size - 1), (size // 2, size // 3), (size // 5, size - 2)]
    for k, (i, j) in enumerate(points, start=1):
        focal[i, j] = k
    focal[10:13, 20:23] = 5
    r[focal > 0] = 1.0
    return r, focal


# -------------------------------------------------------------------- builder
@pytest.mark.parametrize("neighbours", [4, 8])
@pytest.mark.parametrize("avg", ["resistance", "conductance"])
def test_lean_builder_gives_build_graphs_matrix_bit_for_bit(neighbours, avg):
    r = _landscape((37, 53), neighbours)
    graph = build_graph(r, neighbours, avg)
    node_of_cell, laplacian = laplacian_from_raster(r, neighbours, avg)
    old = graph.laplacian.copy()
    old.sort_indices()
    assert np.array_equal(node_of_cell, graph.node_of_cell)
    assert laplacian.indices.dtype == np.int32
    assert np.array_equal(laplacian.indptr, old.indptr)
    assert np.array_equal(laplacian.indices, old.indices)
    assert np.array_equal(laplacian.data, old.data)  # the same bits, not just close


@pytest.mark.parametrize("neighbours", [4, 8])
def test_lean_builder_with_shorted_regions_matches_to_rounding(neighbours):
    r = _landscape((37, 53), 10 + neighbours)
    r[4, 5] = np.nan  # a no-data cell inside a region takes the region's node
    regions = _regions(r.shape)
    graph = build_graph(r, neighbours, regions=regions)
    node_of_cell, laplacian = laplacian_from_raster(r, neighbours, regions=regions)
    old = graph.laplacian.copy()
    old.sort_indices()
    assert np.array_equal(node_of_cell, graph.node_of_cell)
    assert np.array_equal(laplacian.indptr, old.indptr)
    assert np.array_equal(laplacian.indices, old.indices)
    # Parallel edges into a region add in another order: the last bits may differ.
    assert np.allclose(laplacian.data, old.data, rtol=1e-14, atol=0)


def test_lean_builder_restricted_to_valid_cells_is_the_raster_without_the_others():
    r = _landscape((30, 40), 3)
    keep = np.ones(r.shape, dtype=bool)
    keep[:, 20:] = False
    node_of_cell, laplacian = laplacian_from_raster(r, 8, valid=keep)
    graph = build_graph(np.where(keep, r, np.nan), 8)
    assert np.array_equal(node_of_cell, graph.node_of_cell)
    assert (laplacian != graph.laplacian).nnz == 0


def test_ground_in_place_solves_the_grounded_laplacian():
    r = _landscape((20, 25), 4, holes=0.0)
    _, laplacian = laplacian_from_raster(r, 8)
    ground = 57
    keep = np.ones(laplacian.shape[0], dtype=bool)
    keep[ground] = False
    reference = laplacian[keep][:, keep].toarray()
    circuit._ground_in_place(laplacian, [ground])
    rhs = np.zeros(laplacian.shape[0])
    rhs[[3, 300]] = [1.0, -0.5]
    x = np.linalg.solve(laplacian.toarray(), rhs)
    assert x[ground] == 0.0
    assert np.allclose(x[keep], np.linalg.solve(reference, rhs[keep]), rtol=1e-12)


# --------------------------------------------------------------------- solver
def test_conjugate_gradients_solves_an_spd_system():
    rng = np.random.default_rng(5)
    q = rng.normal(size=(30, 30))
    matrix = sp.csr_matrix(q @ q.T + 30 * np.eye(30))
    rhs = rng.normal(size=30)
    x, iterations = conjugate_gradients(matrix, rhs, lambda v: v.copy(), rtol=1e-12)
    assert 0 < iterations <= 30  # CG ends in n steps in exact arithmetic
    assert np.allclose(x, np.linalg.solve(matrix.toarray(), rhs), rtol=1e-10)
    assert conjugate_gradients(matrix, np.zeros(30), lambda v: v)[1] == 0


@pytest.mark.parametrize("geometric", [True, False])
def test_lean_solver_matches_a_dense_solve(geometric):
    r = _landscape((45, 50), 6, holes=0.0)
    node_of_cell, laplacian = laplacian_from_raster(r, 8)
    circuit._ground_in_place(laplacian, [0])
    coordinates = circuit._node_positions(node_of_cell, laplacian.shape[0]) if geometric else None
    solver = LinearSolver(laplacian, "cg+amg-lean", coordinates=coordinates)
    assert solver.method == "cg+amg-lean"
    assert solver._lean.n_levels >= 2
    rhs = np.zeros((laplacian.shape[0], 2))
    rhs[[10, 2000], [0, 1]] = 1.0
    ref = np.linalg.solve(laplacian.toarray(), rhs)
    assert np.allclose(solver.solve(rhs), ref, rtol=1e-5, atol=1e-5 * np.abs(ref).max())


def test_lean_multigrid_coarsens_by_three_by_three_blocks():
    r = np.ones((30, 27))
    node_of_cell, laplacian = laplacian_from_raster(r, 8)
    circuit._ground_in_place(laplacian, [0])
    row, col = circuit._node_positions(node_of_cell, laplacian.shape[0])
    hierarchy = LeanMultigrid(laplacian, row, col, max_coarse=5)
    sizes = [a.shape[0] for a, _ in hierarchy.levels] + [hierarchy.coarse.shape[0]]
    # 30 × 27 cells -> 10 × 9 blocks -> 4 × 3 -> 2 × 1.
    assert sizes == [810, 90, 12, 2]
    # Galerkin coarse operators of a symmetric matrix are symmetric.
    for a, _ in hierarchy.levels[1:]:
        assert abs(a - a.T).max() <= 1e-12 * abs(a).max()


# ------------------------------------------------------------------- pairwise
@pytest.mark.parametrize("rows, cols", [(1, 200), (40, 60)])
def test_lean_strip_resistance_is_analytic(rows, cols, monkeypatch):
    monkeypatch.setattr(circuit, "LEAN_MAX_COARSE", 20)  # several levels even here
    resistance = np.full((rows, cols), 2.0)
    focal = np.zeros((rows, cols), dtype=int)
    focal[:, 0] = 1
    focal[:, -1] = 2
    # cols − 1 gaps in series, each of `rows` 2-ohm resistors in parallel.
    result = pairwise(resistance, focal, neighbours=4, solver="cg+amg-lean", shorting="all",
                      currents=False)  # fmt: skip
    assert result.resistance_matrix[0, 1] == pytest.approx(2.0 * (cols - 1) / rows, rel=1e-6)


@pytest.mark.parametrize("neighbours", [4, 8])
def test_lean_pairwise_matches_the_direct_solve(neighbours, monkeypatch):
    monkeypatch.setattr(circuit, "LEAN_MAX_COARSE", 50)
    r, focal = _random_job(60, neighbours)
    options = {"neighbours": neighbours, "shorting": "all", "currents": False}
    direct = pairwise(r, focal, solver="direct", **options).resistance_matrix
    lean = pairwise(r, focal, solver="cg+amg-lean", **options).resistance_matrix
    # At the default CG tolerance (1e-6 on the residual) ...
    assert np.allclose(lean, direct, rtol=1e-6, atol=0)
    # ... and to 1e-8 when CG is asked for 1e-10: the lean path solves the same system.
    monkeypatch.setattr(circuit, "CG_RTOL", 1e-10)
    tight = pairwise(r, focal, solver="cg+amg-lean", **options).resistance_matrix
    assert np.allclose(tight, direct, rtol=1e-8, atol=0)


def test_lean_pairwise_with_disconnected_patches_and_polygons():
    r = np.ones((30, 30))
    r[:, 15] = np.nan  # two halves
    r[10, 10] = np.nan
    r[0:2, 20:22] = np.nan  # a lone cell at (0, 29)'s corner stays a component of its own
    focal = np.zeros(r.shape, dtype=int)
    focal[2, 2], focal[20, 5], focal[5, 25], focal[25, 28] = 1, 2, 3, 4
    polygons = np.zeros(r.shape)
    polygons[19:22, 4:9] = 1  # shorts focal 2 with its neighbourhood
    options = {"neighbours": 8, "shorting": "all", "currents": False, "polygons": polygons}
    direct = pairwise(r, focal, solver="direct", **options).resistance_matrix
    lean = pairwise(r, focal, solver="cg+amg-lean", **options).resistance_matrix
    assert direct[0, 2] == circuit.DISCONNECTED
    assert np.allclose(lean, direct, rtol=1e-6, atol=0)


def test_lean_pairwise_repeats_bit_for_bit():
    r, focal = _random_job(40, 2)
    runs = [pairwise(r, focal, solver="cg+amg-lean", shorting="all", currents=False)
            for _ in range(2)]  # fmt: skip
    assert np.array_equal(runs[0].resistance_matrix, runs[1].resistance_matrix)


# ------------------------------------------------------------------ cost model
def test_cost_model_picks_the_lean_path_below_the_standard_estimates():
    n = 4_000_000
    roomy = plan_solver(n, 9 * n, n_rhs=9, memory_bytes=1e12)
    assert roomy.method in ("direct", "cg+amg")
    assert roomy.bytes["cg+amg-lean"] < min(roomy.bytes["direct"], roomy.bytes["cg+amg"])
    below = min(roomy.bytes["direct"], roomy.bytes["cg+amg"]) * 0.9
    assert plan_solver(n, 9 * n, n_rhs=9, memory_bytes=below).method == "cg+amg-lean"
    # Room for CG + AMG but not for the factor: the standard CG + AMG.
    between = roomy.bytes["cg+amg"] * 1.01
    if between < roomy.bytes["direct"]:
        assert plan_solver(n, 9 * n, n_rhs=9, memory_bytes=between).method == "cg+amg"


def test_pairwise_auto_runs_lean_when_memory_is_short(monkeypatch, caplog):
    r, focal = _random_job(40, 7)
    reference = pairwise(r, focal, solver="direct", shorting="all", currents=False)
    monkeypatch.setattr(circuit, "available_memory", lambda: 1000)
    with caplog.at_level(logging.INFO, logger="amurlink.connectivity.circuit"):
        result = pairwise(r, focal, solver="auto", shorting="all", currents=False)
    assert any("pairwise, lean" in m for m in caplog.messages)
    assert np.allclose(result.resistance_matrix, reference.resistance_matrix, rtol=1e-6)
    # Current maps need the edge list: the standard path, with the lean solver.
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="amurlink.connectivity.circuit"):
        mapped = pairwise(r, focal, solver="auto", shorting="all", currents=True)
    assert not any("pairwise, lean" in m for m in caplog.messages)
    assert np.allclose(mapped.resistance_matrix, reference.resistance_matrix, rtol=1e-6)


def test_single_cell_focal_nodes_take_the_lean_path_in_pair_mode(caplog):
    r = _landscape((30, 30), 9, holes=0.0)
    focal = circuit.focal_points(r.shape, {1: (1, 1), 2: (28, 27), 3: (15, 2)})
    with caplog.at_level(logging.INFO, logger="amurlink.connectivity.circuit"):
        lean = pairwise(r, focal, solver="cg+amg-lean", shorting="pair", currents=False)
    assert any("pairwise, lean" in m for m in caplog.messages)
    direct = pairwise(r, focal, solver="direct", currents=False)
    for a, b in itertools.combinations(range(3), 2):
        assert lean.resistance_matrix[a, b] == pytest.approx(
            direct.resistance_matrix[a, b], rel=1e-6
        )


def test_other_modes_accept_the_lean_solver():
    r, focal = _random_job(40, 11)
    direct = circuit.one_to_all(r, focal, solver="direct", currents=False).resistances
    lean = circuit.one_to_all(r, focal, solver="cg+amg-lean", currents=False).resistances
    assert np.allclose(lean, direct, rtol=1e-6)
    source = np.where(focal == 1, 1.0, 0.0)
    ground = np.where(focal == 2, 0.5, np.nan)
    voltage = circuit.advanced(r, source, ground, solver="direct").voltage
    lean_voltage = circuit.advanced(r, source, ground, solver="cg+amg-lean").voltage
    assert np.allclose(lean_voltage, voltage, rtol=1e-5, atol=1e-6 * np.nanmax(voltage),
                       equal_nan=True)  # fmt: skip


def test_per_pair_shorting_with_the_lean_solver_matches_the_direct_solve(caplog):
    r, focal = _random_job(50, 12)
    focal[30:33, 5:8] = 6  # two focal regions: Circuitscape's per-pair shorting
    direct = pairwise(r, focal, solver="direct", shorting="pair", currents=False)
    with caplog.at_level(logging.DEBUG, logger="amurlink.connectivity.circuit"):
        lean = pairwise(r, focal, solver="cg+amg-lean", shorting="pair", currents=False)
    assert any("cg+amg-lean set-up" in m for m in caplog.messages)
    assert np.allclose(lean.resistance_matrix, direct.resistance_matrix, rtol=1e-6)
