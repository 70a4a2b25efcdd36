"""Rule pressures: a scenario's roads, cutblocks, fences and crossings as rasters."""

import logging

from rasterio.windows import Window

from amurlink.core import io, smk
from amurlink.core.tiles import strip_rows, strips
from amurlink.prepare.layers import apply_scenario, features_over, pressure_layers

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
    names = [*(f"road_{g}" for g in params.road_classes), "logging_age", "fence"]
    units = ["1"] * (len(names) - 2) + ["year", "1"]
    # Strip by strip: each cell's value depends only on the geometries over it, so a strip
    # rasterised on its own equals the same rows of the whole grid, in a strip's memory.
    with io.RasterWriter(
        out.pressures, grid, dtype="float32", nodata=-9999.0, descriptions=names, units=units
    ) as writer:
        for row0, row1 in strips(grid.height, 1, strip_rows(grid.width)):
            window = Window(0, row0, grid.width, row1 - row0)
            part = grid.window_grid(window)
            stack, _ = pressure_layers(
                features_over(roads, part), features_over(blocks, part), part,
                road_groups=list(params.road_classes), reference_year=params.reference_year,
                fences=features_over(fences, part), mitigated=features_over(mitigated, part),
            )  # fmt: skip
            writer.write(stack, window)
    log.info(
        "scenario %s: %d changes, %d road segments, %d cutblocks, %d mitigated areas",
        snakemake.wildcards.scenario, len(changes), int((roads.status == "existing").sum()),
        len(blocks), len(mitigated),
    )  # fmt: skip


smk.run(main, globals().get("snakemake"))
