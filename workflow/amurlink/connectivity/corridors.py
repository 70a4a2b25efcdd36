"""Least-cost corridors between cores, as Linkage Mapper builds them.

For each core the cost-weighted distance (CWD) to every cell is computed over
the resistance surface (scikit-image ``MCP_Geometric``: moving between
neighbouring cells costs the mean of their resistances × the step length in
metres, diagonal steps √2 longer — the convention of ArcGIS Cost Distance that
Linkage Mapper uses).  Which cores to link follows Linkage Mapper's
cost-distance adjacency: every cell is allocated to the core it is cheapest to
reach, and two cores are candidates when their allocation zones share an edge;
candidates whose least-cost distance (LCD) exceeds a cut-off are dropped.  For
each link the least-cost path (LCP) is traced back from the cell of core B
nearest (in cost) to A, and the normalised least-cost corridor

.. math:: \\mathrm{NLCC}_{AB} = \\mathrm{CWD}_A + \\mathrm{CWD}_B - \\mathrm{LCD}_{AB}

is 0 along the LCP and grows with the extra cost of a detour.  The corridors
of all links are mosaicked by their minimum and cut at a width (cost) threshold.
The later stages read the mosaic as a mask of corridor cells or as one polygon
per corridor (:func:`corridor_mask`, :func:`corridor_polygons`).

Cost units throughout are resistance × metres: 1000 units are one kilometre of
the best habitat (resistance 1).

References
----------
McRae, B. H. & Kavanagh, D. M. (2011). *Linkage Mapper Connectivity Analysis
Software*. The Nature Conservancy, Seattle WA.

Adriaensen, F. et al. (2003). The application of 'least-cost' modelling as a
functional landscape model. *Landscape and Urban Planning* 64, 233–247.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterable, Iterator, Mapping, MutableMapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from skimage.graph import MCP_Geometric

from amurlink.connectivity.progress import Progress
from amurlink.core.grid import Grid

if TYPE_CHECKING:
    import geopandas as gpd

log = logging.getLogger(__name__)

#: Link table columns, in order (geometry aside).
LINK_COLUMNS = [
    "link_id",
    "from_core",
    "to_core",
    "euclid_km",
    "cwd",
    "lcp_length_km",
    "cwd_to_euclid",
    "cwd_to_path",
    "crosses_border",
    "cores_crossed",
]


def cost_distance(
    resistance: np.ndarray,
    sources: np.ndarray,
    resolution: float,
    *,
    neighbours: int = 8,
    targets: np.ndarray | None = None,
) -> tuple[np.ndarray, MCP_Geometric]:
    """Cost-weighted distance from the ``sources`` cells to every cell.

    Parameters
    ----------
    resistance : numpy.ndarray
        Resistance ≥ 1; NaN (or inf, or ≤ 0) cells are impassable.
    sources : numpy.ndarray
        Boolean mask of source cells (CWD 0), e.g. one core.
    resolution : float
        Cell size in metres; steps cost mean resistance × metres.
    neighbours : {4, 8}
        Rook or queen moves.
    targets : numpy.ndarray, optional
        Boolean mask: stop once the first of these cells is settled; cells
        further than it are then not final (see :func:`least_cost_distance`).

    Returns
    -------
    cwd : numpy.ndarray
        float64 CWD, ``inf`` where unreachable.
    mcp : skimage.graph.MCP_Geometric
        The solved graph, for :meth:`~skimage.graph.MCP.traceback` of least-cost
        paths back to the sources.

    References
    ----------
    van der Walt, S. et al. (2014). scikit-image: image processing in Python.
    *PeerJ* 2, e453 (``skimage.graph.MCP_Geometric``).
    """
    if neighbours not in (4, 8):
        raise ValueError(f"neighbours must be 4 or 8, got {neighbours}")
    costs = np.asarray(resistance, dtype=np.float64)
    # MCP ignores infinite costs: they are the impassable cells.
    costs = np.where(np.isfinite(costs) & (costs > 0), costs, np.inf)
    starts = np.argwhere(np.asarray(sources, bool) & np.isfinite(costs))
    if starts.size == 0:
        raise ValueError("no passable source cell")
    mcp = MCP_Geometric(costs, fully_connected=neighbours == 8, sampling=(resolution, resolution))
    if targets is None:
        cwd, _ = mcp.find_costs([tuple(p) for p in starts])
    else:
        # Dijkstra stops at the first target cell it settles: the least-cost distance to
        # the targets is final there, and every cell beyond it is left unexplored.
        ends = [tuple(p) for p in np.argwhere(np.asarray(targets, bool) & np.isfinite(costs))]
        cwd, _ = mcp.find_costs([tuple(p) for p in starts], ends or None, find_all_ends=False)
    return cwd, mcp


def least_cost_distance(
    resistance: np.ndarray,
    source: np.ndarray,
    target: np.ndarray,
    resolution: float,
    *,
    neighbours: int = 8,
) -> float:
    """Least-cost distance from the ``source`` cells to the nearest ``target`` cell.

    The same cost-weighted distance as :func:`cost_distance` (and so as the
    corridors rule's link ``cwd``), but Dijkstra's search stops at the first
    target cell it settles (Dijkstra 1959: a settled node's distance is final),
    so only the cells cheaper to reach than the target are explored.

    Returns
    -------
    float
        The distance in cost units (resistance × m), ``inf`` when no target
        cell is reachable.
    """
    target = np.asarray(target, bool)
    if not target.any():
        return float("inf")
    cwd, _ = cost_distance(resistance, source, resolution, neighbours=neighbours, targets=target)
    return float(cwd[target].min())


def zone_adjacency(allocation: np.ndarray) -> set[tuple[int, int]]:
    """Pairs of zone ids whose cells share an edge (4-neighbour contact).

    Parameters
    ----------
    allocation : numpy.ndarray
        int zone per cell, 0 = none.

    Returns
    -------
    set of (int, int)
        ``(a, b)`` with ``a < b``.
    """
    pairs: set[tuple[int, int]] = set()
    z = np.asarray(allocation)
    for a, b in ((z[:, :-1], z[:, 1:]), (z[:-1, :], z[1:, :])):
        touch = (a != b) & (a > 0) & (b > 0)
        lo = np.minimum(a[touch], b[touch])
        hi = np.maximum(a[touch], b[touch])
        pairs.update(zip(lo.tolist(), hi.tolist(), strict=True))
    return pairs


def path_length(path: np.ndarray, resolution: float) -> float:
    """Length in metres of a cell path (rows of (row, col)), centre to centre."""
    path = np.asarray(path)
    if len(path) < 2:
        return 0.0
    steps = np.diff(path, axis=0)
    return float(np.hypot(steps[:, 0], steps[:, 1]).sum() * resolution)


class CoreCostDistances:
    """Cost-weighted distance from each core, solved once on demand and kept.

    Built on ``resistance`` (≥ 1, NaN impassable) and the ``cores`` raster (int
    ids, 0 = none), with cells of ``resolution`` metres (cost units are
    resistance × metres) and ``neighbours`` moves (4 or 8, as in the corridors
    rule).  :func:`~amurlink.connectivity.pinchpoints.pinchpoints` and
    :func:`~amurlink.connectivity.barriers.barrier_scores` can share one instance,
    so that each core's CWD is solved once for both.
    """

    def __init__(self, resistance, cores, resolution: float, neighbours: int = 8):
        self.resistance = np.asarray(resistance, dtype=np.float64)
        self.cores = np.asarray(cores)
        self.resolution = float(resolution)
        self.neighbours = neighbours
        self._cwd: dict[int, np.ndarray] = {}

    def __call__(self, core_id: int) -> np.ndarray:
        if core_id not in self._cwd:
            try:
                cwd, _ = cost_distance(
                    self.resistance,
                    self.cores == core_id,
                    self.resolution,
                    neighbours=self.neighbours,
                )
            except ValueError:  # no passable cell in the core: reaches nothing
                log.warning("core %d has no passable cell", core_id)
                cwd = np.full(self.resistance.shape, np.inf)
            self._cwd[core_id] = cwd
        return self._cwd[core_id]

    def lcd(self, a: int, b: int) -> float:
        """Least-cost distance between cores ``a`` and ``b`` (inf if disconnected)."""
        cells = self.cores == b
        return float(self(a)[cells].min()) if cells.any() else float("inf")

    def release(self, keep: Iterable[int] = ()) -> None:
        """Forget every CWD but those of ``keep`` (bounds memory over many links)."""
        keep = set(keep)
        for core_id in list(self._cwd):
            if core_id not in keep:
                del self._cwd[core_id]

    def over_links(
        self, links: Sequence[tuple[int, int]], what: str
    ) -> Iterator[tuple[int, int, float]]:
        """Yield ``(a, b, lcd)`` for each link in turn: the per-link loop of Linkage Mapper's tools.

        After each link its progress is logged (``what`` heads the message) and
        every CWD but those of the next link's cores is released, so memory holds
        about two CWD rasters whatever the number of links.
        """
        links = [(int(a), int(b)) for a, b in links]
        progress = Progress(what, len(links), log, every=0)
        for n, (a, b) in enumerate(links, 1):
            yield a, b, self.lcd(a, b)
            progress.step(detail=f"link {a}-{b}")
            self.release(keep=[c for pair in links[n : n + 1] for c in pair])


@dataclass
class CorridorResult:
    """Output of :func:`least_cost_corridors`.

    Attributes
    ----------
    links : pandas.DataFrame
        One row per link: ``from_core`` < ``to_core``, ``cwd`` (the LCD, cost
        units), ``lcp_length_m``, ``path`` (an (k, 2) array of (row, col) from a
        cell of ``from_core`` to a cell of ``to_core``), ordered by the pair.
    corridors : numpy.ndarray
        float32 NLCC mosaic (minimum over links), NaN above the width cut.
    allocation : numpy.ndarray
        int32 core each cell is cheapest to reach from, 0 where none.
    min_cwd : numpy.ndarray
        float32 CWD to the nearest core (inf where unreachable).
    candidates : set of (int, int)
        Adjacent pairs before the distance cut-off.
    lcd : numpy.ndarray
        (n+1, n+1) matrix of least-cost distances between cores (inf if
        disconnected; row and column 0 unused).
    """

    links: pd.DataFrame
    corridors: np.ndarray
    allocation: np.ndarray
    min_cwd: np.ndarray
    candidates: set = field(default_factory=set)
    lcd: np.ndarray | None = None


def least_cost_corridors(
    resistance: np.ndarray,
    cores: np.ndarray,
    resolution: float,
    *,
    max_link_cwd: float = math.inf,
    corridor_width: float = math.inf,
    neighbours: int = 8,
    cwd_store: MutableMapping[int, np.ndarray] | None = None,
    cwd_dtype=np.float32,
    drop_through_cores: bool = False,
) -> CorridorResult:
    """Link cores by least-cost paths and map their normalised corridors.

    Two passes over the cores.  Pass 1 solves one CWD per core, updates the
    cost allocation (nearest core per cell), records the LCD to every other
    core and traces the least-cost path to each candidate partner, and stores
    the CWD as ``cwd_dtype`` in ``cwd_store``.  Pass 2 builds the NLCC of each
    selected link from the two stored CWDs and mosaics it by minimum.

    Parameters
    ----------
    resistance : numpy.ndarray
        Resistance ≥ 1, NaN impassable.
    cores : numpy.ndarray
        int core ids 1..n, 0 = none.
    resolution : float
        Cell size in metres.
    max_link_cwd : float
        Pairs with an LCD above this (cost units, resistance × m) are not linked
        (config ``max_link_cwd_km`` × 1000).
    corridor_width : float
        NLCC cut-off in cost units (config ``corridor_width_km`` × 1000); cells
        with a larger NLCC are NaN in ``corridors``.
    neighbours : {4, 8}
        Moves allowed.
    cwd_store : mutable mapping of int to numpy.ndarray, optional
        Where the CWD of each core is kept between the passes: a dict (the
        default, in memory) or :class:`amurlink.core.io.scratch.ScratchArrays`
        (on disk, so at most two CWD rasters are in memory at once).
    cwd_dtype : numpy dtype
        Precision of the stored CWDs (float32 halves memory; NLCC is then
        exact to about 1e-7 of the CWD).
    drop_through_cores : bool
        Drop links whose least-cost path crosses a third core (Linkage Mapper's
        "drop corridors that intersect core areas": the link is then the sum of
        two shorter ones).  Either way ``links.cores_crossed`` counts them.

    Returns
    -------
    CorridorResult

    References
    ----------
    McRae, B. H. & Kavanagh, D. M. (2011). *Linkage Mapper Connectivity
    Analysis Software*. The Nature Conservancy, Seattle WA.
    """
    resistance = np.asarray(resistance)
    cores = np.asarray(cores)
    if resistance.shape != cores.shape:
        raise ValueError(f"resistance {resistance.shape} and cores {cores.shape} differ in shape")
    store = {} if cwd_store is None else cwd_store
    solved = _solve_cores(
        resistance, cores, resolution, neighbours, max_link_cwd, store, np.dtype(cwd_dtype)
    )
    candidates = zone_adjacency(solved.allocation)
    selected, crossed = _select_links(cores, solved.paths, candidates, drop_through_cores)
    mosaic = _nlcc_mosaic(store, selected, solved.lcd, cores.shape)
    inside = np.isfinite(mosaic) & (mosaic <= corridor_width)
    return CorridorResult(
        links=_link_frame(selected, solved, crossed, resolution),
        corridors=np.where(inside, mosaic, np.nan).astype(np.float32),
        allocation=solved.allocation,
        min_cwd=solved.best.astype(np.float32),
        candidates=candidates,
        lcd=solved.lcd,
    )


def _select_links(
    cores: np.ndarray,
    paths: Mapping[tuple[int, int], np.ndarray],
    candidates: set[tuple[int, int]],
    drop_through_cores: bool,
) -> tuple[list[tuple[int, int]], dict[tuple[int, int], int]]:
    """The links (sorted pairs) among the candidates, and the other cores each path crosses."""
    crossed = {
        p: np.setdiff1d(cores[path[:, 0], path[:, 1]], [0, *p]).size for p, path in paths.items()
    }
    selected = sorted(
        p for p in candidates if p in paths and not (drop_through_cores and crossed[p])
    )
    return selected, crossed


def _nlcc_mosaic(
    store: Mapping[int, np.ndarray],
    links: list[tuple[int, int]],
    lcd: np.ndarray,
    shape: tuple[int, int],
) -> np.ndarray:
    """Pass 2: the minimum over ``links`` of NLCC = CWD_A + CWD_B − LCD_AB (≥ 0, inf off every corridor)."""
    mosaic = np.full(shape, np.inf)
    for a, b in links:
        nlcc = store[a].astype(np.float64) + store[b] - lcd[a, b]
        np.fmin(mosaic, nlcc, out=mosaic)
    # Float round-off of stored CWDs can leave tiny negatives along the LCP.
    return np.maximum(mosaic, 0.0)


def _link_frame(
    links: list[tuple[int, int]],
    solved: _SolvedCores,
    crossed: Mapping[tuple[int, int], int],
    resolution: float,
) -> pd.DataFrame:
    """:attr:`CorridorResult.links` of the selected ``links``."""
    frame = pd.DataFrame(
        {
            "from_core": [a for a, _ in links],
            "to_core": [b for _, b in links],
            "cwd": [float(solved.lcd[a, b]) for a, b in links],
            "lcp_length_m": [path_length(solved.paths[p], resolution) for p in links],
            "cores_crossed": [crossed[p] for p in links],
            "path": [solved.paths[p] for p in links],
        }
    )
    frame["from_core"] = frame["from_core"].astype(np.int64)
    frame["to_core"] = frame["to_core"].astype(np.int64)
    return frame


@dataclass
class _SolvedCores:
    """Pass 1 of :func:`least_cost_corridors`: what the CWDs of all cores give."""

    allocation: np.ndarray  # int32 cheapest core per cell, 0 where none
    best: np.ndarray  # CWD to that core (inf where unreachable)
    lcd: np.ndarray  # (n+1, n+1) least-cost distances between cores
    paths: dict[tuple[int, int], np.ndarray]  # LCP cells of every pair within max_link_cwd


def _cells_by_core(cores: np.ndarray, n: int) -> dict[int, np.ndarray]:
    """Flat indices of each core's cells, grouped by id (for per-core minima)."""
    flat_ids = cores.ravel()
    core_cells = np.flatnonzero(flat_ids > 0)
    order = np.argsort(flat_ids[core_cells], kind="stable")
    core_cells = core_cells[order]
    bounds = np.searchsorted(flat_ids[core_cells], np.arange(1, n + 2))
    return {i: core_cells[bounds[i - 1] : bounds[i]] for i in range(1, n + 1)}


def _solve_cores(
    resistance: np.ndarray,
    cores: np.ndarray,
    resolution: float,
    neighbours: int,
    max_link_cwd: float,
    store: MutableMapping[int, np.ndarray],
    cwd_dtype: np.dtype,
) -> _SolvedCores:
    """Pass 1: one CWD per core, the allocation, the LCDs and the least-cost paths.

    Each core's CWD goes to ``store`` as ``cwd_dtype`` before the next is solved.
    """
    n = int(cores.max(initial=0))
    shape = cores.shape
    solved = _SolvedCores(
        np.zeros(shape, np.int32), np.full(shape, np.inf), np.full((n + 1, n + 1), np.inf), {}
    )
    np.fill_diagonal(solved.lcd, 0.0)
    cells_of = _cells_by_core(cores, n)
    for i in range(1, n + 1):
        if cells_of[i].size == 0:
            continue
        try:
            cwd, mcp = cost_distance(resistance, cores == i, resolution, neighbours=neighbours)
        except ValueError:
            log.warning("core %d has no passable cell; not linked", i)
            continue
        closer = cwd < solved.best  # ties go to the lower id, processed first
        solved.best[closer] = cwd[closer]
        solved.allocation[closer] = i
        flat_cwd = cwd.ravel()
        for j in range(i + 1, n + 1):
            cells = cells_of[j]
            if cells.size == 0:
                continue
            k = int(np.argmin(flat_cwd[cells]))
            d = float(flat_cwd[cells[k]])
            solved.lcd[i, j] = solved.lcd[j, i] = d
            if np.isfinite(d) and d <= max_link_cwd:
                end = np.unravel_index(cells[k], shape)
                # Every reachable pair's path is kept (int32) until the allocation
                # is complete and the candidates are known.
                trace = mcp.traceback(tuple(int(e) for e in end))
                solved.paths[(i, j)] = np.asarray(trace, dtype=np.int32)
        store[i] = cwd.astype(cwd_dtype)
        del cwd, mcp, flat_cwd
        log.info("core %d/%d: CWD solved", i, n)
    return solved


def _iso(value) -> bool:
    """A country code is present (not empty, None or NaN)."""
    return isinstance(value, str) and bool(value)


def link_table(
    links: pd.DataFrame,
    cores_gdf,
    transform,
    crs,
    *,
    border=None,
    country_column: str = "country",
):
    """Link GeoDataFrame with Linkage Mapper's link attributes.

    Parameters
    ----------
    links : pandas.DataFrame
        :attr:`CorridorResult.links`.
    cores_gdf : geopandas.GeoDataFrame
        Core polygons with ``core_id`` (and ``country_column``).
    transform : affine.Affine
        Grid transform, to turn path cells into cell-centre coordinates.
    crs : str
        CRS of the grid and the cores.
    border : geopandas.GeoSeries or GeoDataFrame, optional
        International border lines.
    country_column : str
        Majority-country column of ``cores_gdf``.

    Returns
    -------
    geopandas.GeoDataFrame
        LineStrings (least-cost paths) with :data:`LINK_COLUMNS`:
        ``euclid_km`` (edge-to-edge distance between the core polygons),
        ``cwd`` (LCD, cost units), ``lcp_length_km``, ``cwd_to_euclid`` and
        ``cwd_to_path`` (CWD over metres: the mean resistance a straight line,
        or the path, would have to cross), ``crosses_border`` (the path crosses
        the border, or the cores' majority countries differ), ``cores_crossed``
        (other cores the path passes through).
    """
    import geopandas as gpd
    import shapely

    cores_by_id = cores_gdf.set_index("core_id")
    lines = [_path_line(path, transform) for path in links["path"]]
    out = gpd.GeoDataFrame(
        {
            "link_id": np.arange(1, len(links) + 1, dtype=np.int64),
            "from_core": links["from_core"].to_numpy(np.int64),
            "to_core": links["to_core"].to_numpy(np.int64),
        },
        geometry=gpd.GeoSeries(lines, crs=crs),
        crs=crs,
    )
    geom_a = cores_by_id.geometry.reindex(out["from_core"]).to_numpy()
    geom_b = cores_by_id.geometry.reindex(out["to_core"]).to_numpy()
    euclid_m = shapely.distance(geom_a, geom_b).astype(np.float64)
    cwd = links["cwd"].to_numpy(np.float64)
    path_m = links["lcp_length_m"].to_numpy(np.float64)
    out["euclid_km"] = euclid_m / 1000
    out["cwd"] = cwd
    out["lcp_length_km"] = path_m / 1000
    with np.errstate(invalid="ignore", divide="ignore"):
        out["cwd_to_euclid"] = np.where(euclid_m > 0, cwd / euclid_m, np.nan)
        out["cwd_to_path"] = np.where(path_m > 0, cwd / path_m, np.nan)
    out["crosses_border"] = _crosses_border(out, cores_by_id, border, country_column)
    out["cores_crossed"] = links["cores_crossed"].to_numpy(np.int64)
    return out[[*LINK_COLUMNS, "geometry"]]


def _path_line(path: np.ndarray, transform):
    """A least-cost path's cells as a LineString through the cell centres."""
    import shapely

    rows, cols = np.asarray(path, dtype=np.float64).T
    x = transform.c + transform.a * (cols + 0.5)
    y = transform.f + transform.e * (rows + 0.5)
    return shapely.LineString(np.column_stack([x, y]))


def _crosses_border(out, cores_by_id, border, country_column: str) -> np.ndarray:
    """Links whose path crosses the border, or whose cores' majority countries differ."""
    import shapely

    crosses = np.zeros(len(out), bool)
    if country_column in cores_by_id.columns:
        ca = cores_by_id[country_column].reindex(out["from_core"]).to_numpy()
        cb = cores_by_id[country_column].reindex(out["to_core"]).to_numpy()
        crosses |= np.array(
            [_iso(a) and _iso(b) and a != b for a, b in zip(ca, cb, strict=True)], dtype=bool
        )
    if border is not None and len(border) and len(out):
        border_geom = shapely.union_all(
            np.asarray(border.geometry if hasattr(border, "geometry") else border)
        )
        crosses |= shapely.intersects(out.geometry.to_numpy(), border_geom)
    return crosses


def link_cores(
    resistance: np.ndarray,
    cores: np.ndarray,
    cores_gdf,
    grid: Grid,
    *,
    border=None,
    **options,
):
    """The corridors rule: :func:`least_cost_corridors` on ``grid``, then :func:`link_table`.

    ``options`` go to :func:`least_cost_corridors`; ``cores_gdf`` and ``border``
    to :func:`link_table`.  Returns the :class:`CorridorResult` and the link
    GeoDataFrame.
    """
    result = least_cost_corridors(resistance, cores, grid.resolution, **options)
    links = link_table(result.links, cores_gdf, grid.transform, grid.crs, border=border)
    return result, links


# ------------------------------------------------------ corridor products
def corridor_polygons(
    corridor_array: np.ndarray, grid: Grid, nodata: float | None = -9999.0
) -> gpd.GeoDataFrame:
    """Polygonise the corridor cells of a corridor raster.

    Parameters
    ----------
    corridor_array : ndarray or masked array
        The NLCC mosaic (``corridors.tif``); cells that are masked, NaN or equal
        to ``nodata`` are outside every corridor.
    grid : Grid
        The raster's grid.
    nodata : float, optional
        No-data value of the raster.

    Returns
    -------
    GeoDataFrame
        One row per 8-connected corridor component: ``corridor_id`` (1..n,
        largest first), ``area_km2``, ``cost_min`` and ``cost_max`` (the NLCC
        range inside it, cost units), geometry (Polygon or MultiPolygon), in
        ``grid.crs``.
    """
    import geopandas as gpd
    import shapely
    from rasterio import features
    from scipy import ndimage

    inside = corridor_mask(corridor_array, nodata)
    labels, n = ndimage.label(inside, structure=np.ones((3, 3), bool))
    columns = ["corridor_id", "area_km2", "cost_min", "cost_max", "geometry"]
    if n == 0:
        return gpd.GeoDataFrame(columns=columns, geometry="geometry", crs=grid.crs)
    # 4-connected shapes are always valid polygons; diagonal-only contacts are
    # re-joined by dissolving on the 8-connected label.
    shapes = features.shapes(
        labels.astype(np.int32), mask=inside, transform=grid.transform, connectivity=4
    )
    geoms, ids = [], []
    for geom, value in shapes:
        geoms.append(shapely.geometry.shape(geom))
        ids.append(int(value))
    parts = gpd.GeoDataFrame({"label": ids}, geometry=geoms, crs=grid.crs)
    polys = parts.dissolve(by="label", as_index=False)
    values = np.ma.filled(np.ma.asarray(corridor_array, dtype=np.float64), np.nan)
    index = np.arange(1, n + 1)
    polys["cost_min"] = polys["label"].map(
        dict(zip(index, ndimage.minimum(values, labels, index), strict=True))
    )
    polys["cost_max"] = polys["label"].map(
        dict(zip(index, ndimage.maximum(values, labels, index), strict=True))
    )
    polys["area_km2"] = polys.geometry.area / 1e6
    polys = polys.sort_values(["area_km2", "label"], ascending=[False, True])
    polys["corridor_id"] = np.arange(1, len(polys) + 1)
    return polys[columns].reset_index(drop=True)


def corridor_mask(corridor_array: np.ndarray, nodata: float | None = -9999.0) -> np.ndarray:
    """Boolean mask of corridor cells (not masked, finite, not ``nodata``)."""
    data = np.ma.filled(np.ma.asarray(corridor_array, dtype=np.float64), np.nan)
    inside = np.isfinite(data)
    if nodata is not None:
        inside &= data != nodata
    return inside
