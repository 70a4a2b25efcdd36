"""A connectivity-grid raster resampled (nearest) onto the habitat grid, for maps and planners."""

from amurlink.core import io, smk
from amurlink.core.io.refined import read_refinement, read_with_writer_options


def main(snakemake):
    inp, out, factor = snakemake.input, snakemake.output, snakemake.params.factor
    values, coarse, nodata, options = read_with_writer_options(
        inp.coarse, snakemake.wildcards.product
    )
    fine = read_refinement(inp.habitat, coarse, factor, inp.coarse)
    options["metadata"]["connectivity_resolution_m"] = f"{coarse.resolution:g}"
    io.write_refined(out.fine, values, factor, fine, nodata=nodata, valid=inp.habitat, **options)
    smk.log.info("%s: %d x %d -> %d x %d cells (factor %d)", inp.coarse, *coarse.shape,
                 *fine.shape, factor)  # fmt: skip


smk.run(main, globals().get("snakemake"))
