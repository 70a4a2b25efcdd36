"""Rule corridors: cost-weighted distance, least-cost paths and NLCC corridors (Linkage Mapper)."""

from pathlib import Path

import numpy as np

from amurlink.connectivity.corridors import least_cost_corridors, link_table
from amurlink.core import io, smk
from amurlink.core.errors import InputError


def main(snakemake):
    cfg = snakemake.params.connectivity
    resistance, grid = io.read_raster(snakemake.input.resistance)
    cores, c_grid = io.read_raster(snakemake.input.cores, masked=False)
    if c_grid != grid:
        raise InputError(f"{snakemake.input.cores}: grid differs from {snakemake.input.resistance}")
    cores_gdf = io.read_vector(snakemake.input.polygons)
    if "core_id" not in cores_gdf.columns:
        raise InputError(f"{snakemake.input.polygons}: no column core_id")
    border = io.read_vector(snakemake.input.countries, layer="border").to_crs(grid.crs)

    result = least_cost_corridors(
        np.ma.filled(resistance.astype(np.float64), np.nan),
        cores,
        grid.resolution,
        max_link_cwd=cfg["max_link_cwd_km"] * 1000,
        corridor_width=cfg["corridor_width_km"] * 1000,
        neighbours=cfg["neighbours"],
        drop_through_cores=cfg.get("drop_through_cores", False),
        # CWD rasters go to disk beside the outputs, so memory holds two at a time.
        scratch_dir=Path(snakemake.output.corridors).parent,
    )
    links = link_table(result.links, cores_gdf, grid.transform, grid.crs, border=border)
    smk.log.info(
        "%d cores, %d adjacent pairs, %d links (%d cross the border)",
        int(cores.max(initial=0)),
        len(result.candidates),
        len(links),
        int(links["crosses_border"].sum()),
    )
    io.write_raster(
        snakemake.output.corridors,
        result.corridors,
        grid,
        nodata=-9999,
        descriptions="nlcc",
        units="cost above the least-cost path (resistance x m)",
        metadata={"corridor_width": str(cfg["corridor_width_km"] * 1000)},
    )
    io.write_vector(links, snakemake.output.links)
    io.write_table(links.drop(columns="geometry"), snakemake.output.table)


smk.run(main, globals().get("snakemake"))
