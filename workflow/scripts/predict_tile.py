"""Suitability, uncertainty, clamping and MESS of one tile, window by window."""

import numpy as np

from amurlink.core import io, smk
from amurlink.core.io import pickled
from amurlink.core.tiles import tile_by_name
from amurlink.habitat import predict


def main(snakemake):
    inp, params = snakemake.input, snakemake.params
    model = pickled.read_pickle(inp.model)
    predict.check_covariates(model, io.read_band_names(inp.covariates), inp.covariates)
    with io.open_on_grid({"covariates": inp.covariates}) as (ds, grid):
        tile = tile_by_name(grid.shape, params.tile_size, snakemake.wildcards.tile)
        out = predict.predict_tile(
            model, io.window_reader(ds["covariates"], dtype=None), tile, params.window_size,
            n_jobs=snakemake.threads,
        )  # fmt: skip
    io.write_raster(
        snakemake.output.tile, out, grid.window_grid(tile.window()), nodata=predict.NODATA,
        descriptions=list(predict.LAYERS), dtype="float32",
    )  # fmt: skip
    smk.log.info(
        "tile %s: %d x %d cells in %d windows, %d predicted",
        tile.name, tile.height, tile.width, len(tile.windows(params.window_size)),
        int(np.isfinite(out[0]).sum()),
    )  # fmt: skip


smk.run(main, globals().get("snakemake"))
