"""Rule threat_impacts: the connectivity each threat's mitigation gives back, and the greedy plan."""

import json

import numpy as np

from amurlink.connectivity.cores import core_ids
from amurlink.connectivity.resistance import nan_filled, pressure_bands
from amurlink.core import io, smk
from amurlink.core.errors import require_columns
from amurlink.core.io.inputs import read_rasters_on_grid
from amurlink.threats import impact


def ranking_robustness(network, landscape, threats, lifts, impacts, inp, params):
    """The impact ranking under every assumption of config ``threats.robustness`` (issue 12
    item 3); the run's own assumption (no shift, the config's c) is ``impacts``, not redone."""
    sd, _ = io.read_raster(inp.uncertainty)
    rankings = {}
    for name, shift, c in impact.assumption_variants(params.robustness_sd, params.robustness_c):
        if shift == 0 and c == landscape.params["shape_c"]:
            rankings[name] = impacts
            continue
        rankings[name] = impact.impacts_under(
            network, landscape, threats, lifts, nan_filled(sd), shift, c
        )
        smk.log.info("assumption %s: top 3 %s", name, rankings[name]["threat_id"].head(3).tolist())
    return impact.ranking_robustness(rankings, int(params.top_n))


def main(snakemake):
    inp, out, params = snakemake.input, snakemake.output, snakemake.params
    rasters, grid = read_rasters_on_grid({"resistance": inp.resistance, "cores": inp.cores})
    suitability, fine = io.read_raster(inp.suitability)
    pressures, _ = io.read_raster(inp.pressures, band=None)
    landcover, _ = io.read_raster(inp.landcover)
    bands = pressure_bands(io.read_band_names(inp.pressures), params.road_groups, inp.pressures)
    threats = io.read_vector(inp.threats)
    require_columns(threats, ["threat_id", "kind", "road_group", "link_ids"], inp.threats)
    links = io.read_vector(inp.links)
    require_columns(links, ["link_id", "from_core", "to_core", "cwd"], inp.links)
    cores = io.read_vector(inp.polygons)
    require_columns(cores, ["core_id", "area_km2"], inp.polygons)

    resistance = nan_filled(rasters["resistance"])
    landscape = impact.FineLandscape(
        nan_filled(suitability), nan_filled(pressures), nan_filled(landcover), bands,
        params.connectivity, int(params.factor),
    )  # fmt: skip
    # the same landscape area as the graph rule: the connectivity grid's valid cells
    area_km2 = (
        float(np.count_nonzero(~np.ma.getmaskarray(rasters["resistance"]))) * grid.cell_area / 1e6
    )
    network = impact.Network(
        resistance, core_ids(rasters["cores"]), links[["link_id", "from_core", "to_core"]],
        cores[["core_id", "area_km2"]], grid.resolution, area_km2,
        params.species["dispersal_km"] * 1000.0, int(params.neighbours),
    )  # fmt: skip
    worst = max((abs(network.cwd[int(i)] - c) for i, c in zip(links["link_id"], links["cwd"],
                 strict=True) if np.isfinite(c)), default=0.0)  # fmt: skip
    smk.log.info("%d links; largest |cwd recomputed - links table| %.3g", len(links), worst)
    lifts = impact.threat_lifts(threats, fine, int(params.factor), bands)
    smk.log.info("%d threat records, %d baseline threats to mitigate", len(threats), len(lifts))
    impacts = impact.threat_impacts(network, landscape, threats, lifts)
    smk.log.info("top threats by PC regained:\n%s", impacts.head(10).to_string())
    check = impact.check_against_naive(network, landscape, threats, lifts, impacts)
    smk.log.info("fast path against naive recomputation, top threats %s: largest differences "
                 "dCWD %.3g, dR %.3g, dPC %.3g", check["threats"], check["dCWD"], check["dR"],
                 check["dPC"])  # fmt: skip
    robustness = ranking_robustness(network, landscape, threats, lifts, impacts, inp, params)
    plan = impact.mitigation_plan(network, landscape, threats, lifts, int(params.budget))
    smk.log.info("mitigation plan:\n%s", plan.to_string())
    io.write_table(impacts, out.impacts)
    io.write_table(plan, out.plan)
    io.write_table(robustness, out.robustness)
    io.write_text(json.dumps(check, indent=1) + "\n", out.check)
    io.write_vector(impact.plan_layer(threats, plan), out.plan_gpkg, layer="plan")


smk.run(main, globals().get("snakemake"))
