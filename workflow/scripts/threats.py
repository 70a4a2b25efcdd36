"""Roads and logging inside the corridors of one species: flag, score, rank, summarise."""

import logging

from amurlink.connectivity.corridors import corridor_polygons
from amurlink.core import io, smk
from amurlink.core.errors import InputError
from amurlink.threats import flagging as thr

log = logging.getLogger(__name__)


def read_layer(path, required, layer=None, crs=None):
    gdf = io.read_vector(path, layer=layer)
    thr.require_columns(gdf, required, path)
    return gdf.to_crs(crs) if crs is not None and gdf.crs != crs else gdf


def read_optional_raster(path, grid, band_name):
    """A band of an optional raster on ``grid`` by its description; None when absent."""
    if not path:
        return None
    names = io.read_band_names(path)
    if band_name not in names:
        raise InputError(f"{path}: no band {band_name!r}; bands {names}")
    values, other = io.read_raster(path, band=names.index(band_name) + 1)
    if other != grid:
        raise InputError(f"{path}: grid differs from the corridors'")
    return values


def main(snakemake):
    inp, out, params = snakemake.input, snakemake.output, snakemake.params
    corridor_cost, grid = io.read_raster(inp.corridors)
    current, current_grid = io.read_raster(inp.current)
    if current_grid != grid:
        raise InputError(f"{inp.current}: grid differs from {inp.corridors}'s")
    # Read and check everything before writing anything.
    roads = read_layer(inp.roads, ["highway"], crs=grid.crs)
    blocks = read_layer(inp.logging, ["year"], crs=grid.crs)
    countries = read_layer(inp.countries, ["iso_a3"], layer="countries", crs=grid.crs)
    links = read_layer(inp.links, ["link_id"], crs=grid.crs)
    pinchpoints = read_optional_raster(inp.get("pinchpoints"), grid, "pinchpoint_current")
    barrier_score = read_optional_raster(inp.get("barriers"), grid, "improvement_score")
    barrier_percent = read_optional_raster(inp.get("barriers"), grid, "improvement_percent")
    corridors = corridor_polygons(corridor_cost, grid)
    log.info(
        "%d corridor components (%.0f km2), %d links, %d roads, %d cutblocks",
        len(corridors), corridors["area_km2"].sum(), len(links), len(roads), len(blocks),
    )  # fmt: skip
    threats = thr.flag_threats(
        roads, blocks, corridors, links, countries,
        current=current, corridor_cost=corridor_cost, grid=grid,
        config=params.threats, reference_year=params.reference_year,
        pinchpoints=pinchpoints, barrier_score=barrier_score, barrier_percent=barrier_percent,
    )  # fmt: skip
    summary = thr.summarise_with_totals(threats, snakemake.wildcards.species)
    cross_links, cross_threats = thr.cross_border_report(thr.threats_table(threats), links)
    log.info("%d cross-border links, %d threats on them", len(cross_links), len(cross_threats))
    log.info("%d threat records; by country and kind:\n%s", len(threats), summary.to_string())
    io.write_vector(threats, out.gpkg, layer="threats")
    io.write_table(thr.threats_table(threats), out.csv)
    io.write_table(summary, out.summary)
    io.write_table(cross_links, out.cross_border_links)
    io.write_table(cross_threats, out.cross_border_threats)


smk.run(main, globals().get("snakemake"))
