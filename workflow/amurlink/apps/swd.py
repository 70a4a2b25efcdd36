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
    python -m amurlink.apps.swd predict --model swd/model.pkl --sites swd/sites.csv --out scores.csv
    python -m amurlink.apps.swd benchmark ../shared/benchmarks/nceas --models ensemble maxent \\
        --out bench/nceas

Block sizes of spatial CV are metres on the ground: ``--crs`` names the tables'
CRS; by default coordinates all within |x| ≤ 180, |y| ≤ 90 are taken as
longitude/latitude (EPSG:4326, logged) and projected to a local equal-area CRS
before blocking, anything else as projected metres.

``extract`` writes SWD tables from a pipeline run (``habitat/<species>/presences.csv``,
``background.csv`` and ``stations.csv`` with ``prepare/covariates.tif``).
"""

from __future__ import annotations

import argparse
import logging
import math
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from amurlink.core import io
from amurlink.core.errors import InputError, require_columns
from amurlink.core.io import pickled, tables
from amurlink.habitat import background as backgrounds
from amurlink.habitat import evaluate, fitting, models, tuning

ID_COLUMNS = ("species", "x", "y")
#: Columns that are never covariates: identifiers and coordinates.
NON_COVARIATES = ("species", "x", "y", "site")
#: No-data codes looked for by ``--nodata auto`` (8- and 16-bit integer maxima, GIS conventions).
SENTINEL_CODES = (255.0, 32767.0, 65535.0, -9999.0, -999.0, 9999.0, -3.4028234663852886e38)
#: Valavi et al.'s (2022, 2023) model names for the project's model kinds.
PUBLISHED_MODEL = {
    "ensemble": "Ensemble",
    "maxent": "MaxEnt",
    "glm": "GLM",
    "rf": "RF",
    "brt": "BRT",
}

#: The target group of every record in the presence table: ``fit --target-group``
#: without ``--groups``, and a benchmark species surveyed alone (:func:`region_tables`).
WHOLE_TABLE = "*"
#: What a benchmark species is fitted against (``--background``): the sites of its
#: target group's records (Phillips et al. 2009; as Valavi et al. 2023 fitted the
#: published models), or the region's background table (random points).
BACKGROUNDS = ("target-group", "region")

logger = logging.getLogger("amurlink.swd")


def read_swd(path, covariates: Sequence[str] | None = None, need_species: bool = True):
    """Read an SWD table; return it and its covariate names (all columns after species, x, y).

    With ``covariates`` given, the table must hold each of them (extra columns are
    ignored); a missing or non-numeric covariate raises :class:`InputError`.
    No-data codes are masked afterwards (:func:`nodata_codes`, :func:`mask_codes`).
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


def detect_sentinels(table: pd.DataFrame, covariates: Sequence[str], gap_iqr: float = 5.0) -> dict:
    """No-data codes per covariate: a :data:`SENTINEL_CODES` value far outside the column's other values.

    A code counts as no data in a column when it occurs there and lies more than
    ``gap_iqr`` interquartile ranges beyond the other values' extremes (the
    outlier fences of Tukey 1977, *Exploratory Data Analysis*, widened: a real
    tail value is next to its neighbours, a fill code is detached from them).
    E.g. NCEAS NSW ``solrad``: values 49–102 and one 255, an 8-bit fill.
    Returns ``{column: [codes]}`` for the columns that have any.
    """
    found: dict[str, list[float]] = {}
    for c in covariates:
        v = pd.to_numeric(table[c], errors="coerce").dropna().to_numpy(float)
        for code in SENTINEL_CODES:
            is_code = v == code
            rest = v[~is_code]
            if not is_code.any() or len(rest) < 4:
                continue
            q1, q3 = np.percentile(rest, [25, 75])
            fence = gap_iqr * max(q3 - q1, np.finfo(float).eps)
            if code > rest.max() + fence or code < rest.min() - fence:
                found.setdefault(c, []).append(code)
    return found


def read_names(spec: Sequence[str] | None) -> list[str]:
    """Names from the command line: each item a name, or ``@file`` / a path to a file of names.

    A file holds one name a line (blank lines and ``#`` comments ignored).
    """
    names: list[str] = []
    for item in spec or ():
        path = Path(item[1:]) if item.startswith("@") else Path(item)
        if item.startswith("@") or path.is_file():
            if not path.is_file():
                raise InputError(f"{path}: no such file of names")
            lines = (ln.split("#")[0].strip() for ln in path.read_text().splitlines())
            names.extend(ln for ln in lines if ln)
        else:
            names.append(item)
    return names


def coordinates_crs(crs: str | None, x, y) -> str | None:
    """The CRS to block in: ``crs`` if given, else EPSG:4326 for degree-like coordinates (logged)."""
    if crs:
        return crs
    guess = evaluate.guess_crs(x, y)
    if guess:
        logger.info(
            "coordinates all within |x| <= 180, |y| <= 90: treated as longitude/latitude "
            "(EPSG:4326); spatial blocks are projected to metres (give --crs to override)"
        )
    return guess


def fit_swd(
    presences: pd.DataFrame,
    background: pd.DataFrame | None,
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
    categorical: Sequence[str] = (),
    crs: str | None = None,
    target_group: bool = False,
    groups: dict[str, str] | None = None,
) -> dict:
    """Fit one model per species of the presence table against the shared background.

    With ``target_group`` the ``background`` table is not used: each species is
    fitted against the sites of its target group's records in ``presences``
    (:func:`target_group_backgrounds`; ``groups`` maps species to groups, by
    default the table's species are one group), and a species alone in its
    group is skipped and recorded.

    Returns ``{"covariates": [...], "models": {species: fitted}, "metrics": {species: {...}},
    "skipped": [{species, n_presences, reason}], "categorical": [...], "crs": ...}``.
    Rows with a missing covariate are dropped (counted in the metrics); a species
    with fewer than :data:`fitting.MIN_PRESENCES` complete rows is skipped and
    recorded, not fatal.  ``categorical`` names covariates that enter the models
    as classes (indicator features); ``crs`` is the coordinates' CRS (see
    :func:`coordinates_crs`; spatial blocks are ``block_size_m`` on the ground).
    """
    unknown = sorted(set(categorical) - set(covariates))
    if unknown:
        raise InputError(f"categorical covariates {unknown} are not columns of the tables")
    names = list(species) if species else sorted(presences["species"].astype(str).unique())
    if target_group:
        groups = groups or dict.fromkeys(presences["species"].astype(str), WHOLE_TABLE)
        by_group = target_group_backgrounds(presences, covariates, groups)
    else:
        by_group = {None: (*complete_background(background, covariates), None)}
    for group, (Xb, _, _) in by_group.items():
        if not len(Xb):
            where = "background table" if group is None else f"target group '{group}'"
            raise InputError(f"{where}: every row has a missing covariate")
    out: dict = {
        "covariates": list(covariates), "models": {}, "metrics": {}, "kind": model,
        "skipped": [], "categorical": list(categorical), "crs": crs,
        "background": "target-group" if target_group else "table",
    }  # fmt: skip
    for sp in names:
        Xb, xyb, n_group = by_group[groups[sp] if target_group else None]
        X, y, xy, ok = species_rows(presences, sp, covariates, Xb, xyb)
        reason = skip_reason(ok) if ok.sum() < fitting.MIN_PRESENCES else None
        if n_group == 1:
            reason = "its target group holds no other species' records"
        if reason:
            logger.warning("species %s skipped: %s", sp, reason)
            out["skipped"].append({"species": sp, "n_presences": int(ok.sum()), "reason": reason})
            continue
        started = time.perf_counter()
        fit = fitting.fit_habitat_model(
            X, y, xy[:, 0], xy[:, 1], kind=model, block_size_m=block_size_m, n_folds=n_folds,
            seed=seed, feature_names=covariates, tuning_grid=grid, features=features, beta=beta,
            categorical=list(categorical), n_jobs=n_jobs, crs=crs,
        )  # fmt: skip
        metrics = {"threshold": fit.metrics["threshold"], "cv": fit.metrics["cv"]}
        metrics.update(n_presences=int(ok.sum()), dropped_presences=int((~ok).sum()))
        metrics["fit_seconds"] = time.perf_counter() - started
        for key in ("weights_source", "fold_warnings"):
            if key in fit.metrics:
                metrics[key] = fit.metrics[key]
        out["models"][sp] = fit.model
        out["metrics"][sp] = metrics
    return out


def complete_background(background: pd.DataFrame, covariates: Sequence[str]):
    """The background rows with every covariate: their values and their x, y."""
    Xb = background[list(covariates)].to_numpy(float)
    ok = np.isfinite(Xb).all(axis=1)
    return Xb[ok], background.loc[ok, ["x", "y"]].to_numpy(float)


def species_rows(presences: pd.DataFrame, species: str, covariates: Sequence[str], Xb, xyb):
    """One species' training data: ``X, y, xy`` (its complete presences, then the background).

    Also returns the mask of its presence rows with every covariate (the others
    are dropped), so that callers can count and skip (:func:`skip_reason`).
    """
    rows = presences[presences["species"].astype(str) == species]
    Xp = rows[list(covariates)].to_numpy(float)
    ok = np.isfinite(Xp).all(axis=1)
    X = np.vstack([Xp[ok], Xb])
    y = np.r_[np.ones(int(ok.sum()), int), np.zeros(len(Xb), int)]
    xy = np.vstack([rows.loc[ok, ["x", "y"]].to_numpy(float), xyb])
    return X, y, xy, ok


def skip_reason(ok: np.ndarray) -> str:
    """Why a species with too few complete presences (``ok``) is skipped."""
    return (
        f"{int(ok.sum())} presences with every covariate (at least {fitting.MIN_PRESENCES} needed)"
    )


def site_ids(sites: pd.DataFrame) -> pd.Series:
    """The sites' identifiers: column ``site`` (or ``station``), else the row number."""
    for col in ("site", "station"):
        if col in sites.columns:
            return sites[col]
    return pd.Series(np.arange(len(sites)), index=sites.index, name="site")


def predict_sites(bundle: dict, sites: pd.DataFrame) -> pd.DataFrame:
    """Per-site scores (columns site, species, score) of every fitted species.

    One row per site and species; a site with a missing covariate scores NaN.
    """
    X = sites[bundle["covariates"]].to_numpy(float)
    ok = np.isfinite(X).all(axis=1)
    ids = site_ids(sites).to_numpy()
    parts = []
    for sp, model in bundle["models"].items():
        score = np.full(len(sites), np.nan)
        if ok.any():
            score[ok] = models.suitability(model, X[ok])
        parts.append(pd.DataFrame({"site": ids, "species": sp, "score": score}))
    if not parts:
        raise InputError("model file: no fitted species to predict")
    return pd.concat(parts, ignore_index=True)


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


#: Block size that makes spatial blocks random folds: every location its own block
#: (blocks dealt to folds at random, so ``--cv random`` is plain random k-fold).
RANDOM_CV_BLOCK_M = 1.0


def nodata_codes(frames: Sequence[pd.DataFrame], covariates: Sequence[str], nodata, name: str = ""):
    """The no-data codes ``{column: [values]}`` to mask in ``frames`` (``--nodata``).

    ``"auto"``: the codes :func:`detect_sentinels` finds in the tables together
    (logged, with their row counts); a sequence: those values in every
    covariate; ``None``: none.
    """
    if nodata != "auto":
        return {c: list(nodata) for c in covariates} if nodata else {}
    codes = detect_sentinels(pd.concat([t[list(covariates)] for t in frames]), covariates)
    for c, values in codes.items():
        n = sum(int(t[c].isin(values).sum()) for t in frames)
        logger.info("%scolumn %s: %s read as no data (%d rows)", name, c, values, n)
    return codes


def mask_codes(table: pd.DataFrame, codes: dict) -> pd.DataFrame:
    """``table`` with the no-data ``codes`` (``{column: [values]}``) set to NaN."""
    out = table.copy()
    for c, values in codes.items():
        if c in out.columns:
            out[c] = out[c].mask(out[c].isin(values))
    return out


def survey_groups(test: pd.DataFrame, species: Sequence[str]) -> dict[str, str]:
    """Target groups read from a survey's design: the species surveyed at the same sites.

    Elith et al. (2020, *Biodiversity Informatics* 15:69) survey each biological
    group of a region at its own sites (NSW: eight groups), and a species' 0/1
    column is missing where it was not surveyed.  Species whose columns are
    present at exactly the same sites form one group, named after its first
    species; a species without a column is a group of its own.  Only which
    sites were surveyed is read, never what was found there.
    """
    first: dict[bytes, str] = {}
    groups = {}
    for sp in species:
        if sp not in test.columns:
            groups[sp] = sp
            continue
        surveyed = pd.to_numeric(test[sp], errors="coerce").notna().to_numpy()
        groups[sp] = first.setdefault(np.packbits(surveyed).tobytes(), sp)
    return groups


def read_groups(path, species: Sequence[str]) -> dict[str, str]:
    """Target groups from a table of ``species, group``; each of ``species`` must have one."""
    df = tables.read_table(path)
    require_columns(df, ("species", "group"), path, "target groups: species, group")
    groups = dict(zip(df["species"].astype(str), df["group"].astype(str), strict=True))
    missing = sorted(set(species) - set(groups))
    if missing:
        raise InputError(f"{path}: column 'species' has no target group for {missing[:5]}")
    return groups


def target_group_backgrounds(
    presences: pd.DataFrame, covariates: Sequence[str], groups: dict[str, str] | None
) -> dict[str, tuple]:
    """Each target group's background, ``{group: (Xb, xyb, n_species)}``.

    The distinct sites of the group's presence records with every covariate
    (:func:`amurlink.habitat.background.target_group_sites`).  ``groups`` maps
    species to groups (:func:`survey_groups`, :func:`read_groups`); ``None``
    puts every species of the table in one group, :data:`WHOLE_TABLE`.
    """
    species = presences["species"].astype(str)
    labels = species.map(groups) if groups is not None else species.map(lambda _: WHOLE_TABLE)
    out = {}
    for group, rows in presences.groupby(labels, sort=True):
        sites = backgrounds.target_group_sites(rows, covariates)
        out[group] = (*complete_background(sites, covariates), rows["species"].nunique())
    return out


def region_tables(
    folder: Path, nodata="auto", background: str = "target-group", groups_path=None
) -> dict:
    """One benchmark region's tables (layout of Elith et al. 2020's NCEAS data as SWD).

    ``REG/presence_swd.csv``, ``background_swd.csv``, ``test_sites.csv`` and
    ``categorical.txt`` (optional).  Covariates are the presence table's columns
    other than species, x, y (and site).  ``nodata``: ``"auto"`` masks the codes
    :func:`detect_sentinels` finds in the three tables together (logged), a
    sequence masks those values in every covariate, ``None`` nothing.

    ``background`` (:data:`BACKGROUNDS`): ``"target-group"`` fits each species
    against its target group's record sites (:func:`target_group_backgrounds`),
    the groups from ``groups_path`` (:func:`read_groups`) or else from the test
    survey's design (:func:`survey_groups`); ``"region"`` against the background
    table.  A species surveyed alone (no other species at its sites) takes every
    record of the region as its target group (:data:`WHOLE_TABLE`, logged and
    noted) rather than itself.  :func:`species_background` gives a species'
    background.
    """
    if background not in BACKGROUNDS:
        raise InputError(f"background '{background}': expected one of {list(BACKGROUNDS)}")
    pres, cov = read_swd(folder / "presence_swd.csv")
    cov = [c for c in cov if c not in NON_COVARIATES]
    bg, _ = read_swd(folder / "background_swd.csv", cov)
    test, _ = read_swd(folder / "test_sites.csv", cov, need_species=False)
    codes = nodata_codes((pres, bg, test), cov, nodata, name=f"{folder.name}: ")
    pres, bg, test = (mask_codes(t, codes) for t in (pres, bg, test))
    cat_file = folder / "categorical.txt"
    categorical = read_names([str(cat_file)]) if cat_file.is_file() else []
    if background == "region":
        groups, fitted_against = None, {None: (*complete_background(bg, cov), None)}
    else:
        species = sorted(pres["species"].astype(str).unique())
        if groups_path:
            groups = read_groups(groups_path, species)
        else:
            groups = survey_groups(test, species)
            alone = [sp for sp in species if list(groups.values()).count(groups[sp]) == 1]
            if alone:
                logger.warning("%s: %s surveyed alone: every record is their target group",
                               folder.name, alone)  # fmt: skip
            groups.update(dict.fromkeys(alone, WHOLE_TABLE))
        fitted_against = target_group_backgrounds(pres, cov, groups)
        if WHOLE_TABLE in fitted_against:
            fitted_against[WHOLE_TABLE] = target_group_backgrounds(pres, cov, None)[WHOLE_TABLE]
        logger.info(
            "%s: target groups (species, sites) %s", folder.name,
            {g: (b[2], len(b[0])) for g, b in fitted_against.items()},
        )  # fmt: skip
    return {"presences": pres, "background": bg, "test": test, "covariates": cov,
            "categorical": categorical, "nodata": codes, "groups": groups,
            "backgrounds": fitted_against}  # fmt: skip


def species_background(t: dict, species: str) -> tuple:
    """``(Xb, xyb, n_species)`` that ``species`` of region tables ``t`` is fitted against.

    ``n_species`` is the number of species in its target group (``None`` for
    the region's background table).
    """
    return t["backgrounds"][t["groups"][species] if t["groups"] is not None else None]


def test_site_auc(model, test: pd.DataFrame, covariates: Sequence[str], species: str) -> tuple:
    """AUC of ``model`` on the test sites surveyed for ``species`` (its 0/1 column not NaN).

    Sites with a missing covariate are dropped too.  Returns ``(auc, n_sites)``.
    """
    obs = pd.to_numeric(test[species], errors="coerce").to_numpy(float)
    X = test[list(covariates)].to_numpy(float)
    use = np.isfinite(obs) & np.isfinite(X).all(axis=1)
    score = models.suitability(model, X[use])
    present = obs[use] == 1
    return evaluate.auc(score[present], score[~present]), int(use.sum())


def benchmark(
    root: Path,
    *,
    regions: Sequence[str] | None = None,
    kinds: Sequence[str] = ("ensemble",),
    species_limit: int | None = None,
    published_only: bool = False,
    cv: str = "random",
    block_size_m: float = 20_000,
    n_folds: int = 5,
    seed: int = 0,
    n_jobs: int = 1,
    grid: dict | None = None,
    nodata="auto",
    crs: str | None = None,
    background: str = "target-group",
    groups_path: Path | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Fit and score every species of every region under ``root``, beside the published AUCs.

    Each species is fitted on its presences against its ``background``
    (:func:`region_tables`: by default its target group's record sites, as
    Valavi et al. 2023 fitted the published models) by :func:`benchmark_fit`
    (the default model of ``kind``: the ensemble with its own tuning and weights, on folds of the training data only —
    ``cv="random"`` random folds, as Valavi et al. 2022, 2023 tuned,
    ``"spatial"`` blocks of ``block_size_m``) and scored by AUC on the
    independent test sites surveyed for it (Elith et al. 2020).
    ``root/valavi2023_auc.csv`` gives the published test AUC (ROC) of the
    matching model (:data:`PUBLISHED_MODEL`, random tuning split);
    ``published_only`` keeps the species that file scores.  Species are fitted
    in ``n_jobs`` processes (each fit single-threaded and seeded, so results do
    not depend on ``n_jobs``).

    A species whose target group holds no other species is skipped (noted).

    Returns the per-species table (region, species, model, n_presences,
    n_background, n_sites, auc, fit_seconds, published_auc, difference, note)
    and the summary (per region and model and over all regions: n_species, mean AUC, the published
    mean on the same species, mean difference, mean fit seconds per species).
    """
    from joblib import Parallel, delayed

    root = Path(root)
    published_path = root / "valavi2023_auc.csv"
    published = tables.read_table(published_path) if published_path.exists() else None
    names = regions or sorted(p.name for p in root.iterdir() if (p / "presence_swd.csv").exists())
    block = RANDOM_CV_BLOCK_M if cv == "random" else block_size_m
    rows = []
    for region in names:
        t = region_tables(root / region, nodata, background, groups_path)
        region_crs = coordinates_crs(crs, t["background"]["x"], t["background"]["y"])
        species = sorted(t["presences"]["species"].astype(str).unique())
        if published_only and published is not None:
            species = [s for s in species if s in set(published["species"].astype(str))]
        jobs = [
            delayed(_benchmark_species)(
                t,
                sp,
                kind,
                block_size_m=block,
                n_folds=n_folds,
                seed=seed,
                grid=grid,
                crs=region_crs,
            )  # fmt: skip
            for kind in kinds
            for sp in species[:species_limit]
        ]
        for row in Parallel(n_jobs=n_jobs)(jobs):
            row = {"region": region, **row}
            row["published_auc"] = _published_auc(published, row["species"], row["model"])
            row["difference"] = row.get("auc", math.nan) - row["published_auc"]
            logger.info(
                "%s %s %s: AUC %.3f (published %.3f), %.1f s", region, row["species"],
                row["model"], row.get("auc", math.nan), row["published_auc"],
                row.get("fit_seconds", math.nan),
            )  # fmt: skip
            rows.append(row)
    columns = ["region", "species", "model", "n_presences", "n_background", "n_sites", "auc",
               "fit_seconds", "published_auc", "difference", "note"]  # fmt: skip
    per_species = pd.DataFrame(rows).reindex(columns=columns)
    return per_species, benchmark_summary(per_species)


def _benchmark_species(t: dict, species: str, kind: str, **options) -> dict:
    """One benchmark row: fit ``species`` of region tables ``t`` and score it on the test sites."""
    cov = t["covariates"]
    Xb, xyb, n_group = species_background(t, species)
    X, y, xy, ok = species_rows(t["presences"], species, cov, Xb, xyb)
    row = {"species": species, "model": kind, "n_presences": int(ok.sum()),
           "n_background": len(Xb)}  # fmt: skip
    if ok.sum() < fitting.MIN_PRESENCES:
        row["note"] = f"skipped: {skip_reason(ok)}"
        return row
    if n_group == 1:
        row["note"] = "skipped: its target group holds no other species' records"
        return row
    whole = t["groups"] is not None and t["groups"][species] == WHOLE_TABLE
    started = time.process_time()
    model, note = benchmark_fit(
        kind, X, y, xy, categorical=t["categorical"], feature_names=cov, **options
    )
    row["fit_seconds"] = time.process_time() - started
    row["auc"], row["n_sites"] = test_site_auc(model, t["test"], cov, species)
    alone = "surveyed alone: every record is its target group" if whole else ""
    row["note"] = "; ".join(n for n in (alone, note) if n)
    return row


def benchmark_fit(
    kind: str,
    X: np.ndarray,
    y: np.ndarray,
    xy: np.ndarray,
    *,
    categorical: Sequence[str],
    feature_names: Sequence[str],
    block_size_m: float,
    n_folds: int,
    seed: int,
    grid: dict | None = None,
    crs: str | None = None,
):
    """The project's default model of ``kind`` fitted to ``X, y``, and a note (CV warnings).

    ``ensemble``: :func:`amurlink.habitat.tuning.fit_tuned_ensemble` (members
    tuned and weighted on CV folds of these data); a single member: its
    defaults (:func:`amurlink.habitat.models.make_model`) fitted once, with no
    evaluation CV (the benchmark's test sites score it).  Single-threaded.
    """
    with threadpool_limits(1):
        if kind != "ensemble":
            model = models.make_model(
                kind, categorical=list(categorical), feature_names=list(feature_names), seed=seed
            )
            return model.fit(X, y), ""
        model, summary, _, _ = tuning.fit_tuned_ensemble(
            X, y, xy[:, 0], xy[:, 1], grid=grid, block_size_m=block_size_m, n_folds=n_folds,
            seed=seed, categorical=list(categorical), feature_names=list(feature_names), crs=crs,
        )  # fmt: skip
    notes = [summary.get("weights_source", ""), *summary.get("fold_warnings", [])]
    return model, "; ".join(n for n in notes if n)


def _published_auc(published: pd.DataFrame | None, species: str, kind: str) -> float:
    """Valavi et al.'s test AUC of ``species`` for the model matching ``kind`` (random tuning)."""
    if published is None or kind not in PUBLISHED_MODEL:
        return math.nan
    hit = published[
        (published["species"].astype(str) == species)
        & (published["model"] == PUBLISHED_MODEL[kind])
        & (published["cv"] == "random")
    ]
    return float(hit["ROC"].iloc[0]) if len(hit) else math.nan


def benchmark_summary(per_species: pd.DataFrame) -> pd.DataFrame:
    """Per region and model, and over all regions (region ``all``): means over scored species."""
    scored = per_species[per_species["auc"].notna()]
    groups = [scored.assign(region="all"), scored]
    rows = []
    for (region, kind), g in pd.concat(groups).groupby(["region", "model"], sort=False):
        both = g[g["published_auc"].notna()]
        rows.append(
            {
                "region": region,
                "model": kind,
                "n_species": int(len(g)),
                "auc_mean": float(g["auc"].mean()),
                "published_auc_mean": float(both["published_auc"].mean())
                if len(both)
                else math.nan,
                "difference_mean": float(both["difference"].mean()) if len(both) else math.nan,
                "fit_seconds_mean": float(g["fit_seconds"].mean()),
            }
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


def _common_fit_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--tune-features", nargs="*", default=["lq", "lqh"])
    p.add_argument("--tune-beta", nargs="*", type=float, default=[1.0, 2.0])
    p.add_argument(
        "--block-km", type=float, default=20.0, help="spatial block side, km on the ground"
    )
    p.add_argument("--crs", help="the coordinates' CRS (default: EPSG:4326 if all |x|<=180, |y|<=90, "
                   "else projected metres)")  # fmt: skip
    p.add_argument("--folds", type=int, default=5)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--jobs", type=int, default=1)


def _grid(args) -> dict:
    return {"features": args.tune_features, "beta": args.tune_beta, "brt_max_depth": [2, 4]}


def _nodata(values: Sequence[str] | None):
    """``--nodata``: ``auto`` (detect per column), values, or nothing."""
    if not values:
        return None
    if list(values) == ["auto"]:
        return "auto"
    return [float(v) for v in values]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m amurlink.apps.swd", description=__doc__.split("\n")[0]
    )
    sub = parser.add_subparsers(dest="command", required=True)
    f = sub.add_parser("fit", help="fit models from SWD presence and background tables")
    f.add_argument("--presences", required=True)
    f.add_argument("--background", help="background SWD table (or give --target-group)")
    f.add_argument("--target-group", action="store_true",
                   help="fit each species against the sites of its target group's presence "
                   "records (Phillips et al. 2009) instead of a background table")  # fmt: skip
    f.add_argument("--groups", help="table of species, group (--target-group; default: "
                   "every species of the presence table is one group)")  # fmt: skip
    f.add_argument("--model", default="ensemble", choices=["ensemble", *tuning.MEMBERS])
    f.add_argument("--species", nargs="*", help="species to fit (default: all in the table)")
    f.add_argument("--categorical", nargs="*", default=[],
                   help="categorical covariates: names, or @file / a file with one name a line")  # fmt: skip
    f.add_argument("--nodata", nargs="*", help="values read as missing in every covariate, "
                   "or 'auto' (codes such as 255 or -9999 detached from a column's values)")  # fmt: skip
    f.add_argument("--features", default="lqh", help="MaxEnt feature classes (single model)")
    f.add_argument("--beta", type=float, default=1.0)
    _common_fit_options(f)
    f.add_argument("--out", required=True)
    s = sub.add_parser("score", help="score a fitted model on independent 0/1 sites")
    s.add_argument("--model", required=True)
    s.add_argument("--sites", required=True)
    s.add_argument("--out", required=True)
    pr = sub.add_parser("predict", help="per-site scores of every fitted species")
    pr.add_argument("--model", required=True)
    pr.add_argument("--sites", required=True)
    pr.add_argument("--out", required=True)
    b = sub.add_parser("benchmark", help="fit and score benchmark regions beside published AUCs")
    b.add_argument(
        "dir", help="folder of regions REG/{presence,background}_swd.csv, test_sites.csv"
    )
    b.add_argument("--regions", nargs="*")
    b.add_argument(
        "--models", nargs="*", default=["ensemble"], choices=["ensemble", *tuning.MEMBERS]
    )
    b.add_argument("--species-limit", type=int, help="first N species per region")
    b.add_argument("--published-only", action="store_true",
                   help="only the species valavi2023_auc.csv scores")  # fmt: skip
    b.add_argument("--cv", default="random", choices=["random", "spatial"],
                   help="folds for tuning and weights (Valavi et al.: random)")  # fmt: skip
    b.add_argument("--nodata", nargs="*", default=["auto"])
    b.add_argument("--background", default="target-group", choices=BACKGROUNDS,
                   help="fit against the target group's record sites (Valavi et al. 2023; "
                   "groups from --groups or the test survey's design) or the region's "
                   "background table")  # fmt: skip
    b.add_argument("--groups", help="table of species, group: the target groups")
    _common_fit_options(b)
    b.add_argument("--out", required=True, help="folder for species_auc.csv and summary.csv")
    e = sub.add_parser("extract", help="write SWD tables from a pipeline run")
    e.add_argument("--results", default="results", help="the run's results directory")
    e.add_argument("--species", nargs="*", help="default: every species under results/habitat")
    e.add_argument("--out", required=True, help="directory for presences/background/sites.csv")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    try:
        if args.command == "fit":
            _fit_command(args)
        elif args.command in ("score", "predict"):
            bundle = pickled.read_pickle(args.model)
            sites, _ = read_swd(args.sites, bundle["covariates"], need_species=False)
            table = (
                score_sites(bundle, sites)
                if args.command == "score"
                else predict_sites(bundle, sites)
            )
            io.write_table(table, args.out)
            if args.command == "score":
                print(table.to_string(index=False))
            else:
                print(f"{args.out}: {len(table)} scores")
        elif args.command == "benchmark":
            _benchmark_command(args)
        else:
            _extract(Path(args.results), args.species, Path(args.out))
    except InputError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    return 0


def _fit_command(args) -> None:
    if bool(args.background) == args.target_group:
        raise InputError("fit: give a background table (--background FILE) or --target-group")
    pres, cov = read_swd(args.presences)
    bg = read_swd(args.background, cov)[0] if args.background else pres
    codes = nodata_codes((pres, bg), cov, _nodata(args.nodata))
    pres, bg = mask_codes(pres, codes), mask_codes(bg, codes)
    crs = coordinates_crs(args.crs, bg["x"], bg["y"])
    species = sorted(pres["species"].astype(str).unique())
    groups = read_groups(args.groups, species) if args.groups else None
    bundle = fit_swd(
        pres, bg, cov, model=args.model, species=args.species, grid=_grid(args),
        features=args.features, beta=args.beta, block_size_m=args.block_km * 1000,
        n_folds=args.folds, seed=args.seed, n_jobs=args.jobs,
        categorical=read_names(args.categorical), crs=crs, target_group=args.target_group,
        groups=groups,
    )  # fmt: skip
    pickled.write_pickle(bundle, args.out)
    for sp, m in bundle["metrics"].items():
        cv = m["cv"].get("spatial_block", {})
        print(f"{sp}: {m['n_presences']} presences, spatial-CV AUC {cv.get('auc_mean'):.3f}")
    for row in bundle["skipped"]:
        print(f"{row['species']}: skipped, {row['reason']}")


def _benchmark_command(args) -> None:
    per_species, summary = benchmark(
        Path(args.dir), regions=args.regions, kinds=args.models, species_limit=args.species_limit,
        published_only=args.published_only,
        cv=args.cv, block_size_m=args.block_km * 1000, n_folds=args.folds, seed=args.seed,
        n_jobs=args.jobs, grid=_grid(args), nodata=_nodata(args.nodata), crs=args.crs,
        background=args.background, groups_path=args.groups,
    )  # fmt: skip
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    io.write_table(per_species, out / "species_auc.csv")
    io.write_table(summary, out / "summary.csv")
    print(summary.to_string(index=False))


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
