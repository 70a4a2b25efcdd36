"""Where the NCEAS tables and Valavi et al.'s fits agree: a data check for issue 14.

``swd benchmark`` scores each model on the shared tables beside Valavi et al.'s
(2022, 2023) published test AUC of the same model.  A gap can be the method or
the data.  Two checks tell them apart:

- across species, fits of different methods on the same data agree closely
  (their GLM with their MaxEnt or RF, ours with ours).  If our fit of a method
  tracks their fit of the same kind of method less closely than that, the
  species' tables differ from the data they fitted;
- on the species where our GLM's test AUC is within ``--tol`` of theirs (a
  ridge quadratic GLM against their stepwise one: close, not identical, on the
  same data), the other models' gaps are the nearest thing to method gaps.

Reads the per-species table that ``python -m amurlink.apps.swd benchmark ...
--models glm maxent rf brt ensemble`` writes and ``valavi2023_auc.csv``;
writes one row per species (``agrees``: |our GLM − theirs| < ``--tol``) and
prints the tables of bench/RESULTS.md.  Nothing here is fitted or tuned on the
test sites: it only compares scores already computed.

Usage::

    python bench/nceas_agreement.py bench/nceas/species_auc.csv \\
        ../shared/benchmarks/nceas/valavi2023_auc.csv --out bench/nceas/agreement.csv \\
        [--cross ../shared/benchmarks/nceas/CAN] [--location ../shared/benchmarks/nceas/*/]

``--cross REG`` also fits each species' GLM of that region and scores it on every
species' test column (``cross_glm_REG.csv``): a check for swapped species labels.

``--location REG [REG ...]`` scores each species' test sites by their distance
to the nearest of its training presences, nothing fitted (``location_REG.csv``).
Presence-only records and survey presences of one species lie close together
(species' ranges are spatially contiguous: Tobler's first law, and the reason
spatial CV exists, Roberts et al. 2017), so this AUC is above 0.5 wherever the
two tables describe the same species; below 0.5, test presences lie farther
from the species' records than its absences do, and no model of these tables
can score as Valavi et al. published.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd

from amurlink.apps.swd import PUBLISHED_MODEL


def paired_scores(ours: pd.DataFrame, published: pd.DataFrame) -> pd.DataFrame:
    """One row per species: region, our AUC and the published AUC of every model."""
    pub = published[published["cv"] == "random"].pivot(
        index="species", columns="model", values="ROC"
    )
    wide = ours.pivot(index="species", columns="model", values="auc")
    out = pd.DataFrame({"region": ours.groupby("species")["region"].first()})
    for kind, name in PUBLISHED_MODEL.items():
        if kind in wide:
            out[f"ours_{kind}"] = wide[kind]
            out[f"published_{kind}"] = pub[name].reindex(wide.index)
    return out.dropna()


def correlations(paired: pd.DataFrame) -> pd.DataFrame:
    """Per region, Pearson r across species between pairs of score columns."""
    pairs = [
        ("ours_glm", "published_glm"),
        ("ours_maxent", "published_maxent"),
        ("published_glm", "published_maxent"),
        ("published_glm", "published_rf"),
        ("ours_glm", "ours_maxent"),
        ("ours_glm", "ours_rf"),
    ]
    rows = []
    for region, part in [*paired.groupby("region"), ("all", paired)]:
        row = {"region": region, "n_species": len(part)}
        for a, b in pairs:
            if a in part and b in part:
                row[f"{a} ~ {b}"] = float(np.corrcoef(part[a], part[b])[0, 1])
        rows.append(row)
    return pd.DataFrame(rows)


def agreeing_means(paired: pd.DataFrame, tol: float) -> pd.DataFrame:
    """Mean AUC per model, ours and published, on the species whose GLMs agree and the rest."""
    agrees = (paired["ours_glm"] - paired["published_glm"]).abs() < tol
    rows = []
    for label, part in (("GLMs agree", paired[agrees]), ("GLMs differ", paired[~agrees])):
        for kind in PUBLISHED_MODEL:
            if f"ours_{kind}" not in part:
                continue
            ours, pub = part[f"ours_{kind}"], part[f"published_{kind}"]
            rows.append({"species": label, "n": len(part), "model": kind,
                         "ours": ours.mean(), "published": pub.mean(),
                         "difference": (ours - pub).mean()})  # fmt: skip
    return pd.DataFrame(rows)


def cross_table(region: Path, species: list[str]) -> pd.DataFrame:
    """Test AUC of each species' default GLM scored on every species' test column.

    Rows: the training presences; columns: the test column.  If the tables had
    species labels swapped, some off-diagonal cell would reproduce a species'
    published AUC that its own fit misses.
    """
    from amurlink.apps import swd
    from amurlink.habitat import models

    # The region's background table: this checks the fits that bench/RESULTS.md's
    # first NCEAS table reports against it.
    t = swd.region_tables(region, background="region")
    cov = t["covariates"]
    out = pd.DataFrame(index=species, columns=species, dtype=float)
    for sp in species:
        Xb, xyb, _ = swd.species_background(t, sp)
        X, y, _, _ = swd.species_rows(t["presences"], sp, cov, Xb, xyb)
        glm = models.make_model("glm", categorical=t["categorical"], feature_names=cov)
        glm.fit(X, y)
        for column in species:
            out.loc[sp, column] = swd.test_site_auc(glm, t["test"], cov, column)[0]
    return out


def location_check(region: Path) -> pd.DataFrame:
    """Per species: AUC of test sites scored by −(distance to the nearest training presence).

    Distances are in metres on the ground (geographic coordinates projected by
    :func:`amurlink.habitat.evaluate.metric_coordinates`, one projection for the
    records and the sites); ties at equal distance count half, as in any AUC.
    """
    from scipy.spatial import cKDTree

    from amurlink.apps import swd
    from amurlink.habitat import evaluate

    t = swd.region_tables(region)
    pres, test = t["presences"], t["test"]
    crs = evaluate.guess_crs(t["background"]["x"], t["background"]["y"])
    x, y = evaluate.metric_coordinates(
        np.r_[pres["x"], test["x"]], np.r_[pres["y"], test["y"]], crs
    )
    rec_xy = np.column_stack([x[: len(pres)], y[: len(pres)]])
    site_xy = np.column_stack([x[len(pres) :], y[len(pres) :]])
    rows = []
    for sp in sorted(set(pres["species"]) & set(test.columns)):
        obs = pd.to_numeric(test[sp], errors="coerce").to_numpy(float)
        surveyed = np.isfinite(obs)
        present = obs[surveyed] == 1
        if present.all() or not present.any():
            continue
        dist, _ = cKDTree(rec_xy[(pres["species"] == sp).to_numpy()]).query(site_xy[surveyed])
        rows.append({"species": sp, "region": region.name,
                     "nearest_record_auc": evaluate.auc(-dist[present], -dist[~present]),
                     "median_km_presences": np.median(dist[present]) / 1e3,
                     "median_km_absences": np.median(dist[~present]) / 1e3})  # fmt: skip
    return pd.DataFrame(rows).set_index("species")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("species_auc", type=Path, help="swd benchmark's species_auc.csv")
    parser.add_argument("published", type=Path, help="valavi2023_auc.csv")
    parser.add_argument("--tol", type=float, default=0.02, help="|GLM AUC difference| that agrees")
    parser.add_argument("--out", type=Path, required=True, help="per-species table (CSV)")
    parser.add_argument("--cross", type=Path, help="a region's folder: write its GLM cross table")
    parser.add_argument("--location", type=Path, nargs="+", default=[],
                        help="regions' folders: score test sites by distance to the records")  # fmt: skip
    args = parser.parse_args(argv)
    paired = paired_scores(pd.read_csv(args.species_auc), pd.read_csv(args.published))
    paired["agrees"] = (paired["ours_glm"] - paired["published_glm"]).abs() < args.tol
    paired.to_csv(args.out)
    counts = paired.groupby("region")["agrees"].agg(["sum", "size"])
    print("species whose GLM test AUC is within", args.tol, "of the published:")
    print(counts.to_markdown())
    print()
    print(correlations(paired).to_markdown(index=False, floatfmt=".2f"))
    print()
    print(agreeing_means(paired, args.tol).to_markdown(index=False, floatfmt=".3f"))
    if args.cross:
        region = args.cross.name
        species = sorted(paired.index[paired["region"] == region])
        cross = cross_table(args.cross, species)
        cross.to_csv(args.out.with_name(f"cross_glm_{region}.csv"))
        best = cross.max(axis=0)
        print()
        print(f"{region}: each test column's published GLM AUC, its own fit, the best of any fit")
        table = pd.DataFrame({"published": paired.loc[species, "published_glm"],
                              "own": np.diag(cross.to_numpy()), "best_any": best,
                              "best_from": cross.idxmax(axis=0)})  # fmt: skip
        print(table.to_markdown(floatfmt=".3f"))

    for folder in args.location:
        loc = location_check(folder)
        loc.to_csv(args.out.with_name(f"location_{folder.name}.csv"))
        both = loc.join(paired[["ours_ensemble", "published_ensemble"]], how="inner")
        r_ours = both["nearest_record_auc"].corr(both["ours_ensemble"])
        r_published = both["nearest_record_auc"].corr(both["published_ensemble"])
        below = both["nearest_record_auc"] < 0.5
        print()
        print(f"{folder.name}: test AUC of the nearest-record distance, and the ensembles'")
        print(both.to_markdown(floatfmt=".3f"))
        print(f"{below.sum()} of {len(both)} species below 0.5; their ensembles: ours "
              f"{both.loc[below, 'ours_ensemble'].mean():.3f}, published "
              f"{both.loc[below, 'published_ensemble'].mean():.3f}; the rest: ours "
              f"{both.loc[~below, 'ours_ensemble'].mean():.3f}, published "
              f"{both.loc[~below, 'published_ensemble'].mean():.3f}; Pearson r across species "
              f"with our ensemble {r_ours:.2f}, with the published {r_published:.2f}")  # fmt: skip


if __name__ == "__main__":
    main()
