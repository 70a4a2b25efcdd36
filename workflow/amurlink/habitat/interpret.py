"""Interpreting a fitted habitat model: response curves, permutation importance.

(MESS, where the model extrapolates, is :mod:`amurlink.habitat.extrapolation`.)

- :func:`partial_dependence` -- response curves: the mean prediction over reference
  points with one covariate set to each value of a grid (Friedman 2001, Ann Stat
  29:1189; the "marginal" curves biomod2's ``bm_PlotResponseCurves`` draws).
- :func:`permutation_importance` -- the drop in AUC when one covariate is shuffled
  (Breiman 2001, Mach Learn 45:5; MaxEnt's permutation importance, normalised to
  percentages as MaxEnt reports it).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from amurlink.habitat import evaluate
from amurlink.habitat.models import EnsembleModel, suitability


def _predict_members(model, X) -> dict[str, np.ndarray]:
    """The model's suitability, and each member's when it is an ensemble."""
    if isinstance(model, EnsembleModel):
        preds = model.member_predictions(X)
        out = {"ensemble": model.weights_ @ preds}
        out.update({n: p for n, p in zip(model.member_names, preds, strict=True)})
        return out
    return {"model": suitability(model, X)}


def partial_dependence(
    model,
    X_reference,
    names: Sequence[str],
    n_points: int = 40,
    n_reference: int = 500,
    seed: int = 0,
    categorical: Sequence[int] = (),
) -> pd.DataFrame:
    """Response curves by partial dependence, for the model and each ensemble member.

    For covariate j and each grid value v (``n_points`` from the reference
    minimum to maximum, or each class seen for categorical columns), the curve
    is the mean suitability over ``n_reference`` reference points (drawn with
    ``seed``) with column j set to v.

    Returns a long table: covariate, value, model (``ensemble`` / member name,
    or ``model``), suitability.
    """
    ref = np.asarray(X_reference, float)
    ref = ref[np.isfinite(ref).all(axis=1)]
    rng = np.random.default_rng(seed)
    if len(ref) > n_reference:
        ref = ref[np.sort(rng.choice(len(ref), n_reference, replace=False))]
    rows = []
    for j, name in enumerate(names):
        if j in set(categorical):
            values = np.unique(ref[:, j])
        else:
            values = np.linspace(ref[:, j].min(), ref[:, j].max(), n_points)
        big = np.repeat(ref[np.newaxis], len(values), axis=0)  # (v, n, k)
        big[:, :, j] = values[:, None]
        preds = _predict_members(model, big.reshape(-1, ref.shape[1]))
        for label, p in preds.items():
            means = p.reshape(len(values), len(ref)).mean(axis=1)
            rows += [
                {"covariate": name, "value": float(v), "model": label, "suitability": float(m)}
                for v, m in zip(values, means, strict=True)
            ]
    return pd.DataFrame(rows)


def permutation_importance(
    model, X, y, names: Sequence[str], n_repeats: int = 5, seed: int = 0
) -> pd.DataFrame:
    """Drop in AUC (presences vs background) when each covariate is permuted.

    Each covariate's column is shuffled ``n_repeats`` times (seeded); the table
    gives the mean and sd of ``AUC(original) − AUC(permuted)`` and MaxEnt-style
    ``percent`` (drops floored at 0, normalised to sum to 100).
    """
    X = np.asarray(X, float)
    y = np.asarray(y).astype(int)
    rng = np.random.default_rng(seed)
    base = suitability(model, X)
    base_auc = evaluate.auc(base[y == 1], base[y == 0])
    rows = []
    for j, name in enumerate(names):
        drops = []
        for _ in range(n_repeats):
            Xp = X.copy()
            Xp[:, j] = X[rng.permutation(len(X)), j]
            s = suitability(model, Xp)
            drops.append(base_auc - evaluate.auc(s[y == 1], s[y == 0]))
        rows.append(
            {
                "covariate": name,
                "auc_drop_mean": float(np.mean(drops)),
                "auc_drop_sd": float(np.std(drops, ddof=1)) if n_repeats > 1 else 0.0,
            }
        )
    table = pd.DataFrame(rows)
    pos = table["auc_drop_mean"].clip(lower=0)
    table["percent"] = 100 * pos / pos.sum() if pos.sum() > 0 else 0.0
    table["base_auc"] = base_auc
    return table.sort_values("percent", ascending=False, kind="stable").reset_index(drop=True)


def response_and_importance(
    model, seed: int, n_background: int = 3000, n_repeats: int = 5
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Response curves and permutation importance of a model fitted by the habitat stage.

    Uses what the fit stored on the model (:func:`amurlink.habitat.fitting.fit_species_model`):
    ``covariate_names_``, ``reference_`` (training presences, then background) and
    ``n_presences_train_``.  Curves are averaged over the background; importance
    is measured on all presences and a seeded subset of ``n_background``
    background points, which keeps the permutations quick.
    """
    names = list(model.covariate_names_)
    reference = np.asarray(model.reference_, float)
    n_p = int(model.n_presences_train_)
    y = np.r_[np.ones(n_p, int), np.zeros(len(reference) - n_p, int)]
    categorical = (
        list(np.flatnonzero(~model.continuous_)) if isinstance(model, EnsembleModel) else []
    )
    curves = partial_dependence(model, reference[y == 0], names, seed=seed, categorical=categorical)
    rng = np.random.default_rng(seed)
    bg = np.flatnonzero(y == 0)
    keep = np.sort(np.r_[np.flatnonzero(y == 1), rng.choice(bg, min(len(bg), n_background), False)])
    importance = permutation_importance(
        model, reference[keep], y[keep], names, n_repeats=n_repeats, seed=seed
    )
    return curves, importance


def plot_response_curves(curves: pd.DataFrame, title: str = ""):
    """Figure with one panel per covariate: ensemble (thick) and members (thin)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    covs = list(dict.fromkeys(curves["covariate"]))
    ncol = 3
    nrow = int(np.ceil(len(covs) / ncol))
    fig, axes = plt.subplots(nrow, ncol, figsize=(4 * ncol, 3 * nrow), squeeze=False)
    for ax, cov in zip(axes.ravel(), covs, strict=False):
        sub = curves[curves["covariate"] == cov]
        for label, g in sub.groupby("model", sort=False):
            main = label in ("ensemble", "model")
            ax.plot(
                g["value"],
                g["suitability"],
                lw=2.5 if main else 1,
                alpha=1 if main else 0.7,
                label=label,
                color="k" if main else None,
            )
        ax.set_title(cov, fontsize=9)
        ax.set_ylim(0, 1)
    for ax in axes.ravel()[len(covs) :]:
        ax.set_visible(False)
    axes[0, 0].legend(fontsize=7)
    fig.suptitle(title or "Response curves (partial dependence)")
    fig.tight_layout()
    return fig


def plot_importance(table: pd.DataFrame, title: str = ""):
    """Horizontal bar chart of permutation importance (percent)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    t = table.iloc[::-1]
    fig, ax = plt.subplots(figsize=(6, 0.35 * len(t) + 1.2))
    ax.barh(t["covariate"], t["percent"], xerr=None, color="tab:green")
    ax.set_xlabel("permutation importance (% of AUC drop)")
    ax.set_title(title or "Permutation importance")
    fig.tight_layout()
    return fig
