"""The connectivity grid: the habitat grid's rasters aggregated by blocks of cells.

Least-cost and circuit analyses run on a grid ``factor`` times coarser than the
habitat model's (:func:`amurlink.core.grids.analysis_grids`).  Each block of
``factor × factor`` habitat cells becomes one cell: resistance and suitability
are block means (no data when more than half the block is), the country is the
block's commonest, and a block is habitat when at least half its cells are and
no new road or cutblock of the scenario touches it, so that a scenario's new
road still splits the cores it crosses on the coarse grid.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from amurlink.core.tiles import coarsen_mean, coarsen_mode
from amurlink.prepare.footprints import scenario_footprint

#: No-data values of the connectivity-grid rasters.
FLOAT_NODATA = -9999.0
HABITAT_NODATA = 255


def coarsen_strip(
    blocks: Mapping[str, np.ndarray],
    pressure_names: list[str],
    factor: int,
    country_dtype="uint8",
) -> tuple[dict[str, np.ndarray], int]:
    """One strip of the habitat grid aggregated onto the connectivity grid.

    Parameters
    ----------
    blocks : mapping of str to numpy.ndarray
        Bands-first float arrays (NaN where no data) of one strip, a whole
        number of ``factor`` rows tall: ``resistance``, ``habitat`` (1 =
        habitat), ``suitability``, ``country`` (index, 0 = none), and the
        ``pressures`` of the scenario and ``baseline_pressures`` (bands
        ``pressure_names``).
    pressure_names : list of str
        Band names of both pressure stacks.
    factor : int
        Cells of the habitat grid per connectivity cell, along each axis.
    country_dtype : numpy dtype
        Integer type of the country raster.

    Returns
    -------
    coarse : dict of str to numpy.ndarray
        2-D ``resistance`` and ``suitability`` (float, :data:`FLOAT_NODATA`
        where no data), ``habitat`` (uint8 0/1, :data:`HABITAT_NODATA`) and
        ``country`` (block mode, 0 = none), ready to write.
    lost_cells : int
        Habitat cells of the strip the scenario's footprint takes.
    """
    lost = scenario_footprint(blocks["baseline_pressures"], blocks["pressures"], pressure_names)
    hab = blocks["habitat"][0]
    fraction = coarsen_mean(np.where(np.isfinite(hab), hab == 1, np.nan), factor)
    split = coarsen_mean(lost.astype(float), factor, max_nodata_fraction=1.0) > 0
    habitat = np.where(np.isfinite(fraction), (fraction >= 0.5) & ~split, HABITAT_NODATA)
    country = np.nan_to_num(blocks["country"][0], nan=0).astype(country_dtype)
    coarse = {
        "resistance": np.nan_to_num(
            coarsen_mean(blocks["resistance"][0], factor), nan=FLOAT_NODATA
        ),
        "habitat": habitat.astype("uint8"),
        "suitability": np.nan_to_num(
            coarsen_mean(blocks["suitability"][0], factor), nan=FLOAT_NODATA
        ),
        "country": coarsen_mode(country, factor),
    }
    return coarse, int((lost & (hab == 1)).sum())
