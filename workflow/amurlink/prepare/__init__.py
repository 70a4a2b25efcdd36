"""Prepare: inputs checked and put on the analysis grid.

Alignment of rasters, vector layers clipped and checked, covariates, and the per-scenario
pressures (roads, cutblocks, fences, crossings) and their footprints.
"""
