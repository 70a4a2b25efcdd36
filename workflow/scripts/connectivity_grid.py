"""Resistance, habitat, suitability and country on the connectivity grid, strip by strip."""

from contextlib import ExitStack

from rasterio.windows import Window

from amurlink.connectivity.coarse import FLOAT_NODATA, HABITAT_NODATA, coarsen_strip
from amurlink.core import io, smk
from amurlink.outputs import styles

SOURCES = ("resistance", "habitat", "suitability", "country", "pressures", "baseline_pressures")


def main(snakemake):
    inp, out, factor = snakemake.input, snakemake.output, snakemake.params.factor
    rows_per_strip = getattr(snakemake.params, "rows_per_strip", None)
    codes = io.read_country_codes(inp.country)
    with ExitStack() as stack:
        src, fine = stack.enter_context(
            io.open_on_grid({k: getattr(inp, k) for k in SOURCES}, reference="habitat")
        )
        names = list(src["pressures"].descriptions)
        coarse = fine.coarsen(factor)
        meta = {"factor": str(factor), "habitat_resolution_m": f"{fine.resolution:g}"}
        writers = {
            "resistance": io.RasterWriter(
                out.resistance, coarse, dtype="float32", nodata=FLOAT_NODATA,
                descriptions=["resistance"], units="cost per metre (1 = best habitat)",
                metadata={**meta, "aggregation": "block mean; no-data if > half the block is"},
            ),
            "habitat": io.RasterWriter(
                out.habitat, coarse, dtype="uint8", nodata=HABITAT_NODATA,
                descriptions=["habitat"], units="class", categorical=True,
                colormap=styles.habitat_colours(),
                metadata={**meta, "aggregation": "habitat on >= half the block's cells and "
                          "no new scenario road or cutblock in the block"},
            ),
            "suitability": io.RasterWriter(
                out.suitability, coarse, dtype="float32", nodata=FLOAT_NODATA,
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
        for window, blocks in io.read_strips(src, fine, factor, rows_per_strip):
            strip, lost = coarsen_strip(blocks, names, factor, writers["country"].dtype)
            lost_cells += lost
            coarse_window = Window(0, window.row_off // factor, coarse.width, len(strip["habitat"]))
            for key, writer in writers.items():
                writer.write(strip[key], coarse_window)
    smk.log.info(
        "connectivity grid %d x %d cells of %.0f m (factor %d); scenario footprint takes %d "
        "habitat cells", coarse.height, coarse.width, coarse.resolution, factor, lost_cells,
    )  # fmt: skip


smk.run(main, globals().get("snakemake"))
