"""Rule pressures: a scenario's roads, cutblocks, fences and crossings as rasters."""

import logging

from amurlink.core import io, smk
from amurlink.core.grid import transform_bounds
from amurlink.core.io.osm import is_osm, read_vector_input
from amurlink.core.io.rasters import read_grid
from amurlink.prepare import pressures
from amurlink.prepare.vectors import osm_barriers

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
    fences = (
        read_fences(list(inp.fences), grid, params.layers or {}, params.osm or {})
        if inp.fences
        else None
    )
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


def read_fences(paths, grid, layers, osm):
    """Fences (lines): vector layers, or OSM extracts' barrier= (and railway=) ways."""
    lines = read_vector_input(
        paths, layers.get("fences"), transform_bounds(grid.crs, "EPSG:4326", grid.bounds)
    )
    if not is_osm(paths):
        return lines.to_crs(grid.crs)
    fences = osm_barriers(lines, osm.get("barriers", ["fence"]), osm.get("railways", []))
    log.info("%s: %d OSM ways read as fences (%s)", ", ".join(paths), len(fences),
             sorted(set(fences.kind)))  # fmt: skip
    return fences.to_crs(grid.crs)


smk.run(main, globals().get("snakemake"))
