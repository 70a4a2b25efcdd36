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
