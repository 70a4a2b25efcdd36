"""Prediction over a covariate stack window by window, with bounded memory.

The functions take a ``read_window(window) -> array (bands, rows, cols)``
callable instead of a file, so the science stays free of I/O: scripts pass a
reader over the covariate GeoTIFF (no-data as NaN) and stream the blocks into
:class:`amurlink.core.io.RasterWriter`.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor

import numpy as np
from rasterio.windows import Window
from threadpoolctl import threadpool_limits

from amurlink.core.errors import InputError
from amurlink.core.tiles import Tile
from amurlink.habitat.extrapolation import MessReference, mess
from amurlink.habitat.models import EnsembleModel, suitability

ReadWindow = Callable[[Window], np.ndarray]


def predict_block(model, block: np.ndarray) -> np.ndarray:
    """Suitability of a (bands, rows, cols) block; NaN where any band is not finite.

    ``block`` may be float32 (as read): the models widen what they use.  A block
    without no-data is predicted as the transposed view of itself, its columns
    the bands' contiguous rows, with no gathered copy.
    """
    block = np.asarray(block)
    if block.dtype.kind != "f":
        block = block.astype(np.float64)
    bands, rows, cols = block.shape
    X = block.reshape(bands, -1).T
    ok = np.isfinite(block).all(axis=0).ravel()
    if ok.all():
        return np.asarray(suitability(model, X), np.float64).reshape(rows, cols)
    out = np.full(rows * cols, np.nan, dtype=np.float64)
    if ok.any():
        out[ok] = suitability(model, X[ok])
    return out.reshape(rows, cols)


def predict_windows(
    model, read_window: ReadWindow, windows: Iterable[Window], n_jobs: int = 1
) -> Iterator[tuple[Window, np.ndarray]]:
    """Yield ``(window, suitability block)`` for each window, in order.

    ``n_jobs`` threads predict at once (as :func:`predict_layer_windows`); memory
    is bounded by ``2 · n_jobs`` windows.
    """
    yield from map_windows(lambda block: predict_block(model, block), read_window, windows, n_jobs)


def map_windows(
    fn: Callable[[np.ndarray], object],
    read_window: ReadWindow,
    windows: Iterable[Window],
    n_jobs: int = 1,
    in_flight: int | None = None,
) -> Iterator[tuple[Window, object]]:
    """Yield ``(window, fn(read_window(window)))`` in the order of ``windows``.

    Windows are read here, one after another (a raster handle is not shared
    between threads), and ``fn`` runs on a pool of ``n_jobs`` threads: the
    models' work runs in compiled code that releases the GIL (numpy, the trees'
    leaf search, histogram boosting), so threads use the cores without copying
    the model into processes.  At most ``in_flight`` (default ``2 · n_jobs``)
    windows are read and not yet yielded, which bounds memory.  BLAS runs one
    thread inside the pool (OpenMP is limited by the boosting model itself).
    The output does not depend on ``n_jobs``.
    """
    if n_jobs <= 1:
        for window in windows:
            yield window, fn(read_window(window))
        return
    in_flight = max(1, in_flight or 2 * n_jobs)
    pending: deque = deque()
    with threadpool_limits(1), ThreadPoolExecutor(n_jobs) as pool:
        for window in windows:
            pending.append((window, pool.submit(fn, read_window(window))))
            if len(pending) >= in_flight:
                done, future = pending.popleft()
                yield done, future.result()
        while pending:
            done, future = pending.popleft()
            yield done, future.result()


def valid_mask(
    blocks: Iterable[tuple[Window, Mapping[str, np.ndarray]]], shape: tuple[int, int]
) -> np.ndarray:
    """Boolean mask of grid ``shape``: cells where every covariate has data.

    ``blocks`` are ``(window, arrays by name)`` as :func:`amurlink.core.io.read_windows`
    yields them (bands-first, NaN for no data); a cell is valid where every band
    of every array is finite.
    """
    mask = np.zeros(shape, bool)
    for window, arrays in blocks:
        block = np.logical_and.reduce(
            [np.isfinite(np.asarray(a, float)).all(axis=0) for a in arrays.values()]
        )
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


#: The bands of a prediction tile, in order.
LAYERS = ("suitability", "uncertainty", "clamping", "mess")
#: No-data value of the prediction tiles and layers.
NODATA = -9999.0


def check_covariates(model, names: Sequence[str], path) -> None:
    """Raise :class:`InputError` unless the covariate bands ``names`` are those the model was fitted on."""
    fitted_names = getattr(model, "covariate_names_", names)
    if list(fitted_names) != list(names):
        raise InputError(
            f"{path}: bands {names} differ from the model's {fitted_names}; refit the model"
        )


def predict_tile(
    model, read_window: ReadWindow, tile: Tile, window_size: int, n_jobs: int = 1
) -> np.ndarray:
    """The :data:`LAYERS` of ``tile``, window by window: float32 (layers, rows, cols), NaN for no data.

    ``model`` is a fitted model with ``reference_`` (its training environments,
    for clamping and MESS); a single model is wrapped by :func:`as_ensemble`.
    ``n_jobs`` threads predict windows at once (:func:`predict_layer_windows`).
    Memory: the tile's output and ``2 · n_jobs`` windows of covariates.
    """
    reference = model.reference_
    ensemble = as_ensemble(model, reference)
    out = np.full((len(LAYERS), tile.height, tile.width), np.nan, np.float32)
    windows = tile.windows(window_size)
    for window, layers in predict_layer_windows(ensemble, read_window, windows, reference, n_jobs):
        r, c = int(window.row_off) - tile.row0, int(window.col_off) - tile.col0
        for i, name in enumerate(LAYERS):
            out[i, r : r + int(window.height), c : c + int(window.width)] = layers[name]
    return out


def predict_layer_windows(
    ensemble: EnsembleModel,
    read_window: ReadWindow,
    windows: Iterable[Window],
    reference,
    n_jobs: int = 1,
    in_flight: int | None = None,
) -> Iterator[tuple[Window, dict[str, np.ndarray]]]:
    """Yield ``(window, predict_layers of its block)`` in the order of ``windows``.

    ``n_jobs`` threads, at most ``in_flight`` windows in memory: :func:`map_windows`.
    """
    reference = (
        reference
        if isinstance(reference, MessReference)
        else MessReference(reference, np.flatnonzero(~ensemble.continuous_))
    )
    yield from map_windows(
        lambda block: predict_layers(ensemble, block, reference),
        read_window,
        windows,
        n_jobs,
        in_flight,
    )


def mosaic_block(
    tile_block: np.ndarray, threshold: float
) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """A prediction tile's bands for the layer rasters, and its binary habitat.

    ``tile_block`` is a tile as written (bands :data:`LAYERS`, :data:`NODATA` for
    no data); returns each layer with no data as :data:`NODATA` and the uint8
    habitat (:func:`binary_habitat` of the suitability at ``threshold``).
    """
    block = np.where(tile_block == NODATA, np.nan, tile_block)
    layers = {
        name: np.nan_to_num(band, nan=NODATA) for name, band in zip(LAYERS, block, strict=True)
    }
    return layers, binary_habitat(block[0], threshold)


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

    ``block`` is (bands, rows, cols), any float dtype (rasters' float32 is read as
    is and widened chunk by chunk); ``reference`` the training environments
    (rows × bands, or a :class:`MessReference` of them) for MESS (Elith et al.
    2010).  All four layers come from one read of the block.  NaN where any band
    is not finite.
    """
    block = np.asarray(block)
    bands, rows, cols = block.shape
    X = block.reshape(bands, -1).T
    ok = np.isfinite(block).all(axis=0).ravel()
    out = {k: np.full(rows * cols, np.nan) for k in LAYERS}
    if not isinstance(reference, MessReference):
        reference = MessReference(reference, np.flatnonzero(~ensemble.continuous_))
    cells = np.flatnonzero(ok)
    every = len(cells) == rows * cols  # no no-data: chunks are slices, not gathers
    # in chunks: memory is a few arrays of chunk_rows rows whatever the window
    for start in range(0, len(cells), chunk_rows):
        idx = slice(start, start + chunk_rows) if every else cells[start : start + chunk_rows]
        Xc = X[idx].astype(np.float64)
        res = ensemble.predict_all(Xc)
        out["suitability"][idx] = res["suitability"]
        out["uncertainty"][idx] = res["spread"]
        out["clamping"][idx] = res["clamping"]
        out["mess"][idx] = mess(Xc, reference)[0]
    return {k: v.reshape(rows, cols) for k, v in out.items()}
