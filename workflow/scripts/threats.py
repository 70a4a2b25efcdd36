"""Roads and logging inside the corridors of one species: flag, score, rank, summarise."""

import logging

from amurlink.connectivity.corridors import corridor_polygons
from amurlink.core import io, smk
from amurlink.core.io.inputs import read_rasters_on_grid, read_vectors
from amurlink.threats import flagging as thr

log = logging.getLogger(__name__)

#: Optional rasters: flag_threats argument -> (input name, band description).
OPTIONAL_BANDS = {
    "pinchpoints": ("pinchpoints", "pinchpoint_current"),
    "barrier_score": ("barriers", "improvement_score"),
    "barrier_percent": ("barriers", "improvement_percent"),
}


def main(snakemake):
    inp, out, params = snakemake.input, snakemake.output, snakemake.params
    # Read and check everything before writing anything.
    rasters = {"corridor_cost": inp.corridors, "current": inp.current} | {
        arg: (inp.get(name), band) for arg, (name, band) in OPTIONAL_BANDS.items() if inp.get(name)
    }
    arrays, grid = read_rasters_on_grid(rasters)
    layers = read_vectors(
        {"roads": inp.roads, "logging": inp.logging, "countries": (inp.countries, "countries"),
         "links": inp.links},
        crs=grid.crs,
        required={"roads": ["highway"], "logging": ["year"], "countries": ["iso_a3"],
                  "links": ["link_id"]},
    )  # fmt: skip
    corridor_cost = arrays["corridor_cost"]
    corridors = corridor_polygons(corridor_cost, grid)
    log.info(
        "%d corridor components (%.0f km2), %d links, %d roads, %d cutblocks",
        len(corridors), corridors["area_km2"].sum(), len(layers["links"]), len(layers["roads"]),
        len(layers["logging"]),
    )  # fmt: skip
    report = thr.threat_report(
        layers["roads"], layers["logging"], corridors, layers["links"], layers["countries"],
        grid=grid, config=params.threats, reference_year=params.reference_year,
        species=snakemake.wildcards.species, **arrays,
    )  # fmt: skip
    log.info(
        "%d cross-border links, %d threats on them",
        len(report.cross_border_links), len(report.cross_border_threats),
    )  # fmt: skip
    log.info("%d threat records; by country and kind:\n%s", len(report.threats),
             report.summary.to_string())  # fmt: skip
    io.write_vector(report.threats, out.gpkg, layer="threats")
    io.write_table(report.table, out.csv)
    io.write_table(report.summary, out.summary)
    io.write_table(report.cross_border_links, out.cross_border_links)
    io.write_table(report.cross_border_threats, out.cross_border_threats)


smk.run(main, globals().get("snakemake"))
