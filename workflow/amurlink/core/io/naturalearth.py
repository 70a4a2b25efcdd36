"""The shipped Natural Earth clip: 10 m admin-0 countries (RUS, CHN, PRK) around the study area.

``amurlink/data/naturalearth_amur.gpkg`` (public domain; see ``ATTRIBUTION.md``
beside it), WGS84, 130–132.2° E, 42.1–44.2° N: the demo's countries and the
maps' locator insets.
"""

from __future__ import annotations

import importlib.resources


def read_naturalearth():
    """The countries of the shipped Natural Earth clip as a GeoDataFrame (WGS84)."""
    import geopandas as gpd

    resource = importlib.resources.files("amurlink") / "data" / "naturalearth_amur.gpkg"
    with importlib.resources.as_file(resource) as path:
        return gpd.read_file(path, layer="countries", engine="pyogrio")
