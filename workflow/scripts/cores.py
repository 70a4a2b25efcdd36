"""Rule cores: habitat patches of at least the species' minimum core area."""

import numpy as np

from amurlink.connectivity.cores import core_attributes, core_polygons, label_cores
from amurlink.core import io, smk
from amurlink.core.errors import InputError


def main(snakemake):
    species = snakemake.params.species
    habitat, grid = io.read_raster(snakemake.input.habitat)
    suitability, s_grid = io.read_raster(snakemake.input.suitability)
    country, c_grid = io.read_raster(snakemake.input.country, masked=False)
    for path, other in ((snakemake.input.suitability, s_grid), (snakemake.input.country, c_grid)):
        if other != grid:
            raise InputError(f"{path}: grid differs from {snakemake.input.habitat}")
    codes = io.read_country_codes(snakemake.input.country)

    # the connectivity grid's habitat already excludes the scenario's footprint
    mask = np.ma.filled(habitat, 0) == 1
    cores = label_cores(mask, grid.cell_area, species["min_core_km2"])
    table = core_attributes(
        cores,
        grid.cell_area,
        suitability=np.ma.filled(suitability.astype(np.float64), np.nan),
        country=country,
        country_codes=codes,
    )
    smk.log.info(
        "%d cores of >= %s km2 (%.0f km2 in all) from %d habitat cells",
        len(table),
        species["min_core_km2"],
        table["area_km2"].sum(),
        int(mask.sum()),
    )
    if table.empty:
        smk.log.warning("no habitat patch reaches min_core_km2; no cores, no corridors")
    io.write_raster(
        snakemake.output.cores,
        cores,
        grid,
        nodata=0,
        descriptions="core_id",
        units="id",
        categorical=True,
        dtype="int32",
    )
    io.write_vector(
        core_polygons(cores, grid.transform, grid.crs, table), snakemake.output.polygons
    )


smk.run(main, globals().get("snakemake"))
