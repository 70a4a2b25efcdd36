"""Response curves (partial dependence) and permutation importance of the fitted model."""

from amurlink.core import io, smk
from amurlink.core.io import pickled
from amurlink.habitat import interpret


def main(snakemake):
    species = snakemake.wildcards.species
    model = pickled.read_pickle(snakemake.input.model)
    curves, importance = interpret.response_and_importance(model, seed=snakemake.params.seed)
    smk.log.info("permutation importance:\n%s", importance.to_string())
    io.write_table(curves, snakemake.output.curves)
    io.write_table(importance, snakemake.output.importance)
    for fig, path in [
        (interpret.plot_response_curves(curves, f"{species}: response curves"), "curves_png"),
        (
            interpret.plot_importance(importance, f"{species}: permutation importance"),
            "importance_png",
        ),
    ]:
        with io.atomic_path(snakemake.output[path]) as tmp:
            fig.savefig(tmp, dpi=110, format="png", metadata={"Software": None})


smk.run(main, globals().get("snakemake"))
