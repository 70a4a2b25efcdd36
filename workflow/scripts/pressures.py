"""Rule pressures: a scenario's roads, cutblocks, fences and crossings as rasters."""

import logging

from amurlink import io, smk
from amurlink.prepare import apply_scenario, pressure_layers

log = logging.getLogger(__name__)


def main(snakemake):
    inp, out, params = snakemake.input, snakemake.output, snakemake.params
    _, grid = io.read_raster(inp.country, masked=False)
    roads, blocks = io.read_vector(inp.roads), io.read_vector(inp.logging)
    changes = params.changes
    files = iter(inp.scenario_files)
    # Scenario files are inputs in the order of the changes that name one.
    layers = {i: io.read_vector(next(files)) for i, c in enumerate(changes) if c.get("file")}
    roads, blocks, mitigated = apply_scenario(
        roads, blocks, changes, layers, grid, params.road_classes, params.reference_year,
        scenario=snakemake.wildcards.scenario,
    )  # fmt: skip
    fences = io.read_vector(inp.fences[0]).to_crs(grid.crs) if inp.fences else None
    stack, names = pressure_layers(
        roads, blocks, grid, road_groups=list(params.road_classes),
        reference_year=params.reference_year, fences=fences, mitigated=mitigated,
    )  # fmt: skip
    units = ["1"] * (len(names) - 2) + ["year", "1"]
    io.write_raster(out.pressures, stack, grid, nodata=-9999.0, descriptions=names, units=units)
    log.info(
        "scenario %s: %d changes, %d road segments, %d cutblocks, %d mitigated areas",
        snakemake.wildcards.scenario, len(changes), int((roads.status == "existing").sum()),
        len(blocks), len(mitigated),
    )  # fmt: skip


smk.run(main, snakemake)  # noqa: F821
