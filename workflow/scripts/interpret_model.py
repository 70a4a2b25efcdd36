"""Response curves (partial dependence) and permutation importance of the fitted model."""

import pickle

import numpy as np

from amurlink.core import io, smk
from amurlink.habitat import interpret
from amurlink.habitat.models import EnsembleModel


def main(snakemake):
    seed = snakemake.params.seed
    species = snakemake.wildcards.species
    with open(snakemake.input.model, "rb") as f:
        model = pickle.load(f)
    names = list(model.covariate_names_)
    reference = np.asarray(model.reference_, float)
    n_p = int(model.n_presences_train_)
    y = np.r_[np.ones(n_p, int), np.zeros(len(reference) - n_p, int)]
    categorical = (
        list(np.flatnonzero(~model.continuous_)) if isinstance(model, EnsembleModel) else []
    )
    curves = interpret.partial_dependence(
        model, reference[y == 0], names, seed=seed, categorical=categorical
    )
    rng = np.random.default_rng(seed)
    # all presences and a seeded subset of the background keep the permutations quick
    bg = np.flatnonzero(y == 0)
    keep = np.sort(np.r_[np.flatnonzero(y == 1), rng.choice(bg, min(len(bg), 3000), False)])
    importance = interpret.permutation_importance(
        model, reference[keep], y[keep], names, n_repeats=5, seed=seed
    )
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
