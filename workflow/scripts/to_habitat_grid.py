"""A connectivity-grid raster resampled (nearest) onto the habitat grid, for maps and planners."""

import rasterio

from amurlink.core import io, smk
from amurlink.core.errors import InputError
from amurlink.core.grid import Grid


def main(snakemake):
    inp, out = snakemake.input, snakemake.output
    with rasterio.open(inp.coarse) as src:
        coarse = Grid.from_dataset(src)
        values = src.read()
        nodata = src.nodata
        categorical = src.dtypes[0][0] in "iu"
        options = {
            "dtype": src.dtypes[0],
            "descriptions": [d or snakemake.wildcards.product for d in src.descriptions],
            "units": [u or "" for u in src.units],
            "metadata": {**src.tags(), "connectivity_resolution_m": f"{coarse.resolution:g}"},
            "categorical": categorical,
        }
        try:
            options["colormap"] = src.colormap(1)
        except ValueError:  # no colour table
            options["colormap"] = None
    with rasterio.open(inp.habitat) as src:
        fine = Grid.from_dataset(src)
    factor = snakemake.params.factor
    if fine.coarsen(factor) != coarse:
        raise InputError(f"{inp.coarse}: not the {factor}x coarsening of {inp.habitat}'s grid")
    io.write_refined(out.fine, values, factor, fine, nodata=nodata, valid=inp.habitat, **options)
    smk.log.info("%s: %d x %d -> %d x %d cells (factor %d)", inp.coarse, *coarse.shape,
                 *fine.shape, factor)  # fmt: skip


smk.run(main, globals().get("snakemake"))
