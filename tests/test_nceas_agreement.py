"""bench/nceas_agreement.py's location check, on a hand-computed region."""

import importlib.util
from pathlib import Path

import pandas as pd
import pytest

REPO = Path(__file__).resolve().parents[1]


def agreement_module():
    spec = importlib.util.spec_from_file_location(
        "nceas_agreement", REPO / "bench" / "nceas_agreement.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_location_check_scores_sites_by_distance_to_the_species_records(tmp_path):
    folder = tmp_path / "R1"
    folder.mkdir()
    x0, y0 = 100_000.0, 200_000.0  # metres: not degree-like, so taken as projected
    records = pd.DataFrame({"species": ["a", "a", "b"], "x": [x0, x0, x0],
                            "y": [y0, y0, y0 - 10_000], "t1": [0.1, 0.2, 0.3]})  # fmt: skip
    records.to_csv(folder / "presence_swd.csv", index=False)
    pd.DataFrame({"species": "background", "x": [x0], "y": [y0], "t1": [0.5]}).to_csv(
        folder / "background_swd.csv", index=False
    )
    # b's record sits on an absence of 'a', which only its own records score
    # 'a': presences 1 and 3 km from its records, absences 2 and 10 km; an unsurveyed site
    sites = pd.DataFrame({"site": range(5),
                          "x": [x0 + 1000, x0, x0 - 2000, x0, x0 + 7],
                          "y": [y0, y0 + 3000, y0, y0 - 10_000, y0],
                          "t1": 0.5, "a": [1, 1, 0, 0, None], "b": [0, 0, 0, 0, 0]})  # fmt: skip
    sites.to_csv(folder / "test_sites.csv", index=False)
    (folder / "categorical.txt").write_text("")
    out = agreement_module().location_check(folder)
    # pairs (presence nearer than absence): 1<2, 1<10, 3<10 of four: 0.75
    assert list(out.index) == ["a"]  # 'b' has no test presence: no AUC
    assert out.loc["a", "nearest_record_auc"] == pytest.approx(0.75)
    assert out.loc["a", "median_km_presences"] == pytest.approx(2.0)
    assert out.loc["a", "median_km_absences"] == pytest.approx(6.0)
