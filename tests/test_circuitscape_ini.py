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
    assert main([str(tmp_path / "missing.ini")]) == 1


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
    header = GridHeader(2, 1, 0.0, 0.0, 1.0)
    write_ascii_grid(tmp_path / "h.asc", np.array([[1.0, 1.0]]), header)
    write_ascii_grid(tmp_path / "p.asc", np.array([[1.0, 2.0]]), header)
    body = (
        "[Circuitscape mode]\nscenario = pairwise\n[Habitat raster or graph]\n"
        "habitat_file = h.asc\n[Options for pairwise and one-to-all and all-to-one modes]\n"
        "point_file = p.asc\n[Output options]\noutput_file = o/r.out\n"
    )
    ini = tmp_path / "jobs" / "job.ini"
    ini.write_text(body)
    run_job(ini)
    assert np.loadtxt(tmp_path / "o/r_resistances.out")[1, 2] == pytest.approx(1.0)
    monkeypatch.chdir(tmp_path / "jobs")
    with pytest.raises(InputError, match="h.asc: file not found"):
        run_job("job.ini")
