"""Rule graph: core network, IIC / PC / EC, node and link importance, ranked links."""

import json

import numpy as np
import pandas as pd

from amurlink.connectivity import graph as cg
from amurlink.core import io, smk
from amurlink.core.errors import InputError


def read_effective_resistance(path, links):
    """Join the circuit rule's effective_resistance (and current, if given) onto the links."""
    table = pd.read_csv(path)
    missing = {"core_a", "core_b", "effective_resistance"} - set(table.columns)
    if missing:
        raise InputError(f"{path}: missing columns {', '.join(sorted(missing))}")
    lo = table[["core_a", "core_b"]].min(axis=1).astype(np.int64)
    hi = table[["core_a", "core_b"]].max(axis=1).astype(np.int64)
    table = table.assign(from_core=lo, to_core=hi).drop(columns=["core_a", "core_b"])
    # Circuitscape writes -1 for disconnected pairs.
    er = table["effective_resistance"].astype(float)
    table["effective_resistance"] = er.where(er >= 0)
    keep = ["from_core", "to_core", "effective_resistance"]
    keep += [c for c in ("current",) if c in table.columns]
    table = table[keep].drop_duplicates(["from_core", "to_core"])
    links = links.drop(columns=["effective_resistance", "current"], errors="ignore")
    return links.merge(table, on=["from_core", "to_core"], how="left")


def optional(files, name):
    """A named rule input or output, or None when the rule does not declare it."""
    try:
        return getattr(files, name)
    except (AttributeError, KeyError):
        return None


def join_corridor_resistance(path, links):
    """Pinchpoint Mapper's link attributes: effective resistance within the link's corridor.

    ``corridor_resistance`` (ohm; NaN where the corridor does not join the cores) and
    ``cwd_to_corridor_resistance``, as Linkage Mapper adds Eff_Resist and
    CWD_to_Eff_Resist to its link table (McRae 2012).
    """
    table = pd.read_csv(path)
    missing = {"from_core", "to_core", "effective_resistance"} - set(table.columns)
    if missing:
        raise InputError(f"{path}: missing columns {', '.join(sorted(missing))}")
    er = table["effective_resistance"].astype(float)
    table = table.assign(corridor_resistance=er.where(er >= 0))
    table = table[["from_core", "to_core", "corridor_resistance"]]
    links = links.drop(columns=["corridor_resistance"], errors="ignore")
    links = links.merge(table, on=["from_core", "to_core"], how="left")
    links["cwd_to_corridor_resistance"] = links["cwd"] / links["corridor_resistance"]
    return links


def main(snakemake):
    species = snakemake.params.species
    cores = io.read_vector(snakemake.input.cores)
    links = io.read_vector(snakemake.input.links)
    for path, frame, cols in (
        (snakemake.input.cores, cores, ["core_id", "area_km2"]),
        (snakemake.input.links, links, ["link_id", "from_core", "to_core", "cwd"]),
    ):
        missing = set(cols) - set(frame.columns)
        if missing:
            raise InputError(f"{path}: missing columns {', '.join(sorted(missing))}")
    links = read_effective_resistance(snakemake.input.effective_resistance, links)
    if "current" not in links.columns:
        links["current"] = np.nan
    pinch_path = optional(snakemake.input, "pinchpoints")
    if pinch_path:
        links = join_corridor_resistance(pinch_path, links)

    resistance, grid = io.read_raster(snakemake.input.landscape)
    landscape_km2 = float(np.count_nonzero(~np.ma.getmaskarray(resistance))) * grid.cell_area / 1e6
    dispersal_cost = species["dispersal_km"] * 1000.0

    graph = cg.build_graph(cores, links)
    indices = cg.connectivity_indices(graph, landscape_km2, dispersal_cost)
    nodes = cg.node_importance(graph, dispersal_cost)
    edges = cg.link_importance(graph, dispersal_cost)
    node_centrality, edge_centrality = cg.centrality(graph)
    nodes = nodes.merge(node_centrality, on="node")
    edges = edges.merge(edge_centrality, on=["u", "v"])
    cg.set_attributes(graph, nodes, edges)

    indices.update(
        species=species["key"],
        dispersal_km=species["dispersal_km"],
        distance="cwd (resistance x m)",
        n_cross_border_links=len(cg.cross_border_links(graph)),
        conductance=cg.conductance_attribute(graph),
    )
    smk.log.info("IIC %.3g, PC %.3g, EC %.1f km2", indices["IIC"], indices["PC"], indices["EC"])

    node_table = cores.drop(columns="geometry").merge(
        nodes.rename(columns={"node": "core_id"}), on="core_id", how="left"
    )
    link_scores = edges.rename(columns={"u": "from_core", "v": "to_core"})
    ranked = links.merge(link_scores, on=["from_core", "to_core"], how="left")
    ranked["rank_dPC"] = ranked["dPC"].rank(ascending=False, method="min").astype("Int64")
    ranked = ranked.sort_values("link_id", ignore_index=True)

    io.write_text(cg.to_graphml(graph), snakemake.output.graphml)
    # Strict JSON has no NaN: undefined values (no cores) become null.
    indices = {
        key: None if isinstance(value, float) and not np.isfinite(value) else value
        for key, value in indices.items()
    }
    io.write_text(json.dumps(indices, indent=2, sort_keys=True) + "\n", snakemake.output.indices)
    io.write_table(node_table, snakemake.output.nodes)
    io.write_table(ranked.drop(columns="geometry"), snakemake.output.link_importance)
    io.write_vector(ranked, snakemake.output.links_ranked)
    # The corridor network in one GeoPackage: cores as polygons, links as least-cost paths.
    network = optional(snakemake.output, "network")
    if network:
        core_layer = cores[["core_id", "geometry"]].merge(node_table, on="core_id", how="left")
        io.write_layers({"cores": core_layer, "links": ranked}, network)


smk.run(main, globals().get("snakemake"))
