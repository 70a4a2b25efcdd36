"""Mosaic the prediction tiles into suitability, uncertainty, clamping and MESS; cut habitat."""

import json
from contextlib import ExitStack

import numpy as np
import rasterio

from amurlink.core import io, smk
from amurlink.core.grid import Grid
from amurlink.habitat import predict
from amurlink.outputs import styles

LAYERS = {
    "suitability": ("cloglog 0-1", "weighted mean of the members' suitability"),
    "uncertainty": ("suitability sd", "weighted sd of the members' suitability"),
    "clamping": ("suitability", "|clamped - unclamped prediction| (MaxEnt clamping map)"),
    "mess": ("similarity %", "MESS, Elith et al. 2010; < 0 = novel conditions"),
}


def main(snakemake):
    inp, out = snakemake.input, snakemake.output
    metrics = json.loads(open(inp.metrics).read())
    threshold = float(metrics["threshold"])
    species = snakemake.wildcards.species
    with rasterio.open(inp.covariates) as ds:
        grid = Grid.from_dataset(ds)
    meta = {"species": species, "model": metrics.get("model", "")}
    with ExitStack() as stack:
        writers = {
            name: stack.enter_context(
                io.RasterWriter(
                    out[name], grid, dtype="float32", nodata=-9999, descriptions=[name],
                    units=units, metadata={**meta, "definition": definition},
                )
            )
            for name, (units, definition) in LAYERS.items()
        }  # fmt: skip
        habitat = stack.enter_context(
            io.RasterWriter(
                out.habitat, grid, dtype="uint8", nodata=255, descriptions=["habitat"],
                units="class", categorical=True, colormap=styles.habitat_colours(),
                metadata={"species": species, "threshold": f"{threshold:.6g}",
                          "rule": metrics.get("threshold_rule", "")},
            )
        )  # fmt: skip
        for window, block in io.read_tiles(inp.tiles, grid):
            block = np.where(block == -9999.0, np.nan, block)
            for name, band in zip(predict.LAYERS, block, strict=True):
                writers[name].write(np.nan_to_num(band, nan=-9999.0), window)
            habitat.write(predict.binary_habitat(block[0], threshold), window)
    smk.log.info(
        "%d tiles mosaicked: suitability, uncertainty, clamping, MESS and habitat (threshold %.4f)",
        len(inp.tiles), threshold,
    )  # fmt: skip


smk.run(main, globals().get("snakemake"))
