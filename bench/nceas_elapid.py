"""elapid's default MaxEnt on the NCEAS tables, scored as ``swd benchmark`` scores (issue 14).

A comparator for ``python -m amurlink.apps.swd benchmark``: the same regions,
species, covariates (categorical ones as elapid's ``categorical`` features),
no-data masking and test sites, fitted with elapid 1.0's ``MaxentModel`` at its
defaults (linear, hinge and product features, 10 hinge knots, β 1.5) on the presences
against the region's background, and scored by AUC on the surveyed test sites.
It says whether a gap to Valavi et al.'s published figures is this project's
MaxEnt or the tables themselves.

Usage::

    python bench/nceas_elapid.py ../shared/benchmarks/nceas --out elapid_auc.csv [--jobs 2]
"""

from __future__ import annotations

import argparse
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from joblib import Parallel, delayed

from amurlink.apps import swd


class _Suitability:
    """An elapid model as the project's models are scored: ``predict_suitability(X)``."""

    def __init__(self, model):
        self.model = model

    def predict_suitability(self, X):
        return np.asarray(self.model.predict(X)).ravel()


def fit_and_score(t: dict, species: str) -> dict:
    """Fit elapid's default MaxEnt to ``species`` of region tables ``t``; its test-site AUC."""
    import elapid

    cov, cat = t["covariates"], t["categorical"]
    Xb, xyb, _ = swd.species_background(t, species)
    X, y, _, ok = swd.species_rows(t["presences"], species, cov, Xb, xyb)
    started = time.process_time()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = elapid.MaxentModel(n_cpus=1, random_state=0)  # elapid draws at random otherwise
        model.fit(pd.DataFrame(X, columns=cov), y, categorical=[cov.index(c) for c in cat] or None)
        seconds = time.process_time() - started
        auc, _ = swd.test_site_auc(_Suitability(model), t["test"], cov, species)
    return {"species": species, "n_presences": int(ok.sum()), "auc": auc, "fit_seconds": seconds}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("dir")
    ap.add_argument("--out", required=True)
    ap.add_argument("--jobs", type=int, default=1)
    ap.add_argument("--background", default="target-group", choices=swd.BACKGROUNDS)
    args = ap.parse_args()
    root = Path(args.dir)
    published = pd.read_csv(root / "valavi2023_auc.csv")
    scored = set(published["species"].astype(str))
    rows = []
    for region in ("AWT", "CAN", "NSW"):
        t = swd.region_tables(root / region, background=args.background)
        species = [s for s in sorted(t["presences"]["species"].astype(str).unique()) if s in scored]
        out = Parallel(n_jobs=args.jobs)(delayed(fit_and_score)(t, s) for s in species)
        rows += [{"region": region, **r} for r in out]
    table = pd.DataFrame(rows)
    maxent = published[(published["model"] == "MaxEnt") & (published["cv"] == "random")]
    table = table.merge(maxent[["species", "ROC"]].rename(columns={"ROC": "published_auc"}))
    table.to_csv(args.out, index=False)
    means = table.groupby("region")[["auc", "published_auc", "fit_seconds"]].mean()
    means.loc["all"] = table[["auc", "published_auc", "fit_seconds"]].mean()
    print(means.round(3).to_string())


if __name__ == "__main__":
    main()
