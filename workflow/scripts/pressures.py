"""Rule pressures: a scenario's roads, cutblocks, fences and crossings as rasters."""

import logging

from amurlink.core import io, smk
from amurlink.core.io.rasters import read_grid
from amurlink.prepare import pressures

log = logging.getLogger(__name__)


def main(snakemake):
    inp, out, params = snakemake.input, snakemake.output, snakemake.params
    grid = read_grid(inp.country)  # the pressures are rasterised from the vectors
    roads, blocks = io.read_vector(inp.roads), io.read_vector(inp.logging)
    changes = params.changes
    files = iter(inp.scenario_files)
    # Scenario files are inputs in the order of the changes that name one.
    layers = {i: io.read_vector(next(files)) for i, c in enumerate(changes) if c.get("file")}
    roads, blocks, mitigated = pressures.apply_scenario(
        roads, blocks, changes, layers, grid, params.road_classes, params.reference_year,
        scenario=snakemake.wildcards.scenario,
    )  # fmt: skip
    fences = io.read_vector(inp.fences[0]).to_crs(grid.crs) if inp.fences else None
    road_groups = list(params.road_classes)
    with io.RasterWriter(
        out.pressures, grid, dtype="float32", nodata=-9999.0,
        descriptions=pressures.pressure_names(road_groups), units=pressures.pressure_units(road_groups),
    ) as writer:  # fmt: skip
        for window, stack in pressures.pressure_strips(
            roads, blocks, grid, road_groups=road_groups, reference_year=params.reference_year,
            fences=fences, mitigated=mitigated,
        ):  # fmt: skip
            writer.write(stack, window)
    log.info(
        "scenario %s: %d changes, %d road segments, %d cutblocks, %d mitigated areas",
        snakemake.wildcards.scenario, len(changes), int((roads.status == "existing").sum()),
        len(blocks), len(mitigated),
    )  # fmt: skip


smk.run(main, globals().get("snakemake"))
