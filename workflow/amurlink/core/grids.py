"""The grids a run works on, derived once from the config.

Three grids nest exactly: the habitat grid (``study_area``), the connectivity grid
(``connectivity.resolution_m``, a whole multiple of the habitat cell) and the grid
Omniscape runs on (``connectivity.omniscape.resolution_m``, a whole multiple of the
connectivity cell).  Each coarser grid is :meth:`Grid.coarsen` of the finer one, so
its cells are blocks of ``factor × factor`` finer cells with the same origin.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from amurlink.core.grid import Grid


def coarsen_factor(fine_resolution: float, coarse_resolution: float | None) -> int:
    """Whole number of fine cells per coarse cell (at least 1) nearest to the ratio.

    ``None`` (or 0) for the coarse resolution means "the same grid": factor 1.
    """
    if not coarse_resolution:
        return 1
    return max(1, round(coarse_resolution / fine_resolution))


def habitat_grid(study_area: Mapping) -> Grid:
    """The analysis (habitat) grid from the config's ``study_area`` block.

    ``bounds`` (in the grid's CRS) wins over ``bbox_lonlat`` when both are given.
    """
    crs, res = study_area["crs"], float(study_area["resolution"])
    if study_area.get("bounds"):
        return Grid.from_bounds(crs, tuple(study_area["bounds"]), res)
    return Grid.from_lonlat_box(crs, tuple(study_area["bbox_lonlat"]), res)


@dataclass(frozen=True)
class AnalysisGrids:
    """The habitat, connectivity and Omniscape grids of a run and the factors between them."""

    habitat: Grid
    connectivity_factor: int
    omniscape_factor: int

    @property
    def connectivity(self) -> Grid:
        """The grid cores, corridors, circuit and graph run on."""
        return self.habitat.coarsen(self.connectivity_factor)

    @property
    def omniscape(self) -> Grid:
        """The grid Omniscape's moving windows run on."""
        return self.connectivity.coarsen(self.omniscape_factor)


def analysis_grids(
    study_area: Mapping,
    connectivity_resolution_m: float | None,
    omniscape_resolution_m: float | None,
) -> AnalysisGrids:
    """The three nested grids of a run, from the config's values."""
    habitat = habitat_grid(study_area)
    connectivity_factor = coarsen_factor(habitat.resolution, connectivity_resolution_m)
    omniscape_factor = coarsen_factor(
        habitat.resolution * connectivity_factor, omniscape_resolution_m
    )
    return AnalysisGrids(habitat, connectivity_factor, omniscape_factor)
