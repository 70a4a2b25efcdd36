"""Print map (A4, PNG at 300 dpi and PDF) of a scenario against the baseline for one species."""

import json
import logging
from pathlib import Path

import pandas as pd

from amurlink.connectivity.cores import core_ids
from amurlink.connectivity.corridors import corridor_mask
from amurlink.core import io, smk
from amurlink.core.errors import InputError
from amurlink.core.grids import coarsen_factor
from amurlink.core.io.figures import save_figure
from amurlink.core.io.inputs import read_rasters_on_grid, read_vectors
from amurlink.core.io.naturalearth import read_naturalearth
from amurlink.outputs import maps

log = logging.getLogger(__name__)


def main(snakemake):
    inp, out, params = snakemake.input, snakemake.output, snakemake.params
    corridors, grid = read_rasters_on_grid(
        {"baseline": inp.baseline_corridors, "scenario": inp.scenario_corridors,
         "baseline_cores": inp.baseline_cores},
        max_cells=maps.MAP_CELLS,
    )  # fmt: skip
    pressures = {"baseline": inp.baseline_pressures, "scenario": inp.scenario_pressures}
    with io.open_on_grid(pressures) as (datasets, fine):
        # read at full resolution, strip by strip: thin new roads stay visible on the map
        factor = coarsen_factor(fine.resolution, grid.resolution)
        if fine.coarsen(factor) != grid:
            raise InputError(f"{inp.scenario_pressures}: not on the corridors' grid")
        footprint, relief = maps.scenario_changes(
            io.read_strips(datasets, fine, factor), io.read_band_names(inp.baseline_pressures),
            factor,
        )  # fmt: skip
    layers = read_vectors(
        {"baseline_links": inp.baseline_links, "scenario_links": inp.scenario_links,
         "cores": inp.scenario_cores, "roads": inp.roads,
         "countries": (inp.countries, "countries"), "border": (inp.countries, "border")},
        crs=grid.crs,
    )  # fmt: skip
    new = pd.read_csv(inp.new_links)
    new_links = layers["scenario_links"][layers["scenario_links"]["link_id"].isin(new["link_id"])]
    fig = maps.scenario_map(
        grid, corridor_mask(corridors["baseline"]), corridor_mask(corridors["scenario"]),
        footprint, relief, layers["baseline_links"], pd.read_csv(inp.link_status), new_links,
        layers["cores"], layers["roads"], layers["countries"],
        title=maps.scenario_map_title(
            params.species, snakemake.wildcards.scenario, params.description
        ),
        subtitle=f"Scenario '{snakemake.wildcards.scenario}' against the baseline",
        credits=params.credits,
        summary=json.loads(Path(inp.comparison).read_text()), border=layers["border"],
        date=params.date, locator=read_naturalearth(),
        baseline_core=core_ids(corridors["baseline_cores"]) > 0,
    )  # fmt: skip
    save_figure(fig, out.png, out.pdf, dpi=maps.DPI)
    log.info("map %s and %s written", out.png, out.pdf)


smk.run(main, globals().get("snakemake"))
