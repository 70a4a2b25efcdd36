"""Tree traversal per tree per cell: scikit-learn's against the packed trees (issue 14).

The ensemble's cost at 10,000² is its trees (bench/predict.py).  This times, on
one thread and the same rows, each tree member of bench/predict.py's fitted
ensemble:

- scikit-learn's own traversal (the boosting model's ``predict_proba``; the
  down-sampled RF's per-tree ``apply``, as ``DownsampledRFModel`` predicts);
- :func:`amurlink.habitat.trees.sum_leaf_values` on the same trees, which tests
  the last leaf's box before walking from the root.  The library uses it for
  boosting;
- for the RF, ``DownsampledRFModel.predict_suitability``, which probes the box
  hit rate (:func:`amurlink.habitat.trees.box_hit_rate`) and takes whichever
  of the two is faster on those rows;
- QuickScorer (bench/quickscorer.py; Lucchese et al. 2015), the bitvector
  traversal without a branch per tree, on the same packed trees;

on rows in raster order (the central window of the bench stack, as windows are
read) and on the same rows shuffled (as cross-validation scores them).  Every
variant's output is checked equal to scikit-learn's, bit for bit.

Usage (after ``python bench/predict.py run --size 10000 ...`` has fitted the models)::

    python bench/trees.py --work /tmp/amurlink-bench-predict/models_10000_default \\
        --stack /tmp/amurlink-bench-predict/stack_10000_w2000.tif --rows 512
"""

from __future__ import annotations

import argparse
import pickle
import sys
import time
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_limits

from amurlink.habitat import models, trees

sys.path.insert(0, str(Path(__file__).resolve().parent))
import quickscorer  # noqa: E402  (bench/quickscorer.py, beside this script)

NODATA = -9999.0


def timed(fn, X) -> tuple[float, np.ndarray]:
    fn(X[:5000])  # compiled code loaded (and the RF packed) before the clock
    t0 = time.perf_counter()
    out = fn(X)
    return time.perf_counter() - t0, out


def main(argv=None) -> None:
    import rasterio

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work", type=Path, required=True, help="bench/predict.py's model folder")
    parser.add_argument("--stack", type=Path, required=True)
    parser.add_argument("--rows", type=int, default=512, help="rows of the stack to predict")
    args = parser.parse_args(argv)
    ensemble = pickle.loads((args.work / "ensemble.pkl").read_bytes())
    members = dict(ensemble.members_)
    with rasterio.open(args.stack) as ds:
        top = max(0, ds.height // 2 - args.rows // 2)
        block = ds.read(window=((top, top + args.rows), (0, ds.width)))
    X = block.reshape(block.shape[0], -1).T.astype(np.float64)
    X = np.ascontiguousarray(X[(X != NODATA).all(axis=1)])
    shuffled = np.ascontiguousarray(X[np.random.default_rng(0).permutation(len(X))])
    brt, rf = members["brt"], members["rf"]
    brt_packed = brt._packed_trees()
    rf_packed = trees.pack_decision_trees(rf.trees_, X.shape[1])
    brt_qs, rf_qs = (quickscorer.pack_quickscorer(p) for p in (brt_packed, rf_packed))
    variants = {
        ("boosting", "scikit-learn"): lambda A: brt.hgb_.predict_proba(A)[:, 1],
        ("boosting", "packed"): lambda A: brt.predict_suitability(A),
        ("boosting", "QuickScorer"): lambda A: models.optimize_expit(
            quickscorer.sum_leaf_values(A, brt_qs, brt._raw_baseline())
        ),
        ("RF", "scikit-learn"): lambda A: rf._votes_by_scikit_learn(A.astype(np.float32)),
        ("RF", "packed"): lambda A: trees.sum_leaf_values(A, rf_packed) / len(rf.trees_),
        ("RF", "library (probe, then either)"): lambda A: rf.predict_suitability(A),
        ("RF", "QuickScorer"): lambda A: quickscorer.sum_leaf_values(A, rf_qs) / len(rf.trees_),
    }
    n_trees = {"boosting": len(brt_packed.root), "RF": len(rf.trees_)}
    print(f"{len(X)} cells; boosting {n_trees['boosting']} trees, RF {n_trees['RF']} trees")
    print("| member | traversal | rows | ns per tree per cell | equal to scikit-learn |")
    print("|---|---|---|---:|---|")
    with threadpool_limits(1):
        for order, rows in (("raster order", X), ("shuffled", shuffled)):
            reference = {}
            for (member, how), fn in variants.items():
                seconds, out = timed(fn, rows)
                reference.setdefault(member, out)
                same = np.array_equal(out, reference[member])
                ns = seconds * 1e9 / len(rows) / n_trees[member]
                print(f"| {member} | {how} | {order} | {ns:.1f} | {same} |")


if __name__ == "__main__":
    main()
