"""Prediction over a covariate stack window by window, with bounded memory.

The functions take a ``read_window(window) -> array (bands, rows, cols)``
callable instead of a file, so the science stays free of I/O: scripts pass a
reader over the covariate GeoTIFF (no-data as NaN) and stream the blocks into
:class:`amurlink.core.io.RasterWriter`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

import numpy as np
from rasterio.windows import Window

from amurlink.habitat.interpret import mess
from amurlink.habitat.models import EnsembleModel, suitability

ReadWindow = Callable[[Window], np.ndarray]


def predict_block(model, block: np.ndarray) -> np.ndarray:
    """Suitability of a (bands, rows, cols) block; NaN where any band is not finite."""
    block = np.asarray(block, dtype=np.float64)
    bands, rows, cols = block.shape
    X = block.reshape(bands, -1).T
    ok = np.isfinite(X).all(axis=1)
    out = np.full(rows * cols, np.nan, dtype=np.float64)
    if ok.any():
        out[ok] = suitability(model, X[ok])
    return out.reshape(rows, cols)


def predict_windows(
    model, read_window: ReadWindow, windows: Iterable[Window]
) -> Iterator[tuple[Window, np.ndarray]]:
    """Yield ``(window, suitability block)`` for each window; memory bounded by one window."""
    for window in windows:
        yield window, predict_block(model, read_window(window))


def valid_windows(
    read_window: ReadWindow, windows: Iterable[Window]
) -> Iterator[tuple[Window, np.ndarray]]:
    """Yield ``(window, mask)``: True where every band of the block is finite."""
    for window in windows:
        yield window, np.isfinite(np.asarray(read_window(window), float)).all(axis=0)


def valid_mask(
    read_window: ReadWindow, windows: Iterable[Window], shape: tuple[int, int]
) -> np.ndarray:
    """Boolean mask of grid ``shape``: cells where every covariate has data."""
    mask = np.zeros(shape, bool)
    for window, block in valid_windows(read_window, windows):
        r, c = int(window.row_off), int(window.col_off)
        mask[r : r + block.shape[0], c : c + block.shape[1]] = block
    return mask


def values_at(
    read_window: ReadWindow, windows: Iterable[Window], rows, cols, n_bands: int
) -> np.ndarray:
    """Covariate values (n_points, n_bands) at cells ``rows, cols``, read window by window.

    Cells off the grid or in no window get NaN.
    """
    rows = np.asarray(rows, np.int64)
    cols = np.asarray(cols, np.int64)
    out = np.full((len(rows), n_bands), np.nan)
    for window in windows:
        r0, c0 = int(window.row_off), int(window.col_off)
        h, w = int(window.height), int(window.width)
        sel = np.flatnonzero((rows >= r0) & (rows < r0 + h) & (cols >= c0) & (cols < c0 + w))
        if len(sel) == 0:
            continue
        block = np.asarray(read_window(window), float)
        out[sel] = block[:, rows[sel] - r0, cols[sel] - c0].T
    return out


def binary_habitat(block: np.ndarray, threshold: float, nodata: int = 255) -> np.ndarray:
    """uint8 habitat: 1 where suitability ≥ threshold, 0 below, ``nodata`` where NaN."""
    block = np.asarray(block, float)
    out = np.where(block >= threshold, 1, 0).astype(np.uint8)
    out[~np.isfinite(block)] = nodata
    return out


LAYERS = ("suitability", "uncertainty", "clamping", "mess")


def as_ensemble(model, X_reference, categorical=()) -> EnsembleModel:
    """``model`` itself if an ensemble, else a one-member ensemble clamped to ``X_reference``.

    Gives every model the same layers: a single model has zero spread, and its
    clamping effect is measured the same way as the ensemble's.
    """
    if isinstance(model, EnsembleModel):
        return model
    return EnsembleModel(
        members=[(type(model).__name__, model)], categorical=categorical, prefit=True
    ).fit(X_reference, np.zeros(len(X_reference), int))


def predict_layers(
    ensemble: EnsembleModel, block: np.ndarray, reference, chunk_rows: int = 32768
) -> dict[str, np.ndarray]:
    """Suitability, uncertainty (members' weighted sd), clamping and MESS of a block.

    ``block`` is (bands, rows, cols); ``reference`` the training environments
    (rows × bands) for MESS (Elith et al. 2010).  NaN where any band is not finite.
    """
    block = np.asarray(block, dtype=np.float64)
    bands, rows, cols = block.shape
    X = block.reshape(bands, -1).T
    ok = np.isfinite(X).all(axis=1)
    out = {k: np.full(rows * cols, np.nan) for k in LAYERS}
    exclude = np.flatnonzero(~ensemble.continuous_)
    cells = np.flatnonzero(ok)
    # in chunks: a model's feature expansion (MaxEnt hinges) multiplies a chunk's memory
    for start in range(0, len(cells), chunk_rows):
        idx = cells[start : start + chunk_rows]
        res = ensemble.predict_all(X[idx])
        out["suitability"][idx] = res["suitability"]
        out["uncertainty"][idx] = res["spread"]
        out["clamping"][idx] = res["clamping"]
        out["mess"][idx] = mess(X[idx], reference, exclude=exclude)[0]
    return {k: v.reshape(rows, cols) for k, v in out.items()}
