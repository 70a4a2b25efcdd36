"""AUC, Boyce, omission, TSS and cross-validation folds."""

import math

import numpy as np
import pandas as pd
import pytest

from amurlink.habitat.evaluate import (
    assess,
    auc,
    boyce_index,
    cross_validate,
    omission_rate,
    presence_threshold,
    random_folds,
    spatial_block_folds,
    summarise_cv,
    tss,
)
from amurlink.habitat.models import GLMModel, MaxentModel


def test_auc_perfect_and_reversed():
    assert auc([0.9, 0.8, 0.7], [0.1, 0.2, 0.3]) == 1.0
    assert auc([0.1, 0.2, 0.3], [0.9, 0.8, 0.7]) == 0.0
    # hand count: pairs (p > b) + 0.5 ties: p=[0.5, 0.2], b=[0.5, 0.1] -> (0.5 + 1 + 0 + 1) / 4
    assert auc([0.5, 0.2], [0.5, 0.1]) == pytest.approx(0.625)
    assert math.isnan(auc([], [0.1]))


def test_boyce_monotone_is_one_and_random_is_near_zero():
    rng = np.random.default_rng(0)
    background = rng.uniform(0, 1, 20000)
    # presences drawn with probability proportional to suitability -> P/E rises steadily
    presences = rng.choice(background, 2000, p=background / background.sum())
    assert boyce_index(presences, background) > 0.95
    random_presences = rng.uniform(0, 1, 2000)
    assert abs(boyce_index(random_presences, background)) < 0.35
    # reversed preference gives a strongly negative index
    reversed_presences = rng.choice(background, 2000, p=(1 - background) / (1 - background).sum())
    assert boyce_index(reversed_presences, background) < -0.9


def test_presence_threshold_and_training_omission():
    scores = np.arange(1, 101) / 100.0  # 100 training presences 0.01..1.00
    thr = presence_threshold(scores)
    # ceil(0.9*100) = 90th highest = 0.11; ten presences (0.01..0.10) fall below it
    assert thr == pytest.approx(0.11)
    assert omission_rate(scores, thr) == pytest.approx(0.10)
    rng = np.random.default_rng(1)
    s = rng.uniform(0, 1, 537)
    assert omission_rate(s, presence_threshold(s)) == pytest.approx(0.1, abs=0.01)
    # fewer than 10: floor(0.9 n)
    assert presence_threshold([0.1, 0.2, 0.3, 0.4, 0.5]) == pytest.approx(0.2)


def test_tss_hand_computed():
    out = tss([0.9, 0.6, 0.2], [0.1, 0.3, 0.7, 0.05], threshold=0.5)
    assert out["sensitivity"] == pytest.approx(2 / 3)
    assert out["specificity"] == pytest.approx(3 / 4)
    assert out["tss"] == pytest.approx(2 / 3 + 3 / 4 - 1)
    assert math.isnan(tss([0.9], [], 0.5)["tss"])


def test_spatial_block_folds_keep_blocks_together_and_are_seeded():
    rng = np.random.default_rng(2)
    x = rng.uniform(0, 100_000, 2000)
    y = rng.uniform(0, 100_000, 2000)
    folds = spatial_block_folds(x, y, 20_000, 5, seed=7)
    block = (np.floor(x / 20_000) * 1000 + np.floor(y / 20_000)).astype(int)
    for b in np.unique(block):
        assert len(np.unique(folds[block == b])) == 1
    assert set(np.unique(folds)) == set(range(5))
    assert np.array_equal(folds, spatial_block_folds(x, y, 20_000, 5, seed=7))
    assert not np.array_equal(folds, spatial_block_folds(x, y, 20_000, 5, seed=8))
    # 25 blocks over 5 folds: 5 blocks each
    counts = pd.Series(block).groupby(folds).nunique()
    assert (counts == 5).all()


def test_random_folds_balanced():
    f = random_folds(103, 5, seed=1)
    assert sorted(np.bincount(f)) == [20, 20, 21, 21, 21]


def test_cross_validate_skips_fold_without_presences():
    rng = np.random.default_rng(3)
    X = rng.uniform(0, 1, (600, 2))
    y = np.zeros(600, int)
    y[:60] = 1
    X[:60, 0] += 1.0  # presences separable on x0
    folds = np.where(np.arange(600) < 60, rng.integers(0, 2, 600), rng.integers(0, 3, 600))
    table = cross_validate(GLMModel(), X, y, folds, "spatial_block")
    skipped = table[table["fold"] == 2]
    assert skipped["note"].iloc[0].startswith("skipped")
    assert math.isnan(skipped["auc"].iloc[0])
    ran = table[table["note"] == ""]
    assert len(ran) == 2 and (ran["auc"] > 0.95).all()
    summary = summarise_cv(table)["spatial_block"]
    assert summary["folds_run"] == 2 and summary["folds_skipped"] == 1


def test_assess_metrics_and_threshold():
    rng = np.random.default_rng(4)
    n = 3000
    X = rng.uniform(0, 1, (n, 2))
    truth = 1 / (1 + np.exp(-(-5 + 10 * X[:, 0])))
    pres = rng.random(n) < truth * 0.1
    y = pres.astype(int)
    xy = rng.uniform(0, 100_000, (n, 2))
    stations = np.array([[0.95, 0.5], [0.9, 0.2], [0.05, 0.5], [0.1, 0.9]])
    fitted, metrics, table = assess(
        MaxentModel(features="lq"),
        X,
        y,
        xy[:, 0],
        xy[:, 1],
        block_size_m=25_000,
        n_folds=4,
        seed=1,
        X_stations=stations,
        detected=np.array([True, True, False, False]),
    )
    assert set(table["scheme"]) == {"spatial_block", "random"}
    assert metrics["training"]["omission_10p"] <= 0.1
    assert metrics["threshold"] == metrics["training"]["threshold"]
    # the truth itself scores this on presences vs the rest; CV should come close
    best = auc(truth[pres], truth[~pres])
    assert metrics["cv"]["random"]["auc_mean"] > best - 0.05
    assert metrics["tss"]["tss"] == pytest.approx(1.0)


def test_spatial_blocks_are_metres_on_the_ground_for_degrees():
    # 0.5° of longitude at 60°N is ~27.8 km, at the equator ~55.7 km: with 10 km blocks
    # a 0.5° × 0.5° box holds about 3 × 6 blocks at 60°N and 6 × 6 at the equator.
    from amurlink.habitat.evaluate import guess_crs, metric_coordinates, spatial_block_folds

    rng = np.random.default_rng(0)
    lon, lat = rng.uniform(0, 0.5, 4000), rng.uniform(0, 0.5, 4000)
    assert guess_crs(lon, lat) == "EPSG:4326" and guess_crs(lon * 1e4, lat) is None
    for lat0, n_blocks in ((60.0, 3 * 6), (0.0, 6 * 6)):
        x, y = metric_coordinates(lon, lat + lat0, "EPSG:4326")
        width = np.ptp(x)
        assert width == pytest.approx(0.5 * 111_320 * np.cos(np.radians(lat0 + 0.25)), rel=0.01)
        blocks = {(a, b) for a, b in zip(np.floor(x / 1e4), np.floor(y / 1e4), strict=True)}
        assert abs(len(blocks) - n_blocks) <= n_blocks // 2
        folds = spatial_block_folds(lon, lat + lat0, 10_000, 5, 0, crs="EPSG:4326")
        assert len(np.unique(folds)) == 5  # not one giant block per degree
    # projected coordinates are metres as they are
    np.testing.assert_array_equal(metric_coordinates(lon, lat, "EPSG:32652")[0], lon)


def test_degenerate_folds_are_warned_about(caplog):
    from amurlink.habitat.evaluate import degenerate_fold_notes, spatial_block_folds

    x = np.r_[np.zeros(10), np.full(100, 5e4)]
    y_coord = np.zeros(110)
    labels = np.r_[np.ones(10, int), np.zeros(100, int)]  # presences all in one block
    with caplog.at_level("WARNING"):
        folds = spatial_block_folds(x, y_coord, 20_000, 5, 0)
        notes = degenerate_fold_notes(labels, folds, 5, "spatial_block")
    assert "only 2 occupied 20000 m blocks for 5 folds" in caplog.text
    assert len(notes) == 5  # 3 empty folds, one without presences, one without background
    assert sum("no points" in n for n in notes) == 3
