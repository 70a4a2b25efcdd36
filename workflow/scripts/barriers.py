"""Rule barriers: Barrier Mapper improvement scores at several radii."""

import numpy as np

from amurlink.connectivity.barriers import barrier_scores, radii_in_cells
from amurlink.connectivity.cores import core_ids
from amurlink.connectivity.progress import finite_max
from amurlink.connectivity.resistance import nan_filled
from amurlink.core import io, smk
from amurlink.core.io.connectivity import read_link_pairs
from amurlink.core.io.inputs import read_rasters_on_grid


def main(snakemake):
    inp, out, cfg = snakemake.input, snakemake.output, snakemake.params.connectivity
    rasters, grid = read_rasters_on_grid({"resistance": inp.resistance, "cores": inp.cores})
    links = read_link_pairs(inp.links)
    radii = cfg["barrier_radii_m"]
    used = [r * grid.resolution for r in radii_in_cells(radii, grid.resolution)]
    smk.log.info("radii %s m on a %g m grid: windows of %s m", radii, grid.resolution, used)

    result = barrier_scores(
        nan_filled(rasters["resistance"]),
        core_ids(rasters["cores"]),
        links,
        grid.resolution,
        radii,
        restored_resistance=cfg["restored_resistance"],
        neighbours=cfg["neighbours"],
    )
    smk.log.info(
        "%d links; max improvement score %.3g (resistance units), max %.1f %% of a link's LCD",
        len(links),
        finite_max(result.score),
        finite_max(result.percent),
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
