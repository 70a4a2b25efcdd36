"""Check, reproject and clip the vector inputs; rasterise the countries onto the grid."""

import logging

import geopandas as gpd
import numpy as np
import pandas as pd

from amurlink.core import io, smk
from amurlink.core.grid import transform_bounds
from amurlink.core.grids import habitat_grid
from amurlink.core.io.layers import read_layer_if_present
from amurlink.core.io.osm import is_osm, read_vector_input
from amurlink.core.io.rasters import check_coverage, read_covering, source_cell_size
from amurlink.outputs import styles
from amurlink.prepare.align import check_lossyear_codes, forest_loss_on_grid
from amurlink.prepare.vectors import loss_cutblocks, osm_roads, prepare_vectors

log = logging.getLogger(__name__)


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
    layers = params.layers or {}
    # Read and check everything before writing anything.
    prepared = prepare_vectors(
        read_layer_if_present(inp.countries, layers.get("countries", "countries")),
        read_roads(list(inp.roads), layers.get("roads"), grid, params.road_classes, params.osm),
        read_logging(inp.logging, inp.forest_loss, layers.get("logging"), grid, params.forest_loss),
        io.read_vector(inp.settlements, layer=layers.get("settlements")), grid, params.road_classes,
        paths={"countries": inp.countries, "roads": ", ".join(inp.roads),
               "settlements": inp.settlements,
               "logging": ", ".join(map(str, [*inp.logging, *inp.forest_loss]))},
    )  # fmt: skip
    roads = prepared.roads
    log.info(
        "%d countries, %d border lines, %d road segments (%d proposed), %d cutblocks, %d settlements",
        len(prepared.countries), len(prepared.border), len(roads),
        int((roads.status == "proposed").sum()), len(prepared.logging), len(prepared.settlements),
    )  # fmt: skip
    io.write_layers({"countries": prepared.countries, "border": prepared.border}, out.countries)
    io.write_vector(roads, out.roads, layer="roads")
    io.write_vector(prepared.logging, out.logging, layer="logging")
    io.write_vector(prepared.settlements, out.settlements, layer="settlements")
    codes = prepared.country_codes
    io.write_raster(
        out.country, prepared.country_index, grid, nodata=0, descriptions="country index",
        units="class", categorical=True, colormap=styles.country_colours(codes),
        metadata=io.country_tags(codes),
    )  # fmt: skip


def read_logging(logging, forest_loss, layer, grid, settings):
    """Cutblocks: the logging layer's polygons, and connected forest-loss patches on the grid."""
    parts = [read_vector_input(logging[0], layer)] if logging else []
    if forest_loss:
        paths = list(forest_loss)
        check_coverage(paths, grid, "inputs.forest_loss", settings.get("coverage", "error"))
        year = np.zeros(grid.shape, np.int32)
        fraction = np.zeros(grid.shape, np.float32)
        ratio = max(grid.resolution / source_cell_size(paths, grid.crs), 1.0)
        for window in grid.windows(max(1, int(4_000_000**0.5 / ratio))):
            sub = grid.window_grid(window)
            values, transform, crs, nodata = read_covering(paths, sub)
            check_lossyear_codes(
                values, nodata, paths[0], settings.get("forest_loss_year_offset", 2000)
            )
            y, f = forest_loss_on_grid(
                values, transform, crs, sub, settings.get("forest_loss_year_offset", 2000), nodata
            )
            year[window.toslices()], fraction[window.toslices()] = y, f
        blocks = loss_cutblocks(year, fraction, grid, settings.get("forest_loss_min_fraction", 0.5))
        log.info("%s: %d forest-loss patches as cutblocks", ", ".join(paths), len(blocks))
        parts.append(blocks)
    if not parts:
        return gpd.GeoDataFrame({"year": []}, geometry=[], crs=grid.crs)
    parts = [p.to_crs(grid.crs) if p.crs is not None else p for p in parts]
    return pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]


def read_roads(paths, layer, grid, road_classes, osm):
    """The roads layer: OSM extracts' ways inside the grid's box, or vector layers."""
    lines = read_vector_input(paths, layer, transform_bounds(grid.crs, "EPSG:4326", grid.bounds))
    if not is_osm(paths):
        return lines
    roads, dropped = osm_roads(lines, road_classes, (osm or {}).get("highway_map"))
    log.info("%s: %d OSM ways in the study area, %d roads kept", ", ".join(paths), len(lines),
             len(roads))  # fmt: skip
    if dropped:
        log.info("OSM highway values left out (inputs.osm.highway_map): %s", dropped)
    return roads


smk.run(main, globals().get("snakemake"))
