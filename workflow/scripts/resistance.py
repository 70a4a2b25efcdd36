"""Rule resistance: habitat suitability plus roads, logging, built-up land and water."""

import numpy as np

from amurlink import io, smk
from amurlink.resistance import apply_penalties, suitability_to_resistance


def band(stack, names, path, name):
    """A band by name, as float64 with NaN for no data."""
    if name not in names:
        raise io.InputError(f"{path}: no band named {name!r} (bands: {', '.join(names)})")
    return np.ma.filled(stack[names.index(name)].astype(np.float64), np.nan)


def main(snakemake):
    inp, cfg = snakemake.input, snakemake.params.connectivity
    suitability, grid = io.read_raster(inp.suitability)
    pressures, p_grid = io.read_raster(inp.pressures, band=None)
    landcover, lc_grid = io.read_raster(inp.landcover)
    for path, other in ((inp.pressures, p_grid), (inp.landcover, lc_grid)):
        if other != grid:
            raise io.InputError(f"{path}: grid differs from {inp.suitability}")
    names = io.read_band_names(inp.pressures)
    road_cells = {
        group: band(pressures, names, inp.pressures, f"road_{group}") > 0
        for group in snakemake.params.road_groups
    }
    logging_age = band(pressures, names, inp.pressures, "logging_age")
    fence = band(pressures, names, inp.pressures, "fence") > 0

    h = np.ma.filled(suitability.astype(np.float64), np.nan)
    resistance = apply_penalties(
        suitability_to_resistance(h, cfg["shape_c"]),
        road_cells=road_cells,
        road_resistance=cfg["road_resistance"],
        logging_age=logging_age,
        logging_resistance=cfg["logging_resistance"],
        landcover=np.ma.filled(landcover, 0),
        builtup_resistance=cfg["builtup_resistance"],
        water=cfg["water"],
        barrier_resistance=cfg["barrier_resistance"],
        fence=fence,
        valid=~np.ma.getmaskarray(suitability),
    )
    finite = resistance[np.isfinite(resistance)]
    smk.log.info(
        "resistance: %d passable cells, min %.1f, median %.1f, max %.1f",
        finite.size,
        *(np.percentile(finite, [0, 50, 100]) if finite.size else (np.nan,) * 3),
    )
    io.write_raster(
        snakemake.output.resistance,
        resistance,
        grid,
        nodata=-9999,
        descriptions="resistance",
        units="cost per metre (1 = best habitat)",
        metadata={"shape_c": str(cfg["shape_c"]), "water": cfg["water"]},
    )


smk.run(main, snakemake)  # noqa: F821
