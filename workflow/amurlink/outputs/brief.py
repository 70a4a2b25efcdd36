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

from amurlink.outputs import public
from amurlink.outputs.maps import A4_INCHES

#: Title of the brief (HTML and PDF).
TITLE = "amurlink brief: connectivity of Amur leopard and tiger habitat"
#: Columns of the brief's cross-border table, in order.
CROSS_BORDER_COLUMNS = ["species", "link_id", "from_core", "to_core", "dPC", "n_threats",
                        "threats_by_country", "countries_to_act", "top_threat_id",
                        "n_proposed_road"]  # fmt: skip
#: Headings of the cross-border table in print, with units.
CROSS_BORDER_HEADINGS = {"link_id": "link", "from_core": "core a", "to_core": "core b",
                         "dPC": "PC lost without it (%)", "n_threats": "threats",
                         "threats_by_country": "threats by country",
                         "countries_to_act": "must act", "top_threat_id": "worst threat (ID)",
                         "n_proposed_road": "proposed roads"}  # fmt: skip


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


def threat_names(threats: pd.DataFrame, roads: pd.DataFrame | None) -> pd.Series:
    """A name to find each threat by on the ground: the road's name, or what it is.

    Roads take their road's name (:func:`amurlink.outputs.public.threat_names`, as the
    GeoPackage's labels) or "unnamed <class> road"; cutblocks "cutblock <source_id>, cut <year>".
    """
    named = public.threat_names(threats, roads) if roads is not None else threats.assign(name=None)

    def name(row) -> str:
        if row["kind"] == "logging":
            year = f", cut {int(row['year'])}" if pd.notna(row.get("year")) else ""
            return f"cutblock {_fmt_id(row.get('source_id'))}{year}"
        if isinstance(row["name"], str) and row["name"].strip():
            return row["name"]
        return " ".join(f"unnamed {row.get('highway') or ''} road".split())

    return pd.Series([name(r) for _, r in named.iterrows()], index=threats.index, dtype=object)


def _fmt_id(value) -> str:
    return str(int(value)) if pd.notna(value) else "?"


def generalised_location(x: np.ndarray, y: np.ndarray, crs, km: float = 1.0) -> list[str]:
    """Latitude and longitude of the ``km`` grid cell each point falls in (its centre).

    Threats are roads and cutblocks, not sightings, but a point to 1 km is all a field
    team needs to find one, and what the brief prints.
    """
    from pyproj import Transformer

    size = km * 1000.0
    cx = (np.floor(np.asarray(x, float) / size) + 0.5) * size
    cy = (np.floor(np.asarray(y, float) / size) + 0.5) * size
    lon, lat = Transformer.from_crs(crs, "EPSG:4326", always_xy=True).transform(cx, cy)
    return [f"{la:.2f}° N, {lo:.2f}° E" for lo, la in zip(lon, lat, strict=True)]


#: Headings of the worst-threats table, with their units.
THREAT_HEADINGS = {
    "rank": "rank",
    "threat_id": "threat ID",
    "name": "name",
    "what": "class",
    "country": "country",
    "location": "location (1 km)",
    "link_ids": "links cut",
    "dPC_regained": "ΔPC if fixed (%)",
    "dEC_km2": "ΔEC (km²)",
    "p_top": "P(top 10)",
    "rank_range": "rank range",
    "score": "score (unitless)",
}


def worst_threats(
    threats: pd.DataFrame,
    n: int = 10,
    *,
    roads: pd.DataFrame | None = None,
    crs=None,
    impacts: pd.DataFrame | None = None,
    robustness: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """The ``n`` worst baseline threats: ID, name, class, country, 1 km location, impact.

    Ranked by the connectivity their mitigation gives back when ``impacts`` (the
    threat_impacts rule's table) is given (:func:`amurlink.outputs.public.with_impacts`:
    ``dPC_regained`` in per cent of the baseline PC, ``dEC_km2``), else by the threats
    stage's ``rank`` (its score).  ``location`` needs the threats' ``x``, ``y`` and ``crs``.
    """
    threats = public.with_impacts(threats, impacts, robustness)
    ranked = threats[pd.to_numeric(threats["rank"], errors="coerce").notna()].copy()
    ranked["rank"] = pd.to_numeric(ranked["rank"]).astype(int)
    ranked = ranked.sort_values("rank")
    ranked = ranked.head(n)

    def what(row):
        if row["kind"] == "logging":
            return f"cutblock, {row['area_ha']:.0f} ha"
        return f"road ({row['highway']}), {row['length_m'] / 1000:.1f} km"

    ranked["what"] = [what(r) for _, r in ranked.iterrows()] if len(ranked) else []
    if "threat_id" in ranked:
        ranked["name"] = threat_names(ranked, roads)
        ranked["threat_id"] = [f"T{int(v)}" for v in ranked["threat_id"]]
    if crs is not None and {"x", "y"} <= set(ranked.columns) and len(ranked):
        ranked["location"] = generalised_location(ranked["x"], ranked["y"], crs)
    if {"rank_min", "rank_max"} <= set(ranked.columns):
        ranked["rank_range"] = [f"{int(a)}–{int(b)}" if pd.notna(a) else "–"
                                for a, b in zip(ranked["rank_min"], ranked["rank_max"], strict=True)]  # fmt: skip
    cols = [c for c in THREAT_HEADINGS if c in ranked.columns]
    if "dPC_regained" in cols:  # ranked by impact: the score is in the CSV tables, not here
        cols.remove("score")
    return ranked[cols].reset_index(drop=True)


def split_cores(core_map: Mapping) -> list[int]:
    """Baseline cores that a scenario splits: those two or more scenario cores map to.

    ``core_map`` is the comparison's scenario core → baseline core
    (:func:`amurlink.threats.scenarios.match_cores`).
    """
    counts = Counter(int(v) for v in core_map.values() if v is not None)
    return sorted(core for core, n in counts.items() if n > 1)


def scenario_table(
    comparisons: Sequence[Mapping],
    link_changes: Sequence[pd.DataFrame] | None = None,
    core_areas: Sequence[tuple[float, float]] | None = None,
) -> pd.DataFrame:
    """One row per scenario and species: PC and EC before and after, Δ %, what changed.

    ``link_changes`` (one per comparison, the scenario's ``links.csv``) gives the
    largest rise of a link's effective resistance (``max_dR_pct``); ``core_areas``
    (one per comparison: the baseline's and the scenario's total core area, km²) the
    core area lost (``core_area_lost_km2``).
    """
    rows = []
    for k, c in enumerate(comparisons):
        changes = link_changes[k] if link_changes is not None else None
        before, after = core_areas[k] if core_areas is not None else (np.nan, np.nan)
        rise = np.nan
        if changes is not None and "delta_effective_resistance_pct" in changes and len(changes):
            rise = float(pd.to_numeric(changes["delta_effective_resistance_pct"]).max())
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
                "cores_split": ", ".join(str(v) for v in split_cores(c.get("core_map") or {})),
                "cores_lost": ", ".join(str(v) for v in c.get("baseline_cores_lost") or []),
                "max_dR_pct": rise,
                "core_area_lost_km2": before - after,
                "core_area_lost_pct": 100.0 * (before - after) / before if before > 0 else np.nan,
            }
        )
    return pd.DataFrame(rows)


def _what_changed(r) -> str:
    """'it splits cores 1 and 3, loses no link and weakens 4 (effective resistance up to +18 %)'."""
    parts = []
    split = getattr(r, "cores_split", "") or ""
    if split:
        n = len(split.split(","))
        parts.append(f"splits core{'s' if n > 1 else ''} {split.replace(', ', ' and ')} in two")
    lost_cores = getattr(r, "cores_lost", "") or ""
    if lost_cores:
        parts.append(f"removes core(s) {lost_cores}")
    area = getattr(r, "core_area_lost_km2", np.nan)
    if area is not None and np.isfinite(area) and area > 0:
        # PC and EC weigh cores by area: a smaller core costs PC with every link intact
        parts.append(f"takes {area:,.0f} km² ({r.core_area_lost_pct:.1f} %) of core habitat")
    lost = "no link" if not r.links_lost else f"{r.links_lost} link(s)"
    weak = f"weakens {r.links_weakened}" if r.links_weakened else "weakens none"
    rise = getattr(r, "max_dR_pct", np.nan)
    if r.links_weakened and rise is not None and np.isfinite(rise):
        weak += f" (effective resistance up to {rise:+.0f} %)"
    parts.append(f"loses {lost} and {weak}")
    return ", ".join(parts)


def scenario_sentences(
    table: pd.DataFrame, descriptions: Mapping[str, str] | None = None
) -> list[str]:
    """Plain sentences: what a scenario does to a species' network, with its numbers."""
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
            f"it {_what_changed(r)}."
        )
    return out


def countries_to_act(threats_by_country: str | float) -> str:
    """The countries where a link's threats lie (``"CHN:2; RUS:6"`` → ``"CHN, RUS"``)."""
    if not isinstance(threats_by_country, str) or not threats_by_country.strip():
        return "–"
    codes = [part.split(":")[0].strip() for part in threats_by_country.replace(";", ",").split(",")]
    return ", ".join(sorted({c for c in codes if c}))


def _fmt(value) -> str:
    if value is None or value is pd.NA or (isinstance(value, float) and not np.isfinite(value)):
        return "–"
    if isinstance(value, (bool, np.bool_)):
        return "yes" if value else "no"
    if isinstance(value, (float, np.floating)):
        v = float(value)
        return f"{v:,.0f}" if abs(v) >= 100 else f"{v:.3g}"
    return str(value)


#: Printed at the top of a brief made from the generated demo region.
DEMO_BANNER = ("DEMO DATA: every figure below comes from the synthetic demo region "
               "(amurlink's generator), not from real sightings or layers. Not for decisions.")  # fmt: skip


def _image_pixels(image) -> np.ndarray | None:
    """An image as an RGBA array: pixels as given, or a matplotlib figure rendered."""
    if image is None:
        return None
    if isinstance(image, Figure):
        from matplotlib.backends.backend_agg import FigureCanvasAgg

        canvas = FigureCanvasAgg(image)
        canvas.draw()
        return np.asarray(canvas.buffer_rgba())
    return np.asarray(image)


def _html_image(caption: str, src: str | None, pixels) -> str:
    """An ``<img>`` of a file beside the page, or of the pixels embedded as a PNG data URI."""
    if not src:
        import base64
        import io as _io

        from PIL import Image

        buffer = _io.BytesIO()
        Image.fromarray(_image_pixels(pixels)).save(buffer, format="PNG")
        src = "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()
    return (f'<figure><img src="{html.escape(src)}" alt="{html.escape(caption)}">'
            f"<figcaption>{html.escape(caption)}</figcaption></figure>")  # fmt: skip


def _html_table(table: pd.DataFrame) -> list[str]:
    rows = ["<table><tr>" + "".join(f"<th>{html.escape(str(c))}</th>" for c in table.columns)
            + "</tr>"]  # fmt: skip
    for row in table.itertuples(index=False):
        rows.append("<tr>" + "".join(f"<td>{html.escape(_fmt(v))}</td>" for v in row) + "</tr>")
    return rows + ["</table>"]


def render_html(
    title: str,
    date: str,
    credits: str,
    sections: Sequence[tuple],
    banner: str | None = None,
) -> str:
    """A self-contained HTML page.

    ``sections`` are ``(heading, paragraphs, DataFrame or None[, (caption, src, pixels)])``;
    the first section's paragraphs are a numbered list (the decisions).  ``banner``
    (e.g. :data:`DEMO_BANNER`) is printed above everything.
    """
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{html.escape(title)}</title>",
        "<style>body{font-family:sans-serif;max-width:60em;margin:2em auto;line-height:1.4}"
        "table{border-collapse:collapse;margin:.5em 0 1.5em}td,th{border:1px solid #bbb;"
        "padding:.2em .5em;text-align:right}th{background:#eee}td:first-child{text-align:left}"
        "img{max-width:100%;border:1px solid #ccc}.banner{background:#fde0dd;border:2px solid "
        "#c51b7d;padding:.5em;font-weight:bold}</style></head><body>",
    ]
    if banner:
        parts.append(f'<p class="banner">{html.escape(banner)}</p>')
    parts += [f"<h1>{html.escape(title)}</h1>", f"<p><em>{html.escape(date)}</em></p>"]
    for k, (heading, paragraphs, table, *image) in enumerate(sections):
        parts.append(f"<h2>{html.escape(heading)}</h2>")
        if k == 0:
            parts.append("<ol>" + "".join(f"<li>{html.escape(p)}</li>" for p in paragraphs)
                         + "</ol>")  # fmt: skip
        else:
            parts.extend(f"<p>{html.escape(p)}</p>" for p in paragraphs)
        if image and image[0] is not None:
            parts.append(_html_image(*image[0]))
        if table is not None and len(table):
            parts += _html_table(table)
    parts.append(
        f"<hr><p><small>Data: {html.escape(credits)}. Sighting locations are not "
        "shown (sensitive); only counts per grid cell are published.</small></p>"
    )
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


class _Pages:
    """A4 portrait pages filled top to bottom (matplotlib figures)."""

    def __init__(self, footer: str):
        self.footer, self.pages, self.y = footer, [], 0.0
        self.new()

    def new(self) -> None:
        self.fig = Figure(figsize=A4_INCHES)
        self.fig.text(0.5, 0.02, self.footer, ha="center", fontsize=7, color="#555555", wrap=True)
        self.pages.append(self.fig)
        self.y = 0.95

    def room(self, need: float) -> None:
        if self.y - need < 0.06:
            self.new()

    def text(self, s: str, size: float, step: float, **kw) -> None:
        self.fig.text(0.07, self.y, s, fontsize=size, va="top", **kw)
        self.y -= step

    @staticmethod
    def image_height(pixels: np.ndarray) -> float:
        """Page fraction an image takes at the text width: at most 72 %, so that a
        heading and a line of text fit above it on one page."""
        return min(0.86 * A4_INCHES[0] * pixels.shape[0] / pixels.shape[1] / A4_INCHES[1], 0.72)

    def image(self, pixels: np.ndarray, caption: str) -> None:
        height = self.image_height(pixels)
        self.room(height + 0.04)
        ax = self.fig.add_axes((0.07, self.y - height, 0.86, height))
        ax.imshow(pixels)
        ax.axis("off")
        self.y -= height + 0.01
        self.text(caption, 7.5, 0.03, style="italic")

    def table(self, table: pd.DataFrame) -> None:
        h = 0.02 * (len(table) + 1)
        # wide tables (eleven columns) need the page's width less a margin, at 7 pt
        ax = self.fig.add_axes((0.04, self.y - h, 0.92, h))
        ax.axis("off")
        cells = [[_fmt(v) for v in row] for row in table.itertuples(index=False)]
        tab = ax.table(cellText=cells, colLabels=[str(c) for c in table.columns],
                       loc="upper left", cellLoc="right")  # fmt: skip
        tab.auto_set_font_size(False)
        tab.set_fontsize(7.0)
        tab.auto_set_column_width(list(range(len(table.columns))))
        self.y -= h + 0.02


def pdf_pages(
    title: str, date: str, credits: str, sections: Sequence[tuple], banner: str | None = None
) -> list[Figure]:
    """A4 portrait pages of the brief: text, tables and images (matplotlib figures)."""
    pages = _Pages(f"{title} — {date} — Data: {credits}")
    if banner:
        pages.text(textwrap.fill(banner, 95), 9, 0.05, color="#c51b7d", fontweight="bold")
    pages.text(textwrap.fill(title, 60), 14, 0.04 + 0.02 * (len(title) > 60), fontweight="bold")
    pages.text(date, 9, 0.04, style="italic")
    for k, (heading, paragraphs, table, *image) in enumerate(sections):
        n_rows = 0 if table is None else len(table)
        pixels = _image_pixels(image[0][2]) if image and image[0] is not None else None
        # a heading stays on the page of its image
        figure = 0.0 if pixels is None else pages.image_height(pixels) + 0.05
        pages.room(0.04 + 0.03 * len(paragraphs) + 0.022 * (n_rows + 1) + figure)
        pages.text(heading, 12, 0.03, fontweight="bold")
        for i, p in enumerate(paragraphs):
            wrapped = textwrap.fill(f"{i + 1}. {p}" if k == 0 else p, 105)
            pages.text(wrapped, 8, 0.016 * (wrapped.count("\n") + 1) + 0.008)
        if pixels is not None:
            pages.image(pixels, image[0][0])
        if n_rows:
            pages.room(0.02 * (n_rows + 1) + 0.02)
            pages.table(table)
    return pages.pages


#: Short column headings of the scenario table for print.
SCENARIO_HEADINGS = {
    "PC_baseline": "PC before",
    "PC_scenario": "PC after",
    "delta_PC_pct": "ΔPC %",
    "EC_baseline_km2": "EC before km²",
    "EC_scenario_km2": "EC after km²",
    "delta_EC_pct": "ΔEC %",
    "links_lost": "links lost",
    "links_weakened": "weakened",
    "cores_split": "cores split",
    "max_dR_pct": "max ΔR %",
    "core_area_lost_km2": "core km² lost",
}


def scenario_display(table: pd.DataFrame) -> pd.DataFrame:
    """The scenario table with short headings, for the brief's pages."""
    dropped = ["cores_lost", "core_area_lost_pct"]
    return table.drop(columns=dropped, errors="ignore").rename(columns=SCENARIO_HEADINGS)


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
    #: The prepared roads (``road_id``, ``name``) to name road threats; the threats' CRS.
    roads: pd.DataFrame | None = None
    crs: object = None
    #: Counterfactual impacts (``threat_id``, ``dPC_regained``, ``dEC_km2``) and the
    #: mitigation plan (``step``, ``threat_id``, ``name``, ``dPC_step``, ``PC_gain_percent``
    #: cumulative; step 0 the baseline) of the threat_impacts rule, when computed.
    impacts: pd.DataFrame | None = None
    plan: pd.DataFrame | None = None
    #: The impact ranking's robustness over assumptions (``threat_id``, ``p_top``,
    #: ``rank_min``, ``rank_max``, ``top_only_under``) and how many assumptions it used.
    robustness: pd.DataFrame | None = None
    n_assumptions: int = 0
    #: The species' print map as pixels (for the PDF) and its path from the HTML.
    map_pixels: np.ndarray | None = None
    map_src: str | None = None


@dataclass
class BriefContent:
    """The brief's sections (``(heading, paragraphs, table or None[, image])``), CSV tables
    and key sentences (the decisions first)."""

    sections: list[tuple]
    tables: dict[str, pd.DataFrame]
    sentences: list[str]


def cross_border_table(per_species: Sequence[SpeciesFigures]) -> pd.DataFrame:
    """Cross-border links of every species and the countries whose threats lie on them."""
    cross = pd.concat([f.cross_border.assign(species=f.species) for f in per_species],
                      ignore_index=True)  # fmt: skip
    cross["top_threat_id"] = pd.to_numeric(cross["top_threat_id"]).astype("Int64")
    cross["countries_to_act"] = [countries_to_act(v) for v in cross.get("threats_by_country", [])]
    return cross.reindex(columns=CROSS_BORDER_COLUMNS)


def decisions(
    per_species: Sequence[SpeciesFigures],
    worst: Mapping[str, pd.DataFrame],
    scenarios: pd.DataFrame,
    descriptions: Mapping[str, str] | None,
    cross: pd.DataFrame,
) -> list[str]:
    """The three to five decisions the brief supports, each with the number behind it."""
    out = []
    for f in per_species:
        top = worst.get(f.species)
        if top is None or not len(top):
            continue
        t = top.iloc[0]
        what = f"{t.get('name', t['what'])} ({t.get('threat_id', '')}, {t['what']}, {t['country']}"
        where = f", at {t['location']})" if "location" in t else ")"
        if "dPC_regained" in t and pd.notna(t["dPC_regained"]):
            gain = f"regains {t['dPC_regained']:.2f} % of the {f.species}'s PC"
            if "p_top" in t and pd.notna(t["p_top"]) and f.n_assumptions:
                gain += (f" (in the top {len(top)} under {round(t['p_top'] * f.n_assumptions)} of "
                         f"{f.n_assumptions} assumptions)")  # fmt: skip
            sentence = f"Fix first for the {f.species}: {what}{where}; mitigating it {gain}."
        else:
            sentence = f"Fix first for the {f.species}: {what}{where}, the top threat by score."
        if f.plan is not None and (f.plan["step"] > 0).any():
            last = f.plan.iloc[-1]
            sentence += (f" A plan of {int(last['step'])} mitigations regains "
                         f"{last['PC_gain_percent']:.2f} % (greedy; its curve is in the "
                         f"{f.species}'s section).")  # fmt: skip
        out.append(sentence)
    for r in scenarios.itertuples(index=False):
        if r.delta_PC_pct is not None and np.isfinite(r.delta_PC_pct) and r.delta_PC_pct < -1:
            desc = (descriptions or {}).get(r.scenario) or r.scenario
            out.append(f"Reconsider '{desc.rstrip('.')}': it costs the {r.species} "
                       f"{abs(r.delta_PC_pct):.1f} % of its PC; it {_what_changed(r)}.")  # fmt: skip
    if len(cross):
        top = cross.sort_values("dPC", ascending=False).iloc[0]
        out.append(
            f"Protect cross-border link {int(top['link_id'])} of the {top['species']} (cores "
            f"{int(top['from_core'])}–{int(top['to_core'])}; losing it costs {top['dPC']:.1f} % "
            f"of PC): its threats lie in {top['countries_to_act']}, who must act."
        )
    return out[:5]


def brief_content(
    per_species: Sequence[SpeciesFigures],
    codes: Mapping[int, str],
    comparisons: Sequence[Mapping],
    descriptions: Mapping[str, str] | None,
    top_n: int,
    *,
    link_changes: Sequence[pd.DataFrame] | None = None,
    scenario_maps: Sequence[tuple] = (),
    scenario_core_areas: Sequence[float] | None = None,
) -> BriefContent:
    """Everything the brief says: the decisions, tables across species, the sections.

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
    link_changes : sequence of DataFrame, optional
        Each comparison's ``links.csv`` (per-link changes), in the same order.
    scenario_maps : sequence of tuple
        ``(caption, html src, pixels or None)`` of each comparison's map, in order.
    scenario_core_areas : sequence of float, optional
        Each comparison's total core area in the scenario (km²), in order; set against
        its species' baseline cores (``area_km2``).

    Returns
    -------
    BriefContent
        Tables ``habitat_by_country``, ``network``, ``cross_border_links``,
        ``scenarios``, ``worst_threats_<species>`` and ``plan_<species>``.
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
    worst = {
        f.species: worst_threats(
            f.threats, top_n, roads=f.roads, crs=f.crs, impacts=f.impacts, robustness=f.robustness
        )  # fmt: skip
        for f in per_species
    }
    cross = cross_border_table(per_species)
    areas = None
    if scenario_core_areas is not None:
        baseline_area = {f.species: float(f.cores["area_km2"].sum()) for f in per_species}
        areas = [(baseline_area.get(c.get("species"), np.nan), a)
                 for c, a in zip(comparisons, scenario_core_areas, strict=True)]  # fmt: skip
    scenarios = scenario_table(comparisons, link_changes, areas)
    sentences = decisions(per_species, worst, scenarios, descriptions, cross)
    tables = {"habitat_by_country": habitat, "network": network, "cross_border_links": cross,
              "scenarios": scenarios} | {f"worst_threats_{sp}": t for sp, t in worst.items()}  # fmt: skip
    tables |= {f"plan_{f.species}": f.plan for f in per_species if f.plan is not None}
    sections = [("Decisions this brief supports", sentences or ["No threat or scenario to act on."],
                 None)]  # fmt: skip
    for f in per_species:
        sections += species_sections(f, worst[f.species], top_n)
    sections += scenario_sections(scenarios, descriptions, scenario_maps)
    sections += network_sections(habitat, network, cross)
    return BriefContent(sections, tables, sentences)


def species_sections(f: SpeciesFigures, worst: pd.DataFrame, top_n: int) -> list[tuple]:
    """One species' map, its worst threats and its mitigation curve."""
    by_impact = "dPC_regained" in worst.columns
    basis = ("Ranked by the share of the network's probability of connectivity (PC) that "
             "mitigating the threat gives back (a crossing on a road, a cutblock regrown), "
             "computed by re-solving the network with the threat removed."
             if by_impact else
             "Ranked by score = severity × extent × (1 + dPC/100) × current factor "
             "(amurlink.threats); the counterfactual impact was not computed.")  # fmt: skip
    out = []
    if f.map_src or f.map_pixels is not None:
        out.append((f"Map — {f.species}", ["Habitat suitability, cores, least-cost corridors and "
                    "the worst threats by rank."], None,
                    (f"Map: {f.species}", f.map_src, f.map_pixels)))  # fmt: skip
    notes = [basis, "Location: the centre of the 1 km square the threat lies in."]
    printed = worst
    if by_impact:
        # the page's width: the links cut and ΔEC are in brief_tables/worst_threats_*.csv
        printed = worst.drop(columns=["link_ids", "dEC_km2"], errors="ignore")
        notes[-1] += " The links each threat cuts and its ΔEC are in the CSV tables."
    else:
        notes[-1] += " links cut: the IDs of the least-cost links it crosses."
    if f.robustness is not None and f.n_assumptions:
        notes.append(robustness_note(f.robustness, f.n_assumptions, top_n))
    out.append((f"The {top_n} worst threats — {f.species}", notes,
                printed.rename(columns=THREAT_HEADINGS)))  # fmt: skip
    if f.plan is not None and (f.plan["step"] > 0).any():
        shown = (
            f.plan[f.plan["step"] > 0]
            .reindex(columns=list(PLAN_HEADINGS))
            .assign(threat_id=lambda t: [f"T{int(v)}" for v in t["threat_id"]])
            .rename(columns=PLAN_HEADINGS)
        )
        out.append((f"Mitigation plan — {f.species}",
                    ["Greedy: at each step the threat whose mitigation regains the most PC, "
                     "with those before it already mitigated. PC regained: cumulative, in per "
                     "cent of the baseline PC."], shown,
                    (f"Mitigation curve: {f.species}", None, mitigation_curve(f.plan, f.species))))  # fmt: skip
    return out


def robustness_note(robustness: pd.DataFrame, n_assumptions: int, top_n: int) -> str:
    """What P(top 10) and the rank range mean, and which threats are top under one assumption only."""
    single = robustness[robustness["top_only_under"].fillna("").astype(str).str.len() > 0]
    text = (f"P(top {top_n}): the share of {n_assumptions} assumptions (habitat suitability "
            "shifted by the ensemble's spread, crossed with shapes c of the resistance "
            "transform) under which the threat ranks in the top list; rank range: its best "
            "and worst rank over them.")  # fmt: skip
    if len(single):
        listed = ", ".join(f"T{int(r.threat_id)} (only under {r.top_only_under})"
                           for r in single.head(5).itertuples())  # fmt: skip
        text += f" Top under one assumption only: {listed}."
    return text


#: Columns of the mitigation plan in print, with units.
PLAN_HEADINGS = {"step": "step", "threat_id": "threat ID", "name": "name", "kind": "class",
                 "dPC_step": "PC regained by this step (%)",
                 "PC_gain_percent": "PC regained so far (%)"}  # fmt: skip


def mitigation_curve(plan: pd.DataFrame, species: str) -> Figure:
    """PC regained (% of the baseline) against the number of threats mitigated (step 0: none)."""
    fig = Figure(figsize=(5.5, 3.0))
    ax = fig.add_axes((0.13, 0.18, 0.82, 0.72))
    plan = plan.sort_values("step")
    steps = plan["step"].to_numpy(float)
    gain = plan["PC_gain_percent"].to_numpy(float)
    if steps.size == 0 or steps[0] != 0:
        steps, gain = np.concatenate([[0.0], steps]), np.concatenate([[0.0], gain])
    ax.plot(steps, gain, marker="o", color="#d7191c")
    ax.set_xlabel("threats mitigated (greedy order)", fontsize=8)
    ax.set_ylabel("PC regained (% of baseline)", fontsize=8)
    ax.set_title(f"Mitigation curve — {species}", fontsize=9)
    ax.tick_params(labelsize=7)
    ax.grid(alpha=0.3)
    return fig


def scenario_sections(
    scenarios: pd.DataFrame, descriptions: Mapping[str, str] | None, maps: Sequence[tuple]
) -> list[tuple]:
    """Each scenario and species: a plain sentence on what changed, and its map."""
    sentences = scenario_sentences(scenarios, descriptions)
    out = []
    for k, sentence in enumerate(sentences):
        image = maps[k] if k < len(maps) else None
        r = scenarios.iloc[k]
        out.append((f"Scenario '{r['scenario']}' — {r['species']}", [sentence], None, image))
    if len(scenarios):
        out.append(("Scenario deltas", ["PC: probability of connectivity (unitless, 0–1); EC: "
                    "equivalent connected area (km²); Δ in per cent of the baseline."],
                    scenario_display(scenarios)))  # fmt: skip
    return out


def network_sections(habitat: pd.DataFrame, network: pd.DataFrame, cross: pd.DataFrame):
    """Habitat by country, the baseline network and the cross-border links, with units."""
    return [
        ("Habitat area by country",
         ["Area of cells classed as habitat (suitability above the model's threshold), km²."],
         habitat),
        ("Core areas and links (baseline)",
         ["cores: core habitat areas; core area in km²; PC: probability of connectivity "
          "(unitless, 0–1); EC: equivalent connected area (km²)."],
         network.rename(columns={"core_area_km2": "core area (km²)", "EC_km2": "EC (km²)",
                                 "cross_border_links": "cross-border links"})),
        ("Cross-border links",
         ["Links whose least-cost path crosses an international border. PC lost without it: "
          "dPC, the per cent of PC lost if the link were cut (Saura & Rubio 2010). Must act: "
          "the countries where the link's threats lie."],
         cross.assign(top_threat_id=[f"T{v}" if pd.notna(v) else "–"
                                     for v in cross["top_threat_id"]])
         .rename(columns=CROSS_BORDER_HEADINGS)),
    ]  # fmt: skip
