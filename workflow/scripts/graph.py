"""Rule graph: core network, IIC / PC / EC, node and link importance, ranked links."""

import json

import numpy as np

from amurlink.connectivity import graph as cg
from amurlink.core import io, smk
from amurlink.core.errors import require_columns
from amurlink.core.io import connectivity as cio


def optional(files, name):
    """A named rule input or output, or None when the rule does not declare it."""
    try:
        return getattr(files, name)
    except (AttributeError, KeyError):
        return None


def main(snakemake):
    inp, out, species = snakemake.input, snakemake.output, snakemake.params.species
    cores = io.read_vector(inp.cores)
    require_columns(cores, ["core_id", "area_km2"], inp.cores)
    links = io.read_vector(inp.links)
    require_columns(links, ["link_id", "from_core", "to_core", "cwd"], inp.links)
    pinch_path = optional(inp, "pinchpoints")
    links = cg.join_link_resistances(
        links,
        cio.read_effective_resistance(inp.effective_resistance),
        cio.read_corridor_resistance(pinch_path) if pinch_path else None,
    )
    resistance, grid = io.read_raster(inp.landscape)
    landscape_km2 = float(np.count_nonzero(~np.ma.getmaskarray(resistance))) * grid.cell_area / 1e6

    result = cg.core_network(cores, links, landscape_km2, species["key"], species["dispersal_km"])
    indices = result.indices
    smk.log.info("IIC %.3g, PC %.3g, EC %.1f km2", indices["IIC"], indices["PC"], indices["EC"])

    io.write_text(cg.to_graphml(result.graph), out.graphml)
    io.write_text(json.dumps(result.json_indices(), indent=2, sort_keys=True) + "\n", out.indices)
    io.write_table(result.nodes, out.nodes)
    io.write_table(result.links.drop(columns="geometry"), out.link_importance)
    io.write_vector(result.links, out.links_ranked)
    # The corridor network in one GeoPackage: cores as polygons, links as least-cost paths.
    network = optional(out, "network")
    if network:
        io.write_layers({"cores": result.core_layer(cores), "links": result.links}, network)


smk.run(main, globals().get("snakemake"))
