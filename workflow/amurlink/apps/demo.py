"""A seeded synthetic demo region on the real Russia–China–North Korea border.

The demo region lies on the border area around Land of the Leopard National Park
(Russia) and Hunchun (China).  The coastline and the borders are real (Natural
Earth 10 m admin-0 countries, public domain, shipped clipped in
``amurlink/data/naturalearth_amur.gpkg``); the terrain, land cover, roads,
logging, settlements (real names at approximate positions, plus synthetic
villages) and sightings are generated from the configured seed.

The sightings are drawn from *virtual species* (Leroy et al. 2016): a known
suitability, defined only through covariates that the workflow itself computes
from the generated files (forest fraction, elevation, slope, distances to roads
by group and to settlements, logging recency), is converted to a probability of
presence by a logistic function and sampled with an observer bias (records near
roads and tracks) plus a camera-trap grid whose detections follow the true
probability of presence.  The true suitability is written apart
(``results/demo/truth/{species}.tif``) so that tests can check that the
workflow recovers it; the workflow never reads it.

References
----------
Leroy, B., Meynard, C.N., Bellard, C. & Courchamp, F. (2016) virtualspecies, an
R package to generate virtual species distributions. Ecography 39:599-607.

Keys, R. (1981) Cubic convolution interpolation for digital image processing.
IEEE Trans. Acoustics, Speech, and Signal Processing 29:1153-1160.

Horn, B.K.P. (1981) Hill shading and the reflectance map. Proc. IEEE 69:14-47.
"""

from __future__ import annotations

import argparse
import logging
import math
import time
import zlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
import shapely.ops
from pyproj import Transformer
from rasterio import features
from scipy import ndimage, sparse
from scipy.sparse.csgraph import minimum_spanning_tree
from skimage.graph import MCP_Geometric

from amurlink.core import io
from amurlink.core.grid import Grid
from amurlink.core.io.config import read_config
from amurlink.core.io.naturalearth import read_naturalearth
from amurlink.prepare import covariates as cv

log = logging.getLogger("amurlink.apps.demo")

#: Cell size (m) of the internal terrain grid; the landscape looks the same at any demo resolution.
TERRAIN_RESOLUTION = 250.0
#: Cell size (m) of the grid on which roads are routed along valleys.
ROUTING_RESOLUTION = 1000.0
#: First and last year of logging and of sightings.
FIRST_YEAR, LAST_YEAR = 2001, 2024

#: Fixed offsets added to the configured seed, one per random step, so that
#: changing one step does not reshuffle the others.
SEED_OFFSETS = {
    "terrain": 11,
    "rivers": 12,
    "landcover_noise": 13,
    "settlements": 14,
    "roads": 15,
    "tracks": 17,
    "logging": 18,
    "proposed": 19,
    "cameras": 20,
    "sightings": 100,
}

#: Default covariate settings (as in workflow/schemas/config.schema.yaml).
DEFAULT_COVARIATES = {
    "forest_radius_m": 1000.0,
    "logging_radius_m": 1000.0,
    "reference_year": 2025,
    "forest_classes": [10],
    "road_classes": {
        "major": ["motorway", "trunk", "primary", "secondary"],
        "minor": ["tertiary", "unclassified", "residential"],
        "track": ["track", "path"],
    },
}

# Real places (approximate positions): name, lon, lat, population, iso_a3.
REAL_SETTLEMENTS: list[tuple[str, float, float, int, str]] = [
    ("Hunchun", 130.37, 42.87, 120000, "CHN"),
    ("Jingxin", 130.56, 42.56, 9000, "CHN"),
    ("Fangchuan", 130.63, 42.46, 1500, "CHN"),
    ("Banshi", 130.50, 42.96, 4000, "CHN"),
    ("Bamianshi", 130.52, 43.06, 5000, "CHN"),
    ("Hadamen", 130.68, 43.18, 2500, "CHN"),
    ("Chunhua", 130.66, 43.33, 6000, "CHN"),
    ("Yangpao", 130.47, 42.78, 3000, "CHN"),
    ("Kraskino", 130.79, 42.71, 3000, "RUS"),
    ("Posyet", 130.80, 42.65, 1800, "RUS"),
    ("Khasan", 130.65, 42.43, 700, "RUS"),
    ("Gvozdevo", 130.70, 42.55, 500, "RUS"),
    ("Zarubino", 131.07, 42.64, 3000, "RUS"),
    ("Andreyevka", 131.14, 42.66, 1500, "RUS"),
    ("Slavyanka", 131.38, 42.86, 12000, "RUS"),
    ("Primorsky", 131.48, 43.11, 2500, "RUS"),
    ("Barabash", 131.46, 43.19, 3000, "RUS"),
    ("Bezverkhovo", 131.58, 43.31, 1500, "RUS"),
    ("Razdolnoe", 131.86, 43.55, 6000, "RUS"),
]

# Main roads between real places: from, to, OSM highway class.  Road ends
# beyond the study area ("exits") are given as (name, lon, lat).
MAIN_ROADS: list[tuple[str, str, str]] = [
    ("Hunchun", "Kraskino", "primary"),  # the Hunchun–Kraskino border crossing
    ("Kraskino", "Slavyanka", "primary"),
    ("Slavyanka", "Barabash", "primary"),
    ("Barabash", "Razdolnoe", "primary"),
    ("Razdolnoe", "exit Ussuriysk", "primary"),
    ("Hunchun", "exit Tumen", "primary"),
    ("Kraskino", "Posyet", "secondary"),
    ("Kraskino", "Zarubino", "secondary"),
    ("Kraskino", "Khasan", "secondary"),
    ("Hunchun", "Jingxin", "secondary"),
    ("Hunchun", "Chunhua", "secondary"),
]
EXITS = {"exit Ussuriysk": (131.89, 43.88), "exit Tumen": (130.30, 42.95)}

# Rivers (control points lon, lat, from source to mouth).  The Tumen is taken
# from the North Korean border itself.
RIVERS: dict[str, list[tuple[float, float]]] = {
    "Hunchun": [
        (130.80, 43.62),
        (130.66, 43.36),
        (130.55, 43.10),
        (130.37, 42.85),
        (130.30, 42.80),
    ],
    "Mijiang": [(130.30, 43.12), (130.52, 43.08)],
    "Tsukanovka": [(130.95, 42.98), (130.85, 42.80), (130.79, 42.70)],
    "Ryazanovka": [(131.20, 42.98), (131.13, 42.80), (131.12, 42.68)],
    "Narva": [(131.22, 43.32), (131.30, 43.08), (131.36, 42.90)],
    "Barabashevka": [(131.05, 43.28), (131.30, 43.22), (131.50, 43.18)],
    "Amba": [(131.35, 43.50), (131.55, 43.42), (131.72, 43.35)],
    "Razdolnaya": [(131.70, 43.95), (131.86, 43.60), (131.86, 43.40)],
    "Northern": [(130.30, 43.72), (130.70, 43.62), (131.05, 43.80)],
    "Chunhua": [(131.00, 43.55), (130.66, 43.36)],
    "Kedrovaya": [(130.98, 43.18), (131.00, 42.95), (130.96, 42.78)],
}

#: Virtual-species niches, one row per response of suitability to a covariate:
#: ``logistic midpoint scale`` rises with the covariate, ``gaussian mean sd`` peaks at
#: the mean, ``decline weight e-folding`` is 1 - weight*exp(-x/e-folding).  A species'
#: responses multiply in the order of its rows.
#: - leopard: forest-dependent, mid elevations, strongly avoids roads and settlements;
#: - tiger: broader, tolerates more open forest, a wider range of elevations, nearer roads;
#: - prey: the target group, common prey recorded by the same surveys (Phillips et al.
#:   2009); broad niches, everywhere with some cover, so that their records mostly carry
#:   the observers' bias, which is what a target-group background must estimate.
NICHE_TABLE = """
leopard  forest_fraction  logistic     0.75     0.06
leopard  elevation        gaussian   380.0    200.0
leopard  slope            decline      0.3      3.0
leopard  dist_road_major  logistic  3000.0    900.0
leopard  dist_settlement  logistic  4000.0   1200.0
leopard  logging_recency  decline      0.6      6.0
tiger    forest_fraction  logistic     0.55     0.08
tiger    elevation        gaussian   420.0    300.0
tiger    dist_road_major  logistic  2500.0   2000.0
tiger    dist_road_minor  decline      0.4    800.0
tiger    dist_settlement  logistic  3000.0   2000.0
tiger    logging_recency  decline      0.3      6.0
prey     forest_fraction  logistic     0.2      0.2
prey     dist_settlement  logistic   800.0    600.0
"""


def _niches(table: str) -> dict[str, dict[str, tuple[str, float, float]]]:
    """``{species: {covariate: (response, a, b)}}`` from :data:`NICHE_TABLE`'s rows, in order."""
    niches: dict[str, dict[str, tuple[str, float, float]]] = {}
    for row in table.strip().splitlines():
        species, covariate, response, a, b = row.split()
        niches.setdefault(species, {})[covariate] = (response, float(a), float(b))
    return niches


NICHES = _niches(NICHE_TABLE)
#: Other species in the survey records, with (opportunistic records, detections per trap-night).
TARGET_GROUP_SPECIES = {
    "Sus scrofa": (420, 0.01),
    "Cervus nippon": (380, 0.01),
    "Capreolus pycargus": (380, 0.01),
}
#: virtualspecies' convert_to_PA logistic (alpha < 0, beta = inflection) per species.
PRESENCE_LOGISTIC = {"leopard": (-0.07, 0.6), "tiger": (-0.07, 0.5)}
#: Opportunistic (non camera-trap) records per species before cleaning filters.
OPPORTUNISTIC_RECORDS = {"leopard": 260, "tiger": 300}
#: Camera-trap detections per trap-night at probability of presence 1.
DETECTION_RATE = {"leopard": 0.004, "tiger": 0.0025}


@dataclass
class DemoLandscape:
    """Everything the demo generates, in memory (see :func:`generate_demo`).

    Rasters are on ``grid``; vectors carry their CRS; tables are in WGS84.
    """

    grid: Grid
    landcover: np.ndarray  # uint8 ESA WorldCover codes
    dem: np.ndarray  # float32 metres, 0 on the sea
    country: np.ndarray  # uint8 index into country_codes, 0 = sea
    country_codes: dict[int, str]
    roads: gpd.GeoDataFrame
    logging: gpd.GeoDataFrame
    settlements: gpd.GeoDataFrame
    countries: gpd.GeoDataFrame
    border: gpd.GeoDataFrame
    sightings: pd.DataFrame
    camera_stations: pd.DataFrame
    suitability: dict[str, np.ndarray] = field(default_factory=dict)
    presence_probability: dict[str, np.ndarray] = field(default_factory=dict)
    covariates: dict[str, np.ndarray] = field(default_factory=dict)


# --------------------------------------------------------------------------- helpers
def _rng(seed: int, step: str, extra: int = 0) -> np.random.Generator:
    return np.random.default_rng([int(seed), SEED_OFFSETS[step] + extra])


def _species_offset(key: str) -> int:
    """A stable per-species seed offset (Python's hash() is salted per process)."""
    return zlib.crc32(key.encode()) % 100_000


def covariate_settings(config: dict) -> dict:
    """The config's ``covariates`` section with the schema's defaults filled in."""
    return {**DEFAULT_COVARIATES, **(config.get("covariates") or {})}


def demo_grid(config: dict) -> Grid:
    """The demo grid: the study area at ``demo.resolution`` in ``study_area.crs``."""
    study = config["study_area"]
    resolution = float((config.get("demo") or {}).get("resolution", 250))
    if study.get("bounds"):
        return Grid.from_bounds(study["crs"], tuple(study["bounds"]), resolution)
    return Grid.from_lonlat_box(study["crs"], tuple(study["bbox_lonlat"]), resolution)


def _keys_matrix(src_start: float, src_step: float, n_src: int, dst: np.ndarray):
    """Sparse matrix interpolating a regular 1-D sample onto ``dst`` by Keys' cubic convolution."""
    u = (np.asarray(dst, float) - src_start) / src_step
    base = np.floor(u).astype(np.int64)
    t = u - base
    a = -0.5
    rows, cols, vals = [], [], []
    for k in (-1, 0, 1, 2):
        s = np.abs(t - k)
        w = np.where(
            s <= 1,
            (a + 2) * s**3 - (a + 3) * s**2 + 1,
            np.where(s < 2, a * s**3 - 5 * a * s**2 + 8 * a * s - 4 * a, 0.0),
        )
        rows.append(np.arange(len(u)))
        cols.append(np.clip(base + k, 0, n_src - 1))
        vals.append(w)
    return sparse.csr_matrix(
        (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
        shape=(len(u), n_src),
    )


@dataclass(frozen=True)
class _Lattice:
    """A regular lattice of cell centres (x0 + i*step, y0 - j*step)."""

    x0: float
    y0: float
    step: float
    nx: int
    ny: int

    @classmethod
    def covering(cls, bounds, step: float, margin: float) -> _Lattice:
        xmin, ymin, xmax, ymax = bounds
        nx = math.ceil((xmax - xmin + 2 * margin) / step) + 1
        ny = math.ceil((ymax - ymin + 2 * margin) / step) + 1
        return cls(xmin - margin, ymax + margin, step, nx, ny)

    def xy(self) -> tuple[np.ndarray, np.ndarray]:
        return self.x0 + self.step * np.arange(self.nx), self.y0 - self.step * np.arange(self.ny)

    def grid(self, crs: str) -> Grid:
        from affine import Affine

        h = self.step / 2
        t = Affine(self.step, 0, self.x0 - h, 0, -self.step, self.y0 + h)
        return Grid(crs, t, self.nx, self.ny)


def _resample(values: np.ndarray, lattice: _Lattice, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Cubic (Keys) interpolation of lattice ``values`` at grid columns ``x`` and rows ``y``.

    Separable: two sparse matrix products, so memory stays at the output size.
    """
    wx = _keys_matrix(lattice.x0, lattice.step, lattice.nx, x)
    wy = _keys_matrix(-lattice.y0, lattice.step, lattice.ny, -np.asarray(y))
    tmp = (wx @ np.asarray(values, np.float64).T).T  # ny_src x nx_dst
    return np.asarray(wy @ tmp, dtype=np.float32)


def fractal_field(
    lattice: _Lattice, scales_m: Sequence[float], hurst: float, rng: np.random.Generator
) -> np.ndarray:
    """Smooth fractal noise on ``lattice``: gaussian-filtered white noise summed over scales.

    Each octave is white noise on its own lattice of spacing scale/2, smoothed by a
    gaussian of one lattice cell and interpolated onto ``lattice``; its amplitude is
    ``scale ** hurst``.  The result is standardised to mean 0, sd 1.
    """
    x, y = lattice.xy()
    total = np.zeros((lattice.ny, lattice.nx), np.float64)
    for scale in scales_m:
        octave = _Lattice.covering((x[0], y[-1], x[-1], y[0]), scale / 2, margin=2 * scale)
        noise = ndimage.gaussian_filter(rng.standard_normal((octave.ny, octave.nx)), 1.0)
        noise /= noise.std() or 1.0
        total += scale**hurst * _resample(noise, octave, x, y)
    return (total - total.mean()) / (total.std() or 1.0)


def _project(geoms_lonlat, crs: str):
    tr = Transformer.from_crs("EPSG:4326", crs, always_xy=True)
    return shapely.transform(
        np.asarray(geoms_lonlat), lambda c: np.column_stack(tr.transform(c[:, 0], c[:, 1]))
    )


def _to_lonlat(x, y, crs: str) -> tuple[np.ndarray, np.ndarray]:
    tr = Transformer.from_crs(crs, "EPSG:4326", always_xy=True)
    lon, lat = tr.transform(np.asarray(x, float), np.asarray(y, float))
    return np.asarray(lon), np.asarray(lat)


def _from_lonlat(lon, lat, crs: str) -> tuple[np.ndarray, np.ndarray]:
    tr = Transformer.from_crs("EPSG:4326", crs, always_xy=True)
    x, y = tr.transform(np.asarray(lon, float), np.asarray(lat, float))
    return np.asarray(x), np.asarray(y)


def _rasterize(geoms, values, grid: Grid, dtype="uint8", all_touched=False) -> np.ndarray:
    shapes = [
        (g, v) for g, v in zip(geoms, values, strict=True) if g is not None and not g.is_empty
    ]
    if not shapes:
        return np.zeros(grid.shape, dtype)
    return features.rasterize(
        shapes,
        out_shape=grid.shape,
        transform=grid.transform,
        fill=0,
        dtype=dtype,
        all_touched=all_touched,
    )


def rasterize_lines(lines, grid: Grid) -> np.ndarray:
    """Boolean mask of the cells a set of lines passes through (all touched)."""
    return _rasterize(list(lines), [1] * len(lines), grid, all_touched=True).astype(bool)


def rasterize_points(x, y, grid: Grid) -> np.ndarray:
    """Boolean mask of the cells holding at least one point."""
    mask = np.zeros(grid.shape, bool)
    inside = grid.contains(x, y)
    row, col = grid.rowcol(np.asarray(x)[inside], np.asarray(y)[inside])
    mask[row, col] = True
    return mask


def _meander(
    line: shapely.LineString, amplitude: float, wavelength: float, rng
) -> shapely.LineString:
    """Densify ``line`` and offset it sideways by smooth noise (a meandering river or road)."""
    step = wavelength / 8
    n = max(int(line.length / step), 2)
    pts = shapely.get_coordinates(
        shapely.line_interpolate_point(line, np.linspace(0, 1, n + 1), normalized=True)
    )
    offset = ndimage.gaussian_filter1d(rng.standard_normal(n + 1), 2.0, mode="nearest")
    offset *= amplitude / (offset.std() or 1.0)
    offset[[0, -1]] = 0.0  # keep the ends in place
    d = np.gradient(pts, axis=0)
    normal = (
        np.column_stack([-d[:, 1], d[:, 0]]) / np.maximum(np.hypot(d[:, 0], d[:, 1]), 1e-9)[:, None]
    )
    return shapely.LineString(pts + normal * offset[:, None])


def _chaikin(coords: np.ndarray, iterations: int = 2) -> np.ndarray:
    """Chaikin's corner cutting: smooths a routed staircase path, keeping its ends."""
    for _ in range(iterations):
        if len(coords) < 3:
            break
        q = 0.75 * coords[:-1] + 0.25 * coords[1:]
        r = 0.25 * coords[:-1] + 0.75 * coords[1:]
        coords = np.vstack([coords[:1], np.column_stack([q, r]).reshape(-1, 2), coords[-1:]])
    return coords


# --------------------------------------------------------------------------- countries
def country_layers(grid: Grid) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Countries clipped to the grid and the lines where two countries meet, in the grid's CRS."""
    ne = read_naturalearth().sort_values("iso_a3", ignore_index=True)
    projected = _project(ne.geometry.to_numpy(), grid.crs)
    frame = shapely.box(*grid.bounds)
    countries = gpd.GeoDataFrame(
        {"iso_a3": ne["iso_a3"], "name": ne["name"]},
        geometry=shapely.intersection(projected, frame),
        crs=grid.crs,
    )
    countries = countries[~countries.geometry.is_empty].reset_index(drop=True)
    rows = []
    for i in range(len(ne)):
        for j in range(i + 1, len(ne)):
            shared = shapely.intersection(projected[i].boundary, projected[j].boundary)
            shared = shapely.line_merge(
                shapely.multilinestrings(
                    [g for g in shapely.get_parts(shared) if g.geom_type == "LineString"]
                )
            )
            shared = shapely.intersection(shared, frame)
            if shared.is_empty or shared.length == 0:
                continue
            a, b = ne["iso_a3"][i], ne["iso_a3"][j]
            rows.append(
                {"iso_a3_left": a, "iso_a3_right": b, "countries": f"{a}-{b}", "geometry": shared}
            )
    border = gpd.GeoDataFrame(rows, geometry="geometry", crs=grid.crs)
    return countries, border


# --------------------------------------------------------------------------- terrain
def _river_lines(border: gpd.GeoDataFrame, crs: str, rng) -> list[shapely.LineString]:
    lines = []
    for name in sorted(RIVERS):
        ll = shapely.LineString(RIVERS[name])
        lines.append(_meander(_project([ll], crs)[0], amplitude=700, wavelength=6000, rng=rng))
    tumen = border[border["countries"].str.contains("PRK")]
    lines.extend(g for geom in tumen.geometry for g in shapely.get_parts(geom))
    return lines


def terrain(
    lattice: _Lattice, crs: str, land: np.ndarray, rivers, cn_ru_border, rng
) -> dict[str, np.ndarray]:
    """Elevation (m) on the terrain lattice: fractal relief, low near the coast and in valleys.

    Relief is a smooth fractal (octaves from 32 to 1 km), raised inland and along
    the China–Russia border (which follows ridges there), damped towards the sea
    and carved into valleys around the rivers.
    """
    tgrid = lattice.grid(crs)
    res = lattice.step
    relief = fractal_field(lattice, [24e3, 12e3, 6e3, 3e3, 1.5e3, 0.75e3], 0.3, rng)
    d_sea = cv.distance_to(~land, res)
    river_mask = rasterize_lines(rivers, tgrid)
    d_river = cv.distance_to(river_mask, res)
    d_border = cv.distance_to(rasterize_lines(list(cn_ru_border), tgrid), res)
    elev = 300 + 170 * relief + 150 * np.minimum(d_sea / 30e3, 1.0)
    elev += 150 * np.exp(-((d_border / 6e3) ** 2))
    elev = np.maximum(elev, 30.0)
    elev *= 1 - np.exp(-d_sea / 4e3)
    elev *= 1 - 0.85 * np.exp(-((d_river / 2.5e3) ** 2))
    elev = np.where(land, np.clip(elev, 1.0, None), 0.0)
    return {"elevation": elev, "d_sea": d_sea, "d_river": d_river}


# --------------------------------------------------------------------------- settlements
def make_settlements(
    tgrid: Grid, t_elev, t_slope, t_dsea, t_drivers, t_country, codes, rng
) -> gpd.GeoDataFrame:
    """Real towns at approximate positions plus synthetic villages in valleys."""
    crs = tgrid.crs
    names, xs, ys, pops, isos, places = [], [], [], [], [], []
    land = t_country > 0
    land_rows, land_cols = np.nonzero(land)
    for name, lon, lat, pop, iso in REAL_SETTLEMENTS:
        x, y = _from_lonlat([lon], [lat], crs)
        if not tgrid.contains(x, y)[0]:
            continue
        r, c = tgrid.rowcol(x, y)
        if not land[r[0], c[0]]:  # snap a coastal town that falls in the sea onto land
            k = np.argmin((land_rows - r[0]) ** 2 + (land_cols - c[0]) ** 2)
            x, y = tgrid.cell_centres(land_rows[k], land_cols[k])
            x, y = np.atleast_1d(x), np.atleast_1d(y)
        names.append(name)
        xs.append(float(x[0]))
        ys.append(float(y[0]))
        pops.append(pop)
        isos.append(iso)
        places.append("town" if pop >= 2000 else "village")
    # Villages: low, flat valley floors, in China denser than in Russia.
    score = -t_elev / 100 - t_slope / 3 - t_drivers / 1500 + rng.gumbel(size=t_elev.shape)
    score[~land | (t_dsea < 1000)] = -np.inf
    order = np.argsort(-score, axis=None, kind="stable")
    quota = {"CHN": 16, "RUS": 10, "PRK": 2}
    count = {k: 0 for k in quota}
    min_spacing = 4500.0
    pts = np.column_stack([xs, ys]) if xs else np.empty((0, 2))
    for flat in order[:50000]:
        r, c = divmod(int(flat), tgrid.width)
        if not np.isfinite(score[r, c]):
            break
        iso = codes.get(int(t_country[r, c]))
        if iso not in quota or count[iso] >= quota[iso]:
            continue
        x, y = tgrid.cell_centres(r, c)
        if len(pts) and np.min(np.hypot(pts[:, 0] - x, pts[:, 1] - y)) < min_spacing:
            continue
        count[iso] += 1
        pts = np.vstack([pts, [x, y]])
        names.append(f"{iso} village {count[iso]:02d}")
        xs.append(float(x))
        ys.append(float(y))
        pops.append(int(rng.integers(80, 900)))
        isos.append(iso)
        places.append("village")
        if all(count[k] >= quota[k] for k in quota):
            break
    return gpd.GeoDataFrame(
        {"name": names, "population": pops, "place": places, "iso_a3": isos},
        geometry=shapely.points(xs, ys),
        crs=crs,
    )


# --------------------------------------------------------------------------- roads
class _Router:
    """Least-cost road routing on a coarse grid: roads follow valleys and avoid the sea."""

    def __init__(self, rgrid: Grid, elev, slope, country, codes):
        self.grid = rgrid
        self.cost = 1.0 + (elev / 150.0) ** 2 + slope / 3.0
        self.country = country
        self.codes = {v: k for k, v in codes.items()}

    def route(self, a, b, allowed: Sequence[str]) -> shapely.LineString:
        ok = np.isin(self.country, [self.codes[i] for i in allowed if i in self.codes])
        cost = np.where(ok, self.cost, 1e4)
        ra, ca = self.grid.rowcol(a[0], a[1])
        rb, cb = self.grid.rowcol(b[0], b[1])
        h, w = self.grid.shape
        ra, ca = np.clip(ra, 0, h - 1), np.clip(ca, 0, w - 1)
        rb, cb = np.clip(rb, 0, h - 1), np.clip(cb, 0, w - 1)
        mcp = MCP_Geometric(cost, fully_connected=True)
        mcp.find_costs([(int(ra), int(ca))], [(int(rb), int(cb))])
        path = np.asarray(mcp.traceback((int(rb), int(cb))))
        x, y = self.grid.cell_centres(path[:, 0], path[:, 1])
        coords = np.column_stack([x, y])
        coords[0], coords[-1] = a, b
        line = shapely.LineString(coords).simplify(self.grid.resolution * 0.7)
        return shapely.LineString(_chaikin(shapely.get_coordinates(line), 3))


def make_roads(settlements: gpd.GeoDataFrame, router: _Router) -> gpd.GeoDataFrame:
    """Main roads between real towns, plus a minimum spanning tree of tertiary roads per country."""
    crs = settlements.crs
    pos = {n: (p.x, p.y) for n, p in zip(settlements["name"], settlements.geometry, strict=True)}
    iso = dict(zip(settlements["name"], settlements["iso_a3"], strict=True))
    for name, (lon, lat) in EXITS.items():
        x, y = _from_lonlat([lon], [lat], crs)
        if router.grid.contains(x, y)[0]:
            pos[name] = (float(x[0]), float(y[0]))
    rows, linked = [], set()
    for a, b, highway in MAIN_ROADS:
        if a not in pos or b not in pos:
            continue
        allowed = sorted({iso.get(a, iso.get(b)), iso.get(b, iso.get(a))})
        rows.append((highway, f"{a} – {b}", router.route(pos[a], pos[b], allowed)))
        linked.add(frozenset((a, b)))
    for country in sorted(set(settlements["iso_a3"])):
        sub = settlements[settlements["iso_a3"] == country]
        if len(sub) < 2:
            continue
        xy = shapely.get_coordinates(sub.geometry.to_numpy())
        d = np.hypot(xy[:, None, 0] - xy[None, :, 0], xy[:, None, 1] - xy[None, :, 1])
        tree = minimum_spanning_tree(d).tocoo()
        names = sub["name"].to_list()
        for i, j in sorted(zip(tree.row.tolist(), tree.col.tolist(), strict=True)):
            a, b = names[i], names[j]
            if frozenset((a, b)) in linked:
                continue
            rows.append(("tertiary", f"{a} – {b}", router.route(pos[a], pos[b], [country])))
    return gpd.GeoDataFrame(
        {"highway": [r[0] for r in rows], "name": [r[1] for r in rows]},
        geometry=[r[2] for r in rows],
        crs=crs,
    )


def make_tracks(
    roads: gpd.GeoDataFrame, grid: Grid, forest_like: np.ndarray, elev, country, n_tracks: int, rng
) -> gpd.GeoDataFrame:
    """Forest tracks: jittered lines from points on roads up into forested uplands."""
    vertices = shapely.get_coordinates(
        shapely.segmentize(
            roads.geometry[roads["highway"].isin(["secondary", "tertiary"])].to_numpy(), 500
        )
    )
    rows, cols = grid.rowcol(vertices[:, 0], vertices[:, 1])
    inside = grid.contains(vertices[:, 0], vertices[:, 1])
    vertices, rows, cols = vertices[inside], rows[inside], cols[inside]
    fr, fc = np.nonzero(forest_like)
    fx, fy = grid.cell_centres(fr, fc)
    lines = []
    for _ in range(n_tracks * 20):
        if len(lines) >= n_tracks or not len(vertices) or not len(fr):
            break
        k = int(rng.integers(len(vertices)))
        x0, y0 = vertices[k]
        length = rng.uniform(3e3, 9e3)
        angle = rng.uniform(0, 2 * np.pi)
        x1, y1 = x0 + length * np.cos(angle), y0 + length * np.sin(angle)
        if not grid.contains([x1], [y1])[0]:
            continue
        r1, c1 = grid.rowcol(x1, y1)
        if not forest_like[r1, c1] or country[r1, c1] != country[rows[k], cols[k]]:
            continue
        if elev[r1, c1] < elev[rows[k], cols[k]]:
            continue
        line = _meander(shapely.LineString([(x0, y0), (x1, y1)]), 250, 3000, rng)
        lines.append(line)
    return gpd.GeoDataFrame(
        {"highway": ["track"] * len(lines), "name": [None] * len(lines)},
        geometry=lines,
        crs=grid.crs,
    )


def make_cutblocks(
    tracks: gpd.GeoDataFrame, grid: Grid, forest: np.ndarray, country, codes, rng
) -> gpd.GeoDataFrame:
    """Logging cutblocks (10–45 ha rotated rectangles) in clusters along forest tracks.

    Cluster years span 2001–2024; in China logging stops in 2014 (the ban on
    commercial logging of natural forests in the northeast from 2015).
    """
    polys, years = [], []
    for line in tracks.geometry:
        if rng.random() > 0.7:
            continue
        year = int(rng.integers(FIRST_YEAR, LAST_YEAR + 1))
        for _ in range(int(rng.integers(3, 11))):
            p = shapely.line_interpolate_point(line, rng.uniform(0.1, 1.0), normalized=True)
            side = rng.uniform(-1, 1) * rng.uniform(100, 1200)
            angle = rng.uniform(0, np.pi)
            cx, cy = p.x + side * np.cos(angle), p.y + side * np.sin(angle)
            if not grid.contains([cx], [cy])[0]:
                continue
            r, c = grid.rowcol(cx, cy)
            if not forest[r, c]:
                continue
            w, h = rng.uniform(250, 750, size=2)
            if w * h > 45e4:
                h = 45e4 / w
            block = shapely.box(cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2)
            from shapely import affinity

            block = affinity.rotate(block, rng.uniform(0, 180), origin="centroid")
            y = min(year + int(rng.integers(0, 3)), LAST_YEAR)
            if codes.get(int(country[r, c])) == "CHN" and y > 2014:
                y = int(rng.integers(FIRST_YEAR, 2015))
            polys.append(block)
            years.append(y)
    gdf = gpd.GeoDataFrame({"year": years}, geometry=polys, crs=grid.crs)
    gdf.insert(0, "block_id", np.arange(1, len(gdf) + 1))
    gdf["area_ha"] = np.round(gdf.geometry.area / 1e4, 2)
    return gdf


def make_proposed_road(
    border: gpd.GeoDataFrame,
    countries: gpd.GeoDataFrame,
    grid: Grid,
    forest_frac: np.ndarray,
    rng,
    length_m: float = 120_000.0,
    offset_m: float = 2_000.0,
) -> gpd.GeoDataFrame:
    """The scenario road: a proposed secondary road along the China side of the border.

    Border roads are what cross-border corridors are most exposed to: such a
    road runs parallel to the China–Russia border, ``offset_m`` inside China,
    over the ``length_m`` stretch with the most forest (most of the border in
    the demo region), so that corridors between the two countries' forests
    must cross it.
    """
    empty = gpd.GeoDataFrame({"highway": [], "name": [], "proposed": []}, geometry=[], crs=grid.crs)
    pick = border["countries"].isin(["CHN-RUS", "RUS-CHN"])
    china = countries.loc[countries["iso_a3"] == "CHN", "geometry"]
    if not pick.any() or china.empty:
        return empty
    lines = [
        g
        for g in shapely.get_parts(shapely.line_merge(border.loc[pick].union_all()))
        if g.length > 0
    ]
    line = max(lines, key=lambda g: g.length)
    china = china.union_all()
    side = None
    for distance in (offset_m, -offset_m):
        candidate = line.offset_curve(distance)
        if china.contains(candidate.interpolate(0.5, normalized=True)):
            side = candidate
            break
    if side is None or side.length < length_m / 2:
        return empty
    length = min(length_m, side.length)
    best, best_score = 0.0, -np.inf
    for start in np.arange(0.0, side.length - length + 1.0, 2_000.0):
        pts = [side.interpolate(d) for d in np.linspace(start, start + length, 60)]
        r, c = grid.rowcol([p.x for p in pts], [p.y for p in pts])
        ok = (r >= 0) & (r < grid.height) & (c >= 0) & (c < grid.width)
        score = float(np.mean(forest_frac[r[ok], c[ok]])) if ok.any() else -1.0
        if score > best_score:
            best, best_score = float(start), score
    road = shapely.ops.substring(side, best, best + length)
    road = _meander(shapely.LineString(road.coords), 150, 3000, rng).intersection(china)
    parts = [g for g in shapely.get_parts(road) if g.geom_type == "LineString" and g.length > 0]
    if not parts:
        return empty
    return gpd.GeoDataFrame(
        {
            "highway": ["proposed"] * len(parts),
            "name": ["Proposed border road"] * len(parts),
            "proposed": ["secondary"] * len(parts),
        },
        geometry=parts,
        crs=grid.crs,
    )


# --------------------------------------------------------------------------- land cover
def make_landcover(
    grid: Grid,
    elev: np.ndarray,
    slope: np.ndarray,
    country: np.ndarray,
    codes: dict[int, str],
    d_sea: np.ndarray,
    d_river: np.ndarray,
    d_road: np.ndarray,
    noise: np.ndarray,
    noise2: np.ndarray,
    settlements: gpd.GeoDataFrame,
) -> np.ndarray:
    """ESA WorldCover codes: forest on the uplands, farms and towns in the valleys, sea.

    Cropland takes the flattest, lowest land near rivers and roads, a larger
    share in China and North Korea than in Russia; the rest of the lowlands is
    grass and shrub (burnt meadows, as in south-west Primorye); uplands are
    forest; coastal flats are wetland; towns are built-up discs sized by
    population.
    """
    land = country > 0
    code = {iso: k for k, iso in codes.items()}
    lc = np.full(grid.shape, 80, np.uint8)
    lowness = -elev / 120 - slope / 3 - d_river / 2500 - d_road / 3000 + 0.9 * noise
    crop_share = {"CHN": 0.30, "PRK": 0.45, "RUS": 0.09}
    crop = np.zeros(grid.shape, bool)
    for country_iso, share in crop_share.items():
        m = country == code.get(country_iso, -1)
        if m.any():
            cut = np.quantile(lowness[m], 1 - share)
            crop |= m & (lowness > cut)
    upland = elev / 130 + slope / 6 + 0.8 * noise2 - d_road / 20000
    forest = land & ~crop & (upland > np.where(country == code.get("RUS", -1), 1.0, 1.4))
    open_land = land & ~crop & ~forest
    lc[forest] = 10
    lc[open_land] = np.where(noise2[open_land] > 0.3, 20, 30)
    lc[crop] = 40
    wet = land & (elev < 15) & (slope < 2) & (d_sea < 4000) & ~forest
    lc[wet] = 90
    beach = land & (d_sea <= grid.resolution * 1.5) & (noise > 1.2)
    lc[beach] = 60
    # Towns: discs of radius ~ sqrt(population), ragged by the noise field.
    x, y = grid.xy()
    for p, pop in zip(settlements.geometry, settlements["population"], strict=True):
        radius = float(np.clip(40 * np.sqrt(pop), 150, 4000))
        c0, c1 = np.searchsorted(x, [p.x - 2 * radius, p.x + 2 * radius])
        r0, r1 = np.searchsorted(-y, [-(p.y + 2 * radius), -(p.y - 2 * radius)])
        if r1 <= r0 or c1 <= c0:
            continue
        dx = x[c0:c1][None, :] - p.x
        dy = y[r0:r1][:, None] - p.y
        inside = np.hypot(dx, dy) < radius * (1 + 0.25 * noise[r0:r1, c0:c1])
        inside &= land[r0:r1, c0:c1]
        lc[r0:r1, c0:c1][inside] = 50
    return lc


# --------------------------------------------------------------------------- virtual species
def _response(x: np.ndarray, kind: str, a: float, b: float) -> np.ndarray:
    if kind == "logistic":
        return 1.0 / (1.0 + np.exp(-(x - a) / b))
    if kind == "gaussian":
        return np.exp(-0.5 * ((x - a) / b) ** 2)
    if kind == "decline":
        return 1.0 - a * np.exp(-x / b)
    raise ValueError(f"unknown response {kind!r}")


def truth_covariates(
    landcover: np.ndarray,
    dem: np.ndarray,
    roads: gpd.GeoDataFrame,
    settlements: gpd.GeoDataFrame,
    cutblocks: gpd.GeoDataFrame,
    grid: Grid,
    settings: dict,
) -> dict[str, np.ndarray]:
    """The covariates the workflow computes from the demo files, computed on the demo grid.

    Same functions and settings as the workflow's prepare stage
    (:mod:`amurlink.prepare.covariates`): forest fraction within ``forest_radius_m``,
    elevation, Horn slope, distance to existing roads by group and to settlement
    points, logging recency.
    """
    res = grid.resolution
    out: dict[str, np.ndarray] = {}
    out["forest_fraction"] = cv.class_fraction(
        landcover,
        settings["forest_classes"],
        settings["forest_radius_m"] / res,
        valid=landcover != 0,
    ).astype(np.float32)
    out["elevation"] = dem.astype(np.float32)
    out["slope"] = cv.slope_degrees(dem, res).astype(np.float32)
    existing = roads[roads["highway"] != "proposed"]
    for group, classes in settings["road_classes"].items():
        lines = existing.geometry[existing["highway"].isin(classes)].to_numpy()
        out[f"dist_road_{group}"] = cv.distance_to(rasterize_lines(lines, grid), res).astype(
            np.float32
        )
    xy = shapely.get_coordinates(settlements.geometry.to_numpy())
    out["dist_settlement"] = cv.distance_to(rasterize_points(xy[:, 0], xy[:, 1], grid), res).astype(
        np.float32
    )
    ordered = cutblocks.sort_values("year", kind="stable")
    last_year = _rasterize(
        ordered.geometry.to_numpy(), ordered["year"].to_numpy(), grid, dtype="uint16"
    )
    out["logging_recency"] = cv.logging_recency(last_year, int(settings["reference_year"])).astype(
        np.float32
    )
    return out


def virtual_suitability(covs: dict[str, np.ndarray], niche: dict, land: np.ndarray) -> np.ndarray:
    """Suitability 0–1: product of the niche's response functions (Leroy et al. 2016).

    Rescaled so the best land cell has 1 (virtualspecies' ``rescale = TRUE``).
    """
    suit = np.ones(land.shape, np.float64)
    for name, (kind, a, b) in niche.items():
        suit *= _response(covs[name].astype(np.float64), kind, a, b)
    suit = np.where(land, suit, 0.0)
    top = suit.max()
    return (suit / top if top > 0 else suit).astype(np.float32)


def presence_probability(suitability: np.ndarray, alpha: float, beta: float) -> np.ndarray:
    """virtualspecies' logistic conversion: P = 1 / (1 + exp((s - beta) / alpha)), alpha < 0."""
    return (1.0 / (1.0 + np.exp((suitability.astype(np.float64) - beta) / alpha))).astype(
        np.float32
    )


def make_camera_stations(grid: Grid, landcover, country, codes, d_settle, rng) -> pd.DataFrame:
    """A jittered camera-trap grid: dense (3.5 km) in Land of the Leopard NP, sparser in China."""
    x, y = grid.xy()
    rows = []
    for iso, spacing, box in (
        ("RUS", 3500.0, (130.5, 42.55, 131.55, 43.75)),
        ("CHN", 7000.0, (130.45, 42.75, 131.2, 43.9)),
    ):
        xmin, ymin, xmax, ymax = grid.bounds
        gx = np.arange(xmin + spacing / 2, xmax, spacing)
        gy = np.arange(ymax - spacing / 2, ymin, -spacing)
        px, py = np.meshgrid(gx, gy)
        px = px.ravel() + rng.uniform(-0.3, 0.3, px.size) * spacing
        py = py.ravel() + rng.uniform(-0.3, 0.3, py.size) * spacing
        lon, lat = _to_lonlat(px, py, grid.crs)
        inside = (
            grid.contains(px, py)
            & (lon > box[0])
            & (lon < box[2])
            & (lat > box[1])
            & (lat < box[3])
        )
        r, c = grid.rowcol(px, py)
        r = np.clip(r, 0, grid.height - 1)
        c = np.clip(c, 0, grid.width - 1)
        code = {v: k for k, v in codes.items()}.get(iso, -1)
        keep = (
            inside
            & (country[r, c] == code)
            & np.isin(landcover[r, c], [10, 20, 30])
            & (d_settle[r, c] > 1000)
        )
        prefix = "RU" if iso == "RUS" else "CN"
        for n, k in enumerate(np.flatnonzero(keep), 1):
            start = pd.Timestamp("2014-01-01") + pd.Timedelta(days=int(rng.integers(0, 3100)))
            nights = int(rng.integers(60, 400))
            rows.append(
                {
                    "station": f"{prefix}-{n:03d}",
                    "lon": round(float(lon[k]), 6),
                    "lat": round(float(lat[k]), 6),
                    "trap_nights": nights,
                    "start": start.date().isoformat(),
                    "end": (start + pd.Timedelta(days=nights)).date().isoformat(),
                }
            )
    return pd.DataFrame(rows, columns=["station", "lon", "lat", "trap_nights", "start", "end"])


def _random_dates(rng, n: int, first: str, last: str) -> list[str]:
    a, b = pd.Timestamp(first), pd.Timestamp(last)
    days = rng.integers(0, (b - a).days + 1, size=n)
    return [(a + pd.Timedelta(days=int(d))).date().isoformat() for d in days]


#: Columns of a species' records after ``species`` (the sightings table's layout).
RECORD_COLUMNS = ["lon", "lat", "date", "source", "uncertainty_m", "station"]


def make_sightings(
    key: str,
    spec: dict,
    prob: np.ndarray,
    bias: np.ndarray,
    grid: Grid,
    stations: pd.DataFrame,
    bbox_lonlat: Sequence[float],
    rng,
) -> pd.DataFrame:
    """Records of one virtual species: biased opportunistic records plus camera-trap detections.

    Opportunistic records fall in cells drawn with probability proportional to
    ``bias * prob`` (observers search near roads and tracks and find the animal
    where it is present).  Each camera station detects the species
    Poisson(``prob * trap_nights * rate``) times.  A few records are made dirty
    on purpose (synonyms, imprecise, too old, outside the study area) so the
    workflow's filters have work.  The steps draw from ``rng`` in turn.
    """
    opp = _opportunistic_records(key, spec, prob, bias, grid, rng)
    cams = _camera_records(key, spec, prob, grid, stations, rng)
    df = pd.concat([opp, cams], ignore_index=True)
    df.insert(0, "species", spec["name"])
    _make_dirty(df, len(opp), spec, bbox_lonlat, rng)
    df["lon"] = df["lon"].astype(float).round(6)
    df["lat"] = df["lat"].astype(float).round(6)
    return df


def _opportunistic_records(key: str, spec: dict, prob, bias, grid: Grid, rng) -> pd.DataFrame:
    """Tracks, scat and reports in cells drawn in proportion to ``bias * prob``."""
    n_opp = spec.get("records", OPPORTUNISTIC_RECORDS.get(key, 300))
    weights = (bias * prob).ravel().astype(np.float64)
    weights /= weights.sum()
    cells = rng.choice(weights.size, size=n_opp, p=weights)
    r, c = np.divmod(cells, grid.width)
    cx, cy = grid.cell_centres(r, c)
    res = grid.resolution
    cx = cx + rng.uniform(-0.5, 0.5, n_opp) * res
    cy = cy + rng.uniform(-0.5, 0.5, n_opp) * res
    lon, lat = _to_lonlat(cx, cy, grid.crs)
    source = rng.choice(["tracks", "scat", "report"], size=n_opp, p=[0.45, 0.25, 0.30])
    unc = np.where(
        source == "report",
        rng.uniform(200, 1500, n_opp),
        np.where(source == "tracks", rng.uniform(30, 300, n_opp), rng.uniform(10, 100, n_opp)),
    )
    return pd.DataFrame(
        {
            "lon": lon,
            "lat": lat,
            "date": _random_dates(rng, n_opp, f"{FIRST_YEAR}-01-01", f"{LAST_YEAR}-12-31"),
            "source": source,
            "uncertainty_m": np.round(unc),
            "station": None,
        }
    )


def _camera_records(key: str, spec: dict, prob, grid: Grid, stations, rng) -> pd.DataFrame:
    """Detections at the camera stations: Poisson(``prob * trap_nights * rate``) each."""
    rate = spec.get("detection_rate", DETECTION_RATE.get(key, 0.008))
    sx, sy = _from_lonlat(stations["lon"], stations["lat"], grid.crs)
    sr, sc = grid.rowcol(sx, sy)
    p_station = prob[np.clip(sr, 0, grid.height - 1), np.clip(sc, 0, grid.width - 1)]
    counts = rng.poisson(p_station.astype(np.float64) * stations["trap_nights"].to_numpy() * rate)
    cam_rows = []
    for i, n in enumerate(counts):
        if n == 0:
            continue
        st = stations.iloc[i]
        for d in _random_dates(rng, int(n), st["start"], st["end"]):
            cam_rows.append(
                {
                    "lon": st["lon"],
                    "lat": st["lat"],
                    "date": d,
                    "source": "camera_trap",
                    "uncertainty_m": float(rng.integers(5, 30)),
                    "station": st["station"],
                }
            )
    return pd.DataFrame(cam_rows, columns=RECORD_COLUMNS)


def _make_dirty(df: pd.DataFrame, n_opp: int, spec: dict, bbox_lonlat, rng) -> None:
    """Spoil 2-6 % of the first ``n_opp`` (opportunistic) records each way, in place.

    Synonyms, imprecise reports, records too old and records outside the study area;
    camera rows stay clean.
    """
    n = len(df)
    idx_opp = np.arange(n_opp)
    synonyms = list(spec.get("synonyms") or [])
    if synonyms:
        k = rng.choice(idx_opp, size=max(1, n // 16), replace=False)
        df.loc[k, "species"] = [synonyms[j % len(synonyms)] for j in range(len(k))]
    k = rng.choice(idx_opp, size=max(1, n // 35), replace=False)
    df.loc[k, "uncertainty_m"] = np.round(rng.uniform(2500, 10000, len(k)))
    df.loc[k, "source"] = "report"
    k = rng.choice(idx_opp, size=max(1, n // 40), replace=False)
    df.loc[k, "date"] = _random_dates(rng, len(k), "1988-01-01", "1999-12-31")
    k = rng.choice(idx_opp, size=max(1, n // 50), replace=False)
    lon0, lat0, lon1, lat1 = bbox_lonlat
    side = rng.integers(0, 4, len(k))
    shift = rng.uniform(0.05, 0.4, len(k))
    df.loc[k, "lon"] = np.where(
        side == 0, lon0 - shift, np.where(side == 1, lon1 + shift, df.loc[k, "lon"])
    )
    df.loc[k, "lat"] = np.where(
        side == 2, lat0 - shift, np.where(side == 3, lat1 + shift, df.loc[k, "lat"])
    )


# --------------------------------------------------------------------------- main entry
def _study_bbox_lonlat(config: dict, grid: Grid) -> tuple[float, float, float, float]:
    bbox = config["study_area"].get("bbox_lonlat")
    if bbox:
        return tuple(float(v) for v in bbox)
    from amurlink.core.grid import transform_bounds

    return transform_bounds(grid.crs, "EPSG:4326", grid.bounds)


def generate_demo(config: dict) -> DemoLandscape:
    """Generate the demo region from a (validated) amurlink configuration.

    Pure: returns arrays, GeoDataFrames and DataFrames; :func:`write_demo` writes
    them.  The same config gives identical outputs; ``config['seed']`` changes
    every random step (each step draws from its own generator, :data:`SEED_OFFSETS`).

    Parameters
    ----------
    config : dict
        Uses ``seed``, ``demo.resolution``, ``study_area`` (``crs`` and
        ``bbox_lonlat`` or ``bounds``), ``species`` (``name``, ``synonyms``) and
        ``covariates`` (forest radius, forest classes, road classes, reference year).

    Returns
    -------
    DemoLandscape
    """
    t0 = time.perf_counter()
    seed = int(config.get("seed", 20261124))
    grid = demo_grid(config)
    countries, border = country_layers(grid)
    codes = {i + 1: iso for i, iso in enumerate(countries["iso_a3"])}
    country = _rasterize(countries.geometry.to_numpy(), list(codes), grid)
    relief = _relief(grid, country > 0, countries, border, codes, seed)
    log.info("terrain %.1f s", time.perf_counter() - t0)
    settlements, roads = _settlements_and_roads(relief, codes, seed)
    log.info("roads %.1f s", time.perf_counter() - t0)
    landcover = _landcover(grid, relief, country, codes, roads, settlements, seed)
    log.info("landcover %.1f s", time.perf_counter() - t0)
    roads, cutblocks = _forestry(
        grid, landcover, relief.dem, country, codes, roads, countries, border, seed
    )
    log.info("tracks, logging, proposed road %.1f s", time.perf_counter() - t0)
    species = _virtual_species(
        config, grid, landcover, relief.dem, country, codes, roads, settlements, cutblocks, seed
    )
    log.info("virtual species %.1f s", time.perf_counter() - t0)
    # In the order of DemoLandscape's fields.
    return DemoLandscape(
        grid, landcover, relief.dem, country, codes,
        roads, cutblocks, settlements, countries, border, **species,
    )  # fmt: skip


@dataclass
class _Relief:
    """The terrain on its fixed lattice and the DEM interpolated onto the demo grid."""

    lattice: _Lattice
    tgrid: Grid  # the lattice as a grid
    t_country: np.ndarray  # country index on the lattice
    terrain: dict[str, np.ndarray]  # elevation, d_sea, d_river on the lattice
    dem: np.ndarray  # float32 metres on the demo grid, 0 on the sea


def _relief(grid: Grid, land, countries, border, codes: dict[int, str], seed: int) -> _Relief:
    """Terrain on a fixed 250 m lattice, interpolated to the demo grid (0 off ``land``)."""
    crs = grid.crs
    lattice = _Lattice.covering(grid.bounds, TERRAIN_RESOLUTION, margin=4 * TERRAIN_RESOLUTION)
    tgrid = lattice.grid(crs)
    t_country = _rasterize(countries.geometry.to_numpy(), list(codes), tgrid)
    t_land = t_country > 0
    rivers = _river_lines(border, crs, _rng(seed, "rivers"))
    cn_ru = border[border["countries"] == "CHN-RUS"].geometry
    cn_ru_lines = [g for geom in cn_ru for g in shapely.get_parts(geom)]
    ter = terrain(lattice, crs, t_land, rivers, cn_ru_lines, _rng(seed, "terrain"))
    x, y = grid.xy()
    dem = np.where(
        land, np.clip(_resample(ter["elevation"], lattice, x, y), 1.0, None), 0.0
    ).astype(np.float32)
    return _Relief(lattice, tgrid, t_country, ter, dem)


def _settlements_and_roads(relief: _Relief, codes: dict[int, str], seed: int):
    """Settlements, and the main roads between them routed on a coarse grid along valleys."""
    tgrid, ter = relief.tgrid, relief.terrain
    t_slope = cv.slope_degrees(ter["elevation"], TERRAIN_RESOLUTION)
    settlements = make_settlements(
        tgrid,
        ter["elevation"],
        t_slope,
        ter["d_sea"],
        ter["d_river"],
        relief.t_country,
        codes,
        _rng(seed, "settlements"),
    )
    factor = int(round(ROUTING_RESOLUTION / TERRAIN_RESOLUTION))
    rgrid = tgrid.coarsen(factor)

    def blocks(a: np.ndarray, fill) -> np.ndarray:
        """``a`` padded with ``fill`` to whole blocks, as (rows, factor, cols, factor)."""
        pad = ((0, rgrid.height * factor - a.shape[0]), (0, rgrid.width * factor - a.shape[1]))
        return np.pad(a, pad, constant_values=fill).reshape(
            rgrid.height, factor, rgrid.width, factor
        )

    r_elev = blocks(ter["elevation"], 0.0).mean(axis=(1, 3))
    r_slope = blocks(t_slope, 0.0).mean(axis=(1, 3))
    r_country = blocks(relief.t_country, 0)[:, factor // 2, :, factor // 2]
    router = _Router(rgrid, r_elev, r_slope, r_country, codes)
    return settlements, make_roads(settlements, router)


def _landcover(grid: Grid, relief: _Relief, country, codes, roads, settlements, seed: int):
    """Land cover on the demo grid from the relief, the roads and two noise fields."""
    lattice, ter = relief.lattice, relief.terrain
    x, y = grid.xy()
    lc_rng = _rng(seed, "landcover_noise")
    noise = _resample(fractal_field(lattice, [8e3, 4e3, 2e3, 1e3], 0.6, lc_rng), lattice, x, y)
    noise2 = _resample(fractal_field(lattice, [16e3, 8e3, 4e3, 2e3], 0.7, lc_rng), lattice, x, y)
    slope = cv.slope_degrees(relief.dem, grid.resolution).astype(np.float32)
    d_sea = np.maximum(_resample(ter["d_sea"], lattice, x, y), 0)
    d_river = np.maximum(_resample(ter["d_river"], lattice, x, y), 0)
    t_road = cv.distance_to(
        rasterize_lines(roads.geometry.to_numpy(), relief.tgrid), TERRAIN_RESOLUTION
    )
    d_road = np.maximum(_resample(t_road, lattice, x, y), 0)
    return make_landcover(
        grid,
        relief.dem,
        slope,
        country,
        codes,
        d_sea,
        d_river,
        d_road,
        noise,
        noise2,
        settlements,
    )


def _forestry(grid: Grid, landcover, dem, country, codes, roads, countries, border, seed: int):
    """Tracks and logging in the forest, and the proposed road; the roads get their ids.

    Recent cuts show as shrubland: ``landcover`` is changed in place.
    """
    land = country > 0
    area_km2 = float(land.sum()) * grid.cell_area / 1e6
    tracks = make_tracks(
        roads,
        grid,
        landcover == 10,
        dem,
        country,
        max(4, int(area_km2 / 250)),
        _rng(seed, "tracks"),
    )
    cutblocks = make_cutblocks(tracks, grid, landcover == 10, country, codes, _rng(seed, "logging"))
    recent = cutblocks[cutblocks["year"] >= 2018]
    recent_mask = _rasterize(recent.geometry.to_numpy(), [1] * len(recent), grid).astype(bool)
    landcover[recent_mask & (landcover == 10)] = 20
    roads = pd.concat([roads, tracks], ignore_index=True)
    ff_for_proposal = cv.class_fraction(landcover, [10], 2000 / grid.resolution)
    proposed = make_proposed_road(border, countries, grid, ff_for_proposal, _rng(seed, "proposed"))
    del ff_for_proposal
    roads["proposed"] = None
    roads = gpd.GeoDataFrame(pd.concat([roads, proposed], ignore_index=True), crs=grid.crs)
    roads.insert(0, "road_id", np.arange(1, len(roads) + 1))
    return roads, cutblocks


def _virtual_species(
    config, grid: Grid, landcover, dem, country, codes, roads, settlements, cutblocks, seed: int
) -> dict:
    """Truth and records of the configured species and the target group (DemoLandscape fields)."""
    land = country > 0
    settings = covariate_settings(config)
    covs = truth_covariates(landcover, dem, roads, settlements, cutblocks, grid, settings)
    access = np.minimum.reduce([covs[k] for k in covs if k.startswith("dist_road_")])
    bias = (0.15 + np.exp(-access / 1500.0)).astype(np.float32)
    surveyed = np.isin(country, [k for k, v in codes.items() if v in ("RUS", "CHN")])
    bias[~surveyed] = 0.0
    stations = make_camera_stations(
        grid, landcover, country, codes, covs["dist_settlement"], _rng(seed, "cameras")
    )
    bbox = _study_bbox_lonlat(config, grid)
    suit, prob, sightings = {}, {}, []
    for key, spec in config["species"].items():
        niche = NICHES.get(key, NICHES["tiger"])
        suit[key] = virtual_suitability(covs, niche, land)
        alpha, beta = PRESENCE_LOGISTIC.get(key, PRESENCE_LOGISTIC["tiger"])
        prob[key] = np.where(land, presence_probability(suit[key], alpha, beta), 0).astype(
            np.float32
        )
        rng = _rng(seed, "sightings", _species_offset(key))
        sightings.append(make_sightings(key, spec, prob[key], bias, grid, stations, bbox, rng))
    prey_suitability = virtual_suitability(covs, NICHES["prey"], land)
    prey_prob = np.where(land, presence_probability(prey_suitability, -0.07, 0.3), 0).astype(
        np.float32
    )
    for i, (name, (records, rate)) in enumerate(TARGET_GROUP_SPECIES.items()):
        spec = {"name": name, "records": records, "detection_rate": rate}
        rng = _rng(seed, "sightings", 100_000 + i)
        sightings.append(make_sightings(name, spec, prey_prob, bias, grid, stations, bbox, rng))
    return {
        "sightings": pd.concat(sightings, ignore_index=True),
        "camera_stations": stations,
        "suitability": suit,
        "presence_probability": prob,
        "covariates": covs,
    }


#: Metadata of the truth rasters.
TRUTH_NOTE = "true virtual-species suitability; never read by the workflow"


def write_demo(
    demo: DemoLandscape, config: dict, truth_dir: str | Path = "results/demo/truth"
) -> list[Path]:
    """Write the demo region where ``config['inputs']`` points, and the truth into ``truth_dir``.

    The command's output step (:func:`main`, and the rule's script): every file goes
    through :mod:`amurlink.core.io`.
    """
    inputs = config["inputs"]
    grid = demo.grid
    written = [
        io.write_raster(
            inputs["landcover"],
            demo.landcover,
            grid,
            nodata=0,
            descriptions="landcover",
            units="class",
            categorical=True,
            dtype="uint8",
            colormap={k: v for k, v in cv.WORLDCOVER_COLOURS.items() if k <= 255},
            metadata={"source": "amurlink demo (synthetic)", "classes": "ESA WorldCover"},
        ),
        io.write_raster(
            inputs["dem"],
            demo.dem,
            grid,
            nodata=-9999,
            descriptions="elevation",
            units="m",
            dtype="float32",
            metadata={"source": "amurlink demo (synthetic)"},
        ),
    ]
    written.append(io.write_vector(demo.roads, inputs["roads"], layer="roads"))
    written.append(io.write_vector(demo.logging, inputs["logging"], layer="logging"))
    written.append(io.write_vector(demo.settlements, inputs["settlements"], layer="settlements"))
    written.append(
        io.write_layers({"countries": demo.countries, "border": demo.border}, inputs["countries"])
    )
    written.append(io.write_table(demo.sightings, inputs["sightings"]))
    if inputs.get("camera_stations"):
        written.append(io.write_table(demo.camera_stations, inputs["camera_stations"]))
    truth_dir = Path(truth_dir)
    nodata_land = demo.country == 0
    truth = {  # file suffix: band description, rasters by species, metadata
        "": ("suitability", demo.suitability, {"note": TRUTH_NOTE}),
        "_presence_probability": ("presence_probability", demo.presence_probability, None),
    }
    for key in demo.suitability:
        for suffix, (description, rasters, metadata) in truth.items():
            written.append(
                io.write_raster(
                    truth_dir / f"{key}{suffix}.tif",
                    np.where(nodata_land, -9999, rasters[key]),
                    grid,
                    nodata=-9999,
                    descriptions=description,
                    units="probability 0-1",
                    dtype="float32",
                    metadata=metadata,
                )
            )
    return written


#: The workflow's config schema (absent when the package is installed without the workflow).
CONFIG_SCHEMA = Path(__file__).resolve().parents[2] / "schemas" / "config.schema.yaml"


def main(argv: Sequence[str] | None = None) -> None:
    """Command line: ``amurlink-demo --config config/config.yaml``."""
    parser = argparse.ArgumentParser(prog="amurlink-demo", description=__doc__.split("\n")[0])
    parser.add_argument("--config", default="config/config.yaml", help="workflow config YAML")
    parser.add_argument(
        "--truth-dir", default="results/demo/truth", help="where the truth rasters go"
    )
    parser.add_argument("--seed", type=int, default=None, help="override the config's seed")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    # The schema's defaults filled in, as the Snakefile does.
    config = read_config(args.config, CONFIG_SCHEMA if CONFIG_SCHEMA.exists() else None)
    if args.seed is not None:
        config["seed"] = args.seed
    start = time.perf_counter()
    demo = generate_demo(config)
    paths = write_demo(demo, config, args.truth_dir)
    for p in paths:
        log.info("wrote %s", p)
    log.info("demo region done in %.1f s", time.perf_counter() - start)


if __name__ == "__main__":
    main()
