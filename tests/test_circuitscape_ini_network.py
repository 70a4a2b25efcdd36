"""Circuitscape .ini runner: network jobs, reclassification, vector polygons and bad input."""

from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
from shapely.geometry import box

from amurlink.apps.circuitscape_ini import main, run_job
from amurlink.core.errors import InputError
from amurlink.core.io.circuitscape import GridHeader, write_ascii_grid


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)


# 0 -1Ω- 1 -2Ω- 2 -4Ω- 3 and 0 -3Ω- 2 (see tests/test_network.py); 5 -2Ω- 6 apart.
GRAPH = "0 1 1\n1 2 2\n2 3 4\n0 2 3\n5 6 2\n"


def _network_job(scenario="pairwise", extra=""):
    Path("g.txt").write_text(GRAPH)
    Path("f.txt").write_text("0\n1\n3\n5\n6\n")
    Path("job.ini").write_text(
        "[Circuitscape mode]\ndata_type = network\n"
        f"scenario = {scenario}\n[Habitat raster or graph]\nhabitat_file = g.txt\n"
        "habitat_map_is_resistances = True\n"
        "[Options for pairwise and one-to-all and all-to-one modes]\npoint_file = f.txt\n"
        "[Output options]\noutput_file = o/n.out\nwrite_cur_maps = True\n"
        f"write_volt_maps = True\n{extra}\n"
    )
    return "job.ini"


def _table(path):
    return {tuple(int(v) for v in row[:-1]): row[-1] for row in np.loadtxt(path, ndmin=2)}


def test_network_pairwise_job_writes_circuitscape_tables():
    run_job(_network_job())
    m = np.loadtxt("o/n_resistances.out")
    assert m[0].tolist() == [0, 0, 1, 3, 5, 6]  # IDs as the focal file gives them
    assert m[1, 2] == pytest.approx(5 / 6) and m[1, 3] == pytest.approx(5.5)
    assert m[4, 5] == pytest.approx(2.0) and m[1, 4] == -1
    three = np.loadtxt("o/n_resistances_3columns.out")
    assert three[0].tolist() == pytest.approx([0, 1, 5 / 6])
    # Pair (0, 1): 1 A in at 1, out at 0 (0 V), as Circuitscape.
    assert _table("o/n_voltages_0_1.txt") == pytest.approx(
        {(0,): 0, (1,): 5 / 6, (2,): 0.5, (3,): 0.5}
    )
    assert _table("o/n_node_currents_0_1.txt") == pytest.approx(
        {(0,): 1, (1,): 1, (2,): 1 / 6, (3,): 0}
    )
    assert _table("o/n_branch_currents_0_1.txt") == pytest.approx(
        {(0, 1): 5 / 6, (0, 2): 1 / 6, (1, 2): 1 / 6, (2, 3): 0}
    )
    assert not Path("o/n_voltages_0_5.txt").exists()  # different components
    # Sums over the four solved pairs (0-1, 0-3, 1-3, 5-6): node 5 carries 1 A once.
    cum = _table("o/n_node_currents_cum.txt")
    assert cum[(5,)] == pytest.approx(1.0) and cum[(3,)] == pytest.approx(2.0)


def test_network_included_pairs_and_reclass_table():
    Path("pairs.txt").write_text("mode include\n0 3\n")
    extra = "use_included_pairs = True\nincluded_pairs_file = pairs.txt\n"
    run_job(_network_job(extra=extra))
    m = np.loadtxt("o/n_resistances.out")
    assert m[0].tolist() == [0, 0, 3]
    assert m[1, 2] == pytest.approx(5.5)
    # Reclassification doubles every 2 Ω edge to 4 Ω (rows applied in order: 4 → 8 first).
    Path("reclass.txt").write_text("4 8\n2 4\n")
    run_job(_network_job(extra="use_reclass_table = True\nreclass_file = reclass.txt\n"))
    m = np.loadtxt("o/n_resistances.out")
    # R(0,3) = ((1 + 4) ‖ 3) + 8 = 15/8 + 8; R(5,6) = 4.
    assert m[1, 3] == pytest.approx(15 / 8 + 8) and m[4, 5] == pytest.approx(4.0)


def test_network_advanced_job():
    Path("s.txt").write_text("3 1\n")
    Path("gr.txt").write_text("0 0\n")
    extra = (
        "source_file = s.txt\nground_file = gr.txt\nground_file_is_resistances = True\n"
        "remove_src_or_gnd = keepall\n"
    )
    run_job(_network_job("advanced", extra))
    # 1 A from node 3 to the direct ground at 0: v3 = 4 + 1.5, v2 = 1.5, v1 = 1.5 / 3.
    v = _table("o/n_voltages.txt")
    assert v == pytest.approx({(0,): 0, (1,): 0.5, (2,): 1.5, (3,): 5.5, (5,): 0, (6,): 0})
    assert _table("o/n_node_currents.txt")[(3,)] == pytest.approx(1.0)
    assert _table("o/n_branch_currents.txt")[(2, 3)] == pytest.approx(1.0)


def test_network_bad_input_is_one_line(capsys):
    bad = _network_job("one-to-all")
    assert main([bad]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "scenario = 'one-to-all'" in err and "job.ini" in err
    _network_job(extra="use_polygons = True\npolygon_file = p.asc\n")
    with pytest.raises(InputError, match="use_polygons = True is a raster option"):
        run_job("job.ini")
    _network_job()
    Path("g.txt").write_text("0 1 0\n")
    with pytest.raises(InputError, match=r"g.txt: habitat_file: edge resistances must be"):
        run_job("job.ini")
    _network_job()
    Path("f.txt").write_text("0\n1.5\n")
    with pytest.raises(InputError, match=r"f.txt: point_file .* holds 1.5"):
        run_job("job.ini")
    Path("s.txt").write_text("42 1\n")
    Path("gr.txt").write_text("0 0\n")
    _network_job("advanced", "source_file = s.txt\nground_file = gr.txt\n")
    with pytest.raises(InputError, match="s.txt: source_file lists node 42, which is not in"):
        run_job("job.ini")


# ------------------------------------------------------------------------- rasters
LINE = GridHeader(ncols=5, nrows=1, xllcorner=0.0, yllcorner=0.0, cellsize=10.0)


def _raster_job(extra="", scenario="pairwise"):
    write_ascii_grid("p.asc", np.array([[1.0, 0, 0, 0, 2]]), LINE)
    Path("job.ini").write_text(
        f"[Circuitscape mode]\nscenario = {scenario}\n[Habitat raster or graph]\n"
        "habitat_file = h.asc\n[Options for pairwise and one-to-all and all-to-one modes]\n"
        "point_file = p.asc\n[Connection scheme for raster habitat data]\n"
        "connect_four_neighbors_only = True\nconnect_using_avg_resistances = True\n"
        f"[Output options]\noutput_file = o/r.out\n{extra}\n"
    )
    return "job.ini"


def test_raster_reclass_table():
    # Cells 1 5 1 5 1: edges of (1 + 5) / 2 = 3 Ω, R = 12; reclassed 5 → 1, R = 4.
    write_ascii_grid("h.asc", np.array([[1.0, 5, 1, 5, 1]]), LINE)
    run_job(_raster_job())
    assert np.loadtxt("o/r_resistances.out")[1, 2] == pytest.approx(12.0)
    Path("rc.txt").write_text("5 1\n")
    run_job(_raster_job("use_reclass_table = True\nreclass_file = rc.txt"))
    assert np.loadtxt("o/r_resistances.out")[1, 2] == pytest.approx(4.0)


def test_vector_polygons_are_burnt_and_need_a_crs():
    # A polygon over the centres of cells 2–4 (x 10–40) shorts them: R = 1 + 1 = 2.
    write_ascii_grid("h.asc", np.ones((1, 5)), LINE)
    frame = gpd.GeoDataFrame({"ID": [3]}, geometry=[box(12, 1, 38, 9)], crs="EPSG:32652")
    frame.to_file("poly.gpkg")
    extra = "use_polygons = True\npolygon_file = poly.gpkg"
    run_job(_raster_job(extra))
    assert np.loadtxt("o/r_resistances.out")[1, 2] == pytest.approx(2.0)
    with pytest.warns(UserWarning, match="crs"):
        frame.set_crs(None, allow_override=True).to_file("nocrs.shp")  # no .prj
    with pytest.raises(InputError, match="nocrs.shp: layer has no CRS"):
        run_job(_raster_job("use_polygons = True\npolygon_file = nocrs.shp"))


def test_raster_bad_input_is_one_line_and_exit_2(capsys):
    write_ascii_grid("h.asc", np.ones((1, 5)), LINE)
    _raster_job(scenario="pairwize")
    assert main(["job.ini"]) == 2
    err = capsys.readouterr().err
    assert err == (
        "amurlink: bad input: job.ini: scenario = 'pairwize'; use pairwise, one-to-all, "
        "all-to-one or advanced\n"
    )
    Path("broken.ini").write_text("no section header\nscenario = pairwise\n")
    assert main(["broken.ini"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "broken.ini: not a valid .ini file" in err
    Path("job.ini").write_text(Path("job.ini").read_text().replace("h.asc", "gone.asc"))
    _raster_job()
    Path("job.ini").write_text(Path("job.ini").read_text().replace("h.asc", "gone.asc"))
    assert main(["job.ini"]) == 2
    assert capsys.readouterr().err == "amurlink: bad input: gone.asc: file not found\n"
    _raster_job("remove_src_or_gnd = rmvboth", scenario="advanced")
    with pytest.raises(InputError, match="remove_src_or_gnd = 'rmvboth'"):
        run_job("job.ini")


def test_focal_point_on_no_data_is_an_error_when_strict(capsys):
    write_ascii_grid("h.asc", np.array([[1.0, 1, 1, 1, np.nan]]), LINE)
    _raster_job()
    run_job("job.ini")  # Circuitscape's way: runs, −1 for the point on no-data
    assert np.loadtxt("o/r_resistances.out")[1, 2] == -1
    assert main(["--strict", "job.ini"]) == 2
    assert capsys.readouterr().err == (
        "amurlink: bad input: p.asc: focal point 2 (row 1, column 5) is on a no-data habitat cell\n"
    )


def test_write_as_tif_log_file_and_refused_circuitscape4_options():
    import rasterio

    write_ascii_grid("h.asc", np.ones((1, 5)), LINE)
    extra = "write_cur_maps = True\nwrite_as_tif = True\nlog_file = o/job.log\nlog_level = DEBUG"
    assert main([_raster_job(extra)]) == 0
    with rasterio.open("o/r_curmap_1_2.tif") as src:
        assert src.dtypes[0] == "float32" and src.transform.a == 10.0
        np.testing.assert_allclose(src.read(1), [[1, 1, 1, 1, 1]])  # 1 A through every cell
    assert not Path("o/r_curmap_1_2.asc").exists()
    assert "wrote o/r_resistances.out" in Path("o/job.log").read_text()
    with pytest.raises(InputError, match="low_memory_mode = True is not supported"):
        run_job(_raster_job("low_memory_mode = True"))
    with pytest.raises(InputError, match="precision = 'half'"):
        run_job(_raster_job("precision = half"))


def test_bad_true_false_words_unknown_keys_and_gui_placeholders(caplog):
    write_ascii_grid("h.asc", np.ones((1, 5)), LINE)
    with pytest.raises(InputError, match="job.ini: write_cur_maps = 'Ture'; use True or False"):
        run_job(_raster_job("write_cur_maps = Ture"))
    with caplog.at_level("WARNING"):
        run_job(_raster_job("use_polygon = True"))  # a typo: Circuitscape ignores it silently
    assert "keys Circuitscape does not read, ignored: use_polygon" in caplog.text
    gui = "use_polygons = True\npolygon_file = (Browse for a short-circuit region file)"
    with pytest.raises(InputError, match="polygon_file is required"):
        run_job(_raster_job(gui))
