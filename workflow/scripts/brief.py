"""The policy brief: key figures (HTML and PDF) and the tables behind them (CSV)."""

import json
import logging
import os
from collections import Counter
from pathlib import Path

import pandas as pd
import rasterio
from matplotlib.backends.backend_pdf import PdfPages
from rasterio.windows import Window

from amurlink.core import io, smk
from amurlink.core.errors import InputError
from amurlink.core.grid import Grid
from amurlink.core.tiles import strip_rows, strips
from amurlink.outputs import brief, maps

log = logging.getLogger(__name__)


def read_json(path):
    with open(path) as f:
        return json.load(f)


def main(snakemake):
    inp, out, params = snakemake.input, snakemake.output, snakemake.params
    species = list(params.species)
    with rasterio.open(inp.country) as src:
        grid = Grid.from_dataset(src)
    codes = io.read_country_codes(inp.country)

    habitat_rows, network_rows, threat_tables, cross_tables = [], [], [], []
    for i, sp in enumerate(species):
        counts = Counter()
        # strip by strip: the brief's memory does not grow with the grid
        with rasterio.open(inp.habitat[i]) as hab_src, rasterio.open(inp.country) as c_src:
            if Grid.from_dataset(hab_src) != grid:
                raise InputError(f"{inp.habitat[i]}: grid differs from {inp.country}'s")
            for row0, row1 in strips(grid.height, 1, strip_rows(grid.width)):
                window = Window(0, row0, grid.width, row1 - row0)
                counts += brief.habitat_counts(
                    hab_src.read(1, window=window, masked=True),
                    c_src.read(1, window=window, masked=True), codes,
                )  # fmt: skip
        habitat_rows.append(brief.habitat_table(counts, codes, grid.cell_area).assign(species=sp))
        network_rows.append(
            {"species": sp}
            | brief.network_summary(
                read_json(inp.indices[i]), io.read_vector(inp.cores[i]), pd.read_csv(inp.links[i])
            )
        )
        worst = brief.worst_threats(pd.read_csv(inp.threats[i]), params.top_n)
        threat_tables.append((sp, worst))
        cross = pd.read_csv(inp.cross_border[i])
        cross_tables.append(cross.assign(species=sp))
    habitat_table = pd.concat(habitat_rows, ignore_index=True)
    habitat_table = habitat_table.pivot(index="country", columns="species", values="habitat_km2")
    habitat_table = habitat_table.reset_index().rename_axis(columns=None)
    habitat_table.columns = ["country", *[f"{s} habitat (km²)" for s in habitat_table.columns[1:]]]
    network = pd.DataFrame(network_rows)
    cross = pd.concat(cross_tables, ignore_index=True)
    cross["top_threat_id"] = pd.to_numeric(cross["top_threat_id"]).astype("Int64")
    cross = cross.reindex(columns=["species", "link_id", "from_core", "to_core", "dPC",
                                   "n_threats", "threats_by_country", "top_threat_id", "n_proposed_road"])  # fmt: skip
    scenarios = brief.scenario_table([read_json(p) for p in inp.comparisons])
    sentences = brief.scenario_sentences(scenarios, params.scenario_descriptions)

    sections = [
        ("Key findings", sentences or ["No scenario is configured."], None),
        ("Habitat area by country",
         ["Area of cells classed as habitat (suitability above the model's threshold)."],
         habitat_table),
        ("Core areas and links (baseline)",
         ["PC: probability of connectivity; EC: equivalent connected area (km²)."], network),
        ("Cross-border links",
         ["Links whose least-cost path crosses an international border, and the threats on "
          "them: both countries need to act."], cross),
    ]  # fmt: skip
    for sp, worst in threat_tables:
        sections.append(
            (f"The {params.top_n} worst threats — {sp}",
             ["Ranked by score = severity × extent × (1 + dPC/100) × current factor "
              "(amurlink.threats.flagging)."], worst)
        )  # fmt: skip
    if len(scenarios):
        sections.append(
            (
                "Scenario deltas",
                ["Δ in per cent of the baseline."],
                brief.scenario_display(scenarios),
            )
        )

    date = maps.map_date(params.date)
    title = "amurlink brief: connectivity of Amur leopard and tiger habitat"
    html_dir = Path(out.html).parent
    images = [
        (f"Map: {sp}", os.path.relpath(inp.maps[i], html_dir)) for i, sp in enumerate(species)
    ]
    io.write_text(brief.render_html(title, date, params.credits, sections, images), out.html)
    with io.atomic_path(out.pdf) as tmp:
        with PdfPages(tmp, metadata={"Creator": "amurlink", "CreationDate": None}) as pdf:
            for page in brief.pdf_pages(title, date, params.credits, sections):
                pdf.savefig(page)
    Path(out.tables).mkdir(parents=True, exist_ok=True)
    for name, table in (("habitat_by_country", habitat_table), ("network", network),
                        ("cross_border_links", cross), ("scenarios", scenarios)):  # fmt: skip
        io.write_table(table, Path(out.tables) / f"{name}.csv")
    for sp, worst in threat_tables:
        io.write_table(worst, Path(out.tables) / f"worst_threats_{sp}.csv")
    for s in sentences:
        log.info("%s", s)


smk.run(main, globals().get("snakemake"))
