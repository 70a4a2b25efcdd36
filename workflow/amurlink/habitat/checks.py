"""Sightings and camera stations checked before any covariate is computed (rule ``check_inputs``).

The same validation and cleaning steps as rule ``presences``
(:mod:`amurlink.habitat.sightings`: columns, coordinates, dates, sources, then
per species the name, date and uncertainty filters and the study area), run on
the grid's extent alone: the covariates' no-data cells are not known yet, so
``presences`` may still drop records in the sea or beyond the land cover, but
every problem that does not need the covariates stops the run here.  Thinning
is left to ``presences`` (it only drops records, it cannot empty a species).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
from pyproj import Transformer

from amurlink.core.errors import InputError
from amurlink.core.grid import Grid
from amurlink.habitat import sightings


def swapped_hint(raw: pd.DataFrame, grid: Grid) -> str:
    """``"; lon and lat look swapped …"`` if swapping them puts most records in the study area.

    ``raw`` is the table as read (``lon``/``lat`` columns, strings); ``""`` when
    it has no such columns or swapping does not help.
    """
    if not isinstance(raw, pd.DataFrame):  # a Camtrap DP package: its own tables
        return ""
    cols = {c.strip().lower(): c for c in raw.columns}
    if not {"lon", "lat"} <= set(cols):
        return ""
    lon = pd.to_numeric(raw[cols["lon"]], errors="coerce").to_numpy(float)
    lat = pd.to_numeric(raw[cols["lat"]], errors="coerce").to_numpy(float)

    def share_inside(x, y):
        ok = np.isfinite(x) & np.isfinite(y) & (np.abs(x) <= 180) & (np.abs(y) <= 90)
        if not ok.any():
            return 0.0
        gx, gy = Transformer.from_crs("EPSG:4326", grid.crs, always_xy=True).transform(x[ok], y[ok])
        return float(grid.contains(np.asarray(gx), np.asarray(gy)).sum() / len(x))

    as_is, swapped = share_inside(lon, lat), share_inside(lat, lon)
    if swapped > 0.5 and swapped > as_is:
        return (
            f"; columns 'lon' and 'lat' look swapped ({100 * swapped:.0f} % of the records "
            f"fall in the study area with lon and lat exchanged)"
        )
    return ""


def check_sightings(
    raw: pd.DataFrame,
    fmt: str,
    path: str,
    stations: pd.DataFrame | None,
    grid: Grid,
    species: Mapping[str, Mapping],
    filters: Mapping,
) -> tuple[list[str], pd.DataFrame | None]:
    """Validate the sightings and clean each species up to the study-area step: report lines.

    Parameters
    ----------
    raw, fmt : DataFrame, str
        From :func:`amurlink.core.io.occurrences.read_occurrences`.
    path : str
        The sightings file, for messages.
    stations : DataFrame or None
        From :func:`amurlink.habitat.sightings.validate_stations` (config
        ``inputs.camera_stations``); a Camtrap DP package brings its own, and
        stations given beside one are an error, as in rule ``presences``
        (:func:`~amurlink.habitat.sightings.records_and_stations`).
    grid : Grid
        The analysis grid (its extent is the study area).
    species : mapping
        Config ``species`` (key → ``name``, ``synonyms``).
    filters : mapping
        Config ``sightings`` (``date_min``, ``date_max``, ``max_uncertainty_m``,
        ``drop_basis_of_record``, ``drop_generalised``: the Darwin Core filters).

    Returns
    -------
    lines : list of str
        A line per species: records read, of the species, left after the
        Darwin Core, date and uncertainty filters and inside the study area.
    stations : DataFrame or None
        The stations used (a Camtrap DP package's deployments, or ``stations``).

    Raises
    ------
    InputError
        As :func:`~amurlink.habitat.sightings.records_from_table` and
        :func:`~amurlink.habitat.sightings.clean_sightings` (missing or
        non-numeric columns, bad dates, no record of a species, none left
        after the filters, all outside the study area), with a hint when lon
        and lat look swapped.
    """
    try:
        records, stations = sightings.records_and_stations(raw, fmt, path, stations)
    except InputError as err:
        raise InputError(f"{err}{swapped_hint(raw, grid)}") from None
    lines = []
    for key, settings in species.items():
        try:
            _, audit = sightings.clean_sightings(
                records,
                species_name=settings["name"],
                synonyms=settings.get("synonyms", []),
                grid=grid,
                valid_mask=None,
                max_uncertainty_m=filters.get("max_uncertainty_m"),
                date_min=filters.get("date_min"),
                date_max=filters.get("date_max"),
                thin_km=0,
                drop_basis=filters.get("drop_basis_of_record", sightings.DROP_BASIS),
                drop_generalised=filters.get("drop_generalised", True),
            )
        except InputError as err:
            raise InputError(f"{err} (species {key}){swapped_hint(raw, grid)}") from None
        kept = dict(zip(audit["step"], audit["kept"], strict=True))
        dwc = [s for s in audit["step"] if s in DARWIN_CORE_STEPS]
        dwc_text = f", {kept[dwc[-1]]} after the Darwin Core filters" if dwc else ""
        lines.append(
            f"{key}: {kept['read']} records read, {kept['species']} of {settings['name']}"
            f"{dwc_text}, {kept['uncertainty']} after the date and uncertainty filters, "
            f"{kept['study_area']} inside the study area"
        )
    return lines, stations


#: Audit steps of the Darwin Core filters (:func:`~amurlink.habitat.sightings.clean_sightings`).
DARWIN_CORE_STEPS = ("occurrence_status", "basis_of_record", "data_generalizations")
