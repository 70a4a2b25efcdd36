"""Scenario footprints: the habitat a scenario's new roads and cutblocks take.

A pressure stack (bands-first) holds ``road_<group>`` (0/1), ``logging_age``
(years since the last cut) and ``fence`` bands, as the pressures rule writes them
for the baseline and each scenario.  Comparing a scenario's stack with the
baseline's gives the cells it newly disturbs.
"""

from __future__ import annotations

import numpy as np


def scenario_footprint(baseline: np.ndarray, scenario: np.ndarray, names: list[str]) -> np.ndarray:
    """Cells a scenario newly takes from habitat: new road cells and new cutblocks.

    A new road or logging concession destroys habitat on its footprint and
    splits the patch it crosses (Forman & Alexander 1998, Annu. Rev. Ecol.
    Syst. 29:207 — roads as barriers and habitat loss), so scenario cores are
    labelled on habitat minus this footprint.

    Parameters
    ----------
    baseline, scenario : numpy.ndarray
        Pressure stacks (bands-first) of the baseline and the scenario, bands
        ``road_<group>`` (0/1), ``logging_age`` (years since the last cut), ``fence``.
    names : list of str
        Band names of both stacks.
    """
    lost = np.zeros(baseline.shape[1:], bool)
    for k, name in enumerate(names):
        if name.startswith("road_"):
            lost |= (scenario[k] > 0) & ~(baseline[k] > 0)
        elif name == "logging_age":
            lost |= scenario[k] < baseline[k]
    return lost
