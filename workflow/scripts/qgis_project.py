"""QGIS projects (.qgz) of the results, styled and grouped: the full one and the public one.

Each layer embeds the style stored beside it (the raster's .qml, the GeoPackage
layer's default in layer_styles). The public project shows the results
GeoPackage and the model rasters only (see amurlink.outputs.public.PUBLIC_GROUPS),
copied with their .qml under outputs/public/, so that outputs/ alone is a whole,
shareable project: it needs nothing from habitat/ or connectivity/, which hold the
sighting files. Neither project refers to sighting files.
"""

import logging
import shutil
from pathlib import Path

import rasterio

from amurlink.core import io, smk
from amurlink.core.io.styles_db import read_layer_styles
from amurlink.outputs import qgis_project

log = logging.getLogger(__name__)


def copy_public_rasters(rasters: list[str], results_dir: Path, public_dir: Path) -> list[str]:
    """Copy each public raster and its .qml under ``public_dir``; the copies' paths."""
    copies = []
    for raster in qgis_project.public_rasters(rasters):
        target = qgis_project.public_raster_path(raster, results_dir, public_dir)
        target.parent.mkdir(parents=True, exist_ok=True)
        for source, dest in ((Path(raster), target), (Path(raster).with_suffix(".qml"),
                                                      target.with_suffix(".qml"))):  # fmt: skip
            with io.atomic_path(dest) as tmp:
                shutil.copyfile(source, tmp)
        copies.append(str(target))
    return copies


def write_project(path: Path, gpkg, vector_styles, rasters, params, crs, extent, public):
    raster_styles = [(r, Path(r).with_suffix(".qml").read_text()) for r in rasters]
    layers = qgis_project.project_layers(
        gpkg, vector_styles, raster_styles, path.parent, public=public,
        first_species=params.species[0],
    )  # fmt: skip
    authid = f"EPSG:{crs.to_epsg()}" if crs.to_epsg() else ""
    xml = qgis_project.project_xml(
        layers, title=params.title, crs_wkt=crs.to_wkt(), crs_authid=authid, extent=extent
    )
    with io.atomic_path(path) as tmp:
        tmp.write_bytes(qgis_project.qgz_bytes(xml, path.stem))
    log.info("%s: %d layers", path, len(layers))


def main(snakemake):
    inp, out, params = snakemake.input, snakemake.output, snakemake.params
    with rasterio.open(inp.rasters[0]) as src:
        crs, extent = src.crs, tuple(src.bounds)
    vector_styles = read_layer_styles(inp.gpkg)
    qgz, public_qgz = Path(out.qgz), Path(out.public_qgz)
    write_project(qgz, inp.gpkg, vector_styles, list(inp.rasters), params, crs, extent, False)
    copies = copy_public_rasters(list(inp.rasters), qgz.parent.parent, Path(out.public_rasters))
    log.info("%d rasters copied for the public project", len(copies))
    write_project(public_qgz, inp.gpkg, vector_styles, copies, params, crs, extent, True)


smk.run(main, globals().get("snakemake"))
