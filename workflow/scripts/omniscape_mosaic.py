"""Sum the tiles' Omniscape currents into one map, normalise, and resample to the habitat grid."""

import numpy as np

from amurlink.connectivity.omniscape import mosaic_tiles
from amurlink.core import io, smk
from amurlink.core.io.refined import read_refinement


def main(snakemake):
    inp, out, params = snakemake.input, snakemake.output, snakemake.params
    # Omniscape's grid is a coarsening of the connectivity grid, itself of the habitat grid
    factor = params.factor * params.connectivity_factor
    resistance, coarse = io.read_raster(inp.resistance)
    fine = read_refinement(inp.habitat, coarse, factor, inp.resistance)
    result = mosaic_tiles(io.read_tiles(inp.parts, coarse), np.ma.getmaskarray(resistance))
    normalised = result.normalised
    smk.log.info(
        "%d tiles; normalised current: median %.3f, 99th percentile %.3f",
        len(inp.parts), *np.nanpercentile(normalised, [50, 99]),
    )  # fmt: skip
    meta = {
        "radius_km": str(params.omniscape["radius_km"]),
        "block_size": str(params.omniscape["block_size"]),
        "coarse_resolution_m": f"{coarse.resolution:g}",
        "method": "Omniscape (McRae et al. 2016; Landau et al. 2021), resampled nearest to this grid",
    }
    for path, values, name, unit in (
        (out.current, result.cumulative, "omniscape_current", "A"),
        (out.flow_potential, result.flow_potential, "flow_potential", "A"),
        (out.normalised, normalised, "normalised_current", "1 (current / flow potential)"),
    ):
        io.write_refined(
            path, values, factor, fine, nodata=-9999.0, valid=inp.habitat, dtype="float32",
            descriptions=[name], units=unit, metadata=meta,
        )  # fmt: skip


smk.run(main, globals().get("snakemake"))
