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

    :meth:`count_at_or_below` answers MESS's one question, how many reference
    values are ≤ p, mostly by table lookup instead of a binary search: a
    bucket index ``g(p) = floor((p − min)·B/(max − min))`` is monotone in p, so
    every reference value in a lower bucket is < p and every one in a higher
    bucket > p.  Where p's bucket holds no reference value the count is the
    number in lower buckets (a table); only queries falling in an occupied
    bucket are searched.  The counts are exactly ``searchsorted(r, p, "right")``.
    """

    #: Buckets per reference value (the table has ``BUCKETS_PER_VALUE · m`` entries).
    BUCKETS_PER_VALUE = 16

    def __init__(self, reference, exclude: Sequence[int] = ()):
        ref = np.asarray(reference, float)
        ref = ref[np.isfinite(ref).all(axis=1)]
        self.n_columns = ref.shape[1]
        self.columns = [j for j in range(ref.shape[1]) if j not in set(exclude)]
        self.sorted = [np.sort(ref[:, j]) for j in self.columns]
        self._tables = [self._table(r) for r in self.sorted]

    def _table(self, r: np.ndarray):
        n_buckets = max(1, self.BUCKETS_PER_VALUE * len(r))
        lo, hi = (r[0], r[-1]) if len(r) else (0.0, 0.0)
        scale = n_buckets / (hi - lo) if hi > lo else 0.0
        buckets = self._bucket(r, lo, scale, n_buckets)
        # below[b]: reference values in buckets < b; occupied[b]: bucket b holds some
        below = np.searchsorted(buckets, np.arange(n_buckets + 2), side="left")
        occupied = below[1:] > below[:-1]
        return lo, scale, n_buckets, below[:-1], occupied

    @staticmethod
    def _bucket(p: np.ndarray, lo: float, scale: float, n_buckets: int) -> np.ndarray:
        """Bucket index in [0, n_buckets]; monotone non-decreasing in p (IEEE rounding is).

        ``floor`` of the clipped (non-negative) position is its truncation, so the
        cast does it; NaN (never in a prediction's valid cells) goes to bucket 0.
        """
        g = np.subtract(p, lo, dtype=np.float64)
        g *= scale
        np.clip(g, 0.0, float(n_buckets), out=g)
        if np.isnan(g).any():
            np.nan_to_num(g, copy=False, nan=0.0)
        return g.astype(np.int64)

    def count_at_or_below(self, i: int, p: np.ndarray) -> np.ndarray:
        """Reference values of column ``columns[i]`` that are ≤ each of ``p``."""
        r = self.sorted[i]
        lo, scale, n_buckets, below, occupied = self._tables[i]
        b = self._bucket(p, lo, scale, n_buckets)
        count = below[b]
        search = np.flatnonzero(occupied[b])
        if len(search):
            count[search] = np.searchsorted(r, p[search], side="right")
        nan = np.flatnonzero(np.isnan(p))  # searchsorted puts NaN last
        if len(nan):
            count[nan] = len(r)
        return count


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
    ok = np.isfinite(X).all(axis=1)
    out = np.full(X.shape[0], np.inf)
    mod = np.full(X.shape[0], -1, np.int64)
    for i, (j, r) in enumerate(zip(cols, reference.sorted, strict=True)):
        lo, hi = r[0], r[-1]
        span = hi - lo if hi > lo else 1.0
        p = X[:, j]
        # reference values ≤ p, as dismo::mess (findInterval): with "<" a covariate
        # with many ties at its minimum (distance 0 on roads, no logging) would
        # give similarity 0 at every such cell
        f = 100.0 * reference.count_at_or_below(i, p) / len(r)
        s = np.minimum(2 * f, 2 * (100 - f))  # 2f if f ≤ 50, else 2(100 − f)
        below, above = np.flatnonzero(f == 0), np.flatnonzero(f == 100)
        s[below] = 100 * (p[below] - lo) / span
        s[above] = 100 * (hi - p[above]) / span
        # the running minimum; "<" keeps the first column of a tie, as argmin (rows
        # that are not finite are set to NaN below, whatever they hold here)
        np.putmask(mod, s < out, j)
        np.minimum(out, s, out=out)
    out[~ok | ~np.isfinite(out)] = np.nan
    mod[~ok] = -1
    return out, mod
