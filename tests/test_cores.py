"""Cores: patch labelling, minimum area, stable ids, attributes and polygons."""

import numpy as np
import pytest
from affine import Affine

from amurlink.connectivity.cores import core_attributes, core_polygons, label_cores

# 1 km cells: one cell = 1 km2.
CELL = 1e6


def toy_mask():
    """Four patches: A 6 cells (top-left), B 4 cells joined diagonally, C 6 cells, D 1 cell."""
    m = np.zeros((6, 8), bool)
    m[0, 0:3] = m[1, 0:3] = True  # A: 6 cells, first cell (0, 0)
    m[0, 6] = m[1, 7] = m[2, 6] = m[2, 7] = True  # B: 4 cells, (0,6)-(1,7) diagonal
    m[4, 2:5] = m[5, 2:5] = True  # C: 6 cells, first cell (4, 2)
    m[5, 7] = True  # D: 1 cell
    return m


def test_labels_areas_filter_and_stable_ids():
    cores = label_cores(toy_mask(), CELL, min_core_km2=2)
    # A and C tie at 6 km2: A's first cell (0, 0) comes before C's (4, 2) -> A = 1, C = 2.
    assert cores[0, 0] == 1 and cores[4, 2] == 2
    # B (4 km2; the diagonal joins it under 8-connectivity) = 3.
    assert cores[0, 6] == cores[1, 7] == cores[2, 6] == 3
    # D (1 km2) is below the minimum.
    assert cores[5, 7] == 0
    assert np.bincount(cores.ravel()).tolist() == [48 - 16, 6, 6, 4]
    assert cores.dtype == np.int32


def test_ids_independent_of_patch_position_order():
    # Flipping the map left-right changes the scan order but not the areas:
    # the largest patch is still 1, and ties are ordered by the new top-left cell.
    m = np.zeros((5, 5), bool)
    m[0, 0] = True  # 1 cell
    m[2:5, 2:5] = True  # 9 cells
    for mask in (m, m[:, ::-1], m[::-1]):
        cores = label_cores(mask, CELL, min_core_km2=1)
        assert (cores == 1).sum() == 9 and (cores == 2).sum() == 1


def test_four_connectivity_splits_diagonal():
    cores = label_cores(toy_mask(), CELL, min_core_km2=2, connectivity=4)
    # B splits into (0,6) alone (1 cell, dropped) and the 3-cell block.
    assert cores[0, 6] == 0 and cores[2, 6] > 0


def test_min_area_drops_everything():
    assert label_cores(toy_mask(), CELL, min_core_km2=100).max() == 0
    assert label_cores(np.zeros((3, 3), bool), CELL, 1).max() == 0


def test_attributes_country_shares_and_majority():
    cores = label_cores(toy_mask(), CELL, min_core_km2=2)
    suit = np.full(cores.shape, 0.5)
    suit[0, 0] = 0.8  # A: (0.8 + 5 * 0.5) / 6 = 0.55
    suit[4, 2] = np.nan  # C: NaN left out, mean 0.5
    country = np.zeros(cores.shape, np.uint8)
    country[:, :4] = 1  # RUS: columns 0-3
    country[:, 4:] = 2  # CHN: columns 4-7
    table = core_attributes(cores, CELL, suit, country, {1: "RUS", 2: "CHN"})
    assert table["core_id"].tolist() == [1, 2, 3]
    assert table["area_km2"].tolist() == [6, 6, 4]
    assert table["mean_suitability"].tolist() == pytest.approx([0.55, 0.5, 0.5])
    # C covers columns 2, 3 (RUS) and 4 (CHN): 4 of 6 cells in RUS.
    assert table["share_RUS"].tolist() == pytest.approx([1, 4 / 6, 0])
    assert table["share_CHN"].tolist() == pytest.approx([0, 2 / 6, 1])
    assert table["country"].tolist() == ["RUS", "RUS", "CHN"]


def test_polygons_areas_match():
    cores = label_cores(toy_mask(), CELL, min_core_km2=2)
    table = core_attributes(cores, CELL)
    transform = Affine(1000, 0, 500_000, 0, -1000, 4_800_000)
    gdf = core_polygons(cores, transform, "EPSG:32652", table)
    assert gdf["core_id"].tolist() == [1, 2, 3]
    np.testing.assert_allclose(gdf.area / 1e6, gdf["area_km2"])
    assert gdf.is_valid.all()
    # Core 1 spans columns 0-2, rows 0-1.
    assert gdf.geometry[0].bounds == (500_000, 4_798_000, 503_000, 4_800_000)


def test_core_ids_from_a_raster_as_read():
    from amurlink.connectivity.cores import core_ids

    values = np.ma.masked_array([[1.0, 2.0, np.nan, -1.0]], mask=[[False, True, False, False]])
    ids = core_ids(values)
    assert ids.dtype == np.int32 and ids.tolist() == [[1, 0, 0, 0]]


def test_core_table_labels_and_tabulates():
    from amurlink.connectivity.cores import core_table

    habitat = np.zeros((4, 6), bool)
    habitat[:, :2] = True  # 8 cells
    habitat[0, 5] = True  # 1 cell: too small
    cores, table = core_table(habitat, 1e6, 2.0, suitability=np.full((4, 6), 0.5))
    assert cores.max() == 1 and (cores == 1).sum() == 8
    assert table["area_km2"].tolist() == [8.0] and table["mean_suitability"].tolist() == [0.5]
