"""The connectivity grid: habitat-grid strips aggregated by blocks (connectivity.coarse)."""

import numpy as np

from amurlink.connectivity.coarse import FLOAT_NODATA, HABITAT_NODATA, coarsen_strip


def test_coarsen_strip_means_modes_and_scenario_split():
    names = ["road_major", "logging_age"]
    base = np.zeros((2, 2, 6))
    base[1] = 50.0
    scen = base.copy()
    scen[0, 0, 4] = 1  # a new road in the third block
    habitat = np.array([[1, 1, 1, 0, 1, 1], [1, 0, 0, 0, 1, 1]], float)
    resistance = np.array([[1, 3, 5, np.nan, 2, 2], [1, 3, np.nan, np.nan, 2, 2]], float)
    blocks = {
        "resistance": resistance[None],
        "habitat": habitat[None],
        "suitability": np.full((1, 2, 6), 0.5),
        "country": np.array([[[1, 1, 2, 2, 2, np.nan], [1, 2, 2, 2, 2, 2]]]),
        "pressures": scen,
        "baseline_pressures": base,
    }
    coarse, lost = coarsen_strip(blocks, names, 2)
    assert coarse["resistance"].tolist() == [[2.0, FLOAT_NODATA, 2.0]]
    # habitat on >= half the block, and not split by the new road
    assert coarse["habitat"].tolist() == [[1, 0, 0]] and coarse["habitat"].dtype == np.uint8
    assert coarse["country"].tolist() == [[1, 2, 2]]
    assert coarse["suitability"].tolist() == [[0.5, 0.5, 0.5]]
    assert lost == 1
    blocks["habitat"] = np.full((1, 2, 6), np.nan)
    assert (coarsen_strip(blocks, names, 2)[0]["habitat"] == HABITAT_NODATA).all()
