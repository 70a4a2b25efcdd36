"""Roads and logging inside the corridors of one species: flag, score, rank, summarise."""

import logging

from amurlink import io, smk
from amurlink import threats as thr

log = logging.getLogger(__name__)


def read_layer(path, required, layer=None, crs=None):
    gdf = io.read_vector(path, layer=layer)
    thr.require_columns(gdf, required, path)
    return gdf.to_crs(crs) if crs is not None and gdf.crs != crs else gdf


def main(snakemake):
    inp, out, params = snakemake.input, snakemake.output, snakemake.params
    corridor_cost, grid = io.read_raster(inp.corridors)
    current, current_grid = io.read_raster(inp.current)
    if current_grid != grid:
        raise io.InputError(f"{inp.current}: grid differs from {inp.corridors}'s")
    # Read and check everything before writing anything.
    roads = read_layer(inp.roads, ["highway"], crs=grid.crs)
    blocks = read_layer(inp.logging, ["year"], crs=grid.crs)
    countries = read_layer(inp.countries, ["iso_a3"], layer="countries", crs=grid.crs)
    links = read_layer(inp.links, ["link_id"], crs=grid.crs)
    corridors = thr.corridor_polygons(corridor_cost, grid)
    log.info(
        "%d corridor components (%.0f km2), %d links, %d roads, %d cutblocks",
        len(corridors), corridors["area_km2"].sum(), len(links), len(roads), len(blocks),
    )  # fmt: skip
    threats = thr.flag_threats(
        roads, blocks, corridors, links, countries,
        current=current, corridor_cost=corridor_cost, grid=grid,
        config=params.threats, reference_year=params.reference_year,
    )  # fmt: skip
    summary = thr.summarise_threats(threats)
    log.info("%d threat records; by country and kind:\n%s", len(threats), summary.to_string())
    io.write_vector(threats, out.gpkg, layer="threats")
    io.write_table(thr.threats_table(threats), out.csv)
    io.write_table(summary, out.summary)


smk.run(main, snakemake)  # noqa: F821
