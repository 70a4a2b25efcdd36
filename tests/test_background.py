"""Background sampling: uniform and target-group (Phillips et al. 2009)."""

import numpy as np
import pandas as pd
import pytest
from affine import Affine

from amurlink.core.grid import Grid
from amurlink.habitat.background import (
    sample_background,
    scott_bandwidth,
    sighting_density,
    target_group_sites,
)

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


def test_broad_kernels_are_drawn_by_blocks_with_the_gaussian_mass():
    from amurlink.habitat.background import block_factor

    assert block_factor(4) == 1 and block_factor(7.9) == 1 and block_factor(20) == 5
    valid = mask()
    cx, cy = 300_000 + 90 * 250 + 125, 4_800_000 - 80 * 250 - 125  # centre of cell (80, 90)
    sigma = 5000.0  # 20 cells: drawn by blocks of 5 x 5 cells
    kw = dict(bias="target_group", target_x=[cx] * 50, target_y=[cy] * 50, bandwidth_m=sigma,
              floor_fraction=0.0)  # fmt: skip
    bg = sample_background(GRID, valid, 5000, seed=2, **kw)
    assert len(bg) == 5000 and not bg.duplicated(["row", "col"]).any()
    assert valid[bg["row"], bg["col"]].all()
    assert bg.equals(sample_background(GRID, valid, 5000, seed=2, **kw))
    # A 2-D Gaussian holds 1 - exp(-R^2 / 2 sigma^2) of its mass within R (39 % at 1 sigma,
    # 86 % at 2 sigma). Few points, so that drawing without replacement barely depletes
    # the 1257 cells within 1 sigma; the binomial sd is then about 0.015.
    shares = []
    for seed in range(3):
        few = sample_background(GRID, valid, 400, seed=seed, **kw)
        r = np.hypot(few["x"] - cx, few["y"] - cy)
        shares.append([(r < k * sigma).mean() for k in (1, 2)])
    np.testing.assert_allclose(
        np.mean(shares, axis=0), 1 - np.exp(-np.array([1, 4]) / 2), atol=0.05
    )


def test_block_draw_passes_the_surplus_of_full_blocks_on():
    valid = np.zeros(GRID.shape, bool)
    valid[100:110, 100:110] = True  # 100 cells in a few blocks
    valid[0, 199] = True
    bg = sample_background(GRID, valid, 60, seed=0, bias="target_group",
                           target_x=[300_000 + 105 * 250], target_y=[4_800_000 - 105 * 250],
                           bandwidth_m=5000.0)  # fmt: skip
    assert len(bg) == 60 and not bg.duplicated(["row", "col"]).any()
    assert valid[bg["row"], bg["col"]].all()


def test_species_background_from_sightings_and_its_empty_target_group():
    import pandas as pd

    from amurlink.core.errors import InputError
    from amurlink.habitat.background import species_background

    valid = mask()
    x, y = GRID.cell_centres(np.arange(30, 60), np.arange(40, 70))
    records = pd.DataFrame({"x": x, "y": y, "date": pd.NaT, "uncertainty_m": np.nan})
    records.attrs["crs"] = GRID.crs
    said = []
    kw = dict(bias="target_group", n_points=500, seed=1, source="s.csv", log=said.append)
    pts = species_background(GRID, valid, records=records, **kw)
    assert pts.equals(sample_background(GRID, valid, 500, 1, target_x=x, target_y=y))
    assert said == ["target group: {'sighting': 30}"]
    with pytest.raises(InputError, match="s.csv: no sightings of any species inside the study"):
        species_background(GRID, valid, records=records.assign(x=0.0), **kw)
    uniform = species_background(GRID, valid, bias="none", n_points=500, seed=1)
    assert uniform.equals(sample_background(GRID, valid, 500, 1, bias="none"))


def test_target_group_sites_are_the_records_distinct_sites():
    records = pd.DataFrame({"species": ["a", "b", "b", "c"], "x": [0.0, 0.0, 1.0, 0.0],
                            "y": [0.0, 0.0, 1.0, 2.0], "t": [5.0, 5.0, 6.0, 7.0]})  # fmt: skip
    sites = target_group_sites(records, ["t"])
    assert sites.to_dict("list") == {
        "x": [0.0, 1.0, 0.0],
        "y": [0.0, 1.0, 2.0],
        "t": [5.0, 6.0, 7.0],
    }
