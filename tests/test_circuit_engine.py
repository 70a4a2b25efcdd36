"""Circuit engine: per-pair shorting from one factorisation, solver back-ends, cost model."""

import numpy as np
import pytest

from amurlink.connectivity import circuit
from amurlink.connectivity.circuit import LinearSolver, pairwise, plan_solver

DIRECT = ["superlu"] + [
    m for m, mod in (("cholmod", "sksparse"), ("pardiso", "pypardiso")) if circuit._have(mod)
]


def _landscape(shape, seed, nan=0.0):
    rng = np.random.default_rng(seed)
    r = 10 ** rng.uniform(0, 4, shape)  # four orders of magnitude
    r[rng.random(shape) < nan] = np.nan
    return r


def _regions(shape, slices):
    focal = np.zeros(shape, dtype=int)
    for k, where in enumerate(slices, start=1):
        focal[where] = k
    return focal


def _both(r, focal, **options):
    """Today's per-pair path (one graph and solve per pair) and the reduced engine."""
    options = {"shorting": "pair", "pair_maps": True, "max_current": True} | options
    old = pairwise(r, focal, engine="per-pair", **options)
    new = pairwise(r, focal, engine="reduced", **options)
    return old, new


def _assert_same(old, new):
    ref = np.abs(old.resistance_matrix).max()
    assert np.abs(new.resistance_matrix - old.resistance_matrix).max() <= 1e-9 * ref
    assert np.array_equal(new.resistance_matrix < 0, old.resistance_matrix < 0)
    assert set(new.curmaps) == set(old.curmaps)
    peak = np.nanmax(old.cum_current)
    for key, cmap in old.curmaps.items():
        assert np.allclose(new.curmaps[key], cmap, rtol=0, atol=1e-9 * peak, equal_nan=True)
        assert np.allclose(new.voltmaps[key], old.voltmaps[key], rtol=1e-9, atol=1e-9 * ref,
                           equal_nan=True)  # fmt: skip
    assert np.allclose(new.cum_current, old.cum_current, rtol=0, atol=1e-8 * peak, equal_nan=True)
    assert np.allclose(new.max_current, old.max_current, rtol=0, atol=1e-9 * peak, equal_nan=True)


@pytest.mark.parametrize("neighbours", [4, 8])
def test_reduced_per_pair_shorting_equals_one_solve_per_pair(neighbours):
    shape = (22, 27)
    r = _landscape(shape, neighbours, nan=0.05)
    focal = _regions(
        shape,
        [np.s_[1:4, 1:4], np.s_[10:14, 5:9], np.s_[15:19, 20:24], np.s_[14:16, 9:12], np.s_[3, 20]],
    )
    r[focal > 0] = np.where(np.isnan(r[focal > 0]), 5.0, r[focal > 0])
    old, new = _both(r, focal, neighbours=neighbours, solver="superlu")
    _assert_same(old, new)
    # A third region between a pair is ordinary habitat, not a conductor.
    shared = pairwise(r, focal, neighbours=neighbours, shorting="all", currents=False)
    assert np.all(shared.resistance_matrix <= new.resistance_matrix + 1e-12)


def test_reduced_touching_regions_and_a_region_split_by_a_wall():
    shape = (18, 24)
    r = _landscape(shape, 5)
    r[:, 12] = np.nan  # a wall: two components
    focal = _regions(
        shape,
        [
            np.s_[1:4, 1:4],
            np.s_[4:7, 1:4],  # touches region 1
            np.s_[8:11, 10:15],  # straddles the wall: joins both sides when shorted
            np.s_[14:17, 18:22],  # beyond the wall
            np.s_[14:17, 5:8],
        ],
    )
    old, new = _both(r, focal, neighbours=8, solver="superlu")
    _assert_same(old, new)
    # Region 3 reaches both sides, but only shorted: 1-3 and 3-4 connect, 1-4 do not.
    assert new.resistance_matrix[0, 2] > 0 and new.resistance_matrix[2, 3] > 0
    assert new.resistance_matrix[0, 3] == circuit.DISCONNECTED


def test_reduced_disconnected_and_isolated_regions_get_minus_one():
    shape = (16, 20)
    r = _landscape(shape, 7)
    r[:, 9] = np.nan
    r[12:, :] = np.nan
    r[13:15, 2:5] = 1.0  # an island that is all region 4
    focal = _regions(
        shape, [np.s_[1:3, 1:3], np.s_[5:8, 3:6], np.s_[2:5, 14:17], np.s_[13:15, 2:5]]
    )
    old, new = _both(r, focal, neighbours=4, solver="superlu")
    _assert_same(old, new)
    assert new.resistance_matrix[0, 2] == circuit.DISCONNECTED
    assert np.all(np.delete(new.resistance_matrix[3], 3) == circuit.DISCONNECTED)


def test_reduced_with_polygons_including_one_shared_by_two_regions():
    shape = (20, 24)
    r = _landscape(shape, 9, nan=0.03)
    focal = _regions(
        shape, [np.s_[1:3, 1:3], np.s_[8:10, 8:10], np.s_[16:18, 18:21], np.s_[2:4, 19:22]]
    )
    polygons = np.zeros(shape)
    polygons[2:6, 2:7] = 1  # touches region 1
    polygons[12:17, 17:20] = 2  # touches region 3
    polygons[3:9, 19:23] = 3  # overlaps region 4 ...
    polygons[9:11, 9:23] = 3  # ... and region 2: regions 2 and 4 are one node
    old, new = _both(r, focal, neighbours=8, solver="superlu", polygons=polygons)
    _assert_same(old, new)
    assert new.resistance_matrix[1, 3] == 0.0


def test_reduced_single_cells_and_regions_mixed_cg_amg():
    shape = (30, 30)
    r = _landscape(shape, 11)
    focal = _regions(shape, [np.s_[2:6, 2:6], np.s_[20, 25], np.s_[25:28, 3:5]])
    old, new = _both(r, focal, neighbours=8, solver="cg+amg", pair_maps=False)
    assert np.allclose(new.resistance_matrix, old.resistance_matrix, rtol=1e-5)
    assert np.allclose(new.cum_current, old.cum_current, rtol=1e-3, atol=1e-5, equal_nan=True)


@pytest.mark.parametrize("method", DIRECT + ["cg+amg"])
def test_back_ends_agree_on_a_grounded_laplacian(method):
    graph = circuit.build_graph(_landscape((40, 35), 13), 8)
    matrix = graph.laplacian[1:, 1:]
    rhs = np.zeros((matrix.shape[0], 3))
    rhs[[5, 700, 1200], [0, 1, 2]] = 1.0
    ref = np.linalg.solve(matrix.toarray(), rhs)
    solver = LinearSolver(matrix, method, n_rhs=3)
    assert solver.method == method
    tol = 1e-5 if method == "cg+amg" else 1e-10
    assert np.allclose(solver.solve(rhs), ref, rtol=tol, atol=tol * np.abs(ref).max())
    assert np.allclose(solver.solve(rhs[:, 1]), ref[:, 1], rtol=tol, atol=tol * np.abs(ref).max())


def test_cost_model_prefers_a_factorisation_for_many_right_hand_sides():
    n = 1_000_000
    many = plan_solver(n, 9 * n, n_rhs=100, memory_bytes=8e9)
    assert many.method == "direct"
    assert many.seconds["direct"] < many.seconds["cg+amg"]
    # The same job without memory for the factor falls back to CG + AMG.
    between = (many.bytes["direct"] + many.bytes["cg+amg"]) / 2
    assert many.bytes["cg+amg"] < between < many.bytes["direct"]
    tight = plan_solver(n, 9 * n, n_rhs=100, memory_bytes=between)
    assert tight.method == "cg+amg"
    # The estimates grow with the size: fill as n log n, time as n^1.5 for the factor.
    big = plan_solver(16 * n, 9 * 16 * n, n_rhs=100, memory_bytes=1e12)
    assert big.bytes["direct"] > 16 * many.bytes["direct"]
    assert big.seconds["direct"] > 16 * many.seconds["direct"]


def test_auto_is_the_cost_models_choice():
    graph = circuit.build_graph(np.ones((6, 6)), 4)
    matrix = graph.laplacian[1:, 1:]
    assert LinearSolver(matrix, "auto").method == circuit.direct_backend()
    assert LinearSolver(matrix, "auto", memory_bytes=0).method == "cg+amg-lean"
    with pytest.raises(ValueError, match="solver"):
        LinearSolver(matrix, "umfpack")


def test_reduced_engine_repeats_bit_for_bit():
    r = _landscape((40, 40), 17)
    focal = _regions((40, 40), [np.s_[2:6, 2:6], np.s_[30:34, 30:34], np.s_[5:8, 28:31]])
    first = pairwise(r, focal, shorting="pair")
    again = pairwise(r, focal, shorting="pair")
    assert np.array_equal(first.resistance_matrix, again.resistance_matrix)
    assert np.array_equal(first.cum_current, again.cum_current, equal_nan=True)
