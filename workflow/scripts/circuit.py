"""Rule circuit: circuit-theory connectivity between habitat cores (Circuitscape pairwise mode)."""

from amurlink.connectivity import circuit
from amurlink.connectivity.cores import core_ids
from amurlink.connectivity.progress import finite_max
from amurlink.connectivity.resistance import nan_filled
from amurlink.core import io, smk
from amurlink.core.io.inputs import read_rasters_on_grid


def main(snakemake):
    inp, out, params = snakemake.input, snakemake.output, snakemake.params
    # No-data resistance cells are impassable: NaN is not a node.
    rasters, grid = read_rasters_on_grid({"resistance": inp.resistance, "cores": inp.cores})
    result = circuit.pairwise(
        nan_filled(rasters["resistance"]),
        core_ids(rasters["cores"]),
        neighbours=int(params.neighbours),
        solver=getattr(params, "solver", "auto"),
        shorting=getattr(params, "shorting", "pair"),
    )
    io.write_raster(
        out.current,
        result.cum_current.astype("float32"),
        grid,
        nodata=-9999.0,
        descriptions="cumulative current",
        units="A",
        dtype="float32",
    )
    table = result.table()
    io.write_table(table, out.effective_resistance)
    smk.log.info(
        "%d cores, %d pairs, %d connected; cumulative current max %.4g A",
        len(result.ids),
        len(table),
        int((table["effective_resistance"] >= 0).sum()),
        finite_max(result.cum_current),
    )


smk.run(main, globals().get("snakemake"))
