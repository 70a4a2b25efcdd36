"""Core habitat areas: connected patches of habitat large enough to hold animals.

Cores are the nodes of the connectivity analysis (Linkage Mapper's "core
areas", Conefor's habitat patches).  A core is an 8-connected patch of binary
habitat with at least ``min_core_km2`` of area; the minimum is a species
parameter (home-range scale, see config).  No morphological cleaning is done:
the habitat map is used as it is, so a core is exactly the habitat cells of
its patch.

Core IDs are stable: patches are numbered 1..n by descending area, ties broken
by the patch's first cell in row-major order (its top-left-most cell), so the
same habitat map always gives the same IDs whatever the labelling algorithm's
internal order.

References
----------
McRae, B. H. & Kavanagh, D. M. (2011). *Linkage Mapper Connectivity Analysis
Software*. The Nature Conservancy, Seattle WA.

Saura, S. & Torné, J. (2009). Conefor Sensinode 2.2: a software package for
quantifying the importance of habitat patches for landscape connectivity.
*Environmental Modelling & Software* 24, 135–139.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
from scipy import ndimage

#: scipy.ndimage structuring elements for 4- and 8-connectivity.
_STRUCTURE = {
    4: ndimage.generate_binary_structure(2, 1),
    8: ndimage.generate_binary_structure(2, 2),
}


def core_ids(values: np.ndarray) -> np.ndarray:
    """int32 core ids of a core raster as read: masked, NaN and ids ≤ 0 are 0 (no core)."""
    values = np.ma.filled(values, 0)
    return np.where(np.isfinite(values) & (values > 0), values, 0).astype(np.int32)


def label_cores(
    habitat: np.ndarray,
    cell_area_m2: float,
    min_core_km2: float,
    *,
    connectivity: int = 8,
) -> np.ndarray:
    """Label habitat patches of at least ``min_core_km2`` as cores 1..n.

    Parameters
    ----------
    habitat : numpy.ndarray
        Boolean (or 0/1) habitat mask; masked or no-data cells must be False.
    cell_area_m2 : float
        Area of one cell in m².
    min_core_km2 : float
        Minimum patch area; smaller patches are dropped.
    connectivity : {4, 8}
        Neighbourhood joining cells into one patch (8: diagonal contacts join,
        as an animal moves diagonally).

    Returns
    -------
    numpy.ndarray
        int32 core ids, 0 = not core.  Core 1 is the largest; equal areas are
        ordered by their first cell in row-major order.
    """
    if connectivity not in _STRUCTURE:
        raise ValueError(f"connectivity must be 4 or 8, got {connectivity}")
    mask = np.asarray(habitat).astype(bool)
    labels, n = ndimage.label(mask, structure=_STRUCTURE[connectivity])
    out = np.zeros(mask.shape, np.int32)
    if n == 0:
        return out
    flat = labels.ravel()
    counts = np.bincount(flat, minlength=n + 1)
    # np.unique's return_index is the first occurrence: the top-left-most cell.
    present, first = np.unique(flat, return_index=True)
    first_cell = np.full(n + 1, -1, np.int64)
    first_cell[present] = first
    min_cells = min_core_km2 * 1e6 / cell_area_m2
    keep = np.flatnonzero(counts[1:] >= min_cells - 1e-9) + 1
    order = np.lexsort((first_cell[keep], -counts[keep]))
    new_id = np.zeros(n + 1, np.int32)
    new_id[keep[order]] = np.arange(1, keep.size + 1, dtype=np.int32)
    out[:] = new_id[labels]
    return out


def core_attributes(
    cores: np.ndarray,
    cell_area_m2: float,
    suitability: np.ndarray | None = None,
    country: np.ndarray | None = None,
    country_codes: Mapping[int, str] | None = None,
) -> pd.DataFrame:
    """Area, mean suitability and country shares of each core.

    Parameters
    ----------
    cores : numpy.ndarray
        int core ids (0 = none), as from :func:`label_cores`.
    cell_area_m2 : float
        Area of one cell in m².
    suitability : numpy.ndarray, optional
        Habitat suitability; NaN cells are left out of the mean.
    country : numpy.ndarray, optional
        Country index per cell (0 = none), with ``country_codes`` mapping
        index → ISO 3166 alpha-3.
    country_codes : mapping of int to str, optional
        Index → iso_a3.

    Returns
    -------
    pandas.DataFrame
        One row per core, ordered by id: ``core_id``, ``n_cells``, ``area_km2``,
        ``mean_suitability``, ``share_<ISO>`` (fraction of the core's cells in
        each country in ``country_codes``) and ``country`` (the majority
        country's iso_a3; empty when the core lies in no country).
    """
    ids = np.asarray(cores)
    n = int(ids.max(initial=0))
    flat = ids.ravel()
    counts = np.bincount(flat, minlength=n + 1)[1:]
    table = pd.DataFrame(
        {
            "core_id": np.arange(1, n + 1, dtype=np.int64),
            "n_cells": counts.astype(np.int64),
            "area_km2": counts * cell_area_m2 / 1e6,
        }
    )
    if suitability is not None:
        s = np.asarray(suitability, np.float64).ravel()
        ok = np.isfinite(s) & (flat > 0)
        total = np.bincount(flat[ok], weights=s[ok], minlength=n + 1)[1:]
        number = np.bincount(flat[ok], minlength=n + 1)[1:]
        with np.errstate(invalid="ignore", divide="ignore"):
            table["mean_suitability"] = np.where(number > 0, total / number, np.nan)
    if country is not None:
        codes = dict(country_codes or {})
        cidx = np.asarray(country).ravel().astype(np.int64)
        in_core = flat > 0
        shares = {}
        for index, iso in sorted(codes.items()):
            hit = in_core & (cidx == index)
            number = np.bincount(flat[hit], minlength=n + 1)[1:]
            with np.errstate(invalid="ignore", divide="ignore"):
                shares[iso] = np.where(counts > 0, number / counts, 0.0)
        for iso, share in shares.items():
            table[f"share_{iso}"] = share
        if shares:
            matrix = np.column_stack(list(shares.values()))
            isos = np.array(list(shares.keys()), dtype=object)
            majority = isos[np.argmax(matrix, axis=1)]
            table["country"] = np.where(matrix.max(axis=1) > 0, majority, "")
        else:
            table["country"] = ""
    return table


def core_table(
    habitat: np.ndarray,
    cell_area_m2: float,
    min_core_km2: float,
    **attributes,
) -> tuple[np.ndarray, pd.DataFrame]:
    """The cores rule: label the cores of a habitat mask and tabulate them.

    :func:`label_cores` of ``habitat`` (boolean; no-data cells False), then
    :func:`core_attributes` with ``attributes`` (``suitability``, ``country``,
    ``country_codes``).  Returns the int32 core raster and the table.
    """
    cores = label_cores(habitat, cell_area_m2, min_core_km2)
    return cores, core_attributes(cores, cell_area_m2, **attributes)


def core_polygons(cores: np.ndarray, transform, crs, attributes: pd.DataFrame | None = None):
    """Polygons of the cores (one, possibly multi-part, feature per core).

    Parameters
    ----------
    cores : numpy.ndarray
        int core ids, 0 = none.
    transform : affine.Affine
        Grid transform.
    crs : str
        CRS of the grid.
    attributes : pandas.DataFrame, optional
        Table with a ``core_id`` column (as :func:`core_attributes`) joined on.

    Returns
    -------
    geopandas.GeoDataFrame
        ``core_id`` and the attributes, ordered by ``core_id``.
    """
    import geopandas as gpd
    import shapely
    from rasterio import features

    ids = np.asarray(cores).astype(np.int32)
    parts: dict[int, list] = {}
    for geom, value in features.shapes(ids, mask=ids > 0, transform=transform, connectivity=8):
        parts.setdefault(int(value), []).append(shapely.geometry.shape(geom))
    core_ids = sorted(parts)
    # Patches joined only at a corner come out as separate rings; one feature per core.
    geoms = [shapely.make_valid(shapely.union_all(parts[i])) for i in core_ids]
    gdf = gpd.GeoDataFrame({"core_id": np.array(core_ids, np.int64)}, geometry=geoms, crs=crs)
    if attributes is not None:
        gdf = gdf.merge(attributes, on="core_id", how="left")
    return gdf.sort_values("core_id").reset_index(drop=True)
