"""Occurrence files as raw tables: sightings CSV, GBIF downloads, Darwin Core Archives.

Every reader returns the file's table with every cell a string (empty = missing)
and its own column names; :mod:`amurlink.habitat.sightings` checks and converts
it (naming file, column and lines).  Camera-trap station and detection tables
are plain CSV: :func:`amurlink.core.io.tables.read_table` with ``text=True``.
"""

from __future__ import annotations

import csv
import os
from pathlib import Path

import pandas as pd

from amurlink.core.errors import InputError
from amurlink.core.io.tables import read_table

#: Sightings formats of config ``inputs.sightings_format``.
FORMATS = ("auto", "csv", "gbif", "dwca", "camera_trap")


def detect_format(path: str | os.PathLike) -> str:
    """Guess a sightings file's format: dwca (zip), gbif (tab-separated DwC), camera_trap, csv."""
    path = Path(path)
    if path.suffix.lower() == ".zip":
        return "dwca"
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
    return read_table(path, text=True), fmt
