"""Rule corridors: cost-weighted distance, least-cost paths and NLCC corridors (Linkage Mapper)."""

from pathlib import Path

from amurlink.connectivity.cores import core_ids
from amurlink.connectivity.corridors import link_cores
from amurlink.connectivity.resistance import nan_filled
from amurlink.core import io, smk
from amurlink.core.errors import require_columns
from amurlink.core.io.inputs import read_rasters_on_grid
from amurlink.core.io.scratch import ScratchArrays


def main(snakemake):
    inp, out, cfg = snakemake.input, snakemake.output, snakemake.params.connectivity
    rasters, grid = read_rasters_on_grid({"resistance": inp.resistance, "cores": inp.cores})
    cores = core_ids(rasters["cores"])
    cores_gdf = io.read_vector(inp.polygons)
    require_columns(cores_gdf, ["core_id"], inp.polygons)
    border = io.read_vector(inp.countries, layer="border").to_crs(grid.crs)

    # CWD rasters go to disk beside the outputs, so memory holds two at a time.
    with ScratchArrays(Path(out.corridors).parent, prefix=".cwd-") as cwd_store:
        result, links = link_cores(
            nan_filled(rasters["resistance"]),
            cores,
            cores_gdf,
            grid,
            border=border,
            max_link_cwd=cfg["max_link_cwd_km"] * 1000,
            corridor_width=cfg["corridor_width_km"] * 1000,
            neighbours=cfg["neighbours"],
            drop_through_cores=cfg.get("drop_through_cores", False),
            cwd_store=cwd_store,
        )
    smk.log.info(
        "%d cores, %d adjacent pairs, %d links (%d cross the border)",
        int(cores.max(initial=0)),
        len(result.candidates),
        len(links),
        int(links["crosses_border"].sum()),
    )
    io.write_raster(
        out.corridors,
        result.corridors,
        grid,
        nodata=-9999,
        descriptions="nlcc",
        units="cost above the least-cost path (resistance x m)",
        metadata={"corridor_width": str(cfg["corridor_width_km"] * 1000)},
    )
    io.write_vector(links, out.links)
    io.write_table(links.drop(columns="geometry"), out.table)


smk.run(main, globals().get("snakemake"))
