"""One GeoPackage of the results: cores, links, corridors and threats per species, and countries.

No sighting coordinates go in: the layers come from the connectivity and threats
stages only (see amurlink.maps.package_layers).
"""

import logging

from amurlink import io, maps, smk
from amurlink.threats import corridor_polygons

log = logging.getLogger(__name__)


def main(snakemake):
    inp, out, params = snakemake.input, snakemake.output, snakemake.params
    per_species = {}
    for i, species in enumerate(params.species):
        corridor_cost, grid = io.read_raster(inp.corridors[i])
        per_species[species] = {
            "cores": io.read_vector(inp.cores[i]),
            "links": io.read_vector(inp.links[i]),
            "corridors": corridor_polygons(corridor_cost, grid),
            "threats": io.read_vector(inp.threats[i]),
        }
    countries = io.read_vector(inp.countries, layer="countries")
    border = io.read_vector(inp.countries, layer="border")
    layers = maps.package_layers(per_species, countries, border)
    io.write_layers(layers, out.gpkg)
    for name, gdf in layers.items():
        log.info("layer %s: %d features", name, len(gdf))


smk.run(main, snakemake)  # noqa: F821
