"""Tiles with halos, and block aggregation between a fine and a coarse grid.

Heavy raster work runs per tile so that a job's memory depends on the tile size
and the neighbourhood radius, not on the area.  A tile *owns* its cells (the
tiles partition the grid); it is read with a *halo* of the neighbourhood's
radius so that every owned cell sees its whole neighbourhood, then only the
owned cells (or, for current flow, the contributions of owned targets) are
kept.  Tiles are named ``r{row}c{col}`` (tile row and column) so they can be
Snakemake wildcards; the list of tiles follows from the grid and the tile size
alone, so the workflow knows it before any job runs.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import numpy as np
from rasterio.windows import Window


@dataclass(frozen=True)
class Tile:
    """A rectangle of cells ``[row0, row0 + height) × [col0, col0 + width)`` of a grid."""

    row0: int
    col0: int
    height: int
    width: int
    name: str = ""

    @property
    def slices(self) -> tuple[slice, slice]:
        return slice(self.row0, self.row0 + self.height), slice(self.col0, self.col0 + self.width)

    def expand(self, halo: int, shape: tuple[int, int]) -> Tile:
        """The tile grown by ``halo`` cells on every side, clipped to a grid of ``shape``."""
        r0, c0 = max(self.row0 - halo, 0), max(self.col0 - halo, 0)
        r1 = min(self.row0 + self.height + halo, shape[0])
        c1 = min(self.col0 + self.width + halo, shape[1])
        return Tile(r0, c0, r1 - r0, c1 - c0, self.name)

    def window(self) -> Window:
        """The tile as a rasterio window of its grid."""
        return Window(self.col0, self.row0, self.width, self.height)

    def windows(self, size: int) -> list[Window]:
        """Windows of at most ``size × size`` cells covering the tile (grid coordinates)."""
        return [
            Window(
                self.col0 + c, self.row0 + r, min(size, self.width - c), min(size, self.height - r)
            )
            for r in range(0, self.height, size)
            for c in range(0, self.width, size)
        ]

    def inner(self, outer: Tile) -> tuple[slice, slice]:
        """Where this tile lies inside ``outer`` (an expanded copy of it), as slices."""
        r, c = self.row0 - outer.row0, self.col0 - outer.col0
        return slice(r, r + self.height), slice(c, c + self.width)


def tile_grid(shape: tuple[int, int], size: int) -> list[Tile]:
    """Tiles of ``size × size`` cells covering a grid of ``shape``, row-major.

    Tiles on the last row or column are smaller when the grid is not a multiple
    of ``size``.
    """
    if size < 1:
        raise ValueError(f"tile size must be at least 1 cell, got {size}")
    rows, cols = shape
    out = []
    for i in range(math.ceil(rows / size)):
        for j in range(math.ceil(cols / size)):
            r0, c0 = i * size, j * size
            out.append(Tile(r0, c0, min(size, rows - r0), min(size, cols - c0), f"r{i}c{j}"))
    return out


def tile_names(shape: tuple[int, int], size: int) -> list[str]:
    return [t.name for t in tile_grid(shape, size)]


def tile_by_name(shape: tuple[int, int], size: int, name: str) -> Tile:
    """The tile called ``name`` (``r{i}c{j}``) of :func:`tile_grid`."""
    match = re.fullmatch(r"r(\d+)c(\d+)", name)
    if not match:
        raise ValueError(f"tile name {name!r} is not of the form r<row>c<col>")
    for tile in tile_grid(shape, size):
        if tile.name == name:
            return tile
    raise ValueError(f"no tile {name!r} in a {shape} grid with {size}-cell tiles")


# ---------------------------------------------------------------- two resolutions
def coarsen_mean(values: np.ndarray, factor: int, max_nodata_fraction: float = 0.5) -> np.ndarray:
    """Mean of each ``factor × factor`` block; NaN where too much of the block is no-data.

    Parameters
    ----------
    values : numpy.ndarray
        2-D float array, NaN (or ±inf) = no data.  The grid is padded with no-data
        to whole blocks (as :meth:`amurlink.core.grid.Grid.coarsen` grows the extent).
    factor : int
        Block size in fine cells.
    max_nodata_fraction : float
        A block whose share of no-data cells exceeds this is no-data.

    Notes
    -----
    For resistance the arithmetic mean of the block's cells is the resistance a
    straight crossing of the block meets on average: crossing ``factor`` cells
    costs the sum of their resistances, i.e. ``factor ×`` the mean, which is
    what one coarse cell of resistance = mean charges for the same distance.
    It keeps barriers visible (a block with one road cell is dearer) while
    not letting a single impassable cell close the block.  It is an upper
    bound on the block's effective resistance (the harmonic mean would be the
    lower bound, which lets a barrier vanish); McRae et al. (2008, *Ecology*
    89:2712) show current-flow results are robust to such coarsening.
    """
    values = np.asarray(values, dtype=np.float64)
    rows, cols = values.shape
    pr, pc = -rows % factor, -cols % factor
    padded = np.pad(values, ((0, pr), (0, pc)), constant_values=np.nan)
    blocks = padded.reshape(padded.shape[0] // factor, factor, padded.shape[1] // factor, factor)
    valid = np.isfinite(blocks)
    count = valid.sum(axis=(1, 3))
    total = np.where(valid, blocks, 0.0).sum(axis=(1, 3))
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = total / count
    too_empty = count < (1.0 - max_nodata_fraction) * factor * factor - 1e-9
    mean[too_empty | (count == 0)] = np.nan
    return mean


def refine(values: np.ndarray, factor: int, shape: tuple[int, int]) -> np.ndarray:
    """Coarse cells repeated over their fine cells and cut to ``shape`` (nearest neighbour)."""
    fine = np.repeat(np.repeat(np.asarray(values), factor, axis=0), factor, axis=1)
    return fine[: shape[0], : shape[1]]


def coarsen_mode(labels: np.ndarray, factor: int, nodata: int = 0) -> np.ndarray:
    """Most frequent label of each ``factor × factor`` block, ignoring ``nodata``.

    Categorical layers (country codes, land-cover classes) are aggregated by the
    majority, as GDAL's ``mode`` resampling does; ties go to the smallest label,
    and a block of only ``nodata`` stays ``nodata``.
    """
    labels = np.asarray(labels)
    rows, cols = labels.shape
    pr, pc = -rows % factor, -cols % factor
    padded = np.pad(labels, ((0, pr), (0, pc)), constant_values=nodata)
    br, bc = padded.shape[0] // factor, padded.shape[1] // factor
    blocks = padded.reshape(br, factor, bc, factor).transpose(0, 2, 1, 3).reshape(br, bc, -1)
    out = np.full((br, bc), nodata, dtype=labels.dtype)
    best = np.zeros((br, bc), dtype=np.int64)
    for value in np.unique(labels):
        if value == nodata:
            continue
        count = (blocks == value).sum(axis=2)
        better = count > best
        out[better] = value
        best[better] = count[better]
    return out


#: Cells in one strip of a streamed raster pass (a few tens of MB per float64 band).
STRIP_CELLS = 2_000_000


def strip_rows(width: int, cells: int = STRIP_CELLS) -> int:
    """Rows of a strip of about ``cells`` cells in a grid ``width`` cells wide (at least 1)."""
    return max(1, cells // max(width, 1))


def strips(height: int, factor: int, rows_per_strip: int) -> list[tuple[int, int]]:
    """Row ranges ``(row0, row1)`` of the fine grid, each a whole number of coarse rows.

    Streaming a coarsening strip by strip keeps a job's memory at one strip
    (``rows_per_strip`` fine rows, rounded to whole blocks) whatever the area.
    """
    step = max(1, rows_per_strip // factor) * factor
    return [(r, min(r + step, height)) for r in range(0, height, step)]
