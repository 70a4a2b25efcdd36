"""QGIS projects (.qgz) of the results, styled and grouped: the full one and the public one.

Each layer embeds the style stored beside it (the raster's .qml, the GeoPackage
layer's default in layer_styles). The public project shows the results
GeoPackage and the model rasters only (see amurlink.outputs.qgis_project.PUBLIC_GROUPS);
neither project refers to sighting files.
"""

import logging
import os
from pathlib import Path

import rasterio

from amurlink.core import io, smk
from amurlink.outputs import qgis_project, styles

log = logging.getLogger(__name__)

GEOMETRY = {"LINESTRING": "Line", "MULTILINESTRING": "Line", "POLYGON": "Polygon",
            "MULTIPOLYGON": "Polygon", "POINT": "Point", "MULTIPOINT": "Point"}  # fmt: skip


def relative(path, project_dir: Path) -> str:
    return Path(os.path.relpath(path, project_dir)).as_posix()


def project_layers(gpkg, rasters, project_dir: Path, public: bool):
    """Vector layers of the results GeoPackage, then the rasters, each with its stored style."""
    layers = []
    for name, (qml, geometry) in styles.read_layer_styles(gpkg).items():
        layers.append(qgis_project.ProjectLayer(
            name=name.replace("_", " "), source=f"{relative(gpkg, project_dir)}|layername={name}",
            kind="vector", group=qgis_project.vector_group(name), style=styles.style_from_qml(qml),
            geometry=GEOMETRY.get(geometry.upper(), "Unknown"), visible=qgis_project.is_visible(name),
        ))  # fmt: skip
    for raster in rasters:
        name, group = qgis_project.raster_name_and_group(raster)
        if public and group not in qgis_project.PUBLIC_GROUPS:
            continue
        qml = Path(raster).with_suffix(".qml").read_text()
        layers.append(qgis_project.ProjectLayer(
            name=name, source=relative(raster, project_dir), kind="raster", group=group,
            style=styles.style_from_qml(qml), visible=qgis_project.is_visible(name),
        ))  # fmt: skip
    return layers


def main(snakemake):
    inp, out = snakemake.input, snakemake.output
    with rasterio.open(inp.rasters[0]) as src:
        crs, extent = src.crs, tuple(src.bounds)
    authid = f"EPSG:{crs.to_epsg()}" if crs.to_epsg() else ""
    for path, public in ((Path(out.qgz), False), (Path(out.public_qgz), True)):
        layers = project_layers(inp.gpkg, inp.rasters, path.parent, public)
        xml = qgis_project.project_xml(
            layers, title=snakemake.params.title, crs_wkt=crs.to_wkt(), crs_authid=authid,
            extent=extent,
        )  # fmt: skip
        with io.atomic_path(path) as tmp:
            tmp.write_bytes(qgis_project.qgz_bytes(xml, path.stem))
        log.info("%s: %d layers", path, len(layers))


smk.run(main, globals().get("snakemake"))
