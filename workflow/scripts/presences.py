"""Clean one species' sightings into model presences, with an audit and station presence/absence."""

import pandas as pd
import rasterio

from amurlink.core import io, smk
from amurlink.core.grid import Grid
from amurlink.habitat import predict, sightings


def main(snakemake):
    sp = snakemake.params.species
    cfg = snakemake.params.sightings
    window_size = snakemake.params.habitat["window_size"]
    with rasterio.open(snakemake.input.covariates) as ds:
        grid = Grid.from_dataset(ds)
        valid = predict.valid_mask(io.window_reader(ds), grid.windows(window_size), grid.shape)
    station_table = (
        sightings.read_stations(snakemake.input.stations[0]) if snakemake.input.stations else None
    )
    records = sightings.read_any(
        snakemake.input.sightings, snakemake.params.sightings_format, station_table
    )
    presences, audit = sightings.clean_sightings(
        records,
        species_name=sp["name"],
        synonyms=sp.get("synonyms", []),
        grid=grid,
        valid_mask=valid,
        max_uncertainty_m=cfg.get("max_uncertainty_m"),
        date_min=cfg.get("date_min"),
        date_max=cfg.get("date_max"),
        thin_km=sp.get("thin_km", 0),
        seed=snakemake.params.seed,
    )
    smk.log.info(
        "%s: %d presences after cleaning\n%s", sp["key"], len(presences), audit.to_string()
    )
    io.write_table(presences, snakemake.output.presences)
    io.write_table(audit, snakemake.output.audit)

    columns = ["station", "x", "y", "row", "col", "trap_nights", "detections", "detected"]
    if snakemake.input.stations:
        pa = sightings.station_detections(
            station_table, records, sp["name"], sp.get("synonyms", []), grid, valid
        )
        smk.log.info(
            "%d stations with effort: %d detected %s", len(pa), int(pa["detected"].sum()), sp["key"]
        )
    else:
        pa = pd.DataFrame(columns=columns)
    io.write_table(pa, snakemake.output.stations)


smk.run(main, globals().get("snakemake"))
