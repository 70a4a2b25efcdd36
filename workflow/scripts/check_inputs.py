"""Check every configured input once, before any heavy rule; write a short report and a flag.

Every input is read as the stage that uses it reads it, by the same functions:
rasters as files, lists of tiles, globs or VRTs (``raster_paths``), their coverage
of the study area as config ``inputs.coverage`` says (``check_coverage``, as rules
align_rasters and prepare_vectors), every tile's blocks over the study area decoded
and its codes checked (land-cover classes, Hansen lossyear codes); vector inputs as
OSM extracts or layers (``read_vector_input``, ``inputs.layers``), OSM ways mapped
to roads and fences (``osm_roads``, ``osm_barriers``) and prepared as prepare_vectors
does (CRS, geometry validity, columns, classes, features in the area); sightings in
their format, a Camtrap DP package's deployments as the stations
(``records_and_stations``), the Darwin Core, date and uncertainty filters per
species; scenario files; the config's consistency.  The first problem ends the job
with one line (amurlink.core.smk.run); nothing is written unless all pass.
"""

import logging

import geopandas as gpd

from amurlink.core import io, smk
from amurlink.core.grid import transform_bounds
from amurlink.core.grids import habitat_grid
from amurlink.core.io.inputs import probe_raster
from amurlink.core.io.layers import read_layer_if_present
from amurlink.core.io.occurrences import read_occurrences
from amurlink.core.io.osm import is_osm, read_vector_input
from amurlink.core.io.rasters import check_coverage, raster_paths, tiles_crs
from amurlink.core.io.tables import read_table
from amurlink.habitat import sightings
from amurlink.habitat.checks import check_sightings
from amurlink.prepare import align, checks, pressures, vectors

log = logging.getLogger(__name__)


def check_rasters(inp, grid, params, warnings):
    """Land cover, DEM and forest loss: coverage, then every tile decoded over the area."""
    settings = params.raster_settings or {}
    fractions = settings.get("landcover_aggregation", "fractions") == "fractions"
    coverage = settings.get("coverage", "error")
    rasters = [("landcover", inp.landcover, True), ("dem", inp.dem, False)]
    if inp.forest_loss:
        rasters.append(("forest_loss", inp.forest_loss, True))
    lines = []
    for key, files, categorical in rasters:
        paths = raster_paths(files)
        if key == "forest_loss" or (key == "landcover" and fractions):
            tiles_crs(paths)  # mosaicked at their own resolution (read_covering)
        share = check_coverage(paths, grid, f"inputs.{key}", coverage, warnings=warnings)
        for path in paths:
            probe = probe_raster(path, grid, categorical=categorical)
            if key == "landcover":
                align.check_landcover_codes(probe.codes, None, probe.path)
            elif key == "forest_loss":
                align.check_lossyear_codes(
                    probe.codes, None, probe.path, settings.get("forest_loss_year_offset", 2000)
                )
            lines.append(
                f"{key}: {probe.path} ({probe.crs}, {probe.shape[1]} x {probe.shape[0]} cells of "
                f"{probe.resolution[0]:g}); {probe.cells} cells over the study area decoded, "
                f"{probe.nodata_cells} no-data"
                + (f"; classes {probe.codes}" if categorical else "")
            )
        lines.append(f"{key}: {len(paths)} file(s) cover {100 * share:.1f} % of the study area")
    return lines


def repaired(gdf, path, warnings):
    """A layer as read, its invalid geometries repaired (each repair a warning of the report)."""
    polygons = bool(len(gdf)) and gdf.geom_type.isin(["Polygon", "MultiPolygon"]).all()
    gdf, repairs = checks.repair_geometries(gdf, str(path), polygons=polygons)
    warnings += repairs
    return gdf


def check_vectors(inp, grid, params, warnings):
    layers, osm = params.layers or {}, params.osm or {}
    bbox = transform_bounds(grid.crs, "EPSG:4326", grid.bounds)
    paths = {k: str(inp[k]) for k in ("countries", "settlements")}
    paths["roads"] = ", ".join(inp.roads)
    # read as rule prepare_vectors reads them
    roads = repaired(read_vector_input(list(inp.roads), layers.get("roads"), bbox), paths["roads"], warnings)  # fmt: skip
    if is_osm(list(inp.roads)):
        roads, _ = vectors.osm_roads(roads, params.road_classes, osm.get("highway_map"))
    logging_path = str(inp.logging[0]) if inp.logging else None
    blocks = (
        repaired(read_vector_input(logging_path, layers.get("logging")), logging_path, warnings)
        if logging_path
        else gpd.GeoDataFrame({"year": []}, geometry=[], crs=grid.crs)  # as prepare_vectors
    )
    countries = read_layer_if_present(paths["countries"], layers.get("countries", "countries"))
    countries = repaired(countries, paths["countries"], warnings)
    settlements = io.read_vector(paths["settlements"], layer=layers.get("settlements"))
    settlements = repaired(settlements, paths["settlements"], warnings)
    paths["logging"] = logging_path or "inputs.logging"
    prepared = vectors.prepare_vectors(
        countries, roads, blocks, settlements, grid, params.road_classes, paths
    )
    counts = {"roads": len(prepared.roads), "settlements": len(prepared.settlements)}
    if logging_path or not inp.forest_loss:  # forest-loss patches are made by prepare_vectors
        counts["logging"] = len(prepared.logging)
    if inp.fences:
        paths["fences"] = ", ".join(inp.fences)
        # as rule pressures reads them
        fences = read_vector_input(list(inp.fences), layers.get("fences"), bbox)
        fences = repaired(fences, paths["fences"], warnings)
        if is_osm(list(inp.fences)):
            fences = vectors.osm_barriers(
                fences, osm.get("barriers", ["fence"]), osm.get("railways", [])
            )
        counts["fences"] = len(vectors.to_study_area(fences, grid, paths["fences"]))
    proposed = int((prepared.roads["status"] == "proposed").sum())
    warnings += checks.empty_layer_warnings(counts, paths, proposed, params.scenarios)
    lines = [f"countries: {paths['countries']}: {', '.join(prepared.countries.iso_a3)}"]
    lines += [f"{k}: {paths[k]}: {n} features in the study area" for k, n in counts.items()]
    lines[1] += f" ({proposed} proposed)"
    lines += check_scenarios(prepared, grid, params, warnings)
    return lines


def check_scenarios(prepared, grid, params, warnings):
    """Each scenario applied as rule pressures applies it (classes, files in the area);
    each scenario file read once, and its count of features in the area reported."""
    lines = []
    for scenario, spec in (params.scenarios or {}).items():
        changes, layers = spec.get("changes", []), {}
        for i, change in enumerate(changes):
            if path := change.get("file"):
                layers[i] = repaired(io.read_vector(path), path, warnings)
                n = len(vectors.to_study_area(layers[i], grid, path))
                lines.append(f"scenario {scenario} ({change['kind']}): {path}: {n} features in the study area")  # fmt: skip
        pressures.apply_scenario(
            prepared.roads, prepared.logging, changes, layers, grid, params.road_classes,
            params.reference_year, scenario=scenario,
        )  # fmt: skip
    return lines


def check_occurrences(inp, grid, params):
    stations, lines = None, []
    if inp.stations:
        path = str(inp.stations[0])
        stations = sightings.validate_stations(read_table(path, text=True), path)
    raw, fmt = read_occurrences(inp.sightings, params.sightings_format)
    if fmt == "camtrap_dp":
        size = f"{len(raw['deployments'])} deployments, {len(raw['observations'])} observations"
    else:
        size = f"{len(raw)} rows"
    lines.append(f"sightings: {inp.sightings} ({fmt}): {size}")
    species, stations = check_sightings(
        raw, fmt, str(inp.sightings), stations, grid, params.species, params.filters
    )
    if stations is not None:
        source = "the package's deployments" if fmt == "camtrap_dp" else str(inp.stations[0])
        lines.append(f"camera stations: {source}: {len(stations)} stations")
    return lines + species


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
        ("rasters", check_rasters(inp, grid, params, warnings)),
        ("vectors", check_vectors(inp, grid, params, warnings)),
        ("sightings", check_occurrences(inp, grid, params)),
    ]  # fmt: skip
    for warning in warnings:
        log.warning(warning)
    io.write_text(checks.format_report(sections, warnings), out.report)
    io.write_text("ok\n", out.ok)  # last: the flag says everything passed
    log.info("all inputs passed (%d warnings); report in %s", len(warnings), out.report)


smk.run(main, globals().get("snakemake"))
