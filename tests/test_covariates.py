import numpy as np
import pytest

from amurlink.prepare import covariates as cov


def test_disk_kernel_radius_one_is_a_plus():
    k = cov.disk_kernel(1)
    assert k.tolist() == [[False, True, False], [True, True, True], [False, True, False]]


def test_class_fraction_hand_computed():
    lc = np.full((5, 5), 40, np.uint8)
    lc[2, 2] = 10
    frac = cov.class_fraction(lc, [10], 1)
    # The plus-shaped window around (2,1) holds 5 cells, one of them forest.
    assert frac[2, 1] == pytest.approx(1 / 5)
    assert frac[2, 2] == pytest.approx(1 / 5)
    assert frac[0, 0] == pytest.approx(0)
    # At a corner only three cells of the plus are inside the grid.
    lc[0, 0] = 10
    assert cov.class_fraction(lc, [10], 1)[0, 0] == pytest.approx(1 / 3)


def test_focal_mean_ignores_invalid_cells():
    values = np.array([[1.0, 100.0, 3.0]])
    valid = np.array([[True, False, True]])
    out = cov.focal_mean(values, valid, 1)
    assert out[0, 1] == pytest.approx(2.0)


def test_slope_of_a_plane_is_exact():
    res = 30.0
    y, x = np.mgrid[0:10, 0:10]
    dem = x * res * 0.5  # rises 0.5 m per metre eastward: slope atan(0.5)
    slope = cov.slope_degrees(dem, res)
    assert slope[1:-1, 1:-1] == pytest.approx(np.degrees(np.arctan(0.5)))
    assert cov.slope_degrees(np.zeros((4, 4)), res).max() == 0


def test_distance_to_is_euclidean_in_map_units():
    mask = np.zeros((5, 7), bool)
    mask[0, 0] = True
    d = cov.distance_to(mask, 100.0)
    assert d[0, 0] == 0
    assert d[3, 4] == pytest.approx(500.0)  # 3-4-5 triangle
    empty = cov.distance_to(np.zeros((3, 4), bool), 10.0)
    assert empty == pytest.approx(np.full((3, 4), 50.0))  # the grid diagonal


def test_logging_recency():
    years = np.array([[0, 2020, 2025, 1950]])
    out = cov.logging_recency(years, 2025, never=50)
    assert out.tolist() == [[50, 5, 0, 50]]
