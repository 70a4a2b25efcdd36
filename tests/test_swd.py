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
    argv = ["benchmark", str(root), "--models", "maxent", "--background", "region"]
    assert swd.main([*argv, "--out", str(out)]) == 0
    rows = pd.read_csv(out / "species_auc.csv").set_index("species")
    assert rows.loc["a", "n_sites"] == 350  # the unsurveyed sites are left out
    assert rows.loc["a", "auc"] > 0.8 and rows.loc["a", "published_auc"] == 0.8  # random split
    assert rows.loc["a", "fit_seconds"] > 0 and rows.loc["a", "n_background"] == 2000
    assert np.isnan(rows.loc["b", "auc"]) and "skipped: 3 presences" in rows.loc["b", "note"]
    summary = pd.read_csv(out / "summary.csv")
    overall = summary[summary.region == "all"].iloc[0]
    assert overall.n_species == 1 and overall.auc_mean == pytest.approx(rows.loc["a", "auc"])
    assert overall.difference_mean == pytest.approx(rows.loc["a", "auc"] - 0.8)


def test_benchmark_is_the_same_whatever_the_number_of_jobs(tmp_path):
    root = tmp_path / "bench"
    region(root / "R1")
    region(root / "R2", seed=1)
    biased_region(root / "R3")
    one, _ = swd.benchmark(root, kinds=["glm", "maxent"], n_jobs=1, background="region")
    two, _ = swd.benchmark(root, kinds=["glm", "maxent"], n_jobs=2, background="region")
    pd.testing.assert_frame_equal(one.drop(columns="fit_seconds"), two.drop(columns="fit_seconds"))
    one, _ = swd.benchmark(root, kinds=["glm"], n_jobs=1)
    two, _ = swd.benchmark(root, kinds=["glm"], n_jobs=2)
    pd.testing.assert_frame_equal(one.drop(columns="fit_seconds"), two.drop(columns="fit_seconds"))
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


def biased_region(folder, seed=0):
    """A region surveyed where it is warm (as NCEAS CAN's south) for cold-loving species 'a'.

    Survey effort grows as ``t1**4`` over a landscape where ``t1`` is uniform:
    every species' records pile up at high ``t1``.  Species 'a' occurs with
    intensity ``exp(-3 t1)``, so its records are still warmer than the
    landscape but colder than the other species' ('c', 'd', 'e': no preference).
    The test sites are an unbiased survey of all four at the same sites.
    """
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True)

    def landscape(n):
        return {"x": rng.uniform(0, 2e5, n), "y": rng.uniform(0, 2e5, n),
                "t1": rng.uniform(0, 1, n), "t2": rng.uniform(0, 1, n)}  # fmt: skip

    def records(species, intensity, n):
        cells = pd.DataFrame(landscape(40_000))
        weight = cells["t1"] ** 4 * intensity(cells["t1"])
        return cells.sample(n, weights=weight, random_state=rng).assign(species=species)

    flat = lambda t1: np.ones(len(t1))  # noqa: E731
    pres = pd.concat([records("a", lambda t1: np.exp(-3 * t1), 200),
                      *(records(sp, flat, 200) for sp in "cde")])  # fmt: skip
    pres[["species", "x", "y", "t1", "t2"]].to_csv(folder / "presence_swd.csv", index=False)
    bg = pd.DataFrame({"species": "background", **landscape(3000)})
    bg.to_csv(folder / "background_swd.csv", index=False)
    test = pd.DataFrame({"site": np.arange(1500), **landscape(1500)})
    test["a"] = (rng.uniform(size=1500) < 0.6 * np.exp(-3 * test["t1"])).astype(float)
    for sp in "cde":
        test[sp] = (rng.uniform(size=1500) < 0.3).astype(float)
    test.to_csv(folder / "test_sites.csv", index=False)


def test_target_group_background_cancels_a_survey_bias(tmp_path):
    biased_region(tmp_path / "R")
    rows = {}
    for background in swd.BACKGROUNDS:
        table, _ = swd.benchmark(tmp_path, kinds=["glm"], background=background)
        rows[background] = table.set_index("species")
    # Against the landscape, 'a' looks warm-loving: ranked backwards on the unbiased survey.
    assert rows["region"].loc["a", "auc"] < 0.45
    # Against its group's record sites, 'a' is colder than the rest: the truth (exp(-3 t1)).
    assert rows["target-group"].loc["a", "auc"] > 0.65
    assert rows["target-group"].loc["a", "n_background"] == 800  # the group's distinct sites


def test_survey_groups_are_the_species_surveyed_at_the_same_sites():
    test = pd.DataFrame({"p": [1, 0, np.nan], "q": [0, 0, np.nan], "r": [np.nan, 1, 0]})
    groups = swd.survey_groups(test, ["p", "q", "r", "s"])
    assert groups == {"p": "p", "q": "p", "r": "r", "s": "s"}  # 's' has no column


def test_target_group_backgrounds_and_the_groups_table(tmp_path):
    pres = pd.DataFrame({"species": ["p", "q", "q", "r"], "x": [0, 0, 1, 5], "y": [0, 0, 1, 5],
                         "t": [1.0, 1.0, 2.0, np.nan]})  # fmt: skip
    by_group = swd.target_group_backgrounds(pres, ["t"], {"p": "g", "q": "g", "r": "h"})
    Xb, xyb, n_species = by_group["g"]
    assert Xb.ravel().tolist() == [1.0, 2.0] and xyb.tolist() == [[0, 0], [1, 1]]
    assert n_species == 2 and len(by_group["h"][0]) == 0  # r's one site lacks t
    path = tmp_path / "groups.csv"
    pd.DataFrame({"species": ["p", "q"], "group": ["g", "g"]}).to_csv(path, index=False)
    with pytest.raises(swd.InputError, match="groups.csv: column 'species' has no target "
                       "group for \\['r'\\]"):  # fmt: skip
        swd.read_groups(path, ["p", "q", "r"])


def test_fit_against_the_target_group(tmp_path, capsys):
    biased_region(tmp_path / "R")
    d = tmp_path / "R"
    model = tmp_path / "m.pkl"
    argv = ["fit", "--presences", str(d / "presence_swd.csv"), "--model", "glm",
            "--species", "a", "--folds", "2", "--out", str(model)]  # fmt: skip
    assert swd.main([*argv, "--target-group"]) == 0
    bundle = pickle.loads(model.read_bytes())
    assert bundle["background"] == "target-group" and list(bundle["models"]) == ["a"]
    sites = pd.read_csv(d / "test_sites.csv")
    assert swd.score_sites(bundle, sites).set_index("species").loc["a", "auc"] > 0.65
    assert swd.main(argv) == 2  # neither a background table nor --target-group
    assert "give a background table (--background FILE) or --target-group" in (
        capsys.readouterr().err
    )


def test_a_species_surveyed_alone_takes_every_record_as_its_target_group(tmp_path):
    region(tmp_path / "R")  # 'a' and 'b' surveyed at different sites
    table, _ = swd.benchmark(tmp_path, kinds=["glm"])
    a = table.set_index("species").loc["a"]
    assert a["n_background"] == 153 and "surveyed alone" in a["note"]  # a's 150 and b's 3 sites
