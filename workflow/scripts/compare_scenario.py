"""Compare one scenario's connectivity of one species with the baseline."""

import json
import logging
from pathlib import Path

import pandas as pd

from amurlink.core import io, smk
from amurlink.core.errors import require_columns
from amurlink.core.io.inputs import read_rasters_on_grid
from amurlink.threats import scenarios as sc

log = logging.getLogger(__name__)

LINK_COLUMNS = ["link_id", "from_core", "to_core", "cwd"]


def read_links(path):
    table = pd.read_csv(path)
    require_columns(table, LINK_COLUMNS, path)
    return table


def main(snakemake):
    inp, out = snakemake.input, snakemake.output
    cores, _ = read_rasters_on_grid(
        {"baseline": inp.baseline_cores, "scenario": inp.scenario_cores}
    )
    summary, links, new_links = sc.compare_scenario(
        cores["baseline"], cores["scenario"],
        read_links(inp.baseline_links), read_links(inp.scenario_links),
        json.loads(Path(inp.baseline_indices).read_text()),
        json.loads(Path(inp.scenario_indices).read_text()),
    )  # fmt: skip
    summary.update(
        scenario=snakemake.wildcards.scenario,
        species=snakemake.wildcards.species,
        description=snakemake.params.description,
    )
    log.info(
        "%s/%s: PC %s -> %s (%s %%), EC %s -> %s km2 (%s %%); links lost %s, weakened %s",
        *(summary[k] for k in ("scenario", "species", "PC_baseline", "PC_scenario",
                               "delta_PC_pct", "EC_baseline", "EC_scenario", "delta_EC_pct",
                               "links_lost", "links_weakened")),
    )  # fmt: skip
    io.write_text(json.dumps(summary, indent=2, sort_keys=True) + "\n", out.json)
    io.write_table(links, out.links)
    io.write_table(new_links, out.new_links)


smk.run(main, globals().get("snakemake"))
