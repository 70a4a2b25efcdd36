"""Fit and score habitat models from samples-with-data (SWD) tables.

MaxEnt's SWD layout (Phillips et al. 2006; Phillips & Dudík 2008, Ecography
31:161): a presence table and a background table, each ``species, x, y,
<covariate…>``; the background's ``species`` column may hold anything (MaxEnt
uses "background") and is shared by all species.  Independent evaluation sites
hold ``x, y, <covariate…>`` and a 0/1 column per species (e.g. camera-trap
stations: 1 = detected, 0 = effort without detection), as in the presence-absence
evaluation data of Elith et al. (2006, Ecography 29:129) and Valavi et al. (2022).

Commands::

    python -m amurlink.apps.swd extract --results results --out swd
    python -m amurlink.apps.swd fit --presences swd/presences.csv --background swd/background.csv \\
        --model ensemble --out swd/model.pkl
    python -m amurlink.apps.swd score --model swd/model.pkl --sites swd/sites.csv --out swd/metrics.csv

``extract`` writes SWD tables from a pipeline run (``habitat/<species>/presences.csv``,
``background.csv`` and ``stations.csv`` with ``prepare/covariates.tif``).
"""

from __future__ import annotations

import argparse
import math
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from amurlink.core import io
from amurlink.core.errors import InputError, require_columns
from amurlink.core.io import pickled, tables
from amurlink.habitat import evaluate, fitting, models, tuning

ID_COLUMNS = ("species", "x", "y")


def read_swd(path, covariates: Sequence[str] | None = None, need_species: bool = True):
    """Read an SWD table; return it and its covariate names (all columns after species, x, y).

    With ``covariates`` given, the table must hold each of them (extra columns are
    ignored); a missing or non-numeric covariate raises :class:`InputError`.
    """
    df = tables.read_table(path)
    required = ID_COLUMNS if need_species else ID_COLUMNS[1:]
    require_columns(df, required, path, "SWD tables: species, x, y, covariates…")
    if covariates is None:
        covariates = [c for c in df.columns if c not in ID_COLUMNS]
        if not covariates:
            raise InputError(f"{path}: no covariate columns after species, x, y")
    require_columns(df, covariates, path, f"covariates; the model needs {list(covariates)}")
    for c in covariates:
        values = pd.to_numeric(df[c], errors="coerce")
        bad = values.isna() & df[c].notna()
        if bad.any():
            raise InputError(f"{path}: covariate '{c}' is not a number at {int(bad.sum())} rows")
        df[c] = values.astype(float)
    return df, list(covariates)


def fit_swd(
    presences: pd.DataFrame,
    background: pd.DataFrame,
    covariates: Sequence[str],
    *,
    model: str = "ensemble",
    species: Sequence[str] | None = None,
    grid: dict | None = None,
    features: str = "lqh",
    beta: float = 1.0,
    block_size_m: float = 20_000,
    n_folds: int = 5,
    seed: int = 0,
    n_jobs: int = 1,
) -> dict:
    """Fit one model per species of the presence table against the shared background.

    Returns ``{"covariates": [...], "models": {species: fitted}, "metrics": {species: {...}}}``.
    Rows with a missing covariate are dropped (counted in the metrics).
    """
    names = list(species) if species else sorted(presences["species"].astype(str).unique())
    Xb_all = background[list(covariates)].to_numpy(float)
    ok_b = np.isfinite(Xb_all).all(axis=1)
    if not ok_b.any():
        raise InputError("background table: every row has a missing covariate")
    Xb, xyb = Xb_all[ok_b], background.loc[ok_b, ["x", "y"]].to_numpy(float)
    out: dict = {"covariates": list(covariates), "models": {}, "metrics": {}, "kind": model}
    for sp in names:
        rows = presences[presences["species"].astype(str) == sp]
        Xp = rows[list(covariates)].to_numpy(float)
        ok = np.isfinite(Xp).all(axis=1)
        if ok.sum() < 5:
            raise InputError(
                f"presence table: species '{sp}' has {int(ok.sum())} rows with every covariate "
                "(at least 5 needed)"
            )
        X = np.vstack([Xp[ok], Xb])
        y = np.r_[np.ones(int(ok.sum()), int), np.zeros(len(Xb), int)]
        xy = np.vstack([rows.loc[ok, ["x", "y"]].to_numpy(float), xyb])
        fit = fitting.fit_habitat_model(
            X, y, xy[:, 0], xy[:, 1], kind=model, block_size_m=block_size_m, n_folds=n_folds,
            seed=seed, feature_names=covariates, tuning_grid=grid, features=features, beta=beta,
            n_jobs=n_jobs,
        )  # fmt: skip
        fitted = fit.model
        metrics = {"threshold": fit.metrics["threshold"], "cv": fit.metrics["cv"]}
        metrics.update(n_presences=int(ok.sum()), dropped_presences=int((~ok).sum()))
        out["models"][sp] = fitted
        out["metrics"][sp] = metrics
    return out


def score_sites(bundle: dict, sites: pd.DataFrame) -> pd.DataFrame:
    """Metrics per species on independent presence/absence sites.

    For each fitted species with a 0/1 column in ``sites``: AUC (presence vs
    absence sites), continuous Boyce index (presence sites vs all sites), and at
    the model's training threshold: TSS, sensitivity, specificity and omission.
    """
    cov = bundle["covariates"]
    X = sites[cov].to_numpy(float)
    ok = np.isfinite(X).all(axis=1)
    rows = []
    for sp, model in bundle["models"].items():
        if sp not in sites.columns:
            continue
        obs = pd.to_numeric(sites[sp], errors="coerce")
        bad = ~obs.isin([0, 1]) & obs.notna()
        if bad.any():
            raise InputError(f"sites table: column '{sp}' must hold 0 or 1 ({int(bad.sum())} rows)")
        use = ok & obs.notna().to_numpy()
        s = models.suitability(model, X[use])
        o = obs.to_numpy()[use].astype(int)
        thr = bundle["metrics"][sp]["threshold"]
        present = o == 1
        st = evaluate.station_scores(s, present, thr)
        rows.append(
            {
                "species": sp,
                "n_sites": int(use.sum()),
                "n_presence": st["n_detected"],
                "n_absence": st["n_absent"],
                "auc": st["auc_stations"],
                "boyce": evaluate.boyce_index(s[present], s),
                "threshold": thr,
                "tss": st["tss"],
                "sensitivity": st["sensitivity"],
                "specificity": st["specificity"],
                "omission": evaluate.omission_rate(s[present], thr),
                "cv_spatial_auc": bundle["metrics"][sp]["cv"]
                .get("spatial_block", {})
                .get("auc_mean", math.nan),
            }
        )
    if not rows:
        raise InputError(
            f"sites table: no 0/1 column for any fitted species {list(bundle['models'])}"
        )
    return pd.DataFrame(rows)


def swd_from_run(
    results: Path, covariate_stack: np.ndarray, names: Sequence[str], species: Sequence[str]
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """SWD presence, background and site tables from a pipeline run's habitat files.

    ``covariate_stack`` is (bands, rows, cols) with NaN for no data; presences and
    background take the values at their ``row, col``; sites are the camera-trap
    stations, with a 0/1 column per species (detected or not).
    """

    def values(table):
        return pd.DataFrame(
            covariate_stack[:, table["row"].to_numpy(), table["col"].to_numpy()].T,
            columns=list(names),
            index=table.index,
        )

    pres, bg, sites = [], None, None
    for sp in species:
        d = results / "habitat" / sp
        p = tables.read_table(d / "presences.csv")
        pres.append(pd.concat([p[["x", "y"]].assign(species=sp), values(p)], axis=1))
        if bg is None:
            b = tables.read_table(d / "background.csv")
            bg = pd.concat([b[["x", "y"]].assign(species="background"), values(b)], axis=1)
        st = tables.read_table(d / "stations.csv")
        flag = st[["station"]].assign(**{sp: st["detected"].astype(bool).astype(int)})
        if sites is None:
            sites = pd.concat([st[["station", "x", "y"]], values(st)], axis=1).merge(flag)
        else:
            sites = sites.merge(flag, on="station", how="outer")
    order = ["species", "x", "y", *names]
    return pd.concat(pres, ignore_index=True)[order], bg[order], sites


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m amurlink.apps.swd", description=__doc__.split("\n")[0]
    )
    sub = parser.add_subparsers(dest="command", required=True)
    f = sub.add_parser("fit", help="fit models from SWD presence and background tables")
    f.add_argument("--presences", required=True)
    f.add_argument("--background", required=True)
    f.add_argument("--model", default="ensemble", choices=["ensemble", *tuning.MEMBERS])
    f.add_argument("--species", nargs="*", help="species to fit (default: all in the table)")
    f.add_argument("--features", default="lqh", help="MaxEnt feature classes (single model)")
    f.add_argument("--beta", type=float, default=1.0)
    f.add_argument("--tune-features", nargs="*", default=["lq", "lqh"])
    f.add_argument("--tune-beta", nargs="*", type=float, default=[1.0, 2.0])
    f.add_argument("--block-km", type=float, default=20.0)
    f.add_argument("--folds", type=int, default=5)
    f.add_argument("--seed", type=int, default=0)
    f.add_argument("--jobs", type=int, default=1)
    f.add_argument("--out", required=True)
    s = sub.add_parser("score", help="score a fitted model on independent 0/1 sites")
    s.add_argument("--model", required=True)
    s.add_argument("--sites", required=True)
    s.add_argument("--out", required=True)
    e = sub.add_parser("extract", help="write SWD tables from a pipeline run")
    e.add_argument("--results", default="results", help="the run's results directory")
    e.add_argument("--species", nargs="*", help="default: every species under results/habitat")
    e.add_argument("--out", required=True, help="directory for presences/background/sites.csv")
    args = parser.parse_args(argv)
    try:
        if args.command == "fit":
            pres, cov = read_swd(args.presences)
            bg, _ = read_swd(args.background, cov)
            bundle = fit_swd(
                pres, bg, cov, model=args.model, species=args.species,
                grid={"features": args.tune_features, "beta": args.tune_beta,
                      "brt_max_depth": [2, 4]},
                features=args.features, beta=args.beta, block_size_m=args.block_km * 1000,
                n_folds=args.folds, seed=args.seed, n_jobs=args.jobs,
            )  # fmt: skip
            pickled.write_pickle(bundle, args.out)
            for sp, m in bundle["metrics"].items():
                cv = m["cv"].get("spatial_block", {})
                print(
                    f"{sp}: {m['n_presences']} presences, spatial-CV AUC {cv.get('auc_mean'):.3f}"
                )
        elif args.command == "score":
            bundle = pickled.read_pickle(args.model)
            sites, _ = read_swd(args.sites, bundle["covariates"], need_species=False)
            table = score_sites(bundle, sites)
            io.write_table(table, args.out)
            print(table.to_string(index=False))
        else:
            _extract(Path(args.results), args.species, Path(args.out))
    except InputError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    return 0


def _extract(results: Path, species, out: Path) -> None:
    cov_path = results / "prepare" / "covariates.tif"
    if not cov_path.exists():
        raise InputError(f"{cov_path}: not found; run the pipeline first (--results)")
    if not species:
        species = sorted(p.name for p in (results / "habitat").iterdir() if p.is_dir())
    stack, _ = io.read_raster(cov_path, band=None)
    stack = stack.astype(np.float64).filled(np.nan)
    names = io.read_band_names(cov_path)
    pres, bg, sites = swd_from_run(results, stack, names, species)
    out.mkdir(parents=True, exist_ok=True)
    for name, table in (("presences", pres), ("background", bg), ("sites", sites)):
        io.write_table(table, out / f"{name}.csv")
        print(f"{out / name}.csv: {len(table)} rows")


if __name__ == "__main__":
    sys.exit(main())
