"""Omniscape moving-window current flow: hand-computed, symmetric and tiled cases."""

import numpy as np
import pytest

from amurlink.connectivity.omniscape import normalise, omniscape, omniscape_tile, target_cells
from amurlink.core.tiles import tile_grid


def test_three_cells_by_hand():
    # One target in the middle of a 1x3 strip, radius 1: the two end cells share the
    # target's strength (1 A) half and half; the target carries it all to ground.
    resistance = np.ones((1, 3))
    source = np.ones((1, 3))
    result = omniscape(resistance, source, radius=1, targets=(np.array([0]), np.array([1])))
    np.testing.assert_allclose(result.cumulative, [[0.5, 1.0, 0.5]])
    np.testing.assert_allclose(result.flow_potential, [[0.5, 1.0, 0.5]])


def test_target_strength_scales_sources():
    # A weak target draws little current: 0.2 A spread over the window's sources.
    resistance = np.ones((1, 3))
    source = np.array([[1.0, 0.2, 3.0]])
    result = omniscape(resistance, source, radius=1, targets=(np.array([0]), np.array([1])))
    np.testing.assert_allclose(result.cumulative, [[0.05, 0.2, 0.15]])


def test_uniform_resistance_normalised_is_one():
    rng = np.random.default_rng(1)
    source = rng.uniform(0, 1, (21, 21))
    result = omniscape(np.full((21, 21), 3.0), source, radius=5, block_size=3)
    norm = result.normalised
    assert result.n_targets == 49
    np.testing.assert_allclose(norm[np.isfinite(norm)], 1.0, rtol=1e-9)


def test_barrier_lowers_current_below_flow_potential():
    resistance = np.ones((21, 21))
    resistance[:, 10] = 50.0  # a wall of high resistance
    result = omniscape(resistance, np.ones((21, 21)), radius=6, block_size=3)
    wall, open_land = np.nanmean(result.normalised[:, 10]), np.nanmean(result.normalised[:, 4])
    assert wall < 0.8 < open_land


def test_symmetric_landscape_gives_symmetric_current():
    rng = np.random.default_rng(2)
    half = rng.uniform(1, 10, (24, 12))
    resistance = np.hstack([half, half[:, ::-1]])
    resistance[3, 5] = resistance[3, 18] = np.nan
    source = 1.0 / resistance
    result = omniscape(resistance, source, radius=5, block_size=3)
    np.testing.assert_allclose(result.cumulative, result.cumulative[:, ::-1], rtol=1e-6)


@pytest.mark.slow
def test_block_size_three_approximates_one():
    rng = np.random.default_rng(3)
    resistance = np.exp(rng.normal(0, 1, (24, 24)))
    source = rng.uniform(0.2, 1, (24, 24))
    fine = omniscape(resistance, source, radius=6, block_size=1).cumulative
    coarse = omniscape(resistance, source, radius=6, block_size=3).cumulative
    # Away from the margins and the grounded block centres (where a block's whole
    # strength drains, Omniscape's known block artefact) the maps agree.
    inner = np.zeros(fine.shape, bool)
    inner[6:-6, 6:-6] = True
    inner[target_cells(fine.shape, 3)] = False
    assert np.corrcoef(fine[inner], coarse[inner])[0, 1] > 0.9
    assert coarse[inner].sum() == pytest.approx(fine[inner].sum(), rel=0.15)


def test_tiles_sum_to_untiled():
    rng = np.random.default_rng(4)
    shape = (23, 19)
    resistance = np.exp(rng.normal(0, 1, shape))
    resistance[rng.uniform(size=shape) < 0.05] = np.nan
    source = rng.uniform(0, 1, shape)
    radius, block = 4, 3
    whole = omniscape(resistance, source, radius, block)
    cumulative, potential = np.zeros(shape), np.zeros(shape)
    for tile in tile_grid(shape, 10):  # 3 x 2 tiles, not a multiple of the block
        outer = tile.expand(radius, shape)
        part = omniscape_tile(
            resistance[outer.slices], source[outer.slices], outer, tile, shape, radius, block
        )
        cumulative[outer.slices] += part.cumulative
        potential[outer.slices] += part.flow_potential
    np.testing.assert_allclose(cumulative, whole.cumulative, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(potential, whole.flow_potential, rtol=1e-10, atol=1e-12)


def test_target_cells_are_block_centres():
    rows, cols = target_cells((7, 4), 3)
    assert sorted(set(rows)) == [1, 4] and sorted(set(cols)) == [1]
    with pytest.raises(ValueError, match="odd"):
        target_cells((7, 4), 2)


def test_normalise_leaves_no_flow_as_nan():
    out = normalise(np.array([1.0, 0.0]), np.array([2.0, 0.0]))
    assert out[0] == 0.5 and np.isnan(out[1])


def test_radius_cells_rounds_up():
    from amurlink.connectivity.omniscape import radius_cells

    assert radius_cells(2.0, 1000.0) == 2
    assert radius_cells(2.1, 1000.0) == 3
    assert radius_cells(0.1, 1000.0) == 1


def test_coarse_inputs_block_means():
    from amurlink.connectivity.omniscape import coarse_inputs

    resistance = np.array([[1.0, 3.0, np.nan, np.nan], [1.0, 3.0, np.nan, 5.0]])
    suitability = np.array([[0.5, 0.7, 1.0, 1.0], [np.nan, 0.3, 1.0, 1.0]])
    r, s = coarse_inputs(resistance, suitability, 2)
    assert r[0, 0] == 2.0 and np.isnan(r[0, 1])  # 3 of 4 cells without resistance
    assert s[0, 0] == pytest.approx(0.5) and np.isnan(s[0, 1])  # no source off the grid
    _, s = coarse_inputs(resistance, np.full(resistance.shape, np.nan), 2)
    assert s[0, 0] == 0.0  # passable, but no suitability: no source


def test_mosaic_tiles_sums_parts_in_place():
    from rasterio.windows import Window

    from amurlink.connectivity.omniscape import mosaic_tiles

    outside = np.zeros((2, 3), bool)
    outside[1, 2] = True
    parts = [
        (Window(0, 0, 2, 2), np.stack([np.ones((2, 2)), 2 * np.ones((2, 2))])),
        (Window(1, 0, 2, 2), np.stack([np.ones((2, 2)), 2 * np.ones((2, 2))])),
    ]
    result = mosaic_tiles(parts, outside)
    np.testing.assert_array_equal(result.cumulative, [[1, 2, 1], [1, 2, np.nan]])
    np.testing.assert_array_equal(result.normalised, [[0.5, 0.5, 0.5], [0.5, 0.5, np.nan]])
    assert result.n_targets is None
