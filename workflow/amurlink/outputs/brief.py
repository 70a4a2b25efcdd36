"""The policy brief: key figures as tables, rendered to HTML and to PDF pages.

Everything here works on the pipeline's public products (indices, link and
threat tables, scenario comparisons, habitat and country rasters); no sighting
coordinate is read, so none can reach the brief.

Figures
-------
* habitat area by country: cells with ``habitat.tif == 1`` in each country of
  ``country.tif`` times the cell area;
* cores and links: counts, total core area, PC and EC of the baseline network
  (Saura & Pascual-Hortal 2007; EC: Saura et al. 2011);
* cross-border links and the threats on them (:func:`amurlink.threats.flagging.cross_border_report`);
* the worst threats by the documented score (:mod:`amurlink.threats.flagging`);
* scenario deltas: ΔPC and ΔEC in per cent of the baseline and links lost or
  weakened (:mod:`amurlink.threats.scenarios`).
"""

from __future__ import annotations

import html
import textwrap
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from amurlink.outputs.maps import A4_INCHES

#: Title of the brief (HTML and PDF).
TITLE = "amurlink brief: connectivity of Amur leopard and tiger habitat"
#: Columns of the brief's cross-border table, in order.
CROSS_BORDER_COLUMNS = ["species", "link_id", "from_core", "to_core", "dPC", "n_threats",
                        "threats_by_country", "top_threat_id", "n_proposed_road"]  # fmt: skip


def habitat_by_country(
    habitat: np.ndarray, country: np.ndarray, codes: Mapping[int, str], cell_area_m2: float
) -> pd.DataFrame:
    """Habitat area (km²) per country.

    Parameters
    ----------
    habitat : ndarray
        1 = habitat (masked or other values = not).
    country : ndarray
        Country index per cell (0 = none), on the same grid.
    codes : mapping
        Country index → ISO code (:func:`amurlink.core.io.read_country_codes`).
    cell_area_m2 : float
        Area of one cell.

    Returns
    -------
    DataFrame
        ``country``, ``habitat_km2``, ``share_pct`` (of all habitat), one row per
        code in ``codes`` (zeros kept), plus ``none`` for habitat outside every
        country when any.
    """
    return habitat_table(habitat_counts(habitat, country, codes), codes, cell_area_m2)


def habitat_counts(habitat: np.ndarray, country: np.ndarray, codes: Mapping[int, str]) -> Counter:
    """Habitat cells per ISO code (``none`` outside every country); add blocks' counts up."""
    hab = np.ma.filled(np.ma.asarray(habitat), 0) == 1
    idx = np.ma.filled(np.ma.asarray(country), 0)
    counts = Counter({iso: int(np.count_nonzero(hab & (idx == k))) for k, iso in codes.items()})
    counts["none"] = int(np.count_nonzero(hab & ~np.isin(idx, list(codes))))
    return counts


def count_habitat(strips: Iterable, codes: Mapping[int, str]) -> Counter:
    """:func:`habitat_counts` added up over strips, so memory does not grow with the grid.

    ``strips`` yields ``(window, arrays)`` with ``arrays["habitat"]`` and
    ``arrays["country"]`` bands-first, NaN = no data
    (:func:`amurlink.core.io.read_strips`).
    """
    counts = Counter()
    for _, arrays in strips:
        counts += habitat_counts(arrays["habitat"][0], arrays["country"][0], codes)
    return counts


def habitat_table(
    counts: Mapping[str, int], codes: Mapping[int, str], cell_area_m2: float
) -> pd.DataFrame:
    """The table of :func:`habitat_by_country` from :func:`habitat_counts`."""
    rows = [
        {"country": iso, "habitat_km2": counts.get(iso, 0) * cell_area_m2 / 1e6}
        for _, iso in sorted(codes.items())
    ]
    if counts.get("none", 0):
        rows.append({"country": "none", "habitat_km2": counts["none"] * cell_area_m2 / 1e6})
    table = pd.DataFrame(rows, columns=["country", "habitat_km2"])
    total = table["habitat_km2"].sum()
    table["share_pct"] = 100 * table["habitat_km2"] / total if total > 0 else 0.0
    return table


def network_summary(indices: Mapping, cores: pd.DataFrame, links: pd.DataFrame) -> dict:
    """Cores, links and the network's PC and EC."""
    cross = links["crosses_border"].fillna(False).astype(bool) if "crosses_border" in links else []
    return {
        "cores": len(cores),
        "core_area_km2": float(cores["area_km2"].sum()) if "area_km2" in cores else float("nan"),
        "links": len(links),
        "cross_border_links": int(np.sum(cross)),
        "PC": indices.get("PC"),
        "EC_km2": indices.get("EC"),
    }


def worst_threats(threats: pd.DataFrame, n: int = 10) -> pd.DataFrame:
    """The ``n`` top-ranked baseline threats, with a readable ``what`` column."""
    ranked = threats[pd.to_numeric(threats["rank"], errors="coerce").notna()].copy()
    ranked["rank"] = pd.to_numeric(ranked["rank"]).astype(int)
    ranked = ranked.sort_values("rank").head(n)

    def what(row):
        if row["kind"] == "logging":
            return f"cutblock {int(row['year']) if pd.notna(row['year']) else '?'}, {row['area_ha']:.0f} ha"
        return f"road ({row['highway']}), {row['length_m'] / 1000:.1f} km"

    ranked["what"] = [what(r) for _, r in ranked.iterrows()] if len(ranked) else []
    cols = ["rank", "what", "country", "link_ids", "dPC", "cross_border", "score"]
    return ranked.reindex(columns=cols).reset_index(drop=True)


def scenario_table(comparisons: Sequence[Mapping]) -> pd.DataFrame:
    """One row per scenario and species: PC and EC before and after, Δ %, links lost/weakened."""
    rows = []
    for c in comparisons:
        rows.append(
            {
                "scenario": c.get("scenario"),
                "species": c.get("species"),
                "PC_baseline": c.get("PC_baseline"),
                "PC_scenario": c.get("PC_scenario"),
                "delta_PC_pct": c.get("delta_PC_pct"),
                "EC_baseline_km2": c.get("EC_baseline"),
                "EC_scenario_km2": c.get("EC_scenario"),
                "delta_EC_pct": c.get("delta_EC_pct"),
                "links_lost": len(c.get("links_lost") or []),
                "links_weakened": len(c.get("links_weakened") or []),
            }
        )
    return pd.DataFrame(rows)


def scenario_sentences(
    table: pd.DataFrame, descriptions: Mapping[str, str] | None = None
) -> list[str]:
    """Plain sentences: 'Scenario X lowers the leopard's PC by 38.0 % (0.05 → 0.031) …'."""
    out = []
    for r in table.itertuples(index=False):
        if r.delta_PC_pct is None or not np.isfinite(r.delta_PC_pct):
            out.append(f"Scenario '{r.scenario}': PC of the {r.species} is undefined.")
            continue
        verb = "lowers" if r.delta_PC_pct < 0 else "raises"
        desc = (descriptions or {}).get(r.scenario)
        out.append(
            f"Scenario '{r.scenario}'{' (' + desc.rstrip('.') + ')' if desc else ''} {verb} the "
            f"{r.species}'s probability of connectivity (PC) by {abs(r.delta_PC_pct):.1f} % "
            f"({r.PC_baseline:#.3g} → {r.PC_scenario:#.3g}) and its equivalent connected area (EC) "
            f"by {abs(r.delta_EC_pct):.1f} % ({r.EC_baseline_km2:,.0f} → {r.EC_scenario_km2:,.0f} km²); "
            f"{r.links_lost} link(s) lost, {r.links_weakened} weakened."
        )
    return out


def _fmt(value) -> str:
    if value is None or value is pd.NA or (isinstance(value, float) and not np.isfinite(value)):
        return "–"
    if isinstance(value, (bool, np.bool_)):
        return "yes" if value else "no"
    if isinstance(value, (float, np.floating)):
        v = float(value)
        return f"{v:,.0f}" if abs(v) >= 100 else f"{v:.3g}"
    return str(value)


def render_html(
    title: str,
    date: str,
    credits: str,
    sections: Sequence[tuple],
    images: Sequence[tuple[str, str]] = (),
) -> str:
    """A self-contained HTML page: ``sections`` are ``(heading, paragraphs, DataFrame or None)``."""
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{html.escape(title)}</title>",
        "<style>body{font-family:sans-serif;max-width:60em;margin:2em auto;line-height:1.4}"
        "table{border-collapse:collapse;margin:.5em 0 1.5em}td,th{border:1px solid #bbb;"
        "padding:.2em .5em;text-align:right}th{background:#eee}td:first-child{text-align:left}"
        "img{max-width:100%;border:1px solid #ccc}</style></head><body>",
        f"<h1>{html.escape(title)}</h1>",
        f"<p><em>{html.escape(date)}</em></p>",
    ]
    for heading, paragraphs, table in sections:
        parts.append(f"<h2>{html.escape(heading)}</h2>")
        parts.extend(f"<p>{html.escape(p)}</p>" for p in paragraphs)
        if table is not None and len(table):
            parts.append(
                "<table><tr>"
                + "".join(f"<th>{html.escape(str(c))}</th>" for c in table.columns)
                + "</tr>"
            )
            for row in table.itertuples(index=False):
                parts.append(
                    "<tr>" + "".join(f"<td>{html.escape(_fmt(v))}</td>" for v in row) + "</tr>"
                )
            parts.append("</table>")
    for caption, src in images:
        parts.append(
            f'<figure><img src="{html.escape(src)}" alt="{html.escape(caption)}">'
            f"<figcaption>{html.escape(caption)}</figcaption></figure>"
        )
    parts.append(
        f"<hr><p><small>Data: {html.escape(credits)}. Sighting locations are not "
        "shown (sensitive); only counts per grid cell are published.</small></p>"
    )
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


def pdf_pages(title: str, date: str, credits: str, sections: Sequence[tuple]) -> list[Figure]:
    """A4 portrait pages of the brief's text and tables (matplotlib figures)."""
    pages: list[Figure] = []
    fig, y = None, 0.0

    def new_page():
        nonlocal fig, y
        fig = Figure(figsize=A4_INCHES)
        fig.text(
            0.5,
            0.02,
            f"{title} — {date} — Data: {credits}",
            ha="center",
            fontsize=6,
            color="#555555",
            wrap=True,
        )
        pages.append(fig)
        y = 0.95

    new_page()
    fig.text(0.07, y, textwrap.fill(title, 60), fontsize=14, fontweight="bold", va="top")
    y -= 0.02 * title.count("\n") + 0.02 * (len(title) > 60)
    y -= 0.04
    fig.text(0.07, y, date, fontsize=9, style="italic", va="top")
    y -= 0.04
    for heading, paragraphs, table in sections:
        n_rows = 0 if table is None else len(table)
        need = 0.04 + 0.03 * len(paragraphs) + 0.022 * (n_rows + 1)
        if y - need < 0.06:
            new_page()
        fig.text(0.07, y, heading, fontsize=12, fontweight="bold", va="top")
        y -= 0.03
        for p in paragraphs:
            wrapped = textwrap.fill(p, 105)
            fig.text(0.07, y, wrapped, fontsize=8, va="top")
            y -= 0.016 * (wrapped.count("\n") + 1) + 0.008
        if n_rows:
            h = 0.02 * (n_rows + 1)
            ax = fig.add_axes((0.07, y - h, 0.86, h))
            ax.axis("off")
            cells = [[_fmt(v) for v in row] for row in table.itertuples(index=False)]
            tab = ax.table(
                cellText=cells,
                colLabels=[str(c) for c in table.columns],
                loc="upper left",
                cellLoc="right",
            )
            tab.auto_set_font_size(False)
            tab.set_fontsize(7.5)
            tab.auto_set_column_width(list(range(len(table.columns))))
            y -= h + 0.02
    return pages


#: Short column headings of the scenario table for print.
SCENARIO_HEADINGS = {
    "PC_baseline": "PC before",
    "PC_scenario": "PC after",
    "delta_PC_pct": "ΔPC %",
    "EC_baseline_km2": "EC before (km²)",
    "EC_scenario_km2": "EC after (km²)",
    "delta_EC_pct": "ΔEC %",
    "links_lost": "links lost",
    "links_weakened": "links weakened",
}


def scenario_display(table: pd.DataFrame) -> pd.DataFrame:
    """The scenario table with short headings, for the brief's pages."""
    return table.rename(columns=SCENARIO_HEADINGS)


@dataclass
class SpeciesFigures:
    """What the brief reads of one species."""

    species: str
    #: Habitat cells per ISO code (:func:`count_habitat`) and the area of one cell (m²).
    habitat_counts: Mapping[str, int]
    cell_area_m2: float
    #: ``indices.json`` of the baseline network, its cores and links.
    indices: Mapping
    cores: pd.DataFrame
    links: pd.DataFrame
    #: Threat table and cross-border link table of the threats stage.
    threats: pd.DataFrame
    cross_border: pd.DataFrame


@dataclass
class BriefContent:
    """The brief's sections (``(heading, paragraphs, table or None)``), CSV tables and key sentences."""

    sections: list[tuple]
    tables: dict[str, pd.DataFrame]
    sentences: list[str]


def brief_content(
    per_species: Sequence[SpeciesFigures],
    codes: Mapping[int, str],
    comparisons: Sequence[Mapping],
    descriptions: Mapping[str, str] | None,
    top_n: int,
) -> BriefContent:
    """Everything the brief says: tables across species, scenario sentences, the sections.

    Parameters
    ----------
    per_species : sequence of SpeciesFigures
        One per species, in the order of the tables' columns and rows.
    codes : mapping
        Country index → ISO code.
    comparisons : sequence of mapping
        The scenario comparisons (``comparison.json`` of each scenario and species).
    descriptions : mapping, optional
        Scenario → its description (config ``scenarios``).
    top_n : int
        Number of worst threats listed per species.

    Returns
    -------
    BriefContent
        Tables ``habitat_by_country``, ``network``, ``cross_border_links``,
        ``scenarios`` and ``worst_threats_<species>``.
    """
    habitat = pd.concat(
        [
            habitat_table(f.habitat_counts, codes, f.cell_area_m2).assign(species=f.species)
            for f in per_species
        ],
        ignore_index=True,
    )
    habitat = habitat.pivot(index="country", columns="species", values="habitat_km2")
    habitat = habitat.reset_index().rename_axis(columns=None)
    habitat.columns = ["country", *[f"{s} habitat (km²)" for s in habitat.columns[1:]]]
    network = pd.DataFrame(
        [{"species": f.species} | network_summary(f.indices, f.cores, f.links) for f in per_species]
    )
    worst = {f.species: worst_threats(f.threats, top_n) for f in per_species}
    cross = pd.concat([f.cross_border.assign(species=f.species) for f in per_species],
                      ignore_index=True)  # fmt: skip
    cross["top_threat_id"] = pd.to_numeric(cross["top_threat_id"]).astype("Int64")
    cross = cross.reindex(columns=CROSS_BORDER_COLUMNS)
    scenarios = scenario_table(comparisons)
    sentences = scenario_sentences(scenarios, descriptions)
    tables = {"habitat_by_country": habitat, "network": network, "cross_border_links": cross,
              "scenarios": scenarios} | {f"worst_threats_{sp}": t for sp, t in worst.items()}  # fmt: skip
    sections = brief_sections(sentences, habitat, network, cross, worst, scenarios, top_n)
    return BriefContent(sections, tables, sentences)


def brief_sections(
    sentences: Sequence[str],
    habitat: pd.DataFrame,
    network: pd.DataFrame,
    cross: pd.DataFrame,
    worst: Mapping[str, pd.DataFrame],
    scenarios: pd.DataFrame,
    top_n: int,
) -> list[tuple]:
    """The brief's sections, ``(heading, paragraphs, table or None)``, in reading order."""
    sections = [
        ("Key findings", list(sentences) or ["No scenario is configured."], None),
        ("Habitat area by country",
         ["Area of cells classed as habitat (suitability above the model's threshold)."],
         habitat),
        ("Core areas and links (baseline)",
         ["PC: probability of connectivity; EC: equivalent connected area (km²)."], network),
        ("Cross-border links",
         ["Links whose least-cost path crosses an international border, and the threats on "
          "them: both countries need to act."], cross),
    ]  # fmt: skip
    for sp, table in worst.items():
        sections.append(
            (f"The {top_n} worst threats — {sp}",
             ["Ranked by score = severity × extent × (1 + dPC/100) × current factor "
              "(amurlink.threats)."], table)
        )  # fmt: skip
    if len(scenarios):
        sections.append(
            ("Scenario deltas", ["Δ in per cent of the baseline."], scenario_display(scenarios))
        )
    return sections
