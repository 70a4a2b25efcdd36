"""core.io submodules of the habitat stage: text tables, occurrence files, pickles."""

import pandas as pd
import pytest

from amurlink.core.errors import InputError
from amurlink.core.io import occurrences, pickled, tables


def test_read_table_types_or_text(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("a,b\n1,\n2,x\n")
    typed = tables.read_table(path)
    assert typed["a"].tolist() == [1, 2] and pd.isna(typed.loc[0, "b"])
    text = tables.read_table(path, text=True)
    assert text["a"].tolist() == ["1", "2"] and pd.isna(text.loc[0, "b"])
    with pytest.raises(InputError, match="nope.csv: file not found"):
        tables.read_table(tmp_path / "nope.csv")


def test_detect_format_by_header(tmp_path):
    cases = {
        "a.zip": None,
        "g.csv": "gbifID\tdecimalLatitude\tdecimalLongitude\n",
        "c.csv": "station,date,species,count\n",
        "s.csv": "species,lon,lat,date,source,uncertainty_m\n",
    }
    for name, header in cases.items():
        if header is not None:
            (tmp_path / name).write_text(header)
    got = [occurrences.detect_format(tmp_path / name) for name in cases]
    assert got == ["dwca", "gbif", "camera_trap", "csv"]


def test_pickle_round_trip_and_missing_file(tmp_path):
    path = pickled.write_pickle({"a": [1, 2]}, tmp_path / "sub" / "m.pkl")
    assert pickled.read_pickle(path) == {"a": [1, 2]}
    assert [p.name for p in path.parent.iterdir()] == ["m.pkl"]  # no temporary left
    with pytest.raises(InputError, match="x.pkl: file not found"):
        pickled.read_pickle(tmp_path / "x.pkl")
