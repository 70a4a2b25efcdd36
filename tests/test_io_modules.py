"""core.io submodules: inputs read together, figures, the Natural Earth clip."""

import geopandas as gpd
import numpy as np
import pytest
from matplotlib.figure import Figure
from shapely.geometry import LineString

from amurlink.core import io
from amurlink.core.errors import InputError
from amurlink.core.grid import Grid
from amurlink.core.io.figures import save_pdf_pages
from amurlink.core.io.inputs import read_rasters_on_grid, read_vectors
from amurlink.core.io.naturalearth import read_naturalearth


def test_read_rasters_on_grid_by_band_and_decimated(tmp_path, small_grid):
    data = np.arange(small_grid.width * small_grid.height, dtype="float32").reshape(
        small_grid.shape
    )
    one = io.write_raster(tmp_path / "one.tif", data, small_grid, nodata=-9999, descriptions="a")
    two = io.write_raster(tmp_path / "two.tif", np.stack([data, 2 * data]), small_grid,
                          nodata=-9999, descriptions=["a", "b"])  # fmt: skip
    arrays, grid = read_rasters_on_grid({"one": one, "b": (two, "b")})
    assert grid == small_grid
    np.testing.assert_array_equal(arrays["b"], 2 * data)
    coarse, coarse_grid = read_rasters_on_grid({"one": one}, max_cells=small_grid.width * 10)
    assert coarse_grid == small_grid.coarsen(io.decimation(small_grid.shape, small_grid.width * 10))
    assert coarse["one"].shape == coarse_grid.shape
    with pytest.raises(InputError, match="no band 'c'"):
        read_rasters_on_grid({"one": one, "c": (two, "c")})
    other = Grid.from_bounds(small_grid.crs, small_grid.bounds, small_grid.resolution * 2)
    three = io.write_raster(tmp_path / "three.tif", np.zeros(other.shape), other, nodata=-9999,
                            descriptions="a")  # fmt: skip
    with pytest.raises(InputError, match="three.tif: grid"):
        read_rasters_on_grid({"one": one, "three": three})


def test_read_vectors_checks_columns_and_reprojects(tmp_path):
    roads = gpd.GeoDataFrame(
        {"highway": ["primary"]}, geometry=[LineString([(131, 43), (131.1, 43.1)])], crs=4326
    )
    path = io.write_vector(roads, tmp_path / "roads.gpkg")
    layers = read_vectors({"roads": (path, "roads")}, crs="EPSG:32652",
                          required={"roads": ["highway"]})  # fmt: skip
    assert layers["roads"].crs == "EPSG:32652"
    with pytest.raises(InputError, match="roads.gpkg: missing column.*'status'"):
        read_vectors({"roads": path}, required={"roads": ["highway", "status"]})


def test_save_pdf_pages_is_reproducible(tmp_path):
    pages = [Figure(figsize=(2, 2)) for _ in range(2)]
    for n, page in enumerate(pages):
        page.text(0.5, 0.5, f"page {n}")
    save_pdf_pages(pages, tmp_path / "a.pdf")
    save_pdf_pages(pages, tmp_path / "b.pdf")
    first = (tmp_path / "a.pdf").read_bytes()
    assert first == (tmp_path / "b.pdf").read_bytes() and b"CreationDate" not in first
    assert b"amurlink" in first


def test_read_naturalearth_countries_in_wgs84():
    countries = read_naturalearth()
    assert countries.crs.to_epsg() == 4326
    assert {"RUS", "CHN", "PRK"} <= set(countries["iso_a3"])
