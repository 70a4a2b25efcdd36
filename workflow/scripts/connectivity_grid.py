"""Resistance, habitat, suitability and country on the connectivity grid, strip by strip."""

from contextlib import ExitStack

import numpy as np
import rasterio
from rasterio.windows import Window

from amurlink.connectivity.cores import scenario_footprint
from amurlink.core import io, smk
from amurlink.core.errors import InputError
from amurlink.core.grid import Grid
from amurlink.core.tiles import coarsen_mean, coarsen_mode, strip_rows, strips
from amurlink.outputs import styles


def main(snakemake):
    inp, out, factor = snakemake.input, snakemake.output, snakemake.params.factor
    sources = {k: inp[k] for k in ("resistance", "habitat", "suitability", "country",
                                   "pressures", "baseline_pressures")}  # fmt: skip
    with ExitStack() as stack:
        src = {k: stack.enter_context(rasterio.open(p)) for k, p in sources.items()}
        fine = Grid.from_dataset(src["habitat"])
        for key, ds in src.items():
            if Grid.from_dataset(ds) != fine:
                raise InputError(f"{sources[key]}: grid differs from {inp.habitat}")
        names = list(src["pressures"].descriptions)
        codes = io.read_country_codes(inp.country)
        coarse = fine.coarsen(factor)
        meta = {"factor": str(factor), "habitat_resolution_m": f"{fine.resolution:g}"}
        writers = {
            "resistance": io.RasterWriter(
                out.resistance, coarse, dtype="float32", nodata=-9999.0,
                descriptions=["resistance"], units="cost per metre (1 = best habitat)",
                metadata={**meta, "aggregation": "block mean; no-data if > half the block is"},
            ),
            "habitat": io.RasterWriter(
                out.habitat, coarse, dtype="uint8", nodata=255, descriptions=["habitat"],
                units="class", categorical=True, colormap=styles.habitat_colours(),
                metadata={**meta, "aggregation": "habitat on >= half the block's cells and "
                          "no new scenario road or cutblock in the block"},
            ),
            "suitability": io.RasterWriter(
                out.suitability, coarse, dtype="float32", nodata=-9999.0,
                descriptions=["suitability"], units="cloglog 0-1",
                metadata={**meta, "aggregation": "block mean"},
            ),
            "country": io.RasterWriter(
                out.country, coarse, dtype=src["country"].dtypes[0], nodata=0,
                descriptions=["country"], units="id", categorical=True,
                colormap=styles.country_colours(codes),
                metadata={**meta, **io.country_tags(codes), "aggregation": "block mode"},
            ),
        }  # fmt: skip
        for writer in writers.values():
            stack.enter_context(writer)
        lost_cells = 0
        rows = getattr(snakemake.params, "rows_per_strip", None) or strip_rows(fine.width)
        for row0, row1 in strips(fine.height, factor, rows):
            window = Window(0, row0, fine.width, row1 - row0)
            read = {k: io.window_reader(ds)(window) for k, ds in src.items()}
            lost = scenario_footprint(read["baseline_pressures"], read["pressures"], names)
            hab = read["habitat"][0]
            lost_cells += int((lost & (hab == 1)).sum())
            fraction = coarsen_mean(np.where(np.isfinite(hab), hab == 1, np.nan), factor)
            split = coarsen_mean(lost.astype(float), factor, max_nodata_fraction=1.0) > 0
            habitat = np.where(np.isfinite(fraction), (fraction >= 0.5) & ~split, 255)
            country = np.nan_to_num(read["country"][0], nan=0).astype(writers["country"].dtype)
            coarse_window = Window(0, row0 // factor, coarse.width, habitat.shape[0])
            writers["resistance"].write(
                np.nan_to_num(coarsen_mean(read["resistance"][0], factor), nan=-9999.0),
                coarse_window,
            )
            writers["habitat"].write(habitat.astype("uint8"), coarse_window)
            writers["suitability"].write(
                np.nan_to_num(coarsen_mean(read["suitability"][0], factor), nan=-9999.0),
                coarse_window,
            )
            writers["country"].write(coarsen_mode(country, factor), coarse_window)
    smk.log.info(
        "connectivity grid %d x %d cells of %.0f m (factor %d); scenario footprint takes %d "
        "habitat cells", coarse.height, coarse.width, coarse.resolution, factor, lost_cells,
    )  # fmt: skip


smk.run(main, globals().get("snakemake"))
