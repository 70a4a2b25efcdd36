"""The analysis grid: one CRS, one resolution, one extent for every layer."""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
from affine import Affine
from pyproj import CRS, Transformer
from rasterio.windows import Window
from rasterio.windows import transform as window_transform


@dataclass(frozen=True)
class Grid:
    """A north-up raster grid.

    Parameters
    ----------
    crs : str
        Any CRS string pyproj understands (kept as given, e.g. ``"EPSG:32652"``).
    transform : affine.Affine
        Pixel-to-map transform (north-up: ``transform.e < 0``).
    width, height : int
        Columns and rows.
    """

    crs: str
    transform: Affine
    width: int
    height: int

    # ------------------------------------------------------------------ build
    @classmethod
    def from_bounds(
        cls, crs: str, bounds: tuple[float, float, float, float], resolution: float
    ) -> Grid:
        """Grid covering ``bounds`` (xmin, ymin, xmax, ymax), snapped outward to ``resolution``."""
        xmin, ymin, xmax, ymax = bounds
        if not (xmax > xmin and ymax > ymin):
            raise ValueError(f"empty bounds {bounds}")
        xmin = math.floor(xmin / resolution) * resolution
        ymin = math.floor(ymin / resolution) * resolution
        xmax = math.ceil(xmax / resolution) * resolution
        ymax = math.ceil(ymax / resolution) * resolution
        width = round((xmax - xmin) / resolution)
        height = round((ymax - ymin) / resolution)
        return cls(str(crs), Affine(resolution, 0, xmin, 0, -resolution, ymax), width, height)

    @classmethod
    def from_lonlat_box(
        cls, crs: str, box: tuple[float, float, float, float], resolution: float
    ) -> Grid:
        """Grid covering a WGS84 box (lon_min, lat_min, lon_max, lat_max) in ``crs``."""
        return cls.from_bounds(crs, transform_bounds("EPSG:4326", crs, box), resolution)

    @classmethod
    def from_dataset(cls, ds) -> Grid:
        """Grid of an open rasterio dataset."""
        return cls(ds.crs.to_string(), ds.transform, ds.width, ds.height)

    @classmethod
    def from_dict(cls, d: dict) -> Grid:
        return cls(d["crs"], Affine(*d["transform"][:6]), int(d["width"]), int(d["height"]))

    def to_dict(self) -> dict:
        return {
            "crs": self.crs,
            "transform": list(self.transform)[:6],
            "width": self.width,
            "height": self.height,
        }

    # ------------------------------------------------------------- properties
    @property
    def shape(self) -> tuple[int, int]:
        return (self.height, self.width)

    @property
    def resolution(self) -> float:
        """Cell size in CRS units (square cells)."""
        return abs(self.transform.a)

    @property
    def cell_area(self) -> float:
        return abs(self.transform.a * self.transform.e)

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        t = self.transform
        return (t.c, t.f + t.e * self.height, t.c + t.a * self.width, t.f)

    def xy(self) -> tuple[np.ndarray, np.ndarray]:
        """Cell-centre coordinates: 1-D arrays ``x`` (columns) and ``y`` (rows)."""
        t = self.transform
        x = t.c + t.a * (np.arange(self.width) + 0.5)
        y = t.f + t.e * (np.arange(self.height) + 0.5)
        return x, y

    def rowcol(self, x, y) -> tuple[np.ndarray, np.ndarray]:
        """Row and column of map coordinates (may fall outside the grid)."""
        t = self.transform
        col = np.floor((np.asarray(x, float) - t.c) / t.a).astype(np.int64)
        row = np.floor((np.asarray(y, float) - t.f) / t.e).astype(np.int64)
        return row, col

    def contains(self, x, y) -> np.ndarray:
        row, col = self.rowcol(x, y)
        return (row >= 0) & (row < self.height) & (col >= 0) & (col < self.width)

    def cell_centres(self, row, col) -> tuple[np.ndarray, np.ndarray]:
        t = self.transform
        return (
            t.c + t.a * (np.asarray(col) + 0.5),
            t.f + t.e * (np.asarray(row) + 0.5),
        )

    def windows(self, size: int) -> Iterator[Window]:
        """Non-overlapping square windows of ``size`` cells covering the grid, row-major."""
        for r in range(0, self.height, size):
            for c in range(0, self.width, size):
                yield Window(c, r, min(size, self.width - c), min(size, self.height - r))

    def window_grid(self, window: Window) -> Grid:
        """The sub-grid covered by ``window`` (same CRS and cell alignment)."""
        return Grid(
            self.crs,
            window_transform(window, self.transform),
            int(window.width),
            int(window.height),
        )

    def coarsen(self, factor: int) -> Grid:
        """The grid with cells ``factor`` times larger (extent grown to whole cells)."""
        t = self.transform
        return Grid(
            self.crs,
            Affine(t.a * factor, 0, t.c, 0, t.e * factor, t.f),
            math.ceil(self.width / factor),
            math.ceil(self.height / factor),
        )


def transform_bounds(src_crs, dst_crs, bounds, densify: int = 21):
    """Bounds of a box after reprojection, densifying the edges so curvature is covered."""
    tr = Transformer.from_crs(
        CRS.from_user_input(src_crs), CRS.from_user_input(dst_crs), always_xy=True
    )
    return tr.transform_bounds(*bounds, densify_pts=densify)
