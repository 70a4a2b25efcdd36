"""Circuit theory on graphs (Circuitscape's network mode): hand-worked series-parallel cases."""

import numpy as np
import pytest

from amurlink.connectivity import network

# 0 -1Ω- 1 -2Ω- 2 -4Ω- 3, and 0 -3Ω- 2 closing a loop; a second component 5 -2Ω- 6.
A = [0, 1, 2, 0, 5]
B = [1, 2, 3, 2, 6]
R = [1.0, 2.0, 4.0, 3.0, 2.0]


def _net(**kw):
    return network.build_network(np.array(A), np.array(B), np.array(R), is_resistance=True, **kw)


@pytest.mark.parametrize("solver", ["direct", "cg+amg"])
def test_pairwise_series_parallel_resistances(solver):
    # R(0,1) = 1 ‖ (2 + 3) = 5/6; R(0,2) = (1 + 2) ‖ 3 = 1.5; R(0,3) = 1.5 + 4;
    # R(1,2) = 2 ‖ (1 + 3) = 4/3; 5–6 another component; 9 is not in the graph.
    res = network.pairwise(_net(), [0, 1, 2, 3, 5, 6, 9], solver=solver)
    m = res.resistance_matrix
    assert m[0, 1] == pytest.approx(5 / 6, rel=1e-6)
    assert m[0, 2] == pytest.approx(1.5, rel=1e-6)
    assert m[0, 3] == pytest.approx(5.5, rel=1e-6)
    assert m[1, 2] == pytest.approx(4 / 3, rel=1e-6)
    assert m[4, 5] == pytest.approx(2.0, rel=1e-6)
    assert m[0, 4] == -1 and m[3, 5] == -1 and m[0, 6] == -1 and m[6, 6] == 0
    np.testing.assert_allclose(m, m.T)
    # Keeping every node's voltages (for the per-pair tables) gives the same matrix.
    full = network.pairwise(_net(), [0, 1, 2, 3, 5, 6, 9], solver=solver, solutions=True)
    np.testing.assert_allclose(full.resistance_matrix, m, rtol=1e-9)


def test_pair_solution_voltages_and_currents_by_hand():
    # 1 A in at node 1, out at node 0: 5/6 A on the 1 Ω edge, 1/6 A round 1–2–0.
    net = _net()
    sol = network.pairwise(net, [0, 1], solutions=True, solver="direct").solutions[(0, 1)]
    ids = net.node_ids[sol.nodes].tolist()
    assert ids == [0, 1, 2, 3]  # the component's nodes only
    np.testing.assert_allclose(sol.voltages, [0, 5 / 6, 0.5, 0.5], atol=1e-12)
    np.testing.assert_allclose(sol.node_current, [1, 1, 1 / 6, 0], atol=1e-12)
    branch = {
        tuple(net.node_ids[net.edges[e]].tolist()): c
        for e, c in zip(sol.edges, sol.branch_current, strict=True)
    }
    assert branch == pytest.approx({(0, 1): 5 / 6, (0, 2): 1 / 6, (1, 2): 1 / 6, (2, 3): 0.0})


def test_repeated_focal_node_and_parallel_edges():
    # Two parallel 2 Ω edges are one 1 Ω edge; a node listed twice is 0 Ω from itself.
    net = network.build_network(
        np.array([0, 1]), np.array([1, 0]), np.array([2.0, 2.0]), is_resistance=True
    )
    assert len(net.edges) == 1 and net.conductances[0] == pytest.approx(1.0)
    m = network.pairwise(net, [0, 1, 0], solver="direct").resistance_matrix
    assert m[0, 1] == pytest.approx(1.0) and m[0, 2] == 0 and m[1, 2] == pytest.approx(1.0)


def test_included_pairs_leave_others_unsolved():
    include = {0: {3}, 3: {0}, 1: set()}
    m = network.pairwise(_net(), [0, 1, 3], include=include, solver="direct").resistance_matrix
    assert m[0, 2] == pytest.approx(5.5) and m[0, 1] == -1 and m[1, 2] == -1


def test_advanced_finite_and_direct_grounds():
    # Chain 0 -1Ω- 1 -1Ω- 2, 1 A into node 0.  Ground of 2 Ω at node 2: v = 4, 3, 2.
    net = network.build_network(
        np.array([0, 1]), np.array([1, 2]), np.array([1.0, 1.0]), is_resistance=True
    )
    src = np.array([1.0, 0, 0])
    gnd = np.array([np.nan, np.nan, 2.0])
    sol = network.advanced(net, src, gnd, ground_is_resistance=True, solver="direct")
    np.testing.assert_allclose(sol.voltages, [4, 3, 2])
    np.testing.assert_allclose(sol.node_current, [1, 1, 1])  # node 2: 1 A on to ground
    # A direct ground (resistance 0) holds node 2 at 0 V: v = 2, 1, 0.
    sol = network.advanced(net, src, np.array([np.nan, np.nan, 0.0]), ground_is_resistance=True)
    np.testing.assert_allclose(sol.voltages, [2, 1, 0])
    # rmvsrc: a node with both loses its source; nothing flows.
    both = np.array([1.0, np.nan, 2.0])
    sol = network.advanced(net, src, both, ground_is_resistance=True, policy="rmvsrc")
    np.testing.assert_allclose(sol.voltages, 0)
    # keepall, conductance grounds 1 S at 0 and at 2: 1 Ω to ground ‖ 3 Ω (chain + ground)
    # = 0.75 Ω, so v0 = 0.75; 0.25 A down the chain gives v1 = 0.5, v2 = 0.25.
    sol = network.advanced(net, src, np.array([1.0, np.nan, 1.0]), ground_is_resistance=False)
    np.testing.assert_allclose(sol.voltages, [0.75, 0.5, 0.25])


def test_build_network_refuses_bad_edges():
    with pytest.raises(ValueError, match="finite and > 0"):
        network.build_network(np.array([0]), np.array([1]), np.array([0.0]), is_resistance=True)
    with pytest.raises(ValueError, match="integers"):
        network.build_network(np.array([0.5]), np.array([1]), np.array([1.0]), is_resistance=True)


def test_agrees_with_circuitscape_sgnetworkverify3():
    # Circuitscape's sgNetworkVerify3 graph (resistances) and its published pair (0, 1)
    # voltages and branch currents (Circuitscape.py verify/baseline_results, 0-based IDs).
    rows = [
        (0, 1, 1), (0, 4, 1), (1, 4, 1.414213562), (2, 3, 1), (4, 5, 1), (5, 8, 1),
        (6, 7, 1), (6, 9, 1), (6, 10, 1.414213562), (7, 9, 1.414213562), (7, 10, 1),
        (8, 11, 1), (9, 10, 1), (9, 12, 1), (9, 13, 1.414213562), (10, 12, 1.414213562),
        (10, 13, 1), (12, 13, 1),
    ]  # fmt: skip
    a, b, r = (np.array(c, dtype=float) for c in zip(*rows, strict=True))
    net = network.build_network(a, b, r, is_resistance=True)
    res = network.pairwise(net, [0, 1, 5, 6, 8, 11, 13], solutions=True, solver="cg+amg")
    sol = res.solutions[(0, 1)]
    v = dict(zip(net.node_ids[sol.nodes].tolist(), sol.voltages, strict=True))
    expected_v = {0: 0, 1: 0.7071067811865465, 4: 0.2928932188134536, 5: 0.2928932188134544}
    expected_v |= {8: 0.2928932188134522, 11: 0.2928932188134492}
    assert v == pytest.approx(expected_v, abs=1e-6)
    branch = {
        tuple(net.node_ids[net.edges[e]].tolist()): c
        for e, c in zip(sol.edges, sol.branch_current, strict=True)
        if c > 0
    }
    expected_b = {
        (0, 1): 0.7071067811865476,
        (0, 4): 0.2928932188134548,
        (1, 4): 0.2928932188134509,
    }
    assert branch == pytest.approx(expected_b, abs=1e-6)
    assert res.resistance_matrix[0, 1] == pytest.approx(0.7071067811865465, abs=1e-6)
    assert res.resistance_matrix[3, 6] != -1 and res.resistance_matrix[0, 3] == -1


def test_agrees_with_networkx_resistance_distance():
    # A seeded random weighted graph: effective resistances as networkx computes them.
    import networkx as nx

    graph = nx.connected_watts_strogatz_graph(40, 4, 0.3, seed=7)
    rng = np.random.default_rng(7)
    for u, v in graph.edges:
        graph[u][v]["r"] = float(rng.uniform(0.5, 5.0))
    a, b = np.array(graph.edges).T
    r = np.array([graph[u][v]["r"] for u, v in graph.edges])
    net = network.build_network(a, b, r, is_resistance=True)
    focal = [0, 5, 17, 33]
    m = network.pairwise(net, focal, solver="direct").resistance_matrix
    for i, p in enumerate(focal):
        for j, q in enumerate(focal[i + 1 :], start=i + 1):
            expected = nx.resistance_distance(graph, p, q, weight="r", invert_weight=True)
            assert m[i, j] == pytest.approx(expected, rel=1e-9)
