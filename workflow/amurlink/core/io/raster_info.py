"""What a raster says about itself that a style is built from: statistics, colour table, labels.

:func:`read_raster_info` reads band 1 of a raster (the statistics every COG of
:mod:`amurlink.core.io` embeds, else a block-by-block minimum and maximum; the
colour table; class labels from ``class_<value>`` and ``country_<index>`` tags;
the class values present).  :mod:`amurlink.outputs.styles` turns the result into a
QGIS style.
"""

from __future__ import annotations

import os
from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import rasterio

from amurlink.core.io import COUNTRY_TAG_PREFIX

RGBA = tuple[int, int, int, int]


@dataclass
class RasterInfo:
    """What a raster's style is built from (read by :func:`read_raster_info`)."""

    stem: str
    description: str
    dtype: str
    minimum: float
    maximum: float
    nodata: float | None = None
    colormap: dict[int, RGBA] | None = None
    labels: dict[int, str] = field(default_factory=dict)
    values: list[int] = field(default_factory=list)


def read_raster_info(path: str | os.PathLike, class_stems: Collection[str] = ()) -> RasterInfo:
    """Read what a style needs from band 1 of a raster (statistics, colour table, labels).

    Parameters
    ----------
    path : path
        The raster.
    class_stems : collection of str
        File stems of class rasters: for these, and for any raster with a colour
        table, the class values present are listed (at most 256) and the colour
        table is trimmed to the classes present or named.

    Notes
    -----
    Missing statistics and class values are computed block by block, so a job's
    memory stays that of one block whatever the raster's size.
    """
    path = Path(path)
    with rasterio.open(path) as src:
        band_tags = src.tags(1)
        tags = src.tags()
        try:
            colormap = {int(k): tuple(v) for k, v in src.colormap(1).items()}
        except ValueError:
            colormap = None
        minimum = float(band_tags.get("STATISTICS_MINIMUM", "nan"))
        maximum = float(band_tags.get("STATISTICS_MAXIMUM", "nan"))
        if not (np.isfinite(minimum) and np.isfinite(maximum)):
            minimum, maximum = _block_min_max(src)
        labels: dict[int, str] = {}
        for key, value in tags.items():
            for prefix in ("class_", COUNTRY_TAG_PREFIX):
                if key.startswith(prefix) and key[len(prefix) :].isdigit():
                    labels[int(key[len(prefix) :])] = value
        values: list[int] = []
        stem = path.stem
        if stem in class_stems or colormap:
            values = _present_values(src)
        if colormap:
            # GDAL pads colour tables to 256 entries; keep the classes that are present or named.
            keep = set(values) | set(labels)
            colormap = {k: v for k, v in colormap.items() if k in keep}
        return RasterInfo(
            stem=stem,
            description=(src.descriptions[0] or ""),
            dtype=src.dtypes[0],
            minimum=minimum,
            maximum=maximum,
            nodata=src.nodata,
            colormap=colormap or None,
            labels=labels,
            values=values,
        )


def _block_min_max(src) -> tuple[float, float]:
    """Minimum and maximum of band 1, block by block; ``(0, 1)`` when it holds no data."""
    low, high = np.inf, -np.inf
    for _, window in src.block_windows(1):
        data = src.read(1, window=window, masked=True)
        if data.count():
            low, high = min(low, float(data.min())), max(high, float(data.max()))
    return (low, high) if np.isfinite(low) else (0, 1)


def _present_values(src) -> list[int]:
    """The values band 1 holds (no-data aside), sorted, at most 256, block by block."""
    present: set[int] = set()
    for _, window in src.block_windows(1):
        present.update(
            int(v) for v in np.unique(src.read(1, window=window, masked=True).compressed())
        )
    return sorted(present)[:256]
