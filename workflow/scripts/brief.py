"""The policy brief: key figures (HTML and PDF) and the tables behind them (CSV)."""

import json
import logging
import os
from pathlib import Path

import pandas as pd

from amurlink.core import io, smk
from amurlink.core.io.figures import save_pdf_pages
from amurlink.outputs import brief, maps

log = logging.getLogger(__name__)


def read_json(path):
    return json.loads(Path(path).read_text())


def main(snakemake):
    inp, out, params = snakemake.input, snakemake.output, snakemake.params
    codes = io.read_country_codes(inp.country)
    per_species = []
    for i, sp in enumerate(params.species):
        with io.open_on_grid({"country": inp.country, "habitat": inp.habitat[i]}) as (ds, grid):
            # strip by strip: the brief's memory does not grow with the grid
            counts = brief.count_habitat(io.read_strips(ds, grid), codes)
        per_species.append(brief.SpeciesFigures(
            species=sp, habitat_counts=counts, cell_area_m2=grid.cell_area,
            indices=read_json(inp.indices[i]), cores=io.read_vector(inp.cores[i]),
            links=pd.read_csv(inp.links[i]), threats=pd.read_csv(inp.threats[i]),
            cross_border=pd.read_csv(inp.cross_border[i]),
        ))  # fmt: skip
    content = brief.brief_content(
        per_species, codes, [read_json(p) for p in inp.comparisons],
        params.scenario_descriptions, params.top_n,
    )  # fmt: skip
    date = maps.map_date(params.date)
    html_dir = Path(out.html).parent
    images = [
        (f"Map: {sp}", os.path.relpath(inp.maps[i], html_dir))
        for i, sp in enumerate(params.species)
    ]
    html = brief.render_html(brief.TITLE, date, params.credits, content.sections, images)
    io.write_text(html, out.html)
    save_pdf_pages(brief.pdf_pages(brief.TITLE, date, params.credits, content.sections), out.pdf)
    Path(out.tables).mkdir(parents=True, exist_ok=True)
    for name, table in content.tables.items():
        io.write_table(table, Path(out.tables) / f"{name}.csv")
    for sentence in content.sentences:
        log.info("%s", sentence)


smk.run(main, globals().get("snakemake"))
