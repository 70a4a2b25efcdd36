"""Occurrence files as raw tables: sightings CSV, GBIF downloads, Darwin Core Archives.

Every reader returns the file's table with every cell a string (empty = missing)
and its own column names; :mod:`amurlink.habitat.sightings` checks and converts
it (naming file, column and lines).  Camera-trap station and detection tables
are plain CSV: :func:`amurlink.core.io.tables.read_table` with ``text=True``.
A Camtrap DP package (:func:`read_camtrap_dp`) gives its deployments and
observations tables.
"""

from __future__ import annotations

import csv
import json
import os
from pathlib import Path

import pandas as pd

from amurlink.core.errors import InputError
from amurlink.core.io.tables import read_table

#: Sightings formats of config ``inputs.sightings_format``.
FORMATS = ("auto", "csv", "gbif", "dwca", "camera_trap", "camtrap_dp")


def detect_format(path: str | os.PathLike) -> str:
    """Guess a sightings file's format: dwca (zip), camtrap_dp (a datapackage.json or its
    folder), gbif (tab-separated DwC), camera_trap, csv."""
    path = Path(path)
    if path.suffix.lower() == ".zip":
        return "dwca"
    if path.name == "datapackage.json" or path.is_dir():
        return "camtrap_dp"
    if not path.exists():
        raise InputError(f"{path}: file not found")
    with open(path, encoding="utf-8", errors="replace") as f:
        header = f.readline()
    if "\t" in header and "decimalLatitude" in header:
        return "gbif"
    cols = {c.strip().lower() for c in header.split(",")}
    if {"station", "count", "species"} <= cols and not ({"lon", "lat"} <= cols):
        return "camera_trap"
    return "csv"


def read_gbif(path: str | os.PathLike) -> pd.DataFrame:
    """A GBIF occurrence download in the simple format: tab-separated Darwin Core columns.

    GBIF (2024) *Occurrence download formats*; the "simple" download is not quoted.
    """
    return read_table(
        path, text=True, sep="\t", quoting=csv.QUOTE_NONE,
        what="a GBIF tab-separated download",
    )  # fmt: skip


def read_dwca(path: str | os.PathLike) -> pd.DataFrame:
    """The occurrence core of a Darwin Core Archive (zip with meta.xml), via python-dwca-reader.

    Columns are the archive's terms (full URIs or short names).  Wieczorek et al.
    (2012) Darwin Core: an evolving community-developed biodiversity data
    standard. PLoS ONE 7:e29715.
    """
    from dwca.read import DwCAReader

    path = Path(path)
    if not path.exists():
        raise InputError(f"{path}: file not found")
    try:
        with DwCAReader(str(path)) as dwca:
            rows = [dict(row.data) for row in dwca]
    except Exception as err:
        raise InputError(f"{path}: cannot be read as a Darwin Core Archive ({err})") from err
    # the same cells as a CSV read as text: strings, empty (or absent) = missing
    return pd.DataFrame(rows).astype(str).replace({"": pd.NA, "None": pd.NA})


def read_occurrences(path: str | os.PathLike, fmt: str = "auto") -> tuple[pd.DataFrame, str]:
    """The raw table of a sightings file in format ``fmt`` and that format (``auto`` resolved).

    ``auto`` guesses with :func:`detect_format`; ``csv`` and ``camera_trap`` are
    comma-separated text tables.
    """
    if fmt not in FORMATS:
        raise InputError(f"inputs.sightings_format: {fmt!r} is not one of {FORMATS}")
    if fmt == "auto":
        fmt = detect_format(path)
    if fmt == "gbif":
        return read_gbif(path), fmt
    if fmt == "dwca":
        return read_dwca(path), fmt
    if fmt == "camtrap_dp":
        return read_camtrap_dp(path), fmt
    return read_table(path, text=True), fmt


def read_camtrap_dp(path: str | os.PathLike) -> dict:
    """The ``deployments`` and ``observations`` tables of a Camtrap DP package, as text.

    Camtrap DP (Bubnicki et al. 2023, Remote Sens Ecol Conserv, doi:10.1002/rse2.374;
    https://camtrap-dp.tdwg.org) is a Frictionless Data Package: ``datapackage.json``
    lists its resources, each a CSV (``path``, relative to the package, or a list of
    parts) with a Table Schema.  The tables are read as the other sightings files are
    (every cell a string) and converted by
    :func:`amurlink.habitat.sightings.camtrap_dp_tables`; the schemas are not needed
    for that, so the package is read with ``json`` and pandas rather than frictionless.

    ``path`` is the ``datapackage.json`` or its folder.  Returns a dict: the two
    tables (``deployments``, ``observations``, each with ``attrs['path']`` its CSV),
    the package's ``profile`` and the descriptor's ``path``.
    """
    path = Path(path)
    descriptor = path / "datapackage.json" if path.is_dir() else path
    if not descriptor.exists():
        raise InputError(f"{descriptor}: file not found")
    try:
        package = json.loads(descriptor.read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise InputError(f"{descriptor}: cannot be read as a data package ({err})") from err
    resources = {r.get("name"): r for r in package.get("resources", []) if isinstance(r, dict)}
    tables = {}
    for name in ("deployments", "observations"):
        if name not in resources:
            raise InputError(
                f"{descriptor}: no resource {name!r} (a Camtrap DP package has deployments, "
                f"media and observations; found {sorted(k for k in resources if k)})"
            )
        parts = resources[name].get("path")
        parts = [parts] if isinstance(parts, str) else list(parts or [])
        if not parts or any("://" in p for p in parts):
            raise InputError(
                f"{descriptor}: resource {name!r} needs local file path(s), found {parts}"
            )
        frames = [read_table(descriptor.parent / p, text=True) for p in parts]
        tables[name] = pd.concat(frames, ignore_index=True)
        tables[name].attrs["path"] = str(descriptor.parent / parts[0])
    tables["profile"] = str(package.get("profile", ""))
    tables["path"] = str(descriptor)
    return tables
