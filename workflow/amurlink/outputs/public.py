"""What public products may carry: sightings only as counts per grid cell, no sighting layer.

Sightings of poached species are sensitive: their coordinates stay inside the
workflow.  Every public product goes through the rules here:

* the results GeoPackage (:func:`package_layers`) refuses any layer whose name
  suggests sighting locations (:data:`SENSITIVE_LAYER_WORDS`) and takes
  sightings only generalised to grid cells (:func:`generalise_points`), as
  cell polygons with counts;
* the public QGIS project shows the results GeoPackage and the model rasters
  of :data:`PUBLIC_GROUPS` only (:func:`is_public_raster_group`);
* maps and the brief draw no sighting point (:mod:`amurlink.outputs.maps`,
  :mod:`amurlink.outputs.brief`).
"""

from __future__ import annotations

from collections.abc import Mapping

import geopandas as gpd
import numpy as np
import shapely

#: Words that mark a layer as holding sighting locations; never packaged.
SENSITIVE_LAYER_WORDS = ("presence", "sighting", "camera", "background")

#: Raster groups that a public project may show (model outputs; no sighting data).
PUBLIC_GROUPS = ("habitat", "connectivity", "scenarios", "threats")


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
        Layer name → GeoDataFrame, in a stable order.

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
        out[name] = gdf
    return out
