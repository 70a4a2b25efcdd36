"""Open QGIS projects and styled layers in a real, headless QGIS; print what QGIS sees as JSON.

Run with the system Python that has PyQGIS (Debian's python3-qgis), not the venv:

    QT_QPA_PLATFORM=offscreen /usr/bin/python3 tests/qgis_check.py \
        --project a.qgz [--project b.qgz] [--raster x.tif ...] [--gpkg y.gpkg ...] \
        [--render-dir DIR]

For each project: whether it read, its top-level groups, and every layer's name,
source, validity, renderer type, geometry type, the types of its renderer's
symbols and its labels.  For each raster and GeoPackage given on its own: the
same, for the layer as QGIS opens it with its default style (the ``.qml`` beside
a raster, the ``layer_styles`` row of a GeoPackage layer).  With ``--render-dir``,
each project's default view (its checked layers over its default extent) and
each threat layer alone are rendered to PNGs there, and the count of pixels
that are not the white background is reported.
tests/test_qgis.py runs this and checks the answers.
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import sys

#: QgsSymbol.SymbolType and QgsWkbTypes.GeometryType values by name.
SYMBOL_TYPES = {0: "marker", 1: "line", 2: "fill"}
GEOMETRY_TYPES = {0: "point", 1: "line", 2: "polygon", 3: "unknown", 4: "null"}


def describe(layer) -> dict:
    from qgis.core import QgsRenderContext

    renderer = layer.renderer()
    kind = "raster" if layer.type() == 1 else "vector"
    out = {
        "name": layer.name(),
        "id": layer.id(),
        "source": layer.source(),
        "valid": bool(layer.isValid()),
        "renderer": renderer.type() if renderer is not None else None,
        "kind": kind,
        "crs_valid": bool(layer.crs().isValid()),
    }
    if kind == "vector" and layer.isValid():
        symbols = renderer.symbols(QgsRenderContext()) if renderer is not None else []
        labeling = layer.labeling() if layer.labelsEnabled() else None
        out |= {
            "geometry": GEOMETRY_TYPES.get(int(layer.geometryType()), "unknown"),
            "symbols": sorted({SYMBOL_TYPES.get(int(s.type()), "?") for s in symbols}),
            "features": int(layer.featureCount()),
            "labels": labeling.settings().fieldName if labeling is not None else None,
        }
    return out


def render(layers, extent, crs, path: str, size: int = 900) -> int:
    """Render ``layers`` (first on top) over ``extent`` to a PNG; the non-white pixels."""
    import numpy as np
    from qgis.core import QgsMapRendererSequentialJob, QgsMapSettings
    from qgis.PyQt.QtCore import QSize
    from qgis.PyQt.QtGui import QColor, QImage

    settings = QgsMapSettings()
    settings.setLayers(layers)
    settings.setDestinationCrs(crs)
    settings.setOutputSize(QSize(size, int(size * extent.height() / max(extent.width(), 1e-9))))
    settings.setExtent(extent)
    settings.setBackgroundColor(QColor(255, 255, 255))
    settings.setFlag(QgsMapSettings.DrawLabeling, True)
    settings.setFlag(QgsMapSettings.Antialiasing, True)
    job = QgsMapRendererSequentialJob(settings)
    job.start()
    job.waitForFinished()
    image = job.renderedImage().convertToFormat(QImage.Format_RGB32)
    image.save(path, "PNG")
    bits = image.constBits()
    bits.setsize(image.sizeInBytes())
    pixels = np.frombuffer(bits, np.uint8).reshape(image.height(), image.bytesPerLine())
    rgb = pixels[:, : image.width() * 4].reshape(image.height(), image.width(), 4)[..., :3]
    return int((rgb < 250).any(axis=2).sum())


def render_project(project, root, out_dir: str, tag: str) -> dict:
    """The default view and each threat layer alone, rendered to ``out_dir``."""
    from qgis.core import QgsRectangle

    extent = project.viewSettings().defaultViewExtent()
    if extent.isEmpty():
        extent = QgsRectangle()
        for layer in project.mapLayers().values():
            extent.combineExtentWith(layer.extent())
    shown = [lyr for lyr in root.layerOrder() if root.findLayer(lyr.id()).isVisible()]
    view = os.path.join(out_dir, f"{tag}_view.png")
    out = {
        "view": {"png": view, "pixels": render(shown, extent, project.crs(), view),
                 "layers": [lyr.name() for lyr in shown]},
        "threat_layers": {},
    }  # fmt: skip
    for layer in project.mapLayers().values():
        if layer.type() == 0 and "threats" in layer.name():
            png = os.path.join(out_dir, f"{tag}_{layer.name().replace(' ', '_')}.png")
            out["threat_layers"][layer.name()] = {
                "png": png, "pixels": render([layer], extent, project.crs(), png),
            }  # fmt: skip
    return out


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--project", action="append", default=[])
    parser.add_argument("--raster", action="append", default=[])
    parser.add_argument("--gpkg", action="append", default=[])
    parser.add_argument("--render-dir", default="")
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
            if args.render_dir and ok:
                tag = os.path.splitext(os.path.basename(path))[0]
                report["projects"][path]["render"] = render_project(
                    project, root, args.render_dir, tag
                )
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
