"""Graph indices against hand-computed values (Conefor's IIC, PC, EC, dPC fractions)."""

import itertools
import math

import networkx as nx
import numpy as np
import pandas as pd
import pytest

from amurlink.connectivity import graph as cg


def make_graph(areas, edges):
    nodes = pd.DataFrame({"core_id": list(areas), "area_km2": list(areas.values())})
    links = pd.DataFrame(
        [{"from_core": a, "to_core": b, "cwd": d, **extra} for a, b, d, extra in edges]
    )
    return cg.build_graph(nodes, links)


def test_decay_constant_half_at_dispersal():
    k = cg.decay_constant(40_000)
    assert math.exp(-k * 40_000) == pytest.approx(0.5)
    assert k == pytest.approx(math.log(2) / 40_000)


def test_two_nodes_pc_iic_ec():
    # a = (1, 2) km2, one link of cwd 2000 with d50 = 1000: p = 0.5^2 = 0.25.
    g = make_graph({1: 1.0, 2: 2.0}, [(1, 2, 2000.0, {})])
    ind = cg.connectivity_indices(g, landscape_area=10.0, dispersal_cost=1000.0)
    # PCnum = 1*1 + 2*2 + 2 * (1*2*0.25) = 5 + 1 = 6; PC = 6 / 10^2.
    assert ind["PC_num"] == pytest.approx(6.0)
    assert ind["PC"] == pytest.approx(0.06)
    assert ind["EC"] == pytest.approx(math.sqrt(6))
    assert ind["EC_fraction"] == pytest.approx(math.sqrt(6) / 3)
    # IICnum = 1 + 4 + 2 * 1*2 / (1 + 1) = 7; IIC = 0.07.
    assert ind["IIC_num"] == pytest.approx(7.0)
    assert ind["IIC"] == pytest.approx(0.07)
    assert (ind["n_nodes"], ind["n_links"], ind["n_components"]) == (2, 1, 1)


def test_two_nodes_importance():
    g = make_graph({1: 1.0, 2: 2.0}, [(1, 2, 2000.0, {})])
    nodes = cg.node_importance(g, 1000.0).set_index("node")
    # Without node 1: PCnum' = 4; dPC = 100 (6 - 4) / 6 = 33.3
    #   intra = 100 * 1 / 6 = 16.7; flux = 100 * 2 * 1 * 2 * 0.25 / 6 = 16.7; connector 0.
    # Without node 2: PCnum' = 1; dPC = 100 * 5 / 6 = 83.3; intra = 100 * 4 / 6; flux 16.7.
    np.testing.assert_allclose(nodes["dPC"], [100 * 2 / 6, 100 * 5 / 6])
    np.testing.assert_allclose(nodes["dPCintra"], [100 / 6, 400 / 6])
    np.testing.assert_allclose(nodes["dPCflux"], [100 / 6, 100 / 6])
    np.testing.assert_allclose(nodes["dPCconnector"], [0, 0], atol=1e-12)
    # IIC: IICnum = 7; without 1: 4 -> 300/7; without 2: 1 -> 600/7.
    np.testing.assert_allclose(nodes["dIIC"], [300 / 7, 600 / 7])
    links = cg.link_importance(g, 1000.0)
    # Without the link: PCnum' = IICnum' = 5 -> dPC = 100/6, dIIC = 200/7.
    assert links["dPC"].tolist() == pytest.approx([100 / 6])
    assert links["dIIC"].tolist() == pytest.approx([200 / 7])


def path3():
    # 1 - 2 - 3, unit areas, each link cwd = d50: p = 0.5, p*_13 = 0.5 * 0.5 = 0.25.
    return make_graph({1: 1.0, 2: 1.0, 3: 1.0}, [(1, 2, 500.0, {}), (2, 3, 500.0, {})])


def test_path_of_three_stepping_stone():
    g = path3()
    ind = cg.connectivity_indices(g, 3.0, 500.0)
    # PCnum = 3 + 2 (0.5 + 0.5 + 0.25) = 5.5
    assert ind["PC_num"] == pytest.approx(5.5)
    # IICnum = 3 + 2 (1/2 + 1/2 + 1/3) = 5.6667
    assert ind["IIC_num"] == pytest.approx(3 + 2 * (1 / 2 + 1 / 2 + 1 / 3))
    nodes = cg.node_importance(g, 500.0).set_index("node")
    # Node 2: without it 1 and 3 are isolated, PCnum' = 2: dPC = 100 * 3.5 / 5.5
    #   intra = 1, flux = 2 (0.5 + 0.5) = 2, connector = 2 * 0.25 = 0.5 (the 1-3 flow it carries).
    assert nodes.loc[2, "dPC"] == pytest.approx(100 * 3.5 / 5.5)
    assert nodes.loc[2, "dPCintra"] == pytest.approx(100 * 1 / 5.5)
    assert nodes.loc[2, "dPCflux"] == pytest.approx(100 * 2 / 5.5)
    assert nodes.loc[2, "dPCconnector"] == pytest.approx(100 * 0.5 / 5.5)
    # Node 1: PCnum' = 2 + 2 * 0.5 = 3: dPC = 100 * 2.5 / 5.5; flux = 2 (0.5 + 0.25) = 1.5.
    assert nodes.loc[1, "dPC"] == pytest.approx(100 * 2.5 / 5.5)
    assert nodes.loc[1, "dPCflux"] == pytest.approx(100 * 1.5 / 5.5)
    assert nodes.loc[1, "dPCconnector"] == pytest.approx(0, abs=1e-12)
    # IIC node 2: without it IICnum' = 2; connector = 2 * 1/3.
    assert nodes.loc[2, "dIIC"] == pytest.approx(100 * (ind["IIC_num"] - 2) / ind["IIC_num"])
    assert nodes.loc[2, "dIICconnector"] == pytest.approx(100 * (2 / 3) / ind["IIC_num"])
    links = cg.link_importance(g, 500.0).set_index(["u", "v"])
    # Without link 1-2: PCnum' = 3 + 2 * 0.5 = 4; IICnum' = 3 + 2 * 1/2 = 4.
    assert links.loc[(1, 2), "dPC"] == pytest.approx(100 * 1.5 / 5.5)
    assert links.loc[(1, 2), "dIIC"] == pytest.approx(100 * (ind["IIC_num"] - 4) / ind["IIC_num"])


def test_fractions_add_up_on_random_graph():
    rng = np.random.default_rng(7)
    n = 9
    areas = dict(zip(range(1, n + 1), rng.uniform(1, 50, n), strict=True))
    edges = [
        (i, j, float(rng.uniform(1e3, 5e4)), {})
        for i in range(1, n + 1)
        for j in range(i + 1, n + 1)
        if rng.random() < 0.35
    ]
    g = make_graph(areas, edges)
    nodes = cg.node_importance(g, 20_000.0)
    for name in ("dPC", "dIIC"):
        parts = nodes[f"{name}intra"] + nodes[f"{name}flux"] + nodes[f"{name}connector"]
        np.testing.assert_allclose(parts, nodes[name], rtol=1e-9, atol=1e-9)
        assert (nodes[f"{name}connector"] >= -1e-9).all()


def test_pc_uses_max_product_path_iic_counts_links():
    # Triangle: 1-2 and 2-3 cheap (cwd = d50), 1-3 direct but very costly.
    g = make_graph(
        {1: 1.0, 2: 1.0, 3: 1.0},
        [(1, 2, 1000.0, {}), (2, 3, 1000.0, {}), (1, 3, 100_000.0, {})],
    )
    order, p = cg.max_product_probability(g, 1000.0)
    assert order == [1, 2, 3]
    # p*_13 = p_12 * p_23 = 0.25, not exp(-k 100000) = 2^-100.
    assert p[0, 2] == pytest.approx(0.25)
    assert np.diag(p).tolist() == [1, 1, 1]
    # IIC counts links, not costs: 1-3 is one link away, nl = 1.
    ind = cg.connectivity_indices(g, 3.0, 1000.0)
    assert ind["IIC_num"] == pytest.approx(3 + 2 * 3 * 0.5)
    # Removing the costly link changes IIC (nl_13 becomes 2) but barely PC.
    links = cg.link_importance(g, 1000.0).set_index(["u", "v"])
    assert links.loc[(1, 3), "dPC"] == pytest.approx(0, abs=1e-12)
    # Hand: IICnum' = 3 + 2 (1/2 + 1/2 + 1/3) = 5.667; dIIC = 100 (6 - 5.667) / 6 = 5.56.
    assert links.loc[(1, 3), "dIIC"] == pytest.approx(100 * (6 - (3 + 2 * (1 + 1 / 3))) / 6)


def test_disconnected_components_contribute_nothing_across():
    g = make_graph({1: 1.0, 2: 1.0, 3: 2.0}, [(1, 2, 1000.0, {})])
    ind = cg.connectivity_indices(g, 4.0, 1000.0)
    # PCnum = 1 + 1 + 4 + 2 * 0.5 = 7; IICnum = 6 + 2 * 1/2 = 7.
    assert ind["PC_num"] == pytest.approx(7.0)
    assert ind["IIC_num"] == pytest.approx(7.0)
    assert ind["n_components"] == 2
    nodes = cg.node_importance(g, 1000.0).set_index("node")
    # Node 3 alone: only intra-patch connectivity, 4 / 7.
    assert nodes.loc[3, "dPC"] == pytest.approx(400 / 7)
    assert nodes.loc[3, "dPCflux"] == pytest.approx(0)


def test_centrality_and_conductance_choice():
    g = path3()
    nodes, edges = cg.centrality(g)
    nodes = nodes.set_index("node")
    # The middle node carries every 1-3 path and all 1-3 current; the ends carry none.
    assert nodes["betweenness"].tolist() == pytest.approx([0, 1, 0])
    assert nodes["current_flow_betweenness"].tolist() == pytest.approx([0, 1, 0], abs=1e-12)
    assert nodes["degree"].tolist() == [1, 2, 1]
    assert len(edges) == 2
    assert cg.conductance_attribute(g) == "cwd"
    nx.set_edge_attributes(g, 2.0, "effective_resistance")
    assert cg.conductance_attribute(g) == "effective_resistance"
    g.edges[1, 2]["effective_resistance"] = float("nan")
    assert cg.conductance_attribute(g) == "cwd"
    # A two-node component gets 0 current-flow betweenness rather than an error.
    nodes2, _ = cg.centrality(make_graph({1: 1.0, 2: 1.0}, [(1, 2, 1.0, {})]))
    assert nodes2["current_flow_betweenness"].tolist() == [0, 0]


def test_cross_border_flag_and_graphml_roundtrip(tmp_path):
    g = make_graph(
        {1: 1.0, 2: 1.0, 3: 1.0},
        [
            (1, 2, 1000.0, {"crosses_border": True, "effective_resistance": np.nan}),
            (2, 3, 1000.0, {"crosses_border": False, "effective_resistance": 3.5}),
        ],
    )
    assert cg.cross_border_links(g) == [(1, 2)]
    # NaN attributes are left out, numpy scalars become Python scalars.
    assert "effective_resistance" not in g.edges[1, 2]
    assert g.edges[2, 3]["effective_resistance"] == 3.5
    nodes = cg.node_importance(g, 1000.0)
    cg.set_attributes(g, nodes, cg.link_importance(g, 1000.0))
    path = tmp_path / "g.graphml"
    path.write_text(cg.to_graphml(g))
    back = nx.read_graphml(path)
    assert back.edges["1", "2"]["crosses_border"] is True
    assert back.nodes["2"]["dPC"] == pytest.approx(nodes.set_index("node").loc[2, "dPC"])


def test_build_graph_rejects_unknown_node():
    nodes = pd.DataFrame({"core_id": [1], "area_km2": [1.0]})
    links = pd.DataFrame({"from_core": [1], "to_core": [2], "cwd": [1.0]})
    with pytest.raises(ValueError, match="node 2"):
        cg.build_graph(nodes, links)


def test_max_product_matches_brute_force_over_simple_paths():
    # p*_ij by enumerating every simple path and taking the largest product of p.
    rng = np.random.default_rng(3)
    areas = {i: 1.0 for i in range(1, 7)}
    edges = [
        (i, j, float(rng.uniform(100, 3000)), {})
        for i in range(1, 7)
        for j in range(i + 1, 7)
        if rng.random() < 0.5
    ]
    g = make_graph(areas, edges)
    d50 = 1000.0
    order, p = cg.max_product_probability(g, d50)
    k = math.log(2) / d50
    for a in order:
        for b in order:
            if a == b:
                continue
            products = [
                math.prod(math.exp(-k * g.edges[u, v]["cwd"]) for u, v in itertools.pairwise(path))
                for path in nx.all_simple_paths(g, a, b)
            ]
            expected = max(products, default=0.0)
            assert p[order.index(a), order.index(b)] == pytest.approx(expected, rel=1e-9, abs=0)


def test_four_nodes_pc_ec_and_fractions_by_hand():
    # Conefor-style arithmetic on a 4-node ring, d50 = 1000 so p = 0.5 per 1000:
    #   1-2 cwd 1000 (p 0.5), 2-3 1000 (0.5), 3-4 2000 (0.25), 1-4 3000 (0.125).
    # Best-product paths: p*12 = .5, p*23 = .5, p*13 = .25 (via 2), p*34 = .25,
    #   p*14 = max(.125, 1-2-3-4 = .0625) = .125, p*24 = max(2-3-4 .125, 2-1-4 .0625) = .125.
    # Areas 1, 2, 3, 4: sum a^2 = 30; pairs a_i a_j p*: 1 + .75 + .5 + 3 + 1 + 3 = 9.25.
    # PCnum = 30 + 2 * 9.25 = 48.5; A_L = 20: PC = 48.5 / 400; EC = sqrt(48.5).
    g = make_graph(
        {1: 1.0, 2: 2.0, 3: 3.0, 4: 4.0},
        [(1, 2, 1000.0, {}), (2, 3, 1000.0, {}), (3, 4, 2000.0, {}), (1, 4, 3000.0, {})],
    )
    ind = cg.connectivity_indices(g, landscape_area=20.0, dispersal_cost=1000.0)
    assert ind["PC_num"] == pytest.approx(48.5)
    assert ind["PC"] == pytest.approx(0.12125)
    assert ind["EC"] == pytest.approx(math.sqrt(48.5))
    nodes = cg.node_importance(g, 1000.0).set_index("node")
    # Without node 2: a^2 = 26; p*13 = 1-4-3 = .03125, p*14 = .125, p*34 = .25:
    #   2 (3 * .03125 + 4 * .125 + 12 * .25) = 7.1875 -> PCnum' = 33.1875.
    # dPC = 100 * 15.3125 / 48.5; intra = 100 * 4 / 48.5; flux = 100 * 2 * (1 + 3 + 1) / 48.5;
    # connector = 100 * (8.5 - 7.1875) / 48.5 (pairs 1-3, 1-4, 3-4 lose their path via 2).
    assert nodes.loc[2, "dPC"] == pytest.approx(100 * 15.3125 / 48.5)
    assert nodes.loc[2, "dPCintra"] == pytest.approx(100 * 4 / 48.5)
    assert nodes.loc[2, "dPCflux"] == pytest.approx(100 * 10 / 48.5)
    assert nodes.loc[2, "dPCconnector"] == pytest.approx(100 * 1.3125 / 48.5)
    links = cg.link_importance(g, 1000.0).set_index(["u", "v"])
    # Without link 1-2: p*12 = 1-4-3-2 = .015625, p*13 = 1-4-3 = .03125, the rest unchanged:
    #   2 (2 * .015625 + 3 * .03125 + .5 + 3 + 1 + 3) = 15.25 -> PCnum' = 45.25.
    assert links.loc[(1, 2), "dPC"] == pytest.approx(100 * 3.25 / 48.5)


def test_join_link_resistances():
    links = pd.DataFrame({"from_core": [1, 1], "to_core": [2, 3], "cwd": [10.0, 20.0],
                          "current": [9.0, 9.0]})  # fmt: skip
    effective = pd.DataFrame({"from_core": [1], "to_core": [2], "effective_resistance": [4.0]})
    corridor = pd.DataFrame({"from_core": [1, 1], "to_core": [2, 3],
                             "corridor_resistance": [5.0, np.nan]})  # fmt: skip
    out = cg.join_link_resistances(links, effective)
    assert out["effective_resistance"].tolist()[0] == 4.0 and out["current"].isna().all()
    out = cg.join_link_resistances(links, effective, corridor)
    assert out["cwd_to_corridor_resistance"].tolist()[0] == 2.0
    assert np.isnan(out["cwd_to_corridor_resistance"].iloc[1])


def test_core_network_ranks_links_and_keeps_json_strict():
    cores = pd.DataFrame({"core_id": [1, 2, 3], "area_km2": [1.0, 2.0, 3.0],
                          "geometry": [None] * 3})  # fmt: skip
    links = pd.DataFrame({"link_id": [2, 1], "from_core": [2, 1], "to_core": [3, 2],
                          "cwd": [1000.0, 3000.0]})  # fmt: skip
    result = cg.core_network(cores, links, 100.0, "tiger", 1.0)
    assert result.links["link_id"].tolist() == [1, 2]
    # the cheaper link joins the larger cores: it matters most
    assert result.links.set_index("link_id")["rank_dPC"].to_dict() == {1: 2, 2: 1}
    assert result.indices["species"] == "tiger" and result.indices["n_nodes"] == 3
    assert {"dPC", "betweenness"} <= set(result.nodes.columns)
    empty = cg.core_network(cores.iloc[:0], links.iloc[:0], 100.0, "tiger", 1.0)
    assert math.isnan(empty.indices["EC_fraction"])
    assert empty.json_indices()["EC_fraction"] is None
