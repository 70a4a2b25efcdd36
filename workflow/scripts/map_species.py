"""Print map (A4, PNG at 300 dpi and PDF) of one species' habitat, corridors and threats."""

import logging

from amurlink.connectivity.corridors import corridor_mask
from amurlink.core import io, smk
from amurlink.core.errors import InputError
from amurlink.outputs import maps
from amurlink.prepare.layers import rasterize_index

MODEL_NAMES = {
    "ensemble": "ensemble model",
    "maxent": "MaxEnt",
    "glm": "GLM",
    "rf": "random forest",
    "brt": "boosted trees",
}
log = logging.getLogger(__name__)


def main(snakemake):
    inp, out, params = snakemake.input, snakemake.output, snakemake.params
    suitability, grid = io.read_raster(inp.suitability, max_cells=maps.MAP_CELLS)
    corridor_cost, corridor_grid = io.read_raster(inp.corridors, max_cells=maps.MAP_CELLS)
    if corridor_grid != grid:
        raise InputError(f"{inp.corridors}: grid differs from {inp.suitability}'s")
    layers = {
        "cores": io.read_vector(inp.cores),
        "links": io.read_vector(inp.links),
        "roads": io.read_vector(inp.roads),
        "threats": io.read_vector(inp.threats),
        "countries": io.read_vector(inp.countries, layer="countries"),
        "border": io.read_vector(inp.countries, layer="border"),
    }
    layers = {k: v.to_crs(grid.crs) if v.crs != grid.crs else v for k, v in layers.items()}
    species = params.species
    # Corridors are drawn between the cores; inside a core the shading would only
    # hide the suitability the core outline already marks.
    between_cores = corridor_mask(corridor_cost) & ~(rasterize_index(layers["cores"], grid) > 0)
    fig = maps.species_map(
        suitability, grid, layers["cores"], layers["links"], between_cores,
        layers["roads"], layers["threats"], layers["countries"],
        title=f"{species['key'].capitalize()} ({species['name']}): habitat, corridors and threats",
        credits=params.credits,
        border=layers["border"],
        top_n=params.top_n,
        date=params.date,
        locator=maps.locator_countries(),
        subtitle=f"Habitat suitability ({MODEL_NAMES.get(params.model, params.model)}), "
        f"least-cost corridors and the {params.top_n} worst road and logging threats in them",
    )  # fmt: skip
    maps.save_figure(fig, out.png, out.pdf)
    log.info("map %s and %s written", out.png, out.pdf)


smk.run(main, globals().get("snakemake"))
