"""Errors a user can act on, and the checks that raise them."""

from __future__ import annotations

import os
from collections.abc import Iterable

import pandas as pd


class InputError(ValueError):
    """A user-supplied input is unusable; the message names file, field and problem."""


def require_columns(
    table: pd.DataFrame, columns: Iterable[str], path: str | os.PathLike, what: str = ""
) -> None:
    """Raise :class:`InputError` naming ``path`` and the columns of ``columns`` it lacks.

    ``what`` says what the table should be (e.g. ``"SWD table"``) when the file's
    role is not obvious from its name.  The message lists the columns found
    (geometry aside), so a misspelt header is seen at once.
    """
    missing = [c for c in columns if c not in table.columns]
    if missing:
        found = [str(c) for c in table.columns if c != "geometry"]
        kind = f" ({what})" if what else ""
        raise InputError(
            f"{os.fspath(path)}: missing column(s) {', '.join(map(repr, missing))}{kind}; "
            f"found {', '.join(found) or 'none'}"
        )
