"""The ``layer_styles`` table of a GeoPackage: where QGIS reads a layer's default style.

QGIS reads a GeoPackage layer's default style from the package's
``layer_styles`` table (the table QGIS itself writes with *Save as default*;
see the QGIS user manual, "Vector Properties › Styles"), registered in
``gpkg_contents`` as an attribute table (OGC GeoPackage 1.3).  The styles are
QML strings built by :mod:`amurlink.outputs.styles`; this module only stores
and reads them.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Mapping

LAYER_STYLES_DDL = """
CREATE TABLE IF NOT EXISTS layer_styles (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    f_table_catalog TEXT(256),
    f_table_schema TEXT(256),
    f_table_name TEXT(256),
    f_geometry_column TEXT(256),
    styleName TEXT(30),
    styleQML TEXT,
    styleSLD TEXT,
    useAsDefault BOOLEAN,
    description TEXT,
    owner TEXT(30),
    ui TEXT(30),
    update_time DATETIME DEFAULT CURRENT_TIMESTAMP
)
"""
#: Fixed timestamp, so that equal inputs give byte-equal GeoPackages (see io.fixed_gpkg_date).
STYLE_TIME = "2000-01-01T00:00:00.000Z"


def add_layer_styles(gpkg_path: str | os.PathLike, styles: Mapping[str, str]) -> None:
    """Store ``{layer: qml}`` as each layer's default style in the GeoPackage's ``layer_styles``.

    The table is registered in ``gpkg_contents`` as an attribute table (as QGIS and
    GDAL do), and an existing default style of a layer is replaced.
    """
    con = sqlite3.connect(os.fspath(gpkg_path))
    try:
        with con:
            con.execute(LAYER_STYLES_DDL)
            con.execute(
                "INSERT OR IGNORE INTO gpkg_contents (table_name, data_type, identifier, "
                "description, last_change) VALUES ('layer_styles', 'attributes', "
                "'layer_styles', '', ?)",
                (STYLE_TIME,),
            )
            for layer, qml in styles.items():
                row = con.execute(
                    "SELECT column_name FROM gpkg_geometry_columns WHERE table_name = ?",
                    (layer,),
                ).fetchone()
                if row is None:
                    raise ValueError(f"{gpkg_path}: no geometry layer {layer!r} to style")
                con.execute("DELETE FROM layer_styles WHERE f_table_name = ?", (layer,))
                con.execute(
                    "INSERT INTO layer_styles (f_table_catalog, f_table_schema, f_table_name, "
                    "f_geometry_column, styleName, styleQML, styleSLD, useAsDefault, "
                    "description, owner, ui, update_time) "
                    "VALUES ('', '', ?, ?, ?, ?, '', 1, ?, '', '', ?)",
                    (layer, row[0], layer, qml, f"amurlink default style of {layer}", STYLE_TIME),
                )
    finally:
        con.close()


def read_layer_styles(gpkg_path: str | os.PathLike) -> dict[str, tuple[str, str]]:
    """``{layer: (default style QML, geometry type name)}`` of a GeoPackage's styled layers."""
    con = sqlite3.connect(f"file:{os.fspath(gpkg_path)}?mode=ro", uri=True)
    try:
        rows = con.execute(
            "SELECT s.f_table_name, s.styleQML, g.geometry_type_name FROM layer_styles s "
            "JOIN gpkg_geometry_columns g ON g.table_name = s.f_table_name "
            "WHERE s.useAsDefault ORDER BY s.id"
        ).fetchall()
    except sqlite3.OperationalError:  # no layer_styles table
        rows = []
    finally:
        con.close()
    return {name: (qml, geom) for name, qml, geom in rows}
