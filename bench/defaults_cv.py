"""Tree members' defaults from cross-validation on training data only (issue 14).

For every fourth species of the NCEAS regions AWT, CAN and NSW
(``../shared/benchmarks/nceas``; Elith et al. 2020, *Biodiversity Informatics*
15:69), the presences against the region's background (``--background region``, the
default) or their target group's record sites (``target-group``) are split into random
5-fold CV (the tuning split of Valavi et al. 2022) or, with ``--cv spatial``,
spatial blocks of ``--block-km`` on the ground, and each candidate setting
of the down-sampled RF and of the boosted trees is scored by its mean test-fold
AUC (presences against background).  The independent test sites' outcomes
are never read (target groups come from which sites were surveyed).
Prediction cost per cell is timed on 200,000 background rows.

Usage::

    python bench/defaults_cv.py [--start 1] [--step 4] [--min-presences 25] [--out cv.csv] \\
        [--cv random|spatial] [--block-km 20] [--variants rf200 maxent-lqh ...]

Prints the mean AUC, fit seconds (five folds) and microseconds per predicted
cell of each variant over the species every variant scored.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score

from amurlink.apps import swd
from amurlink.habitat import evaluate, models

DATA = Path(__file__).resolve().parents[2] / "shared" / "benchmarks" / "nceas"
VARIANTS = {
    "rf500": lambda: models.DownsampledRFModel(n_estimators=500),
    "rf200": lambda: models.DownsampledRFModel(n_estimators=200),
    "rf100": lambda: models.DownsampledRFModel(n_estimators=100),
    # shallower trees: fewer, larger leaves (fewer boxes to leave, shorter walks)
    "rf200leaf2": lambda: models.DownsampledRFModel(min_samples_leaf=2),
    "rf200leaf5": lambda: models.DownsampledRFModel(min_samples_leaf=5),
    "rf200leaf10": lambda: models.DownsampledRFModel(min_samples_leaf=10),
    "brt300": lambda: models.BoostingModel(max_depth=4, max_iter=300),
    "brt150": lambda: models.BoostingModel(max_depth=4, max_iter=150),
    "brt100": lambda: models.BoostingModel(max_depth=4, max_iter=100),
    "brt50": lambda: models.BoostingModel(max_depth=4, max_iter=50),
    "brt100d2": lambda: models.BoostingModel(max_depth=2, max_iter=100),
    # BRT as Elith et al. (2008) and Valavi et al. (2022) fit it: a slow learning rate, many trees
    "brt500lr01": lambda: models.BoostingModel(max_depth=4, max_iter=500, learning_rate=0.01),
    # boosting's leaves and regularisation (gbm's n.minobsinnode is 10; scikit-learn's 20)
    "brt-leaf10": lambda: models.BoostingModel(max_depth=4, min_samples_leaf=10),
    "brt-leaf5": lambda: models.BoostingModel(max_depth=4, min_samples_leaf=5),
    "brt-mf05": lambda: models.BoostingModel(max_depth=4, max_features=0.5),
    "brt-l2": lambda: models.BoostingModel(max_depth=4, l2_regularization=1.0),
    "brt250lr02": lambda: models.BoostingModel(max_depth=4, max_iter=250, learning_rate=0.02),
    # MaxEnt's feature classes: fixed (the project's default) or by sample size (maxnet's)
    "maxent-lqh": lambda: models.MaxentModel(features="lqh"),
    "maxent-auto": lambda: models.MaxentModel(features="auto"),
    # the default ensemble (equal weights, untuned), and with cheaper tree members
    "ens": lambda: ensemble(),
    "ens-rf100": lambda: ensemble(rf__n_estimators=100),
    "ens-rf50": lambda: ensemble(rf__n_estimators=50),
    "ens-rf25": lambda: ensemble(rf__n_estimators=25),
    "ens-rf50-brt50": lambda: ensemble(
        rf__n_estimators=50, brt__max_iter=50, brt__learning_rate=0.1
    ),
}


def ensemble(**member_params) -> models.EnsembleModel:
    """The default ensemble (``make_model("ensemble")``) with ``<member>__<param>`` overrides."""
    model = models.make_model("ensemble")
    members = dict(model.members)
    for key, value in member_params.items():
        name, param = key.split("__", 1)
        members[name].set_params(**{param: value})
    return model


def region_species(region: str, start: int, step: int, min_presences: int, background: str):
    """Yield (species, X, y, background X, coordinates) of every ``step``-th species of ``region`` from ``start``.

    The tables are read as ``swd benchmark`` reads them (no-data codes masked),
    each species against its ``background`` (``swd.BACKGROUNDS``).
    """
    t = swd.region_tables(DATA / region, background=background)
    pres, cov = t["presences"], t["covariates"]
    for sp in sorted(pres["species"].astype(str).unique())[start::step]:
        Xb, xyb, _ = swd.species_background(t, sp)
        X, y, xy, ok = swd.species_rows(pres, sp, cov, Xb, xyb)
        if ok.sum() >= min_presences:
            yield sp, X, y, Xb, xy


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--start", type=int, default=1)
    ap.add_argument("--step", type=int, default=4)
    ap.add_argument("--min-presences", type=int, default=25)
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--out", default="defaults_cv.csv")
    ap.add_argument("--variants", nargs="*", default=list(VARIANTS), choices=list(VARIANTS))
    ap.add_argument(
        "--cv", default="random", choices=["random", "spatial"],
        help="random folds, or spatial blocks of --block-km on the ground (Roberts et al. 2017)",
    )  # fmt: skip
    ap.add_argument("--block-km", type=float, default=20.0)
    ap.add_argument("--background", default="region", choices=swd.BACKGROUNDS,
                    help="each species against the region's table or its target group's sites")  # fmt: skip
    args = ap.parse_args()
    variants = {k: VARIANTS[k] for k in args.variants}
    rows = []
    for region in ("AWT", "CAN", "NSW"):
        for sp, X, y, Xb, xy in region_species(
            region, args.start, args.step, args.min_presences, args.background
        ):
            # Random folds deal locations, not rows, as swd benchmark's tuning does: a
            # target-group background holds each presence's site too, and a presence
            # whose twin trains in another fold would be scored against its own copy.
            block_m = swd.RANDOM_CV_BLOCK_M if args.cv == "random" else args.block_km * 1000
            crs = evaluate.guess_crs(xy[:, 0], xy[:, 1])
            folds = evaluate.spatial_block_folds(
                xy[:, 0], xy[:, 1], block_m, args.folds, 0, crs=crs
            )
            query = np.ascontiguousarray(Xb[np.random.default_rng(0).integers(0, len(Xb), 200_000)])
            for name, make in variants.items():
                t0 = time.perf_counter()
                aucs = []
                for f in range(args.folds):
                    test = folds == f
                    if len(np.unique(y[test])) < 2:  # a spatial fold without presences
                        continue
                    fitted = make().fit(X[~test], y[~test])
                    aucs.append(roc_auc_score(y[test], fitted.predict_suitability(X[test])))
                seconds = time.perf_counter() - t0
                t0 = time.perf_counter()
                fitted.predict_suitability(query)
                us = (time.perf_counter() - t0) / len(query) * 1e6
                rows.append(
                    dict(region=region, species=sp, n=int(y.sum()), variant=name,
                         auc=float(np.mean(aucs)), fit_s=seconds, us_cell=us)
                )  # fmt: skip
                print(rows[-1], flush=True)
    table = pd.DataFrame(rows)
    table.to_csv(args.out, index=False)
    scored = table.dropna(subset=["auc"]).groupby("species")["variant"].nunique()
    common = scored.index[scored == len(variants)]
    summary = (
        table[table["species"].isin(common)]
        .groupby("variant", sort=False)[["auc", "fit_s", "us_cell"]]
        .mean()
    )
    print(f"{len(common)} species scored by every variant")
    print(summary.round(4).to_string())


if __name__ == "__main__":
    main()
