"""Print map (A4, PNG at 300 dpi and PDF) of one species' habitat, corridors and threats."""

import logging

import pandas as pd

from amurlink.connectivity.corridors import corridor_mask
from amurlink.core import smk
from amurlink.core.io.figures import save_figure
from amurlink.core.io.inputs import read_rasters_on_grid, read_vectors
from amurlink.core.io.naturalearth import read_naturalearth
from amurlink.outputs import maps, public

log = logging.getLogger(__name__)


def main(snakemake):
    inp, out, params = snakemake.input, snakemake.output, snakemake.params
    rasters, grid = read_rasters_on_grid(
        {"suitability": inp.suitability, "corridors": inp.corridors}, max_cells=maps.MAP_CELLS
    )
    layers = read_vectors(
        {"cores": inp.cores, "links": inp.links, "roads": inp.roads, "threats": inp.threats,
         "countries": (inp.countries, "countries"), "border": (inp.countries, "border")},
        crs=grid.crs,
    )  # fmt: skip
    title, subtitle = maps.species_map_titles(params.species, params.model, params.top_n)
    fig = maps.species_map(
        rasters["suitability"], grid, layers["cores"], layers["links"],
        maps.corridors_between_cores(corridor_mask(rasters["corridors"]), layers["cores"], grid),
        layers["roads"], public.with_impacts(layers["threats"], pd.read_csv(inp.impacts)),
        layers["countries"],
        title=title, subtitle=subtitle, credits=params.credits, border=layers["border"],
        top_n=params.top_n, date=params.date, locator=read_naturalearth(),
    )  # fmt: skip
    save_figure(fig, out.png, out.pdf, dpi=maps.DPI)
    log.info("map %s and %s written", out.png, out.pdf)


smk.run(main, globals().get("snakemake"))
