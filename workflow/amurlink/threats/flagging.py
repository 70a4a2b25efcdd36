"""Threats to the corridors: roads and logging cutblocks inside them, ranked.

A *threat record* is one piece of an existing road inside a corridor (a road is
split where it enters and leaves the corridor, so a road crossing a corridor
twice gives two records) or one logging cutblock overlapping a corridor (its
part inside the corridor).  Roads with ``status == 'proposed'`` are the
scenario, not the baseline: they are kept as records of kind ``proposed_road``
with a score but no ``rank``, so that the baseline ranking never contains a
road that does not exist yet while the scenario's roads can still be compared
with it on the same scale.

Corridors
    The corridor zone is the set of cells of ``corridors.tif`` (the normalised
    least-cost corridor mosaic of Linkage Mapper, McRae & Kavanagh 2011) that
    are not no-data, i.e. within the configured cost width of some least-cost
    path.  The mosaic keeps only the minimum over links, so which link owns a
    cell is not recorded; :func:`corridor_polygons` gives one (multi)polygon per
    8-connected corridor component.  With a pinch-point raster (Pinchpoint
    Mapper, McRae 2012), its cells with current > 0 join the zone, so a road or
    cutblock in a pinch point is flagged too.

Attributes from the connectivity stage
    ``current_mean`` / ``current_factor`` (cumulative current), ``pinchpoint_current``
    (maximum under the threat) and the Barrier Mapper improvement score
    ``barrier_score`` and ``barrier_percent`` (maximum under the threat; McRae et
    al. 2012): NaN where the raster has no value or was not given.

Which link a threat cuts
    A threat *cuts* link L when it intersects L's least-cost path (``crosses_path
    = True``; it may cut several).  A threat that lies in a corridor but crosses
    no least-cost path is attributed to the nearest least-cost path passing
    through the same corridor component (``crosses_path = False``): where
    corridors of several links merge, the nearest path is the best available
    proxy for the link whose corridor the threat sits in.

Score
    ``score = severity × extent × (1 + dPC / 100) × current_factor``

    * ``severity`` — how strongly the feature impedes movement or removes
      cover.  Roads: ``threats.road_weight[highway]`` (traffic decreases from
      motorway to path; Wang et al. 2018 and Hebblewhite et al. 2014 find Amur
      tigers and leopards avoid major roads most); classes missing from the
      table get the smallest configured weight.  Proposed roads: the class
      weight times ``road_weight['proposed']`` (1 = assume it is built as
      planned).  Logging: ``0.5 ** (age / logging_halflife_years)`` with
      ``age = max(reference_year - year, 0)``: a fresh cut counts fully and the
      effect halves every half-life as the forest regrows.
    * ``extent`` — how much of the corridor it occupies: road length inside the
      corridor in km, cutblock area inside the corridor in km².  (A 1 km road
      and a 1 km² cut get the same extent; a cut of 1 km² removes cover over
      roughly a kilometre of corridor width.)
    * ``1 + dPC / 100`` — importance of the link cut (dPC: per cent loss of the
      probability of connectivity if the link is removed, Saura & Rubio 2010);
      the largest dPC of the links cut; 0 when unknown.  The factor lies in
      [1, 2], so link importance can at most double a score: dPC depends on the
      dispersal assumption and should not swamp what is on the ground.
    * ``current_factor`` — where movement concentrates: the mean cumulative
      current (McRae et al. 2008) under the threat divided by the mean current
      over all corridor cells (1 = a typical corridor cell; pinch points > 1);
      1 when no current raster is given or no current cell lies under it.

``rank`` orders the baseline threats (kinds ``road`` and ``logging``) by
descending score, ties broken by ``threat_id``.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from affine import Affine
from rasterio import features

from amurlink.connectivity.corridors import corridor_polygons
from amurlink.core.grid import Grid

log = logging.getLogger(__name__)

#: Defaults of the ``threats`` config section (the schema holds the same).
DEFAULT_CONFIG: dict = {
    "road_weight": {
        "motorway": 1.0,
        "trunk": 1.0,
        "primary": 1.0,
        "secondary": 0.7,
        "tertiary": 0.4,
        "unclassified": 0.3,
        "residential": 0.3,
        "track": 0.15,
        "path": 0.05,
        "proposed": 1.0,
    },
    "logging_halflife_years": 10,
    "top_n": 10,
}

BASELINE_KINDS = ("road", "logging")

#: Columns of a threat table, in order.
THREAT_COLUMNS = [
    "threat_id",
    "kind",
    "source_id",
    "highway",
    "road_group",
    "year",
    "age_years",
    "country",
    "link_ids",
    "n_links",
    "crosses_path",
    "dPC",
    "cross_border",
    "current_mean",
    "current_factor",
    "cwd_above_lcp",
    "pinchpoint_current",
    "barrier_score",
    "barrier_percent",
    "position_along_link",
    "length_m",
    "area_ha",
    "extent",
    "severity",
    "link_factor",
    "score",
    "rank",
    "geometry",
]


# ------------------------------------------------------------- zonal values
def zonal_stat(
    geoms,
    values: np.ndarray,
    grid: Grid,
    stat: str = "mean",
    nodata: float | None = -9999.0,
) -> np.ndarray:
    """``stat`` (mean, min, max) of raster ``values`` under each geometry.

    Cells touched by a geometry count (``all_touched``), so a line gets every
    cell it passes through.  Masked, NaN and ``nodata`` cells are ignored; a
    geometry with no valid cell under it gets NaN.
    """
    reducer = {"mean": np.mean, "min": np.min, "max": np.max}[stat]
    data = np.ma.filled(np.ma.asarray(values, dtype=np.float64), np.nan)
    if nodata is not None:
        data = np.where(data == nodata, np.nan, data)
    out = np.full(len(geoms), np.nan)
    for i, geom in enumerate(geoms):
        if geom is None or geom.is_empty:
            continue
        xmin, ymin, xmax, ymax = geom.bounds
        # cells spanned by the bounds, padded by one so edges still touch their cells
        rows, cols = grid.rowcol([xmin, xmax], [ymax, ymin])
        r0, r1 = max(int(rows.min()) - 1, 0), min(int(rows.max()) + 2, grid.height)
        c0, c1 = max(int(cols.min()) - 1, 0), min(int(cols.max()) + 2, grid.width)
        if r1 <= r0 or c1 <= c0:
            continue  # entirely off the grid
        h, w = r1 - r0, c1 - c0
        hit = features.geometry_mask(
            [geom],
            out_shape=(h, w),
            transform=grid.transform @ Affine.translation(c0, r0),
            all_touched=True,
            invert=True,
        )
        cells = data[r0 : r0 + h, c0 : c0 + w][hit]
        cells = cells[np.isfinite(cells)]
        if cells.size:
            out[i] = reducer(cells)
    return out


# ------------------------------------------------------------------ threats
def _config(config: Mapping | None) -> dict:
    cfg = {**DEFAULT_CONFIG, **dict(config or {})}
    cfg["road_weight"] = dict(cfg.get("road_weight") or DEFAULT_CONFIG["road_weight"])
    return cfg


def _road_pieces(roads: gpd.GeoDataFrame, zone) -> gpd.GeoDataFrame:
    """Road pieces inside ``zone``: one row per connected piece (LineString)."""
    cols = ["source_id", "highway", "road_group", "status", "geometry"]
    if roads is None or roads.empty:
        return gpd.GeoDataFrame(columns=cols, geometry="geometry")
    geoms = roads.geometry.values
    touches = shapely.intersects(geoms, zone)
    cand = roads[touches]
    inside = shapely.line_merge(shapely.intersection(cand.geometry.values, zone), directed=False)
    source_id = cand["road_id"] if "road_id" in cand else pd.Series(cand.index, index=cand.index)
    pieces = gpd.GeoDataFrame(
        {
            "source_id": source_id.to_numpy(),
            "highway": cand["highway"].astype(str).to_numpy(),
            "road_group": (cand["group"] if "group" in cand else pd.Series("", index=cand.index))
            .astype(str)
            .to_numpy(),
            "status": (
                cand["status"] if "status" in cand else pd.Series("existing", index=cand.index)
            )
            .astype(str)
            .to_numpy(),
        },
        geometry=inside,
        crs=roads.crs,
    )
    pieces = pieces.explode(index_parts=False)
    # a road running along the corridor edge can leave points; keep real lines
    pieces = pieces[(pieces.geom_type == "LineString") & (pieces.length > 0)]
    return pieces.reset_index(drop=True)[cols]


def _logging_pieces(logging_blocks: gpd.GeoDataFrame, zone) -> gpd.GeoDataFrame:
    """Cutblocks overlapping ``zone``: one row per block, geometry = part inside."""
    cols = ["source_id", "year", "geometry"]
    if logging_blocks is None or logging_blocks.empty:
        return gpd.GeoDataFrame(columns=cols, geometry="geometry")
    touches = shapely.intersects(logging_blocks.geometry.values, zone)
    cand = logging_blocks[touches]
    inside = shapely.intersection(cand.geometry.values, zone)
    # drop slivers: lines and points where a block only touches the corridor edge
    polys = [
        shapely.union_all([p for p in shapely.get_parts(g) if p.geom_type == "Polygon"])
        if not g.is_empty
        else g
        for g in inside
    ]
    source_id = cand["block_id"] if "block_id" in cand else pd.Series(cand.index, index=cand.index)
    pieces = gpd.GeoDataFrame(
        {
            "source_id": source_id.to_numpy(),
            "year": pd.to_numeric(cand["year"], errors="coerce").to_numpy(),
        },
        geometry=polys,
        crs=logging_blocks.crs,
    )
    pieces = pieces[~pieces.is_empty & (pieces.area > 0)]
    return pieces.reset_index(drop=True)[cols]


def _attribute_links(
    geoms: np.ndarray, links: gpd.GeoDataFrame, corridors: gpd.GeoDataFrame
) -> tuple[list[list[int]], np.ndarray]:
    """Indices (into ``links``) of the links each geometry cuts, and whether it crosses a path."""
    n = len(geoms)
    cut: list[list[int]] = [[] for _ in range(n)]
    crosses = np.zeros(n, bool)
    if links is None or links.empty or n == 0:
        return cut, crosses
    lcp = links.geometry.values
    tree = shapely.STRtree(lcp)
    gi, li = tree.query(geoms, predicate="intersects")
    for g, lnk in zip(gi, li, strict=True):
        cut[g].append(int(lnk))
        crosses[g] = True
    missing = np.flatnonzero(~crosses)
    if missing.size == 0:
        return cut, crosses
    comps = corridors.geometry.values
    comp_tree = shapely.STRtree(comps)
    ci, cl = comp_tree.query(lcp, predicate="intersects")
    links_in_comp: dict[int, list[int]] = {}
    for lnk, c in zip(ci, cl, strict=True):
        links_in_comp.setdefault(int(c), []).append(int(lnk))
    points = shapely.point_on_surface(geoms[missing])
    pi, pc = comp_tree.query(points, predicate="intersects")
    comp_of = dict(zip(pi.tolist(), pc.tolist(), strict=True))
    for k, g in enumerate(missing):
        candidates = links_in_comp.get(comp_of.get(k, -1)) or list(range(len(lcp)))
        dist = shapely.distance(geoms[g], lcp[candidates])
        cut[g].append(candidates[int(np.argmin(dist))])
    return cut, crosses


def _majority_country(geoms: np.ndarray, countries: gpd.GeoDataFrame) -> np.ndarray:
    """ISO code of the country holding the largest part (length or area) of each geometry."""
    out = np.full(len(geoms), "", dtype=object)
    if countries is None or countries.empty or len(geoms) == 0:
        return out
    cgeoms = countries.geometry.values
    iso = countries["iso_a3"].astype(str).to_numpy()
    gi, ci = shapely.STRtree(cgeoms).query(geoms, predicate="intersects")
    if gi.size == 0:
        return out
    parts = shapely.intersection(geoms[gi], cgeoms[ci])
    measure = np.where(shapely.area(parts) > 0, shapely.area(parts), shapely.length(parts))
    table = pd.DataFrame({"g": gi, "iso": iso[ci], "m": measure})
    best = table.sort_values(["g", "m", "iso"], ascending=[True, False, True]).drop_duplicates("g")
    out[best["g"].to_numpy()] = best["iso"].to_numpy()
    return out


def _empty_threats(crs) -> gpd.GeoDataFrame:
    frame = gpd.GeoDataFrame(columns=THREAT_COLUMNS, geometry="geometry", crs=crs)
    return frame.astype({"rank": "Int64", "score": float})


def road_severity(highway, status, road_weight: Mapping[str, float]) -> np.ndarray:
    """Severity of roads by OSM class (unknown classes: the smallest configured weight)."""
    weights = {k: float(v) for k, v in road_weight.items()}
    fallback = min(weights.values()) if weights else 1.0
    highway = np.asarray(highway, dtype=object)
    status = np.asarray(status, dtype=object)
    unknown = sorted({h for h in highway if h not in weights})
    if unknown:
        log.warning("road classes %s not in threats.road_weight; weight %s used", unknown, fallback)
    sev = np.array([weights.get(h, fallback) for h in highway], dtype=float)
    return np.where(status == "proposed", sev * weights.get("proposed", 1.0), sev)


def logging_severity(
    year, reference_year: int, halflife_years: float
) -> tuple[np.ndarray, np.ndarray]:
    """``0.5 ** (age / halflife)`` and the age in years (never negative)."""
    age = np.maximum(reference_year - np.asarray(year, dtype=float), 0.0)
    return 0.5 ** (age / float(halflife_years)), age


def flag_threats(
    roads: gpd.GeoDataFrame | None,
    logging_blocks: gpd.GeoDataFrame | None,
    corridors: gpd.GeoDataFrame,
    links: gpd.GeoDataFrame | None,
    countries: gpd.GeoDataFrame | None,
    *,
    current: np.ndarray | None = None,
    corridor_cost: np.ndarray | None = None,
    grid: Grid | None = None,
    config: Mapping | None = None,
    reference_year: int = 2025,
    pinchpoints: np.ndarray | None = None,
    barrier_score: np.ndarray | None = None,
    barrier_percent: np.ndarray | None = None,
) -> gpd.GeoDataFrame:
    """Find and score every road piece and cutblock inside a corridor.

    See the module docstring for the definitions of records, link attribution
    and the score.

    Parameters
    ----------
    roads : GeoDataFrame
        Lines with ``highway`` and optionally ``road_id``, ``group``, ``status``.
    logging_blocks : GeoDataFrame
        Polygons with ``year`` and optionally ``block_id``.
    corridors : GeoDataFrame
        Corridor polygons (:func:`corridor_polygons`).
    links : GeoDataFrame
        Least-cost paths with ``link_id``; ``dPC`` and ``crosses_border`` used
        when present.
    countries : GeoDataFrame
        Country polygons with ``iso_a3``.
    current : ndarray, optional
        Cumulative current on ``grid`` (no-data masked, NaN or -9999).
    corridor_cost : ndarray, optional
        The NLCC mosaic on ``grid``, for ``cwd_above_lcp`` (minimum cost above
        the least-cost path under the threat; 0 = on the path).
    grid : Grid, optional
        Needed with ``current`` or ``corridor_cost``.
    config : mapping, optional
        The ``threats`` config section (``road_weight``, ``logging_halflife_years``).
    reference_year : int
        Year from which cutblock age is counted (config covariates.reference_year).
    pinchpoints : ndarray, optional
        Pinch-point current on ``grid`` (Pinchpoint Mapper, McRae 2012): cells
        with a finite current > 0 are pinch-point cells and, with the corridor
        cells, make the zone in which threats are flagged.  ``pinchpoint_current``
        is its maximum under the threat (NaN where none).
    barrier_score, barrier_percent : ndarray, optional
        Barrier Mapper improvement score (least-cost distance saved per metre
        restored) and per cent of the link's LCD (McRae et al. 2012); their
        maximum under the threat is recorded (NaN where none or not given).

    Returns
    -------
    GeoDataFrame
        Columns :data:`THREAT_COLUMNS`, sorted by rank (baseline) then score
        (proposed roads); ``length_m`` for roads and ``area_ha`` for cutblocks
        are measured inside the corridor.

    Over 80 lines only for this docstring; the body (about 21 lines) calls one helper per step.
    """
    cfg = _config(config)
    crs = corridors.crs
    rasters = (current, corridor_cost, pinchpoints, barrier_score, barrier_percent)
    if any(r is not None for r in rasters) and grid is None:
        raise ValueError("flag_threats: `grid` is required with a raster argument")
    zone = _threat_zone(corridors, pinchpoints, grid)
    if zone is None:
        return _empty_threats(crs)
    threats = _threat_records(roads, logging_blocks, zone, crs)
    if threats is None:
        return _empty_threats(crs)
    geoms = threats.geometry.values
    is_road = threats["kind"].isin(["road", "proposed_road"]).to_numpy()
    _add_extent_and_severity(threats, is_road, cfg, reference_year)
    _add_links_cut(threats, links, corridors)
    threats["country"] = _majority_country(geoms, countries)
    _add_raster_values(
        threats, zone, grid, current=current, corridor_cost=corridor_cost,
        pinchpoints=pinchpoints, barrier_score=barrier_score, barrier_percent=barrier_percent,
    )  # fmt: skip
    return _score_and_rank(threats, crs)


def _threat_zone(corridors: gpd.GeoDataFrame, pinchpoints: np.ndarray | None, grid: Grid | None):
    """The (prepared) zone threats are flagged in: corridors plus pinch-point cells; None if empty."""
    pinch_zone = None
    if pinchpoints is not None:
        pinch = np.ma.filled(np.ma.asarray(pinchpoints, dtype=np.float64), np.nan)
        pinch_cells = np.isfinite(pinch) & (pinch > 0) & (pinch != -9999.0)
        if pinch_cells.any():
            pinch_zone = corridor_polygons(np.where(pinch_cells, 1.0, np.nan), grid, nodata=None)
    if corridors.empty and pinch_zone is None:
        return None
    zone = shapely.union_all(
        [*corridors.geometry.values, *([] if pinch_zone is None else pinch_zone.geometry.values)]
    )
    shapely.prepare(zone)
    return zone


def _threat_records(roads, logging_blocks, zone, crs) -> gpd.GeoDataFrame | None:
    """Road pieces and cutblock parts inside ``zone``, with their ``kind``; None when there are none."""
    road_parts = _road_pieces(roads, zone)
    road_parts["kind"] = np.where(road_parts["status"] == "proposed", "proposed_road", "road")
    block_parts = _logging_pieces(logging_blocks, zone)
    block_parts["kind"] = "logging"
    frames = [f for f in (road_parts, block_parts) if not f.empty]
    if not frames:
        return None
    threats = gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), geometry="geometry", crs=crs)
    for col in ("highway", "road_group", "status"):
        threats[col] = threats[col].fillna("") if col in threats else ""
    if "year" not in threats:
        threats["year"] = np.nan
    return threats


def _add_extent_and_severity(
    threats: gpd.GeoDataFrame, is_road: np.ndarray, cfg: Mapping, reference_year: int
) -> None:
    """``length_m``, ``area_ha`` and ``extent`` inside the corridor; ``severity``, ``age_years``."""
    geoms = threats.geometry.values
    threats["length_m"] = np.where(is_road, shapely.length(geoms), np.nan)
    threats["area_ha"] = np.where(is_road, np.nan, shapely.area(geoms) / 1e4)
    threats["extent"] = np.where(is_road, threats["length_m"] / 1e3, threats["area_ha"] / 100)
    sev = np.ones(len(threats))
    if is_road.any():
        sev[is_road] = road_severity(
            threats.loc[is_road, "highway"], threats.loc[is_road, "status"], cfg["road_weight"]
        )
    threats["age_years"] = np.nan
    if (~is_road).any():
        s, age = logging_severity(
            threats.loc[~is_road, "year"], reference_year, cfg["logging_halflife_years"]
        )
        sev[~is_road] = s
        threats.loc[~is_road, "age_years"] = age
    threats["severity"] = sev


def _add_links_cut(
    threats: gpd.GeoDataFrame, links: gpd.GeoDataFrame | None, corridors: gpd.GeoDataFrame
) -> None:
    """The links each threat cuts and what follows from them: dPC, border, position, link factor."""
    geoms = threats.geometry.values
    cut, crosses = _attribute_links(geoms, links, corridors)
    threats["crosses_path"] = crosses
    threats["n_links"] = [len(c) for c in cut]
    if links is not None and not links.empty:
        link_id = links["link_id"].to_numpy() if "link_id" in links else np.arange(len(links)) + 1
        dpc = (
            pd.to_numeric(links["dPC"], errors="coerce").to_numpy(float)
            if "dPC" in links
            else np.full(len(links), np.nan)
        )
        border = (
            links["crosses_border"].fillna(False).astype(bool).to_numpy()
            if "crosses_border" in links
            else np.zeros(len(links), bool)
        )
        lcp = links.geometry.values
    else:
        link_id, dpc, border, lcp = np.array([]), np.array([]), np.array([], bool), np.array([])
    threats["link_ids"] = [",".join(str(link_id[k]) for k in sorted(c)) for c in cut]
    threats["dPC"] = [
        float(np.nanmax(dpc[c])) if c and np.isfinite(dpc[c]).any() else np.nan for c in cut
    ]
    threats["cross_border"] = [bool(border[c].any()) if c else False for c in cut]
    # Position along the most important link cut: 0 at its from_core end, 1 at to_core.
    position = np.full(len(threats), np.nan)
    for i, c in enumerate(cut):
        if c:
            primary = max(c, key=lambda k: (np.nan_to_num(dpc[k], nan=-np.inf), -k))
            where = shapely.point_on_surface(geoms[i])
            if lcp[primary].length > 0:
                position[i] = lcp[primary].project(where, normalized=True)
    threats["position_along_link"] = position
    threats["link_factor"] = 1.0 + np.nan_to_num(threats["dPC"].to_numpy(float), nan=0.0) / 100.0


def _add_raster_values(
    threats: gpd.GeoDataFrame,
    zone,
    grid: Grid | None,
    *,
    current: np.ndarray | None,
    corridor_cost: np.ndarray | None,
    pinchpoints: np.ndarray | None,
    barrier_score: np.ndarray | None,
    barrier_percent: np.ndarray | None,
) -> None:
    """Current (mean and factor), cost above the path, pinch-point and barrier maxima under each threat."""
    geoms = threats.geometry.values
    threats["current_mean"] = np.nan
    threats["current_factor"] = 1.0
    if current is not None:
        cur = zonal_stat(geoms, current, grid, "mean")
        ref_mask = features.geometry_mask(
            [zone], out_shape=grid.shape, transform=grid.transform, invert=True
        )
        cur_data = np.ma.filled(np.ma.asarray(current, dtype=np.float64), np.nan)
        cur_data = np.where(cur_data == -9999.0, np.nan, cur_data)
        ref = cur_data[ref_mask]
        ref = ref[np.isfinite(ref)]
        ref_mean = float(ref.mean()) if ref.size else np.nan
        threats["current_mean"] = cur
        if np.isfinite(ref_mean) and ref_mean > 0:
            factor = cur / ref_mean
            threats["current_factor"] = np.where(np.isfinite(factor), factor, 1.0)
    threats["cwd_above_lcp"] = (
        zonal_stat(geoms, corridor_cost, grid, "min") if corridor_cost is not None else np.nan
    )
    for col, values in (
        ("pinchpoint_current", pinchpoints),
        ("barrier_score", barrier_score),
        ("barrier_percent", barrier_percent),
    ):
        threats[col] = zonal_stat(geoms, values, grid, "max") if values is not None else np.nan


def _score_and_rank(threats: gpd.GeoDataFrame, crs) -> gpd.GeoDataFrame:
    """Score, ``threat_id`` and baseline ``rank``; the table in :data:`THREAT_COLUMNS` order."""
    threats["score"] = (
        threats["severity"] * threats["extent"] * threats["link_factor"] * threats["current_factor"]
    )
    baseline = threats["kind"].isin(BASELINE_KINDS).to_numpy()
    threats["_order"] = np.where(baseline, 0, 1)
    threats["_key"] = [
        f"{k}:{s}:{i:06d}"
        for i, (k, s) in enumerate(zip(threats["kind"], threats["source_id"], strict=True))
    ]
    threats = threats.sort_values(["_order", "score", "_key"], ascending=[True, False, True])
    threats["threat_id"] = np.arange(1, len(threats) + 1)
    rank = pd.Series(pd.NA, index=threats.index, dtype="Int64")
    n_base = int(baseline.sum())
    rank.iloc[:n_base] = np.arange(1, n_base + 1)
    threats["rank"] = rank
    threats["source_id"] = pd.to_numeric(threats["source_id"], errors="coerce").astype("Int64")
    threats["year"] = pd.to_numeric(threats["year"], errors="coerce").astype("Int64")
    return gpd.GeoDataFrame(
        threats[THREAT_COLUMNS].reset_index(drop=True), geometry="geometry", crs=crs
    )


def threats_table(threats: gpd.GeoDataFrame) -> pd.DataFrame:
    """The threat table without geometry, with a representative point ``x``, ``y``."""
    table = pd.DataFrame(threats.drop(columns="geometry"))
    pts = shapely.point_on_surface(threats.geometry.values) if len(threats) else []
    table["x"] = shapely.get_x(pts) if len(threats) else []
    table["y"] = shapely.get_y(pts) if len(threats) else []
    return table


def summarise_threats(threats: pd.DataFrame) -> pd.DataFrame:
    """Totals per country and kind.

    Returns
    -------
    DataFrame
        ``country``, ``kind``, ``n_threats``, ``length_km`` (roads), ``area_ha``
        (cutblocks), ``score_sum``, ``score_max``, ``n_cross_border``,
        ``links_cut`` (comma-joined link ids), ``top_threat_id`` (highest score).
    """
    columns = [
        "country",
        "kind",
        "n_threats",
        "length_km",
        "area_ha",
        "score_sum",
        "score_max",
        "n_cross_border",
        "links_cut",
        "top_threat_id",
    ]
    if len(threats) == 0:
        return pd.DataFrame(columns=columns)
    rows = []
    for (country, kind), grp in threats.groupby(["country", "kind"], sort=True, dropna=False):
        links = sorted(
            {int(x) for s in grp["link_ids"] for x in str(s).split(",") if x.strip()},
        )
        top = grp.sort_values(["score", "threat_id"], ascending=[False, True]).iloc[0]
        rows.append(
            {
                "country": country,
                "kind": kind,
                "n_threats": len(grp),
                "length_km": float(np.nansum(grp["length_m"].astype(float))) / 1e3,
                "area_ha": float(np.nansum(grp["area_ha"].astype(float))),
                "score_sum": float(grp["score"].sum()),
                "score_max": float(grp["score"].max()),
                "n_cross_border": int(grp["cross_border"].astype(bool).sum()),
                "links_cut": ",".join(map(str, links)),
                "top_threat_id": int(top["threat_id"]),
            }
        )
    return pd.DataFrame(rows, columns=columns)


def summarise_with_totals(threats: pd.DataFrame, species: str) -> pd.DataFrame:
    """:func:`summarise_threats` per country plus ``country='all'`` rows per kind, with ``species``."""
    per_country = summarise_threats(threats)
    if len(threats):
        totals = summarise_threats(threats.assign(country="all"))
        per_country = pd.concat([per_country, totals], ignore_index=True)
    per_country.insert(0, "species", species)
    return per_country


CROSS_BORDER_COLUMNS = [
    "link_id",
    "from_core",
    "to_core",
    "dPC",
    "effective_resistance",
    "cwd",
    "n_threats",
    "threats_by_country",
    "threat_ids",
    "score_sum",
    "top_threat_id",
    "top_threat_kind",
    "top_threat_country",
    "n_proposed_road",
]


def cross_border_report(
    threats: pd.DataFrame, links: pd.DataFrame
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Links that cross the border and the threats on them, reported on their own.

    A cross-border link needs both countries to act, so it is listed even
    when no threat lies on it.

    Parameters
    ----------
    threats : DataFrame
        Threat records (:func:`flag_threats`): ``link_ids``, ``country``, ``score``.
    links : DataFrame
        Links with ``link_id``, ``from_core``, ``to_core``, ``crosses_border``;
        ``dPC``, ``effective_resistance``, ``cwd`` carried when present.

    Returns
    -------
    links_table : DataFrame
        One row per cross-border link, columns :data:`CROSS_BORDER_COLUMNS`,
        most important (dPC) first; ``threats_by_country`` reads ``CHN:2;RUS:1``.
        Counts, score and top threat are of existing roads and cutblocks;
        ``n_proposed_road`` counts the proposed-road pieces on the link.
    threats_table : DataFrame
        The threat records cutting at least one cross-border link (baseline
        kinds and proposed roads), with a ``cross_border_link_ids`` column.
    """
    links = pd.DataFrame(links)
    if "crosses_border" not in links or links.empty:
        return pd.DataFrame(columns=CROSS_BORDER_COLUMNS), pd.DataFrame(
            columns=[c for c in THREAT_COLUMNS if c != "geometry"]
        )
    if len(threats) == 0:  # no threat at all: an empty table with the usual columns
        threats = pd.DataFrame(columns=[c for c in THREAT_COLUMNS if c != "geometry"])
    cross = links[links["crosses_border"].fillna(False).astype(bool)].copy()
    cross_ids = {int(i) for i in cross["link_id"]}
    ids_of = [
        sorted({int(x) for x in str(s).split(",") if x.strip()} & cross_ids)
        for s in threats["link_ids"]
    ] if len(threats) else []  # fmt: skip
    on_cross = pd.DataFrame(threats).copy()
    on_cross["cross_border_link_ids"] = [",".join(map(str, i)) for i in ids_of]
    on_cross = on_cross[[bool(i) for i in ids_of]] if len(threats) else on_cross
    on_cross = on_cross.drop(columns="geometry", errors="ignore")
    rows = []
    for link in cross.itertuples(index=False):
        lid = int(link.link_id)
        on_link = on_cross[
            np.array([str(lid) in s.split(",") for s in on_cross["cross_border_link_ids"]], bool)
        ]
        # counts and the top threat are of what exists; proposed roads are counted apart
        proposed = on_link[~on_link["kind"].isin(BASELINE_KINDS)] if len(on_link) else on_link
        mine = on_link[on_link["kind"].isin(BASELINE_KINDS)] if len(on_link) else on_link
        mine = mine.sort_values(["score", "threat_id"], ascending=[False, True])
        by_country = mine.groupby("country").size() if len(mine) else pd.Series(dtype=int)
        top = mine.iloc[0] if len(mine) else None
        rows.append(
            {
                "link_id": lid,
                "from_core": int(link.from_core),
                "to_core": int(link.to_core),
                "dPC": float(getattr(link, "dPC", np.nan)),
                "effective_resistance": float(getattr(link, "effective_resistance", np.nan)),
                "cwd": float(getattr(link, "cwd", np.nan)),
                "n_threats": len(mine),
                "threats_by_country": ";".join(f"{c}:{n}" for c, n in by_country.items()),
                "threat_ids": ",".join(str(int(i)) for i in mine["threat_id"]),
                "score_sum": float(mine["score"].sum()) if len(mine) else 0.0,
                "top_threat_id": int(top["threat_id"]) if top is not None else pd.NA,
                "top_threat_kind": top["kind"] if top is not None else "",
                "top_threat_country": top["country"] if top is not None else "",
                "n_proposed_road": len(proposed),
            }
        )
    table = pd.DataFrame(rows, columns=CROSS_BORDER_COLUMNS)
    table["top_threat_id"] = pd.to_numeric(table["top_threat_id"]).astype("Int64")
    table = table.sort_values(["dPC", "link_id"], ascending=[False, True], na_position="last")
    return table.reset_index(drop=True), on_cross.reset_index(drop=True)


@dataclass
class ThreatReport:
    """The threats stage's products for one species (:func:`threat_report`)."""

    #: Threat records with geometry (:func:`flag_threats`).
    threats: gpd.GeoDataFrame
    #: The records without geometry, with a representative point (:func:`threats_table`).
    table: pd.DataFrame
    #: Totals per country and kind, and over all countries (:func:`summarise_with_totals`).
    summary: pd.DataFrame
    #: Cross-border links and the threats on them (:func:`cross_border_report`).
    cross_border_links: pd.DataFrame
    cross_border_threats: pd.DataFrame


def threat_report(
    roads: gpd.GeoDataFrame | None,
    logging_blocks: gpd.GeoDataFrame | None,
    corridors: gpd.GeoDataFrame,
    links: gpd.GeoDataFrame,
    countries: gpd.GeoDataFrame | None,
    *,
    species: str,
    **options,
) -> ThreatReport:
    """Flag and rank the threats of one species and build its tables.

    Parameters
    ----------
    roads, logging_blocks, corridors, links, countries
        As for :func:`flag_threats`.
    species : str
        Species key written into the summary.
    **options
        Keyword arguments of :func:`flag_threats` (rasters, ``grid``, ``config``,
        ``reference_year``).
    """
    threats = flag_threats(roads, logging_blocks, corridors, links, countries, **options)
    table = threats_table(threats)
    cross_links, cross_threats = cross_border_report(table, links)
    return ThreatReport(
        threats=threats,
        table=table,
        summary=summarise_with_totals(threats, species),
        cross_border_links=cross_links,
        cross_border_threats=cross_threats,
    )
