"""Window-by-window prediction equals whole-array prediction."""

import numpy as np
import pytest
from affine import Affine

from amurlink.core.errors import InputError
from amurlink.core.grid import Grid
from amurlink.core.tiles import Tile
from amurlink.habitat import predict
from amurlink.habitat.models import MaxentModel
from amurlink.habitat.predict import (
    binary_habitat,
    predict_block,
    predict_windows,
    valid_mask,
    values_at,
)

GRID = Grid("EPSG:32652", Affine(250, 0, 0, 0, -250, 0), 173, 131)  # odd sizes: ragged windows


def stack():
    rng = np.random.default_rng(0)
    arr = rng.uniform(0, 1, (3, *GRID.shape))
    arr[1, :5, :7] = np.nan  # no data in one band
    return arr


def reader(arr, calls=None):
    def read(window):
        if calls is not None:
            calls.append(window)
        r, c = int(window.row_off), int(window.col_off)
        return arr[:, r : r + int(window.height), c : c + int(window.width)].copy()

    return read


def fitted_model(arr):
    X = arr.reshape(3, -1).T
    X = X[np.isfinite(X).all(axis=1)][:3000]
    y = (np.random.default_rng(1).random(len(X)) < 0.05 + 0.3 * X[:, 0]).astype(int)
    return MaxentModel(features="lqh").fit(X, y)


def test_predict_windows_equals_whole_array():
    arr = stack()
    model = fitted_model(arr)
    whole = predict_block(model, arr)
    out = np.full(GRID.shape, -1.0)
    calls = []
    for window, block in predict_windows(model, reader(arr, calls), GRID.windows(64)):
        r, c = int(window.row_off), int(window.col_off)
        assert block.shape == (int(window.height), int(window.width))
        out[r : r + block.shape[0], c : c + block.shape[1]] = block
    assert len(calls) == 9  # 3 x 3 windows, each read once
    assert np.array_equal(np.isnan(out), np.isnan(whole))
    assert np.allclose(out, whole, equal_nan=True)
    assert np.isnan(whole[:5, :7]).all() and np.isfinite(whole[5:, 7:]).all()


def test_valid_mask_and_values_at():
    arr = stack()
    blocks = ((w, {"covariates": reader(arr)(w)}) for w in GRID.windows(50))
    m = valid_mask(blocks, GRID.shape)
    assert np.array_equal(m, np.isfinite(arr).all(axis=0))
    # several rasters: valid where all are
    other = np.ones((1, *GRID.shape))
    other[0, -1, -1] = np.nan
    blocks = ((w, {"a": reader(arr)(w), "b": reader(other)(w)}) for w in GRID.windows(50))
    both = valid_mask(blocks, GRID.shape)
    assert np.array_equal(both, m & np.isfinite(other[0]))
    rows, cols = np.array([0, 100, 130, 64]), np.array([0, 3, 172, 64])
    vals = values_at(reader(arr), GRID.windows(50), rows, cols, 3)
    assert np.allclose(vals, arr[:, rows, cols].T, equal_nan=True)


def test_binary_habitat():
    block = np.array([[0.1, 0.5], [np.nan, 0.9]])
    assert binary_habitat(block, 0.5).tolist() == [[0, 1], [255, 1]]


def test_predict_tile_equals_layers_of_the_whole_tile():
    arr = stack()
    model = fitted_model(arr)
    X = arr.reshape(3, -1).T
    model.reference_ = X[np.isfinite(X).all(axis=1)][:2000].astype(np.float32)
    tile = Tile(0, 60, 100, 71, "r0c1")  # ragged windows of 32 inside a tile
    out = predict.predict_tile(model, reader(arr), tile, 32)
    whole = predict.predict_layers(
        predict.as_ensemble(model, model.reference_), arr[:, :100, 60:131], model.reference_
    )
    assert out.shape == (4, 100, 71) and out.dtype == np.float32
    for i, name in enumerate(predict.LAYERS):
        np.testing.assert_array_equal(out[i], whole[name].astype(np.float32))


def test_mosaic_block_and_covariate_check():
    block = np.array([[[0.2, predict.NODATA]], [[0.1, predict.NODATA]]], np.float32)
    layers, habitat = predict.mosaic_block(np.concatenate([block, block]), 0.15)
    assert list(layers) == list(predict.LAYERS)
    assert layers["suitability"].tolist() == [[pytest.approx(0.2), predict.NODATA]]
    assert habitat.tolist() == [[1, 255]]
    model = MaxentModel()
    model.covariate_names_ = ["a", "b"]
    predict.check_covariates(model, ["a", "b"], "cov.tif")
    with pytest.raises(InputError, match="cov.tif: bands .* differ from the model's"):
        predict.check_covariates(model, ["b", "a"], "cov.tif")
