"""Presence-background habitat models as scikit-learn estimators.

Every model takes ``X`` (cells × covariates) and ``y`` (1 = presence,
0 = background), ``fit(X, y, sample_weight=None)``, and returns a relative
suitability in [0, 1] from ``predict_proba(X)[:, 1]`` (and ``predict_suitability``).

- :class:`MaxentModel` -- MaxEnt fitted as maxnet does it, an infinitely weighted
  logistic regression (Phillips et al. 2017, Ecography 40:887; Phillips et al.
  2006, Ecol Model 190:231), with cloglog output.
- :class:`GLMModel` -- ridge-penalised logistic regression on polynomial terms.
- :class:`DownsampledRFModel` -- random forest with class-balanced down-sampling
  (Valavi et al. 2021, Ecol Monogr 92:e01486).
- :class:`BoostingModel` -- histogram gradient boosting with balanced weights.
- :class:`EnsembleModel` -- weighted mean of members (weights e.g. their CV AUC),
  with the members' spread as an uncertainty.
"""

from __future__ import annotations

import copy
import warnings
from collections.abc import Sequence

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import PolynomialFeatures, StandardScaler
from sklearn.tree import DecisionTreeClassifier
from sklearn.utils.validation import check_is_fitted
from threadpoolctl import threadpool_limits

FEATURE_CLASSES = "lqpht"

# maxnet's regularisation tables (maxnet.default.regularization, Phillips et al.
# 2017): (number of presences, multiplier) knots, linearly interpolated and held
# constant beyond the ends (R's approx(..., rule = 2)).
_REG_LINEAR = ([0, 10, 30, 100], [1.0, 1.0, 0.2, 0.05])
_REG_QUADRATIC = ([0, 10, 17, 30, 100], [1.3, 0.8, 0.5, 0.25, 0.05])
_REG_PRODUCT = ([0, 10, 17, 30, 100], [2.6, 1.6, 0.9, 0.55, 0.05])
_REG_HINGE = ([0, 1], [0.5, 0.5])
_REG_THRESHOLD = ([0, 100], [2.0, 1.0])
_REG_CATEGORICAL = ([0, 10, 17], [0.65, 0.5, 0.25])

#: maxnet's weight of a background point relative to a presence.
BACKGROUND_WEIGHT = 100.0


def default_feature_classes(n_presences: int) -> str:
    """MaxEnt's automatic feature classes by sample size (maxnet ``default.features``)."""
    if n_presences < 10:
        return "l"
    if n_presences < 15:
        return "lq"
    if n_presences < 80:
        return "lqh"
    return "lqph"


def _as_2d(X) -> np.ndarray:
    X = np.asarray(X, dtype=np.float64)
    if X.ndim == 1:
        X = X[:, np.newaxis]
    return X


def _resolve_columns(columns, n_features: int, names: Sequence[str] | None) -> list[int]:
    """Column indices from indices or names (names need ``feature_names``)."""
    out = []
    for c in columns or ():
        if isinstance(c, str):
            if names is None or c not in names:
                raise ValueError(f"categorical column {c!r} not among feature_names {names}")
            out.append(list(names).index(c))
        else:
            c = int(c)
            if not -n_features <= c < n_features:
                raise ValueError(f"categorical column {c} out of range for {n_features} features")
            out.append(c % n_features)
    return sorted(set(out))


class _PresenceBackgroundModel(ClassifierMixin, BaseEstimator):
    """What every model here shares: a classifier of presence (1) against background (0).

    A model defines ``predict_suitability``, its score in [0, 1]; ``predict_proba``
    and ``predict`` (suitability ≥ 0.5) follow from it.  Models wrapping a
    scikit-learn classifier (GLM, boosting) override ``predict_proba`` with the
    classifier's and read the suitability from it.
    """

    def _start_fit(self, X, y) -> tuple[np.ndarray, np.ndarray]:
        """``X`` as 2-D floats and ``y`` as 0/1 ints; records ``n_features_in_`` and ``classes_``."""
        X = _as_2d(X)
        y = np.asarray(y).astype(int).ravel()
        self.n_features_in_ = X.shape[1]
        self.classes_ = np.array([0, 1])
        return X, y

    def predict_proba(self, X) -> np.ndarray:
        s = self.predict_suitability(X)
        return np.column_stack([1 - s, s])

    def predict(self, X) -> np.ndarray:
        return (self.predict_suitability(X) >= 0.5).astype(int)


class MaxentModel(_PresenceBackgroundModel):
    """MaxEnt as maxnet fits it: an infinitely weighted L1-penalised logistic regression.

    Phillips, S.J., Anderson, R.P., Dudík, M., Schapire, R.E. & Blair, M.E. (2017)
    Opening the black box: an open-source release of Maxent. Ecography 40:887-893.

    The MaxEnt (Gibbs) density over the background, ``exp(η(x)) / Σ exp(η)``, is
    the limit of a logistic regression of presences (weight 1) against background
    (weight → ∞); maxnet uses weight 100, as here.  The penalised objective is

        Σ_i w_i · logloss_i(η) + n_p · Σ_j λ_j |β_j|,   η = α + f(x)·β,

    with the intercept unpenalised (glmnet's objective with maxnet's final
    λ = mean(λ_j) · n_p / Σ w and penalty factors λ_j).  It is solved exactly, as
    glmnet solves it: IRLS with coordinate descent (glum), so unused features are
    exactly 0.

    Features (maxnet ``maxnet.formula``), computed on covariates scaled to their
    training range [0, 1]:

    - ``l`` linear ``x``; ``q`` quadratic ``x²``; ``p`` product ``x_i·x_k``;
    - ``h`` hinge: 49 forward ``clip((x−k)/(max−k), 0, 1)`` and 49 reverse
      ``clip((x−min)/(k−min), 0, 1)`` hinges at 50 knots spanning the range;
    - ``t`` threshold: ``x ≥ k`` at 50 interior knots;
    - categorical columns become one indicator per class seen in training
      (never used as numbers) whatever the feature classes.

    Regularisation (maxnet ``maxnet.default.regularization``): for feature j,
    ``λ_j = β · max(0.001·range_j, hmin_j, tmin_j, sd_j · r(class, n_p) / √n_p)``
    where ``sd_j`` is the feature's standard deviation over presences, ``n_p`` the
    number of presences and ``r`` interpolates MaxEnt's table:

    ============  ==========================================  ==============
    class         n_p knots                                   multiplier
    ============  ==========================================  ==============
    l (only l)    0, 10, 30, 100                              1, 1, 0.2, 0.05
    l, q (with q) 0, 10, 17, 30, 100                          1.3, 0.8, 0.5, 0.25, 0.05
    l, q, p       0, 10, 17, 30, 100 (when products present)  2.6, 1.6, 0.9, 0.55, 0.05
    hinge         any                                         0.5
    threshold     0, 100                                      2, 1
    categorical   0, 10, 17                                   0.65, 0.5, 0.25
    ============  ==========================================  ==============

    ``hmin_j = max(sd_j, 1/√n_p) · 0.5/√n_p`` for hinges, ``tmin_j = 1`` for a
    threshold constant over presences.

    Output (maxnet ``predict.maxnet``): the link ``η`` is shifted so that
    ``Σ_bg exp(η) = 1`` and cloglog = ``1 − exp(−exp(η + H))``, H the entropy of
    the fitted distribution over the background.  Covariates are clamped to the
    training range before prediction (``clamp=True``).

    Parameters
    ----------
    features : str
        Feature classes, any of ``"lqpht"``; ``"auto"`` picks by sample size.
    beta : float
        Regularisation multiplier (MaxEnt's β, maxnet's ``regmult``).
    categorical : sequence of int or str
        Columns that are class codes (e.g. land cover); names need ``feature_names``.
    feature_names : sequence of str, optional
        Names of the columns of ``X``.
    add_presences_to_background : bool
        Add the presences to the background, as maxnet and MaxEnt do.
    clamp : bool
        Clamp covariates to the training range before predicting.
    n_knots : int
        Knots for hinge and threshold features.
    max_iter, tol : int, float
        IRLS iterations and the tolerance on the penalised objective's
        (sub)gradient at which they stop (glum's ``gradient_tol``).
    """

    def __init__(
        self,
        features: str = "lqh",
        beta: float = 1.0,
        categorical: Sequence[int | str] = (),
        feature_names: Sequence[str] | None = None,
        add_presences_to_background: bool = True,
        clamp: bool = True,
        n_knots: int = 50,
        max_iter: int = 100,
        tol: float = 1e-8,
    ):
        self.features = features
        self.beta = beta
        self.categorical = categorical
        self.feature_names = feature_names
        self.add_presences_to_background = add_presences_to_background
        self.clamp = clamp
        self.n_knots = n_knots
        self.max_iter = max_iter
        self.tol = tol

    # --------------------------------------------------------------- features
    def _setup_features(self, X: np.ndarray, n_presences: int) -> None:
        n_features = X.shape[1]
        names = list(self.feature_names) if self.feature_names is not None else None
        if names is not None and len(names) != n_features:
            raise ValueError(f"feature_names has {len(names)} names for {n_features} columns")
        self.n_features_in_ = n_features
        self.names_ = names or [f"x{i}" for i in range(n_features)]
        self.categorical_idx_ = _resolve_columns(self.categorical, n_features, names)
        self.continuous_idx_ = [i for i in range(n_features) if i not in self.categorical_idx_]
        classes = self.features
        if classes == "auto":
            classes = default_feature_classes(n_presences)
        bad = set(classes) - set(FEATURE_CLASSES)
        if bad or not classes:
            raise ValueError(f"features must be letters of {FEATURE_CLASSES!r}, got {classes!r}")
        self.feature_classes_ = classes
        cont = X[:, self.continuous_idx_]
        self.xmin_ = np.nanmin(cont, axis=0) if cont.size else np.zeros(0)
        self.xmax_ = np.nanmax(cont, axis=0) if cont.size else np.zeros(0)
        self.categories_ = [np.unique(X[:, i][np.isfinite(X[:, i])]) for i in self.categorical_idx_]

    def _design(self, X: np.ndarray) -> tuple[np.ndarray, list[str], list[str]]:
        """Feature matrix, feature names, and each feature's class letter."""
        cols, names, kinds = self._design_blocks(X)
        F = np.hstack(cols) if cols else np.zeros((X.shape[0], 0))
        return F, names, kinds

    def _design_blocks(self, X: np.ndarray) -> tuple[list[np.ndarray], list[str], list[str]]:
        """The feature matrix as its column blocks (one per feature class and covariate)."""
        cont = X[:, self.continuous_idx_]
        span = np.where(self.xmax_ > self.xmin_, self.xmax_ - self.xmin_, 1.0)
        z = (cont - self.xmin_) / span
        if self.clamp:
            z = np.clip(z, 0.0, 1.0)
        cols: list[np.ndarray] = []
        names: list[str] = []
        kinds: list[str] = []
        cnames = [self.names_[i] for i in self.continuous_idx_]
        classes = self.feature_classes_
        if "l" in classes:
            cols.append(z)
            names += cnames
            kinds += ["l"] * z.shape[1]
        if "q" in classes:
            cols.append(z**2)
            names += [f"{n}^2" for n in cnames]
            kinds += ["q"] * z.shape[1]
        if "p" in classes:
            for a in range(z.shape[1]):
                for b in range(a + 1, z.shape[1]):
                    cols.append((z[:, a] * z[:, b])[:, None])
                    names.append(f"{cnames[a]}:{cnames[b]}")
                    kinds.append("p")
        if "h" in classes:
            knots = np.linspace(0.0, 1.0, self.n_knots)
            for a in range(z.shape[1]):
                za = z[:, a : a + 1]
                fwd = np.clip((za - knots[None, :-1]) / (1.0 - knots[None, :-1]), 0.0, 1.0)
                rev = np.clip(za / knots[None, 1:], 0.0, 1.0)
                cols += [fwd, rev]
                names += [f"hinge({cnames[a]}>{k:.3f})" for k in knots[:-1]]
                names += [f"hinge({cnames[a]}<{k:.3f})" for k in knots[1:]]
                kinds += ["h"] * (fwd.shape[1] + rev.shape[1])
        if "t" in classes:
            knots = np.linspace(0.0, 1.0, self.n_knots + 2)[1:-1]
            for a in range(z.shape[1]):
                cols.append((z[:, a : a + 1] >= knots[None, :]).astype(np.float64))
                names += [f"threshold({cnames[a]}>={k:.3f})" for k in knots]
                kinds += ["t"] * len(knots)
        for i, cats in zip(self.categorical_idx_, self.categories_, strict=True):
            # one indicator per class: categories are labels, never magnitudes
            cols.append((X[:, i : i + 1] == cats[None, :]).astype(np.float64))
            names += [f"{self.names_[i]}=={c:g}" for c in cats]
            kinds += ["c"] * len(cats)
        return cols, names, kinds

    def _regularization(self, F: np.ndarray, kinds: list[str], presence: np.ndarray) -> np.ndarray:
        """maxnet's per-feature penalties λ_j (before the β multiplier)."""
        Fp = F[presence]
        n_p = Fp.shape[0]
        if "p" in kinds:
            lqp_table = _REG_PRODUCT
        elif "q" in kinds:
            lqp_table = _REG_QUADRATIC
        else:
            lqp_table = _REG_LINEAR
        tables = {
            "l": lqp_table,
            "q": lqp_table,
            "p": lqp_table,
            "h": _REG_HINGE,
            "t": _REG_THRESHOLD,
            "c": _REG_CATEGORICAL,
        }
        mult = np.array([np.interp(n_p, *tables[k]) for k in kinds])
        sd = Fp.std(axis=0, ddof=1) if n_p > 1 else np.zeros(F.shape[1])
        is_hinge = np.array([k == "h" for k in kinds])
        is_thr = np.array([k == "t" for k in kinds])
        hmin = np.where(is_hinge, np.maximum(sd, 1 / np.sqrt(n_p)) * 0.5 / np.sqrt(n_p), 0.0)
        constant = (Fp.sum(axis=0) == 0) | (Fp.sum(axis=0) == n_p)
        tmin = np.where(is_thr & constant, 1.0, 0.0)
        floor = 0.001 * (F.max(axis=0) - F.min(axis=0))
        return np.maximum.reduce([floor, hmin, tmin, sd * mult / np.sqrt(n_p)])

    # -------------------------------------------------------------------- fit
    def fit(self, X, y, sample_weight=None) -> MaxentModel:
        """Fit to presences (``y == 1``) and background (``y == 0``)."""
        X = _as_2d(X)
        y = np.asarray(y).astype(int).ravel()
        if X.shape[0] != y.shape[0]:
            raise ValueError(f"X has {X.shape[0]} rows, y {y.shape[0]}")
        if not set(np.unique(y)) <= {0, 1} or y.sum() == 0 or (y == 0).sum() == 0:
            raise ValueError("y must hold presences (1) and background (0), both present")
        sw = np.ones(len(y)) if sample_weight is None else np.asarray(sample_weight, float)
        finite = np.isfinite(X).all(axis=1)
        X, y, sw = X[finite], y[finite], sw[finite]
        if self.add_presences_to_background:
            X = np.vstack([X, X[y == 1]])
            sw = np.concatenate([sw, sw[y == 1]])
            y = np.concatenate([y, np.zeros(int(y.sum()), int)])
        self.classes_ = np.array([0, 1])
        n_p = int(y.sum())
        self._setup_features(X, n_p)
        F, names, kinds = self._design(X)
        presence = y == 1
        reg = self._regularization(F, kinds, presence) * self.beta
        w = np.where(presence, 1.0, BACKGROUND_WEIGHT) * sw
        # One BLAS thread: bit-for-bit reproducible sums, and faster on these
        # skinny matrix-vector products than contending threads.
        with threadpool_limits(1):
            alpha, coef = self._solve(F, y.astype(float), w, n_p * reg)
        self.feature_names_out_ = names
        self.feature_kinds_ = kinds
        self.reg_ = reg
        self.coef_ = coef
        # maxnet: shift the link so that the raw output exp(link) sums to 1 over the
        # background, and keep the entropy of that distribution for cloglog.
        bg = ~presence
        eta = F[bg] @ coef
        wb = sw[bg] / sw[bg].sum()
        top = eta.max()
        log_norm = np.log(np.sum(wb * np.exp(eta - top))) + top
        raw = wb * np.exp(eta - log_norm)
        raw = raw[raw > 0]
        self.intercept_ = float(-log_norm - np.log(bg.sum()))
        self.entropy_ = float(-np.sum(raw * np.log(raw)))
        self.logistic_intercept_ = alpha
        self.n_presences_ = n_p
        return self

    def _solve(self, F: np.ndarray, y: np.ndarray, w: np.ndarray, penalty: np.ndarray):
        """Minimise Σ w·logloss + Σ penalty_j |β_j| (intercept free) exactly.

        The lasso-penalised logistic regression is solved as glmnet (and so
        maxnet) solves it, by iteratively reweighted least squares with
        coordinate descent on each quadratic approximation (Friedman, Hastie &
        Tibshirani 2010, J. Stat. Softw. 33(1)), here glum's ``irls-cd``.  The
        objective is divided by Σw (same minimiser; glum's form, with weights
        normalised to sum 1).  Coordinate descent leaves unused features at
        exactly 0.  Features constant over the data are left out (their
        coefficient is 0: the intercept absorbs them).
        """
        from glum import GeneralizedLinearRegressor

        scale = w.sum()
        varying = np.ptp(F, axis=0) > 0 if len(F) else np.zeros(F.shape[1], bool)
        solver = GeneralizedLinearRegressor(
            family="binomial",
            alpha=1.0,
            l1_ratio=1.0,
            P1=penalty[varying] / scale,
            fit_intercept=True,
            scale_predictors=False,
            solver="irls-cd",
            # re-weigh only the Hessian rows whose IRLS weights moved by > 10 %:
            # 2x faster here, same optimum (glum's hessian_approx)
            hessian_approx=0.1,
            max_iter=self.max_iter,
            gradient_tol=self.tol,
        )
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            solver.fit(np.ascontiguousarray(F[:, varying]), y, sample_weight=w)
        self.n_iter_ = int(solver.n_iter_)
        self.converged_ = self.n_iter_ < self.max_iter
        self.solver_message_ = "; ".join(str(c.message) for c in caught) or "converged"
        coef = np.zeros(F.shape[1])
        coef[varying] = solver.coef_
        return float(solver.intercept_), coef

    # ---------------------------------------------------------------- predict
    #: Rows per chunk of the link's evaluation: memory is a few arrays of this many
    #: rows whatever the size of ``X``.
    chunk_rows = 65536

    def decision_function(self, X) -> np.ndarray:
        """maxnet's link: log of the raw (exponential) output, normalised over background.

        Evaluated feature by feature from the non-zero coefficients only, never
        building the design matrix (:meth:`_feature_plan`); rows are taken in
        chunks of :attr:`chunk_rows` and accumulated in float64.  Equal to the link
        of the design matrix, ``f(x)·β + α`` (:meth:`decision_function_design`), to
        rounding.
        """
        check_is_fitted(self, "coef_")
        X = np.asarray(X)
        if X.ndim == 1:
            X = X[:, np.newaxis]
        if X.shape[1] != self.n_features_in_:
            raise ValueError(
                f"X has {X.shape[1]} columns, model was fitted on {self.n_features_in_}"
            )
        plan = self._feature_plan()
        link = np.empty(X.shape[0], dtype=np.float64)
        for start in range(0, X.shape[0], self.chunk_rows):
            stop = min(start + self.chunk_rows, X.shape[0])
            link[start:stop] = self._link_chunk(X[start:stop], plan)
        return link

    def decision_function_design(self, X) -> np.ndarray:
        """The link from the full design matrix, block by block: the reference for
        :meth:`decision_function` (the same numbers to rounding, far slower)."""
        check_is_fitted(self, "coef_")
        X = _as_2d(X)
        cols, _, _ = self._design_blocks(X)
        link = np.full(X.shape[0], float(self.intercept_))
        start = 0
        for block in cols:
            coef = self.coef_[start : start + block.shape[1]]
            start += block.shape[1]
            if coef.any():
                link += block @ coef
        return link

    def _feature_plan(self) -> dict:
        """The fitted link as per-covariate functions of the scaled covariate ``z``.

        Walks ``coef_`` in the column order of :meth:`_design_blocks` and keeps only
        what has a non-zero coefficient:

        - ``poly``: per continuous covariate, linear and quadratic coefficients;
        - ``products``: ``(a, b, β)`` for the non-zero products ``z_a·z_b``;
        - ``hinges``: per covariate, the sum of its hinge features tabulated at the
          knots.  Every forward hinge ``clip((z−k)/(1−k), 0, 1)`` and reverse hinge
          ``clip(z/k, 0, 1)`` bends only at knots (and 0 and 1, themselves knots),
          so their weighted sum is the piecewise-linear interpolant of its values at
          the knots, constant beyond them: one ``np.interp`` per covariate;
        - ``thresholds``: per covariate, the cumulative sums of its threshold
          coefficients: ``Σ_j β_j [z ≥ k_j]`` is the cumulative sum up to the number
          of knots ≤ z (``searchsorted(knots, z, "right")``);
        - ``categorical``: per categorical column, its classes and their coefficients
          (a lookup; classes not seen in training contribute 0, as their indicators).
        """
        coef = self.coef_
        classes = self.feature_classes_
        n = len(self.continuous_idx_)
        pos = 0

        def take(k: int) -> np.ndarray:
            nonlocal pos
            out = coef[pos : pos + k]
            pos += k
            return out

        lin = take(n) if "l" in classes else np.zeros(n)
        quad = take(n) if "q" in classes else np.zeros(n)
        products = []
        if "p" in classes:
            for a in range(n):
                for b in range(a + 1, n):
                    c = take(1)[0]
                    if c != 0:
                        products.append((a, b, float(c)))
        hinges = []
        if "h" in classes:
            knots = np.linspace(0.0, 1.0, self.n_knots)
            # the hinge features evaluated at the knots, as _design_blocks builds them
            zk = knots[:, None]
            fwd_at = np.clip((zk - knots[None, :-1]) / (1.0 - knots[None, :-1]), 0.0, 1.0)
            rev_at = np.clip(zk / knots[None, 1:], 0.0, 1.0)
            for a in range(n):
                fwd, rev = take(self.n_knots - 1), take(self.n_knots - 1)
                if fwd.any() or rev.any():
                    hinges.append((a, knots, fwd_at @ fwd + rev_at @ rev))
        thresholds = []
        if "t" in classes:
            knots = np.linspace(0.0, 1.0, self.n_knots + 2)[1:-1]
            for a in range(n):
                c = take(self.n_knots)
                if c.any():
                    thresholds.append((a, knots, np.concatenate([[0.0], np.cumsum(c)])))
        categorical = []
        for i, cats in zip(self.categorical_idx_, self.categories_, strict=True):
            c = take(len(cats))
            if c.any():
                categorical.append((i, cats, c))
        if pos != len(coef):
            raise ValueError(f"model has {len(coef)} coefficients, its features {pos}")
        return {
            "poly": [(a, float(lin[a]), float(quad[a])) for a in range(n) if lin[a] or quad[a]],
            "products": products,
            "hinges": hinges,
            "thresholds": thresholds,
            "categorical": categorical,
        }

    def _link_chunk(self, X: np.ndarray, plan: dict) -> np.ndarray:
        """The link of a chunk of rows from :meth:`_feature_plan` (float64)."""
        link = np.full(X.shape[0], float(self.intercept_))
        span = np.where(self.xmax_ > self.xmin_, self.xmax_ - self.xmin_, 1.0)
        used = {a for a, *_ in plan["poly"]} | {a for a, *_ in plan["hinges"]}
        used |= {a for a, *_ in plan["thresholds"]}
        used |= {a for a, _, _ in plan["products"]} | {b for _, b, _ in plan["products"]}
        z = {}
        for a in sorted(used):
            za = (X[:, self.continuous_idx_[a]].astype(np.float64) - self.xmin_[a]) / span[a]
            z[a] = np.clip(za, 0.0, 1.0) if self.clamp else za
        for a, cl, cq in plan["poly"]:
            link += z[a] * (cl + cq * z[a])
        for a, b, c in plan["products"]:
            link += c * (z[a] * z[b])
        for a, _knots, values in plan["hinges"]:
            link += _uniform_interp(z[a], values)
        for a, knots, cums in plan["thresholds"]:
            link += cums[np.searchsorted(knots, z[a], side="right")]
        for i, cats, c in plan["categorical"]:
            v = X[:, i].astype(np.float64)
            k = np.minimum(np.searchsorted(cats, v), len(cats) - 1)
            link += np.where(cats[k] == v, c[k], 0.0)
        return link

    def predict_suitability(self, X) -> np.ndarray:
        """cloglog output ``1 − exp(−exp(η + H))`` in [0, 1]; NaN where X is not finite."""
        # float32 stays float32: the link widens each covariate it uses, chunk by chunk
        X = np.asarray(X)
        X = X if X.dtype.kind == "f" else X.astype(np.float64)
        X = X[:, np.newaxis] if X.ndim == 1 else X
        ok = np.isfinite(X).all(axis=1)
        if ok.all():  # no gathered copy of X
            return -np.expm1(-np.exp(self.decision_function(X) + self.entropy_))
        out = np.full(X.shape[0], np.nan)
        if ok.any():
            out[ok] = -np.expm1(-np.exp(self.decision_function(X[ok]) + self.entropy_))
        return out

    def predict_raw(self, X) -> np.ndarray:
        """MaxEnt's raw output: the Gibbs density, summing to 1 over the background."""
        return np.exp(self.decision_function(X))

    def coefficients(self) -> dict[str, float]:
        """Non-zero coefficients by feature name."""
        check_is_fitted(self, "coef_")
        return {
            n: float(c) for n, c in zip(self.feature_names_out_, self.coef_, strict=True) if c != 0
        }


def _uniform_interp(z: np.ndarray, values: np.ndarray) -> np.ndarray:
    """``np.interp(z, linspace(0, 1, len(values)), values)``, by index instead of search.

    MaxEnt's hinge knots are evenly spaced on [0, 1] (maxnet's
    ``seq(min, max, length = nknots)``), so the knot below ``z`` is
    ``floor(z · (n − 1))``; values are constant beyond the end knots, as in
    ``np.interp``.  Without ``np.interp``'s binary search the MaxEnt link of
    bench/predict.py's model ran 2.1× faster; equal to it to rounding (tested).
    """
    n = len(values)
    s = np.clip(z, 0.0, 1.0) * (n - 1)
    i = np.minimum(s.astype(np.intp), n - 2)
    slope = np.diff(values)
    return values[i] + (s - i) * slope[i]


def optimize_expit(eta: np.ndarray) -> np.ndarray:
    """Logistic function, overflow-safe."""
    from scipy.special import expit

    return expit(eta)


def _balanced_weights(y: np.ndarray, sample_weight=None) -> np.ndarray:
    """Weights giving presences and background equal total weight (Valavi et al. 2021)."""
    sw = np.ones(len(y)) if sample_weight is None else np.asarray(sample_weight, float)
    out = sw.copy()
    for cls in (0, 1):
        m = y == cls
        out[m] = sw[m] * (len(y) / 2) / sw[m].sum()
    return out


class GLMModel(_PresenceBackgroundModel):
    """Ridge-penalised logistic regression on standardised polynomial terms.

    The presence-background GLM of the benchmarks in Valavi et al. (2022,
    Ecol Monogr 92:e01486), with presences and background weighted to equal
    total weight.  ``degree=2`` gives linear, quadratic and pairwise product
    terms; categorical columns become indicators.

    Parameters
    ----------
    degree : int
        Polynomial degree.
    C : float
        Inverse ridge strength (scikit-learn's ``C``).
    categorical : sequence of int or str
        Class-code columns.
    feature_names : sequence of str, optional
    """

    def __init__(self, degree: int = 2, C: float = 1.0, categorical=(), feature_names=None):
        self.degree = degree
        self.C = C
        self.categorical = categorical
        self.feature_names = feature_names

    def _design(self, X: np.ndarray, fit: bool) -> np.ndarray:
        cont = X[:, self.continuous_idx_]
        if fit:
            self.poly_ = PolynomialFeatures(self.degree, include_bias=False).fit(cont)
            self.scaler_ = StandardScaler().fit(self.poly_.transform(cont))
        parts = [self.scaler_.transform(self.poly_.transform(cont))]
        for i, cats in zip(self.categorical_idx_, self.categories_, strict=True):
            parts.append((X[:, i : i + 1] == cats[None, :]).astype(float))
        return np.hstack(parts)

    def fit(self, X, y, sample_weight=None) -> GLMModel:
        X = _as_2d(X)
        y = np.asarray(y).astype(int).ravel()
        self.n_features_in_ = X.shape[1]
        names = list(self.feature_names) if self.feature_names is not None else None
        self.categorical_idx_ = _resolve_columns(self.categorical, X.shape[1], names)
        self.continuous_idx_ = [i for i in range(X.shape[1]) if i not in self.categorical_idx_]
        self.categories_ = [np.unique(X[:, i]) for i in self.categorical_idx_]
        self.classes_ = np.array([0, 1])
        F = self._design(X, fit=True)
        self.lr_ = LogisticRegression(C=self.C, max_iter=2000)
        with threadpool_limits(1):  # BLAS threads only contend on these small problems
            self.lr_.fit(F, y, sample_weight=_balanced_weights(y, sample_weight))
        return self

    def predict_proba(self, X) -> np.ndarray:
        check_is_fitted(self, "lr_")
        return self.lr_.predict_proba(self._design(_as_2d(X), fit=False))

    def decision_function(self, X) -> np.ndarray:
        """The logit, from the polynomial's coefficients on the raw covariates.

        The standardisation is folded into the coefficients once
        (:meth:`_polynomial_plan`), so each row costs its covariates' monomials
        and no design matrix is built; rows are taken in chunks of
        :attr:`chunk_rows`, in float64.  Equal to ``lr_.decision_function`` of
        the design (tested to 1e-9).
        """
        check_is_fitted(self, "lr_")
        X = _as_2d(X)
        plan = self._polynomial_plan()
        out = np.empty(X.shape[0])
        for start in range(0, X.shape[0], self.chunk_rows):
            chunk = X[start : start + self.chunk_rows]
            cont = chunk[:, self.continuous_idx_].astype(np.float64)
            link = np.full(len(chunk), plan["intercept"])
            for powers, coef in zip(plan["powers"], plan["coef"], strict=True):
                term = np.full(len(chunk), coef)
                for j in np.flatnonzero(powers):
                    term *= cont[:, j] ** int(powers[j]) if powers[j] > 1 else cont[:, j]
                link += term
            for i, cats, c in plan["categorical"]:
                v = chunk[:, i].astype(np.float64)
                k = np.minimum(np.searchsorted(cats, v), len(cats) - 1)
                link += np.where(cats[k] == v, c[k], 0.0)
            out[start : start + len(chunk)] = link
        return out

    #: Rows per chunk of :meth:`decision_function`.
    chunk_rows = 65536

    def _polynomial_plan(self) -> dict:
        """Coefficients of the logit on the raw monomials: ``w / scale`` and the shifted intercept."""
        n_poly = self.poly_.n_output_features_
        coef = self.lr_.coef_[0]
        scale = np.where(self.scaler_.scale_ > 0, self.scaler_.scale_, 1.0)
        raw = coef[:n_poly] / scale
        intercept = float(self.lr_.intercept_[0] - np.sum(raw * self.scaler_.mean_))
        keep = raw != 0
        categorical, k = [], n_poly
        for i, cats in zip(self.categorical_idx_, self.categories_, strict=True):
            categorical.append((i, np.asarray(cats, float), coef[k : k + len(cats)]))
            k += len(cats)
        return {
            "intercept": intercept,
            "powers": self.poly_.powers_[keep],
            "coef": raw[keep],
            "categorical": categorical,
        }

    def predict_suitability(self, X) -> np.ndarray:
        return optimize_expit(self.decision_function(X))


#: Trees of the down-sampled RF as an ensemble member (alone it takes 200, its
#: default).  Chosen by 5-fold CV of the default ensemble on the training data
#: of 19 NCEAS species (bench/defaults_cv.py, bench/RESULTS.md), each species
#: against its target group's sites (the pipeline's default ``habitat.bias``):
#: 25 trees scored as 100 (mean AUC -0.0003 on random folds, se 0.0007; +0.0009
#: on 20 km spatial blocks, se 0.0017) and the ensemble predicts in about 60 %
#: of the time.  Against the regions' random background, 25 lost 0.0019 (se
#: 0.0006) on random folds and 0.0008 (se 0.0012) on spatial ones.  The other
#: members average out most of the vote's Monte Carlo noise.
ENSEMBLE_RF_TREES = 25


class DownsampledRFModel(_PresenceBackgroundModel):
    """Random forest where each tree sees all presences and as many background points.

    Down-sampled ("balanced") random forest of Valavi et al. (2021, Ecol Monogr
    92:e01486), after Chen, Liaw & Breiman (2004); it was among the best
    presence-background models in their benchmark.

    Parameters
    ----------
    n_estimators : int
        200 by default: on random 5-fold CV of the training data of 19 NCEAS
        species (AWT, CAN, NSW; presences against background) 200 trees scored
        a mean AUC of 0.8848 against 0.8853 for 500 and 0.8833 for 100, and
        predict 2.5× faster than 500 (bench/defaults_cv.py, bench/RESULTS.md).
        As an ensemble member it takes :data:`ENSEMBLE_RF_TREES`.
    max_features : str or float
    min_samples_leaf : int
    random_state : int
    """

    #: Tree splits lie between training values, so clamping to the training range
    #: never changes a prediction: the clamping map skips the unclamped pass.
    clamp_invariant = True

    def __init__(
        self,
        n_estimators: int = 200,
        max_features="sqrt",
        min_samples_leaf: int = 1,
        random_state: int | None = 0,
    ):
        self.n_estimators = n_estimators
        self.max_features = max_features
        self.min_samples_leaf = min_samples_leaf
        self.random_state = random_state

    def fit(self, X, y, sample_weight=None) -> DownsampledRFModel:
        X, y = self._start_fit(X, y)
        rng = np.random.default_rng(self.random_state)
        pres = np.flatnonzero(y == 1)
        bg = np.flatnonzero(y == 0)
        self.__dict__.pop("packed_trees_", None)  # a refit's trees are packed afresh
        self.trees_ = []
        self.presence_X_ = X[pres]
        self.in_bag_ = np.zeros((self.n_estimators, len(pres)), bool)
        for t in range(self.n_estimators):
            # bootstrap of the presences and an equal-size bootstrap of the background
            boot = rng.choice(len(pres), len(pres), replace=True)
            self.in_bag_[t, boot] = True
            idx = np.concatenate([pres[boot], rng.choice(bg, len(pres), replace=True)])
            tree = DecisionTreeClassifier(
                max_features=self.max_features,
                min_samples_leaf=self.min_samples_leaf,
                random_state=int(rng.integers(2**31 - 1)),
            )
            tree.fit(X[idx], y[idx])
            self.trees_.append(tree)
        return self

    def training_presence_scores(self) -> np.ndarray:
        """Out-of-bag suitability of the training presences (Breiman 2001).

        Each presence is scored only by the trees whose bootstrap left it out: a
        forest scores its own training points near 1, so thresholds taken from
        in-bag scores (or.10p) would be far too high.
        """
        check_is_fitted(self, "trees_")
        votes = np.zeros(len(self.presence_X_))
        counts = (~self.in_bag_).sum(axis=0)
        for tree, in_bag in zip(self.trees_, self.in_bag_, strict=True):
            out = ~in_bag
            if out.any() and 1 in tree.classes_:
                col = list(tree.classes_).index(1)
                votes[out] += tree.predict_proba(self.presence_X_[out])[:, col]
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(counts > 0, votes / counts, np.nan)

    def predict_suitability(self, X) -> np.ndarray:
        """Share of trees' votes for presence: scikit-learn's, or the packed trees' on raster windows.

        Rows in raster order mostly fall in their predecessor's leaf, and there
        :func:`amurlink.habitat.trees.sum_leaf_values` finds the same leaves,
        summed in the same order, faster (module :mod:`amurlink.habitat.trees`);
        other rows take the trees' own compiled search.
        """
        check_is_fitted(self, "trees_")
        # the trees' own input check, done once: float32, C order (as sklearn's trees take)
        X = np.ascontiguousarray(_as_2d(X), dtype=np.float32)
        if not np.isfinite(X).all():
            raise ValueError("Input X contains NaN or infinity")
        if X.shape[0] >= self._PACKED_MIN_ROWS:
            from amurlink.habitat import trees  # numba: loaded by the models that predict with it

            packed = self._packed_trees()
            # the float32 values exactly in float64: the same comparisons as the trees' own
            X64 = X.astype(np.float64)
            if trees.box_hit_rate(X64, packed) >= trees.MIN_BOX_HIT_RATE:
                return trees.sum_leaf_values(X64, packed) / len(self.trees_)
        return self._votes_by_scikit_learn(X)

    def _votes_by_scikit_learn(self, X32: np.ndarray) -> np.ndarray:
        """The votes through each tree's own ``apply`` (``X32``: C-ordered, finite float32)."""
        votes = np.zeros(X32.shape[0])
        for tree in self.trees_:
            if 1 not in tree.classes_:
                continue
            # the tree's compiled leaf search (GIL released) and its leaves' presence
            # fraction: what predict_proba(X)[:, 1] returns, without its (n, 2) copy
            col = list(tree.classes_).index(1)
            votes += tree.tree_.value[:, 0, col][tree.tree_.apply(X32)]
        return votes / len(self.trees_)

    #: Fewer rows (cross-validation folds, site tables) are not worth packing for.
    _PACKED_MIN_ROWS = 4096

    def _packed_trees(self):
        # packed on the first large prediction, not in fit (unlike boosting): the
        # forests fitted in cross-validation only score small tables; a refit drops it
        if not hasattr(self, "packed_trees_"):
            from amurlink.habitat import trees

            self.packed_trees_ = trees.pack_decision_trees(self.trees_, self.n_features_in_)
        return self.packed_trees_


class BoostingModel(_PresenceBackgroundModel):
    """Histogram gradient boosting with presences and background weighted equally.

    A boosted-tree model in the spirit of BRT (Elith et al. 2008, J Anim Ecol
    77:802), with scikit-learn's HistGradientBoostingClassifier.  ``max_depth``
    plays BRT's tree complexity (interaction depth) and is tuned like it.

    100 iterations at a learning rate of 0.05 and no early stopping by default:
    on random 5-fold CV of the training data of 19 NCEAS species, depth-4 models
    of 100 iterations scored a mean AUC of 0.8752, 150 iterations 0.8725, 50
    0.8692; on another 25 species, 300 (early-stopped on a validation tenth,
    scikit-learn's ``"auto"`` above 10,000 rows) scored 0.807 against 0.826
    for 150 (bench/defaults_cv.py).  100 predict three times faster than 300.
    Early stopping is off so that the fit does not depend on the number of rows
    (scikit-learn turns it on above 10,000).  ``min_samples_leaf``,
    ``l2_regularization`` and ``max_features`` are scikit-learn's, at its
    defaults: against target-group backgrounds (19 NCEAS species, random
    location folds) leaves of 5 or 10, an L2 penalty of 1 and half the features
    per split scored within 0.003 of them (bench/RESULTS.md).
    """

    #: Tree splits lie between training values, so clamping to the training range
    #: never changes a prediction: the clamping map skips the unclamped pass.
    clamp_invariant = True

    def __init__(
        self,
        learning_rate: float = 0.05,
        max_iter: int = 100,
        max_leaf_nodes: int = 15,
        max_depth: int | None = None,
        categorical=(),
        random_state: int | None = 0,
        min_samples_leaf: int = 20,
        l2_regularization: float = 0.0,
        max_features: float = 1.0,
    ):
        self.learning_rate = learning_rate
        self.max_iter = max_iter
        self.max_leaf_nodes = max_leaf_nodes
        self.max_depth = max_depth
        self.min_samples_leaf = min_samples_leaf
        self.l2_regularization = l2_regularization
        self.max_features = max_features
        self.categorical = categorical
        self.random_state = random_state

    def fit(self, X, y, sample_weight=None) -> BoostingModel:
        X, y = self._start_fit(X, y)
        cat = _resolve_columns(self.categorical, X.shape[1], None)
        mask = np.zeros(X.shape[1], bool)
        mask[cat] = True
        self.hgb_ = HistGradientBoostingClassifier(
            learning_rate=self.learning_rate,
            max_iter=self.max_iter,
            max_leaf_nodes=self.max_leaf_nodes,
            max_depth=self.max_depth,
            min_samples_leaf=self.min_samples_leaf,
            l2_regularization=self.l2_regularization,
            max_features=self.max_features,
            categorical_features=mask if cat else None,
            early_stopping=False,
            random_state=self.random_state,
        )
        # OpenMP threads spin against other jobs on a small machine; one is enough here
        with threadpool_limits(1, user_api="openmp"):
            self.hgb_.fit(X, y, sample_weight=_balanced_weights(y, sample_weight))
        if hasattr(self, "packed_trees_"):
            del self.packed_trees_  # a refit's trees are packed afresh
        self._packed_trees()
        return self

    def predict_proba(self, X) -> np.ndarray:
        p = self.predict_suitability(X)
        return np.column_stack([1.0 - p, p])

    def predict_suitability(self, X) -> np.ndarray:
        """Probability of presence: scikit-learn's, through :mod:`amurlink.habitat.trees`.

        The packed trees give the same raw score as scikit-learn's traversal (the
        same leaves, summed in the same order) and the same logistic link, about
        five times faster on raster windows.  Rows with no-data, and
        categorical splits, go through scikit-learn's own path.
        """
        check_is_fitted(self, "hgb_")
        X = _as_2d(X)
        packed = self._packed_trees()
        if packed is None or not np.isfinite(X).all():
            with threadpool_limits(1, user_api="openmp"):
                return self.hgb_.predict_proba(X)[:, 1]
        from amurlink.habitat import trees  # numba: loaded by the models that predict with it

        return optimize_expit(trees.sum_leaf_values(X, packed, start=self._raw_baseline()))

    def _raw_baseline(self) -> float:
        """The boosting's starting log-odds, to which the trees' leaf values add."""
        return float(self.hgb_._baseline_prediction.ravel()[0])

    def _packed_trees(self):
        # packed by fit; lazily for models pickled before packing existed
        if not hasattr(self, "packed_trees_"):
            from amurlink.habitat import trees

            self.packed_trees_ = trees.pack_hist_gradient_boosting(self.hgb_)
        return self.packed_trees_


class EnsembleModel(_PresenceBackgroundModel):
    """Weighted mean of member models' suitabilities; their spread measures uncertainty.

    Valavi et al. (2022, Ecol Monogr 92:e01486) found a simple average of
    MaxEnt, down-sampled RF, BRT and GLM the best performer on average; biomod2's
    ``BIOMOD_EnsembleModeling`` weights members by their evaluation score.  Weights
    here are typically each member's spatially cross-validated AUC minus 0.5
    (skill above random); members with no skill get weight 0.

    Covariates are clamped to the training range before the members see them
    (as MaxEnt's ``clamp``); :meth:`predict_clamping` reports how much that
    changed the prediction (MaxEnt's clamping map).

    Parameters
    ----------
    members : sequence of (name, estimator)
    weights : sequence of float, optional
        One per member; equal when omitted.
    categorical : sequence of int
        Class-code columns, never clamped.
    clamp : bool
        Clamp continuous covariates to the training range before predicting.
    prefit : bool
        Members are already fitted: ``fit`` only records weights and ranges.
    """

    def __init__(
        self,
        members: Sequence[tuple[str, BaseEstimator]] = (),
        weights=None,
        categorical: Sequence[int] = (),
        clamp: bool = True,
        prefit: bool = False,
    ):
        self.members = members
        self.weights = weights
        self.categorical = categorical
        self.clamp = clamp
        self.prefit = prefit

    def fit(self, X, y, sample_weight=None) -> EnsembleModel:
        if not self.members:
            raise ValueError("EnsembleModel needs at least one member")
        X = _as_2d(X)
        if self.prefit:
            self.members_ = list(self.members)
        else:
            self.members_ = [
                (n, clone(m).fit(X, y, sample_weight=sample_weight)) for n, m in self.members
            ]
        w = np.ones(len(self.members)) if self.weights is None else np.asarray(self.weights, float)
        w = np.clip(w, 0.0, None)
        if w.sum() <= 0:
            w = np.ones(len(self.members))
        self.weights_ = w / w.sum()
        self.classes_ = np.array([0, 1])
        self.n_features_in_ = X.shape[1]
        finite = X[np.isfinite(X).all(axis=1)]
        self.xmin_ = finite.min(axis=0)
        self.xmax_ = finite.max(axis=0)
        self.continuous_ = np.ones(X.shape[1], bool)
        self.continuous_[_resolve_columns(self.categorical, X.shape[1], None)] = False
        return self

    @property
    def member_names(self) -> list[str]:
        check_is_fitted(self, "members_")
        return [n for n, _ in self.members_]

    def clamp_X(self, X) -> np.ndarray:
        """``X`` with continuous covariates clipped to the training range."""
        check_is_fitted(self, "members_")
        X = _as_2d(X)
        c = self.continuous_
        if c.all():  # one pass, no column gathers: 10 against 75 ns a cell (bench window)
            return np.clip(X, self.xmin_, self.xmax_)
        X = X.copy()
        X[:, c] = np.clip(X[:, c], self.xmin_[c], self.xmax_[c])
        return X

    def member_predictions(self, X, clamp: bool | None = None) -> np.ndarray:
        """Members' suitabilities, shape (n_members, n_samples)."""
        check_is_fitted(self, "members_")
        clamp = self.clamp if clamp is None else clamp
        if clamp:
            X = self.clamp_X(X)  # once for all members
            return np.vstack([_suitability(m, X) for _, m in self.members_])
        return np.vstack([_suitability(_unclamped(m), X) for _, m in self.members_])

    def predict_suitability(self, X) -> np.ndarray:
        return self.weights_ @ self.member_predictions(X)

    def predict_spread(self, X) -> np.ndarray:
        """Weighted standard deviation of the members' suitabilities."""
        preds = self.member_predictions(X)
        mean = self.weights_ @ preds
        return np.sqrt(self.weights_ @ (preds - mean) ** 2)

    def predict_all(self, X) -> dict[str, np.ndarray]:
        """Suitability, spread (uncertainty) and clamping effect from one pass of the members.

        ``clamping`` = |prediction with clamping − prediction without| (MaxEnt's
        clamping map, Phillips et al. 2006; Elith et al. 2011 Divers Distrib 17:43).
        """
        preds = self.member_predictions(X, clamp=True)
        mean = self.weights_ @ preds
        out = {"suitability": mean, "spread": np.sqrt(self.weights_ @ (preds - mean) ** 2)}
        X = _as_2d(X)
        c = self.continuous_
        outside = ((X[:, c] < self.xmin_[c]) | (X[:, c] > self.xmax_[c])).any(axis=1)
        clamping = np.zeros(len(mean))
        if outside.any():
            X_out = X[outside]
            raw_members = [
                preds[k, outside]
                if getattr(m, "clamp_invariant", False)
                else _suitability(_unclamped(m), X_out)
                for k, (_, m) in enumerate(self.members_)
            ]
            raw = self.weights_ @ np.vstack(raw_members)
            clamping[outside] = np.abs(mean[outside] - raw)
        out["clamping"] = clamping
        return out


def _unclamped(model):
    """A shallow copy of ``model`` that does not clamp (MaxEnt); other models as they are."""
    if getattr(model, "clamp", False) is True and isinstance(model, MaxentModel):
        model = copy.copy(model)
        model.clamp = False
    return model


def _suitability(model, X) -> np.ndarray:
    if hasattr(model, "predict_suitability"):
        return np.asarray(model.predict_suitability(X), float)
    return np.asarray(model.predict_proba(X), float)[:, 1]


def suitability(model, X) -> np.ndarray:
    """Suitability in [0, 1] of any fitted model (``predict_suitability`` or ``predict_proba``)."""
    return _suitability(model, X)


def make_model(
    kind: str,
    *,
    features: str = "lqh",
    beta: float = 1.0,
    categorical=(),
    feature_names=None,
    seed: int = 0,
    max_depth: int | None = None,
) -> BaseEstimator:
    """Build a model by name: ``maxent``, ``glm``, ``rf``, ``brt`` or ``ensemble``."""
    kind = kind.lower()
    if kind == "maxent":
        return MaxentModel(
            features=features, beta=beta, categorical=categorical, feature_names=feature_names
        )
    if kind == "glm":
        return GLMModel(categorical=categorical, feature_names=feature_names)
    if kind == "rf":
        return DownsampledRFModel(random_state=seed)
    if kind == "brt":
        # BoostingModel takes column indices: names resolve against feature_names here
        cat_idx = (
            _resolve_columns(categorical, len(feature_names), list(feature_names))
            if feature_names is not None
            else categorical
        )
        return BoostingModel(categorical=cat_idx, max_depth=max_depth, random_state=seed)
    if kind == "ensemble":
        return EnsembleModel(
            members=[
                (
                    "maxent",
                    make_model(
                        "maxent",
                        features=features,
                        beta=beta,
                        categorical=categorical,
                        feature_names=feature_names,
                    ),
                ),
                ("glm", make_model("glm", categorical=categorical, feature_names=feature_names)),
                ("rf", DownsampledRFModel(n_estimators=ENSEMBLE_RF_TREES, random_state=seed)),
                (
                    "brt",
                    make_model(
                        "brt", categorical=categorical, feature_names=feature_names, seed=seed
                    ),
                ),
            ]
        )
    raise ValueError(f"unknown model kind {kind!r}; use maxent, glm, rf, brt or ensemble")
