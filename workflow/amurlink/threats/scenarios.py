"""Compare a scenario's connectivity with the baseline: ΔPC, ΔEC, links kept, weakened, lost.

A scenario (a proposed road, a logging concession, a wildlife crossing …) is run
through resistance, cores, corridors, circuit and graph like the baseline
(:mod:`amurlink.connectivity.cores`: scenario cores are labelled on habitat minus the
scenario's new footprint), so its core ids need not be the baseline's.  Cores
are matched by cell overlap: a scenario core only ever loses cells, so each lies
inside one baseline core, and :func:`match_cores` maps it to the baseline core
holding most of its cells.

Links are then compared pair by pair: a baseline link between cores A and B is
*matched* by every scenario link whose two ends map to A and B.  Its change is
measured by

* effective resistance (circuit theory, McRae et al. 2008, Ecology 89:2712):
  the resistance of the whole landscape between the two cores, so it also rises
  when a road narrows a corridor without cutting the least-cost path; and
* cost-weighted distance of the least-cost path (Adriaensen et al. 2003,
  Landscape Urban Plan. 64:233; Linkage Mapper, McRae & Kavanagh 2011).

Status of a baseline link:

``lost``
    no scenario link joins the same two cores (a core vanished, or the link was
    dropped because its path now runs through another core or too far);
``weakened``
    effective resistance or cwd grew by more than ``weakened_pct`` per cent;
``improved``
    either fell by more than ``weakened_pct`` per cent and neither grew by more;
``unchanged``
    otherwise.

A scenario link whose ends map to a pair with no baseline link is ``new``; one
whose two ends map to the *same* baseline core joins the two halves of a core
the scenario split (``split``).

ΔPC and ΔEC follow Saura & Pascual-Hortal (2007, Landscape Urban Plan. 83:91)
and Saura et al. (2011, Ecol. Indic. 11:407): absolute differences and per cent
of the baseline value; a negative ΔPC is connectivity lost.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

#: Per-cent change above which a link counts as weakened (or improved).
WEAKENED_PCT = 5.0

LINK_COLUMNS = [
    "link_id",
    "from_core",
    "to_core",
    "crosses_border",
    "dPC",
    "status",
    "scenario_link_ids",
    "effective_resistance_baseline",
    "effective_resistance_scenario",
    "delta_effective_resistance",
    "delta_effective_resistance_pct",
    "cwd_baseline",
    "cwd_scenario",
    "delta_cwd",
    "delta_cwd_pct",
]


def match_cores(scenario_cores: np.ndarray, baseline_cores: np.ndarray) -> dict[int, int]:
    """Map each scenario core id to the baseline core holding most of its cells.

    Parameters
    ----------
    scenario_cores, baseline_cores : ndarray of int
        Core-id rasters on one grid (0 or masked = not core).

    Returns
    -------
    dict
        ``{scenario_core_id: baseline_core_id}``; a scenario core lying on no
        baseline core (possible only if the scenario adds habitat) maps to 0.
        Ties go to the smaller baseline id.
    """
    scen = np.ma.filled(np.ma.asarray(scenario_cores), 0).astype(np.int64)
    base = np.ma.filled(np.ma.asarray(baseline_cores), 0).astype(np.int64)
    if scen.shape != base.shape:
        raise ValueError(f"core rasters differ in shape: {scen.shape} vs {base.shape}")
    inside = scen > 0
    out: dict[int, int] = {}
    if not inside.any():
        return out
    pairs = np.stack([scen[inside], base[inside]], axis=1)
    uniq, counts = np.unique(pairs, axis=0, return_counts=True)
    table = pd.DataFrame({"s": uniq[:, 0], "b": uniq[:, 1], "n": counts})
    # baseline 0 (no core) only wins when nothing else overlaps
    table["real"] = table["b"] > 0
    table = table.sort_values(["s", "real", "n", "b"], ascending=[True, False, False, True])
    for s, b in table.drop_duplicates("s")[["s", "b"]].itertuples(index=False):
        out[int(s)] = int(b)
    return out


def _pct(delta: float, base: float) -> float:
    if base is None or not np.isfinite(base) or base == 0 or not np.isfinite(delta):
        return float("nan")
    return float(100.0 * delta / base)


def compare_indices(baseline: Mapping, scenario: Mapping) -> dict:
    """ΔPC, ΔEC and ΔIIC, absolute and per cent of the baseline.

    Parameters
    ----------
    baseline, scenario : mapping
        ``indices.json`` of each (``PC``, ``EC``, ``IIC``; None = undefined).

    Returns
    -------
    dict
        ``<index>_baseline``, ``<index>_scenario``, ``delta_<index>``,
        ``delta_<index>_pct`` for PC, EC and IIC.
    """
    out = {}
    for key in ("PC", "EC", "IIC"):
        b = baseline.get(key)
        s = scenario.get(key)
        b = float("nan") if b is None else float(b)
        s = float("nan") if s is None else float(s)
        d = s - b
        out[f"{key}_baseline"] = b
        out[f"{key}_scenario"] = s
        out[f"delta_{key}"] = d
        out[f"delta_{key}_pct"] = _pct(d, b)
    return out


def _pair(a, b) -> tuple[int, int]:
    a, b = int(a), int(b)
    return (a, b) if a <= b else (b, a)


def _status(d_er_pct: float, d_cwd_pct: float, threshold: float) -> str:
    changes = [v for v in (d_er_pct, d_cwd_pct) if np.isfinite(v)]
    if any(v > threshold for v in changes):
        return "weakened"
    if any(v < -threshold for v in changes):
        return "improved"
    return "unchanged"


def compare_links(
    baseline_links: pd.DataFrame,
    scenario_links: pd.DataFrame,
    core_map: Mapping[int, int],
    weakened_pct: float = WEAKENED_PCT,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Match each baseline link with the scenario's links between the same cores.

    Parameters
    ----------
    baseline_links, scenario_links : DataFrame
        Link tables (``links_ranked``): ``link_id``, ``from_core``, ``to_core``,
        ``cwd``, ``effective_resistance`` (NaN allowed); ``crosses_border`` and
        ``dPC`` are carried when present.
    core_map : mapping
        Scenario core id → baseline core id (:func:`match_cores`).
    weakened_pct : float
        Per-cent change in effective resistance or cwd above which a link is
        ``weakened`` (or ``improved``).

    Returns
    -------
    links : DataFrame
        One row per baseline link, columns :data:`LINK_COLUMNS`.  Where several
        scenario links join the same pair (a split core), the scenario value is
        the smallest (the best remaining connection).
    new_links : DataFrame
        Scenario links with no baseline counterpart: ``link_id``,
        ``from_core``/``to_core`` (scenario ids), ``baseline_from``,
        ``baseline_to``, ``status`` (``new`` or ``split``), ``cwd``,
        ``effective_resistance``.
    """
    scen = pd.DataFrame(scenario_links).copy()
    for col in ("cwd", "effective_resistance"):
        if col not in scen:
            scen[col] = np.nan
    scen["baseline_from"] = [int(core_map.get(int(c), 0)) for c in scen["from_core"]]
    scen["baseline_to"] = [int(core_map.get(int(c), 0)) for c in scen["to_core"]]
    scen["pair"] = [
        _pair(a, b) for a, b in zip(scen["baseline_from"], scen["baseline_to"], strict=True)
    ]
    by_pair = {p: g for p, g in scen.groupby("pair", sort=False)}
    base = pd.DataFrame(baseline_links)
    rows = [_compare_link(link, by_pair, weakened_pct) for link in base.itertuples(index=False)]
    links = pd.DataFrame(rows, columns=LINK_COLUMNS)
    return links, _unmatched_links(scen, base)


def _compare_link(link, by_pair: Mapping, weakened_pct: float) -> dict:
    """One row of :func:`compare_links`: a baseline link against the scenario links of its pair."""
    pair = _pair(link.from_core, link.to_core)
    er_b = float(getattr(link, "effective_resistance", np.nan))
    cwd_b = float(getattr(link, "cwd", np.nan))
    match = by_pair.get(pair)
    if match is None or len(match) == 0:
        er_s = cwd_s = np.nan
        ids = ""
        status = "lost"
    else:
        er_vals = pd.to_numeric(match["effective_resistance"], errors="coerce").to_numpy(float)
        er_s = float(np.nanmin(er_vals)) if np.isfinite(er_vals).any() else np.nan
        cwd_s = float(np.nanmin(pd.to_numeric(match["cwd"], errors="coerce")))
        ids = ",".join(str(int(i)) for i in sorted(match["link_id"]))
    d_er, d_cwd = er_s - er_b, cwd_s - cwd_b
    d_er_pct, d_cwd_pct = _pct(d_er, er_b), _pct(d_cwd, cwd_b)
    if ids:
        status = _status(d_er_pct, d_cwd_pct, weakened_pct)
    return {
        "link_id": int(link.link_id),
        "from_core": int(link.from_core),
        "to_core": int(link.to_core),
        "crosses_border": bool(getattr(link, "crosses_border", False)),
        "dPC": float(getattr(link, "dPC", np.nan)),
        "status": status,
        "scenario_link_ids": ids,
        "effective_resistance_baseline": er_b,
        "effective_resistance_scenario": er_s,
        "delta_effective_resistance": d_er,
        "delta_effective_resistance_pct": d_er_pct,
        "cwd_baseline": cwd_b,
        "cwd_scenario": cwd_s,
        "delta_cwd": d_cwd,
        "delta_cwd_pct": d_cwd_pct,
    }


def _unmatched_links(scen: pd.DataFrame, base: pd.DataFrame) -> pd.DataFrame:
    """Scenario links (with ``pair`` of baseline cores) joining a pair no baseline link joins."""
    base_pairs = {_pair(a, b) for a, b in zip(base["from_core"], base["to_core"], strict=True)}
    unmatched = scen.loc[np.array([p not in base_pairs for p in scen["pair"]], bool)].copy()
    unmatched["status"] = np.where(
        unmatched["baseline_from"] == unmatched["baseline_to"], "split", "new"
    )
    new_cols = ["link_id", "from_core", "to_core", "baseline_from", "baseline_to", "status",
                "cwd", "effective_resistance"]  # fmt: skip
    return unmatched.reindex(columns=new_cols).reset_index(drop=True)


def comparison_summary(
    indices: Mapping,
    links: pd.DataFrame,
    new_links: pd.DataFrame,
    core_map: Mapping[int, int],
    n_baseline_cores: int,
) -> dict:
    """The comparison's headline figures, JSON-ready (NaN → None).

    Returns
    -------
    dict
        The :func:`compare_indices` figures plus ``n_cores_baseline``,
        ``n_cores_scenario``, ``baseline_cores_lost`` (baseline cores no scenario
        core maps to), ``n_links_baseline``, ``links_lost``, ``links_weakened``,
        ``links_improved`` (lists of baseline link ids), ``new_links`` and
        ``split_links`` (lists of scenario link ids), ``cross_border_links_lost``.
    """
    kept = set(core_map.values())
    out = dict(indices)
    out.update(
        n_cores_baseline=int(n_baseline_cores),
        n_cores_scenario=len(core_map),
        baseline_cores_lost=sorted(int(c) for c in range(1, n_baseline_cores + 1) if c not in kept),
        n_links_baseline=len(links),
        n_links_scenario=int(
            sum(len(s.split(",")) for s in links["scenario_link_ids"] if s) + len(new_links)
        ),
    )
    for status in ("lost", "weakened", "improved", "unchanged"):
        out[f"links_{status}"] = [int(i) for i in links.loc[links["status"] == status, "link_id"]]
    out["cross_border_links_lost"] = [
        int(i) for i in links.loc[(links["status"] == "lost") & links["crosses_border"], "link_id"]
    ]
    out["new_links"] = [int(i) for i in new_links.loc[new_links["status"] == "new", "link_id"]]
    out["split_links"] = [int(i) for i in new_links.loc[new_links["status"] == "split", "link_id"]]
    return {k: (None if isinstance(v, float) and not np.isfinite(v) else v) for k, v in out.items()}


def compare_scenario(
    baseline_cores: np.ndarray,
    scenario_cores: np.ndarray,
    baseline_links: pd.DataFrame,
    scenario_links: pd.DataFrame,
    baseline_indices: Mapping,
    scenario_indices: Mapping,
) -> tuple[dict, pd.DataFrame, pd.DataFrame]:
    """A scenario against the baseline: cores matched, links compared, indices differenced.

    Parameters
    ----------
    baseline_cores, scenario_cores : ndarray of int
        Core-id rasters on one grid (0 or masked = not core).
    baseline_links, scenario_links : DataFrame
        Link tables (:func:`compare_links`).
    baseline_indices, scenario_indices : mapping
        ``indices.json`` of each (:func:`compare_indices`).

    Returns
    -------
    summary : dict
        :func:`comparison_summary` plus ``core_map`` (scenario core id, as a
        string, → baseline core id), JSON-ready.
    links, new_links : DataFrame
        :func:`compare_links`.
    """
    core_map = match_cores(scenario_cores, baseline_cores)
    links, new_links = compare_links(baseline_links, scenario_links, core_map)
    indices = compare_indices(baseline_indices, scenario_indices)
    base = np.ma.asarray(baseline_cores)
    n_base = int(base.max()) if base.count() else 0
    summary = comparison_summary(indices, links, new_links, core_map, n_base)
    summary["core_map"] = {str(k): v for k, v in core_map.items()}
    return summary, links, new_links
