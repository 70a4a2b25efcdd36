"""Derive the covariate stack on the analysis grid."""

import logging

import numpy as np

from amurlink import io, smk
from amurlink.prepare import COVARIATE_UNITS, compute_covariates

log = logging.getLogger(__name__)


def main(snakemake):
    inp, out, params = snakemake.input, snakemake.output, snakemake.params
    landcover, grid = io.read_raster(inp.landcover, masked=False)
    dem = io.read_raster(inp.dem)[0].filled(np.nan)
    valid = landcover != 0
    cfg = params.covariates
    stack, names = compute_covariates(
        landcover, dem, io.read_vector(inp.roads), io.read_vector(inp.settlements),
        io.read_vector(inp.logging), valid, grid,
        road_groups=list(cfg["road_classes"]), forest_classes=cfg["forest_classes"],
        forest_radius_m=cfg["forest_radius_m"], logging_radius_m=cfg["logging_radius_m"],
        reference_year=cfg["reference_year"],
    )  # fmt: skip
    units = [COVARIATE_UNITS.get(n, "m") for n in names]
    io.write_raster(out.covariates, stack, grid, nodata=-9999.0, descriptions=names, units=units)
    for name, band in zip(names, stack, strict=True):
        log.info("%-18s min %10.3f  mean %10.3f  max %10.3f", name, *(
            f(band[valid]) for f in (np.min, np.mean, np.max)))  # fmt: skip


smk.run(main, snakemake)  # noqa: F821
