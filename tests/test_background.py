"""Background sampling: uniform and target-group (Phillips et al. 2009)."""

import numpy as np
import pytest
from affine import Affine

from amurlink.background import sample_background, scott_bandwidth, sighting_density
from amurlink.grid import Grid

GRID = Grid("EPSG:32652", Affine(250, 0, 300_000, 0, -250, 4_800_000), 200, 200)


def mask():
    valid = np.ones(GRID.shape, bool)
    valid[:, :20] = False  # a no-data strip (e.g. sea)
    valid[150:, 150:] = False
    return valid


def test_uniform_background_deterministic_and_inside_valid():
    valid = mask()
    a = sample_background(GRID, valid, 10_000, seed=3, bias="none")
    b = sample_background(GRID, valid, 10_000, seed=3, bias="none")
    c = sample_background(GRID, valid, 10_000, seed=4, bias="none")
    assert a.equals(b) and not a.equals(c)
    assert len(a) == 10_000
    assert valid[a["row"], a["col"]].all()
    assert not a.duplicated(["row", "col"]).any()
    x, y = GRID.cell_centres(a["row"], a["col"])
    assert np.allclose(a["x"], x) and np.allclose(a["y"], y)
    assert (a["weight"] == 1).all()
    # uniform: the share in the left half of the valid area matches its share of cells
    left = valid[:, :110].sum() / valid.sum()
    assert (a["col"] < 110).mean() == pytest.approx(left, abs=0.02)


def test_target_group_denser_where_sightings_dense():
    valid = mask()
    rng = np.random.default_rng(0)
    # a survey hot spot in the north-west quadrant, a few records elsewhere
    hot_x = rng.normal(300_000 + 60 * 250, 2000, 300)
    hot_y = rng.normal(4_800_000 - 50 * 250, 2000, 300)
    far_x = rng.uniform(300_000 + 20 * 250, 300_000 + 200 * 250, 30)
    far_y = rng.uniform(4_800_000 - 200 * 250, 4_800_000, 30)
    tx, ty = np.r_[hot_x, far_x], np.r_[hot_y, far_y]
    bg = sample_background(GRID, valid, 5000, seed=1, bias="target_group", target_x=tx, target_y=ty)
    uni = sample_background(GRID, valid, 5000, seed=1, bias="none")
    near = lambda d: np.hypot(d["col"] - 60, d["row"] - 50) < 20  # noqa: E731
    assert near(bg).mean() > 3 * near(uni).mean()
    assert valid[bg["row"], bg["col"]].all()
    assert bg.equals(
        sample_background(GRID, valid, 5000, seed=1, bias="target_group", target_x=tx, target_y=ty)
    )
    # the floor keeps every accessible cell possible: some points far from any sighting
    assert (~near(bg)).sum() > 0


def test_density_normalised_and_zero_outside_valid():
    valid = mask()
    d = sighting_density(GRID, [310_000.0], [4_780_000.0], valid, bandwidth_m=1000)
    assert d.sum() == pytest.approx(1.0)
    assert (d[~valid] == 0).all()
    row, col = GRID.rowcol(310_000.0, 4_780_000.0)
    assert np.unravel_index(np.argmax(d), d.shape) == (int(row), int(col))


def test_all_cells_when_asking_for_more_than_exist():
    small = np.zeros(GRID.shape, bool)
    small[10:20, 30:40] = True
    bg = sample_background(GRID, small, 10_000, seed=1, bias="none")
    assert len(bg) == 100 and np.allclose(bg["weight"], 1)


def test_scott_bandwidth():
    rng = np.random.default_rng(1)
    x, y = rng.normal(0, 1000, 64), rng.normal(0, 1000, 64)
    assert scott_bandwidth(x, y) == pytest.approx(1000 * 64 ** (-1 / 6), rel=0.2)


def test_bad_bias_rejected():
    with pytest.raises(ValueError, match="bias"):
        sample_background(GRID, mask(), 100, seed=1, bias="kde")
    with pytest.raises(ValueError, match="target-group"):
        sample_background(GRID, mask(), 100, seed=1, bias="target_group")
