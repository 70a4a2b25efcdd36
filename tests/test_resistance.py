"""Resistance: Keeley et al. (2016) transform and the additive / barrier penalties."""

import math

import numpy as np
import pytest

from amurlink.connectivity.resistance import (
    apply_penalties,
    logging_penalty,
    suitability_to_resistance,
)


@pytest.mark.parametrize("c", [0.25, 1.0, 8.0, 16.0])
def test_keeley_endpoints_and_monotone(c):
    h = np.linspace(0, 1, 101)
    r = suitability_to_resistance(h, c)
    assert r.dtype == np.float32
    assert r[0] == pytest.approx(100.0)
    assert r[-1] == pytest.approx(1.0)
    assert np.all(np.diff(r) < 0)


def test_keeley_hand_value():
    # c = 8, h = 0.5: 100 - 99 (1 - e^-4) / (1 - e^-8)
    expected = 100 - 99 * (1 - math.exp(-4)) / (
        1 - math.exp(-8)
    )  # = 100 - 99 * 0.98168 / 0.99966 = 2.7806
    assert suitability_to_resistance(np.array([0.5]), 8.0)[0] == pytest.approx(expected, rel=1e-6)
    assert expected == pytest.approx(2.7806, abs=1e-3)


def test_keeley_small_c_is_linear():
    h = np.linspace(0, 1, 11)
    r = suitability_to_resistance(h, 1e-9)
    np.testing.assert_allclose(r, 100 - 99 * h, atol=1e-4)


def test_keeley_nan_passes_and_clips():
    r = suitability_to_resistance(np.array([np.nan, -1e-7, 1 + 1e-7]), 8)
    assert np.isnan(r[0])
    assert r[1] == pytest.approx(100) and r[2] == pytest.approx(1)
    with pytest.raises(ValueError):
        suitability_to_resistance(np.zeros(2), 0)


def test_logging_first_match_and_never_logged():
    ages = np.array([0, 5, 6, 15, 16, 49, 50, np.nan])
    classes = [{"max_age": 5, "add": 60}, {"max_age": 15, "add": 25}]
    np.testing.assert_array_equal(logging_penalty(ages, classes), [60, 60, 25, 25, 0, 0, 0, 0])
    # Order matters: first match, even if a later class is narrower.
    wide_first = [{"max_age": 15, "add": 25}, {"max_age": 5, "add": 60}]
    assert logging_penalty(np.array([3.0]), wide_first)[0] == 25


def test_penalties_added_where_expected():
    base = np.full((3, 4), 2.0, np.float32)
    base[0, 0] = np.nan  # outside the study area
    major = np.zeros((3, 4), bool)
    major[1, :] = True
    track = np.zeros((3, 4), bool)
    track[:, 1] = True
    age = np.full((3, 4), 50.0)
    age[2, 2] = 3
    age[2, 3] = 10
    landcover = np.full((3, 4), 10, np.uint8)
    landcover[0, 3] = 50  # built-up
    landcover[0, 2] = 80  # water
    fence = np.zeros((3, 4), bool)
    fence[2, 0] = True
    r = apply_penalties(
        base,
        road_cells={"major": major, "track": track},
        road_resistance={"major": 400, "track": 20},
        logging_age=age,
        logging_resistance=[{"max_age": 5, "add": 60}, {"max_age": 15, "add": 25}],
        landcover=landcover,
        builtup_resistance=1000,
        water="barrier",
        barrier_resistance=5000,
        fence=fence,
    )
    expected = np.array(
        [
            [np.nan, 22, 5000, 1002],
            [402, 422, 402, 402],
            [5000, 22, 62, 27],
        ],
        np.float32,
    )
    np.testing.assert_array_equal(r, expected)
    assert r.dtype == np.float32


def test_water_nodata_and_minimum_one():
    base = np.array([[0.2, 1.0, np.nan]], np.float32)
    lc = np.array([[10, 80, 80]], np.uint8)
    r = apply_penalties(base, landcover=lc, water="nodata")
    assert r[0, 0] == 1.0  # raised to the minimum resistance
    assert np.isnan(r[0, 1]) and np.isnan(r[0, 2])
    # A barrier never resurrects a no-data cell.
    r = apply_penalties(base, landcover=lc, water="barrier", barrier_resistance=5000)
    assert r[0, 1] == 5000 and np.isnan(r[0, 2])


def test_valid_mask_and_shape_check():
    base = np.ones((2, 2), np.float32)
    valid = np.array([[True, False], [True, True]])
    r = apply_penalties(base, valid=valid)
    assert np.isnan(r[0, 1]) and np.nansum(r) == 3
    with pytest.raises(ValueError, match="shape"):
        apply_penalties(base, fence=np.zeros((3, 3), bool))
    with pytest.raises(ValueError, match="water"):
        apply_penalties(base, water="lake")


def test_nan_filled_masks_to_nan():
    from amurlink.connectivity.resistance import nan_filled

    out = nan_filled(np.ma.masked_array(np.array([[1, 2]], np.float32), mask=[[False, True]]))
    assert out.dtype == np.float64 and out[0, 0] == 1 and np.isnan(out[0, 1])


def test_pressure_bands_and_landscape_resistance():
    from amurlink.connectivity.resistance import (
        ResistanceSummary,
        landscape_resistance,
        pressure_bands,
    )
    from amurlink.core.errors import InputError

    names = ["road_major", "road_minor", "logging_age", "fence"]
    bands = pressure_bands(names, ["major", "minor"], "p.tif")
    assert bands == {"roads": {"major": 0, "minor": 1}, "logging_age": 2, "fence": 3}
    with pytest.raises(InputError, match="p.tif: no band named 'road_track'"):
        pressure_bands(names, ["track"], "p.tif")
    pressures = np.zeros((4, 1, 3))
    pressures[2] = 50.0  # never logged
    pressures[0, 0, 1] = 1  # a major road in the middle
    pressures[3, 0, 2] = 1  # a fence on the right
    params = {"shape_c": 8, "road_resistance": {"major": 400}, "logging_resistance": [],
              "builtup_resistance": 0, "water": "barrier", "barrier_resistance": 5000}  # fmt: skip
    suitability = np.array([[1.0, 1.0, 1.0]])
    landcover = np.array([[np.nan, 10, 10]])
    r = landscape_resistance(suitability, pressures, landcover, bands, params)
    assert r.tolist() == [[1.0, 401.0, 5000.0]]
    summary = ResistanceSummary()
    summary.add(r)
    summary.add(np.array([np.nan], np.float32))
    assert (summary.count, summary.low, summary.high) == (3, 1.0, 5000.0)
    assert summary.mean == pytest.approx(5402 / 3)
