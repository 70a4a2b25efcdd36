"""Rule pinchpoints: per-link current in the link's corridor (Pinchpoint Mapper)."""

import numpy as np

from amurlink.connectivity.cores import core_ids
from amurlink.connectivity.pinchpoints import pinchpoint_maps
from amurlink.connectivity.progress import finite_max
from amurlink.connectivity.resistance import nan_filled
from amurlink.core import io, smk
from amurlink.core.io.connectivity import read_link_pairs
from amurlink.core.io.inputs import read_rasters_on_grid


def main(snakemake):
    inp, out, cfg = snakemake.input, snakemake.output, snakemake.params.connectivity
    rasters, grid = read_rasters_on_grid(
        {"resistance": inp.resistance, "cores": inp.cores, "corridors": inp.corridors}
    )
    links = read_link_pairs(inp.links)

    result = pinchpoint_maps(
        nan_filled(rasters["resistance"]),
        core_ids(rasters["cores"]),
        nan_filled(rasters["corridors"]),
        links,
        grid.resolution,
        corridor_width=cfg["corridor_width_km"] * 1000,
        neighbours=cfg["neighbours"],
        solver=cfg["circuit_solver"],
        shorting=cfg["circuit_shorting"],
    )
    peaks = [finite_max(current) for current in (result.current, result.network)]
    smk.log.info("%d links; pinch-point current max %.3g A; all-pairs corridor current max "
                 "%.3g A", len(links), *peaks)  # fmt: skip
    io.write_raster(
        out.pinchpoints,
        np.stack([result.current, result.network]).astype("float32"),
        grid,
        nodata=-9999.0,
        descriptions=["pinchpoint_current", "corridor_all_pairs_current"],
        units=["A (1 A per link, maximum over links)", "A (cumulative over core pairs)"],
        metadata={"corridor_width": str(cfg["corridor_width_km"] * 1000)},
    )
    io.write_table(result.links, out.table)


smk.run(main, globals().get("snakemake"))
