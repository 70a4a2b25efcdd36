"""The policy brief: decisions, maps and key figures (HTML and PDF) and the tables (CSV)."""

import json
import logging
import os
from pathlib import Path

import numpy as np
import pandas as pd
from PIL import Image

from amurlink.core import io, smk
from amurlink.core.io.figures import save_pdf_pages
from amurlink.outputs import brief, maps

log = logging.getLogger(__name__)
#: Longest side of a map in the PDF, pixels (the 300 dpi PNG is 3508: the PDF stays small).
PDF_MAP_PIXELS = 1600


def read_json(path):
    return json.loads(Path(path).read_text())


def read_map(path) -> np.ndarray:
    with Image.open(path) as image:
        image = image.convert("RGB")
        image.thumbnail((PDF_MAP_PIXELS, PDF_MAP_PIXELS))
        return np.asarray(image)


def species_figures(inp, params, codes, html_dir):
    roads = io.read_vector(inp.roads).drop(columns="geometry")
    n_assumptions = len(params.robustness_sd) * len(params.robustness_c)
    per_species = []
    for i, sp in enumerate(params.species):
        with io.open_on_grid({"country": inp.country, "habitat": inp.habitat[i]}) as (ds, grid):
            # strip by strip: the brief's memory does not grow with the grid
            counts = brief.count_habitat(io.read_strips(ds, grid), codes)
        per_species.append(brief.SpeciesFigures(
            species=sp, habitat_counts=counts, cell_area_m2=grid.cell_area,
            indices=read_json(inp.indices[i]), cores=io.read_vector(inp.cores[i]),
            links=pd.read_csv(inp.links[i]), threats=pd.read_csv(inp.threats[i]),
            cross_border=pd.read_csv(inp.cross_border[i]), roads=roads, crs=grid.crs,
            impacts=pd.read_csv(inp.impacts[i]), plan=pd.read_csv(inp.plans[i]),
            robustness=pd.read_csv(inp.robustness[i], keep_default_na=False, na_values=[""]),
            n_assumptions=n_assumptions,
            map_pixels=read_map(inp.maps[i]), map_src=os.path.relpath(inp.maps[i], html_dir),
        ))  # fmt: skip
    return per_species


def main(snakemake):
    inp, out, params = snakemake.input, snakemake.output, snakemake.params
    codes = io.read_country_codes(inp.country)
    html_dir = Path(out.html).parent
    per_species = species_figures(inp, params, codes, html_dir)
    comparisons = [read_json(p) for p in inp.comparisons]
    scenario_maps = [
        (f"Map: {c['scenario']}, {c['species']}", os.path.relpath(path, html_dir), read_map(path))
        for c, path in zip(comparisons, inp.scenario_maps, strict=True)
    ]
    content = brief.brief_content(
        per_species, codes, comparisons, params.scenario_descriptions, params.top_n,
        link_changes=[pd.read_csv(p) for p in inp.link_changes], scenario_maps=scenario_maps,
        scenario_core_areas=[float(io.read_vector(p)["area_km2"].sum())
                             for p in inp.scenario_cores],
    )  # fmt: skip
    date = maps.map_date(params.date)
    banner = brief.DEMO_BANNER if params.demo else None
    html = brief.render_html(brief.TITLE, date, params.credits, content.sections, banner=banner)
    io.write_text(html, out.html)
    pages = brief.pdf_pages(brief.TITLE, date, params.credits, content.sections, banner=banner)
    save_pdf_pages(pages, out.pdf)
    Path(out.tables).mkdir(parents=True, exist_ok=True)
    for name, table in content.tables.items():
        io.write_table(table, Path(out.tables) / f"{name}.csv")
    for sentence in content.sentences:
        log.info("%s", sentence)


smk.run(main, globals().get("snakemake"))
