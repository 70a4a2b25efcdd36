"""What public products may carry: sightings only as counts per grid cell, no sighting layer.

Sightings of poached species are sensitive: their coordinates stay inside the
workflow.  Every public product goes through the rules here:

* the results GeoPackage (:func:`package_layers`) refuses any layer whose name
  suggests sighting locations (:data:`SENSITIVE_LAYER_WORDS`) and takes
  sightings only generalised to grid cells (:func:`generalise_points`), as
  cell polygons with counts;
* the public QGIS project shows the results GeoPackage and the model rasters
  of :data:`PUBLIC_GROUPS` only (:func:`is_public_raster_group`), copied under
  ``outputs/public/`` so that it needs no file from the folders holding sightings;
* maps and the brief draw no sighting point (:mod:`amurlink.outputs.maps`,
  :mod:`amurlink.outputs.brief`).
"""

from __future__ import annotations

from collections.abc import Mapping

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

#: Words that mark a layer as holding sighting locations; never packaged.
SENSITIVE_LAYER_WORDS = ("presence", "sighting", "camera", "background")

#: Raster groups that a public project may show (model outputs; no sighting data).
PUBLIC_GROUPS = ("habitat", "connectivity", "scenarios", "threats")

#: Suffix of each geometry family's layer when a layer mixing them is split, per layer role
#: (QGIS styles one geometry type per layer: lines in a mixed layer take the fill symbol).
GEOMETRY_SUFFIXES: dict[str, dict[str, str]] = {
    "threats": {"line": "roads", "polygon": "cutblocks", "point": "points"},
    "": {"line": "lines", "polygon": "polygons", "point": "points"},
}


def generalise_points(x: np.ndarray, y: np.ndarray, cell_m: float, crs: str) -> gpd.GeoDataFrame:
    """Count points per square grid cell: polygons of the cells holding any.

    Sightings of poached species are published only generalised to a grid
    (GBIF's practice for sensitive species; Chapman 2020, *Current Best
    Practices for Generalizing Sensitive Species Occurrence Data*, GBIF).  Cells
    are aligned to multiples of ``cell_m`` in ``crs``, so the grid does not
    depend on the points.

    Returns
    -------
    GeoDataFrame
        ``cell_km``, ``n_sightings``, cell polygon (4 corners), in ``crs``.
    """
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    ok = np.isfinite(x) & np.isfinite(y)
    cols = np.floor(x[ok] / cell_m).astype(np.int64)
    rows = np.floor(y[ok] / cell_m).astype(np.int64)
    if cols.size == 0:
        return gpd.GeoDataFrame({"cell_km": [], "n_sightings": []}, geometry=[], crs=crs)
    cells, counts = np.unique(np.stack([cols, rows], 1), axis=0, return_counts=True)
    geoms = [
        shapely.box(c * cell_m, r * cell_m, (c + 1) * cell_m, (r + 1) * cell_m) for c, r in cells
    ]
    return gpd.GeoDataFrame(
        {"cell_km": float(cell_m) / 1000, "n_sightings": counts.astype(np.int64)},
        geometry=geoms,
        crs=crs,
    )


def geometry_family(geom_type: str) -> str:
    """``line``, ``polygon`` or ``point`` for a geometry type name (``MultiLineString`` → line)."""
    g = geom_type.lower()
    return "line" if "line" in g else "polygon" if "polygon" in g else "point"


def split_by_geometry(name: str, gdf: gpd.GeoDataFrame) -> dict[str, gpd.GeoDataFrame]:
    """One layer per geometry family, ``{name_<suffix>: part}``; ``{name: gdf}`` if it has one.

    A GeoPackage layer holding lines and polygons is a ``GEOMETRY`` layer, which
    QGIS draws with one symbol type, so one family is invisible.  The parts keep
    the rows' order and columns; suffixes are :data:`GEOMETRY_SUFFIXES`.  Threat
    layers are always split (``<species>_threats_roads``, ``_cutblocks``), so
    their names do not depend on which kinds a species has; rows without a
    geometry are dropped from a split layer.
    """
    role = name.rsplit("_", 1)[-1]
    families = gdf.geom_type.dropna().map(geometry_family)
    if families.empty or (families.nunique() == 1 and role not in GEOMETRY_SUFFIXES):
        return {name: gdf}
    suffixes = GEOMETRY_SUFFIXES.get(role, GEOMETRY_SUFFIXES[""])
    return {
        f"{name}_{suffixes[family]}": gdf.loc[families.index[families == family]]
        for family in ("line", "polygon", "point")
        if (families == family).any()
    }


def threat_names(threats: gpd.GeoDataFrame, roads: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Threats with a ``name`` column: the road's name (``roads.name`` by ``road_id``) for roads.

    A threat on an existing road is the road's piece inside a corridor, so it
    carries the road's name (``source_id`` is its ``road_id``,
    :func:`amurlink.threats.flagging.flag_threats`); other threats get no name.
    """
    out = threats.copy()
    if {"road_id", "name"} <= set(roads.columns):
        names = roads.drop_duplicates("road_id").set_index("road_id")["name"]
    else:
        names = pd.Series(dtype=object)
    out["name"] = out["source_id"].map(names).where(out["kind"].eq("road"))
    return out


#: Columns of the impact table (:func:`amurlink.threats.impact.threat_impacts`) a threat
#: layer carries.
IMPACT_FIELDS = ("dPC_regained", "dEC_km2", "dR_sum", "dCWD_sum")


#: Columns of the ranking's robustness (:func:`amurlink.threats.impact.ranking_robustness`).
ROBUSTNESS_FIELDS = ("p_top", "rank_min", "rank_max", "top_only_under")


def with_impacts(
    threats: pd.DataFrame, impacts: pd.DataFrame | None, robustness: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Threats ranked by what their mitigation gives back, the score's rank kept beside.

    Adds the impact table's :data:`IMPACT_FIELDS` by ``threat_id``; ``rank`` becomes the
    impact table's ``rank_impact`` (ΔPC regained, ties by effective resistance regained)
    for the ranked (baseline) threats, and the threats stage's rank moves to
    ``rank_score``.  ``robustness`` adds :data:`ROBUSTNESS_FIELDS`.  Without ``impacts``
    the threats come back unchanged.
    """
    if impacts is None or "rank_impact" not in impacts:
        return threats
    fields = ["threat_id", *[c for c in IMPACT_FIELDS if c in impacts], "rank_impact"]
    out = threats.merge(impacts[fields], on="threat_id", how="left")
    if robustness is not None:
        kept = ["threat_id", *[c for c in ROBUSTNESS_FIELDS if c in robustness]]
        out = out.merge(robustness[kept], on="threat_id", how="left")
    ranked = pd.to_numeric(out["rank"], errors="coerce").notna()
    out["rank_score"] = out["rank"]
    out["rank"] = out["rank_impact"].where(ranked)
    return out.drop(columns="rank_impact")


def is_public_raster_group(group: str) -> bool:
    """Whether a public QGIS project may show the rasters of ``group`` (:data:`PUBLIC_GROUPS`)."""
    return group in PUBLIC_GROUPS


def package_layers(
    per_species: Mapping[str, Mapping[str, gpd.GeoDataFrame]],
    countries: gpd.GeoDataFrame,
    border: gpd.GeoDataFrame | None,
    crs: str | None = None,
    sightings_grids: Mapping[str, gpd.GeoDataFrame] | None = None,
    extra: Mapping[str, gpd.GeoDataFrame] | None = None,
) -> dict[str, gpd.GeoDataFrame]:
    """Layers of the results GeoPackage, named ``<species>_<layer>``, plus countries and border.

    Parameters
    ----------
    per_species : mapping
        ``{species: {"cores": gdf, "links": gdf, "corridors": gdf, "threats": gdf}}``.
    countries, border : GeoDataFrame
        Country polygons and border lines.
    crs : str, optional
        Reproject every layer to this CRS (default: the first layer's).
    sightings_grids : mapping, optional
        ``{species: generalise_points(...)}``: the only form in which
        sightings are published (layer ``<species>_sightings_grid_<km>km``).
    extra : mapping, optional
        Further layers by name (e.g. scenario comparisons).

    Returns
    -------
    dict
        Layer name → GeoDataFrame, in a stable order; a layer mixing lines and
        polygons is split into one layer per geometry type (:func:`split_by_geometry`).

    Raises
    ------
    ValueError
        If a layer name suggests sighting locations (never published).
    """
    layers: dict[str, gpd.GeoDataFrame] = {}
    for species, parts in per_species.items():
        for name, gdf in parts.items():
            layers[f"{species}_{name}"] = gdf
    layers.update(extra or {})
    layers["countries"] = countries
    if border is not None:
        layers["border"] = border
    for name in layers:
        if any(word in name.lower() for word in SENSITIVE_LAYER_WORDS):
            raise ValueError(f"layer {name!r} looks like sighting data; it must not be published")
    # generalised sightings (grid-cell polygons with counts) are the one public form
    for species, cells in (sightings_grids or {}).items():
        bad = set(cells.geom_type) - {"Polygon"}
        if bad:
            raise ValueError(f"generalised sightings of {species} hold {bad}; only cell polygons")
        km = float(cells["cell_km"].iloc[0]) if len(cells) else 0
        layers[f"{species}_sightings_grid_{km:g}km"] = cells
    target = crs or next((g.crs for g in layers.values() if g.crs is not None), None)
    out = {}
    for name, gdf in layers.items():
        if target is not None and gdf.crs is not None and gdf.crs != target:
            gdf = gdf.to_crs(target)
        out.update(split_by_geometry(name, gdf))
    return out
