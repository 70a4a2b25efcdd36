"""Check every configured input once, before any heavy rule; write a short report and a flag.

Rasters (opens, CRS, every block over the study area decodes, coverage, land-cover
classes), vectors (CRS, geometry validity, required columns, classes, features in
the area), sightings and stations (columns, coordinates, dates, species left after
each filter), scenario files, and the config's consistency.  The first problem ends
the job with one line (amurlink.core.smk.run); nothing is written unless all pass.
"""

import logging

from amurlink.core import io, smk
from amurlink.core.grids import habitat_grid
from amurlink.core.io.inputs import probe_raster
from amurlink.core.io.layers import read_layer_if_present
from amurlink.core.io.occurrences import read_occurrences
from amurlink.core.io.tables import read_table
from amurlink.habitat import sightings
from amurlink.habitat.checks import check_sightings
from amurlink.prepare import align, checks, vectors

log = logging.getLogger(__name__)


def check_rasters(inp, grid, warnings):
    lines = []
    for key, categorical, what in (("landcover", True, "land cover"), ("dem", False, "elevation")):
        probe = probe_raster(inp[key], grid, categorical=categorical)
        share = checks.coverage_share(probe.footprint, grid)
        warnings += checks.check_coverage(share, probe.path, what)
        if categorical:
            align.check_landcover_codes(probe.codes, None, probe.path)
        lines.append(
            f"{key}: {probe.path} ({probe.crs}, {probe.shape[1]} x {probe.shape[0]} cells of "
            f"{probe.resolution[0]:g}); {probe.cells} cells over the study area decoded, "
            f"{probe.nodata_cells} no-data; covers {100 * share:.1f} % of the area"
            + (f"; classes {probe.codes}" if categorical else "")
        )
    return lines


def read_checked(path, warnings, layer=None):
    """A vector layer read, its CRS checked and invalid geometries repaired."""
    gdf = read_layer_if_present(path, layer) if layer else io.read_vector(path)
    polygons = bool(len(gdf)) and gdf.geom_type.isin(["Polygon", "MultiPolygon"]).all()
    gdf, repairs = checks.repair_geometries(gdf, str(path), polygons=polygons)
    warnings += repairs
    return gdf


def check_vectors(inp, grid, params, warnings):
    paths = {k: str(inp[k]) for k in ("countries", "roads", "logging", "settlements")}
    countries, _ = vectors.prepare_countries(
        read_checked(paths["countries"], warnings, "countries"), grid, paths["countries"]
    )
    roads = vectors.prepare_roads(
        read_checked(paths["roads"], warnings), grid, params.road_classes, paths["roads"]
    )
    blocks = vectors.prepare_logging(
        read_checked(paths["logging"], warnings), grid, paths["logging"]
    )
    points = vectors.prepare_settlements(
        read_checked(paths["settlements"], warnings), grid, countries, paths["settlements"]
    )
    counts = {"roads": len(roads), "logging": len(blocks), "settlements": len(points)}
    if inp.fences:
        paths["fences"] = str(inp.fences[0])
        fences = read_checked(paths["fences"], warnings)
        counts["fences"] = len(vectors.to_study_area(fences, grid, paths["fences"]))
    proposed = int((roads["status"] == "proposed").sum())
    warnings += checks.empty_layer_warnings(counts, paths, proposed, params.scenarios)
    lines = [f"{k}: {paths[k]}: {n} features in the study area" for k, n in counts.items()]
    lines.insert(0, f"countries: {paths['countries']}: {', '.join(countries.iso_a3)}")
    lines[1] += f" ({proposed} proposed)"
    for scenario, kind, path in checks.scenario_files(params.scenarios):
        n = len(vectors.to_study_area(read_checked(path, warnings), grid, path))
        if n == 0:
            warnings.append(f"{path}: no feature inside the study area; scenario {scenario!r} "
                            f"({kind}) changes nothing")  # fmt: skip
        lines.append(f"scenario {scenario} ({kind}): {path}: {n} features in the study area")
    return lines


def check_occurrences(inp, grid, params):
    stations, lines = None, []
    if inp.stations:
        path = str(inp.stations[0])
        stations = sightings.validate_stations(read_table(path, text=True), path)
        lines.append(f"camera_stations: {path}: {len(stations)} stations")
    raw, fmt = read_occurrences(inp.sightings, params.sightings_format)
    lines.append(f"sightings: {inp.sightings} ({fmt}): {len(raw)} rows")
    return lines + check_sightings(
        raw, fmt, str(inp.sightings), stations, grid, params.species, params.filters
    )


def main(snakemake):
    inp, out, params = snakemake.input, snakemake.output, snakemake.params
    warnings = checks.check_config(
        {
            "study_area": params.study_area,
            "connectivity": {
                "resolution_m": params.connectivity_resolution_m,
                "omniscape": {"resolution_m": params.omniscape_resolution_m},
            },
            "scenarios": params.scenarios,
        }
    )
    grid = habitat_grid(params.study_area)
    sections = [
        ("study area", [f"{grid.crs}, {grid.width} x {grid.height} cells of {grid.resolution:g} m"]),
        ("rasters", check_rasters(inp, grid, warnings)),
        ("vectors", check_vectors(inp, grid, params, warnings)),
        ("sightings", check_occurrences(inp, grid, params)),
    ]  # fmt: skip
    for warning in warnings:
        log.warning(warning)
    io.write_text(checks.format_report(sections, warnings), out.report)
    io.write_text("ok\n", out.ok)  # last: the flag says everything passed
    log.info("all inputs passed (%d warnings); report in %s", len(warnings), out.report)


smk.run(main, globals().get("snakemake"))
