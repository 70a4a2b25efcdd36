"""SWD table commands: fit, score, extract; bad tables get clear messages."""

import pickle

import numpy as np
import pandas as pd
import pytest

from amurlink.apps import swd


def tables(tmp_path, seed=0):
    """Species 'a' likes high t1; background uniform; sites with 0/1 for 'a'."""
    rng = np.random.default_rng(seed)
    n_p, n_b = 120, 1500
    pres = pd.DataFrame(
        {
            "species": "a",
            "x": rng.uniform(0, 1e5, n_p),
            "y": rng.uniform(0, 1e5, n_p),
            "t1": rng.beta(5, 1.5, n_p),
            "t2": rng.uniform(0, 1, n_p),
        }
    )
    bg = pd.DataFrame(
        {
            "species": "background",
            "x": rng.uniform(0, 1e5, n_b),
            "y": rng.uniform(0, 1e5, n_b),
            "t1": rng.uniform(0, 1, n_b),
            "t2": rng.uniform(0, 1, n_b),
        }
    )
    t1 = rng.uniform(0, 1, 300)
    sites = pd.DataFrame(
        {"x": 0.0, "y": 0.0, "t1": t1, "t2": rng.uniform(0, 1, 300), "a": (t1 > 0.7).astype(int)}
    )
    paths = {}
    for name, df in (("presences", pres), ("background", bg), ("sites", sites)):
        paths[name] = tmp_path / f"{name}.csv"
        df.to_csv(paths[name], index=False)
    return paths


def test_fit_and_score_from_tables(tmp_path, capsys):
    p = tables(tmp_path)
    model = tmp_path / "model.pkl"
    argv = ["fit", "--presences", str(p["presences"]), "--background", str(p["background"])]
    assert swd.main([*argv, "--model", "maxent", "--folds", "3", "--out", str(model)]) == 0
    bundle = pickle.loads(model.read_bytes())
    assert bundle["covariates"] == ["t1", "t2"] and list(bundle["models"]) == ["a"]
    out = tmp_path / "metrics.csv"
    assert (
        swd.main(["score", "--model", str(model), "--sites", str(p["sites"]), "--out", str(out)])
        == 0
    )
    m = pd.read_csv(out)
    assert (
        list(m["species"]) == ["a"]
        and m.loc[0, "n_presence"] == (pd.read_csv(p["sites"]).a == 1).sum()
    )
    assert m.loc[0, "auc"] > 0.85  # sites' truth is t1 > 0.7, the model learnt t1 high
    assert -1 <= m.loc[0, "tss"] <= 1


def test_missing_covariate_column_is_a_clear_error(tmp_path, capsys):
    p = tables(tmp_path)
    bg = pd.read_csv(p["background"]).drop(columns="t2")
    bg.to_csv(p["background"], index=False)
    argv = ["fit", "--presences", str(p["presences"]), "--background", str(p["background"])]
    assert swd.main([*argv, "--model", "glm", "--out", str(tmp_path / "m.pkl")]) == 2
    err = capsys.readouterr().err
    assert "background.csv: missing column(s) 't2' (covariates; the model needs" in err


def test_sites_need_a_species_column(tmp_path):
    p = tables(tmp_path)
    pres, cov = swd.read_swd(p["presences"])
    bg, _ = swd.read_swd(p["background"], cov)
    bundle = swd.fit_swd(pres, bg, cov, model="glm", n_folds=2)
    sites = pd.read_csv(p["sites"]).rename(columns={"a": "b"})
    with pytest.raises(swd.InputError, match="no 0/1 column"):
        swd.score_sites(bundle, sites)


def test_swd_from_run_reads_covariates_at_cells(tmp_path):
    stack = np.arange(2 * 3 * 4, dtype=float).reshape(2, 3, 4)
    for sp, det in (("a", [True, False]), ("b", [False, True])):
        d = tmp_path / "habitat" / sp
        d.mkdir(parents=True)
        pd.DataFrame({"x": [1.0], "y": [2.0], "row": [1], "col": [2]}).to_csv(
            d / "presences.csv", index=False
        )
        pd.DataFrame({"x": [0.0], "y": [0.0], "row": [2], "col": [3], "weight": [1.0]}).to_csv(
            d / "background.csv", index=False
        )
        pd.DataFrame(
            {"station": ["s1", "s2"], "x": [5.0, 6.0], "y": [7.0, 8.0], "row": [0, 2], "col": [0, 1],
             "detected": det}
        ).to_csv(d / "stations.csv", index=False)  # fmt: skip
    pres, bg, sites = swd.swd_from_run(tmp_path, stack, ["u", "v"], ["a", "b"])
    assert list(pres.columns) == ["species", "x", "y", "u", "v"]
    assert pres.loc[0, "u"] == stack[0, 1, 2] and pres.loc[1, "v"] == stack[1, 1, 2]
    assert bg.loc[0, "u"] == stack[0, 2, 3] and len(bg) == 1
    assert list(sites["a"]) == [1, 0] and list(sites["b"]) == [0, 1]
    assert sites.loc[1, "v"] == stack[1, 2, 1]


def region(folder, seed=0, categorical=True, lonlat=True):
    """A small NCEAS-like region: species 'a' likes high t1 and land class 3, 'b' has 3 presences.

    Coordinates are degrees (a 2° × 2° box) when ``lonlat``; the test sites hold a
    0/1 column per species with NaN where a site was not surveyed.
    """
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True)

    def covariates(n, t1):
        x = rng.uniform(150, 152, n) if lonlat else rng.uniform(0, 2e5, n)
        y = rng.uniform(-30, -28, n) if lonlat else rng.uniform(0, 2e5, n)
        return {"x": x, "y": y, "t1": t1, "t2": rng.uniform(0, 1, n),
                "veg": rng.integers(1, 5, n).astype(float)}  # fmt: skip

    pres = pd.DataFrame({"species": "a", **covariates(150, rng.beta(5, 1.5, 150))})
    pres.loc[: len(pres) // 2, "veg"] = 3.0
    few = pd.DataFrame({"species": "b", **covariates(3, rng.uniform(0, 1, 3))})
    pd.concat([pres, few]).to_csv(folder / "presence_swd.csv", index=False)
    bg = pd.DataFrame({"species": "background", **covariates(2000, rng.uniform(0, 1, 2000))})
    bg.to_csv(folder / "background_swd.csv", index=False)
    t1 = rng.uniform(0, 1, 400)
    test = pd.DataFrame({"site": np.arange(400), **covariates(400, t1)})
    test["a"] = ((t1 > 0.6) & (rng.uniform(size=400) < 0.9)).astype(float)
    test.loc[350:, "a"] = np.nan  # not surveyed for 'a'
    test["b"] = 0.0
    test.to_csv(folder / "test_sites.csv", index=False)
    (folder / "categorical.txt").write_text("veg\n" if categorical else "")


def test_benchmark_scores_regions_beside_published_figures(tmp_path, capsys):
    root = tmp_path / "bench"
    region(root / "R1")
    pd.DataFrame(
        {"species": ["a", "a"], "model": ["MaxEnt", "MaxEnt"], "cv": ["random", "spatial"],
         "COR": [0.5, 0.5], "ROC": [0.8, 0.7], "PRG": [0.5, 0.5]}
    ).to_csv(root / "valavi2023_auc.csv", index=False)  # fmt: skip
    out = tmp_path / "out"
    assert swd.main(["benchmark", str(root), "--models", "maxent", "--out", str(out)]) == 0
    rows = pd.read_csv(out / "species_auc.csv").set_index("species")
    assert rows.loc["a", "n_sites"] == 350  # the unsurveyed sites are left out
    assert rows.loc["a", "auc"] > 0.8 and rows.loc["a", "published_auc"] == 0.8  # random split
    assert rows.loc["a", "fit_seconds"] > 0
    assert np.isnan(rows.loc["b", "auc"]) and "skipped: 3 presences" in rows.loc["b", "note"]
    summary = pd.read_csv(out / "summary.csv")
    overall = summary[summary.region == "all"].iloc[0]
    assert overall.n_species == 1 and overall.auc_mean == pytest.approx(rows.loc["a", "auc"])
    assert overall.difference_mean == pytest.approx(rows.loc["a", "auc"] - 0.8)


def test_benchmark_is_the_same_whatever_the_number_of_jobs(tmp_path):
    root = tmp_path / "bench"
    region(root / "R1")
    region(root / "R2", seed=1)
    one, _ = swd.benchmark(root, kinds=["glm", "maxent"], n_jobs=1)
    two, _ = swd.benchmark(root, kinds=["glm", "maxent"], n_jobs=2)
    pd.testing.assert_frame_equal(one.drop(columns="fit_seconds"), two.drop(columns="fit_seconds"))


def test_categorical_covariates_enter_as_classes(tmp_path):
    region(tmp_path / "R")
    t = swd.region_tables(tmp_path / "R")
    assert t["categorical"] == ["veg"]
    bundle = swd.fit_swd(t["presences"], t["background"], t["covariates"], model="maxent",
                         species=["a"], n_folds=2, categorical=t["categorical"])  # fmt: skip
    names = bundle["models"]["a"].feature_names_out_
    assert {"veg==1", "veg==2", "veg==3", "veg==4"} <= set(names)
    assert "veg" not in names  # never a number
    with pytest.raises(swd.InputError, match="categorical covariates \\['nope'\\]"):
        swd.fit_swd(t["presences"], t["background"], t["covariates"], categorical=["nope"])


def test_fit_skips_a_species_with_too_few_presences_and_records_it(tmp_path, capsys):
    region(tmp_path / "R")
    d = tmp_path / "R"
    model = tmp_path / "m.pkl"
    argv = ["fit", "--presences", str(d / "presence_swd.csv"), "--background",
            str(d / "background_swd.csv"), "--model", "glm", "--folds", "2",
            "--categorical", str(d / "categorical.txt"), "--out", str(model)]  # fmt: skip
    assert swd.main(argv) == 0
    bundle = pickle.loads(model.read_bytes())
    assert list(bundle["models"]) == ["a"]
    assert bundle["skipped"][0]["species"] == "b" and bundle["skipped"][0]["n_presences"] == 3
    assert "b: skipped, 3 presences" in capsys.readouterr().out
    scores = tmp_path / "scores.csv"
    sites = d / "test_sites.csv"
    assert (
        swd.main(["predict", "--model", str(model), "--sites", str(sites), "--out", str(scores)])
        == 0
    )
    s = pd.read_csv(scores)
    assert len(s) == 400 and set(s["species"]) == {"a"} and s["score"].between(0, 1).all()
    assert list(s["site"]) == list(range(400))
