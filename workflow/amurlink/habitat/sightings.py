"""Sightings: validation, cleaning and spatial thinning of presence records.

The tables come from :mod:`amurlink.core.io.occurrences` as read (every cell a
string); the functions here check and convert them, raising
:class:`~amurlink.core.errors.InputError` with the file (``path``, passed in for
the message), the column and the line numbers.

Cleaning follows the usual steps for occurrence data before species
distribution modelling (Aiello-Lammens et al. 2015, Ecography 38:541, spThin;
Boria et al. 2014, Ecol Model 275:73): keep the species (names mapped through
synonyms and subspecies), a date range and a maximum coordinate uncertainty;
keep records inside the study area; keep one record per grid cell; then thin
so that no two presences are closer than ``thin_km``.  Each step is counted in
an audit table.

Sighting coordinates are sensitive (poaching): the cleaned table stays internal.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Sequence

import numpy as np
import pandas as pd
from pyproj import Transformer
from scipy.spatial import cKDTree

from amurlink.core.errors import InputError, require_columns
from amurlink.core.grid import Grid

SOURCES = ("camera_trap", "tracks", "scat", "report")
SIGHTING_COLUMNS = ("species", "date", "source", "uncertainty_m")
STATION_COLUMNS = ("station", "trap_nights", "start", "end")
CAMERA_TRAP_COLUMNS = ("station", "date", "species", "count")
#: Darwin Core columns kept from GBIF and DwC-A records for the cleaning steps.
DWC_COLUMNS = ("occurrence_status", "basis_of_record", "data_generalizations")
#: basisOfRecord values dropped by default: fossils and zoo animals are no wild presences.
DROP_BASIS = ("FOSSIL_SPECIMEN", "LIVING_SPECIMEN")
#: Columns of a species' presence/absence table at camera-trap stations.
STATION_PA_COLUMNS = ("station", "x", "y", "row", "col", "trap_nights", "detections", "detected")
_INFRASPECIFIC = re.compile(r"\b(ssp|subsp|var|f)\.?\s+")

PathLike = str | os.PathLike


def _line_numbers(mask) -> str:
    """File line numbers of table rows (header is line 1), abbreviated."""
    lines = (np.flatnonzero(np.asarray(mask)) + 2).tolist()
    shown = ", ".join(map(str, lines[:10]))
    return shown + (f" … ({len(lines)} rows)" if len(lines) > 10 else "")


def _lower_columns(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``df`` with stripped, lower-case column names (headers are typed by hand)."""
    return df.rename(columns=lambda c: c.strip().lower())


def _coordinates(df: pd.DataFrame, path, crs: str | None) -> tuple[pd.DataFrame, str]:
    """Parse lon/lat (WGS84) or x/y (``crs``) into float columns x, y."""
    cols = set(df.columns)
    if {"lon", "lat"} <= cols and crs is None:
        xcol, ycol, src_crs = "lon", "lat", "EPSG:4326"
    elif {"x", "y"} <= cols:
        if crs is None:
            raise InputError(f"{path}: columns x, y need the `crs` argument (or give lon, lat)")
        xcol, ycol, src_crs = "x", "y", crs
    else:
        require_columns(df, ("lon", "lat"), path, "need lon, lat in WGS84, or x, y")
        xcol, ycol, src_crs = "lon", "lat", crs
    out = df.copy()
    for col in (xcol, ycol):
        vals = pd.to_numeric(out[col], errors="coerce")
        bad = vals.isna() | ~np.isfinite(vals)
        if bad.any():
            raise InputError(
                f"{path}: column '{col}' is empty or not a number at line(s) {_line_numbers(bad)}"
            )
        out[col] = vals.astype(float)
    if src_crs == "EPSG:4326":
        bad = (out[xcol].abs() > 180) | (out[ycol].abs() > 90)
        if bad.any():
            raise InputError(
                f"{path}: columns 'lon'/'lat' out of range (lon ±180, lat ±90) at line(s) "
                f"{_line_numbers(bad)}"
            )
    out["x"], out["y"] = out[xcol].to_numpy(), out[ycol].to_numpy()
    return out, src_crs


def _dates(values: pd.Series, path, column: str, required: bool) -> pd.Series:
    dates = pd.to_datetime(values, errors="coerce", format="ISO8601")
    bad = dates.isna() & values.notna()
    if bad.any():
        raise InputError(
            f"{path}: column '{column}' has unparseable dates (use ISO YYYY-MM-DD) at line(s) "
            f"{_line_numbers(bad)}"
        )
    if required and dates.isna().any():
        raise InputError(
            f"{path}: column '{column}' is empty at line(s) {_line_numbers(dates.isna())}"
        )
    return dates


def _non_negative(values: pd.Series, path, column: str, bad_if_missing: bool) -> pd.Series:
    """``values`` as floats; an :class:`InputError` at lines that are not numbers ≥ 0.

    Missing cells are errors when ``bad_if_missing``, else they stay NaN.
    """
    numbers = pd.to_numeric(values, errors="coerce")
    bad = (numbers.isna() if bad_if_missing else numbers.isna() & values.notna()) | (numbers < 0)
    if bad.any():
        raise InputError(
            f"{path}: column '{column}' is not a non-negative number at line(s) {_line_numbers(bad)}"
        )
    return numbers.astype(float)


def validate_sightings(df: pd.DataFrame, path: PathLike, crs: str | None = None) -> pd.DataFrame:
    """Check and convert a sightings table in the plain CSV layout.

    Required columns: ``species``, ``date`` (ISO), ``source`` (one of
    camera_trap, tracks, scat, report), ``uncertainty_m`` (may be empty =
    unknown), and either ``lon``/``lat`` in WGS84 or ``x``/``y`` in ``crs``.
    Optional: ``station`` (camera-trap station id).

    Parameters
    ----------
    df : DataFrame
        The table as read, every cell a string
        (:func:`amurlink.core.io.occurrences.read_occurrences`).
    path
        The file it came from, for messages and ``attrs``.

    Returns
    -------
    DataFrame
        species, x, y, date (datetime64, NaT if empty), source, uncertainty_m
        (float, NaN if unknown), station, line (file line number); ``attrs``
        hold ``crs`` of x/y and ``path``.

    Raises
    ------
    InputError
        Naming the file and the column: missing columns, unparseable
        coordinates, dates or uncertainties (with line numbers), unknown sources.
    """
    df = _lower_columns(df)
    require_columns(df, SIGHTING_COLUMNS, path)
    df, src_crs = _coordinates(df, path, crs)
    if df["species"].isna().any():
        raise InputError(
            f"{path}: column 'species' is empty at line(s) {_line_numbers(df['species'].isna())}"
        )
    df["date"] = _dates(df["date"], path, "date", required=False)
    df["uncertainty_m"] = _non_negative(df["uncertainty_m"], path, "uncertainty_m", False)
    df["source"] = df["source"].fillna("").str.strip().str.lower()
    bad = ~df["source"].isin(SOURCES)
    if bad.any():
        raise InputError(
            f"{path}: column 'source' must be one of {', '.join(SOURCES)}; line(s) {_line_numbers(bad)}"
        )
    if "station" not in df.columns:
        df["station"] = pd.NA
    df["line"] = np.arange(len(df)) + 2
    dwc = [c for c in DWC_COLUMNS if c in df.columns]
    out = df[["species", "x", "y", "date", "source", "uncertainty_m", "station", "line", *dwc]]
    out = out.copy()
    out.attrs.update(crs=src_crs, path=str(path))
    return out


def validate_stations(df: pd.DataFrame, path: PathLike, crs: str | None = None) -> pd.DataFrame:
    """Check and convert a camera-trap station table: station, lon, lat (or x, y), trap_nights, start, end.

    ``df`` is the table as read (strings), ``path`` its file (for messages).
    Returns station, x, y, trap_nights (float ≥ 0), start, end (datetime64);
    ``attrs`` hold ``crs`` and ``path``.
    """
    df = _lower_columns(df)
    require_columns(df, STATION_COLUMNS, path)
    df, src_crs = _coordinates(df, path, crs)
    df["trap_nights"] = _non_negative(df["trap_nights"], path, "trap_nights", True)
    df["start"] = _dates(df["start"], path, "start", required=False)
    df["end"] = _dates(df["end"], path, "end", required=False)
    if df["station"].isna().any() or df["station"].duplicated().any():
        raise InputError(f"{path}: column 'station' must hold unique, non-empty ids")
    out = df[["station", "x", "y", "trap_nights", "start", "end"]].copy()
    out.attrs.update(crs=src_crs, path=str(path))
    return out


# ------------------------------------------------------- other formats
#: GBIF basisOfRecord → sighting source
_BASIS = {"MACHINE_OBSERVATION": "camera_trap", "HUMAN_OBSERVATION": "report"}


def _from_darwin_core(df: pd.DataFrame, path) -> pd.DataFrame:
    """Darwin Core occurrence columns → the plain sightings layout.

    Uses ``species`` (else ``scientificName``), ``decimalLongitude``/``decimalLatitude``
    (WGS84), ``eventDate`` (first date of an ISO interval; times dropped),
    ``coordinateUncertaintyInMeters`` and ``basisOfRecord`` (machine observation →
    camera_trap, others → report); ``occurrenceStatus``, ``basisOfRecord`` and
    ``dataGeneralizations`` are kept for :func:`clean_sightings`'s Darwin Core steps.
    """
    # DwC-A may give full term URIs: go by the last part (the last column of a name wins)
    terms = df.set_axis([str(c).split("/")[-1] for c in df.columns], axis=1)
    terms = terms.loc[:, ~terms.columns.duplicated(keep="last")]
    require_columns(terms, ("decimalLatitude", "decimalLongitude"), path, "Darwin Core")

    def col(name):
        if name in terms.columns:
            return terms[name]
        return pd.Series(pd.NA, index=df.index, dtype=object)

    species = col("species").replace("", pd.NA)
    if "scientificName" in terms.columns:
        species = species.fillna(col("scientificName"))
    if species.isna().all():
        raise InputError(f"{path}: missing Darwin Core column 'species' (or 'scientificName')")
    dates = col("eventDate").astype("string").str.split("/").str[0].str.slice(0, 10)
    basis = col("basisOfRecord").astype("string").str.strip().str.upper()
    out = pd.DataFrame(
        {
            "species": species,
            "lon": col("decimalLongitude"),
            "lat": col("decimalLatitude"),
            "date": dates.replace("", pd.NA),
            "source": basis.map(_BASIS).fillna("report"),
            "uncertainty_m": col("coordinateUncertaintyInMeters").replace("", pd.NA),
            "occurrence_status": col("occurrenceStatus").astype("string").str.strip().str.upper(),
            "basis_of_record": basis,
            "data_generalizations": col("dataGeneralizations").astype("string").str.strip(),
        }
    )
    return out.dropna(subset=["species"]).reset_index(drop=True)


def camera_trap_sightings(df: pd.DataFrame, stations: pd.DataFrame, path: PathLike) -> pd.DataFrame:
    """Camera-trap detections (station, date, species, count) placed at their stations.

    Rows with ``count`` 0 are effort without detection and yield no sighting.
    ``df`` is the detection table as read (strings), ``path`` its file;
    ``stations`` a table from :func:`validate_stations` (its coordinates and CRS).
    """
    df = _lower_columns(df)
    require_columns(
        df, CAMERA_TRAP_COLUMNS, path, "camera-trap table: station, date, species, count"
    )
    count = _non_negative(df["count"], path, "count", True)
    unknown = ~df["station"].isin(stations["station"])
    if unknown.any():
        raise InputError(
            f"{path}: station(s) {sorted(df.loc[unknown, 'station'].unique())[:5]} not in the "
            f"station table {stations.attrs.get('path', '')}"
        )
    det = df[count > 0].merge(stations[["station", "x", "y"]], on="station", how="left")
    out = pd.DataFrame(
        {
            "species": det["species"],
            "x": det["x"],
            "y": det["y"],
            "date": det["date"],
            "source": "camera_trap",
            "uncertainty_m": "0",
            "station": det["station"],
        }
    )
    return validate_sightings(out, path, stations.attrs.get("crs", "EPSG:4326"))


def _first_column(df: pd.DataFrame, names: Sequence[str], path, what: str) -> pd.Series:
    """The first of ``names`` (Camtrap DP 1.0 name first, then 0.x) that ``df`` has."""
    for name in names:
        if name in df.columns:
            return df[name]
    raise InputError(f"{path}: missing column {names[0]!r} ({what})")


def camtrap_dp_tables(package: dict) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A Camtrap DP package as the station table and the detection table of the CSV layouts.

    Camtrap DP 1.0 (Bubnicki et al. 2023, Remote Sens Ecol Conserv,
    doi:10.1002/rse2.374): every *deployment* (a camera at a location for a period)
    is a station, ``station = deploymentID``, at its ``latitude``/``longitude``
    (WGS84), with effort ``trap_nights`` = ``deploymentEnd − deploymentStart`` in days
    and ``start``/``end`` their dates; deployments without any observation stay as
    zero-detection effort.  *Observations* of ``observationType = animal`` (humans,
    vehicles, blanks and unknowns left out) become detections (``deploymentID``,
    the date of ``eventStart``, ``scientificName``, ``count``, 1 where empty); where
    a package has both event- and media-level observations of the same animals, the
    event level is kept (Camtrap DP's ``observationLevel``), so nothing is counted
    twice.  0.x names (``start``, ``end``, ``timestamp``) are read too.

    ``package`` is :func:`amurlink.core.io.occurrences.read_camtrap_dp`'s result.
    Returns ``(stations, detections)`` as text tables for :func:`validate_stations`
    and :func:`camera_trap_sightings`.
    """
    dep, obs = package["deployments"], package["observations"]
    dpath, opath = dep.attrs.get("path", package["path"]), obs.attrs.get("path", package["path"])
    start = _first_column(dep, ["deploymentStart", "start"], dpath, "Camtrap DP deployments")
    end = _first_column(dep, ["deploymentEnd", "end"], dpath, "Camtrap DP deployments")
    t0 = pd.to_datetime(start, errors="coerce", utc=True, format="ISO8601")
    t1 = pd.to_datetime(end, errors="coerce", utc=True, format="ISO8601")
    bad = t0.isna() | t1.isna() | (t1 < t0)
    if bad.any():
        raise InputError(
            f"{dpath}: deploymentStart/deploymentEnd missing, not ISO 8601 or end before start "
            f"at line(s) {_line_numbers(bad)}"
        )
    stations = pd.DataFrame(
        {
            "station": _first_column(dep, ["deploymentID"], dpath, "Camtrap DP deployments"),
            "lon": _first_column(dep, ["longitude"], dpath, "Camtrap DP deployments"),
            "lat": _first_column(dep, ["latitude"], dpath, "Camtrap DP deployments"),
            "trap_nights": ((t1 - t0).dt.total_seconds() / 86400.0).astype(str),
            "start": start.str.slice(0, 10),
            "end": end.str.slice(0, 10),
        }
    )
    if "observationType" in obs.columns:
        obs = obs[obs["observationType"].fillna("").str.strip().str.lower() == "animal"]
    if "observationLevel" in obs.columns:
        level = obs["observationLevel"].fillna("").str.strip().str.lower()
        if (level == "event").any():
            obs = obs[level == "event"]
    when = _first_column(obs, ["eventStart", "timestamp"], opath, "Camtrap DP observations")
    detections = pd.DataFrame(
        {
            "station": _first_column(obs, ["deploymentID"], opath, "Camtrap DP observations"),
            "date": when.str.slice(0, 10),
            "species": _first_column(obs, ["scientificName"], opath, "Camtrap DP observations"),
            "count": obs["count"].fillna("1") if "count" in obs.columns else "1",
        }
    )
    detections = detections[detections["species"].notna()].reset_index(drop=True)
    return stations, detections


def records_and_stations(
    raw, fmt: str, path: PathLike, stations: pd.DataFrame | None = None
) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """Sightings and camera-trap stations from what :func:`~amurlink.core.io.occurrences.read_occurrences` read.

    A Camtrap DP package brings its own stations (:func:`camtrap_dp_tables`);
    other formats use ``stations`` (config ``inputs.camera_stations``, validated).
    """
    if fmt != "camtrap_dp":
        return records_from_table(raw, fmt, path, stations), stations
    if stations is not None:
        raise InputError(
            f"{stations.attrs.get('path', 'inputs.camera_stations')}: not used with a Camtrap DP "
            f"package ({path}), whose deployments are the stations; remove inputs.camera_stations"
        )
    station_table, detections = camtrap_dp_tables(raw)
    stations = validate_stations(station_table, raw["deployments"].attrs.get("path", path))
    return camera_trap_sightings(detections, stations, raw["observations"].attrs["path"]), stations


def records_from_table(
    df: pd.DataFrame, fmt: str, path: PathLike, stations: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Sightings (as :func:`validate_sightings` returns them) from a table read in format ``fmt``.

    ``df`` and ``fmt`` are what :func:`amurlink.core.io.occurrences.read_occurrences`
    returns for ``path``: ``gbif`` and ``dwca`` are Darwin Core occurrences
    (:func:`_from_darwin_core`), ``camera_trap`` a detection table that needs the
    ``stations``, ``csv`` the plain layout.
    """
    if fmt in ("gbif", "dwca"):
        return validate_sightings(_from_darwin_core(df, path), path, None)
    if fmt == "camera_trap":
        if stations is None:
            raise InputError(f"{path}: a camera-trap table needs inputs.camera_stations")
        return camera_trap_sightings(df, stations, path)
    return validate_sightings(df, path)


# ----------------------------------------------------------------- names
def normalise_name(name: str) -> str:
    """Lower case, single spaces, no infraspecific rank markers (ssp., subsp., var.)."""
    s = re.sub(r"[_\s]+", " ", str(name).strip().lower())
    return _INFRASPECIFIC.sub("", s).strip()


def match_species(names: pd.Series, species_name: str, synonyms: Sequence[str] = ()) -> np.ndarray:
    """Which names denote the species: the configured name, a synonym, or a subspecies of either.

    Matching is case-insensitive.  A trinomial record matches a binomial target
    (``Panthera tigris altaica`` matches ``Panthera tigris``), but a different
    subspecies does not match a trinomial target (``Panthera pardus japonensis``
    does not match ``Panthera pardus orientalis``).
    """
    targets = {normalise_name(n) for n in [species_name, *synonyms]}
    norm = names.fillna("").map(normalise_name)

    def matches(n: str) -> bool:
        if n in targets:
            return True
        return any(n.startswith(t + " ") and len(t.split()) == 2 for t in targets)

    return norm.map(matches).to_numpy(bool)


# ---------------------------------------------------------------- thinning
def thin(x, y, min_distance: float, seed: int, reps: int = 10) -> np.ndarray:
    """Indices kept by spThin's randomised thinning; no two kept points closer than ``min_distance``.

    Aiello-Lammens et al. (2015) Ecography 38:541.  Repeatedly remove, at random,
    one of the points with the most neighbours within ``min_distance`` until no
    point has any; run ``reps`` times (seeded) and keep the largest set (first
    found on ties).  Pairs at exactly ``min_distance`` count as too close.
    """
    pts = np.column_stack([np.asarray(x, float), np.asarray(y, float)])
    n = len(pts)
    if n < 2 or min_distance <= 0:
        return np.arange(n)
    pairs = cKDTree(pts).query_pairs(min_distance, output_type="ndarray")
    if len(pairs) == 0:
        return np.arange(n)
    neighbours: list[set[int]] = [set() for _ in range(n)]
    for a, b in pairs:
        neighbours[a].add(b)
        neighbours[b].add(a)
    rng = np.random.default_rng(seed)
    best: np.ndarray | None = None
    for _ in range(max(reps, 1)):
        nb = [set(s) for s in neighbours]
        degree = np.array([len(s) for s in nb])
        alive = np.ones(n, bool)
        while degree.max() > 0:
            candidates = np.flatnonzero(degree == degree.max())
            drop = int(rng.choice(candidates))
            alive[drop] = False
            for other in nb[drop]:
                nb[other].discard(drop)
                degree[other] -= 1
            nb[drop].clear()
            degree[drop] = 0
        kept = np.flatnonzero(alive)
        if best is None or len(kept) > len(best):
            best = kept
    return best


# ---------------------------------------------------------------- cleaning
def _to_grid_crs(df: pd.DataFrame, grid: Grid) -> tuple[np.ndarray, np.ndarray]:
    src = df.attrs.get("crs", grid.crs)
    if src == grid.crs:
        return df["x"].to_numpy(float), df["y"].to_numpy(float)
    tr = Transformer.from_crs(src, grid.crs, always_xy=True)
    return tr.transform(df["x"].to_numpy(float), df["y"].to_numpy(float))


def locate(df: pd.DataFrame, grid: Grid, valid_mask: np.ndarray | None = None) -> pd.DataFrame:
    """Project x, y to the grid CRS, add row, col and ``inside`` (on the grid and valid)."""
    out = df.copy()
    x, y = _to_grid_crs(df, grid)
    out["x"], out["y"] = x, y
    row, col = grid.rowcol(x, y)
    inside = grid.contains(x, y)
    if valid_mask is not None and inside.any():
        inside[inside] = np.asarray(valid_mask, bool)[row[inside], col[inside]]
    out["row"], out["col"], out["inside"] = row, col, inside
    out.attrs = {**df.attrs, "crs": grid.crs}
    return out


def clean_sightings(
    df: pd.DataFrame,
    species_name: str,
    synonyms: Sequence[str],
    grid: Grid,
    valid_mask: np.ndarray | None,
    max_uncertainty_m: float | None = None,
    date_min: str | None = None,
    date_max: str | None = None,
    thin_km: float = 0.0,
    seed: int = 0,
    keep_unknown_uncertainty: bool = True,
    drop_basis: Sequence[str] = DROP_BASIS,
    drop_generalised: bool = True,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Clean one species' sightings for modelling.

    Steps, each counted in the audit (step, kept, dropped, reason):

    1. ``species``: names matching ``species_name``/``synonyms``/subspecies (case-insensitive);

    then, for Darwin Core records (GBIF, DwC-A: the table has their columns), as GBIF's
    own occurrence filters and its data-quality guidance (Chapman 2005, *Principles of
    data quality*, GBIF; Zizka et al. 2019, CoordinateCleaner, Methods Ecol Evol 10:744):

    - ``occurrence_status``: ``occurrenceStatus = ABSENT`` records are absences, dropped;
    - ``basis_of_record``: ``basisOfRecord`` in ``drop_basis`` (fossils, living
      specimens in zoos and gardens) dropped;
    - ``data_generalizations``: records whose ``dataGeneralizations`` is not empty
      (coordinates generalised by the publisher, e.g. for sensitive species) dropped
      when ``drop_generalised``, as their true precision is unknown;

    and for every record:

    2. ``date``: within [date_min, date_max]; records without a date are dropped when
       a bound is set;
    3. ``uncertainty``: ``uncertainty_m ≤ max_uncertainty_m``; unknown uncertainty
       is kept (and counted) unless ``keep_unknown_uncertainty`` is False;
    4. ``study_area``: on the grid and in a valid cell (``valid_mask``: every
       covariate has data);
    5. ``one_per_cell``: one record per cell, the most precise, then the latest;
    6. ``thinning``: spThin to ``thin_km`` (:func:`thin`, seeded).

    Parameters
    ----------
    df : DataFrame
        From :func:`validate_sightings` (``attrs['crs']`` is the CRS of x, y).
    grid : Grid
        The analysis grid; output x, y are in its CRS.
    valid_mask : bool array of grid.shape, optional

    Returns
    -------
    presences : DataFrame
        x, y, row, col, source, date (ISO string), uncertainty_m, station.
    audit : DataFrame
        step, kept, dropped, reason.

    Raises
    ------
    InputError
        If no record names the species, or every record of it lies outside the study area.
    """
    path = df.attrs.get("path", "sightings")
    steps = [
        ("species", lambda cur: _species_step(cur, species_name, synonyms, path)),
        *_darwin_core_steps(df, drop_basis, drop_generalised),
        ("date", lambda cur: _date_step(cur, date_min, date_max)),
        (
            "uncertainty",
            lambda cur: _uncertainty_step(cur, max_uncertainty_m, keep_unknown_uncertainty),
        ),
        ("study_area", lambda cur: _study_area_step(cur, grid, valid_mask, species_name, path)),
        ("one_per_cell", _one_per_cell_step),
        ("thinning", lambda cur: _thinning_step(cur, thin_km, seed)),
    ]
    audit = [
        {"step": "read", "kept": len(df), "dropped": 0, "reason": f"{len(df)} records in {path}"}
    ]
    cur = df
    for step, run in steps:
        before = len(cur)
        cur, reason = run(cur)
        audit.append(
            {"step": step, "kept": len(cur), "dropped": before - len(cur), "reason": reason}
        )
    return _presence_table(cur), pd.DataFrame(audit, columns=["step", "kept", "dropped", "reason"])


# Each step of clean_sightings takes the records left and returns those it keeps and the
# audit's reason for the ones it drops.


def _species_step(cur, species_name, synonyms, path) -> tuple[pd.DataFrame, str]:
    is_species = match_species(cur["species"], species_name, synonyms)
    others = sorted(set(cur.loc[~is_species, "species"].dropna().astype(str)))
    kept = cur[is_species].copy()
    if kept.empty:
        raise InputError(
            f"{path}: no sightings of {species_name} (or synonyms {list(synonyms)}) in column "
            f"'species'; names found: {', '.join(others[:20]) or 'none'}"
        )
    return kept, f"other species: {', '.join(others) or 'none'}"


def _non_empty(values: pd.Series) -> pd.Series:
    return values.notna() & (values.astype("string").str.strip() != "")


def darwin_core_kept(
    df: pd.DataFrame, drop_basis: Sequence[str] = DROP_BASIS, drop_generalised: bool = True
) -> np.ndarray:
    """Rows :func:`clean_sightings`'s Darwin Core steps keep (all rows of other tables)."""
    cur = df
    for _, step in _darwin_core_steps(df, drop_basis, drop_generalised):
        cur, _ = step(cur)
    return df.index.isin(cur.index)


def _darwin_core_steps(df, drop_basis, drop_generalised) -> list:
    """The Darwin Core steps of :func:`clean_sightings` for the columns ``df`` has."""

    def drop(column, bad, reason):
        def step(cur):
            flagged = bad(cur[column]).fillna(False).to_numpy(bool)
            return cur[~flagged], reason

        return (column, step)

    basis = {b.upper() for b in drop_basis}
    steps = []
    if "occurrence_status" in df.columns:
        steps.append(drop("occurrence_status", lambda v: v.str.upper() == "ABSENT", "ABSENT"))
    if "basis_of_record" in df.columns:
        reason = f"basisOfRecord {', '.join(sorted(basis)) or '(none dropped)'}"
        steps.append(drop("basis_of_record", lambda v: v.str.upper().isin(basis), reason))
    if "data_generalizations" in df.columns:
        if drop_generalised:
            steps.append(drop("data_generalizations", _non_empty, "coordinates generalised"))
        else:
            steps.append(("data_generalizations", lambda cur: (cur, "generalised records kept")))
    return steps


def _date_step(cur, date_min, date_max) -> tuple[pd.DataFrame, str]:
    if date_min is None and date_max is None:
        return cur, "no date range set"
    ok = cur["date"].notna()
    if date_min is not None:
        ok &= cur["date"] >= pd.Timestamp(date_min)
    if date_max is not None:
        ok &= cur["date"] <= pd.Timestamp(date_max)
    no_date = int(cur["date"].isna().sum())
    return cur[ok], f"outside {date_min or '…'} to {date_max or '…'} ({no_date} without date)"


def _uncertainty_step(cur, max_uncertainty_m, keep_unknown) -> tuple[pd.DataFrame, str]:
    if max_uncertainty_m is None:
        return cur, "no maximum set"
    unknown = cur["uncertainty_m"].isna()
    ok = cur["uncertainty_m"] <= max_uncertainty_m
    if keep_unknown:
        ok |= unknown
    return cur[ok], (
        f"uncertainty_m > {max_uncertainty_m:g}; {int(unknown.sum())} with unknown uncertainty "
        f"{'kept' if keep_unknown else 'dropped'}"
    )


def _study_area_step(cur, grid, valid_mask, species_name, path) -> tuple[pd.DataFrame, str]:
    located = locate(cur, grid, valid_mask)
    kept = located[located["inside"]]
    if kept.empty and len(cur) > 0:
        raise InputError(
            f"{path}: no sightings of {species_name} inside the study area: all {len(cur)} records "
            f"that passed the filters lie outside the grid bounds "
            f"{tuple(round(b) for b in grid.bounds)} ({grid.crs}) or on no-data cells; check the "
            f"coordinates (lon/lat order, CRS) and study_area in the config"
        )
    if kept.empty:
        raise InputError(
            f"{path}: no sightings of {species_name} left after the date and uncertainty filters"
        )
    return kept, "outside the grid or in a no-data cell"


def _one_per_cell_step(cur) -> tuple[pd.DataFrame, str]:
    """The most precise record of each cell, then the latest, then the first in the file."""
    order = cur.assign(_unc=cur["uncertainty_m"].fillna(np.inf), _d=cur["date"]).sort_values(
        ["row", "col", "_unc", "_d", "line"],
        ascending=[True, True, True, False, True],
        kind="stable",
    )
    kept = order.drop_duplicates(["row", "col"], keep="first").drop(columns=["_unc", "_d"])
    return kept.sort_values("line", kind="stable"), "another record in the same cell"


def _thinning_step(cur, thin_km, seed) -> tuple[pd.DataFrame, str]:
    if not (thin_km and thin_km > 0):
        return cur, "no thinning"
    keep = thin(cur["x"].to_numpy(), cur["y"].to_numpy(), thin_km * 1000.0, seed)
    return (
        cur.iloc[np.sort(keep)],
        f"closer than {thin_km:g} km to a kept record (spThin, seed {seed})",
    )


def _presence_table(cur: pd.DataFrame) -> pd.DataFrame:
    """The cleaned records as the presences table (grid CRS, ISO dates)."""
    return pd.DataFrame(
        {
            "x": cur["x"].to_numpy(float),
            "y": cur["y"].to_numpy(float),
            "row": cur["row"].to_numpy(np.int64),
            "col": cur["col"].to_numpy(np.int64),
            "source": cur["source"].to_numpy(),
            "date": cur["date"].dt.strftime("%Y-%m-%d").to_numpy(),
            "uncertainty_m": cur["uncertainty_m"].to_numpy(float),
            "station": cur["station"].to_numpy(),
        }
    )


def species_presences(
    records: pd.DataFrame,
    stations: pd.DataFrame | None,
    grid: Grid,
    valid_mask: np.ndarray | None,
    *,
    species: dict,
    filters: dict,
    seed: int,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """One species' presences, cleaning audit and station presence/absence (rule ``presences``).

    ``species`` is the config entry (``name``, ``synonyms``, ``thin_km``),
    ``filters`` config ``sightings`` (``max_uncertainty_m``, ``date_min``,
    ``date_max``).  Returns :func:`clean_sightings`'s presences and audit and
    :func:`station_detections` (an empty table of its columns without stations).
    """
    synonyms = species.get("synonyms", [])
    presences, audit = clean_sightings(
        records,
        species_name=species["name"],
        synonyms=synonyms,
        grid=grid,
        valid_mask=valid_mask,
        max_uncertainty_m=filters.get("max_uncertainty_m"),
        date_min=filters.get("date_min"),
        date_max=filters.get("date_max"),
        thin_km=species.get("thin_km", 0),
        seed=seed,
        drop_basis=filters.get("drop_basis_of_record", DROP_BASIS),
        drop_generalised=filters.get("drop_generalised", True),
    )
    if stations is None:
        return presences, audit, pd.DataFrame(columns=list(STATION_PA_COLUMNS))
    detections = station_detections(stations, records, species["name"], synonyms, grid, valid_mask)
    return presences, audit, detections


def station_detections(
    stations: pd.DataFrame,
    sightings: pd.DataFrame,
    species_name: str,
    synonyms: Sequence[str],
    grid: Grid,
    valid_mask: np.ndarray | None = None,
    match_distance_m: float | None = None,
) -> pd.DataFrame:
    """Presence/absence of the species at camera-trap stations.

    A station with effort (trap_nights > 0) detected the species when a
    ``camera_trap`` sighting of it names the station (column ``station``) or,
    for sightings without a station id, lies within ``match_distance_m`` (default
    one cell) of it, within the station's start–end dates when both are known.
    Stations with effort and no detection are absences: the true absences
    needed for TSS.

    Returns
    -------
    DataFrame
        station, x, y, row, col, trap_nights, detections, detected (bool); only
        stations inside the study area with trap_nights > 0.
    """
    if match_distance_m is None:
        match_distance_m = grid.resolution
    st = locate(stations, grid, valid_mask)
    st = st[st["inside"] & (st["trap_nights"] > 0)].reset_index(drop=True)
    cols = list(STATION_PA_COLUMNS)
    if st.empty:
        return pd.DataFrame(columns=cols)
    sp = sightings[match_species(sightings["species"], species_name, synonyms)]
    sp = sp[sp["source"] == "camera_trap"]
    sp = locate(sp, grid, None) if len(sp) else sp.assign(row=[], col=[], inside=[])
    counts = np.zeros(len(st), np.int64)
    by_id = {str(s): i for i, s in enumerate(st["station"])}
    tree = cKDTree(st[["x", "y"]].to_numpy()) if len(st) else None
    for rec in sp.itertuples(index=False):
        sid = rec.station
        if (
            sid is not None
            and not (isinstance(sid, float) and math.isnan(sid))
            and not pd.isna(sid)
        ):
            idx = by_id.get(str(sid))
        else:
            d, j = tree.query([rec.x, rec.y])
            idx = int(j) if d <= match_distance_m else None
        if idx is None:
            continue
        start, end = st.at[idx, "start"], st.at[idx, "end"]
        if (
            pd.notna(rec.date)
            and pd.notna(start)
            and pd.notna(end)
            and not (start <= rec.date <= end)
        ):
            continue
        counts[idx] += 1
    st["detections"] = counts
    st["detected"] = counts > 0
    return st[cols]


def target_group_points(
    sightings: pd.DataFrame,
    grid: Grid,
    valid_mask: np.ndarray | None = None,
    max_uncertainty_m: float | None = None,
    date_min: str | None = None,
    date_max: str | None = None,
    stations: pd.DataFrame | None = None,
    drop_basis: Sequence[str] = DROP_BASIS,
    drop_generalised: bool = True,
) -> pd.DataFrame:
    """Locations of the target group: sightings of all species (and effort stations).

    Phillips et al. (2009) Ecol Appl 19:181.  The same date, uncertainty and Darwin
    Core filters as for the focal species apply (:func:`darwin_core_kept`: no
    absences, fossils or zoo animals), so the target group shares its survey
    period; camera-trap stations with effort are added because they are survey
    effort whether or not they detected anything.

    Returns x, y (grid CRS), row, col, kind ('sighting' | 'station'), inside the study area.
    """
    keep = darwin_core_kept(sightings, drop_basis, drop_generalised)
    if date_min is not None:
        keep &= (sightings["date"] >= pd.Timestamp(date_min)).to_numpy(bool)
    if date_max is not None:
        keep &= (sightings["date"] <= pd.Timestamp(date_max)).to_numpy(bool)
    if max_uncertainty_m is not None:
        unc = sightings["uncertainty_m"]
        keep &= ((unc <= max_uncertainty_m) | unc.isna()).to_numpy(bool)
    parts = [locate(sightings[keep], grid, valid_mask).assign(kind="sighting")]
    if stations is not None and len(stations):
        st = stations[stations["trap_nights"] > 0]
        parts.append(locate(st, grid, valid_mask).assign(kind="station"))
    pts = pd.concat(
        [p[["x", "y", "row", "col", "kind", "inside"]] for p in parts], ignore_index=True
    )
    return pts[pts["inside"]].drop(columns="inside").reset_index(drop=True)
