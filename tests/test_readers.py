"""Sightings formats: GBIF simple download, Darwin Core Archive, camera-trap tables, format choice.

core.io.occurrences reads each file's raw table; habitat.sightings converts and checks it.
"""

import zipfile

import numpy as np
import pandas as pd
import pytest

from amurlink.core.errors import InputError
from amurlink.core.io import occurrences, tables
from amurlink.habitat import sightings


def read_any(path, fmt="auto", stations=None):
    """Sightings of any format, read and converted as the presences rule does."""
    raw, fmt = occurrences.read_occurrences(path, fmt)
    return sightings.records_from_table(raw, fmt, path, stations)


GBIF_HEADER = [
    "gbifID", "species", "scientificName", "decimalLatitude", "decimalLongitude",
    "coordinateUncertaintyInMeters", "eventDate", "basisOfRecord",
]  # fmt: skip
GBIF_ROWS = [
    ["1", "Panthera pardus", "Panthera pardus orientalis (Schlegel, 1857)", "43.1", "131.2",
     "250", "2019-05-03T10:00:00", "MACHINE_OBSERVATION"],
    ["2", "", "Panthera tigris altaica", "43.3", "131.0", "", "2018-01-01/2018-02-01",
     "HUMAN_OBSERVATION"],
]  # fmt: skip


def test_gbif_simple_download(tmp_path):
    path = tmp_path / "0001234.csv"
    lines = ["\t".join(GBIF_HEADER)] + ["\t".join(r) for r in GBIF_ROWS]
    path.write_text("\n".join(lines) + "\n")
    assert occurrences.detect_format(path) == "gbif"
    df = read_any(path)
    assert list(df["species"]) == ["Panthera pardus", "Panthera tigris altaica"]  # falls back
    assert list(df["source"]) == ["camera_trap", "report"]
    assert df["uncertainty_m"].iloc[0] == 250 and np.isnan(df["uncertainty_m"].iloc[1])
    assert str(df["date"].iloc[0].date()) == "2019-05-03"
    assert str(df["date"].iloc[1].date()) == "2018-01-01"  # start of the interval
    assert df["x"].iloc[0] == pytest.approx(131.2) and df.attrs["crs"] == "EPSG:4326"


def test_darwin_core_archive(tmp_path):
    meta = """<archive xmlns="http://rs.tdwg.org/dwc/text/">
  <core encoding="UTF-8" fieldsTerminatedBy="\\t" linesTerminatedBy="\\n" fieldsEnclosedBy=""
        ignoreHeaderLines="1" rowType="http://rs.tdwg.org/dwc/terms/Occurrence">
    <files><location>occurrence.txt</location></files>
    <id index="0"/>
    <field index="1" term="http://rs.tdwg.org/dwc/terms/species"/>
    <field index="2" term="http://rs.tdwg.org/dwc/terms/scientificName"/>
    <field index="3" term="http://rs.tdwg.org/dwc/terms/decimalLatitude"/>
    <field index="4" term="http://rs.tdwg.org/dwc/terms/decimalLongitude"/>
    <field index="5" term="http://rs.tdwg.org/dwc/terms/coordinateUncertaintyInMeters"/>
    <field index="6" term="http://rs.tdwg.org/dwc/terms/eventDate"/>
    <field index="7" term="http://rs.tdwg.org/dwc/terms/basisOfRecord"/>
  </core>
</archive>"""
    occ = "\n".join(["\t".join(GBIF_HEADER)] + ["\t".join(r) for r in GBIF_ROWS]) + "\n"
    path = tmp_path / "dwca.zip"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("meta.xml", meta)
        z.writestr("occurrence.txt", occ)
    assert occurrences.detect_format(path) == "dwca"
    df = read_any(path, "dwca")
    assert len(df) == 2 and df["y"].iloc[1] == pytest.approx(43.3)
    assert list(df["source"]) == ["camera_trap", "report"]


def test_camera_trap_table_joined_to_stations(tmp_path):
    st = tmp_path / "stations.csv"
    pd.DataFrame(
        {"station": ["A", "B"], "lon": [131.0, 131.1], "lat": [43.0, 43.2],
         "trap_nights": [30, 40], "start": ["2020-01-01"] * 2, "end": ["2020-02-01"] * 2}
    ).to_csv(st, index=False)  # fmt: skip
    det = tmp_path / "detections.csv"
    pd.DataFrame(
        {"station": ["A", "B", "B"], "date": ["2020-01-05", "2020-01-06", "2020-01-07"],
         "species": ["Panthera pardus", "Panthera pardus", "Sus scrofa"], "count": [1, 0, 2]}
    ).to_csv(det, index=False)  # fmt: skip
    stations = sightings.validate_stations(tables.read_table(st, text=True), st)
    assert occurrences.detect_format(det) == "camera_trap"
    df = read_any(det, "auto", stations)
    # the count-0 row is effort without detection: no sighting
    assert list(df["species"]) == ["Panthera pardus", "Sus scrofa"]
    assert list(df["station"]) == ["A", "B"]
    assert df["x"].iloc[1] == pytest.approx(131.1) and (df["source"] == "camera_trap").all()
    bad = tmp_path / "bad.csv"
    pd.DataFrame({"station": ["Z"], "date": ["2020-01-01"], "species": ["x"], "count": [1]}).to_csv(
        bad, index=False
    )
    with pytest.raises(InputError, match="not in the station table"):
        read_any(bad, "camera_trap", stations)
    with pytest.raises(InputError, match="needs inputs.camera_stations"):
        read_any(det, "camera_trap", None)


def test_gbif_without_coordinates_is_a_clear_error(tmp_path):
    path = tmp_path / "g.csv"
    path.write_text("gbifID\tspecies\tdecimalLatitude\n1\tPanthera pardus\t43\n")
    with pytest.raises(
        InputError, match="missing column\\(s\\) 'decimalLongitude' \\(Darwin Core\\)"
    ):
        read_any(path, "gbif")


def test_unknown_format_and_missing_file_are_clear_errors(tmp_path):
    with pytest.raises(InputError, match="inputs.sightings_format: 'kml' is not one of"):
        occurrences.read_occurrences(tmp_path / "s.csv", "kml")
    with pytest.raises(InputError, match="s.csv: file not found"):
        occurrences.read_occurrences(tmp_path / "s.csv")
    bad = tmp_path / "bad.csv"
    bad.write_text('a,b\n"1,2\n')
    with pytest.raises(InputError, match="bad.csv: cannot be read as CSV"):
        tables.read_table(bad, text=True)
