"""Where a model extrapolates: the multivariate environmental similarity surface (MESS).

:func:`mess` (Elith, Kearney & Phillips 2010, Methods Ecol Evol 1:330), as MaxEnt
and dismo::mess compute it, measures how far each cell's covariates lie from the
training environments; the prediction maps carry it beside the clamping map
(:meth:`amurlink.habitat.models.EnsembleModel.predict_all`), which measures how
much clamping covariates to the training range changed the prediction.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


class MessReference:
    """The training environments prepared for :func:`mess`: each column sorted once.

    A tile's windows share one reference; sorting it per window would repeat the
    same work (``reference`` (m, k), ``exclude`` the columns MESS skips).
    """

    def __init__(self, reference, exclude: Sequence[int] = ()):
        ref = np.asarray(reference, float)
        ref = ref[np.isfinite(ref).all(axis=1)]
        self.n_columns = ref.shape[1]
        self.columns = [j for j in range(ref.shape[1]) if j not in set(exclude)]
        self.sorted = [np.sort(ref[:, j]) for j in self.columns]


def mess(X, reference, exclude: Sequence[int] = ()) -> tuple[np.ndarray, np.ndarray]:
    """MESS of points ``X`` relative to ``reference`` points (Elith et al. 2010).

    For each covariate, with ``f`` the percentage of reference points at or below
    the value ``p`` (dismo::mess; Elith et al. write "smaller than", the same
    without ties) and ``min``/``max`` the reference range, the similarity is
    ``100·(p − min)/(max − min)`` if f = 0, ``2f`` if 0 < f ≤ 50,
    ``2(100 − f)`` if 50 ≤ f < 100, and ``100·(max − p)/(max − min)`` if f = 100.
    MESS is the minimum over covariates: negative where at least one covariate is
    outside the reference range (novel conditions), 100 at the median of all.

    Parameters
    ----------
    X : (n, k) array
    reference : (m, k) array or :class:`MessReference`
        The training environments (background and presences).
    exclude : columns to skip (categorical covariates); ignored for a
        :class:`MessReference`, which carries its own.

    Returns
    -------
    mess : (n,) array, NaN where a row of X is not finite
    most_dissimilar : (n,) int array, column giving the minimum (MoD), −1 where NaN
    """
    X = np.asarray(X, float)
    if not isinstance(reference, MessReference):
        reference = MessReference(reference, exclude)
    cols = reference.columns
    sims = np.full((X.shape[0], len(cols)), np.nan)
    for i, (j, r) in enumerate(zip(cols, reference.sorted, strict=True)):
        lo, hi = r[0], r[-1]
        span = hi - lo if hi > lo else 1.0
        p = X[:, j]
        # reference values ≤ p, as dismo::mess (findInterval): with "<" a covariate
        # with many ties at its minimum (distance 0 on roads, no logging) would
        # give similarity 0 at every such cell
        f = 100.0 * np.searchsorted(r, p, side="right") / len(r)
        s = np.where(f <= 50, 2 * f, 2 * (100 - f))
        s = np.where(f == 0, 100 * (p - lo) / span, s)
        s = np.where(f == 100, 100 * (hi - p) / span, s)
        sims[:, i] = s
    ok = np.isfinite(X).all(axis=1)
    out = np.full(X.shape[0], np.nan)
    mod = np.full(X.shape[0], -1, np.int64)
    if ok.any() and cols:
        out[ok] = sims[ok].min(axis=1)
        mod[ok] = np.asarray(cols)[sims[ok].argmin(axis=1)]
    return out, mod
