"""Every raster is a valid Cloud Optimized GeoTIFF with nodata, description, units and statistics."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import rasterio
from rio_cogeo.cogeo import cog_validate

from amurlink.core import io
from amurlink.core.grid import Grid
from amurlink.outputs import styles


def cog_problems(path: Path) -> list[str]:
    """What keeps ``path`` from being a fully described COG (empty when it is one)."""
    valid, errors, warnings = cog_validate(str(path), strict=True)
    problems = [*errors, *warnings] if not valid else []
    with rasterio.open(path) as src:
        if src.nodata is None:
            problems.append("no nodata value")
        if src.compression is None or src.compression.value not in ("DEFLATE", "ZSTD"):
            problems.append(f"compression {src.compression}")
        for band in range(1, src.count + 1):
            if not src.descriptions[band - 1]:
                problems.append(f"band {band} has no description")
            if not src.units[band - 1]:
                problems.append(f"band {band} has no units")
            if "STATISTICS_MINIMUM" not in src.tags(band):
                problems.append(f"band {band} has no statistics")
        if max(src.shape) > 512 and not src.overviews(1):
            problems.append("no overviews")
    return problems


@pytest.fixture
def wide_grid():
    """Large enough (1200 x 1100 cells) for the COG driver to build overviews."""
    return Grid.from_bounds("EPSG:32652", (600_000, 4_700_000, 720_000, 4_810_000), 100)


def test_class_raster_is_a_cog_with_colour_table_and_mode_overviews(tmp_path, wide_grid):
    # One cell in each 2 x 2 block is class 1 (top-left on the left half, bottom-right on
    # the right): the mode of every block is 0, whichever corner NEAREST would pick, and
    # AVERAGE would not give 0 either.
    classes = np.zeros(wide_grid.shape, "uint8")
    half = wide_grid.width // 2
    classes[0::2, 0:half:2] = 1
    classes[1::2, half + 1 :: 2] = 1
    path = io.write_raster(
        tmp_path / "habitat.tif", classes, wide_grid, nodata=255, descriptions="habitat",
        units="class", categorical=True, colormap=styles.habitat_colours(),
    )  # fmt: skip
    assert cog_problems(path) == []
    with rasterio.open(path) as src:
        assert src.colormap(1)[1] == styles.HABITAT_CLASSES[1][1]
        assert src.overviews(1) == [2, 4]
        overview = src.read(1, out_shape=(src.height // 2, src.width // 2))
    assert set(np.unique(overview).tolist()) == {0}
    assert io.CATEGORICAL_RESAMPLING == "MODE"


def test_continuous_raster_is_a_cog_with_average_overviews(tmp_path, wide_grid):
    values = np.tile(np.arange(wide_grid.width, dtype="float32") % 2, (wide_grid.height, 1))
    path = io.write_raster(
        tmp_path / "suitability.tif", values, wide_grid, nodata=-9999.0,
        descriptions="suitability", units="cloglog 0-1",
    )  # fmt: skip
    assert cog_problems(path) == []
    with rasterio.open(path) as src:
        overview = src.read(1, out_shape=(src.height // 2, src.width // 2))
    np.testing.assert_allclose(overview, 0.5)  # the average of 0 and 1


def test_problems_are_reported_for_a_plain_geotiff(tmp_path, wide_grid):
    path = tmp_path / "plain.tif"
    with rasterio.open(
        path, "w", driver="GTiff", width=wide_grid.width, height=wide_grid.height, count=1,
        dtype="float32", crs=wide_grid.crs, transform=wide_grid.transform,
    ) as dst:  # fmt: skip
        dst.write(np.ones(wide_grid.shape, "float32"), 1)
    problems = cog_problems(path)
    assert "no nodata value" in problems
    assert "band 1 has no description" in problems


# ------------------------------------------------------------------ the workflow's rasters


@pytest.mark.slow
def test_every_raster_of_the_workflow_is_a_described_cog(run_dir):
    rasters = sorted((run_dir / "results").rglob("*.tif"))
    rasters = [p for p in rasters if not any(part.startswith(".") for part in p.parts)]
    assert len(rasters) > 20
    problems = {str(p.relative_to(run_dir)): cog_problems(p) for p in rasters}
    assert {k: v for k, v in problems.items() if v} == {}


@pytest.mark.slow
def test_class_rasters_carry_colour_tables(run_dir):
    results = run_dir / "results"
    for path in [
        results / "prepare" / "landcover.tif",
        results / "prepare" / "country.tif",
        *results.glob("habitat/*/habitat.tif"),
    ]:
        with rasterio.open(path) as src:
            colours = src.colormap(1)
            present = np.unique(src.read(1, masked=True).compressed())
        assert all(colours[int(v)][3] == 255 for v in present), path
