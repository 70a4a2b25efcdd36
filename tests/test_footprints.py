"""Scenario footprints (amurlink.prepare.footprints)."""

import numpy as np

from amurlink.prepare.footprints import scenario_footprint


def test_scenario_footprint_is_new_roads_and_new_cuts():
    names = ["road_major", "road_track", "logging_age", "fence"]
    base = np.zeros((4, 3, 3))
    base[2] = 50
    base[0, 0, :] = 1  # an existing road stays: not a new loss
    scen = base.copy()
    scen[1, :, 1] = 1  # a new track down the middle column
    scen[2, 2, 2] = 0  # a new cut in the corner
    lost = scenario_footprint(base, scen, names)
    assert lost.tolist() == [[False, True, False], [False, True, False], [False, True, True]]
