import numpy as np
import pytest
import rasterio
from rio_cogeo.cogeo import cog_validate

from amurlink.core import io
from amurlink.core.errors import InputError
from amurlink.core.grid import Grid


def test_grid_from_bounds_snaps_outward():
    g = Grid.from_bounds("EPSG:32652", (10.0, 20.0, 295.0, 401.0), 100)
    assert g.bounds == (0.0, 0.0, 300.0, 500.0)
    assert g.shape == (5, 3)


def test_grid_rowcol_and_centres_are_inverse(small_grid):
    rows, cols = np.array([0, 39, 17]), np.array([0, 49, 23])
    x, y = small_grid.cell_centres(rows, cols)
    r2, c2 = small_grid.rowcol(x, y)
    assert (r2 == rows).all() and (c2 == cols).all()
    assert not small_grid.contains(small_grid.bounds[0] - 1, small_grid.bounds[1] + 1)


def test_lonlat_box_covers_demo_region():
    g = Grid.from_lonlat_box("EPSG:32652", (130.3, 42.4, 131.9, 43.9), 1000)
    # 1.6 degrees of longitude at 43 N is about 130 km; 1.5 degrees of latitude about 167 km.
    assert 125 <= g.width <= 140 and 160 <= g.height <= 175


def test_windows_tile_the_grid_exactly(small_grid):
    seen = np.zeros(small_grid.shape, int)
    for w in small_grid.windows(16):
        r, c = w.toslices()
        seen[r, c] += 1
    assert (seen == 1).all()


def test_write_raster_is_valid_cog_with_metadata(tmp_path, small_grid):
    data = np.arange(small_grid.width * small_grid.height, dtype="float32").reshape(
        small_grid.shape
    )
    data[0, 0] = np.nan
    path = io.write_raster(
        tmp_path / "a.tif", data, small_grid, nodata=-9999, descriptions="thing", units="m"
    )
    assert cog_validate(path, strict=True)[0]
    with rasterio.open(path) as src:
        assert src.nodata == -9999
        assert src.descriptions == ("thing",)
        assert src.units == ("m",)
        assert src.read(1)[0, 0] == -9999
        assert "STATISTICS_MEAN" in src.tags(1)
        assert src.crs.to_epsg() == 32652
    assert not list(tmp_path.glob(".*")), "no temporary files left behind"


def test_failed_write_leaves_nothing(tmp_path, small_grid):
    target = tmp_path / "b.tif"
    with pytest.raises(RuntimeError):
        with io.RasterWriter(target, small_grid, dtype="uint8", nodata=0, descriptions=["x"]) as w:
            w.write(np.ones(small_grid.shape, "uint8"))
            raise RuntimeError("boom")
    assert not target.exists()
    assert list(tmp_path.iterdir()) == []


def test_read_raster_without_crs_names_the_file(tmp_path):
    path = tmp_path / "nocrs.tif"
    with rasterio.open(path, "w", driver="GTiff", width=2, height=2, count=1, dtype="uint8") as dst:
        dst.write(np.ones((1, 2, 2), "uint8"))
    with pytest.raises(InputError, match="nocrs.tif: raster has no CRS"):
        io.read_raster(path)


def test_country_codes_round_trip(tmp_path, small_grid):
    codes = {1: "CHN", 2: "RUS"}
    path = io.write_raster(
        tmp_path / "c.tif", np.ones(small_grid.shape, "uint8"), small_grid, nodata=0,
        descriptions="country", categorical=True, metadata=io.country_tags(codes),
    )  # fmt: skip
    assert io.read_country_codes(path) == codes


def test_warp_to_grid_reprojects_window_by_window(tmp_path, small_grid):
    # A source in WGS84 covering the grid, with a north-south gradient.
    from amurlink.core.grid import transform_bounds

    lon0, lat0, lon1, lat1 = transform_bounds(small_grid.crs, "EPSG:4326", small_grid.bounds)
    src_grid = Grid.from_bounds(
        "EPSG:4326", (lon0 - 0.01, lat0 - 0.01, lon1 + 0.01, lat1 + 0.01), 0.0005
    )
    lat = src_grid.xy()[1]
    data = np.repeat(lat[:, None], src_grid.width, axis=1).astype("float32")
    src = io.write_raster(tmp_path / "src.tif", data, src_grid, nodata=-9999, descriptions="lat")
    with io.warp_to_grid(src, small_grid, categorical=False) as vrt:
        block = vrt.read(1)
    assert block.shape == small_grid.shape
    assert (np.diff(block.mean(axis=1)) < 0).all(), "latitude decreases down the rows"
    assert lat0 - 0.01 < block.min() and block.max() < lat1 + 0.01


def test_decimated_read_matches_the_coarsened_grid(tmp_path, small_grid):
    from amurlink.core.io import decimation

    assert decimation((40, 50), None) == 1 and decimation((40, 50), 2000) == 1
    assert decimation((40, 50), 500) == 2  # 20 x 25 = 500 cells
    assert decimation((40, 50), 499) == 3  # 14 x 17
    values = np.arange(40 * 50, dtype="float32").reshape(40, 50)
    path = io.write_raster(tmp_path / "v.tif", values, small_grid, nodata=-1, descriptions="v")
    arr, grid = io.read_raster(path, max_cells=300)
    factor = decimation(small_grid.shape, 300)
    assert grid == small_grid.coarsen(factor) and arr.shape == grid.shape
    assert arr.size <= 300
    # nearest sampling: every value read is a value of the raster, on the right row
    rows = arr.data.astype(int) // 50
    assert np.all(np.abs(rows - np.arange(grid.height)[:, None] * factor) < factor)


@pytest.mark.parametrize(
    "dtype, nodata, mask_band",
    [("float32", -9999.0, False), ("int16", -1, False), ("float32", None, False),
     ("uint8", None, True), ("float32", np.nan, False)],
)  # fmt: skip
def test_window_reader_equals_rasterio_masked_read(tmp_path, dtype, nodata, mask_band):
    from rasterio.transform import from_origin
    from rasterio.windows import Window

    rng = np.random.default_rng(0)
    data = (rng.random((3, 40, 50)) * 100).astype(dtype)
    if nodata is not None:
        data[0, :5, :5] = nodata
        data[2, 10:12, :] = nodata
    path = tmp_path / "r.tif"
    profile = dict(driver="GTiff", width=50, height=40, count=3, dtype=dtype, nodata=nodata,
                   crs="EPSG:32652", transform=from_origin(0, 0, 30, 30))  # fmt: skip
    with rasterio.open(path, "w", **profile) as dst:
        dst.write(data)
        if mask_band:
            mask = np.full((40, 50), 255, np.uint8)
            mask[20:30, 20:30] = 0
            dst.write_mask(mask)
    window = Window(3, 2, 30, 25)
    with rasterio.open(path) as src:
        expected = src.read(window=window, masked=True).astype(np.float64).filled(np.nan)
        got = io.window_reader(src)(window)
        kept = io.window_reader(src, dtype=None)(window)
    assert got.dtype == np.float64 and np.array_equal(got, expected, equal_nan=True)
    assert kept.dtype == (np.float32 if dtype == "float32" else np.float64)
    assert np.array_equal(kept.astype(np.float64), expected, equal_nan=True)
    assert np.isnan(expected).any() == (nodata is not None or mask_band)  # the test has no data
