"""Rule barriers: Barrier Mapper improvement scores at several radii."""

import numpy as np
import pandas as pd

from amurlink.connectivity.barriers import barrier_scores, radii_in_cells
from amurlink.core import io, smk
from amurlink.core.errors import InputError


def main(snakemake):
    inp, out, params = snakemake.input, snakemake.output, snakemake.params
    cfg = params.connectivity
    resistance, grid = io.read_raster(inp.resistance)
    resistance = np.ma.filled(resistance.astype("float64"), np.nan)
    cores, core_grid = io.read_raster(inp.cores, masked=False)
    if core_grid != grid:
        raise InputError(f"{inp.cores}: not on the grid of {inp.resistance}")
    table = pd.read_csv(inp.links)
    missing = {"from_core", "to_core"} - set(table.columns)
    if missing:
        raise InputError(f"{inp.links}: missing columns {', '.join(sorted(missing))}")
    links = list(zip(table["from_core"].astype(int), table["to_core"].astype(int), strict=True))
    radii = cfg["barrier_radii_m"]
    used = [r * grid.resolution for r in radii_in_cells(radii, grid.resolution)]
    smk.log.info("radii %s m on a %g m grid: windows of %s m", radii, grid.resolution, used)

    result = barrier_scores(
        resistance,
        np.where(cores > 0, cores, 0),
        links,
        grid.resolution,
        radii,
        restored_resistance=cfg["restored_resistance"],
        neighbours=cfg["neighbours"],
    )
    smk.log.info(
        "%d links; max improvement score %.3g (resistance units), max %.1f %% of a link's LCD",
        len(links),
        float(np.nanmax(result.score)) if np.isfinite(result.score).any() else 0.0,
        float(np.nanmax(result.percent)) if np.isfinite(result.percent).any() else 0.0,
    )
    io.write_raster(
        out.barriers,
        np.stack([result.score, result.percent, result.best_radius_m]).astype("float32"),
        grid,
        nodata=-9999.0,
        descriptions=["improvement_score", "improvement_percent", "best_radius_m"],
        units=["LCD saved per metre restored (resistance units)", "% of the link's LCD", "m"],
        metadata={
            "radii_m": ",".join(f"{r:g}" for r in used),
            "restored_resistance": str(cfg["restored_resistance"]),
        },
    )
    io.write_table(result.links, out.table)


smk.run(main, globals().get("snakemake"))
