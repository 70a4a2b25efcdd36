"""Threat impacts (issue 12): threats per second, fast path against naive recomputation.

One seeded synthetic landscape of ``--side`` × ``--side`` connectivity cells
(``factor`` 1: the habitat grid is the connectivity grid), suitability smooth
noise, six square cores in two rows (seven links between neighbours), and
``--threats`` threats: straight road pieces of two groups and square cutblocks
of ages 2–12 at seeded places, each credited to the links whose corridor box
holds it (as ``flag_threats`` attributes them to the links they cut).

* ``fast``: :func:`amurlink.threats.impact.threat_impacts` (the threat's blocks
  recomputed, per link a CHOLMOD factor copied and updated by rank k, the
  least-cost distance stopped at the far core), for every threat;
* ``naive``: per threat, the resistance rule rerun on the whole grid with the
  threat lifted, and for every link it touches the corridors rule's full cost
  distance and the circuit rule's pairwise solve on the two cores
  (:func:`impact.naive_link_values`), then PC; ``--naive`` threats timed.

Prints the set-up time, threats per second of both, the speed-up, and the
largest difference of ΔCWD, ΔR and ΔPC between them (they must agree).

Usage::

    python bench/impact.py --side 550 --threats 40 --naive 4
    python bench/impact.py --quick
"""

from __future__ import annotations

import argparse
import time

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from affine import Affine
from rasterio import features
from scipy.ndimage import gaussian_filter

from amurlink.connectivity.resistance import landscape_resistance, pressure_bands
from amurlink.core.grid import Grid
from amurlink.threats import impact

PARAMS = {
    "shape_c": 4.0,
    "road_resistance": {"major": 300.0, "minor": 40.0},
    "logging_resistance": [{"max_age": 5, "add": 60.0}, {"max_age": 15, "add": 25.0}],
    "builtup_resistance": 0.0,
    "water": "barrier",
    "barrier_resistance": 5000.0,
}
RESOLUTION = 1000.0
SEED = 20261202


def landscape(side: int, n_threats: int):
    """The seeded landscape: fine landscape, network, threats, lifts."""
    rng = np.random.default_rng(SEED)
    grid = Grid(
        "EPSG:32652", Affine(RESOLUTION, 0, 0, 0, -RESOLUTION, side * RESOLUTION), side, side
    )
    suit = gaussian_filter(rng.standard_normal((side, side)), side / 60)
    suit = np.clip(0.5 + suit / (4 * suit.std()), 0, 1)
    bands = pressure_bands(
        ["road_major", "road_minor", "logging_age", "fence"], ["major", "minor"], "bench"
    )
    pressures = np.zeros((4, side, side), np.float32)
    pressures[2] = 50.0
    cores = np.zeros((side, side), np.int32)
    size, centres = side // 12, []
    for k, (fr, fc) in enumerate([(r, c) for r in (0.25, 0.75) for c in (0.15, 0.5, 0.85)], 1):
        r, c = int(fr * side), int(fc * side)
        cores[r - size // 2 : r + size // 2, c - size // 2 : c + size // 2] = k
        centres.append((r, c))
    pairs = [(1, 2), (2, 3), (4, 5), (5, 6), (1, 4), (2, 5), (3, 6)]
    links = pd.DataFrame({"link_id": range(1, 8), "from_core": [a for a, _ in pairs],
                          "to_core": [b for _, b in pairs]})  # fmt: skip
    rows, geoms = [], []
    for t in range(1, n_threats + 1):
        lid = int(rng.integers(1, 8))
        (ra, ca), (rb, cb) = centres[pairs[lid - 1][0] - 1], centres[pairs[lid - 1][1] - 1]
        f = rng.uniform(0.3, 0.7)
        r, c = ra + f * (rb - ra), ca + f * (cb - ca)
        x, y = (c + 0.5) * RESOLUTION, (side - r - 0.5) * RESOLUTION
        half = side / 10 * RESOLUTION
        if t % 2:
            group = "major" if t % 4 == 1 else "minor"
            geom = (shapely.LineString([(x - half, y), (x + half, y)]) if ra == rb
                    else shapely.LineString([(x, y - half), (x, y + half)]))  # fmt: skip
            band, value, kind = bands["roads"][group], 1.0, "road"
        else:
            group, s = "", rng.uniform(3, 8) * RESOLUTION
            geom, band, value, kind = (
                shapely.box(x - s, y - s, x + s, y + s),
                2,
                rng.uniform(2, 12),
                "logging",
            )
        hit = features.geometry_mask(
            [geom], (side, side), grid.transform, all_touched=True, invert=True
        )
        pressures[band][hit] = value
        rows.append({"threat_id": t, "kind": kind, "road_group": group, "source_id": t,
                     "country": "", "link_ids": str(lid), "n_links": 1, "dPC": np.nan,
                     "score": 0.0, "rank": t})  # fmt: skip
        geoms.append(geom)
    threats = gpd.GeoDataFrame(rows, geometry=geoms, crs=grid.crs)
    fine = impact.FineLandscape(suit, pressures, np.zeros((side, side)), bands, PARAMS, 1)
    resistance = landscape_resistance(suit, pressures, fine.landcover, bands, PARAMS).astype(
        np.float64
    )
    areas = pd.DataFrame({"core_id": range(1, 7), "area_km2": float(size * size)})
    start = time.perf_counter()
    network = impact.Network(resistance, cores, links, areas, RESOLUTION, float(side * side),
                             side * RESOLUTION * 20.0)  # fmt: skip
    setup = time.perf_counter() - start
    return grid, fine, network, threats, impact.threat_lifts(threats, grid, 1, bands), setup


def naive(fine, network, threats, lift) -> dict:
    """One threat by rerunning the resistance and the link computations from scratch."""
    pressures = fine.pressures.copy()
    pressures[lift.band, lift.rows, lift.cols][lift.mask] = lift.value
    res = landscape_resistance(fine.suitability, pressures, fine.landcover, fine.bands, PARAMS)
    res = res.astype(np.float64)
    cwd = dict(network.cwd)
    out = {}
    for lid in map(int, threats.set_index("threat_id").loc[lift.threat_id, "link_ids"].split(",")):
        a, b = network.ends[lid]
        cwd0, r0 = impact.naive_link_values(network.resistance, network.cores, a, b, RESOLUTION, 8)
        cwd1, r1 = impact.naive_link_values(res, network.cores, a, b, RESOLUTION, 8)
        out[lid] = (cwd1 - cwd0, r1 - r0)
        cwd[lid] = cwd1
    base, now = network.indices(network.cwd), network.indices(cwd)
    return {"links": out, "dPC": 100 * (now["PC"] - base["PC"]) / base["PC"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--side", type=int, default=550)
    parser.add_argument("--threats", type=int, default=40)
    parser.add_argument("--naive", type=int, default=4, help="threats timed naively")
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    if args.quick:
        args.side, args.threats, args.naive = 120, 6, 2
    grid, fine, network, threats, lifts, setup = landscape(args.side, args.threats)
    print(f"{args.side}x{args.side} = {args.side**2:,} cells, {len(network.cwd)} links, "
          f"{len(lifts)} threats; set-up (factor per link, cwd) {setup:.2f} s")  # fmt: skip
    start = time.perf_counter()
    table = impact.threat_impacts(network, fine, threats, lifts).set_index("threat_id")
    fast = time.perf_counter() - start
    start = time.perf_counter()
    checked = [(lift, naive(fine, network, threats, lift)) for lift in lifts[: args.naive]]
    slow = time.perf_counter() - start
    worst = {"dCWD": 0.0, "dR": 0.0, "dPC": 0.0}
    for lift, ref in checked:
        for lid in ref["links"]:
            new = network.evaluate(*impact.mitigated_cells(fine, lift), [lid])[lid]
            worst["dCWD"] = max(
                worst["dCWD"], abs(new[0] - network.cwd[lid] - ref["links"][lid][0])
            )
            d_r = new[1] - network.circuits[lid].resistance
            worst["dR"] = max(worst["dR"], abs(d_r - ref["links"][lid][1]))
        worst["dPC"] = max(
            worst["dPC"], abs(table.loc[lift.threat_id, "dPC_regained"] - ref["dPC"])
        )
    fast_rate, slow_rate = len(lifts) / fast, len(checked) / slow
    print(f"fast : {len(lifts)} threats in {fast:.2f} s = {fast_rate:.2f} threats/s")
    print(f"naive: {len(checked)} threats in {slow:.2f} s = {slow_rate:.3f} threats/s")
    print(f"speed-up {fast_rate / slow_rate:.0f}x; largest |fast - naive|: "
          + ", ".join(f"{k} {v:.2g}" for k, v in worst.items()))  # fmt: skip


if __name__ == "__main__":
    main()
