"""Prepare: inputs checked and put on the analysis grid.

- :mod:`~amurlink.prepare.vectors` -- vector layers checked, reprojected and clipped;
- :mod:`~amurlink.prepare.align` -- the land cover and the DEM on the grid, checked and masked;
- :mod:`~amurlink.prepare.covariates` -- the covariates and their stack, tile by tile;
- :mod:`~amurlink.prepare.pressures` -- per-scenario pressures (roads, cutblocks, fences,
  crossings) as rasters;
- :mod:`~amurlink.prepare.footprints` -- the scenarios' footprints.
"""
