"""Sum the tiles' Omniscape currents into one map, normalise, and resample to the habitat grid."""

import numpy as np
import rasterio

from amurlink.connectivity.omniscape import normalise
from amurlink.core import io, smk
from amurlink.core.errors import InputError
from amurlink.core.grid import Grid


def main(snakemake):
    inp, out, params = snakemake.input, snakemake.output, snakemake.params
    # Omniscape's grid is a coarsening of the connectivity grid, itself of the habitat grid
    factor = params.factor * params.connectivity_factor
    resistance, coarse = io.read_raster(inp.resistance)
    with rasterio.open(inp.habitat) as src:
        fine = Grid.from_dataset(src)
    if fine.coarsen(factor) != coarse:
        raise InputError(f"{inp.resistance}: not the {factor}x coarsening of {inp.habitat}")
    cumulative = np.zeros(coarse.shape)
    potential = np.zeros(coarse.shape)
    inv = ~coarse.transform
    for path in inp.parts:
        part, grid = io.read_raster(path, band=None, masked=False)
        col0, row0 = (round(v) for v in inv * (grid.transform.c, grid.transform.f))
        where = (slice(row0, row0 + grid.height), slice(col0, col0 + grid.width))
        cumulative[where] += part[0]
        potential[where] += part[1]
    nodata = np.ma.getmaskarray(resistance)
    cumulative[nodata] = np.nan
    potential[nodata] = np.nan
    normalised = normalise(cumulative, potential)
    smk.log.info(
        "%d tiles; normalised current: median %.3f, 99th percentile %.3f",
        len(inp.parts), *np.nanpercentile(normalised, [50, 99]),
    )  # fmt: skip
    meta = {
        "radius_km": str(snakemake.params.omniscape["radius_km"]),
        "block_size": str(snakemake.params.omniscape["block_size"]),
        "coarse_resolution_m": f"{coarse.resolution:g}",
        "method": "Omniscape (McRae et al. 2016; Landau et al. 2021), resampled nearest to this grid",
    }
    for path, values, name, unit in (
        (out.current, cumulative, "omniscape_current", "A"),
        (out.flow_potential, potential, "flow_potential", "A"),
        (out.normalised, normalised, "normalised_current", "1 (current / flow potential)"),
    ):
        io.write_refined(
            path, values, factor, fine, nodata=-9999.0, valid=inp.habitat, dtype="float32",
            descriptions=[name], units=unit, metadata=meta,
        )  # fmt: skip


smk.run(main, globals().get("snakemake"))
