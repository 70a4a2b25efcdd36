"""Outputs: the print map of each species and the layers of the results GeoPackage.

The map is drawn with matplotlib on the Agg backend (no display needed) on an
A4 page, portrait or landscape to suit the study area's shape, in the analysis
CRS with axes in kilometres.  The scale bar is drawn here rather than taken
from a plotting add-on, so its length is exact in map units and testable.

Sighting coordinates are never drawn or packaged: nothing here accepts them.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping

import geopandas as gpd
import matplotlib

matplotlib.use("Agg")

import matplotlib.patheffects as pe  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import shapely  # noqa: E402
from matplotlib.collections import LineCollection  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402
from matplotlib.patches import Patch, Rectangle  # noqa: E402
from matplotlib.ticker import FuncFormatter  # noqa: E402
from pyproj import CRS, Transformer  # noqa: E402

from amurlink.grid import Grid  # noqa: E402

#: A4 in inches (portrait width, height).
A4_INCHES = (8.27, 11.69)
DPI = 300

#: Road drawing by road group: (colour, line width in points, z-order).
ROAD_STYLE = {
    "major": ("#3c3c3c", 1.3, 4),
    "minor": ("#7a7a7a", 0.7, 3),
    "track": ("#a8a8a8", 0.4, 2),
}
#: Group of each OSM class, for roads without a ``group`` column.
ROAD_GROUP_OF_CLASS = {
    "motorway": "major",
    "trunk": "major",
    "primary": "major",
    "secondary": "major",
    "tertiary": "minor",
    "unclassified": "minor",
    "residential": "minor",
    "track": "track",
    "path": "track",
}

CORRIDOR_COLOUR = "#c51b7d"
PATH_COLOUR = "#0b3c8c"
CROSS_BORDER_PATH_COLOUR = "#e66101"
THREAT_COLOUR = "#d7191c"
BORDER_COLOUR = "#222222"
SUITABILITY_CMAP = "YlGn"

#: Words that mark a layer as holding sighting locations; never packaged.
SENSITIVE_LAYER_WORDS = ("presence", "sighting", "camera", "background")


# ------------------------------------------------------------- scale bar
def nice_scale_length(axis_width_m: float, fraction: float = 0.25) -> float:
    """Longest 1, 2 or 5 × 10^k metre length not over ``fraction`` of the axis width.

    Parameters
    ----------
    axis_width_m : float
        Width of the map's x-axis in metres.
    fraction : float
        Largest share of the width the bar may take.

    Returns
    -------
    float
        Bar length in metres (e.g. 20000 for 20 km).

    Examples
    --------
    >>> nice_scale_length(130_000)  # a quarter is 32.5 km
    20000.0
    """
    if not (axis_width_m > 0 and 0 < fraction <= 1):
        raise ValueError(
            f"need a positive width and 0 < fraction <= 1, got {axis_width_m}, {fraction}"
        )
    limit = axis_width_m * fraction
    exponent = math.floor(math.log10(limit))
    best = 10.0**exponent
    for mantissa in (1, 2, 5, 10):
        length = mantissa * 10.0**exponent
        if length <= limit * (1 + 1e-12):
            best = length
    return float(best)


def scale_label(length_m: float) -> str:
    """``'20 km'`` or ``'500 m'``."""
    if length_m >= 1000:
        km = length_m / 1000
        return f"{km:g} km"
    return f"{length_m:g} m"


def draw_scale_bar(
    ax,
    length_m: float | None = None,
    *,
    segments: int = 2,
    loc: tuple[float, float] = (0.05, 0.04),
    height_fraction: float = 0.012,
) -> list[Rectangle]:
    """Draw an alternating black-and-white scale bar in data units (metres).

    Parameters
    ----------
    ax : matplotlib Axes
        Map axes in a metric CRS with equal aspect.
    length_m : float, optional
        Bar length; by default :func:`nice_scale_length` of the axis width.
    segments : int
        Number of alternating blocks.
    loc : (float, float)
        Lower-left corner in axes fractions.
    height_fraction : float
        Bar height as a fraction of the axis height.

    Returns
    -------
    list of Rectangle
        The blocks (``gid='scalebar'``); their widths sum to ``length_m``.
    """
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    if length_m is None:
        length_m = nice_scale_length(x1 - x0)
    bx = x0 + loc[0] * (x1 - x0)
    by = y0 + loc[1] * (y1 - y0)
    h = height_fraction * (y1 - y0)
    step = length_m / segments
    halo = [pe.withStroke(linewidth=2.5, foreground="white")]
    # white backing so the bar reads over any suitability colour
    pad = 0.35 * h
    ax.add_patch(
        Rectangle(
            (bx - 3 * pad, by - 3.8 * h),
            length_m + 6 * pad + 0.05 * (x1 - x0),
            6.6 * h,
            facecolor="white",
            edgecolor="none",
            alpha=0.75,
            zorder=19,
            gid="scalebar_backing",
        )
    )
    blocks = []
    for i in range(segments):
        rect = Rectangle(
            (bx + i * step, by),
            step,
            h,
            facecolor="black" if i % 2 == 0 else "white",
            edgecolor="black",
            linewidth=0.6,
            zorder=20,
            gid="scalebar",
        )
        ax.add_patch(rect)
        blocks.append(rect)
    for i in range(segments + 1):
        value = i * step
        text = (
            scale_label(length_m)
            if i == segments
            else f"{value / 1000:g}"
            if length_m >= 1000
            else f"{value:g}"
        )
        ax.text(
            bx + value,
            by - 0.6 * h,
            text,
            ha="center",
            va="top",
            fontsize=6.5,
            zorder=21,
            path_effects=halo,
        )
    return blocks


def north_arrow_angle(crs: str, x: float, y: float) -> float:
    """Angle (degrees, anticlockwise from grid up) of true north at map point ``(x, y)``.

    Grid north of a transverse Mercator zone differs from true north by the
    meridian convergence (about 1° at the study area's edge of UTM 52N).
    """
    crs_obj = CRS.from_user_input(crs)
    if crs_obj.is_geographic:
        return 0.0
    to_ll = Transformer.from_crs(crs_obj, "EPSG:4326", always_xy=True)
    to_xy = Transformer.from_crs("EPSG:4326", crs_obj, always_xy=True)
    lon, lat = to_ll.transform(x, y)
    x2, y2 = to_xy.transform(lon, min(lat + 0.01, 89.9))
    return float(np.degrees(np.arctan2(-(x2 - x), y2 - y)))


def draw_north_arrow(ax, angle_deg: float = 0.0, loc: tuple[float, float] = (0.93, 0.9)) -> None:
    """A north arrow in axes fractions, rotated by ``angle_deg`` (anticlockwise)."""
    length = 0.07
    a = np.radians(angle_deg)
    dx, dy = -np.sin(a) * length, np.cos(a) * length
    x, y = loc
    ax.annotate(
        "",
        xy=(x + dx / 2, y + dy / 2),
        xytext=(x - dx / 2, y - dy / 2),
        xycoords="axes fraction",
        arrowprops={
            "arrowstyle": "-|>,head_width=0.35,head_length=0.8",
            "color": "black",
            "lw": 1.6,
        },
        zorder=22,
        gid="north_arrow",
    )
    ax.text(
        x + dx * 0.75,
        y + dy * 0.75,
        "N",
        transform=ax.transAxes,
        ha="center",
        va="bottom",
        fontsize=10,
        fontweight="bold",
        zorder=22,
        path_effects=[pe.withStroke(linewidth=2.5, foreground="white")],
    )


# ------------------------------------------------------------- drawing parts
def _lines_xy(geoms) -> list[np.ndarray]:
    parts = shapely.get_parts(np.asarray(geoms, dtype=object))
    parts = parts[~shapely.is_empty(parts)]
    out = []
    for p in parts:
        if p.geom_type == "LineString":
            out.append(np.asarray(p.coords)[:, :2])
        elif p.geom_type in ("Polygon",):
            out.append(np.asarray(p.exterior.coords)[:, :2])
            out.extend(np.asarray(r.coords)[:, :2] for r in p.interiors)
    return out


def _road_groups(roads: gpd.GeoDataFrame) -> pd.Series:
    if "group" in roads:
        return roads["group"].astype(str)
    return roads["highway"].astype(str).map(ROAD_GROUP_OF_CLASS).fillna("minor")


def _page_size(grid_bounds: tuple[float, float, float, float]) -> tuple[float, float, bool]:
    xmin, ymin, xmax, ymax = grid_bounds
    portrait = (ymax - ymin) >= 0.85 * (xmax - xmin)
    w, h = A4_INCHES if portrait else A4_INCHES[::-1]
    return w, h, portrait


def species_map(
    suitability: np.ndarray,
    grid: Grid,
    cores: gpd.GeoDataFrame | None,
    links: gpd.GeoDataFrame | None,
    corridors_mask: np.ndarray | None,
    roads: gpd.GeoDataFrame | None,
    threats: gpd.GeoDataFrame | None,
    countries: gpd.GeoDataFrame | None,
    title: str,
    credits: str,
    *,
    border: gpd.GeoDataFrame | None = None,
    top_n: int = 10,
    date: dt.date | str | None = None,
    subtitle: str | None = None,
) -> Figure:
    """Draw the print map of one species on an A4 page.

    Parameters
    ----------
    suitability : ndarray or masked array
        Habitat suitability 0–1 on ``grid`` (masked or NaN = no data).
    grid : Grid
        The analysis grid (metric CRS).
    cores : GeoDataFrame
        Core polygons (``core_id``), outlined.
    links : GeoDataFrame
        Least-cost paths (``crosses_border`` optional: such paths are drawn
        in another colour).
    corridors_mask : ndarray of bool
        Corridor cells on ``grid``, shaded semi-transparent.
    roads : GeoDataFrame
        Roads (``highway``, ``group``, ``status``); grey by group, proposed dashed.
    threats : GeoDataFrame
        Threat records (:func:`amurlink.threats.flag_threats`); the ``top_n``
        ranked ones are marked with their rank.
    countries : GeoDataFrame
        Country polygons (``iso_a3``, ``name``): boundaries and names.
    title, credits : str
        Page title and data credits line.
    border : GeoDataFrame, optional
        Border lines; without it country outlines show the border.
    top_n : int
        Number of ranked threats to mark.
    date : date or str, optional
        Date printed on the map (default today).
    subtitle : str, optional
        Second title line.

    Returns
    -------
    matplotlib.figure.Figure
        An A4 figure; save with ``dpi=300`` (:data:`DPI`).
    """
    bounds = grid.bounds
    width_in, height_in, portrait = _page_size(bounds)
    fig = Figure(figsize=(width_in, height_in), dpi=DPI)
    if portrait:
        ax = fig.add_axes((0.09, 0.205, 0.86, 0.715))
        cax = fig.add_axes((0.09, 0.13, 0.34, 0.011))
        legend_anchor, legend_loc, legend_cols = (0.47, 0.175), "upper left", 2
    else:
        ax = fig.add_axes((0.06, 0.10, 0.63, 0.79))
        cax = fig.add_axes((0.74, 0.84, 0.22, 0.014))
        legend_anchor, legend_loc, legend_cols = (0.735, 0.78), "upper left", 1
    xmin, ymin, xmax, ymax = bounds
    extent = (xmin, xmax, ymin, ymax)
    handles: list = []

    # land first, under the suitability, so no-data land still reads as land
    if countries is not None and not countries.empty:
        for geom in countries.geometry:
            for ring in _lines_xy([geom]):
                ax.fill(ring[:, 0], ring[:, 1], facecolor="#ececec", edgecolor="none", zorder=0)

    suit = np.ma.masked_invalid(np.ma.filled(np.ma.asarray(suitability, dtype=float), np.nan))
    suit = np.ma.masked_where(suit < -1, suit)  # -9999 no-data that was not masked
    image = ax.imshow(
        suit,
        extent=extent,
        origin="upper",
        cmap=SUITABILITY_CMAP,
        vmin=0,
        vmax=1,
        interpolation="nearest",
        zorder=1,
    )
    cbar = fig.colorbar(image, cax=cax, orientation="horizontal")
    cbar.set_label("Habitat suitability (cloglog, 0–1)", fontsize=8)
    cbar.ax.tick_params(labelsize=7)

    if corridors_mask is not None and np.any(corridors_mask):
        shade = np.ma.masked_where(~np.asarray(corridors_mask, bool), np.ones(grid.shape))
        ax.imshow(
            shade,
            extent=extent,
            origin="upper",
            cmap=matplotlib.colors.ListedColormap([CORRIDOR_COLOUR]),
            alpha=0.38,
            interpolation="nearest",
            zorder=2,
        )
        handles.append(
            Patch(
                facecolor=CORRIDOR_COLOUR, alpha=0.38, edgecolor="none", label="Least-cost corridor"
            )
        )

    if roads is not None and not roads.empty:
        groups = _road_groups(roads)
        status = (
            roads["status"].astype(str)
            if "status" in roads
            else pd.Series("existing", index=roads.index)
        )
        for group, (colour, lw, z) in ROAD_STYLE.items():
            sel = (groups == group) & (status != "proposed")
            if sel.any():
                ax.add_collection(
                    LineCollection(
                        _lines_xy(roads.geometry[sel]), colors=colour, linewidths=lw, zorder=z
                    )
                )
                handles.append(Line2D([], [], color=colour, lw=lw, label=f"Road, {group}"))
        sel = status == "proposed"
        if sel.any():
            ax.add_collection(
                LineCollection(
                    _lines_xy(roads.geometry[sel]),
                    colors="#3c3c3c",
                    linewidths=1.1,
                    linestyles=(0, (3, 2)),
                    zorder=4,
                )
            )
            handles.append(
                Line2D([], [], color="#3c3c3c", lw=1.1, ls=(0, (3, 2)), label="Road, proposed")
            )

    if countries is not None and not countries.empty:
        if border is not None and not border.empty:
            border_lines = _lines_xy(border.geometry)
        else:
            border_lines = _lines_xy(countries.geometry.boundary)
        ax.add_collection(
            LineCollection(
                border_lines,
                colors=BORDER_COLOUR,
                linewidths=1.4,
                linestyles=(0, (6, 2, 1, 2)),
                zorder=6,
            )
        )
        handles.append(
            Line2D(
                [],
                [],
                color=BORDER_COLOUR,
                lw=1.4,
                ls=(0, (6, 2, 1, 2)),
                label="International border",
            )
        )
        halo = [pe.withStroke(linewidth=3, foreground="white")]
        for _, row in countries.iterrows():
            clipped = row.geometry.intersection(shapely.box(*bounds))
            if clipped.is_empty or clipped.area < 0.02 * (xmax - xmin) * (ymax - ymin):
                continue
            pt = clipped.point_on_surface()
            ax.text(
                pt.x,
                pt.y,
                str(row.get("name", row.get("iso_a3", ""))).upper(),
                ha="center",
                va="center",
                fontsize=11,
                fontweight="bold",
                color="#444444",
                alpha=0.8,
                zorder=7,
                path_effects=halo,
            )

    if cores is not None and not cores.empty:
        ax.add_collection(
            LineCollection(_lines_xy(cores.geometry), colors="black", linewidths=1.0, zorder=8)
        )
        handles.append(
            Patch(facecolor="none", edgecolor="black", lw=1.0, label="Core habitat area")
        )
        if "core_id" in cores:
            for _, row in cores.iterrows():
                pt = row.geometry.point_on_surface()
                ax.text(
                    pt.x,
                    pt.y,
                    str(row["core_id"]),
                    fontsize=7,
                    ha="center",
                    va="center",
                    zorder=9,
                    path_effects=[pe.withStroke(linewidth=2, foreground="white")],
                )

    if links is not None and not links.empty:
        cross = (
            links["crosses_border"].fillna(False).astype(bool)
            if "crosses_border" in links
            else pd.Series(False, index=links.index)
        )
        for sel, colour, label in (
            (~cross, PATH_COLOUR, "Least-cost path"),
            (cross, CROSS_BORDER_PATH_COLOUR, "Least-cost path, cross-border"),
        ):
            if sel.any():
                ax.add_collection(
                    LineCollection(
                        _lines_xy(links.geometry[sel]), colors=colour, linewidths=1.6, zorder=10
                    )
                )
                handles.append(Line2D([], [], color=colour, lw=1.6, label=label))

    if threats is not None and not threats.empty and "rank" in threats:
        ranked = threats[pd.to_numeric(threats["rank"], errors="coerce").notna()].copy()
        ranked["_r"] = pd.to_numeric(ranked["rank"]).astype(int)
        ranked = ranked.sort_values("_r").head(top_n)
        marker_of = {"road": "o", "logging": "s"}
        pts = shapely.point_on_surface(ranked.geometry.values)
        for p, r, kind in zip(pts, ranked["_r"], ranked["kind"], strict=True):
            # one marker each, the higher-ranked on top where markers overlap
            z = 12 + (len(ranked) - r) / (len(ranked) + 1)
            ax.plot(
                p.x, p.y, ls="none", marker=marker_of.get(kind, "o"), markersize=9,
                markerfacecolor=THREAT_COLOUR, markeredgecolor="white", markeredgewidth=0.8,
                zorder=z,
            )  # fmt: skip
            ax.text(
                p.x, p.y, str(r), fontsize=5.5, color="white", fontweight="bold",
                ha="center", va="center", zorder=z,
            )  # fmt: skip
        for kind, marker in marker_of.items():
            if (ranked["kind"] == kind).any():
                handles.append(
                    Line2D(
                        [], [], ls="none", marker=marker, markersize=8,
                        markerfacecolor=THREAT_COLOUR, markeredgecolor="white",
                        label=f"Top threat (rank): {kind}",
                    )
                )  # fmt: skip

    ax.set_xlim(xmin, xmax)
    ax.set_ylim(ymin, ymax)
    ax.set_aspect("equal", adjustable="box")
    km = FuncFormatter(lambda v, _pos: f"{v / 1000:,.0f}")
    ax.xaxis.set_major_formatter(km)
    ax.yaxis.set_major_formatter(km)
    ax.tick_params(labelsize=7)
    crs_name = CRS.from_user_input(grid.crs).name
    ax.set_xlabel(f"Easting (km) — {crs_name}", fontsize=8)
    ax.set_ylabel("Northing (km)", fontsize=8)

    draw_scale_bar(ax)
    draw_north_arrow(ax, north_arrow_angle(grid.crs, (xmin + xmax) / 2, (ymin + ymax) / 2))

    legend = fig.legend(
        handles=handles,
        loc=legend_loc,
        bbox_to_anchor=legend_anchor,
        ncols=legend_cols,
        fontsize=7.5,
        frameon=False,
        title="Legend",
        title_fontsize=8.5,
        alignment="left",
    )
    legend.set_gid("legend")

    date = date or dt.date.today()
    date_text = date.isoformat() if isinstance(date, dt.date) else str(date)
    # long titles shrink so they stay inside the page
    title_size = min(15.0, 15.0 * 60 / max(len(title), 1)) if portrait else 15.0
    fig.text(0.5, 0.965, title, ha="center", va="center", fontsize=title_size, fontweight="bold")
    if subtitle:
        fig.text(0.5, 0.94, subtitle, ha="center", va="center", fontsize=9, color="#333333")
    fig.text(
        0.03 if portrait else 0.06,
        0.02,
        f"Data: {credits}\nMap: amurlink, {date_text}. CRS {grid.crs}. "
        "Sightings are not shown (sensitive).",
        ha="left",
        va="bottom",
        fontsize=6.5,
        color="#333333",
        linespacing=1.4,
    )
    return fig


# ------------------------------------------------------------ geopackage
def package_layers(
    per_species: Mapping[str, Mapping[str, gpd.GeoDataFrame]],
    countries: gpd.GeoDataFrame,
    border: gpd.GeoDataFrame | None,
    crs: str | None = None,
) -> dict[str, gpd.GeoDataFrame]:
    """Layers of the results GeoPackage, named ``<species>_<layer>``, plus countries and border.

    Parameters
    ----------
    per_species : mapping
        ``{species: {"cores": gdf, "links": gdf, "corridors": gdf, "threats": gdf}}``.
    countries, border : GeoDataFrame
        Country polygons and border lines.
    crs : str, optional
        Reproject every layer to this CRS (default: the first layer's).

    Returns
    -------
    dict
        Layer name → GeoDataFrame, in a stable order.

    Raises
    ------
    ValueError
        If a layer name suggests sighting locations (never published).
    """
    layers: dict[str, gpd.GeoDataFrame] = {}
    for species, parts in per_species.items():
        for name, gdf in parts.items():
            layers[f"{species}_{name}"] = gdf
    layers["countries"] = countries
    if border is not None:
        layers["border"] = border
    for name in layers:
        if any(word in name.lower() for word in SENSITIVE_LAYER_WORDS):
            raise ValueError(f"layer {name!r} looks like sighting data; it must not be published")
    target = crs or next((g.crs for g in layers.values() if g.crs is not None), None)
    out = {}
    for name, gdf in layers.items():
        if target is not None and gdf.crs is not None and gdf.crs != target:
            gdf = gdf.to_crs(target)
        out[name] = gdf
    return out
