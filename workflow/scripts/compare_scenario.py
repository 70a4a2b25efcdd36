"""Compare one scenario's connectivity of one species with the baseline."""

import json
import logging

import pandas as pd

from amurlink.core import io, smk
from amurlink.core.errors import InputError
from amurlink.threats import scenarios as sc

log = logging.getLogger(__name__)


def read_indices(path):
    with open(path) as f:
        return json.load(f)


def main(snakemake):
    inp, out = snakemake.input, snakemake.output
    base_cores, base_grid = io.read_raster(inp.baseline_cores)
    scen_cores, scen_grid = io.read_raster(inp.scenario_cores)
    if base_grid != scen_grid:
        raise InputError(f"{inp.scenario_cores}: grid differs from {inp.baseline_cores}'s")
    base_links = pd.read_csv(inp.baseline_links)
    scen_links = pd.read_csv(inp.scenario_links)
    for path, table in ((inp.baseline_links, base_links), (inp.scenario_links, scen_links)):
        missing = {"link_id", "from_core", "to_core", "cwd"} - set(table.columns)
        if missing:
            raise InputError(f"{path}: missing columns {', '.join(sorted(missing))}")
    core_map = sc.match_cores(scen_cores, base_cores)
    links, new_links = sc.compare_links(base_links, scen_links, core_map)
    indices = sc.compare_indices(
        read_indices(inp.baseline_indices), read_indices(inp.scenario_indices)
    )
    n_base = int(base_cores.max()) if base_cores.count() else 0
    summary = sc.comparison_summary(indices, links, new_links, core_map, n_base)
    summary.update(
        scenario=snakemake.wildcards.scenario,
        species=snakemake.wildcards.species,
        description=snakemake.params.description,
        core_map={str(k): v for k, v in core_map.items()},
    )
    log.info(
        "%s/%s: PC %.4g -> %.4g (%.1f %%), EC %.1f -> %.1f km2 (%.1f %%); links lost %s, weakened %s",
        summary["scenario"], summary["species"], indices["PC_baseline"], indices["PC_scenario"],
        indices["delta_PC_pct"], indices["EC_baseline"], indices["EC_scenario"],
        indices["delta_EC_pct"], summary["links_lost"], summary["links_weakened"],
    )  # fmt: skip
    io.write_text(json.dumps(summary, indent=2, sort_keys=True) + "\n", out.json)
    io.write_table(links, out.links)
    io.write_table(new_links, out.new_links)


smk.run(main, globals().get("snakemake"))
