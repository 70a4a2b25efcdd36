"""Tiles, halos and the coarse grid's aggregation."""

import numpy as np
import pytest

from amurlink.core import io
from amurlink.core.errors import InputError
from amurlink.core.grids import coarsen_factor
from amurlink.core.tiles import (
    coarsen_mean,
    coarsen_mode,
    refine,
    strips,
    tile_by_name,
    tile_grid,
    tile_names,
)


def test_tiles_partition_the_grid():
    shape = (25, 17)
    count = np.zeros(shape, int)
    for tile in tile_grid(shape, 8):
        count[tile.slices] += 1
    assert (count == 1).all()
    assert tile_names(shape, 8)[:3] == ["r0c0", "r0c1", "r0c2"]
    assert len(tile_names(shape, 8)) == 4 * 3


def test_halo_is_clipped_and_inner_finds_the_tile():
    shape = (25, 17)
    tile = tile_by_name(shape, 8, "r1c2")
    assert (tile.row0, tile.col0, tile.height, tile.width) == (8, 16, 8, 1)
    outer = tile.expand(3, shape)
    assert (outer.row0, outer.col0, outer.height, outer.width) == (5, 13, 14, 4)
    values = np.arange(25 * 17).reshape(shape)
    np.testing.assert_array_equal(values[outer.slices][tile.inner(outer)], values[tile.slices])
    with pytest.raises(ValueError, match="no tile"):
        tile_by_name(shape, 8, "r9c0")


def test_coarsen_mean_and_nodata_rule():
    values = np.array(
        [
            [1.0, 3.0, 10.0, np.nan],
            [5.0, 7.0, np.nan, np.nan],
            [2.0, np.nan, 1.0, 1.0],
        ]
    )
    out = coarsen_mean(values, 2)
    # Blocks padded with no-data: [[1,3,5,7]] -> 4; [[10,nan,nan,nan]] -> nodata (3/4 missing);
    # [[2,nan,pad,pad]] -> nodata; [[1,1,pad,pad]] -> exactly half missing -> mean 1.
    np.testing.assert_allclose(out, [[4.0, np.nan], [np.nan, 1.0]])


def test_refine_repeats_and_crops():
    out = refine(np.array([[1, 2], [3, 4]]), 2, (3, 4))
    np.testing.assert_array_equal(out, [[1, 1, 2, 2], [1, 1, 2, 2], [3, 3, 4, 4]])


def test_coarsen_mode_takes_the_majority_and_ignores_nodata():
    labels = np.array(
        [
            [1, 1, 2, 0],
            [1, 2, 0, 0],
            [3, 3, 2, 2],
        ]
    )
    out = coarsen_mode(labels, 2, nodata=0)
    # [1,1,1,2] -> 1; [2,0,0,0] -> 2 (no-data ignored); [3,3,pad,pad] -> 3; [2,2,pad,pad] -> 2
    np.testing.assert_array_equal(out, [[1, 2], [3, 2]])
    # a tie goes to the smaller label; an all-no-data block stays no-data
    np.testing.assert_array_equal(coarsen_mode(np.array([[5, 4], [0, 0]]), 2), [[4]])
    np.testing.assert_array_equal(coarsen_mode(np.zeros((2, 2), int), 2), [[0]])


def test_strips_are_whole_blocks_and_cover_the_rows():
    assert strips(10, 3, 7) == [(0, 6), (6, 10)]
    assert strips(10, 1, 4) == [(0, 4), (4, 8), (8, 10)]
    # a strip never holds less than one block of rows
    assert strips(5, 4, 2) == [(0, 4), (4, 5)]
    # streaming a coarsening strip by strip equals coarsening the whole
    rng = np.random.default_rng(1)
    values = rng.random((23, 17))
    values[rng.random(values.shape) < 0.3] = np.nan
    whole = coarsen_mean(values, 3)
    streamed = np.vstack([coarsen_mean(values[a:b], 3) for a, b in strips(23, 3, 7)])
    np.testing.assert_array_equal(streamed, whole)


def test_tile_windows_cover_the_tile_once(small_grid):
    tile = tile_by_name(small_grid.shape, 16, "r1c2")
    count = np.zeros(small_grid.shape, int)
    for w in tile.windows(5):
        count[
            int(w.row_off) : int(w.row_off + w.height), int(w.col_off) : int(w.col_off + w.width)
        ] += 1
    expected = np.zeros(small_grid.shape, int)
    expected[tile.slices] = 1
    np.testing.assert_array_equal(count, expected)
    sub = small_grid.window_grid(tile.window())
    assert sub.shape == (tile.height, tile.width)
    assert sub.transform @ (0, 0) == small_grid.transform @ (tile.col0, tile.row0)


def test_tiles_mosaic_back_and_refined_raster_keeps_the_outline(tmp_path, small_grid):
    values = np.arange(small_grid.height * small_grid.width, dtype="float32").reshape(
        small_grid.shape
    )
    paths = []
    for tile in tile_grid(small_grid.shape, 16):
        path = tmp_path / f"{tile.name}.tif"
        io.write_raster(path, values[tile.slices], small_grid.window_grid(tile.window()),
                        nodata=-1, descriptions="v")  # fmt: skip
        paths.append(path)
    mosaic = np.full(small_grid.shape, np.nan, "float32")
    for window, block in io.read_tiles(paths, small_grid):
        mosaic[int(window.row_off) : int(window.row_off + window.height),
               int(window.col_off) : int(window.col_off + window.width)] = block[0]  # fmt: skip
    np.testing.assert_array_equal(mosaic, values)
    # a coarse grid (factor 3; 40 x 50 is not a multiple) written back onto the fine grid
    coarse = coarsen_mean(values.astype(float), 3)
    valid = values.copy()
    valid[:5, :5] = -1  # outside the study area on the fine grid
    io.write_raster(tmp_path / "valid.tif", valid, small_grid, nodata=-1, descriptions="v")
    out = io.write_refined(tmp_path / "fine.tif", coarse, 3, small_grid, nodata=-9999.0,
                           valid=tmp_path / "valid.tif", rows_per_strip=7, dtype="float32",
                           descriptions=["v"])  # fmt: skip
    back, grid = io.read_raster(out)
    assert grid == small_grid
    expected = refine(coarse, 3, small_grid.shape).astype("float32")
    expected[:5, :5] = np.nan
    # no-data: outside the fine outline, and where the coarse block was mostly padding
    np.testing.assert_array_equal(back.mask, np.isnan(expected))
    np.testing.assert_array_equal(back.filled(np.nan), expected)
    with pytest.raises(InputError, match="not aligned"):
        next(io.read_tiles([tmp_path / "fine.tif"], small_grid.coarsen(2)))


def test_coarsen_factor_rounds_to_whole_cells():
    assert coarsen_factor(30, 1000) == 33
    assert coarsen_factor(250, None) == 1
    assert coarsen_factor(1000, 250) == 1


@pytest.mark.slow
def test_covariates_tiled_equal_untiled():
    import geopandas as gpd
    from shapely.geometry import LineString, Point, box

    from amurlink.core.grid import Grid
    from amurlink.prepare.covariates import (
        compute_covariates,
        covariate_halo_cells,
        covariate_halo_m,
        tile_covariates,
    )

    res = 100.0
    grid = Grid.from_bounds("EPSG:32652", (0, 0, 6000, 5000), res)
    rng = np.random.default_rng(5)
    landcover = rng.choice([10, 30, 40], size=grid.shape).astype(np.uint8)
    landcover[:3, :3] = 0
    dem = rng.normal(500, 50, grid.shape)
    dem[10, 10] = np.nan
    crs = grid.crs
    roads = gpd.GeoDataFrame(
        {"status": ["existing", "existing", "proposed"], "group": ["major", "minor", "major"]},
        geometry=[LineString([(0, 2500), (6000, 2600)]), LineString([(800, 0), (900, 900)]),
                  LineString([(3000, 0), (3000, 5000)])],
        crs=crs,
    )  # fmt: skip
    towns = gpd.GeoDataFrame(geometry=[Point(5500, 4500)], crs=crs)
    logging = gpd.GeoDataFrame({"year": [2010, 2020]},
                               geometry=[box(1000, 3000, 2000, 4000), box(1500, 3500, 2500, 4200)],
                               crs=crs)  # fmt: skip
    kw = dict(road_groups=["major", "minor"], forest_radius_m=300, logging_radius_m=400,
              reference_year=2025, max_distance_m=800, dem_fill=float(np.nanmean(dem)))  # fmt: skip
    whole, names = compute_covariates(landcover, dem, roads, towns, logging, landcover != 0,
                                      grid, **kw)  # fmt: skip
    settings = {"road_classes": {"major": [], "minor": []}, "forest_classes": (10,),
                "forest_radius_m": 300, "logging_radius_m": 400, "reference_year": 2025,
                "max_distance_m": 800}  # fmt: skip
    halo = covariate_halo_cells(settings, grid)
    assert halo == int(np.ceil(covariate_halo_m(300, 400, 800) / res)) + 1
    tiled = np.full_like(whole, np.nan)
    for tile in tile_grid(grid.shape, 16):
        outer = tile.expand(halo, grid.shape)
        lc = landcover[outer.slices]
        part, part_names, units = tile_covariates(
            lc, dem[outer.slices], roads, towns, logging, grid.window_grid(outer.window()),
            tile.inner(outer), settings, dem_fill=kw["dem_fill"],
        )  # fmt: skip
        tiled[:, tile.slices[0], tile.slices[1]] = part
    assert part_names == names and units[names.index("slope")] == "degree"
    assert names[3] == "dist_road_major"
    assert np.nanmax(whole[3]) == 800  # the cap
    np.testing.assert_allclose(tiled, whole, rtol=1e-5, atol=1e-4)
