"""Tables of the connectivity stage: link pairs and the circuit rules' resistance tables.

Circuitscape (and :mod:`amurlink.connectivity.circuit`) write −1 as the effective
resistance of a pair that is not connected; the readers here turn it into NaN, so
the library sees one missing-value convention.
"""

from __future__ import annotations

import os

import numpy as np
import pandas as pd

from amurlink.core.errors import require_columns
from amurlink.core.io.tables import read_table

#: Columns naming a link's two cores, in every link table.
LINK_ENDS = ["from_core", "to_core"]


def _read_csv(path: str | os.PathLike, columns: list[str], what: str) -> pd.DataFrame:
    table = read_table(path, what=what)
    require_columns(table, columns, path, what)
    return table


def read_link_pairs(path: str | os.PathLike) -> list[tuple[int, int]]:
    """``(from_core, to_core)`` pairs of the corridors rule's link table (``links.csv``)."""
    table = _read_csv(path, LINK_ENDS, "link table")
    return list(zip(table["from_core"].astype(int), table["to_core"].astype(int), strict=True))


def _disconnected_to_nan(values: pd.Series) -> pd.Series:
    values = values.astype(float)
    return values.where(values >= 0)


def read_effective_resistance(path: str | os.PathLike) -> pd.DataFrame:
    """The circuit rule's pairwise table as ``from_core`` < ``to_core``, one row a pair.

    Columns ``from_core``, ``to_core``, ``effective_resistance`` (NaN for a pair
    that is not connected) and ``current`` when the file has it.
    """
    table = _read_csv(path, ["core_a", "core_b", "effective_resistance"], "effective resistances")
    ends = table[["core_a", "core_b"]]
    table = table.assign(
        from_core=ends.min(axis=1).astype(np.int64),
        to_core=ends.max(axis=1).astype(np.int64),
        effective_resistance=_disconnected_to_nan(table["effective_resistance"]),
    )
    keep = [*LINK_ENDS, "effective_resistance", *(c for c in ("current",) if c in table.columns)]
    return table[keep].drop_duplicates(LINK_ENDS)


def read_corridor_resistance(path: str | os.PathLike) -> pd.DataFrame:
    """The pinch-point rule's link table as ``from_core``, ``to_core``, ``corridor_resistance``.

    ``corridor_resistance`` is the effective resistance within the link's corridor
    (ohm), NaN where the corridor does not join the cores.
    """
    table = _read_csv(path, [*LINK_ENDS, "effective_resistance"], "pinch-point link table")
    table = table.assign(corridor_resistance=_disconnected_to_nan(table["effective_resistance"]))
    return table[[*LINK_ENDS, "corridor_resistance"]]
