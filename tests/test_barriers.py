"""Barrier Mapper improvement scores against hand-computed values."""

import numpy as np
import pytest

from amurlink.connectivity.barriers import barrier_scores, disk, improvement, radii_in_cells
from amurlink.connectivity.corridors import CoreCostDistances

RES = 100.0  # m per cell: cost units are resistance x metres


def _strip_with_barrier():
    """5 x 41 strip, resistance 1, a barrier of resistance 11 on columns 20-21.

    Core 1 is column 0, core 2 column 40.  The cost of a step is the mean of the
    two cells' resistances x 100 m, so CWD_A(j) = 100 (sum_{i<=j} r_i - (r_0 + r_j)/2)
    and LCD = 100 (41 + 2 x 10 - 1) = 6000.
    """
    resistance = np.ones((5, 41))
    resistance[:, 20:22] = 11.0
    cores = np.zeros((5, 41), np.int32)
    cores[:, 0] = 1
    cores[:, 40] = 2
    return resistance, cores


def test_improvement_at_barrier_equals_hand_computation():
    resistance, cores = _strip_with_barrier()
    cwd = CoreCostDistances(resistance, cores, RES)
    lcd = cwd.lcd(1, 2)
    assert lcd == pytest.approx(6000.0)
    saved = improvement(cwd(1), cwd(2), lcd, 5, RES)
    # Window of radius 5 cells centred on column 20 spans columns 15-25:
    # min CWD_A = CWD_A(15) = 1500, min CWD_B = CWD_B(25) = 1500, restored
    # crossing 2 r R = 1000 m x 1: LCD' = 4000, saved 2000 = barrier width 2 x
    # (11 - 1) x 100 m.  Score 2000 / 1000 m = 2 per metre; 33.3 % of the LCD.
    assert saved[2, 20] == pytest.approx(2000.0)
    assert saved[2, 21] == pytest.approx(2000.0)
    # Far from the barrier restoring changes nothing: column 8 spans 3-13,
    # LCD' = 300 + 4700 + 1000 = 6000.
    assert saved[2, 8] == pytest.approx(0.0, abs=1e-9)
    result = barrier_scores(resistance, cores, [(1, 2)], RES, [500])
    assert result.score[2, 20] == pytest.approx(2.0)
    assert result.percent[2, 20] == pytest.approx(100 * 2000 / 6000)
    assert result.score[2, 8] == pytest.approx(0.0, abs=1e-12)
    assert result.score[:, :10].max() == pytest.approx(0.0, abs=1e-12)
    assert result.best_radius_m[2, 20] == 500


def test_smaller_window_on_the_barrier_scores_more_per_metre():
    resistance, cores = _strip_with_barrier()
    # Radius 1 cell centred on column 20 spans 19-21: CWD_A(19) = 1900,
    # CWD_B(21) = 100 (20 + 10 - (11 + 1)/2) = 2400, crossing 200:
    # saved = 6000 - 1900 - 2400 - 200 = 1500, score 1500 / 200 = 7.5.
    result = barrier_scores(resistance, cores, [(1, 2)], RES, [100, 500])
    assert result.score[2, 20] == pytest.approx(7.5)
    assert result.best_radius_m[2, 20] == 100
    assert result.links["max_score"].iloc[0] == pytest.approx(7.5)
    assert result.links["lcd"].iloc[0] == pytest.approx(6000.0)


def test_restored_resistance_enters_the_crossing_cost():
    resistance, cores = _strip_with_barrier()
    # Restored to resistance 2: crossing costs 1000 m x 2, saved 2000 - 1000 = 1000.
    result = barrier_scores(resistance, cores, [(1, 2)], RES, [500], restored_resistance=2)
    assert result.score[2, 20] == pytest.approx(1.0)


def test_uniform_strip_has_no_barrier_and_nodata_stays_nodata():
    resistance = np.ones((5, 30))
    resistance[0, 10] = np.nan
    cores = np.zeros((5, 30), np.int32)
    cores[:, 0], cores[:, -1] = 1, 2
    result = barrier_scores(resistance, cores, [(1, 2)], RES, [100, 300])
    assert np.nanmax(result.score) == pytest.approx(0.0, abs=1e-9)
    assert np.isnan(result.score[0, 10])


def test_radii_in_cells_and_disk():
    assert radii_in_cells([250, 500, 1000], 1000) == [1]
    assert radii_in_cells([250, 500, 1000], 250) == [1, 2, 4]
    with pytest.raises(ValueError):
        radii_in_cells([], 250)
    footprint = disk(2)
    assert footprint.shape == (5, 5)
    assert footprint.sum() == 13  # centre, 4 at distance 1, 4 diagonals, 4 at distance 2


def test_rule_scripts_write_barriers_and_pinchpoints(tmp_path, small_grid):
    """The barriers and pinchpoints scripts on a strip with a barrier, as rasters."""
    import runpy
    from pathlib import Path
    from types import SimpleNamespace

    import pandas as pd
    import rasterio

    from amurlink.core import io

    rows, cols = small_grid.shape  # 40 x 50 cells of 100 m
    resistance = np.ones((rows, cols), "float32")
    resistance[:, 24:26] = 11.0
    resistance[0, 0] = -9999  # no-data stays no-data
    cores = np.zeros((rows, cols), "int32")
    cores[:, 0], cores[:, -1] = 1, 2
    io.write_raster(tmp_path / "resistance.tif", resistance, small_grid, nodata=-9999.0,
                    descriptions="resistance")  # fmt: skip
    io.write_raster(tmp_path / "cores.tif", cores, small_grid, nodata=0, descriptions="core_id")
    io.write_raster(tmp_path / "corridors.tif", np.zeros((rows, cols), "float32"), small_grid,
                    nodata=-9999.0, descriptions="nlcc")  # fmt: skip
    pd.DataFrame({"link_id": [1], "from_core": [1], "to_core": [2]}).to_csv(
        tmp_path / "links.csv", index=False
    )
    cfg = {"barrier_radii_m": [500], "restored_resistance": 1, "neighbours": 8,
           "corridor_width_km": 1000, "circuit_solver": "auto", "circuit_shorting": "pair"}  # fmt: skip
    scripts = Path(__file__).parents[1] / "workflow/scripts"
    common = dict(resistance=str(tmp_path / "resistance.tif"), cores=str(tmp_path / "cores.tif"),
                  links=str(tmp_path / "links.csv"))  # fmt: skip
    for rule, inputs, outputs in (
        ("barriers", common,
         {"barriers": str(tmp_path / "barriers.tif"), "table": str(tmp_path / "b.csv")}),
        ("pinchpoints", {**common, "corridors": str(tmp_path / "corridors.tif")},
         {"pinchpoints": str(tmp_path / "pinch.tif"), "table": str(tmp_path / "p.csv")}),
    ):  # fmt: skip
        snakemake = SimpleNamespace(
            input=SimpleNamespace(**inputs), output=SimpleNamespace(**outputs),
            params=SimpleNamespace(connectivity=cfg), log=[str(tmp_path / f"{rule}.log")],
            rule=rule, wildcards={},
        )  # fmt: skip
        runpy.run_path(str(scripts / f"{rule}.py"), init_globals={"snakemake": snakemake})
    # As in the hand computation above: barrier 2 cells x (11 - 1) x 100 m saved over a
    # 1000 m crossing -> score 2 at the barrier, 0 far from it.
    score, grid = io.read_raster(tmp_path / "barriers.tif")
    assert grid == small_grid
    assert score[20, 24] == pytest.approx(2.0, rel=1e-6)
    assert score[20, 10] == pytest.approx(0.0, abs=1e-6)
    assert score.mask[0, 0]
    with rasterio.open(tmp_path / "barriers.tif") as src:
        assert src.descriptions[:2] == ("improvement_score", "improvement_percent")
    # 1 A over 40 rows of the strip: the barrier columns carry 1/40 A per cell at most.
    pinch, _ = io.read_raster(tmp_path / "pinch.tif")
    assert float(pinch[20, 10]) == pytest.approx(1 / 40, rel=0.05)
    assert pd.read_csv(tmp_path / "p.csv")["effective_resistance"].iloc[0] > 0
