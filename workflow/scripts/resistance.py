"""Rule resistance: habitat suitability plus roads, logging, built-up land and water, by window."""

from contextlib import ExitStack

import numpy as np
import rasterio

from amurlink.connectivity.resistance import apply_penalties, suitability_to_resistance
from amurlink.core import io, smk
from amurlink.core.errors import InputError
from amurlink.core.grid import Grid


def band_index(names, path, name):
    if name not in names:
        raise InputError(f"{path}: no band named {name!r} (bands: {', '.join(names)})")
    return names.index(name)


def main(snakemake):
    inp, cfg = snakemake.input, snakemake.params.connectivity
    names = io.read_band_names(inp.pressures)
    roads = {g: band_index(names, inp.pressures, f"road_{g}") for g in snakemake.params.road_groups}
    logging_band = band_index(names, inp.pressures, "logging_age")
    fence_band = band_index(names, inp.pressures, "fence")
    with ExitStack() as stack:
        src = {k: stack.enter_context(rasterio.open(inp[k]))
               for k in ("suitability", "pressures", "landcover")}  # fmt: skip
        grid = Grid.from_dataset(src["suitability"])
        for key in ("pressures", "landcover"):
            if Grid.from_dataset(src[key]) != grid:
                raise InputError(f"{inp[key]}: grid differs from {inp.suitability}")
        read = {k: io.window_reader(ds) for k, ds in src.items()}
        writer = stack.enter_context(io.RasterWriter(
            snakemake.output.resistance, grid, dtype="float32", nodata=-9999,
            descriptions=["resistance"], units="cost per metre (1 = best habitat)",
            metadata={"shape_c": str(cfg["shape_c"]), "water": cfg["water"]},
        ))  # fmt: skip
        count, low, high, total = 0, np.inf, -np.inf, 0.0
        for window in grid.windows(snakemake.params.window_size):
            h = read["suitability"](window)[0]
            pressures = read["pressures"](window)
            resistance = apply_penalties(
                suitability_to_resistance(h, cfg["shape_c"]),
                road_cells={g: pressures[k] > 0 for g, k in roads.items()},
                road_resistance=cfg["road_resistance"],
                logging_age=pressures[logging_band],
                logging_resistance=cfg["logging_resistance"],
                landcover=np.nan_to_num(read["landcover"](window)[0], nan=0).astype(int),
                builtup_resistance=cfg["builtup_resistance"],
                water=cfg["water"],
                barrier_resistance=cfg["barrier_resistance"],
                fence=pressures[fence_band] > 0,
                valid=np.isfinite(h),
            )
            finite = resistance[np.isfinite(resistance)]
            if finite.size:
                count += finite.size
                low, high = min(low, finite.min()), max(high, finite.max())
                total += finite.sum()
            writer.write(np.where(np.isfinite(resistance), resistance, -9999), window)
    smk.log.info("resistance: %d passable cells, min %.1f, mean %.1f, max %.1f",
                 count, low, total / max(count, 1), high)  # fmt: skip


smk.run(main, globals().get("snakemake"))
