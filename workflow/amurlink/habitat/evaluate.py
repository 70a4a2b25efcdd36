"""Evaluation of presence-background habitat models.

- AUC of presences against background (the probability that a random presence
  scores above a random background point);
- the continuous Boyce index (Hirzel et al. 2006, Ecol Model 199:142);
- the omission rate at the 10th-percentile training-presence threshold
  (or.10p; ENMeval, Kass et al. 2021 MEE 12:1602), which is also the cut-off
  for binary habitat (:func:`presence_threshold`);
- TSS = sensitivity + specificity − 1 where true absences exist (camera-trap
  stations with effort and no detection; Allouche et al. 2006, J Appl Ecol 43:1223);
- cross-validation on spatial blocks (Roberts et al. 2017, Ecography 40:913;
  Valavi et al. 2019 MEE 10:225) and on random folds beside it.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable

import numpy as np
import pandas as pd
from scipy.stats import spearmanr
from sklearn.base import clone
from sklearn.metrics import roc_auc_score

from amurlink.habitat.models import suitability

logger = logging.getLogger(__name__)


def auc(presence_scores, background_scores) -> float:
    """AUC of presences versus background (NaN if either is empty)."""
    p = np.asarray(presence_scores, float)
    b = np.asarray(background_scores, float)
    p, b = p[np.isfinite(p)], b[np.isfinite(b)]
    if len(p) == 0 or len(b) == 0:
        return math.nan
    y = np.r_[np.ones(len(p)), np.zeros(len(b))]
    return float(roc_auc_score(y, np.r_[p, b]))


def boyce_index(
    presence_scores,
    background_scores,
    n_bins: int = 101,
    window_width: float | None = None,
) -> float:
    """Continuous Boyce index (Hirzel et al. 2006).

    A window of width ``window_width`` (default a tenth of the range of the
    background scores, as ecospat.boyce) slides over ``n_bins`` positions; in each
    the predicted-to-expected ratio is P/E = (share of presences in the window) /
    (share of background in the window).  The index is the Spearman correlation
    of P/E with the window centre: +1 when presences become steadily more frequent
    than expected as suitability rises, ≈ 0 for a random model, negative for a
    model worse than random.  Windows with no background are skipped, and runs of
    identical P/E values are collapsed to one (ecospat's ``rm.duplicate``), so
    that flat stretches of empty windows do not inflate the correlation.
    """
    p = np.asarray(presence_scores, float)
    b = np.asarray(background_scores, float)
    p, b = p[np.isfinite(p)], b[np.isfinite(b)]
    if len(p) < 2 or len(b) < 2:
        return math.nan
    lo, hi = float(min(b.min(), p.min())), float(max(b.max(), p.max()))
    if hi <= lo:
        return math.nan
    width = (hi - lo) / 10 if window_width is None else window_width
    starts = np.linspace(lo, hi - width, n_bins)
    ends = starts + width
    ps, bs = np.sort(p), np.sort(b)
    n_p = np.searchsorted(ps, ends, "right") - np.searchsorted(ps, starts, "left")
    n_b = np.searchsorted(bs, ends, "right") - np.searchsorted(bs, starts, "left")
    ok = n_b > 0
    pe = (n_p[ok] / len(p)) / (n_b[ok] / len(b))
    centre = ((starts + ends) / 2)[ok]
    keep = np.r_[True, np.diff(pe) != 0]
    pe, centre = pe[keep], centre[keep]
    if len(pe) < 3 or np.all(pe == pe[0]):
        return math.nan
    return float(spearmanr(pe, centre)[0])


def presence_threshold(training_presence_scores, percentile: float = 10.0) -> float:
    """The training-presence threshold that omits ``percentile`` % of training presences.

    ENMeval's or.10p (Kass et al. 2021): sort the training presences' scores
    decreasing and take the ``ceil(0.9·n)``-th (``floor`` when n < 10), so that
    at most 10 % of training presences fall below it.  Used as the binary-habitat
    cut-off: cells at or above it are called habitat.
    """
    s = np.sort(np.asarray(training_presence_scores, float))[::-1]
    s = s[np.isfinite(s)]
    if len(s) == 0:
        return math.nan
    frac = 1 - percentile / 100
    k = math.floor(len(s) * frac) if len(s) < 10 else math.ceil(len(s) * frac)
    return float(s[max(k, 1) - 1])


def omission_rate(test_presence_scores, threshold: float) -> float:
    """Share of test presences scoring below ``threshold``."""
    s = np.asarray(test_presence_scores, float)
    s = s[np.isfinite(s)]
    return float(np.mean(s < threshold)) if len(s) else math.nan


def tss(presence_scores, absence_scores, threshold: float) -> dict[str, float]:
    """True skill statistic at ``threshold``: sensitivity + specificity − 1.

    Allouche, O., Tsoar, A. & Kadmon, R. (2006) J Appl Ecol 43:1223-1232.
    Needs true absences (e.g. camera-trap stations with effort and no detection).
    """
    p = np.asarray(presence_scores, float)
    a = np.asarray(absence_scores, float)
    p, a = p[np.isfinite(p)], a[np.isfinite(a)]
    if len(p) == 0 or len(a) == 0:
        return {"tss": math.nan, "sensitivity": math.nan, "specificity": math.nan}
    sens = float(np.mean(p >= threshold))
    spec = float(np.mean(a < threshold))
    return {"tss": sens + spec - 1, "sensitivity": sens, "specificity": spec}


def spatial_block_folds(
    x,
    y,
    block_size_m: float,
    n_folds: int,
    seed: int,
    origin: tuple[float, float] = (0.0, 0.0),
    crs: str | None = None,
) -> np.ndarray:
    """Fold (0..n_folds−1) of each point by square spatial blocks assigned at random.

    Points fall in square blocks of ``block_size_m`` metres on the ground
    (anchored at ``origin``); the occupied blocks are shuffled with ``seed`` and
    dealt to folds in turn, so that folds hold nearly equal numbers of blocks
    (Roberts et al. 2017; blockCV's random assignment, Valavi et al. 2019).
    Presences and background are given the same blocks when passed together.

    ``crs`` is the coordinates' CRS.  Geographic coordinates (degrees) are first
    projected to a Lambert azimuthal equal-area CRS centred on the points
    (Snyder 1987, USGS Prof. Paper 1395, §24), so that a block is
    ``block_size_m`` × ``block_size_m`` on the ground wherever the points are;
    ``origin`` is then in that projection.  ``None`` or a projected CRS: the
    coordinates are taken as metres, as they are.
    """
    x, y = metric_coordinates(x, y, crs)
    bx = np.floor((x - origin[0]) / block_size_m).astype(np.int64)
    by = np.floor((y - origin[1]) / block_size_m).astype(np.int64)
    blocks, inverse = np.unique(np.column_stack([bx, by]), axis=0, return_inverse=True)
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(blocks))
    block_fold = np.empty(len(blocks), np.int64)
    block_fold[order] = np.arange(len(blocks)) % n_folds
    if len(blocks) < n_folds:
        logger.warning(
            "spatial CV: only %d occupied %.0f m blocks for %d folds; %d folds are empty "
            "(use smaller blocks or fewer folds)",
            len(blocks), block_size_m, n_folds, n_folds - len(blocks),
        )  # fmt: skip
    return block_fold[inverse.ravel()]


def metric_coordinates(x, y, crs: str | None) -> tuple[np.ndarray, np.ndarray]:
    """Coordinates in metres: geographic ones projected to a local equal-area CRS.

    The Lambert azimuthal equal-area projection centred on the points' mean
    longitude and latitude (Snyder 1987, §24) keeps areas true and distances
    within about 1 % for points within ~1,000 km of the centre.  Projected or
    unknown (``None``) CRSs are returned unchanged (taken as metres).
    """
    x = np.asarray(x, float)
    y = np.asarray(y, float)
    if crs is None:
        return x, y
    from pyproj import CRS, Transformer

    source = CRS.from_user_input(crs)
    if not source.is_geographic:
        return x, y
    lon0, lat0 = float(np.nanmean(x)), float(np.nanmean(y))
    laea = CRS.from_proj4(f"+proj=laea +lat_0={lat0} +lon_0={lon0} +datum=WGS84 +units=m")
    return Transformer.from_crs(source, laea, always_xy=True).transform(x, y)


def guess_crs(x, y) -> str | None:
    """``"EPSG:4326"`` when every |x| ≤ 180 and |y| ≤ 90 (degrees), else ``None`` (metres)."""
    x = np.asarray(x, float)
    y = np.asarray(y, float)
    if len(x) and np.nanmax(np.abs(x)) <= 180 and np.nanmax(np.abs(y)) <= 90:
        return "EPSG:4326"
    return None


def degenerate_fold_notes(
    y, folds: np.ndarray, n_folds: int, scheme: str, min_presences: int = 2
) -> list[str]:
    """Why folds of ``scheme`` cannot be scored, one note per fold that cannot (empty when all can).

    Each fold must hold test presences and background, and leave enough of
    both for training (:func:`fold_skip_note`); folds with no points at all are
    reported too.  Each note is also logged as a warning.
    """
    y = np.asarray(y).astype(int)
    folds = np.asarray(folds)
    present = set(np.unique(folds).tolist())
    notes = []
    for fold in range(n_folds):
        test = folds == fold
        note = fold_skip_note(y, test, min_presences) if fold in present else "no points"
        if note:
            notes.append(f"{scheme} fold {fold}: {note}")
    for note in notes:
        logger.warning("degenerate CV fold: %s", note)
    return notes


def random_folds(n: int, n_folds: int, seed: int) -> np.ndarray:
    """Fold of each of ``n`` points, shuffled with ``seed``, folds of equal size ±1."""
    rng = np.random.default_rng(seed)
    folds = np.arange(n) % n_folds
    return rng.permutation(folds)


def training_presence_scores(model, X_presence) -> np.ndarray:
    """Scores of the training presences for or.10p: out of bag for a random forest.

    A forest scores its own training presences near 1 (Breiman 2001), so an
    in-bag 10th-percentile threshold would omit most unseen presences.
    """
    if hasattr(model, "training_presence_scores"):
        oob = model.training_presence_scores()
        if len(oob) == len(X_presence) and np.isfinite(oob).all():
            return oob
    return suitability(model, X_presence)


def training_metrics(model, X_presence, X_background) -> dict[str, float]:
    """AUC, Boyce, threshold and omission of a fitted model on its own training data.

    The threshold uses out-of-bag presence scores where the model has them.
    """
    sp = suitability(model, X_presence)
    sb = suitability(model, X_background)
    thr = presence_threshold(training_presence_scores(model, X_presence))
    return {
        "auc": auc(sp, sb),
        "boyce": boyce_index(sp, sb),
        "threshold": thr,
        "omission_10p": omission_rate(sp, thr),
    }


def cross_validate(
    model,
    X,
    y,
    folds: np.ndarray,
    scheme: str,
    sample_weight=None,
    min_presences: int = 2,
    log: Callable[[str], None] | None = None,
) -> pd.DataFrame:
    """Fit ``clone(model)`` on all folds but one, score it on that one; one row per fold.

    Columns: scheme, fold, n_train_presences, n_test_presences, n_test_background,
    auc, boyce, omission_10p (at the training fold's 10th-percentile threshold),
    threshold, note.  A fold with fewer than ``min_presences`` test presences (or
    training presences) is skipped with a note instead of failing: spatial blocks
    may leave a fold without presences.
    """
    X = np.asarray(X, float)
    y = np.asarray(y).astype(int)
    folds = np.asarray(folds)
    rows = []
    for fold in np.unique(folds):
        test = folds == fold
        train = ~test
        row = fold_row(scheme, fold, y, test)
        row["note"] = fold_skip_note(y, test, min_presences)
        if not row["note"]:
            sw = None if sample_weight is None else np.asarray(sample_weight)[train]
            fitted = clone(model).fit(X[train], y[train], sample_weight=sw)
            row.update(
                fold_metrics(
                    suitability(fitted, X[test & (y == 1)]),
                    suitability(fitted, X[test & (y == 0)]),
                    training_presence_scores(fitted, X[train & (y == 1)]),
                )
            )
        if log is not None:
            log(f"{scheme} fold {fold}: {row}")
        rows.append(row)
    return pd.DataFrame(rows)


def fold_row(scheme: str, fold, y: np.ndarray, test: np.ndarray) -> dict:
    """A fold's row of a CV table: its counts, metrics NaN until scored, no note."""
    return {
        "scheme": scheme,
        "fold": int(fold),
        "n_train_presences": int(y[~test].sum()),
        "n_test_presences": int(y[test].sum()),
        "n_test_background": int((y[test] == 0).sum()),
        "auc": math.nan,
        "boyce": math.nan,
        "omission_10p": math.nan,
        "threshold": math.nan,
        "note": "",
    }


def fold_skip_note(y: np.ndarray, test: np.ndarray, min_presences: int) -> str:
    """Why a fold cannot be scored ("" when it can): too few presences, or no background."""
    n_test, n_train = int(y[test].sum()), int(y[~test].sum())
    if n_test < min_presences or n_train < min_presences:
        return f"skipped: {n_test} test and {n_train} training presences (need {min_presences})"
    if (y[test] == 0).sum() == 0 or (y[~test] == 0).sum() == 0:
        return "skipped: no background in the test or training fold"
    return ""


def fold_metrics(test_presence, test_background, training_presence) -> dict[str, float]:
    """A fold's AUC, Boyce and or.10p, at the threshold from the training presences' scores."""
    thr = presence_threshold(training_presence)
    return {
        "auc": auc(test_presence, test_background),
        "boyce": boyce_index(test_presence, test_background),
        "omission_10p": omission_rate(test_presence, thr),
        "threshold": thr,
    }


def station_scores(scores, detected, threshold: float) -> dict:
    """Scores at stations with effort: TSS at ``threshold`` and AUC of detections vs the rest.

    ``scores`` are the model's suitabilities at the stations, ``detected`` True
    where the species was detected (False: effort without detection, a true absence).
    """
    return {
        **tss(scores[detected], scores[~detected], threshold),
        "auc_stations": auc(scores[detected], scores[~detected]),
        "n_detected": int(detected.sum()),
        "n_absent": int((~detected).sum()),
    }


def summarise_cv(table: pd.DataFrame) -> dict[str, dict[str, float]]:
    """Mean and standard deviation of each metric per scheme, over the folds that ran."""
    out: dict[str, dict[str, float]] = {}
    for scheme, sub in table.groupby("scheme", sort=False):
        ran = sub[sub["note"] == ""]
        summary: dict[str, float] = {
            "folds_run": int(len(ran)),
            "folds_skipped": int(len(sub) - len(ran)),
        }
        for metric in ("auc", "boyce", "omission_10p"):
            vals = ran[metric].dropna()
            summary[f"{metric}_mean"] = float(vals.mean()) if len(vals) else math.nan
            summary[f"{metric}_sd"] = float(vals.std(ddof=1)) if len(vals) > 1 else math.nan
        out[str(scheme)] = summary
    return out


def assess(
    model,
    X,
    y,
    x_coord,
    y_coord,
    *,
    block_size_m: float,
    n_folds: int,
    seed: int,
    sample_weight=None,
    X_stations=None,
    detected=None,
    log: Callable[[str], None] | None = None,
    crs: str | None = None,
) -> tuple[object, dict, pd.DataFrame]:
    """Cross-validate (spatial blocks and random folds), then fit on all data and score.

    Returns
    -------
    fitted : the model fitted on all presences and background
    metrics : dict
        ``threshold`` (10th-percentile training presence, the binary-habitat
        cut-off), ``training`` (AUC, Boyce, omission on the training data),
        ``cv`` (mean and sd per scheme), ``tss`` at camera-trap stations (if any)
        and counts.
    folds : DataFrame
        One row per scheme and fold (see :func:`cross_validate`).

    ``crs`` is the coordinates' CRS (blocks are metres on the ground, see
    :func:`spatial_block_folds`).  Folds that cannot be scored are warned about
    and listed in ``metrics["fold_warnings"]``.
    """
    X = np.asarray(X, float)
    y = np.asarray(y).astype(int)
    spatial = spatial_block_folds(x_coord, y_coord, block_size_m, n_folds, seed, crs=crs)
    fold_warnings = degenerate_fold_notes(y, spatial, n_folds, "spatial_block")
    rand = random_folds(len(y), n_folds, seed)
    table = pd.concat(
        [
            cross_validate(model, X, y, spatial, "spatial_block", sample_weight, log=log),
            cross_validate(model, X, y, rand, "random", sample_weight, log=log),
        ],
        ignore_index=True,
    )
    fitted = clone(model).fit(X, y, sample_weight=sample_weight)
    train = training_metrics(fitted, X[y == 1], X[y == 0])
    metrics: dict = {
        "threshold": train["threshold"],
        "threshold_rule": "10th percentile of training presences' suitability (or.10p)",
        "n_presences": int(y.sum()),
        "n_background": int((y == 0).sum()),
        "training": train,
        "cv": summarise_cv(table),
        "cv_settings": {"n_folds": n_folds, "block_size_m": block_size_m, "seed": seed},
    }
    if fold_warnings:  # only then, so that runs with sound folds keep their metrics as before
        metrics["fold_warnings"] = fold_warnings
    if X_stations is not None and len(X_stations):
        s = suitability(fitted, np.asarray(X_stations, float))
        st = station_scores(s, np.asarray(detected, bool), train["threshold"])
        order = ("tss", "sensitivity", "specificity", "n_detected", "n_absent", "auc_stations")
        metrics["tss"] = {
            **{k: st[k] for k in order},  # the order metrics.json has always had
            "note": "camera-trap stations: detection vs effort without detection",
        }
    else:
        metrics["tss"] = None
    return fitted, metrics, table
