"""Print map (A4, PNG at 300 dpi and PDF) of a scenario against the baseline for one species."""

import json
import logging

import numpy as np
import pandas as pd
import rasterio
from rasterio.windows import Window

from amurlink.connectivity.corridors import corridor_mask
from amurlink.core import io, smk
from amurlink.core.errors import InputError
from amurlink.core.grid import Grid
from amurlink.core.tiles import coarsen_mean, strip_rows, strips
from amurlink.outputs import maps
from amurlink.prepare.footprints import scenario_footprint

log = logging.getLogger(__name__)


def scenario_changes(baseline_path, scenario_path, grid):
    """Footprint (new roads and cutblocks) and relief (roads or fences gone) on ``grid``.

    Read strip by strip at full resolution; a map cell is marked when any of its
    cells is, so thin new roads stay visible on a decimated map.
    """
    names = io.read_band_names(baseline_path)
    with rasterio.open(baseline_path) as base_src, rasterio.open(scenario_path) as scen_src:
        fine = Grid.from_dataset(base_src)
        factor = round(grid.resolution / fine.resolution)
        if fine.coarsen(factor) != grid:
            raise InputError(f"{scenario_path}: not on the corridors' grid")
        parts = {"footprint": [], "relief": []}
        for row0, row1 in strips(fine.height, factor, strip_rows(fine.width)):
            window = Window(0, row0, fine.width, row1 - row0)
            base_p = base_src.read(window=window, masked=True).filled(0)
            scen_p = scen_src.read(window=window, masked=True).filled(0)
            relief = np.zeros(base_p.shape[1:], bool)
            for k, name in enumerate(names):
                if name.startswith("road_") or name == "fence":
                    relief |= (base_p[k] > 0) & ~(scen_p[k] > 0)
            footprint = scenario_footprint(base_p, scen_p, names)
            for key, mask in (("footprint", footprint), ("relief", relief)):
                parts[key].append(coarsen_mean(mask.astype(float), factor, 1.0) > 0)
    return np.vstack(parts["footprint"]), np.vstack(parts["relief"])


def main(snakemake):
    inp, out, params = snakemake.input, snakemake.output, snakemake.params
    base_cost, grid = io.read_raster(inp.baseline_corridors, max_cells=maps.MAP_CELLS)
    scen_cost, scen_grid = io.read_raster(inp.scenario_corridors, max_cells=maps.MAP_CELLS)
    if scen_grid != grid:
        raise InputError(f"{inp.scenario_corridors}: grid differs from the baseline's")
    footprint, relief = scenario_changes(inp.baseline_pressures, inp.scenario_pressures, grid)
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


smk.run(main, globals().get("snakemake"))
