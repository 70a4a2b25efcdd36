"""Check, reproject and clip the vector inputs; rasterise the countries onto the grid."""

import logging

import numpy as np
import pyogrio

from amurlink.core import io, smk
from amurlink.core.grids import habitat_grid
from amurlink.outputs import styles
from amurlink.prepare.layers import (
    prepare_countries,
    prepare_logging,
    prepare_roads,
    prepare_settlements,
    rasterize_index,
)

log = logging.getLogger(__name__)


def read_countries(path):
    layers = [name for name, _ in pyogrio.list_layers(path)] if io.Path(path).exists() else []
    return io.read_vector(path, layer="countries" if "countries" in layers else None)


def main(snakemake):
    inp, out, params = snakemake.input, snakemake.output, snakemake.params
    grid = habitat_grid(params.study_area)
    log.info(
        "analysis grid %s: %d x %d cells of %g m",
        grid.crs,
        grid.width,
        grid.height,
        grid.resolution,
    )
    # Read and check everything before writing anything.
    countries, border = prepare_countries(read_countries(inp.countries), grid, inp.countries)
    roads = prepare_roads(io.read_vector(inp.roads), grid, params.road_classes, inp.roads)
    blocks = prepare_logging(io.read_vector(inp.logging), grid, inp.logging)
    towns = prepare_settlements(io.read_vector(inp.settlements), grid, countries, inp.settlements)
    log.info(
        "%d countries, %d border lines, %d road segments (%d proposed), %d cutblocks, %d settlements",
        len(countries), len(border), len(roads), int((roads.status == "proposed").sum()),
        len(blocks), len(towns),
    )  # fmt: skip
    io.write_layers({"countries": countries, "border": border}, out.countries)
    io.write_vector(roads, out.roads, layer="roads")
    io.write_vector(blocks, out.logging, layer="logging")
    io.write_vector(towns, out.settlements, layer="settlements")
    index = rasterize_index(countries, grid).astype(np.uint8)
    codes = {i + 1: iso for i, iso in enumerate(countries.iso_a3)}
    io.write_raster(
        out.country, index, grid, nodata=0, descriptions="country index", units="class",
        categorical=True, colormap=styles.country_colours(codes), metadata=io.country_tags(codes),
    )  # fmt: skip


smk.run(main, globals().get("snakemake"))
