"""Vector files of several layers: read the layer a step wants, whatever else the file holds."""

from __future__ import annotations

import os
from pathlib import Path

import pyogrio

from amurlink.core import io


def read_layer_if_present(path: str | os.PathLike, layer: str, *, require_crs: bool = True):
    """Read ``layer`` of a vector file if it has a layer of that name, else its first layer.

    A GeoPackage written by the workflow holds several named layers (``countries`` and
    ``border``); a user's shapefile or single-layer file holds one of any name.
    Errors as :func:`amurlink.core.io.read_vector`.
    """
    names = [name for name, _ in pyogrio.list_layers(path)] if Path(path).exists() else []
    return io.read_vector(path, layer=layer if layer in names else None, require_crs=require_crs)
