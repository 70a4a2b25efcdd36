"""One GeoPackage of the results: cores, links, corridors and threats per species, and the base.

Threats are written one geometry type per layer (``<species>_threats_roads``,
``<species>_threats_cutblocks``), road threats named after their road; the base
layers are the prepared roads and settlements, countries and border.

Sightings go in only generalised: counts per grid cell (config
sightings.generalise_km) as cell polygons; no raw coordinate is written
(see amurlink.outputs.public: generalise_points and package_layers).
"""

import logging

import numpy as np
import pandas as pd

from amurlink.connectivity.corridors import corridor_mask, corridor_polygons
from amurlink.core import io, smk
from amurlink.core.errors import require_columns
from amurlink.outputs import public, styles
from amurlink.outputs.maps import corridors_between_cores

log = logging.getLogger(__name__)


def main(snakemake):
    inp, out, params = snakemake.input, snakemake.output, snakemake.params
    per_species, grids = {}, {}
    roads = io.read_vector(inp.roads)
    for i, species in enumerate(params.species):
        corridor_cost, grid = io.read_raster(inp.corridors[i])
        cores = io.read_vector(inp.cores[i])
        # the corridors between the cores, as the printed maps draw them (the NLCC
        # mosaic covers the cores too, which would hide their suitability)
        between = corridors_between_cores(corridor_mask(corridor_cost, -9999.0), cores, grid)
        per_species[species] = {
            "cores": cores,
            "links": io.read_vector(inp.links[i]),
            "corridors": corridor_polygons(np.where(between, corridor_cost, np.nan), grid),
            "threats": public.with_impacts(
                public.threat_names(io.read_vector(inp.threats[i]), roads),
                pd.read_csv(inp.impacts[i]),
                pd.read_csv(inp.robustness[i]),
            ),
            # the greedy mitigation plan's threats, with their order (amurlink.threats.impact)
            "plan": io.read_vector(inp.plans[i], layer="plan"),
        }
        presences = pd.read_csv(inp.presences[i])
        require_columns(presences, ["x", "y"], inp.presences[i])
        grids[species] = public.generalise_points(
            presences["x"], presences["y"], params.generalise_km * 1000.0, grid.crs
        )
    countries = io.read_vector(inp.countries, layer="countries")
    border = io.read_vector(inp.countries, layer="border")
    base = {"roads": roads, "settlements": io.read_vector(inp.settlements)}
    layers = public.package_layers(
        per_species, countries, border, sightings_grids=grids, extra=base
    )
    io.write_layers(layers, out.gpkg, styles=styles.vector_styles(layers))
    for name, gdf in layers.items():
        log.info("layer %s: %d features", name, len(gdf))


smk.run(main, globals().get("snakemake"))
