"""OpenStreetMap extracts (``.osm.pbf``, ``.osm``) read through GDAL's OSM driver.

GDAL's OSM driver (https://gdal.org/drivers/vector/osm.html) turns ways into its
``lines`` layer, with the common keys as columns (``highway``, ``railway``,
``barrier``, ``name``) and every other tag in ``other_tags``; the ``TAGS_FORMAT=JSON``
open option gives those as JSON, which pyogrio decodes.  Only features in the study
area's bounding box (WGS84, the OSM CRS) are returned, so a country extract is not
loaded whole into memory (GDAL still scans the file once).

:func:`amurlink.prepare.vectors.osm_roads` and :func:`~amurlink.prepare.vectors.osm_barriers`
turn the tags into the workflow's road and fence layers.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from amurlink.core.errors import InputError

#: File name endings read as OSM extracts.
OSM_SUFFIXES = (".osm.pbf", ".pbf", ".osm", ".osm.bz2")
#: Tags the workflow reads from a way, as columns of :func:`read_osm_lines`.
OSM_TAGS = ("highway", "construction", "proposed", "railway", "barrier", "name")


def as_paths(path) -> list[str]:
    """One path, or a list of them, as a list of strings."""
    if isinstance(path, (str, os.PathLike)):
        return [str(path)]
    return [str(p) for p in path]


def is_osm(path) -> bool:
    """True if ``path`` (one path or a list) names OSM extracts (``.osm.pbf``, ``.osm``)."""
    return all(p.lower().endswith(OSM_SUFFIXES) for p in as_paths(path))


def read_osm_lines(
    path: str | os.PathLike, bbox_lonlat: tuple[float, float, float, float] | None = None
):
    """The ways of an OSM extract inside ``bbox_lonlat``, with the tags in :data:`OSM_TAGS`.

    Parameters
    ----------
    path : path
        A ``.osm.pbf`` or ``.osm`` file (Geofabrik, BBBike, Overpass exports).
    bbox_lonlat : (lon_min, lat_min, lon_max, lat_max), optional
        Keep the ways that intersect this box (GDAL's spatial filter).

    Returns
    -------
    GeoDataFrame
        ``osm_id`` and one string column per tag of :data:`OSM_TAGS` (missing = NA),
        line geometries in EPSG:4326.

    Raises
    ------
    InputError
        If the file is missing or cannot be read by the OSM driver.
    """
    import pyogrio

    path = Path(path)
    if not path.exists():
        raise InputError(f"{path}: file not found")
    try:
        lines = pyogrio.read_dataframe(
            path, layer="lines", bbox=tuple(bbox_lonlat) if bbox_lonlat else None,
            TAGS_FORMAT="JSON",
        )  # fmt: skip
    except Exception as err:  # pyogrio raises several error types for unreadable files
        raise InputError(f"{path}: cannot be read as an OpenStreetMap extract ({err})") from err
    other = lines["other_tags"] if "other_tags" in lines else pd.Series(None, index=lines.index)
    other = other.map(lambda tags: tags if isinstance(tags, dict) else {})
    out = lines[["osm_id", "geometry"]].copy()
    for tag in OSM_TAGS:
        column = lines[tag] if tag in lines.columns else other.map(lambda tags, t=tag: tags.get(t))
        out[tag] = column.astype("string").str.strip().replace("", pd.NA)
    if out.crs is None:
        out = out.set_crs("EPSG:4326")
    return out[["osm_id", *OSM_TAGS, "geometry"]]


def read_vector_input(
    path: str | os.PathLike | Sequence[str | os.PathLike],
    layer: str | None = None,
    bbox_lonlat: tuple[float, float, float, float] | None = None,
):
    """A vector input as every step reads it: an OSM extract's ways, else the file's layer.

    An OSM extract (:func:`is_osm`) gives :func:`read_osm_lines` inside ``bbox_lonlat``
    (its tags still to be mapped, by :func:`amurlink.prepare.vectors.osm_roads` or
    :func:`~amurlink.prepare.vectors.osm_barriers`); any other file its ``layer``
    (config ``inputs.layers``; the first layer when None) through
    :func:`amurlink.core.io.read_vector`.  Used by rules prepare_vectors, pressures and
    check_inputs alike, so the check reads what the stages will read.

    Several files (a list: the Geofabrik extracts of the countries a study area spans)
    are read as one layer.  OSM extracts of neighbouring regions share the ways that cross
    their common border (Geofabrik cuts with a buffer), so each OSM id is kept once; other
    files are put in the first one's CRS.  OSM extracts and other files are not mixed.
    """
    paths = as_paths(path)
    if len(paths) == 1:
        return _read_one(paths[0], layer, bbox_lonlat)
    kinds = {is_osm(p) for p in paths}
    if len(kinds) > 1:
        raise InputError(f"{', '.join(paths)}: OSM extracts mixed with other vector files")
    parts = [_read_one(p, layer, bbox_lonlat) for p in paths]
    if kinds == {True}:
        return pd.concat(parts, ignore_index=True).drop_duplicates("osm_id", ignore_index=True)
    return pd.concat([p.to_crs(parts[0].crs) for p in parts], ignore_index=True)


def _read_one(path, layer, bbox_lonlat):
    if is_osm(path):
        return read_osm_lines(path, bbox_lonlat)
    from amurlink.core.io import read_vector

    return read_vector(path, layer=layer)
