"""Reading, cleaning and thinning of sightings; camera-trap presence/absence."""

import numpy as np
import pandas as pd
import pytest
from affine import Affine
from scipy.spatial.distance import pdist

from amurlink.core.errors import InputError
from amurlink.core.grid import Grid
from amurlink.core.io import occurrences, tables
from amurlink.habitat.sightings import (
    clean_sightings,
    match_species,
    records_from_table,
    species_presences,
    station_detections,
    target_group_points,
    thin,
    validate_sightings,
    validate_stations,
)

# 100 x 100 cells of 250 m in UTM 52N, near Hunchun
GRID = Grid("EPSG:32652", Affine(250, 0, 300_000, 0, -250, 4_800_000), 100, 100)


def read_sightings(path, crs=None):
    """A sightings CSV as the scripts read it: the raw table from core.io, then validated."""
    return validate_sightings(tables.read_table(path, text=True), path, crs)


def read_stations(path, crs=None):
    return validate_stations(tables.read_table(path, text=True), path, crs)


def write(tmp_path, rows, name="sightings.csv"):
    path = tmp_path / name
    pd.DataFrame(rows).to_csv(path, index=False)
    return path


def xy_rows(points, species="Panthera pardus orientalis", **extra):
    base = {"date": "2020-06-01", "source": "camera_trap", "uncertainty_m": 50}
    return [{"species": species, "x": x, "y": y, **base, **extra} for x, y in points]


def test_read_lonlat_and_validate(tmp_path):
    path = write(
        tmp_path,
        [
            {
                "species": "Panthera pardus orientalis",
                "lon": 130.8,
                "lat": 43.1,
                "date": "2019-05-02",
                "source": "camera_trap",
                "uncertainty_m": 10,
            },
            {
                "species": "Panthera tigris altaica",
                "lon": 131.0,
                "lat": 43.2,
                "date": "2021-01-30",
                "source": "Tracks",
                "uncertainty_m": "",
            },
        ],
    )
    df = read_sightings(path)
    assert df.attrs["crs"] == "EPSG:4326"
    assert df["source"].tolist() == ["camera_trap", "tracks"]
    assert np.isnan(df["uncertainty_m"].iloc[1])
    assert df["date"].iloc[0] == pd.Timestamp("2019-05-02")


def test_read_errors_name_file_column_and_lines(tmp_path):
    good = {
        "species": "a",
        "lon": 130.0,
        "lat": 43.0,
        "date": "2020-01-01",
        "source": "scat",
        "uncertainty_m": 5,
    }
    path = write(tmp_path, [{k: v for k, v in good.items() if k != "source"}])
    with pytest.raises(
        InputError, match=r"sightings.csv: missing column\(s\) 'source'; found species, lon, lat"
    ):
        read_sightings(path)
    path = write(tmp_path, [good, {**good, "date": "31/31/2020"}, good])
    with pytest.raises(InputError, match=r"column 'date'.*line\(s\) 3"):
        read_sightings(path)
    path = write(tmp_path, [good, good, {**good, "lat": "north"}])
    with pytest.raises(InputError, match=r"column 'lat'.*line\(s\) 4"):
        read_sightings(path)
    path = write(tmp_path, [{**good, "lon": 230.0}])
    with pytest.raises(InputError, match="out of range"):
        read_sightings(path)
    path = write(tmp_path, [{**good, "source": "rumour"}])
    with pytest.raises(InputError, match="column 'source'"):
        read_sightings(path)
    path = write(
        tmp_path,
        [
            {
                "species": "a",
                "x": 1,
                "y": 2,
                "date": "2020-01-01",
                "source": "scat",
                "uncertainty_m": 5,
            }
        ],
    )
    with pytest.raises(InputError, match="crs"):
        read_sightings(path)


def test_name_mapping_synonyms_and_subspecies():
    names = pd.Series(
        [
            "Panthera pardus orientalis",
            "PANTHERA  PARDUS",
            "amur leopard",
            "Panthera pardus ssp. orientalis",
            "Panthera pardus japonensis",
            "Panthera tigris altaica",
            "Panthera_pardus_orientalis",
            None,
        ]
    )
    got = match_species(names, "Panthera pardus orientalis", ["Panthera pardus", "Amur leopard"])
    assert got.tolist() == [True, True, True, True, True, False, True, False]
    # a trinomial target alone does not take another subspecies
    got = match_species(names, "Panthera pardus orientalis", [])
    assert got.tolist() == [True, False, False, True, False, False, True, False]
    tiger = match_species(names, "Panthera tigris altaica", ["Panthera tigris"])
    assert tiger.tolist() == [False, False, False, False, False, True, False, False]


def cleaned(tmp_path, rows, **kw):
    df = read_sightings(write(tmp_path, rows), crs="EPSG:32652")
    args = dict(
        species_name="Panthera pardus orientalis",
        synonyms=["Amur leopard"],
        grid=GRID,
        valid_mask=np.ones(GRID.shape, bool),
        max_uncertainty_m=1000,
        date_min="2010-01-01",
        date_max="2024-12-31",
        thin_km=0,
        seed=1,
    )
    args.update(kw)
    return clean_sightings(df, **args)


def test_filters_are_counted_in_audit(tmp_path):
    inside = [(300_000 + 250 * i + 125, 4_790_000 - 125) for i in range(10)]
    rows = xy_rows(inside[:4])
    rows += xy_rows(inside[4:6], species="Panthera tigris altaica")  # other species
    rows += xy_rows(inside[6:7], date="2005-03-01")  # too early
    rows += xy_rows(inside[7:8], uncertainty_m=5000)  # too imprecise
    rows += xy_rows(inside[8:9], uncertainty_m="")  # unknown: kept
    rows += xy_rows([(100_000, 4_790_000)])  # off the grid
    rows += xy_rows([inside[0]], species="Amur leopard")  # same cell as the first
    pres, audit = cleaned(tmp_path, rows)
    a = audit.set_index("step")
    assert a.loc["read", "kept"] == 11
    assert a.loc["species", "dropped"] == 2
    assert a.loc["date", "dropped"] == 1
    assert a.loc["uncertainty", "dropped"] == 1
    assert "1 with unknown uncertainty kept" in a.loc["uncertainty", "reason"]
    assert a.loc["study_area", "dropped"] == 1
    assert a.loc["one_per_cell", "dropped"] == 1
    assert len(pres) == 5 == a.loc["thinning", "kept"]
    assert list(pres.columns[:6]) == ["x", "y", "row", "col", "source", "date"]
    # each step keeps what the previous one kept minus what it dropped
    kept = a["kept"].to_numpy()
    assert (kept[1:] == kept[:-1] - a["dropped"].to_numpy()[1:]).all()


def test_valid_mask_and_one_per_cell(tmp_path):
    valid = np.ones(GRID.shape, bool)
    valid[0, 0] = False
    # two records in cell (5, 5): the more precise one is kept; one record in the masked cell
    c55 = (300_000 + 5 * 250 + 100, 4_800_000 - 5 * 250 - 100)
    rows = xy_rows([c55], uncertainty_m=500) + xy_rows([c55], uncertainty_m=20)
    rows += xy_rows([(300_010, 4_799_990)])
    pres, audit = cleaned(tmp_path, rows, valid_mask=valid)
    assert len(pres) == 1
    assert (pres["row"].iloc[0], pres["col"].iloc[0]) == (5, 5)
    assert pres["uncertainty_m"].iloc[0] == 20


def test_all_outside_study_area_raises(tmp_path):
    rows = xy_rows([(100_000, 4_000_000), (110_000, 4_000_000)])
    rows += xy_rows([(300_500, 4_799_500)], species="Panthera tigris altaica")
    with pytest.raises(
        InputError, match="no sightings of Panthera pardus orientalis inside the study area"
    ):
        cleaned(tmp_path, rows)
    with pytest.raises(InputError, match="no sightings of Panthera uncia"):
        cleaned(tmp_path, rows, species_name="Panthera uncia", synonyms=[])


def test_thinning_min_distance_and_seeded():
    rng = np.random.default_rng(0)
    pts = rng.uniform(0, 20_000, (400, 2))
    keep = thin(pts[:, 0], pts[:, 1], 2000, seed=5)
    assert pdist(pts[keep]).min() > 2000
    assert np.array_equal(keep, thin(pts[:, 0], pts[:, 1], 2000, seed=5))
    # greedy removal keeps a near-maximal set: at least as many as one point per 2.5 km block
    assert len(keep) > 25
    # nothing to thin
    assert len(thin([0, 5000], [0, 0], 2000, seed=1)) == 2


def test_thinning_in_clean(tmp_path):
    pts = [
        (300_000 + 125 + 250 * i, 4_790_125) for i in range(40)
    ]  # 40 cells in a row, 250 m apart
    pres, audit = cleaned(tmp_path, xy_rows(pts), thin_km=1.0)
    assert pdist(pres[["x", "y"]].to_numpy()).min() > 1000
    assert audit.set_index("step").loc["thinning", "dropped"] == 40 - len(pres)
    pres2, _ = cleaned(tmp_path, xy_rows(pts), thin_km=1.0)
    assert pres.equals(pres2)


def test_stations_presence_absence(tmp_path):
    st = write(
        tmp_path,
        [
            {
                "station": "A",
                "x": 301_125,
                "y": 4_795_125,
                "trap_nights": 90,
                "start": "2020-01-01",
                "end": "2020-12-31",
            },
            {
                "station": "B",
                "x": 310_125,
                "y": 4_785_125,
                "trap_nights": 60,
                "start": "2020-01-01",
                "end": "2020-12-31",
            },
            {
                "station": "C",
                "x": 315_125,
                "y": 4_785_125,
                "trap_nights": 0,
                "start": "2020-01-01",
                "end": "2020-12-31",
            },
            {
                "station": "D",
                "x": 305_125,
                "y": 4_785_125,
                "trap_nights": 30,
                "start": "2020-01-01",
                "end": "2020-12-31",
            },
        ],
        "stations.csv",
    )
    stations = read_stations(st, crs="EPSG:32652")
    rows = xy_rows([(301_125, 4_795_125)], station="A")
    rows += xy_rows([(305_130, 4_785_130)], station="")  # no id: matched by distance to D
    rows += xy_rows([(310_125, 4_785_125)], station="B", date="2022-01-01")  # outside B's dates
    sightings = read_sightings(write(tmp_path, rows), crs="EPSG:32652")
    pa = station_detections(stations, sightings, "Panthera pardus orientalis", [], GRID)
    assert pa.set_index("station")["detected"].to_dict() == {"A": True, "B": False, "D": True}


def test_target_group_includes_all_species_and_stations(tmp_path):
    rows = xy_rows([(301_000, 4_795_000)]) + xy_rows([(302_000, 4_795_000)], species="Lynx lynx")
    rows += xy_rows([(100_000, 4_795_000)], species="Lynx lynx")
    sightings = read_sightings(write(tmp_path, rows), crs="EPSG:32652")
    st = pd.DataFrame(
        {"station": ["A"], "x": [303_000.0], "y": [4_795_000.0], "trap_nights": [5.0]}
    )
    st.attrs["crs"] = "EPSG:32652"
    pts = target_group_points(sightings, GRID, np.ones(GRID.shape, bool), stations=st)
    assert pts["kind"].tolist() == ["sighting", "sighting", "station"]


def test_species_presences_reads_a_plain_csv_like_the_rule(tmp_path):
    """records_from_table on what read_occurrences returns; no stations, an empty P/A table."""
    from pyproj import Transformer

    rows = xy_rows([(301_125, 4_795_125), (320_125, 4_780_125)])
    rows += xy_rows([(302_125, 4_795_125)], species="Lynx lynx")
    table = pd.DataFrame(rows)
    to_lonlat = Transformer.from_crs(GRID.crs, "EPSG:4326", always_xy=True)
    table["lon"], table["lat"] = to_lonlat.transform(table.pop("x"), table.pop("y"))
    table.to_csv(tmp_path / "s.csv", index=False)
    raw, fmt = occurrences.read_occurrences(tmp_path / "s.csv")
    assert fmt == "csv" and all(pd.api.types.is_string_dtype(t) for t in raw.dtypes)
    records = records_from_table(raw, fmt, tmp_path / "s.csv")
    assert records.attrs == {"crs": "EPSG:4326", "path": str(tmp_path / "s.csv")}
    presences, audit, pa = species_presences(
        records, None, GRID, None,
        species={"name": "Panthera pardus", "thin_km": 0}, filters={}, seed=0,
    )  # fmt: skip
    assert len(presences) == 2 and audit["step"].iloc[1] == "species"
    assert pa.empty and list(pa.columns)[:2] == ["station", "x"]
