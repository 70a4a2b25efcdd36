"""core.io readers and writers of the connectivity stage: link tables, refinement, Circuitscape."""

import numpy as np
import pandas as pd
import pytest

from amurlink.core import io
from amurlink.core.errors import InputError
from amurlink.core.io import connectivity as cio
from amurlink.core.io.circuitscape import write_focal_resistances, write_resistance_matrix
from amurlink.core.io.refined import read_refinement, read_with_writer_options


def test_read_link_pairs(tmp_path):
    path = tmp_path / "links.csv"
    pd.DataFrame({"link_id": [1, 2], "from_core": [1, 2], "to_core": [3, 3]}).to_csv(path)
    assert cio.read_link_pairs(path) == [(1, 3), (2, 3)]
    pd.DataFrame({"from_core": [1]}).to_csv(path, index=False)
    with pytest.raises(InputError, match="to_core"):
        cio.read_link_pairs(path)
    with pytest.raises(InputError, match="not found"):
        cio.read_link_pairs(tmp_path / "none.csv")


def test_read_effective_resistance_orders_pairs_and_drops_disconnected(tmp_path):
    path = tmp_path / "er.csv"
    table = {"core_a": [2, 1, 3], "core_b": [1, 2, 1], "effective_resistance": [5.0, 5.0, -1]}
    pd.DataFrame(table).to_csv(path, index=False)
    er = cio.read_effective_resistance(path)
    assert er.columns.tolist() == ["from_core", "to_core", "effective_resistance"]
    assert er[["from_core", "to_core"]].values.tolist() == [[1, 2], [1, 3]]
    assert er["effective_resistance"].iloc[0] == 5.0 and np.isnan(
        er["effective_resistance"].iloc[1]
    )


def test_read_corridor_resistance(tmp_path):
    path = tmp_path / "pinchpoints.csv"
    table = {"from_core": [1, 1], "to_core": [2, 3], "lcd": [9, 9], "effective_resistance": [4, -1]}
    pd.DataFrame(table).to_csv(path, index=False)
    out = cio.read_corridor_resistance(path)
    assert out.columns.tolist() == ["from_core", "to_core", "corridor_resistance"]
    assert out["corridor_resistance"].iloc[0] == 4 and np.isnan(out["corridor_resistance"].iloc[1])


def test_refinement_and_writer_options(tmp_path, small_grid):
    coarse = small_grid.coarsen(5)
    values = np.arange(coarse.height * coarse.width, dtype="int32").reshape(coarse.shape)
    io.write_raster(tmp_path / "c.tif", values, coarse, nodata=0, descriptions="core_id",
                    units="id", categorical=True, metadata={"factor": "5"})  # fmt: skip
    io.write_raster(tmp_path / "f.tif", np.ones(small_grid.shape, "uint8"), small_grid,
                    nodata=255, descriptions="habitat")  # fmt: skip
    assert read_refinement(tmp_path / "f.tif", coarse, 5, tmp_path / "c.tif") == small_grid
    with pytest.raises(InputError, match="not the 4x coarsening"):
        read_refinement(tmp_path / "f.tif", coarse, 4, tmp_path / "c.tif")
    read, grid, nodata, options = read_with_writer_options(tmp_path / "c.tif", "x")
    assert grid == coarse and nodata == 0 and read.shape == (1, *coarse.shape)
    np.testing.assert_array_equal(read[0], values)
    assert options["descriptions"] == ["core_id"] and options["units"] == ["id"]
    assert options["categorical"] and options["metadata"]["factor"] == "5"
    assert options["colormap"] is None


def test_circuitscape_resistance_files(tmp_path):
    ids = np.array([1, 3])
    full, three = write_resistance_matrix(
        str(tmp_path / "job"), ids, np.array([[0, 2.5], [2.5, 0]])
    )
    assert full.read_text() == "0.0 1.0 3.0\n1.0 0.0 2.5\n3.0 2.5 0.0\n"
    assert three.read_text() == "1.0 3.0 2.5\n"
    one = write_focal_resistances(str(tmp_path / "o"), ids, np.array([1.5, -1.0]))
    assert one.name == "o_resistances.out" and one.read_text() == "1.0 1.5\n3.0 -1.0\n"
