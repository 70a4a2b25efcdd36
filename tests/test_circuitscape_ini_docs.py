"""Circuitscape's documented raster example (its user guide's 10 × 10 maps) through the runner."""

import networkx as nx
import numpy as np
import pytest

from amurlink.apps.circuitscape_ini import run_job
from amurlink.core.io.circuitscape import GridHeader, write_ascii_grid

# Circuitscape.jl docs/src/options.md, "Input Raster Format": resistances and focal regions.
RES = """130 168 153 -9999 14 12 13 107 140 171
104 3 2 -9999 13 158 12 14 13 114
124 2 2 12 -9999 -9999 13 161 4 5
184 5 4 14 13 14 -9999 13 4 4
105 143 103 169 -9999 115 10 -9999 166 14
187 1 163 188 121 142 14 175 -9999 10
198 11 110 115 149 2 2 164 3 -9999
100 11 193 14 12 4 2 1 11 13
-9999 11 12 11 10 12 167 157 181 157
-9999 -9999 122 134 12 157 192 184 190 172"""
REGIONS = np.zeros((10, 10))
REGIONS[1:4, 1:3] = 1
REGIONS[5, 1] = 1  # region 1 is not contiguous
REGIONS[2:4, 8:10] = 3
REGIONS[6, 4:6] = 2
REGIONS[7, 4:7] = 2
HEADER = GridHeader(ncols=10, nrows=10, xllcorner=1.0, yllcorner=1.0, cellsize=1.0)


def _networkx_resistance(res, four, a, b):
    """R(a, b) on a graph built independently: only regions a and b shorted (Circuitscape)."""
    graph = nx.Graph()
    steps = [(0, 1), (1, 0)] + ([] if four else [(1, 1), (1, -1)])

    def node(i, j):
        return ("region", REGIONS[i, j]) if REGIONS[i, j] in (a, b) else (i, j)

    for i in range(10):
        for j in range(10):
            for di, dj in steps:
                k, m = i + di, j + dj
                if not (0 <= k < 10 and 0 <= m < 10) or np.isnan(res[i, j] + res[k, m]):
                    continue
                u, v = node(i, j), node(k, m)
                if u != v:
                    r = (res[i, j] + res[k, m]) / 2 * (np.sqrt(2) if di and dj else 1)
                    g = graph.get_edge_data(u, v, {"g": 0.0})["g"] + 1 / r
                    graph.add_edge(u, v, g=g)
    u, v = ("region", a), ("region", b)
    if not nx.has_path(graph, u, v):
        return -1.0
    comp = graph.subgraph(nx.node_connected_component(graph, u))
    return nx.resistance_distance(comp, u, v, weight="g", invert_weight=False)


@pytest.mark.parametrize("four", [False, True])
def test_documented_example_matches_an_independent_circuit(tmp_path, monkeypatch, four):
    monkeypatch.chdir(tmp_path)
    res = np.array([[float(v) for v in row.split()] for row in RES.splitlines()])
    res[res == -9999] = np.nan
    write_ascii_grid("res.asc", res, HEADER)
    write_ascii_grid("regions.asc", np.where(REGIONS > 0, REGIONS, np.nan), HEADER)
    (tmp_path / "job.ini").write_text(
        "[Circuitscape mode]\ndata_type = raster\nscenario = pairwise\n"
        "[Habitat raster or graph]\nhabitat_file = res.asc\nhabitat_map_is_resistances = True\n"
        "[Options for pairwise and one-to-all and all-to-one modes]\npoint_file = regions.asc\n"
        f"[Connection scheme for raster habitat data]\nconnect_four_neighbors_only = {four}\n"
        "connect_using_avg_resistances = True\n[Output options]\noutput_file = out/doc.out\n"
    )
    run_job("job.ini")
    m = np.loadtxt("out/doc_resistances.out")
    for a, b in [(1, 2), (1, 3), (2, 3)]:
        assert m[a, b] == pytest.approx(_networkx_resistance(res, four, a, b), rel=1e-6)
    if four:  # as the guide says: in the four-neighbour case region 3 is isolated
        assert m[1, 3] == -1 and m[2, 3] == -1


def test_documented_network_advanced_example(tmp_path, monkeypatch):
    # The guide's "Text List File Format" circuit: 1 A into node 0, grounds of 99, 33,
    # 49.5, 49.5 Ω and a direct ground at node 4 (McRae et al. 2008, Fig. 2).
    monkeypatch.chdir(tmp_path)
    (tmp_path / "graph.txt").write_text("0 1 1\n1 2 1\n1 3 1\n2 4 1\n3 4 1\n")
    (tmp_path / "src.txt").write_text("0 1\n")
    (tmp_path / "gnd.txt").write_text("0 99\n1 33\n2 49.5\n3 49.5\n4 0\n")
    (tmp_path / "job.ini").write_text(
        "[Circuitscape mode]\ndata_type = network\nscenario = advanced\n"
        "[Habitat raster or graph]\nhabitat_file = graph.txt\nhabitat_map_is_resistances = True\n"
        "[Options for advanced mode]\nsource_file = src.txt\nground_file = gnd.txt\n"
        "ground_file_is_resistances = True\nremove_src_or_gnd = keepall\n"
        "[Output options]\noutput_file = out/net.out\nwrite_volt_maps = True\n"
        "write_cur_maps = True\n"
    )
    run_job("job.ini")
    # Kirchhoff by hand on nodes 0–3 (node 4 at 0 V): G v = I.
    g_ground = np.array([1 / 99, 1 / 33, 1 / 49.5, 1 / 49.5])
    lap = np.array([[1, -1, 0, 0], [-1, 3, -1, -1], [0, -1, 2, 0], [0, -1, 0, 2]], dtype=float)
    v = np.linalg.solve(lap + np.diag(g_ground), [1.0, 0, 0, 0])
    got = np.loadtxt("out/net_voltages.txt")
    np.testing.assert_allclose(got[:, 1], [*v, 0.0], rtol=1e-9, atol=1e-12)
    assert got[:, 0].tolist() == [0, 1, 2, 3, 4]
    branch = np.loadtxt("out/net_branch_currents.txt")
    np.testing.assert_allclose(branch[0], [0, 1, v[0] - v[1]], rtol=1e-9)
