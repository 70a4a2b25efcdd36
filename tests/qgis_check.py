"""Open QGIS projects and styled layers in a real, headless QGIS; print what QGIS sees as JSON.

Run with the system Python that has PyQGIS (Debian's python3-qgis), not the venv:

    QT_QPA_PLATFORM=offscreen /usr/bin/python3 tests/qgis_check.py \
        --project a.qgz [--project b.qgz] [--raster x.tif ...] [--gpkg y.gpkg ...]

For each project: whether it read, its top-level groups, and every layer's name,
source, validity and renderer type.  For each raster and GeoPackage given on its
own: the same, for the layer as QGIS opens it with its default style (the
``.qml`` beside a raster, the ``layer_styles`` row of a GeoPackage layer).
tests/test_qgis.py runs this and checks the answers.
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import sys


def describe(layer) -> dict:
    renderer = layer.renderer()
    return {
        "name": layer.name(),
        "source": layer.source(),
        "valid": bool(layer.isValid()),
        "renderer": renderer.type() if renderer is not None else None,
        "kind": "raster" if layer.type() == 1 else "vector",
        "crs_valid": bool(layer.crs().isValid()),
    }


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--project", action="append", default=[])
    parser.add_argument("--raster", action="append", default=[])
    parser.add_argument("--gpkg", action="append", default=[])
    args = parser.parse_args(argv)

    from qgis.core import (
        QgsApplication,
        QgsLayerTree,
        QgsProject,
        QgsRasterLayer,
        QgsVectorLayer,
    )

    QgsApplication.setPrefixPath("/usr", True)
    app = QgsApplication([], False)
    app.initQgis()
    report: dict = {"qgis": QgsApplication.instance().applicationVersion(), "projects": {}}
    try:
        project = QgsProject.instance()
        for path in args.project:
            project.clear()
            ok = project.read(path)
            root = project.layerTreeRoot()
            groups = {
                child.name(): [lyr.name() for lyr in child.findLayers()]
                for child in root.children()
                if QgsLayerTree.isGroup(child)
            }
            report["projects"][path] = {
                "read": bool(ok),
                "crs_valid": bool(project.crs().isValid()),
                "crs": project.crs().authid(),
                "error": project.error(),
                "groups": groups,
                "layers": [describe(lyr) for lyr in project.mapLayers().values()],
            }
        project.clear()
        report["rasters"] = [
            describe(QgsRasterLayer(p, os.path.basename(p), "gdal")) for p in args.raster
        ]
        report["gpkg_layers"] = []
        for gpkg in args.gpkg:
            con = sqlite3.connect(gpkg)
            names = [r[0] for r in con.execute("SELECT table_name FROM gpkg_geometry_columns")]
            con.close()
            for name in names:
                layer = QgsVectorLayer(f"{gpkg}|layername={name}", name, "ogr")
                report["gpkg_layers"].append(describe(layer))
                del layer  # a layer outliving exitQgis() crashes the interpreter at exit
    finally:
        app.exitQgis()
    print(json.dumps(report, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
