"""Rule resistance: habitat suitability plus roads, logging, built-up land and water, by window."""

import numpy as np

from amurlink.connectivity.resistance import (
    ResistanceSummary,
    landscape_resistance,
    pressure_bands,
)
from amurlink.core import io, smk


def main(snakemake):
    inp, cfg = snakemake.input, snakemake.params.connectivity
    bands = pressure_bands(
        io.read_band_names(inp.pressures), snakemake.params.road_groups, inp.pressures
    )
    summary = ResistanceSummary()
    paths = {"suitability": inp.suitability, "pressures": inp.pressures, "landcover": inp.landcover}
    with io.open_on_grid(paths) as (src, grid), io.RasterWriter(
        snakemake.output.resistance, grid, dtype="float32", nodata=-9999,
        descriptions=["resistance"], units="cost per metre (1 = best habitat)",
        metadata={"shape_c": str(cfg["shape_c"]), "water": cfg["water"]},
    ) as writer:  # fmt: skip
        for window, block in io.read_windows(src, grid, snakemake.params.window_size):
            resistance = landscape_resistance(
                block["suitability"][0], block["pressures"], block["landcover"][0], bands, cfg
            )
            summary.add(resistance)
            writer.write(np.where(np.isfinite(resistance), resistance, -9999), window)
    smk.log.info("resistance: %d passable cells, min %.1f, mean %.1f, max %.1f",
                 summary.count, summary.low, summary.mean, summary.high)  # fmt: skip


smk.run(main, globals().get("snakemake"))
