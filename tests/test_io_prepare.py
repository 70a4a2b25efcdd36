"""core.io submodules the prepare stage and the demo read with: grids, band units, means,
preferred vector layers, config files."""

import geopandas as gpd
import numpy as np
import pytest
from shapely.geometry import Point

from amurlink.core import io
from amurlink.core.errors import InputError
from amurlink.core.io.config import read_config
from amurlink.core.io.layers import read_layer_if_present
from amurlink.core.io.rasters import raster_mean, read_band_units, read_grid


def test_grid_units_and_mean_of_a_raster(tmp_path, small_grid):
    values = np.arange(small_grid.height * small_grid.width, dtype="float32").reshape(
        small_grid.shape
    )
    values[0, 0] = np.nan  # becomes nodata
    values[1, 1] = -1.0
    path = io.write_raster(tmp_path / "v.tif", np.stack([values, values]), small_grid,
                           nodata=-1.0, descriptions=["a", "b"], units=["m", ""])  # fmt: skip
    assert read_grid(path) == small_grid
    assert read_band_units(path) == ["m", ""]
    valid = values[np.isfinite(values) & (values != -1.0)].astype(np.float64)
    assert raster_mean(path) == pytest.approx(valid.mean())
    with pytest.raises(InputError, match="nothere.tif: file not found"):
        read_grid(tmp_path / "nothere.tif")


def test_named_layer_read_if_present_else_the_first(tmp_path):
    points = gpd.GeoDataFrame({"n": [1]}, geometry=[Point(0, 0)], crs="EPSG:4326")
    io.write_layers({"border": points.assign(n=2), "countries": points}, tmp_path / "two.gpkg")
    io.write_vector(points.assign(n=3), tmp_path / "one.gpkg", layer="admin0")
    assert read_layer_if_present(tmp_path / "two.gpkg", "countries").n.tolist() == [1]
    assert read_layer_if_present(tmp_path / "one.gpkg", "countries").n.tolist() == [3]
    with pytest.raises(InputError, match="none.gpkg: file not found"):
        read_layer_if_present(tmp_path / "none.gpkg", "countries")


def test_config_read_and_defaults_filled(tmp_path):
    schema = tmp_path / "schema.yaml"
    schema.write_text(
        '$schema: "https://json-schema.org/draft/2020-12/schema"\n'
        "type: object\nproperties:\n  seed:\n    type: integer\n    default: 7\n"
    )
    (tmp_path / "c.yaml").write_text("demo: {enabled: true}\n")
    assert read_config(tmp_path / "c.yaml") == {"demo": {"enabled": True}}
    assert read_config(tmp_path / "c.yaml", schema)["seed"] == 7
    (tmp_path / "bad.yaml").write_text("- just\n- a list\n")
    with pytest.raises(InputError, match="bad.yaml: a config must be a mapping"):
        read_config(tmp_path / "bad.yaml")
    with pytest.raises(InputError, match="missing.yaml: file not found"):
        read_config(tmp_path / "missing.yaml")
