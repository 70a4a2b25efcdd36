"""Rule pinchpoints: per-link current in the link's corridor (Pinchpoint Mapper)."""

import numpy as np

from amurlink.connectivity.pinchpoints import corridor_network_current, pinchpoints
from amurlink.core import io, smk
from amurlink.core.errors import InputError


def read_link_pairs(path):
    """(from_core, to_core) pairs of the corridors rule's link table."""
    import pandas as pd

    table = pd.read_csv(path)
    missing = {"from_core", "to_core"} - set(table.columns)
    if missing:
        raise InputError(f"{path}: missing columns {', '.join(sorted(missing))}")
    return list(zip(table["from_core"].astype(int), table["to_core"].astype(int), strict=True))


def read_on_grid(path, grid, **kwargs):
    data, other = io.read_raster(path, **kwargs)
    if other != grid:
        raise InputError(f"{path}: not on the grid of the resistance raster")
    return data


def main(snakemake):
    inp, out, params = snakemake.input, snakemake.output, snakemake.params
    cfg = params.connectivity
    resistance, grid = io.read_raster(inp.resistance)
    resistance = np.ma.filled(resistance.astype("float64"), np.nan)
    cores = read_on_grid(inp.cores, grid, masked=False)
    cores = np.where(cores > 0, cores, 0)
    corridors = np.ma.filled(read_on_grid(inp.corridors, grid).astype("float64"), np.nan)
    links = read_link_pairs(inp.links)

    result = pinchpoints(
        resistance,
        cores,
        links,
        grid.resolution,
        corridor_width=cfg["corridor_width_km"] * 1000,
        neighbours=cfg["neighbours"],
        solver=cfg["circuit_solver"],
    )
    network = corridor_network_current(
        resistance,
        cores,
        corridors,
        neighbours=cfg["neighbours"],
        solver=cfg["circuit_solver"],
        shorting=cfg["circuit_shorting"],
    )
    smk.log.info(
        "%d links; pinch-point current max %.3g A; all-pairs corridor current max %.3g A",
        len(links),
        float(np.nanmax(result.current)) if np.isfinite(result.current).any() else 0.0,
        float(np.nanmax(network)) if np.isfinite(network).any() else 0.0,
    )
    io.write_raster(
        out.pinchpoints,
        np.stack([result.current, network]).astype("float32"),
        grid,
        nodata=-9999.0,
        descriptions=["pinchpoint_current", "corridor_all_pairs_current"],
        units=["A (1 A per link, maximum over links)", "A (cumulative over core pairs)"],
        metadata={"corridor_width": str(cfg["corridor_width_km"] * 1000)},
    )
    io.write_table(result.links, out.table)


smk.run(main, globals().get("snakemake"))
