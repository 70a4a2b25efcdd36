"""Clean one species' sightings into model presences, with an audit and station presence/absence."""

from amurlink.core import io, smk
from amurlink.core.io import occurrences, tables
from amurlink.habitat import predict, sightings


def main(snakemake):
    inp, params = snakemake.input, snakemake.params
    with io.open_on_grid({"covariates": inp.covariates}) as (ds, grid):
        valid = predict.valid_mask(io.read_windows(ds, grid, params.window_size), grid.shape)
    stations = None
    if inp.stations:
        raw = tables.read_table(inp.stations[0], text=True)
        stations = sightings.validate_stations(raw, inp.stations[0])
    raw, fmt = occurrences.read_occurrences(inp.sightings, params.sightings_format)
    records, stations = sightings.records_and_stations(raw, fmt, inp.sightings, stations)
    presences, audit, detections = sightings.species_presences(
        records, stations, grid, valid,
        species=params.species, filters=params.sightings, seed=params.seed,
    )  # fmt: skip
    key = params.species["key"]
    smk.log.info("%s: %d presences after cleaning\n%s", key, len(presences), audit.to_string())
    if stations is not None:
        smk.log.info(
            "%d stations with effort: %d detected %s",
            len(detections), int(detections["detected"].sum()), key,
        )  # fmt: skip
    io.write_table(presences, snakemake.output.presences)
    io.write_table(audit, snakemake.output.audit)
    io.write_table(detections, snakemake.output.stations)


smk.run(main, globals().get("snakemake"))
