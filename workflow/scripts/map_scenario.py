"""Print map (A4, PNG at 300 dpi and PDF) of a scenario against the baseline for one species."""

import json
import logging

import numpy as np
import pandas as pd

from amurlink import cores, io, maps, smk
from amurlink.threats import corridor_mask

log = logging.getLogger(__name__)


def main(snakemake):
    inp, out, params = snakemake.input, snakemake.output, snakemake.params
    base_cost, grid = io.read_raster(inp.baseline_corridors)
    scen_cost, scen_grid = io.read_raster(inp.scenario_corridors)
    if scen_grid != grid:
        raise io.InputError(f"{inp.scenario_corridors}: grid differs from the baseline's")
    names = io.read_band_names(inp.baseline_pressures)
    base_p, _ = io.read_raster(inp.baseline_pressures, band=None)
    scen_p, _ = io.read_raster(inp.scenario_pressures, band=None)
    base_p, scen_p = np.ma.filled(base_p, 0), np.ma.filled(scen_p, 0)
    footprint = cores.scenario_footprint(base_p, scen_p, names)
    # pressures the scenario lifts: road or fence cells gone (crossings, fence removal)
    relief = np.zeros(grid.shape, bool)
    for k, name in enumerate(names):
        if name.startswith("road_") or name == "fence":
            relief |= (base_p[k] > 0) & ~(scen_p[k] > 0)
    with open(inp.comparison) as f:
        summary = json.load(f)
    status = pd.read_csv(inp.link_status)
    new = pd.read_csv(inp.new_links)
    scen_links = io.read_vector(inp.scenario_links)
    new_links = scen_links[scen_links["link_id"].isin(new["link_id"])]
    layers = {
        "baseline_links": io.read_vector(inp.baseline_links),
        "new_links": new_links,
        "cores": io.read_vector(inp.scenario_cores),
        "roads": io.read_vector(inp.roads),
        "countries": io.read_vector(inp.countries, layer="countries"),
        "border": io.read_vector(inp.countries, layer="border"),
    }
    layers = {k: v.to_crs(grid.crs) if v.crs != grid.crs else v for k, v in layers.items()}
    species, scenario = params.species, snakemake.wildcards.scenario
    fig = maps.scenario_map(
        grid, corridor_mask(base_cost), corridor_mask(scen_cost), footprint, relief,
        layers["baseline_links"], status, layers["new_links"], layers["cores"], layers["roads"],
        layers["countries"],
        title=f"{species['key'].capitalize()}: scenario '{scenario}' against the baseline",
        subtitle=params.description or None,
        credits=params.credits, summary=summary, border=layers["border"], date=params.date,
        locator=maps.locator_countries(),
    )  # fmt: skip
    maps.save_figure(fig, out.png, out.pdf)
    log.info("map %s and %s written", out.png, out.pdf)


smk.run(main, snakemake)  # noqa: F821
