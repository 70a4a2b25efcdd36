"""Background points for one species: uniform or target-group (Phillips et al. 2009)."""

import rasterio

from amurlink.core import io, smk
from amurlink.core.errors import InputError
from amurlink.core.grid import Grid
from amurlink.habitat import background, predict, sightings


def main(snakemake):
    hab = snakemake.params.habitat
    cfg = snakemake.params.sightings
    with rasterio.open(snakemake.input.covariates) as ds:
        grid = Grid.from_dataset(ds)
        valid = predict.valid_mask(
            io.window_reader(ds), grid.windows(hab["window_size"]), grid.shape
        )
    target_x = target_y = None
    if hab["bias"] == "target_group":
        stations = (
            sightings.read_stations(snakemake.input.stations[0])
            if snakemake.input.stations
            else None
        )
        records = sightings.read_any(
            snakemake.input.sightings, snakemake.params.sightings_format, stations
        )
        group = sightings.target_group_points(
            records,
            grid,
            valid,
            max_uncertainty_m=cfg.get("max_uncertainty_m"),
            date_min=cfg.get("date_min"),
            date_max=cfg.get("date_max"),
            stations=stations,
        )
        if group.empty:
            raise InputError(
                f"{snakemake.input.sightings}: no sightings of any species inside the study area "
                "for the target-group background; set habitat.bias: none"
            )
        smk.log.info("target group: %s", group["kind"].value_counts().to_dict())
        target_x, target_y = group["x"].to_numpy(), group["y"].to_numpy()
    points = background.sample_background(
        grid,
        valid,
        n_points=hab["background_points"],
        seed=snakemake.params.seed,
        bias=hab["bias"],
        target_x=target_x,
        target_y=target_y,
    )
    smk.log.info(
        "%d background points (%s) from %d valid cells", len(points), hab["bias"], valid.sum()
    )
    io.write_table(points, snakemake.output.background)


smk.run(main, globals().get("snakemake"))
