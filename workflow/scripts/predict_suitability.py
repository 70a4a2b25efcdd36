"""Mosaic the prediction tiles into suitability, uncertainty, clamping and MESS; cut habitat."""

import json
from contextlib import ExitStack
from pathlib import Path

from amurlink.core import io, smk
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
    metrics = json.loads(Path(inp.metrics).read_text())
    threshold = float(metrics["threshold"])
    species = snakemake.wildcards.species
    meta = {"species": species, "model": metrics.get("model", "")}
    with ExitStack() as stack:
        # the tiles mosaic into the covariates' grid
        _, grid = stack.enter_context(io.open_on_grid({"covariates": inp.covariates}))
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
            layers, habitat_block = predict.mosaic_block(block, threshold)
            for name, band in layers.items():
                writers[name].write(band, window)
            habitat.write(habitat_block, window)
    smk.log.info(
        "%d tiles mosaicked: suitability, uncertainty, clamping, MESS and habitat (threshold %.4f)",
        len(inp.tiles), threshold,
    )  # fmt: skip


smk.run(main, globals().get("snakemake"))
