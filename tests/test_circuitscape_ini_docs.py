"""Circuitscape's documented raster example (its user guide's 10 × 10 maps) through the runner."""

import networkx as nx
import numpy as np
import pytest

from amurlink.apps.circuitscape_ini import run_job
from amurlink.core.io.circuitscape import GridHeader, write_ascii_grid

# The inputs the user guide's figures come from: Circuitscape 4's examples/resistances.asc
# and examples/focal_regions_textlist.txt (Circuitscape.py), which its eight- and
# four-neighbour example jobs read. The guide (Circuitscape.jl docs/src/options.md, "Input
# Raster Format") prints both maps with two slips: the cell in row 10, column 5 as 12, not
# 124, and focal region 2 one column to the left (columns 5-6 and 5-7, not 6-7 and 6-8;
# its own partial text list has region 2 at x = 6.5 and 7.5). The printed maps give
# 11.396, 14.996, 11.786 and 31.147; these give the printed figures to every digit.
RES = """130 168 153 -9999 14 12 13 107 140 171
104 3 2 -9999 13 158 12 14 13 114
124 2 2 12 -9999 -9999 13 161 4 5
184 5 4 14 13 14 -9999 13 4 4
105 143 103 169 -9999 115 10 -9999 166 14
187 1 163 188 121 142 14 175 -9999 10
198 11 110 115 149 2 2 164 3 -9999
100 11 193 14 12 4 2 1 11 13
-9999 11 12 11 10 12 167 157 181 157
-9999 -9999 122 134 124 157 192 184 190 172"""
# Focal region ID, x, y of cell centres; region 1 is not contiguous.
REGIONS_TXT = """1 2.5 9.5
1 3.5 9.5
1 2.5 8.5
1 3.5 8.5
1 2.5 7.5
1 3.5 7.5
1 2.5 5.5
2 6.5 4.5
2 7.5 4.5
2 6.5 3.5
2 7.5 3.5
2 8.5 3.5
3 9.5 8.5
3 10.5 8.5
3 9.5 7.5
3 10.5 7.5
"""
HEADER = GridHeader(ncols=10, nrows=10, xllcorner=1.0, yllcorner=1.0, cellsize=1.0)
# The guide's _resistances.out, eight and four neighbours (average resistances).
DOCUMENTED = {
    False: {(1, 2): 11.93688471, (1, 3): 15.03634473, (2, 3): 11.57640568},
    True: {(1, 2): 33.55792693, (1, 3): -1.0, (2, 3): -1.0},
}


def _region_grid():
    """The focal-region raster of REGIONS_TXT (row 0 at the top, cells of 1 map unit)."""
    grid = np.zeros((10, 10))
    for line in REGIONS_TXT.splitlines():
        focal_id, x, y = (float(v) for v in line.split())
        grid[int(11 - y), int(x - 1)] = focal_id  # yllcorner + nrows = 11, xllcorner = 1
    return grid


REGIONS = _region_grid()


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


@pytest.mark.parametrize("point_format", ["txt", "asc"])
@pytest.mark.parametrize("four", [False, True])
def test_documented_example_gives_the_documented_resistances(
    tmp_path, monkeypatch, four, point_format
):
    monkeypatch.chdir(tmp_path)
    res = np.array([[float(v) for v in row.split()] for row in RES.splitlines()])
    res[res == -9999] = np.nan
    write_ascii_grid("res.asc", res, HEADER)
    # The text list as Circuitscape 4 ships it, and the same regions as a raster.
    (tmp_path / "regions.txt").write_text(REGIONS_TXT)
    write_ascii_grid("regions.asc", np.where(REGIONS > 0, REGIONS, np.nan), HEADER)
    (tmp_path / "job.ini").write_text(
        "[Circuitscape mode]\ndata_type = raster\nscenario = pairwise\n"
        "[Habitat raster or graph]\nhabitat_file = res.asc\nhabitat_map_is_resistances = True\n"
        "[Options for pairwise and one-to-all and all-to-one modes]\n"
        f"point_file = regions.{point_format}\n"
        f"[Connection scheme for raster habitat data]\nconnect_four_neighbors_only = {four}\n"
        "connect_using_avg_resistances = True\n[Output options]\noutput_file = out/doc.out\n"
    )
    run_job("job.ini")
    m = np.loadtxt("out/doc_resistances.out")
    assert m[0, 1:].tolist() == [1, 2, 3] and m[1:, 0].tolist() == [1, 2, 3]
    for (a, b), documented in DOCUMENTED[four].items():
        # Printed with 8 decimals (the figures quoted as 11.94, 15.04, 11.58 and 33.56).
        assert m[a, b] == pytest.approx(documented, abs=5e-9)
        assert m[b, a] == m[a, b]
        assert m[a, b] == pytest.approx(_networkx_resistance(res, four, a, b), rel=1e-9)


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


# The guide's "Include/Exclude File Format" files, verbatim; the guide gives no landscape, so
# five focal points on the example's resistance map stand in for its focal nodes 1-5.
PAIRS_MATRIX = """min    2
max    50
0     1     2     3     4     5
1     0     100   6.67  7     1
2     100   0     11    1     60
3     6.67  11    0     -1    100
4     7     1     -1    0     0
5     1     60     100  0     0
"""
PAIRS_LIST = "1        2\n1        3\n1        5\n"


@pytest.mark.parametrize(
    ("name", "text", "solved", "unsolved"),
    [
        # "only pairs with entries between 2 and 50 are connected. Pairs (1,2), (2,4), and
        # (3,4) will not be analyzed. Focal node 5 will be dropped entirely"
        ("matrix", PAIRS_MATRIX, [(1, 3), (1, 4), (2, 3)], [(1, 2), (2, 4), (3, 4), (1, 5)]),
        # "only pairs (1,2), (1,3), and (1,5) will be analyzed"
        ("include", "mode    include\n" + PAIRS_LIST, [(1, 2), (1, 3), (1, 5)], [(2, 3)]),
        # "all pairs except (1,2), (1,3), and (1,5) would be analyzed"; node 4, absent from
        # the list, is dropped (Circuitscape takes the focal IDs from the file).
        ("exclude", "mode     exclude\n" + PAIRS_LIST, [(2, 3), (2, 5), (3, 5)], [(1, 2), (1, 5)]),
    ],
)
def test_documented_include_exclude_files(tmp_path, monkeypatch, name, text, solved, unsolved):
    monkeypatch.chdir(tmp_path)
    res = np.array([[float(v) for v in row.split()] for row in RES.splitlines()])
    res[res == -9999] = np.nan
    write_ascii_grid("res.asc", res, HEADER)
    (tmp_path / "points.txt").write_text("1 2.5 9.5\n2 6.5 4.5\n3 9.5 8.5\n4 2.5 2.5\n5 10.5 1.5\n")
    (tmp_path / "pairs.txt").write_text(text)
    (tmp_path / "job.ini").write_text(
        "[Circuitscape mode]\ndata_type = raster\nscenario = pairwise\n"
        "[Habitat raster or graph]\nhabitat_file = res.asc\nhabitat_map_is_resistances = True\n"
        "[Options for pairwise and one-to-all and all-to-one modes]\npoint_file = points.txt\n"
        "use_included_pairs = True\nincluded_pairs_file = pairs.txt\n"
        "[Connection scheme for raster habitat data]\nconnect_using_avg_resistances = True\n"
        f"[Output options]\noutput_file = out/{name}.out\n"
    )
    run_job("job.ini")
    m = np.loadtxt(f"out/{name}_resistances.out")
    at = {int(v): k for k, v in enumerate(m[0]) if k}
    if name == "exclude":
        assert sorted(at) == [1, 2, 3, 5]
    for a, b in solved:  # all five points lie on one connected component
        assert m[at[a], at[b]] > 0
    for a, b in unsolved:
        assert m[at[a], at[b]] == -1
    if name == "matrix":  # node 5 takes part in no pair
        assert (np.delete(m[at[5], 1:], at[5] - 1) == -1).all()
