"""Vector inputs checked, reprojected to the analysis CRS and clipped to the study area.

Roads, logging cutblocks, countries (with the borders between them) and settlements
are checked (columns, codes, CRS) before anything is written, so that a bad input
fails with a message naming its file and field; :func:`rasterize_index` burns a
prepared layer onto the grid.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from rasterio import features

from amurlink.core.errors import InputError, require_columns
from amurlink.core.grid import Grid
from amurlink.prepare.checks import repair_geometries

log = logging.getLogger(__name__)


def to_study_area(gdf: gpd.GeoDataFrame, grid: Grid, path: str) -> gpd.GeoDataFrame:
    """Features of ``gdf`` with a geometry, in the grid's CRS, clipped to its extent.

    A layer without a CRS is an :class:`InputError` naming ``path``; invalid
    geometries are repaired (with a logged warning) or refused
    (:func:`amurlink.prepare.checks.repair_geometries`).
    """
    if gdf.crs is None:
        raise InputError(f"{path}: layer has no CRS; define one (e.g. ogr2ogr -a_srs)")
    gdf = gdf[gdf.geometry.notna() & ~gdf.geometry.is_empty]
    polygons = bool(len(gdf)) and gdf.geom_type.isin(["Polygon", "MultiPolygon"]).all()
    gdf, repairs = repair_geometries(gdf, path, polygons=polygons)
    for repair in repairs:
        log.warning(repair)
    gdf = gdf.to_crs(grid.crs)
    gdf = gdf.clip(shapely.box(*grid.bounds))
    return gdf[~gdf.geometry.is_empty].reset_index(drop=True)


def prepare_roads(
    roads: gpd.GeoDataFrame, grid: Grid, road_classes: Mapping[str, Sequence[str]], path: str
) -> gpd.GeoDataFrame:
    """Check, reproject and clip roads; add ``group`` and ``status``.

    OSM marks planned roads ``highway=proposed`` with the planned class in the
    ``proposed`` tag; such roads keep that class in ``highway`` and get
    ``status='proposed'`` so that baseline covariates and resistance leave them out.
    """
    require_columns(roads, ["highway"], path)
    roads = roads.copy()
    roads["highway"] = roads["highway"].astype(str).str.strip().str.lower()
    status = np.where(roads["highway"] == "proposed", "proposed", "existing")
    if (status == "proposed").any():
        if "proposed" not in roads.columns:
            raise InputError(
                f"{path}: roads with highway='proposed' need a 'proposed' column giving the planned class"
            )
        planned = roads["proposed"].astype(str).str.strip().str.lower()
        roads.loc[status == "proposed", "highway"] = planned[status == "proposed"]
    roads["status"] = status
    group_of = {cls: g for g, classes in road_classes.items() for cls in classes}
    unknown = sorted(set(roads["highway"]) - set(group_of))
    if unknown:
        raise InputError(
            f"{path}: column 'highway' has unknown road class(es) {unknown}; "
            f"known: {sorted(group_of)} (config covariates.road_classes)"
        )
    roads["group"] = roads["highway"].map(group_of)
    if "name" not in roads.columns:
        roads["name"] = ""
    roads = to_study_area(roads, grid, path).explode(index_parts=False).reset_index(drop=True)
    roads = roads[roads.geom_type == "LineString"].reset_index(drop=True)
    roads["road_id"] = np.arange(1, len(roads) + 1)
    return roads[["road_id", "highway", "group", "status", "name", "geometry"]]


#: What OSM ``highway`` values outside every road group become by default (config
#: ``inputs.osm.highway_map``): a class of ``covariates.road_classes`` or ``ignore``.
OSM_HIGHWAY_MAP = {
    "service": "track",
    "living_street": "residential",
    "road": "unclassified",
    **{
        v: "ignore"
        for v in (
            "footway", "bridleway", "cycleway", "steps", "pedestrian", "corridor", "platform",
            "bus_stop", "busway", "bus_guideway", "elevator", "escape", "raceway", "rest_area",
            "services", "via_ferrata", "abandoned", "disused", "razed", "no",
        )
    },
}  # fmt: skip


def _osm_class(values: pd.Series, group_of: Mapping[str, str], highway_map: Mapping[str, str]):
    """OSM highway values as configured classes: ``*_link`` → its parent, then ``highway_map``."""
    values = values.astype("string").str.strip().str.lower().str.removesuffix("_link")
    values = values.map(lambda v: highway_map.get(v, v) if isinstance(v, str) else v)
    return values.where(values.isin(list(group_of)))


def osm_roads(
    lines: gpd.GeoDataFrame,
    road_classes: Mapping[str, Sequence[str]],
    highway_map: Mapping[str, str] | None = None,
) -> tuple[gpd.GeoDataFrame, dict[str, int]]:
    """Roads from the ways of an OSM extract, in the layout :func:`prepare_roads` reads.

    OSM's own hierarchy (OpenStreetMap Wiki, *Key:highway*): ``motorway_link`` …
    ``tertiary_link`` take their parent's class; ``highway=construction`` and
    ``highway=proposed`` become planned roads (``highway='proposed'``) of the class
    in their ``construction=`` / ``proposed=`` tag; other values go through
    ``highway_map`` (default :data:`OSM_HIGHWAY_MAP`: ``service`` → ``track``,
    ``footway`` ignored, …) to a class of ``road_classes``.

    Parameters
    ----------
    lines : GeoDataFrame
        From :func:`amurlink.core.io.osm.read_osm_lines` (columns ``highway``,
        ``construction``, ``proposed``, ``name``).
    road_classes : mapping
        Config ``covariates.road_classes``.
    highway_map : mapping, optional
        OSM value → class or ``"ignore"``; updates :data:`OSM_HIGHWAY_MAP`.

    Returns
    -------
    roads : GeoDataFrame
        ``highway``, ``proposed``, ``name``, geometry: the ways kept.
    dropped : dict
        OSM ``highway`` value → number of ways left out (ignored, not in any road
        group, or planned without a class), for the log.
    """
    group_of = {cls: g for g, classes in road_classes.items() for cls in classes}
    mapping = {**OSM_HIGHWAY_MAP, **(highway_map or {})}
    ways = lines[lines["highway"].notna()]
    raw = ways["highway"].astype("string").str.strip().str.lower()
    planned = raw.isin(["construction", "proposed"])
    planned_class = ways["construction"].where(raw == "construction", ways["proposed"])
    cls = _osm_class(raw.where(~planned, planned_class), group_of, mapping)
    keep = cls.notna()
    dropped = raw[~keep].where(~planned[~keep], raw[~keep] + "=" + planned_class[~keep].fillna(""))
    roads = gpd.GeoDataFrame(
        {
            "highway": np.where(planned[keep], "proposed", cls[keep]),
            "proposed": cls[keep].where(planned[keep], pd.NA).astype(object),
            "name": ways.loc[keep, "name"].fillna("").astype(str).to_numpy(),
        },
        geometry=ways.geometry[keep].to_numpy(),
        crs=lines.crs,
    )
    return roads, {str(k): int(v) for k, v in dropped.value_counts().sort_index().items()}


def osm_barriers(
    lines: gpd.GeoDataFrame, barriers: Sequence[str] = ("fence",), railways: Sequence[str] = ()
) -> gpd.GeoDataFrame:
    """Fences (``barrier`` in ``barriers``) and railways (``railway`` in ``railways``) of an OSM extract.

    They are burnt into the ``fence`` pressure band as barriers to movement
    (:func:`amurlink.prepare.pressures.pressure_layers`); ``kind`` says which tag
    made each line one.  ``lines`` as :func:`osm_roads` takes it.
    """
    barrier = lines["barrier"].astype("string").str.lower().isin(list(barriers))
    railway = lines["railway"].astype("string").str.lower().isin(list(railways))
    keep = (barrier | railway).fillna(False).to_numpy(bool)
    kind = np.where(barrier.fillna(False), "barrier=", "railway=")[keep]
    value = lines["barrier"].where(barrier, lines["railway"])[keep].astype(str).to_numpy()
    return gpd.GeoDataFrame(
        {"kind": [k + v for k, v in zip(kind, value, strict=True)]},
        geometry=lines.geometry[keep].to_numpy(),
        crs=lines.crs,
    )


def prepare_logging(blocks: gpd.GeoDataFrame, grid: Grid, path: str) -> gpd.GeoDataFrame:
    """Check, reproject and clip logging cutblocks (``year`` required)."""
    require_columns(blocks, ["year"], path)
    years = pd.to_numeric(blocks["year"], errors="coerce")
    bad = blocks.index[years.isna() | (years < 1900) | (years > 2100)]
    if len(bad):
        raise InputError(f"{path}: column 'year' has invalid values in rows {list(bad[:10])}")
    blocks = blocks.assign(year=years.astype(int))
    blocks = to_study_area(blocks, grid, path)
    blocks = blocks[blocks.geom_type.isin(["Polygon", "MultiPolygon"])].reset_index(drop=True)
    blocks["block_id"] = np.arange(1, len(blocks) + 1)
    blocks["area_ha"] = blocks.geometry.area / 1e4
    return blocks[["block_id", "year", "area_ha", "geometry"]]


def loss_cutblocks(
    year: np.ndarray, fraction: np.ndarray, grid: Grid, min_fraction: float = 0.5
) -> gpd.GeoDataFrame:
    """Cutblocks from forest loss on the grid: connected cells lost in the same year.

    A cell counts as cut when at least ``min_fraction`` of it was lost
    (:func:`amurlink.prepare.align.forest_loss_on_grid`), as a cutblock polygon
    counts the cells whose centre it covers.  Patches are 4-connected cells of one
    year (scikit-image ``label``), polygonised cell-exactly (rasterio
    ``features.shapes``), so they burn back onto the very cells they came from.

    Returns
    -------
    GeoDataFrame
        ``year``, ``loss_fraction`` (mean lost share of the patch's cells), polygons
        in the grid's CRS.
    """
    from skimage.measure import label

    cut = (np.asarray(year) > 0) & (np.asarray(fraction) >= min_fraction)
    patches = label(np.where(cut, year, 0), background=0, connectivity=1).astype(np.int32)
    if not patches.any():
        return gpd.GeoDataFrame(
            {"year": pd.Series(dtype=int), "loss_fraction": pd.Series(dtype=float)},
            geometry=[], crs=grid.crs,
        )  # fmt: skip
    n = int(patches.max())
    cells = np.bincount(patches.ravel(), minlength=n + 1)
    share = np.bincount(patches.ravel(), weights=np.asarray(fraction).ravel(), minlength=n + 1)
    patch_year = np.zeros(n + 1, np.int64)
    patch_year[patches[cut]] = np.asarray(year)[cut]
    rows = [
        (int(v), shapely.geometry.shape(geom))
        for geom, v in features.shapes(patches, mask=patches > 0, transform=grid.transform)
    ]
    ids = np.array([r[0] for r in rows])
    return gpd.GeoDataFrame(
        {"year": patch_year[ids], "loss_fraction": share[ids] / cells[ids]},
        geometry=[r[1] for r in rows], crs=grid.crs,
    ).sort_values("year", kind="stable").reset_index(drop=True)  # fmt: skip


def prepare_countries(
    countries: gpd.GeoDataFrame, grid: Grid, path: str
) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Country polygons clipped to the study area, and the borders between them.

    Accepts Natural Earth's column names (``ISO_A3``/``ADM0_A3``, ``NAME``).
    """
    rename = {}
    for want, options in {
        "iso_a3": ["ISO_A3", "ADM0_A3", "iso_a3"],
        "name": ["NAME", "name"],
    }.items():
        found = next((c for c in options if c in countries.columns), None)
        if found is None:
            raise InputError(f"{path}: missing column {want!r} (or one of {options})")
        rename[found] = want
    countries = countries.rename(columns=rename)[["iso_a3", "name", "geometry"]]
    countries = to_study_area(countries, grid, path)
    countries = countries.dissolve(by="iso_a3", as_index=False, sort=True)[
        ["iso_a3", "name", "geometry"]
    ]
    if countries.empty:
        raise InputError(f"{path}: no country polygon overlaps the study area")
    return countries, country_borders(countries, grid)


def country_borders(countries: gpd.GeoDataFrame, grid: Grid) -> gpd.GeoDataFrame:
    """The lines where two of the (prepared) ``countries`` meet, named ``"ISO-ISO"``."""
    lines = []
    geoms = list(countries.geometry)
    tol = grid.resolution / 10
    # The clip box's edge is not a border; polygons from one source share vertices,
    # and snapping absorbs rounding where they do not.
    frame = shapely.box(*grid.bounds).exterior.buffer(tol)
    for i in range(len(geoms)):
        for j in range(i + 1, len(geoms)):
            shared = shapely.intersection(shapely.snap(geoms[i], geoms[j], tol), geoms[j])
            parts = [
                p
                for p in shapely.get_parts(shared)
                if p.geom_type in ("LineString", "MultiLineString")
            ]
            if not parts:
                continue
            shared = shapely.line_merge(shapely.union_all(parts)).difference(frame)
            if not shared.is_empty and shared.length > 0:
                lines.append(
                    {
                        "countries": f"{countries.iso_a3[i]}-{countries.iso_a3[j]}",
                        "geometry": shared,
                    }
                )
    return gpd.GeoDataFrame(lines, columns=["countries", "geometry"], crs=grid.crs)


def prepare_settlements(
    points: gpd.GeoDataFrame, grid: Grid, countries: gpd.GeoDataFrame, path: str
) -> gpd.GeoDataFrame:
    """Check, reproject and clip settlements (``population`` required); add ``iso_a3``.

    Natural Earth's populated places (``POP_MAX``, ``NAME``) work as they are.
    """
    points = points.copy()
    if "population" not in points.columns and "POP_MAX" in points.columns:
        points = points.rename(columns={"POP_MAX": "population"})
    if "name" not in points.columns and "NAME" in points.columns:
        points = points.rename(columns={"NAME": "name"})
    require_columns(points, ["population"], path, "or Natural Earth's POP_MAX")
    points["population"] = pd.to_numeric(points["population"], errors="coerce").fillna(0)
    if "name" not in points.columns:
        points["name"] = ""
    points = to_study_area(points, grid, path)
    points = points.drop(columns="iso_a3", errors="ignore")
    joined = gpd.sjoin(points, countries[["iso_a3", "geometry"]], how="left", predicate="within")
    points["iso_a3"] = joined.groupby(level=0)["iso_a3"].first().reindex(points.index)
    return points[["name", "population", "iso_a3", "geometry"]]


def rasterize_index(gdf: gpd.GeoDataFrame, grid: Grid, all_touched: bool = False) -> np.ndarray:
    """Raster of 1-based row index of the (last) feature covering each cell; 0 elsewhere."""
    if gdf.empty:
        return np.zeros(grid.shape, np.int32)
    shapes = ((geom, i + 1) for i, geom in enumerate(gdf.geometry))
    return features.rasterize(
        shapes,
        out_shape=grid.shape,
        transform=grid.transform,
        fill=0,
        dtype="int32",
        all_touched=all_touched,
    )


@dataclass
class PreparedVectors:
    """The vector inputs checked and clipped, and the countries burnt onto the grid."""

    countries: gpd.GeoDataFrame
    border: gpd.GeoDataFrame
    roads: gpd.GeoDataFrame
    logging: gpd.GeoDataFrame
    settlements: gpd.GeoDataFrame
    country_index: np.ndarray  # uint8, 1-based index into country_codes, 0 = no country
    country_codes: dict[int, str]


def prepare_vectors(
    countries: gpd.GeoDataFrame,
    roads: gpd.GeoDataFrame,
    logging: gpd.GeoDataFrame,
    settlements: gpd.GeoDataFrame,
    grid: Grid,
    road_classes: Mapping[str, Sequence[str]],
    paths: Mapping[str, str],
) -> PreparedVectors:
    """Check and clip every vector input (:func:`prepare_countries` and the others).

    Every layer is checked before the caller writes anything; ``paths`` (by layer:
    ``countries``, ``roads``, ``logging``, ``settlements``) name the files in messages.
    """
    countries, border = prepare_countries(countries, grid, paths["countries"])
    return PreparedVectors(
        countries=countries,
        border=border,
        roads=prepare_roads(roads, grid, road_classes, paths["roads"]),
        logging=prepare_logging(logging, grid, paths["logging"]),
        settlements=prepare_settlements(settlements, grid, countries, paths["settlements"]),
        country_index=rasterize_index(countries, grid).astype(np.uint8),
        country_codes={i + 1: iso for i, iso in enumerate(countries.iso_a3)},
    )
