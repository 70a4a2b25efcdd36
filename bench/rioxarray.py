"""rioxarray against the workflow's windowed rasterio paths: time, peak memory, output bytes.

Issue 10, item 6: adopt rioxarray where it is not worse in memory or time and writes the
same bytes.  Three uses are measured, each of today's paths against its rioxarray
counterpart, on synthetic rasters of ``--size`` × ``--size`` cells (4000 by default);
the figures and what was kept are in bench/RESULTS.md:

- **alignment** (rule ``align_rasters``): a 10 m categorical raster (ESA WorldCover
  codes) put onto a 30 m grid with nearest neighbour, codes checked, written as a COG.
  Today: :func:`amurlink.core.io.warp_to_grid` (a GDAL WarpedVRT) read window by window,
  twice (check every window, then write).  Candidate: ``rioxarray.open_rasterio`` then
  ``.rio.reproject_match`` onto the grid, checked and written whole.  Run with the source
  in the grid's CRS (as the demo's inputs) and in lon/lat (as WorldCover ships), and once
  more with the WarpedVRT read in one window, to tell rioxarray from warping in one piece.
- **tile read** (rule ``covariates_tile``): the land cover and the DEM of a tile and its
  halo.  Today: rasterio window reads, the window's grid from
  :meth:`amurlink.core.grid.Grid.window_grid`.  Candidate: ``open_rasterio(...).isel(...)``,
  the transform carried by the DataArray.
- **mosaic** (rule ``covariates``): 16 tiles of 2 float32 bands mosaicked into one COG.
  Today: :func:`amurlink.core.io.read_tiles` into a :class:`~amurlink.core.io.RasterWriter`,
  one tile in memory at a time.  Candidate: ``rioxarray.merge.merge_arrays`` of the tiles,
  then :func:`~amurlink.core.io.write_raster`.

Last, :func:`transform_check` counts windows whose rioxarray transform is not the exact one.

Each path runs in its own process (``--repeat`` times), so its peak resident memory
(``VmHWM``) is its own; the table gives it whole and above the process's peak after
its imports (what the path itself adds).  Times are the best of the repeats, wall
clock and CPU (all threads), imports excluded.  Outputs are compared by SHA-256.

Usage::

    python bench/rioxarray.py                 # 1-2 minutes on the project machine
    python bench/rioxarray.py --size 2000 --out /tmp/bench-rxr
"""

from __future__ import annotations

import argparse
import hashlib
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

# This file bears the name of the package it measures: keep its folder off the import
# path, or ``import rioxarray`` would import this file.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

TILES_PER_SIDE = 4
WINDOW = 512  # align_rasters' window (config habitat.window_size of the demo)
FINE_M, COARSE_M = 10.0, 30.0
ORIGIN = (500_000.0, 4_800_000.0)  # upper left, EPSG:32652 (the demo region)


# ---------------------------------------------------------------- inputs
def _classes(size: int, rng: np.random.Generator) -> np.ndarray:
    """WorldCover-like patches: classes on a coarse lattice, blown up, ragged by noise."""
    codes = np.array([10, 10, 10, 20, 30, 40, 50, 80, 90], np.uint8)
    coarse = codes[rng.integers(0, len(codes), (size // 40 + 1, size // 40 + 1))]
    patches = np.kron(coarse, np.ones((40, 40), np.uint8))[:size, :size]
    ragged = rng.random((size, size)) < 0.05
    return np.where(ragged, codes[rng.integers(0, len(codes), (size, size))], patches)


def make_inputs(out: Path, size: int) -> dict:
    """Write the synthetic inputs; return the target grid's and the tiles' description."""
    from affine import Affine

    from amurlink.core import io
    from amurlink.core.grid import Grid, transform_bounds
    from amurlink.core.tiles import tile_grid

    rng = np.random.default_rng(10)
    x0, y0 = ORIGIN
    fine = Grid("EPSG:32652", Affine(FINE_M, 0, x0, 0, -FINE_M, y0), size, size)
    lc = _classes(size, rng)
    io.write_raster(out / "landcover_utm.tif", lc, fine, nodata=0, descriptions="landcover",
                    categorical=True)  # fmt: skip
    # The same extent in lon/lat at about 10 m (WorldCover's own grid is 1/12000 degree).
    lon0, lat0, lon1, lat1 = transform_bounds(fine.crs, "EPSG:4326", fine.bounds)
    step = 1 / 12000
    ll = Grid("EPSG:4326", Affine(step, 0, lon0, 0, -step, lat1),
              int((lon1 - lon0) / step), int((lat1 - lat0) / step))  # fmt: skip
    io.write_raster(out / "landcover_lonlat.tif", _classes(ll.width, rng)[: ll.height], ll,
                    nodata=0, descriptions="landcover", categorical=True)  # fmt: skip
    # Tiles of a float raster on the fine grid, as covariates_tile writes them.
    bands = rng.normal(100, 20, (2, size, size)).astype(np.float32)
    bands[:, lc == 80] = -9999.0
    io.write_raster(out / "dem_utm.tif", bands[0], fine, nodata=-9999.0, descriptions="elevation")
    tiles = []
    for tile in tile_grid(fine.shape, size // TILES_PER_SIDE):
        path = out / f"tile_{tile.name}.tif"
        io.write_raster(path, bands[:, tile.slices[0], tile.slices[1]],
                        fine.window_grid(tile.window()), nodata=-9999.0,
                        descriptions=["a", "b"], units=["m", "1"])  # fmt: skip
        tiles.append(str(path))
    coarse = Grid("EPSG:32652", Affine(COARSE_M, 0, x0, 0, -COARSE_M, y0),
                  int(size * FINE_M / COARSE_M), int(size * FINE_M / COARSE_M))  # fmt: skip
    return {"coarse": coarse.to_dict(), "fine": fine.to_dict(), "tiles": tiles}


# ---------------------------------------------------------------- the paths
def _landcover_options():
    from amurlink.prepare.covariates import WORLDCOVER_CLASSES, WORLDCOVER_COLOURS

    return dict(dtype="uint8", nodata=0, descriptions=["land cover (ESA WorldCover)"],
                units="class", categorical=True, colormap=WORLDCOVER_COLOURS,
                metadata={f"class_{k}": v for k, v in WORLDCOVER_CLASSES.items()})  # fmt: skip


def align_warpedvrt(src: str, grid, out: Path) -> None:
    """align_rasters today: a WarpedVRT read window by window, checked, then written."""
    from amurlink.core import io
    from amurlink.prepare import align

    with io.warp_to_grid(src, grid, categorical=True) as vrt:
        for window in grid.windows(WINDOW):
            align.check_landcover_codes(vrt.read(1, window=window), vrt.nodata, src)
        with io.RasterWriter(out, grid, **_landcover_options()) as writer:
            for window in grid.windows(WINDOW):
                lc = vrt.read(1, window=window)
                writer.write(align.aligned_landcover(lc, vrt.nodata, lc == vrt.nodata), window)


def align_reproject_match(src: str, grid, out: Path) -> None:
    """The candidate: a DataArray reprojected onto a DataArray of the grid, whole."""
    import rioxarray
    import xarray as xr
    from rasterio.enums import Resampling
    from rioxarray.rioxarray import affine_to_coords

    from amurlink.core import io
    from amurlink.prepare.align import check_landcover_codes

    coords = affine_to_coords(grid.transform, grid.width, grid.height)
    match = xr.DataArray(np.empty(grid.shape, np.uint8), coords=coords, dims=("y", "x"))
    match = match.rio.write_crs(grid.crs).rio.write_transform(grid.transform)
    lc = rioxarray.open_rasterio(src).squeeze("band", drop=True)
    aligned = lc.rio.reproject_match(match, resampling=Resampling.nearest, nodata=0)
    values = aligned.values
    check_landcover_codes(values, 0, src)
    io.write_raster(out, values, grid, **_landcover_options())


def align_warpedvrt_whole(src: str, grid, out: Path) -> None:
    """Not a candidate: the WarpedVRT read in one window, to tell warping whole from rioxarray."""
    from amurlink.core import io

    with io.warp_to_grid(src, grid, categorical=True) as vrt:
        lc = vrt.read(1)
    lc[lc == vrt.nodata] = 0
    io.write_raster(out, lc, grid, **_landcover_options())


def mosaic_windowed(tiles: list[str], grid, out: Path) -> None:
    """The covariates rule today: one tile in memory at a time, written at its window."""
    from amurlink.core import io

    with io.RasterWriter(out, grid, dtype="float32", nodata=-9999.0, descriptions=["a", "b"],
                         units=["m", "1"]) as writer:  # fmt: skip
        for window, stack in io.read_tiles(tiles, grid):
            writer.write(stack, window)


def mosaic_merge_arrays(tiles: list[str], grid, out: Path) -> None:
    """The candidate: rioxarray.merge.merge_arrays of every tile, then one write."""
    import rioxarray
    from rioxarray.merge import merge_arrays

    from amurlink.core import io

    merged = merge_arrays([rioxarray.open_rasterio(t) for t in tiles], nodata=-9999.0)
    io.write_raster(out, merged.values, grid, nodata=-9999.0, descriptions=["a", "b"],
                    units=["m", "1"], dtype="float32")  # fmt: skip


def _tile_window(grid):
    """A tile in the middle of the grid with a halo of half a tile, as covariates_tile reads."""
    from rasterio.windows import Window

    side = grid.width // TILES_PER_SIDE
    return Window(side // 2, side // 2, 2 * side, 2 * side)


def _save_read(out: Path, landcover, dem, transform) -> None:
    out.write_bytes(landcover.tobytes() + dem.tobytes() + np.asarray(transform).tobytes())


def read_rasterio(paths: list[str], grid, out: Path) -> None:
    """covariates_tile today: windowed rasterio reads, the window's transform kept by hand."""
    import rasterio
    from rasterio.windows import transform as window_transform

    window = _tile_window(grid)
    with rasterio.open(paths[0]) as src:
        landcover = src.read(1, window=window)
    with rasterio.open(paths[1]) as src:
        dem = np.ma.filled(src.read(1, window=window, masked=True).astype(np.float64), np.nan)
    _save_read(out, landcover, dem, window_transform(window, grid.transform))


def read_open_rasterio(paths: list[str], grid, out: Path) -> None:
    """The candidate: lazy DataArrays cut to the window; the transform comes with them."""
    import rioxarray

    rows, cols = _tile_window(grid).toslices()
    # Closed once read, as the rasterio datasets are, so GDAL's cache lets their blocks go.
    with rioxarray.open_rasterio(paths[0]) as da:
        window = da.isel(band=0, y=rows, x=cols)
        landcover, transform = window.values, window.rio.transform()
    with rioxarray.open_rasterio(paths[1], masked=True) as da:
        dem = da.isel(band=0, y=rows, x=cols).values.astype(np.float64)
    _save_read(out, landcover, dem, transform)


#: name -> (function, input key, grid key)
PATHS = {
    "align utm / warpedvrt": (align_warpedvrt, "landcover_utm.tif", "coarse"),
    "align utm / reproject_match": (align_reproject_match, "landcover_utm.tif", "coarse"),
    "align lonlat / warpedvrt": (align_warpedvrt, "landcover_lonlat.tif", "coarse"),
    "align lonlat / reproject_match": (align_reproject_match, "landcover_lonlat.tif", "coarse"),
    "align lonlat / warpedvrt read whole": (
        align_warpedvrt_whole,
        "landcover_lonlat.tif",
        "coarse",
    ),
    "tile read / rasterio window": (read_rasterio, "read", "fine"),
    "tile read / open_rasterio isel": (read_open_rasterio, "read", "fine"),
    "mosaic / windowed": (mosaic_windowed, "tiles", "fine"),
    "mosaic / merge_arrays": (mosaic_merge_arrays, "tiles", "fine"),
}


#: path -> the path whose output it is compared with (today's, but for the last check)
COMPARED_WITH = {
    "align utm / reproject_match": "align utm / warpedvrt",
    "align lonlat / reproject_match": "align lonlat / warpedvrt",
    "align lonlat / warpedvrt read whole": "align lonlat / reproject_match",
    "tile read / open_rasterio isel": "tile read / rasterio window",
    "mosaic / merge_arrays": "mosaic / windowed",
}


def run_one(name: str, workdir: Path, repeat: int) -> None:
    """In the child process: import everything, note the memory, run one path, report."""
    import rasterio
    import rioxarray  # noqa: F401  (imported by every path, so the baselines compare)
    import rioxarray.merge  # noqa: F401

    from amurlink.core import smk
    from amurlink.core.grid import Grid
    from amurlink.prepare import align  # noqa: F401

    setup = json.loads((workdir / "inputs.json").read_text())
    func, source, grid_key = PATHS[name]
    src = {
        "tiles": setup["tiles"],
        "read": [str(workdir / "landcover_utm.tif"), str(workdir / "dem_utm.tif")],
    }.get(source, str(workdir / source))
    grid = Grid.from_dict(setup[grid_key])
    suffix = ".bin" if source == "read" else ".tif"
    out = workdir / (name.replace(" / ", "_").replace(" ", "_") + suffix)
    warm_up(setup["tiles"][0])
    before = peak_rss_kb()
    wall, cpu, peak = [], [], None
    for _ in range(repeat):
        start, start_cpu = time.perf_counter(), time.process_time()
        # The GDAL block cache of a job (amurlink.core.smk.run), so memory compares as in the rules.
        with rasterio.Env(GDAL_CACHEMAX=smk.GDAL_CACHE_MB):
            func(src, grid, out)
        wall.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
        peak = peak or peak_rss_kb()  # the first run's: later ones may overlap leftovers
    print(json.dumps({"seconds": min(wall), "cpu": min(cpu), "import_kb": before,
                      "peak_kb": peak, "out": str(out)}))  # fmt: skip


def warm_up(path: str) -> None:
    """Read a cell with rasterio and with rioxarray: what they import and set up on first
    use (xarray's backends, GDAL's drivers) counts as imports, not as a path's memory."""
    import rasterio
    import rioxarray
    from rasterio.windows import Window

    with rasterio.open(path) as src:
        src.read(1, window=Window(0, 0, 1, 1), masked=True)
    with rioxarray.open_rasterio(path, masked=True) as da:
        da.isel(x=slice(0, 1), y=slice(0, 1)).load()


def peak_rss_kb() -> int:
    """This process's peak resident memory (kB) since its ``exec``.

    ``VmHWM`` rather than ``ru_maxrss``: Linux carries a parent's peak over into a
    child's ``ru_maxrss`` across fork and exec, so a child would report the
    larger of its own peak and the parent's (the inputs' generation here).
    """
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def measure(name: str, workdir: Path, repeat: int) -> dict:
    """Run one path ``repeat`` times in a fresh process: best times, peak RSS, digest."""
    done = subprocess.run(
        [sys.executable, __file__, "--child", name, "--out", str(workdir), "--repeat", str(repeat)],
        stdout=subprocess.PIPE, text=True, check=True,
    )  # fmt: skip
    report = json.loads(done.stdout)
    return {
        "path": name,
        "seconds": round(report["seconds"], 2),
        "cpu": round(report["cpu"], 2),
        "peak_mb": round(report["peak_kb"] / 1024),
        "added_mb": round((report["peak_kb"] - report["import_kb"]) / 1024),
        "sha256": hashlib.sha256(Path(report["out"]).read_bytes()).hexdigest()[:12],
        "out": report["out"],
    }


def cells_differing(a: str, b: str) -> int:
    """How many cells of two rasters on one grid differ."""
    from amurlink.core import io

    return int((io.read_raster(a, band=None, masked=False)[0]
                != io.read_raster(b, band=None, masked=False)[0]).sum())  # fmt: skip


def transform_check(cell_sizes=(30.0, 12.5, 7.3, 0.1), windows: int = 200) -> dict:
    """Of ``windows`` random windows of a snapped grid, how many get a transform from
    rioxarray (``isel`` then ``.rio.transform()``, recomputed from the cell-centre
    coordinates) that differs from the exact one (:meth:`amurlink.core.grid.Grid.window_grid`)."""
    import rioxarray  # noqa: F401  (the .rio accessor)
    import xarray as xr
    from affine import Affine
    from rasterio.windows import Window
    from rioxarray.rioxarray import affine_to_coords

    from amurlink.core.grid import Grid

    rng = np.random.default_rng(6)
    out = {}
    for res in cell_sizes:
        # An origin on the cell size's multiples, as Grid.from_bounds snaps it.
        grid = Grid("EPSG:32652", Affine(res, 0, 17_000 * res, 0, -res, 160_000 * res), 3000, 3000)
        da = xr.DataArray(np.empty(grid.shape, np.uint8), dims=("y", "x"),
                          coords=affine_to_coords(grid.transform, grid.width, grid.height))  # fmt: skip
        da = da.rio.write_crs(grid.crs).rio.write_transform(grid.transform)
        off = 0
        for row, col in rng.integers(0, 2990, (windows, 2)):
            sub = da.isel(y=slice(row, row + 8), x=slice(col, col + 8))
            exact = grid.window_grid(Window(col, row, 8, 8)).transform
            off += sub.rio.transform() != exact
        out[res] = int(off)
    return out


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size", type=int, default=4000, help="cells per side of the fine grid")
    parser.add_argument("--out", type=Path, default=Path("/tmp/amurlink-bench-rioxarray"))
    parser.add_argument("--repeat", type=int, default=2, help="runs of each path (best time)")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        run_one(args.child, args.out, args.repeat)
        return
    args.out.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    setup = make_inputs(args.out, args.size)
    (args.out / "inputs.json").write_text(json.dumps(setup))
    print(f"inputs: {args.size} x {args.size} cells ({time.perf_counter() - start:.0f} s)")
    rows = {name: measure(name, args.out, args.repeat) for name in PATHS}
    print("| path | wall s | CPU s | peak MB | MB above imports | output |")
    print("|---|---|---|---|---|---|")
    for name, r in rows.items():
        other = COMPARED_WITH.get(name)
        if other is None:
            same = f"sha256 {r['sha256']}"
        elif rows[other]["sha256"] == r["sha256"]:
            same = f"identical to {other}"
        elif r["out"].endswith(".tif"):
            same = f"{cells_differing(r['out'], rows[other]['out'])} cells differ from {other}"
        else:
            same = f"differs from {other}"
        print(
            f"| {name} | {r['seconds']} | {r['cpu']} | {r['peak_mb']} | {r['added_mb']} | {same} |"
        )
    off = transform_check()
    print("windows (of 200) whose rioxarray transform is off the exact one, by cell size (m):",
          ", ".join(f"{res:g}: {n}" for res, n in off.items()))  # fmt: skip
    print(f"total {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
