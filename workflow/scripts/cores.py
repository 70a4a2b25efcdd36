"""Rule cores: habitat patches of at least the species' minimum core area."""

from amurlink.connectivity.cores import core_polygons, core_table
from amurlink.core import io, smk


def main(snakemake):
    inp, out, species = snakemake.input, snakemake.output, snakemake.params.species
    rasters, grid = io.read_on_grid(
        {"habitat": inp.habitat, "suitability": inp.suitability, "country": inp.country}
    )
    # the connectivity grid's habitat already excludes the scenario's footprint
    cores, table = core_table(
        rasters["habitat"] == 1,
        grid.cell_area,
        species["min_core_km2"],
        suitability=rasters["suitability"],
        country=rasters["country"],
        country_codes=io.read_country_codes(inp.country),
    )
    smk.log.info(
        "%d cores of >= %s km2 (%.0f km2 in all) from %d habitat cells",
        len(table),
        species["min_core_km2"],
        table["area_km2"].sum(),
        int((rasters["habitat"] == 1).sum()),
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
