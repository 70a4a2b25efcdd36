"""QGIS projects (.qgz) of the results, styled and grouped: the full one and the public one.

Each layer embeds the style stored beside it (the raster's .qml, the GeoPackage
layer's default in layer_styles). The public project shows the results
GeoPackage and the model rasters only (see amurlink.outputs.public.PUBLIC_GROUPS);
neither project refers to sighting files.
"""

import logging
from pathlib import Path

import rasterio

from amurlink.core import io, smk
from amurlink.core.io.styles_db import read_layer_styles
from amurlink.outputs import qgis_project

log = logging.getLogger(__name__)


def main(snakemake):
    inp, out = snakemake.input, snakemake.output
    with rasterio.open(inp.rasters[0]) as src:
        crs, extent = src.crs, tuple(src.bounds)
    authid = f"EPSG:{crs.to_epsg()}" if crs.to_epsg() else ""
    vector_styles = read_layer_styles(inp.gpkg)
    raster_styles = [(r, Path(r).with_suffix(".qml").read_text()) for r in inp.rasters]
    for path, public in ((Path(out.qgz), False), (Path(out.public_qgz), True)):
        layers = qgis_project.project_layers(
            inp.gpkg, vector_styles, raster_styles, path.parent, public=public
        )
        xml = qgis_project.project_xml(
            layers, title=snakemake.params.title, crs_wkt=crs.to_wkt(), crs_authid=authid,
            extent=extent,
        )  # fmt: skip
        with io.atomic_path(path) as tmp:
            tmp.write_bytes(qgis_project.qgz_bytes(xml, path.stem))
        log.info("%s: %d layers", path, len(layers))


smk.run(main, globals().get("snakemake"))
