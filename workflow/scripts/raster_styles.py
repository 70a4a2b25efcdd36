"""A QGIS style (.qml) beside every raster of the results: QGIS opens it as the default style."""

import logging

from amurlink.core import io, smk
from amurlink.core.io.raster_info import read_raster_info
from amurlink.outputs import styles

log = logging.getLogger(__name__)


def main(snakemake):
    for raster, qml in zip(snakemake.input.rasters, snakemake.output.qml, strict=True):
        style = styles.raster_style(read_raster_info(raster, class_stems=styles.CLASS_RASTERS))
        io.write_text(style.qml(), qml)
        log.info("%s: %s", qml, style.renderer)


smk.run(main, globals().get("snakemake"))
