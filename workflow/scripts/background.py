"""Background points for one species: uniform or target-group (Phillips et al. 2009)."""

from amurlink.core import io, smk
from amurlink.core.io import occurrences, tables
from amurlink.habitat import background, predict, sightings


def main(snakemake):
    inp, params = snakemake.input, snakemake.params
    hab = params.habitat
    with io.open_on_grid({"covariates": inp.covariates}) as (ds, grid):
        valid = predict.valid_mask(io.read_windows(ds, grid, params.window_size), grid.shape)
    records = stations = None
    if hab["bias"] == "target_group":  # the target group: every sighting, and the stations
        if inp.stations:
            stations = sightings.validate_stations(
                tables.read_table(inp.stations[0], text=True), inp.stations[0]
            )
        raw, fmt = occurrences.read_occurrences(inp.sightings, params.sightings_format)
        records, stations = sightings.records_and_stations(raw, fmt, inp.sightings, stations)
    points = background.species_background(
        grid, valid, bias=hab["bias"], n_points=hab["background_points"], seed=params.seed,
        records=records, stations=stations, filters=params.sightings, source=inp.sightings,
        log=smk.log.info,
    )  # fmt: skip
    smk.log.info(
        "%d background points (%s) from %d valid cells", len(points), hab["bias"], valid.sum()
    )
    io.write_table(points, snakemake.output.background)


smk.run(main, globals().get("snakemake"))
