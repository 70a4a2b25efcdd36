"""CSV tables read into pandas DataFrames, failing clearly on a missing or unreadable file.

Writing is :func:`amurlink.core.io.write_table` (atomic).
"""

from __future__ import annotations

import csv
import os
from pathlib import Path

import pandas as pd

from amurlink.core.errors import InputError


def read_table(
    path: str | os.PathLike,
    *,
    text: bool = False,
    sep: str = ",",
    quoting: int = csv.QUOTE_MINIMAL,
    what: str = "CSV",
) -> pd.DataFrame:
    """Read a delimited text table.

    Parameters
    ----------
    text : bool
        Keep every cell as a string (empty cells as missing, nothing else read
        as NA), for tables a validator converts column by column with line
        numbers in its messages (user inputs); else pandas' usual type inference.
    sep, quoting
        As :func:`pandas.read_csv` (GBIF downloads: tab-separated, no quoting).
    what
        The format, for the message when the file cannot be parsed.

    Raises
    ------
    InputError
        ``<path>: file not found`` or ``<path>: cannot be read as <what> (<parser error>)``.
    """
    path = Path(path)
    if not path.exists():
        raise InputError(f"{path}: file not found")
    options = {"dtype": str, "keep_default_na": False, "na_values": [""]} if text else {}
    try:
        return pd.read_csv(path, sep=sep, quoting=quoting, **options)
    except Exception as err:  # pandas raises several parser errors
        raise InputError(f"{path}: cannot be read as {what} ({err})") from err
