"""Rule cores: habitat patches of at least the species' minimum core area."""

import numpy as np

from amurlink.connectivity.cores import core_polygons, core_table
from amurlink.connectivity.resistance import nan_filled
from amurlink.core import io, smk
from amurlink.core.io.inputs import read_rasters_on_grid


def main(snakemake):
    inp, out, species = snakemake.input, snakemake.output, snakemake.params.species
    rasters, grid = read_rasters_on_grid(
        {"habitat": inp.habitat, "suitability": inp.suitability, "country": inp.country}
    )
    # the connectivity grid's habitat already excludes the scenario's footprint
    habitat = np.ma.filled(rasters["habitat"], 0) == 1
    cores, table = core_table(
        habitat,
        grid.cell_area,
        species["min_core_km2"],
        suitability=nan_filled(rasters["suitability"]),
        country=np.ma.filled(rasters["country"], 0),
        country_codes=io.read_country_codes(inp.country),
    )
    smk.log.info(
        "%d cores of >= %s km2 (%.0f km2 in all) from %d habitat cells",
        len(table),
        species["min_core_km2"],
        table["area_km2"].sum(),
        int(habitat.sum()),
    )
    if table.empty:
        smk.log.warning("no habitat patch reaches min_core_km2; no cores, no corridors")
    io.write_raster(
        out.cores,
        cores,
        grid,
        nodata=0,
        descriptions="core_id",
        units="id",
        categorical=True,
        dtype="int32",
    )
    io.write_vector(core_polygons(cores, grid.transform, grid.crs, table), out.polygons)


smk.run(main, globals().get("snakemake"))
