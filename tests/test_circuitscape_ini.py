"""Circuitscape .ini runner: inputs as ASCII grids and GeoTIFFs, output names and layouts."""

import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import rasterio
from affine import Affine

from amurlink.apps.circuitscape_ini import main, run_job
from amurlink.core.errors import InputError
from amurlink.core.io.circuitscape import GridHeader, read_ascii_grid, write_ascii_grid


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path, monkeypatch):
    """Jobs' relative paths are taken from the working directory (as Circuitscape does)."""
    monkeypatch.chdir(tmp_path)


HEADER = GridHeader(ncols=8, nrows=4, xllcorner=1000.0, yllcorner=2000.0, cellsize=30.0)


def _strip_inputs():
    resistance = np.ones((4, 8))
    resistance[0, 4] = np.nan  # a no-data cell
    points = np.zeros((4, 8))
    points[:, 0] = 1  # focal region: the first column
    points[:, -1] = 3  # and the last
    points[2, 3] = 2  # a focal point
    return resistance, points


def _write_tif(path, data):
    transform = Affine(
        HEADER.cellsize,
        0,
        HEADER.xllcorner,
        0,
        -HEADER.cellsize,
        HEADER.yllcorner + HEADER.nrows * HEADER.cellsize,
    )
    with rasterio.open(
        path,
        "w",
        driver="GTiff",
        width=HEADER.ncols,
        height=HEADER.nrows,
        count=1,
        dtype="float64",
        crs="EPSG:32652",
        transform=transform,
        nodata=-9999,
    ) as dst:
        dst.write(np.where(np.isnan(data), -9999, data), 1)


def _write_inputs(tmp_path, ext):
    resistance, points = _strip_inputs()
    paths = {}
    for name, data in (("habitat", resistance), ("points", points)):
        p = tmp_path / f"{name}.{ext}"
        if ext == "asc":
            write_ascii_grid(p, data, HEADER)
        else:
            _write_tif(p, data)
        paths[name] = p.name
    return paths


def _ini(tmp_path, body):
    p = tmp_path / "job.ini"
    p.write_text(body)
    return p


PAIRWISE = """[Circuitscape mode]
data_type = raster
scenario = pairwise

[Habitat raster or graph]
habitat_file = {habitat}
habitat_map_is_resistances = True

[Options for pairwise and one-to-all and all-to-one modes]
point_file = {points}

[Connection scheme for raster habitat data]
connect_four_neighbors_only = {four}
connect_using_avg_resistances = True

[Calculation options]
solver = {solver}

[Output options]
output_file = out/job.out
write_cur_maps = True
write_volt_maps = True
write_cum_cur_map_only = False
write_max_cur_maps = True
"""


def test_ascii_grid_round_trip(tmp_path):
    data = np.array([[1.5, np.nan], [3.0, 1e-9]])
    header = GridHeader(2, 2, 0.0, 0.0, 10.0)
    write_ascii_grid(tmp_path / "g.asc", data, header)
    text = (tmp_path / "g.asc").read_text().splitlines()
    assert text[0].split() == ["ncols", "2"]
    assert text[5].split() == ["NODATA_value", "-9999.0"]
    back, h = read_ascii_grid(tmp_path / "g.asc")
    assert np.isnan(back[0, 1]) and back[0, 0] == 1.5 and back[1, 1] == 0.0  # 8 digits
    assert h.cellsize == 10.0


@pytest.mark.parametrize("ext", ["asc", "tif"])
@pytest.mark.parametrize("solver", ["cg+amg", "cholmod"])
def test_pairwise_job_writes_circuitscape_files(tmp_path, ext, solver):
    paths = _write_inputs(tmp_path, ext)
    ini = _ini(tmp_path, PAIRWISE.format(**paths, four="True", solver=solver))
    written = run_job(ini)
    out = tmp_path / "out"
    names = {p.name for p in written}
    expected = {
        "job_resistances.out",
        "job_resistances_3columns.out",
        "job_cum_curmap.asc",
        "job_max_curmap.asc",
    }
    expected |= {
        f"job_{kind}_{a}_{b}.asc"
        for kind in ("curmap", "voltmap")
        for a, b in ((1, 2), (1, 3), (2, 3))
    }
    assert names == expected
    assert {p.name for p in out.iterdir()} == expected

    matrix = np.loadtxt(out / "job_resistances.out")
    assert matrix.shape == (4, 4)
    assert matrix[0, 0] == 0
    assert matrix[0, 1:].tolist() == [1, 2, 3] and matrix[1:, 0].tolist() == [1, 2, 3]
    assert np.allclose(matrix[1:, 1:], matrix[1:, 1:].T)
    assert np.all(np.diag(matrix[1:, 1:]) == 0)
    three = np.loadtxt(out / "job_resistances_3columns.out")
    assert three[:, :2].tolist() == [[1, 2], [1, 3], [2, 3]]
    assert three[:, 2] == pytest.approx([matrix[2, 1], matrix[3, 1], matrix[3, 2]])
    # Regions 1 and 3 shorted only for their own pair (Circuitscape): with the
    # no-data cell the strip is no longer uniform, so just bound it: 7 gaps of 4
    # unit resistors in parallel ≤ R ≤ 7 gaps of 3.
    assert 7 / 4 < matrix[1, 3] < 7 / 3

    cum, header = read_ascii_grid(out / "job_cum_curmap.asc")
    assert header == HEADER
    assert cum[0, 4] == 0.0  # no-data cell written as 0, as Circuitscape does
    volt, _ = read_ascii_grid(out / "job_voltmap_1_3.asc")
    assert volt[0, 0] == pytest.approx(0.0, abs=1e-7)  # lower ID at 0 V
    assert volt[0, -1] == pytest.approx(matrix[1, 3], rel=1e-5)  # higher ID at R


def test_disconnected_pair_is_minus_one_in_file(tmp_path):
    resistance, points = _strip_inputs()
    resistance[:, 4] = -9999  # cut the strip
    write_ascii_grid(tmp_path / "habitat.asc", resistance, HEADER)
    write_ascii_grid(tmp_path / "points.asc", points, HEADER)
    body = PAIRWISE.format(
        habitat="habitat.asc", points="points.asc", four="False", solver="cg+amg"
    ).replace("write_volt_maps = True", "write_volt_maps = False")
    body = body.replace("write_cur_maps = True", "write_cur_maps = False")
    body = body.replace("write_max_cur_maps = True", "write_max_cur_maps = False")
    run_job(_ini(tmp_path, body))
    matrix = np.loadtxt(tmp_path / "out/job_resistances.out")
    assert matrix[1, 3] == -1 and matrix[2, 3] == -1 and matrix[1, 2] > 0
    assert not list((tmp_path / "out").glob("*.asc"))


def test_one_to_all_and_advanced_jobs(tmp_path):
    paths = _write_inputs(tmp_path, "asc")
    one = PAIRWISE.format(**paths, four="True", solver="cg+amg").replace(
        "scenario = pairwise", "scenario = one-to-all"
    )
    written = {p.name for p in run_job(_ini(tmp_path, one))}
    assert {
        "job_curmap_1.asc",
        "job_voltmap_3.asc",
        "job_cum_curmap.asc",
        "job_resistances.out",
    } <= written
    res = np.loadtxt(tmp_path / "out/job_resistances.out")
    assert res[:, 0].tolist() == [1, 2, 3] and np.all(res[:, 1] > 0)

    source = np.zeros((4, 8))
    source[1, 1] = 2.0
    ground = np.full((4, 8), np.nan)
    ground[:, 7] = 0.0  # resistance 0: tied to ground
    write_ascii_grid(tmp_path / "source.asc", source, HEADER)
    write_ascii_grid(tmp_path / "ground.asc", ground, HEADER)
    adv = f"""[Circuitscape mode]
scenario = advanced
data_type = raster
[Habitat raster or graph]
habitat_file = {paths["habitat"]}
habitat_map_is_resistances = True
[Options for advanced mode]
source_file = source.asc
ground_file = ground.asc
ground_file_is_resistances = True
[Output options]
output_file = adv/run.out
write_cur_maps = True
write_volt_maps = True
"""
    written = {p.name for p in run_job(_ini(tmp_path, adv))}
    assert written == {"run_curmap.asc", "run_voltmap.asc"}
    cur, _ = read_ascii_grid(tmp_path / "adv/run_curmap.asc")
    volt, _ = read_ascii_grid(tmp_path / "adv/run_voltmap.asc")
    assert cur[1, 1] == pytest.approx(2.0, rel=1e-5)  # all the source current leaves
    assert np.all(volt[:, 7] == 0) and volt[1, 1] > 0


def test_bad_jobs_fail_clearly(tmp_path):
    paths = _write_inputs(tmp_path, "asc")
    body = PAIRWISE.format(**paths, four="True", solver="cg+amg")
    with pytest.raises(InputError, match="scenario"):
        run_job(_ini(tmp_path, body.replace("scenario = pairwise", "scenario = bogus")))
    with pytest.raises(InputError, match="solver"):
        run_job(_ini(tmp_path, body.replace("solver = cg+amg", "solver = magic")))
    zero, _ = read_ascii_grid(tmp_path / "habitat.asc")
    zero[1, 1] = 0
    write_ascii_grid(tmp_path / "habitat.asc", zero, HEADER)
    with pytest.raises(InputError, match="zero resistances"):
        run_job(_ini(tmp_path, body))
    assert main([str(tmp_path / "missing.ini")]) == 2


def test_command_line(tmp_path):
    paths = _write_inputs(tmp_path, "asc")
    ini = _ini(tmp_path, PAIRWISE.format(**paths, four="True", solver="cg+amg"))
    done = subprocess.run(
        [sys.executable, "-m", "amurlink.apps.circuitscape_ini", str(ini)],
        capture_output=True,
        text=True,
        check=False,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "out/job_resistances.out").exists()
    assert math.isfinite(np.loadtxt(tmp_path / "out/job_resistances.out")[1, 2])
    assert Path(tmp_path / "out/job_cum_curmap.asc").exists()


@pytest.mark.parametrize(
    "line, expected", [("", 1 / ((1 + 1 / 3) / 2)), ("connect_using_avg_resistances = True", 2.0)]
)
def test_average_conductance_is_circuitscapes_default(tmp_path, line, expected):
    header = GridHeader(2, 1, 0.0, 0.0, 1.0)
    write_ascii_grid(tmp_path / "h.asc", np.array([[1.0, 3.0]]), header)
    write_ascii_grid(tmp_path / "p.asc", np.array([[1.0, 2.0]]), header)
    body = (
        "[Circuitscape mode]\nscenario = pairwise\n[Habitat raster or graph]\n"
        "habitat_file = h.asc\n[Options for pairwise and one-to-all and all-to-one modes]\n"
        f"point_file = p.asc\n{line}\n[Output options]\noutput_file = r.out\n"
    )
    run_job(_ini(tmp_path, body))
    assert np.loadtxt(tmp_path / "r_resistances.out")[1, 2] == pytest.approx(expected)


def test_relative_paths_are_from_the_working_directory(tmp_path, monkeypatch):
    """Circuitscape.jl opens relative paths as given: from the working directory."""
    (tmp_path / "jobs").mkdir()
    _grids(LINE, [[1] * 5], [[1, 0, 0, 0, 2]])
    ini = tmp_path / "jobs" / "job.ini"
    ini.write_text(_job(tmp_path).read_text())
    run_job(ini)
    assert np.loadtxt(tmp_path / "o/r_resistances.out")[1, 2] == pytest.approx(4.0)
    monkeypatch.chdir(tmp_path / "jobs")
    with pytest.raises(InputError, match="h.asc: file not found"):
        run_job("job.ini")


# ------------------------------------------------------- options, hand-worked cases
LINE = GridHeader(ncols=5, nrows=1, xllcorner=0.0, yllcorner=0.0, cellsize=10.0)


def _job(tmp_path, scenario="pairwise", extra="", point_file="p.asc", out="o/r.out"):
    """A job on h.asc, 4 neighbours, average resistance: unit cells are 1 Ω edges."""
    body = (
        f"[Circuitscape mode]\nscenario = {scenario}\n[Habitat raster or graph]\n"
        "habitat_file = h.asc\n[Options for pairwise and one-to-all and all-to-one modes]\n"
        f"point_file = {point_file}\n[Connection scheme for raster habitat data]\n"
        "connect_four_neighbors_only = True\nconnect_using_avg_resistances = True\n"
        f"[Output options]\noutput_file = {out}\n{extra}\n"
    )
    return _ini(tmp_path, body)


def _grids(header, habitat, points=None, **others):
    write_ascii_grid("h.asc", np.asarray(habitat, dtype=float), header)
    if points is not None:
        write_ascii_grid("p.asc", np.asarray(points, dtype=float), header)
    for name, data in others.items():
        write_ascii_grid(f"{name}.asc", np.asarray(data, dtype=float), header)


def _matrix(path="o/r_resistances.out"):
    return np.loadtxt(path)


def test_polygons_short_cells_in_pairwise_and_one_to_all(tmp_path):
    # Five 1 Ω steps… four edges in series: R = 4; shorting cells 2–3 (one edge) gives 3.
    _grids(LINE, [[1] * 5], [[1, 0, 0, 0, 2]], poly=[[0, 7, 7, 0, 0]])
    run_job(_job(tmp_path))
    assert _matrix()[1, 2] == pytest.approx(4.0)
    extra = "[Short circuit regions (aka polygons)]\nuse_polygons = True\npolygon_file = poly.asc"
    run_job(_job(tmp_path, extra=extra))
    assert _matrix()[1, 2] == pytest.approx(3.0)
    # Polygon over cells 2–4: edges 1–2 and 4–5 remain, R = 2 (one-to-all: 1 A in, 0 V out).
    _grids(LINE, [[1] * 5], [[1, 0, 0, 0, 2]], poly=[[0, 7, 7, 7, 0]])
    run_job(_job(tmp_path, "one-to-all", extra=extra))
    assert _matrix()[:, 1] == pytest.approx([2.0, 2.0])


def test_focal_point_inside_a_polygon_takes_the_polygons_node(tmp_path):
    # Focal 1 at cell 1, polygon over cells 1–3: R(1, 2) = the two edges 3–4–5.
    _grids(LINE, [[1] * 5], [[1, 0, 0, 0, 2]], poly=[[5, 5, 5, 0, 0]])
    extra = "[Short circuit regions (aka polygons)]\nuse_polygons = True\npolygon_file = poly.asc"
    run_job(_job(tmp_path, extra=extra))
    assert _matrix()[1, 2] == pytest.approx(2.0)


def test_mask_removes_cells(tmp_path):
    # 2×2 unit square, focal cells side by side: 1 Ω ∥ 3 Ω = 0.75; masking a far cell
    # cuts the 3 Ω path, R = 1.
    square = GridHeader(2, 2, 0.0, 0.0, 1.0)
    _grids(square, np.ones((2, 2)), [[1, 2], [0, 0]], mask=[[1, 1], [0, 1]])
    run_job(_job(tmp_path))
    assert _matrix()[1, 2] == pytest.approx(0.75)
    run_job(_job(tmp_path, extra="[Mask file]\nuse_mask = True\nmask_file = mask.asc"))
    assert _matrix()[1, 2] == pytest.approx(1.0)


def test_focal_points_as_text_list_in_map_units(tmp_path):
    # id x y: x = 5 is cell 1, x = 45 cell 5 (cellsize 10): R = 4; x = 25 is cell 3: R = 2.
    _grids(LINE, [[1] * 5])
    (tmp_path / "pts.txt").write_text("1 5 5\n2 45 5\n3 25 5\n")
    run_job(_job(tmp_path, point_file="pts.txt"))
    m = _matrix()
    assert m[0, 1:].tolist() == [1, 2, 3]
    assert m[1, 2] == pytest.approx(4.0) and m[1, 3] == pytest.approx(2.0)
    (tmp_path / "bad.txt").write_text("1 5 5\n2 95 5\n")
    with pytest.raises(InputError, match="bad.txt: focal point 2 .* outside"):
        run_job(_job(tmp_path, point_file="bad.txt"))


@pytest.mark.parametrize(
    "text, expected",
    [
        ("mode include\n1 3\n", [[0, 1, 3], [1, 0, 4], [3, 4, 0]]),
        ("mode exclude\n1 3\n2 3\n", [[0, 1, 2, 3], [1, 0, 2, -1], [2, 2, 0, -1], [3, -1, -1, 0]]),
        # matrix format: kept when min ≤ value ≤ max; 1–2 above max, 2–3 below min.
        (
            "min 1\nmax 2\n0 1 2 3\n1 0 5 1\n2 5 0 0\n3 1 0 0\n",
            [[0, 1, 2, 3], [1, 0, -1, 4], [2, -1, 0, -1], [3, 4, -1, 0]],
        ),
    ],
)
def test_included_pairs(tmp_path, text, expected):
    # Focal cells 1, 3, 5 of the line: R12 = 2, R13 = 4, R23 = 2.
    _grids(LINE, [[1] * 5], [[1, 0, 2, 0, 3]])
    (tmp_path / "pairs.txt").write_text(text)
    extra = "write_cur_maps = True\n[Options for pairwise and one-to-all and all-to-one modes]\n"
    extra += "use_included_pairs = True\nincluded_pairs_file = pairs.txt"
    run_job(_job(tmp_path, extra=extra))
    assert _matrix() == pytest.approx(np.array(expected, dtype=float))
    cum, _ = read_ascii_grid("o/r_cum_curmap.asc")
    # 1 A through cell 3 for every solved pair (it lies on or ends each path).
    inner = np.array(expected, dtype=float)[1:, 1:]
    assert cum[0, 2] == pytest.approx(np.count_nonzero(np.triu(inner) > 0))


def test_gzipped_inputs_read_and_binary_refused(tmp_path):
    import gzip

    _grids(LINE, [[1] * 5], [[1, 0, 0, 0, 2]])
    with gzip.open("h.asc.gz", "wb") as fh:
        fh.write(Path("h.asc").read_bytes())
    body = _job(tmp_path).read_text().replace("habitat_file = h.asc", "habitat_file = h.asc.gz")
    run_job(_ini(tmp_path, body))
    assert _matrix()[1, 2] == pytest.approx(4.0)
    with rasterio.open(
        "h.tif", "w", driver="GTiff", width=5, height=1, count=1, dtype="float64",
        transform=Affine(10, 0, 0, 0, -10, 10),
    ) as dst:  # fmt: skip
        dst.write(np.ones((1, 1, 5)))
    with gzip.open("h.tif.gz", "wb") as fh:
        fh.write(Path("h.tif").read_bytes())
    run_job(_ini(tmp_path, body.replace("h.asc.gz", "h.tif.gz")))
    assert _matrix()[1, 2] == pytest.approx(4.0)
    Path("h.asc").write_bytes(Path("h.tif").read_bytes())  # a GeoTIFF named .asc
    with pytest.raises(InputError, match="h.asc: not an ESRI ASCII grid"):
        run_job(_job(tmp_path))


def _advanced(tmp_path, source, ground, extra=""):
    body = (
        "[Circuitscape mode]\nscenario = advanced\n[Habitat raster or graph]\n"
        f"habitat_file = h.asc\n[Options for advanced mode]\nsource_file = {source}\n"
        f"ground_file = {ground}\n{extra}\n[Connection scheme for raster habitat data]\n"
        "connect_four_neighbors_only = True\nconnect_using_avg_resistances = True\n"
        "[Output options]\noutput_file = a/r.out\nwrite_cur_maps = True\nwrite_volt_maps = True\n"
    )
    run_job(_ini(tmp_path, body))
    return read_ascii_grid("a/r_voltmap.asc")[0], read_ascii_grid("a/r_curmap.asc")[0]


def test_advanced_source_and_ground_as_text_lists(tmp_path):
    # 2 A into cell 1, cell 5 tied to ground (resistance 0): V = 2 A × 4 Ω … 0 V.
    _grids(LINE, [[1] * 5])
    (tmp_path / "src.txt").write_text("2 5 5\n")  # value x y: cell 1 (cellsize 10)
    (tmp_path / "gnd.txt").write_text("0 45 5\n")  # cell 5
    volt, cur = _advanced(tmp_path, "src.txt", "gnd.txt", "ground_file_is_resistances = True")
    assert volt[0] == pytest.approx([8, 6, 4, 2, 0])
    assert cur[0] == pytest.approx([2, 2, 2, 2, 2])
    # A finite ground of 2 Ω at cell 5 adds 2 A × 2 Ω = 4 V everywhere.
    (tmp_path / "gnd.txt").write_text("2 45 5\n")
    volt, _ = _advanced(tmp_path, "src.txt", "gnd.txt", "ground_file_is_resistances = True")
    assert volt[0] == pytest.approx([12, 10, 8, 6, 4])
    # Unit currents and direct grounds: 1 A, cell 5 at 0 V.
    volt, _ = _advanced(
        tmp_path, "src.txt", "gnd.txt", "use_unit_currents = True\nuse_direct_grounds = True"
    )
    assert volt[0] == pytest.approx([4, 3, 2, 1, 0])


def test_remove_src_or_gnd(tmp_path):
    # Cells 1 and 5 both sources (1 A) and grounds (1 S): keepall splits symmetrically.
    _grids(LINE, [[1] * 5], src=[[1, 0, 0, 0, 1]], gnd=[[1, -9999, -9999, -9999, 1]])
    opts = "ground_file_is_resistances = False\nremove_src_or_gnd = {}"
    volt, _ = _advanced(tmp_path, "src.asc", "gnd.asc", opts.format("keepall"))
    assert volt[0] == pytest.approx([1, 1, 1, 1, 1])  # every 1 A leaves through its own ground
    with pytest.raises(InputError, match="remove_src_or_gnd = 'bogus'"):
        _advanced(tmp_path, "src.asc", "gnd.asc", opts.format("bogus"))


def test_region_over_no_data_cells_shows_the_regions_maps(tmp_path):
    # 2×3 grid, cell (0,1) no-data; focal 1 at (0,0), region 2 over (0,1) and (0,2).
    # The path (0,0)-(1,0)-(1,1)-(1,2)-(0,2) is four 1 Ω edges: R = 4, 1 A throughout.
    grid = GridHeader(3, 2, 0.0, 0.0, 1.0)
    _grids(grid, [[1, -9999, 1], [1, 1, 1]], [[1, 2, 2], [0, 0, 0]])
    run_job(_job(tmp_path, extra="write_cur_maps = True\nwrite_volt_maps = True"))
    assert _matrix()[1, 2] == pytest.approx(4.0)
    volt, _ = read_ascii_grid("o/r_voltmap_1_2.asc")
    cur, _ = read_ascii_grid("o/r_curmap_1_2.asc")
    cum, _ = read_ascii_grid("o/r_cum_curmap.asc")
    assert volt[0, 1] == pytest.approx(4.0) and volt[0, 2] == pytest.approx(4.0)
    assert cur[0, 1] == pytest.approx(1.0) and cum[0, 1] == pytest.approx(1.0)
    run_job(_job(tmp_path, extra="write_cur_maps = True\nset_null_currents_to_nodata = True"))
    cur, _ = read_ascii_grid("o/r_curmap_1_2.asc")
    assert np.isnan(cur[0, 1])  # Circuitscape: null where the habitat is no-data


def test_one_to_all_disconnected_focal_gets_zero_maps_and_all_to_one_writes_file(tmp_path):
    # Line cut at cell 3: focal 1 and 2 on cells 1–2 (1 Ω apart), focal 3 alone on cell 5.
    _grids(LINE, [[1, 1, -9999, 1, 1]], [[1, 2, 0, 0, 3]])
    extra = "write_cur_maps = True\nwrite_volt_maps = True"
    run_job(_job(tmp_path, "one-to-all", extra=extra))
    res = np.loadtxt("o/r_resistances.out")
    assert res.tolist() == [[1, 1], [2, 1], [3, -1]]
    cur, _ = read_ascii_grid("o/r_curmap_3.asc")
    assert np.nansum(np.abs(cur)) == 0
    written = {p.name for p in run_job(_job(tmp_path, "all-to-one", extra=extra))}
    assert {"r_resistances.out", "r_curmap_3.asc", "r_voltmap_3.asc"} <= written


def test_variable_source_strengths_scale_one_to_all(tmp_path):
    # Focal 1 and 2 at the ends of the line (R = 4): 2 A and 3 A give 8 V and 12 V.
    _grids(LINE, [[1] * 5], [[1, 0, 0, 0, 2]])
    (tmp_path / "s.txt").write_text("1 2\n2 3\n")
    extra = "write_cur_maps = True\n[Options for one-to-all and all-to-one modes]\n"
    extra += "use_variable_source_strengths = True\nvariable_source_file = s.txt"
    run_job(_job(tmp_path, "one-to-all", extra=extra))
    assert np.loadtxt("o/r_resistances.out")[:, 1] == pytest.approx([8.0, 12.0])
    cum, _ = read_ascii_grid("o/r_cum_curmap.asc")
    assert cum[0] == pytest.approx([5, 5, 5, 5, 5])
    (tmp_path / "s.txt").write_text("1 2\n")
    with pytest.raises(InputError, match="s.txt: .*focal ID 2"):
        run_job(_job(tmp_path, "one-to-all", extra=extra))


def test_log_transform_and_max_maps(tmp_path):
    # 2×2 square, focal cells side by side: 0.75 A on the direct edge, 0.25 A round.
    square = GridHeader(2, 2, 0.0, 0.0, 1.0)
    _grids(square, np.ones((2, 2)), [[1, 2], [0, 0]])
    extra = "write_cur_maps = True\nwrite_max_cur_maps = True\nlog_transform_maps = True"
    run_job(_job(tmp_path, extra=extra))
    cur, _ = read_ascii_grid("o/r_curmap_1_2.asc")
    assert cur == pytest.approx(np.log10([[1.0, 1.0], [0.25, 0.25]]))
    peak, _ = read_ascii_grid("o/r_max_curmap.asc")
    assert peak == pytest.approx(cur)


def test_bad_ini_fails_and_focal_on_no_data_warns_in_one_line(tmp_path, caplog):
    # Circuitscape runs a focal point on no-data and reports it not connected (−1):
    # one warning line naming the file and the point, and −1 in the files.
    _grids(LINE, [[1, 1, -9999, 1, 1]], [[1, 3, 2, 0, 0]])
    with caplog.at_level("WARNING"):
        run_job(_job(tmp_path))
    assert [r.getMessage() for r in caplog.records if r.levelname == "WARNING"] == [
        "p.asc: focal point 2 (row 1, column 3) is on a no-data habitat cell; it is "
        "reported as not connected (resistance -1), as Circuitscape does"
    ]
    m = _matrix()
    assert m[1, 3] == pytest.approx(1.0) and m[1, 2] == -1 and m[2, 3] == -1
    run_job(_job(tmp_path, "all-to-one", extra="write_cur_maps = True"))
    assert np.loadtxt("o/r_resistances.out").tolist() == [[1, 0], [2, -1], [3, 0]]
    assert not Path("o/r_curmap_2.asc").exists()  # no node: no map (Circuitscape)
    bad = _ini(tmp_path, "scenario = pairwise\n")
    with pytest.raises(InputError, match="job.ini: not a valid .ini file") as err:
        run_job(bad)
    assert "\n" not in str(err.value)


def test_focal_ids_sharing_a_cell(tmp_path):
    # IDs 1 and 3 both at cell 1 (Circuitscape keeps both): R13 = 0, R12 = R32 = 4.
    _grids(LINE, [[1] * 5])
    (tmp_path / "pts.txt").write_text("1 5 5\n2 45 5\n3 5 5\n")
    run_job(_job(tmp_path, point_file="pts.txt", extra="write_cur_maps = True"))
    m = _matrix()
    assert m[0, 1:].tolist() == [1, 2, 3]
    assert m[1:, 1:] == pytest.approx(np.array([[0, 4, 0], [4, 0, 4], [0, 4, 0]]))
    cum, _ = read_ascii_grid("o/r_cum_curmap.asc")
    assert cum[0] == pytest.approx([2, 2, 2, 2, 2])  # pairs 1–2 and 2–3 each carry 1 A
    # One-to-all: 1 and 3 are one node (its own ground removed), each 4 Ω from 2.
    run_job(_job(tmp_path, "one-to-all", point_file="pts.txt"))
    assert np.loadtxt("o/r_resistances.out") == pytest.approx(np.array([[1, 4], [2, 4], [3, 4]]))


def test_focal_ids_joined_by_a_polygon_in_one_to_all(tmp_path):
    # Polygon over cells 1–2 holds focal 1 (cell 1) and 3 (cell 2); focal 2 at cell 5:
    # three edges remain, R = 3 for all three.
    _grids(LINE, [[1] * 5], [[1, 3, 0, 0, 2]], poly=[[4, 4, 0, 0, 0]])
    extra = "[Short circuit regions (aka polygons)]\nuse_polygons = True\npolygon_file = poly.asc"
    run_job(_job(tmp_path, "one-to-all", extra=extra))
    assert np.loadtxt("o/r_resistances.out")[:, 1] == pytest.approx([3, 3, 3])


def test_set_focal_node_currents_to_zero(tmp_path):
    # 1 A along the line; the pair's own cells carry none (Circuitscape.jl issue 342).
    _grids(LINE, [[1] * 5], [[1, 0, 2, 0, 3]])
    extra = "write_cur_maps = True\nset_focal_node_currents_to_zero = True"
    run_job(_job(tmp_path, extra=extra))
    cur, _ = read_ascii_grid("o/r_curmap_1_3.asc")
    assert cur[0] == pytest.approx([0, 1, 1, 1, 0])  # focal 2 lies on the path: 1 A
    cum, _ = read_ascii_grid("o/r_cum_curmap.asc")
    assert cum[0] == pytest.approx([0, 2, 1, 2, 0])  # pairs 1–2, 1–3, 2–3
    # One-to-all: every focal node of a solve is zeroed.
    run_job(_job(tmp_path, "one-to-all", extra=extra))
    cur, _ = read_ascii_grid("o/r_curmap_2.asc")
    assert cur[0] == pytest.approx([0, 0.5, 0, 0.5, 0])


def test_all_to_one_injects_one_ampere_per_source_region(tmp_path):
    # Region 1 on cells 1–2, focal 2 on cell 5: target 2 gets 1 A (not 2) through
    # three 1 Ω edges, so region 1 sits at 3 V (Circuitscape.jl, allToOneVerify9).
    _grids(LINE, [[1] * 5], [[1, 1, 0, 0, 2]])
    run_job(_job(tmp_path, "all-to-one", extra="write_volt_maps = True\nwrite_cur_maps = True"))
    volt, _ = read_ascii_grid("o/r_voltmap_2.asc")
    assert volt[0] == pytest.approx([3, 3, 2, 1, 0])
    cur, _ = read_ascii_grid("o/r_curmap_2.asc")
    assert cur[0] == pytest.approx([1, 1, 1, 1, 1])


def test_short_regions_joins_focal_regions_and_the_polygons_they_touch():
    from amurlink.connectivity.circuit import build_graph, short_regions

    labels = short_regions(np.array([[1, 1, 0, 0, 2]]), np.array([[0, 5, 5, 0, 0]]))
    assert labels[0, 0] == labels[0, 1] == labels[0, 2] > 0
    assert labels[0, 3] == 0 and labels[0, 4] > 0 and labels[0, 4] != labels[0, 0]
    # A region's no-data cell takes the region's node; a lone no-data cell stays none.
    graph = build_graph(np.array([[1.0, np.nan, 1.0, np.nan]]), 4, regions=np.array([[3, 3, 0, 0]]))
    assert graph.node_of_cell[0, 1] == graph.node_of_cell[0, 0] >= 0
    assert graph.node_of_cell[0, 3] == -1
