"""Outputs: print maps of a species (habitat, corridors, threats) and of a scenario.

Maps are drawn with matplotlib on the Agg backend (no display needed) on an
A4 page, portrait or landscape to suit the study area's shape, in the analysis
CRS with axes in kilometres; scripts save them as PNG (:data:`DPI`) and PDF
(:func:`amurlink.core.io.figures.save_figure`).  Each has a legend, a scale bar
and north arrow (in the lower corner with least land, so they cover no data),
country borders and names (placed clear of that corner and of the cores), a
locator inset (the shipped Natural Earth clip,
:func:`amurlink.core.io.naturalearth.read_naturalearth`, 130–132.2° E,
42.1–44.2° N, with the map area in red), title, date and data credits.  The
scale bar is drawn here rather than taken from a plotting add-on, so its length
is exact in map units and testable.

The printed date is config ``outputs.date``, else ``SOURCE_DATE_EPOCH``, else
today (:func:`map_date`); PDFs carry no creation time, so fixed inputs and a
fixed date give identical files.

Sightings are never drawn as points: only counts per grid cell
(:func:`amurlink.outputs.public.generalise_points`, :func:`draw_sightings_grid`).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Mapping, Sequence

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

from amurlink.core.grid import Grid  # noqa: E402
from amurlink.core.tiles import coarsen_mean  # noqa: E402
from amurlink.outputs.palette import ROAD_STYLE, SUITABILITY_CMAP  # noqa: E402, F401
from amurlink.prepare.footprints import scenario_footprint  # noqa: E402
from amurlink.prepare.vectors import rasterize_index  # noqa: E402

#: A4 in inches (portrait width, height).
A4_INCHES = (8.27, 11.69)
DPI = 300
#: Raster cells a map reads at most (rasters are decimated to this): the map
#: frame is about 2000 x 2000 pixels at 300 dpi, so more cells add nothing.
MAP_CELLS = 4_000_000

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
#: Strong enough that corridors over green suitability still read as the legend's colour.
CORRIDOR_ALPHA = 0.6
PATH_COLOUR = "#0b3c8c"
CROSS_BORDER_PATH_COLOUR = "#e66101"
THREAT_COLOUR = "#d7191c"
BORDER_COLOUR = "#222222"
#: Sea, where the countries layer has no land: a blue no suitability shade can take.
SEA_COLOUR = "#cfe3f3"
#: Smallest type on a map page, in points: readable on A4 at arm's length.
MIN_FONT_PT = 7.0

#: How the habitat model of config ``habitat.model`` is named in a map's subtitle.
MODEL_NAMES = {
    "ensemble": "ensemble model",
    "maxent": "MaxEnt",
    "glm": "GLM",
    "rf": "random forest",
    "brt": "boosted trees",
}


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
    _draw_scale_labels(ax, bx, by - 0.6 * h, length_m, segments)
    return blocks


def _draw_scale_labels(ax, x: float, y: float, length_m: float, segments: int) -> None:
    """Tick labels under a scale bar starting at ``x``: km (or m), the last with its unit."""
    step = length_m / segments
    halo = [pe.withStroke(linewidth=2.5, foreground="white")]
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
            x + value,
            y,
            text,
            ha="center",
            va="top",
            fontsize=MIN_FONT_PT,
            zorder=21,
            path_effects=halo,
        )


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


def scale_bar_corner(bounds, countries: gpd.GeoDataFrame | None) -> str:
    """``'left'`` or ``'right'``: the lower corner with less land, where the scale bar goes."""
    if countries is None or countries.empty:
        return "left"
    xmin, ymin, xmax, ymax = bounds
    w, h = xmax - xmin, ymax - ymin
    land = shapely.union_all(countries.geometry.values)
    left = land.intersection(shapely.box(xmin, ymin, xmin + 0.42 * w, ymin + 0.12 * h)).area
    right = land.intersection(shapely.box(xmax - 0.42 * w, ymin, xmax, ymin + 0.12 * h)).area
    return "right" if right < left else "left"


def _draw_countries(ax, countries, border, bounds, handles, avoid=None) -> None:
    """Border lines and country names.

    A name goes at the point of the country (inside the map) farthest from the
    map corners where the scale bar and north arrow sit and from ``avoid``
    (e.g. cores), so labels do not cover them.
    """
    if countries is None or countries.empty:
        return
    xmin, ymin, xmax, ymax = bounds
    if border is not None and not border.empty:
        border_lines = _lines_xy(border.geometry)
    else:
        border_lines = _lines_xy(countries.geometry.boundary)
    style = {"color": BORDER_COLOUR, "lw": 1.4, "ls": (0, (6, 2, 1, 2))}
    ax.add_collection(LineCollection(border_lines, colors=style["color"], linewidths=style["lw"],
                                     linestyles=style["ls"], zorder=6))  # fmt: skip
    handles.append(Line2D([], [], **style, label="International border"))
    halo = [pe.withStroke(linewidth=3, foreground="white")]
    w, h = xmax - xmin, ymax - ymin
    # keep-out boxes: scale bar (lower left), north arrow (upper right), summary box (upper left)
    bar_x0 = xmin if scale_bar_corner(bounds, countries) == "left" else xmax - 0.45 * w
    keep_out = [
        shapely.box(bar_x0, ymin, bar_x0 + 0.45 * w, ymin + 0.16 * h),  # scale bar, north arrow
        shapely.box(xmin, ymax - 0.12 * h, xmin + 0.4 * w, ymax),
    ]
    if avoid is not None and not avoid.empty:
        keep_out.append(shapely.union_all(avoid.geometry.values).buffer(0.02 * w))
    blocked = shapely.union_all(keep_out)
    for _, row in countries.iterrows():
        clipped = row.geometry.intersection(shapely.box(*bounds))
        if clipped.is_empty or clipped.area < 0.02 * w * h:
            continue
        # the label's anchor: the pole of inaccessibility of what is left free
        name = str(row.get("name", row.get("iso_a3", ""))).upper()
        pt, size = None, 11
        for size in (11, 8):
            # a centred label must fit inside the frame: keep its half-width from the edges
            half = 0.5 * 0.72 * size / 72 * len(name) / _axes_width_in(ax) * w
            frame = shapely.box(xmin + half, ymin + 0.03 * h, xmax - half, ymax - 0.03 * h)
            for inset in (0.06, 0.02):
                free = clipped.buffer(-inset * w).difference(blocked).intersection(frame)
                if not free.is_empty and free.area > 0:
                    break
            if not free.is_empty and free.area > 0:
                parts = sorted(shapely.get_parts(free), key=lambda g: -g.area)
                pt = shapely.maximum_inscribed_circle(parts[0]).coords[0]
                break
        if pt is None:
            continue  # no room clear of the map furniture: the locator names it
        ax.text(pt[0], pt[1], name, ha="center", va="center", fontsize=size,
                fontweight="bold", color="#444444", alpha=0.8, zorder=7,
                path_effects=halo)  # fmt: skip


def _axes_width_in(ax) -> float:
    fig = ax.get_figure()
    return ax.get_position().width * fig.get_size_inches()[0]


def _page_size(grid_bounds: tuple[float, float, float, float]) -> tuple[float, float, bool]:
    xmin, ymin, xmax, ymax = grid_bounds
    portrait = (ymax - ymin) >= 0.85 * (xmax - xmin)
    w, h = A4_INCHES if portrait else A4_INCHES[::-1]
    return w, h, portrait


def species_map_titles(species: Mapping, model: str, top_n: int) -> tuple[str, str]:
    """Title and subtitle of a species map (``species``: config entry with ``key`` and ``name``)."""
    title = f"{species['key'].capitalize()} ({species['name']}): habitat, corridors and threats"
    subtitle = (
        f"Habitat suitability ({MODEL_NAMES.get(model, model)}), "
        f"least-cost corridors and the {top_n} worst road and logging threats in them"
    )
    return title, subtitle


def corridors_between_cores(
    corridors: np.ndarray, cores: gpd.GeoDataFrame, grid: Grid
) -> np.ndarray:
    """Corridor cells outside every core, as a species map shades them.

    Corridors are drawn between the cores; inside a core the shading would only
    hide the suitability the core outline already marks.
    """
    return np.asarray(corridors, bool) & ~(rasterize_index(cores, grid) > 0)


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
    locator: gpd.GeoDataFrame | None = None,
    sightings_grid: gpd.GeoDataFrame | None = None,
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
        Threat records (:func:`amurlink.threats.flagging.flag_threats`); the ``top_n``
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
    locator : GeoDataFrame, optional
        Countries (any CRS) for the locator inset (:func:`draw_locator`).
    sightings_grid : GeoDataFrame, optional
        Sightings generalised to grid cells (:func:`generalise_points`),
        outlined with their counts; never raw points.

    Returns
    -------
    matplotlib.figure.Figure
        An A4 figure; save with ``dpi=300`` (:data:`DPI`).

    Over 80 lines only for this docstring's parameter list; the body (about 36 lines) calls one drawing helper per layer.
    """
    fig, ax, layout, portrait = _map_page(grid)
    cax = fig.add_axes(layout["colorbar"])
    extent = _extent(grid)
    handles: list = []
    # land first, under the suitability, so no-data land still reads as land
    _draw_land(ax, countries)
    _draw_suitability(fig, ax, cax, suitability, extent)
    if corridors_mask is not None and np.any(corridors_mask):
        _shade_cells(ax, corridors_mask, CORRIDOR_COLOUR, extent, zorder=2, alpha=CORRIDOR_ALPHA)
        handles.append(
            Patch(
                facecolor=CORRIDOR_COLOUR,
                alpha=CORRIDOR_ALPHA,
                edgecolor="none",
                label="Least-cost corridor",
            )
        )
    if roads is not None and not roads.empty:
        _draw_roads(ax, roads, handles)
    _draw_countries(ax, countries, border, grid.bounds, handles, avoid=cores)
    if cores is not None and not cores.empty:
        _draw_cores(ax, cores, handles)
    if links is not None and not links.empty:
        _draw_paths(ax, links, handles)
    if threats is not None and not threats.empty and "rank" in threats:
        _draw_ranked_threats(ax, threats, top_n, handles, grid.bounds)
    if sightings_grid is not None and not sightings_grid.empty:
        draw_sightings_grid(ax, sightings_grid, handles)
    _finish_map(
        fig, ax, grid, handles, layout, title=title, subtitle=subtitle, credits=credits,
        date=date, locator=locator, portrait=portrait, countries=countries,
        note="Sightings shown only as counts per grid cell (sensitive)."
        if sightings_grid is not None and not sightings_grid.empty
        else "Sightings are not shown (sensitive).",
    )  # fmt: skip
    return fig


def _map_page(grid: Grid) -> tuple[Figure, object, dict, bool]:
    """An A4 figure shaped to the study area and its map axes: ``(fig, ax, layout, portrait)``."""
    width_in, height_in, portrait = _page_size(grid.bounds)
    fig = Figure(figsize=(width_in, height_in), dpi=DPI)
    layout = _layout(portrait)
    ax = fig.add_axes(layout["map"])
    return fig, ax, layout, portrait


def _extent(grid: Grid) -> tuple[float, float, float, float]:
    """The grid's bounds as matplotlib's image extent (left, right, bottom, top)."""
    xmin, ymin, xmax, ymax = grid.bounds
    return (xmin, xmax, ymin, ymax)


def _draw_land(ax, countries: gpd.GeoDataFrame | None) -> None:
    """Country polygons filled light grey over a sea-blue frame, under everything else.

    Sea then reads as sea, not as the lowest suitability or as no data on land.
    """
    if countries is not None and not countries.empty:
        ax.set_facecolor(SEA_COLOUR)
        for geom in countries.geometry:
            for ring in _lines_xy([geom]):
                ax.fill(ring[:, 0], ring[:, 1], facecolor="#ececec", edgecolor="none", zorder=0)


def _shade_cells(ax, mask, colour: str, extent, *, zorder: float, alpha: float | None = None):
    """Cells where ``mask`` is true painted in one colour (the rest transparent)."""
    ax.imshow(
        np.ma.masked_where(~np.asarray(mask, bool), np.ones(np.shape(mask))),
        extent=extent,
        origin="upper",
        cmap=matplotlib.colors.ListedColormap([colour]),
        alpha=alpha,
        interpolation="nearest",
        zorder=zorder,
    )


def _draw_suitability(fig, ax, cax, suitability, extent) -> None:
    """Habitat suitability 0–1 (no data transparent) and its horizontal colour bar."""
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


def _road_status(roads: gpd.GeoDataFrame) -> pd.Series:
    """Each road's ``status`` (``existing`` where the column is absent)."""
    if "status" in roads:
        return roads["status"].astype(str)
    return pd.Series("existing", index=roads.index)


def _draw_roads(ax, roads: gpd.GeoDataFrame, handles: list) -> None:
    """Existing roads grey by group (major darkest and widest), proposed roads dashed."""
    groups = _road_groups(roads)
    status = _road_status(roads)
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


def _draw_cores(ax, cores: gpd.GeoDataFrame, handles: list) -> None:
    """Core outlines, labelled with their ``core_id`` when there is one."""
    ax.add_collection(
        LineCollection(_lines_xy(cores.geometry), colors="black", linewidths=1.0, zorder=8)
    )
    handles.append(Patch(facecolor="none", edgecolor="black", lw=1.0, label="Core habitat area"))
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


def _draw_paths(ax, links: gpd.GeoDataFrame, handles: list) -> None:
    """Least-cost paths, cross-border ones (``crosses_border``) in their own colour."""
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


#: Diameter of a threat's rank disc on the map, points.
RANK_DISC_PT = 11.0


def place_labels(
    anchors: np.ndarray,
    spacing: float,
    bounds: tuple[float, float, float, float] | None = None,
    rings: int = 8,
    per_ring: int = 12,
) -> np.ndarray:
    """Greedy point-feature label placement: labels at least ``spacing`` apart.

    Labels are placed in the order given (the first, e.g. the top-ranked threat,
    keeps its anchor).  Each next label takes its anchor if that is ``spacing``
    or more from every label placed; otherwise the first free candidate on rings
    of radius ``spacing``, ``2 · spacing``, … around the anchor (``per_ring``
    angles a ring, starting straight up), inside ``bounds`` when given.  Where no
    candidate is free the farthest ring's first candidate is used.

    Parameters
    ----------
    anchors : numpy.ndarray
        (n, 2) feature positions, in map units.
    spacing : float
        Smallest distance between two labels' centres (a label's diameter), map units.
    bounds : tuple of float, optional
        ``(xmin, ymin, xmax, ymax)`` the labels must stay inside.

    Returns
    -------
    numpy.ndarray
        (n, 2) label positions.

    References
    ----------
    Christensen, J., Marks, J. & Shieber, S. (1995). An empirical study of
    algorithms for point-feature label placement. *ACM Transactions on Graphics*
    14:203–232 (the greedy algorithm, their baseline, with candidate positions
    around each point).
    """
    anchors = np.asarray(anchors, dtype=float).reshape(-1, 2)
    placed = np.empty((0, 2))
    angles = np.pi / 2 - 2 * np.pi * np.arange(per_ring) / per_ring
    ring_offsets = [np.zeros((1, 2))] + [
        k * spacing * np.column_stack([np.cos(angles), np.sin(angles)]) for k in range(1, rings + 1)
    ]
    for anchor in anchors:
        candidates = anchor + np.vstack(ring_offsets)
        if bounds is not None:
            xmin, ymin, xmax, ymax = bounds
            inside = (
                (candidates[:, 0] >= xmin + spacing / 2) & (candidates[:, 0] <= xmax - spacing / 2)
                & (candidates[:, 1] >= ymin + spacing / 2) & (candidates[:, 1] <= ymax - spacing / 2)
            )  # fmt: skip
            candidates = candidates[inside] if inside.any() else candidates
        if placed.size:
            gap = np.min(np.hypot(*(candidates[:, None, :] - placed[None, :, :]).T), axis=0)
            free = np.flatnonzero(gap >= spacing * (1 - 1e-9))
            choice = candidates[free[0]] if free.size else candidates[-per_ring]
        else:
            choice = candidates[0]
        placed = np.vstack([placed, choice])
    return placed


def _threat_anchor(geom) -> shapely.Point:
    """Where a threat's label points: a line's midpoint (its longest part), else a point inside."""
    if geom.geom_type in ("LineString", "MultiLineString"):
        longest = max(shapely.get_parts(geom), key=lambda g: g.length)
        return longest.interpolate(0.5, normalized=True)
    return shapely.point_on_surface(geom)


def _points_per_map_unit(ax, bounds: tuple[float, float, float, float]) -> float:
    """Printed points per map unit of an equal-aspect map frame showing ``bounds``."""
    xmin, ymin, xmax, ymax = bounds
    pos = ax.get_position()
    fig_w, fig_h = ax.figure.get_size_inches()
    return 72.0 * min(pos.width * fig_w / (xmax - xmin), pos.height * fig_h / (ymax - ymin))


def _draw_ranked_threats(
    ax, threats: gpd.GeoDataFrame, top_n: int, handles: list, bounds: tuple
) -> None:
    """The ``top_n`` ranked threats as drawn: road pieces as red lines, cutblocks as red
    areas, each with a numbered disc (its rank) placed clear of the others, a leader
    line joining a disc that had to move to its threat."""
    ranked = threats[pd.to_numeric(threats["rank"], errors="coerce").notna()].copy()
    ranked["_r"] = pd.to_numeric(ranked["rank"]).astype(int)
    ranked = ranked.sort_values("_r").head(top_n)
    geoms = ranked.geometry.values
    is_line = np.isin(shapely.get_type_id(geoms), [1, 5])  # LineString, MultiLineString
    halo = [pe.withStroke(linewidth=3.6, foreground="white")]
    if is_line.any():
        ax.add_collection(LineCollection(_lines_xy(geoms[is_line]), colors=THREAT_COLOUR,
                                         linewidths=2.0, zorder=11, path_effects=halo))  # fmt: skip
        handles.append(Line2D([], [], color=THREAT_COLOUR, lw=2.0, label="Top threat: road"))
    if (~is_line).any():
        gpd.GeoSeries(geoms[~is_line]).plot(ax=ax, facecolor=THREAT_COLOUR, alpha=0.45,
                                            edgecolor=THREAT_COLOUR, linewidth=0.8, zorder=11)  # fmt: skip
        handles.append(Patch(facecolor=THREAT_COLOUR, alpha=0.45, edgecolor=THREAT_COLOUR,
                             label="Top threat: logging cutblock"))  # fmt: skip
    anchors = np.array([[p.x, p.y] for p in map(_threat_anchor, geoms)]).reshape(-1, 2)
    spacing = (RANK_DISC_PT + 1.0) / _points_per_map_unit(ax, bounds)
    xmin, ymin, xmax, ymax = bounds
    labels = place_labels(anchors, spacing, (xmin, ymin, xmax, ymax))
    for (ax_, ay), (lx, ly), r in zip(anchors, labels, ranked["_r"], strict=True):
        if np.hypot(lx - ax_, ly - ay) > 0:
            ax.plot([ax_, lx], [ay, ly], color=THREAT_COLOUR, lw=0.7, zorder=12)
        ax.plot(lx, ly, ls="none", marker="o", markersize=RANK_DISC_PT,
                markerfacecolor=THREAT_COLOUR, markeredgecolor="white", markeredgewidth=0.8,
                zorder=13)  # fmt: skip
        ax.text(lx, ly, str(r), fontsize=MIN_FONT_PT, color="white", fontweight="bold",
                ha="center", va="center", zorder=14)  # fmt: skip
    if len(ranked):
        handles.append(Line2D([], [], ls="none", marker="o", markersize=RANK_DISC_PT,
                              markerfacecolor=THREAT_COLOUR, markeredgecolor="white",
                              label="Threat rank (1 = worst)"))  # fmt: skip


def _layout(portrait: bool) -> dict:
    """Figure-fraction rectangles of the page parts (map, colour bar, legend, locator)."""
    if portrait:
        return {
            "map": (0.09, 0.245, 0.86, 0.675),
            "colorbar": (0.31, 0.2, 0.3, 0.011),
            "legend": ((0.30, 0.175), "upper left", 2),
            "locator": (0.04, 0.05, 0.2, 0.135),
            "credits_x": 0.03,
        }
    return {
        "map": (0.05, 0.10, 0.63, 0.79),
        "colorbar": (0.73, 0.84, 0.22, 0.014),
        "legend": ((0.725, 0.78), "upper left", 1),
        "locator": (0.80, 0.10, 0.17, 0.24),
        "credits_x": 0.05,
    }


def map_date(date: dt.date | str | None = None) -> str:
    """Date printed on maps and the brief, ISO format.

    ``date`` (config ``outputs.date``) when given; else the environment's
    ``SOURCE_DATE_EPOCH`` (the reproducible-builds convention) when set; else
    today.  A fixed date makes the maps reproducible byte for byte.
    """
    import os

    if date:
        return date.isoformat() if isinstance(date, dt.date) else str(date)
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch:
        return dt.datetime.fromtimestamp(int(epoch), dt.UTC).date().isoformat()
    return dt.date.today().isoformat()


def _finish_map(
    fig, ax, grid: Grid, handles: list, layout: dict, *, title: str, subtitle: str | None,
    credits: str, date, locator: gpd.GeoDataFrame | None, portrait: bool, note: str,
    countries: gpd.GeoDataFrame | None = None,
) -> None:  # fmt: skip
    """Axes in km, scale bar, north arrow, legend, locator, title and credits."""
    xmin, ymin, xmax, ymax = grid.bounds
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

    corner = scale_bar_corner(grid.bounds, countries)
    bar_length = nice_scale_length(xmax - xmin)
    bar_x = 0.05 if corner == "left" else 0.95 - bar_length / (xmax - xmin) - 0.05
    draw_scale_bar(ax, bar_length, loc=(bar_x, 0.04))
    # the north arrow sits beside the scale bar, in the corner with least land,
    # so it never covers cores, paths or threat markers
    arrow_x = min(bar_x + bar_length / (xmax - xmin) + 0.06, 0.96)
    draw_north_arrow(
        ax, north_arrow_angle(grid.crs, (xmin + xmax) / 2, (ymin + ymax) / 2), loc=(arrow_x, 0.075)
    )

    anchor, loc, ncols = layout["legend"]
    legend = fig.legend(
        handles=handles,
        loc=loc,
        bbox_to_anchor=anchor,
        ncols=ncols,
        fontsize=7.5,
        frameon=False,
        title="Legend",
        title_fontsize=8.5,
        alignment="left",
    )
    legend.set_gid("legend")
    if locator is not None and not locator.empty:
        draw_locator(fig, layout["locator"], locator, grid)

    date_text = map_date(date)
    # long titles shrink so they stay inside the page
    fits_at_15pt = 60 if portrait else 85  # characters of bold 15 pt across the page
    title_size = max(9.0, min(15.0, 15.0 * fits_at_15pt / max(len(title), 1)))
    fig.text(0.5, 0.965, title, ha="center", va="center", fontsize=title_size, fontweight="bold")
    if subtitle:
        fig.text(0.5, 0.94, subtitle, ha="center", va="center", fontsize=9, color="#333333")
    fig.text(
        layout["credits_x"],
        0.02,
        f"Data: {credits}\nMap: amurlink, {date_text}. CRS {grid.crs}. {note}",
        ha="left",
        va="bottom",
        fontsize=MIN_FONT_PT,
        color="#333333",
        linespacing=1.4,
    )


# ------------------------------------------------------------ locator
def draw_locator(fig, rect, countries: gpd.GeoDataFrame, grid: Grid):
    """A locator inset: the countries around the study area (WGS84) and the study area box.

    The inset's extent is that of ``countries`` (for the shipped Natural Earth
    clip 130–132.2° E, 42.1–44.2° N, printed on the inset), so the study area
    reads against the Russia–China–North Korea borders and the coast.
    """
    ll = countries.to_crs("EPSG:4326") if countries.crs is not None else countries
    ax = fig.add_axes(rect)
    ax.set_gid("locator")
    ax.set_facecolor("#cfe3f3")  # sea
    palette = {"RUS": "#f2efe6", "CHN": "#efe3cf", "PRK": "#e4ecd8"}
    for _, row in ll.iterrows():
        for ring in _lines_xy([row.geometry]):
            ax.fill(ring[:, 0], ring[:, 1], facecolor=palette.get(row.get("iso_a3"), "#eeeeee"),
                    edgecolor="#555555", linewidth=0.4)  # fmt: skip
    x0, y0, x1, y1 = ll.total_bounds
    halo = [pe.withStroke(linewidth=1.8, foreground="white")]
    for _, row in ll.iterrows():
        pt = row.geometry.representative_point()
        ax.text(pt.x, pt.y, str(row.get("iso_a3", "")), fontsize=MIN_FONT_PT, ha="center",
                va="center", color="#333333", path_effects=halo)  # fmt: skip
    study = shapely.box(*grid.bounds)
    study_ll = gpd.GeoSeries([study], crs=grid.crs).to_crs("EPSG:4326").iloc[0]
    sx, sy = np.asarray(study_ll.exterior.coords).T
    ax.plot(sx, sy, color="#d7191c", lw=1.2)
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_aspect(1 / np.cos(np.radians((y0 + y1) / 2)))
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_title(
        f"Location: {x0:.1f}–{x1:.1f}° E, {y0:.1f}–{y1:.1f}° N\n(red: map area)",
        fontsize=MIN_FONT_PT, pad=2,
    )  # fmt: skip
    return ax


# ------------------------------------------------------------ sightings
def draw_sightings_grid(ax, cells: gpd.GeoDataFrame, handles: list) -> None:
    """Outline generalised sighting cells with their counts."""
    ax.add_collection(
        LineCollection(_lines_xy(cells.geometry), colors="#6a3d9a", linewidths=0.6,
                       linestyles=(0, (2, 1.5)), zorder=5)
    )  # fmt: skip
    halo = [pe.withStroke(linewidth=1.5, foreground="white")]
    for geom, n in zip(cells.geometry, cells["n_sightings"], strict=True):
        c = geom.centroid
        ax.text(c.x, c.y, str(int(n)), fontsize=MIN_FONT_PT, color="#6a3d9a", ha="center",
                va="center", zorder=5, path_effects=halo)  # fmt: skip
    km = float(cells["cell_km"].iloc[0])
    handles.append(
        Patch(facecolor="none", edgecolor="#6a3d9a", ls="--", lw=0.6,
              label=f"Sightings per {km:g} km cell")
    )  # fmt: skip


# ------------------------------------------------------------ scenario map
#: Colours of baseline links by their status in a scenario.
LINK_STATUS_STYLE = {
    "unchanged": ("#0b3c8c", "-", "Link unchanged"),
    "improved": ("#1a9641", "-", "Link improved"),
    "weakened": ("#fdae61", "-", "Link weakened"),
    "lost": ("#d7191c", (0, (2.5, 1.5)), "Link lost"),
}


def scenario_map(
    grid: Grid,
    baseline_corridors: np.ndarray,
    scenario_corridors: np.ndarray,
    footprint: np.ndarray,
    relief: np.ndarray | None,
    baseline_links: gpd.GeoDataFrame,
    link_status: pd.DataFrame,
    new_links: gpd.GeoDataFrame | None,
    scenario_cores: gpd.GeoDataFrame | None,
    roads: gpd.GeoDataFrame | None,
    countries: gpd.GeoDataFrame | None,
    title: str,
    credits: str,
    *,
    summary: Mapping | None = None,
    border: gpd.GeoDataFrame | None = None,
    date: dt.date | str | None = None,
    subtitle: str | None = None,
    locator: gpd.GeoDataFrame | None = None,
    baseline_core: np.ndarray | None = None,
) -> Figure:
    """Baseline and scenario corridors on one A4 page, with the scenario's changes.

    Parameters
    ----------
    grid : Grid
        The analysis grid.
    baseline_corridors, scenario_corridors : ndarray of bool
        Corridor cells of each.
    footprint : ndarray of bool
        Cells the scenario newly takes (new roads, cutblocks;
        :func:`amurlink.prepare.footprints.scenario_footprint`), drawn black.
    relief : ndarray of bool, optional
        Cells where the scenario lifts a pressure (crossings, fence removal), green.
    baseline_links : GeoDataFrame
        Baseline least-cost paths (``link_id``).
    link_status : DataFrame
        :func:`amurlink.threats.scenarios.compare_links` table (``link_id``, ``status``):
        each path is coloured by its status (lost dashed red, weakened orange).
    new_links : GeoDataFrame, optional
        Scenario paths with no baseline counterpart (purple).
    scenario_cores : GeoDataFrame, optional
        The scenario's cores, outlined.
    summary : mapping, optional
        The comparison's figures; ΔPC and ΔEC are printed in a box.
    baseline_core : ndarray of bool, optional
        Core cells of the baseline: scenario corridor on them is a core the scenario
        split (its own class), not corridor gained.

    Returns
    -------
    matplotlib.figure.Figure

    Over 80 lines only for this docstring's parameter list; the body (about 34 lines) calls one drawing helper per layer.
    """
    fig, ax, layout, portrait = _map_page(grid)
    extent = _extent(grid)
    handles: list = []
    _draw_land(ax, countries)
    _draw_corridor_changes(
        ax, baseline_corridors, scenario_corridors, extent, handles, baseline_core
    )
    if roads is not None and not roads.empty:
        sel = _road_status(roads) != "proposed"
        ax.add_collection(LineCollection(_lines_xy(roads.geometry[sel]), colors="#9a9a9a",
                                         linewidths=0.4, zorder=2))  # fmt: skip
        handles.append(Line2D([], [], color="#9a9a9a", lw=0.4, label="Road, existing"))
    for mask, colour, label in ((footprint, "#000000", "Scenario: new road / cutblock"),
                                (relief, "#1a9641", "Scenario: pressure lifted")):  # fmt: skip
        if mask is not None and np.any(mask):
            _shade_cells(ax, mask, colour, extent, zorder=6)
            handles.append(Patch(facecolor=colour, label=label))
    _draw_countries(ax, countries, border, grid.bounds, handles)
    if scenario_cores is not None and not scenario_cores.empty:
        ax.add_collection(LineCollection(_lines_xy(scenario_cores.geometry), colors="black",
                                         linewidths=0.9, zorder=8))  # fmt: skip
        handles.append(Patch(facecolor="none", edgecolor="black", label="Core area (scenario)"))
    if baseline_links is not None and not baseline_links.empty:
        _draw_link_status(ax, baseline_links, link_status, handles)
    if new_links is not None and not new_links.empty:
        ax.add_collection(LineCollection(_lines_xy(new_links.geometry), colors="#762a83",
                                         linewidths=1.2, zorder=9))  # fmt: skip
        handles.append(Line2D([], [], color="#762a83", lw=1.2, label="Link new in the scenario"))
    if summary:
        _draw_summary_box(ax, summary)
    _finish_map(
        fig, ax, grid, handles, layout, title=title, subtitle=subtitle, credits=credits,
        date=date, locator=locator, portrait=portrait, countries=countries,
        note="Sightings are not shown (sensitive).",
    )  # fmt: skip
    return fig


#: Scenario map classes: (code, colour, opacity, legend label).
CORRIDOR_CHANGE_CLASSES = (
    (1, "#b3a2d3", 0.8, "Corridor, baseline and scenario"),
    (2, "#f4a582", 0.9, "Corridor lost in the scenario"),
    (3, "#92c5de", 0.9, "Corridor gained in the scenario"),
    (4, "#8c510a", 0.85, "Core split: core in the baseline, corridor in the scenario"),
)


def corridor_change_classes(
    baseline: np.ndarray, scenario: np.ndarray, baseline_core: np.ndarray | None = None
) -> np.ndarray:
    """Each cell's class on a scenario map (:data:`CORRIDOR_CHANGE_CLASSES`; 0 = none).

    Corridor in both (1), lost (2), gained (3); where the scenario's corridor runs over
    a baseline core (the scenario cut the core in two and the corridor now joins the
    halves), the cell is a split core (4), not corridor gained.
    """
    base = np.asarray(baseline, bool)
    scen = np.asarray(scenario, bool)
    core = np.zeros(base.shape, bool) if baseline_core is None else np.asarray(baseline_core, bool)
    classes = np.zeros(base.shape, np.uint8)
    classes[base & scen] = 1
    classes[base & ~scen] = 2
    classes[~base & scen & ~core] = 3
    classes[~base & scen & core] = 4
    return classes


def _draw_corridor_changes(ax, baseline, scenario, extent, handles: list, baseline_core=None):
    """Corridor cells of both, lost, gained and over a split core, each in its colour."""
    classes = corridor_change_classes(baseline, scenario, baseline_core)
    for value, colour, alpha, label in CORRIDOR_CHANGE_CLASSES:
        sel = classes == value
        if sel.any():
            _shade_cells(ax, sel, colour, extent, zorder=1, alpha=alpha)
            handles.append(Patch(facecolor=colour, alpha=alpha, label=label))


def _draw_link_status(ax, links: gpd.GeoDataFrame, link_status: pd.DataFrame, handles: list):
    """Baseline paths coloured by their status in the scenario; lost and weakened ones labelled."""
    status_of = dict(zip(link_status["link_id"], link_status["status"], strict=True))
    st = links["link_id"].map(status_of).fillna("unchanged")
    for status, (colour, ls, label) in LINK_STATUS_STYLE.items():
        sel = st == status
        if sel.any():
            lw = 3.0 if status in ("lost", "weakened") else 1.4
            ax.add_collection(LineCollection(_lines_xy(links.geometry[sel]),
                                             colors=colour, linewidths=lw, linestyles=ls,
                                             zorder=10 if status != "unchanged" else 9))  # fmt: skip
            handles.append(Line2D([], [], color=colour, lw=lw, ls=ls, label=label))
            if status in ("lost", "weakened"):
                halo = [pe.withStroke(linewidth=2, foreground="white")]
                for lid, geom in zip(links["link_id"][sel], links.geometry[sel], strict=True):
                    p = geom.interpolate(0.5, normalized=True)
                    ax.text(p.x, p.y, f"L{lid}", fontsize=8, color=colour, fontweight="bold",
                            zorder=11, path_effects=halo)  # fmt: skip


def _draw_summary_box(ax, summary: Mapping) -> None:
    """PC and EC before → after (Δ %) and the links lost and weakened, in the upper left corner."""
    lines = []
    for key, unit in (("PC", ""), ("EC", " km²")):
        b, s_, d = (summary.get(f"{key}_baseline"), summary.get(f"{key}_scenario"),
                    summary.get(f"delta_{key}_pct"))  # fmt: skip
        if b is not None and s_ is not None:
            pct = f" ({d:+.1f} %)" if d is not None else ""
            fmt = "#.3g" if key == "PC" else ",.0f"
            lines.append(f"{key}: {b:{fmt}} → {s_:{fmt}}{unit}{pct}")
    lost = summary.get("links_lost") or []
    weak = summary.get("links_weakened") or []
    lines.append(f"Links lost: {len(lost)}; weakened: {len(weak)}")
    ax.text(0.02, 0.98, "\n".join(lines), transform=ax.transAxes, ha="left", va="top",
            fontsize=8, zorder=25, gid="scenario_summary",
            bbox={"facecolor": "white", "alpha": 1.0, "edgecolor": "#666666"})  # fmt: skip


def scenario_map_title(species: Mapping, scenario: str, description: str | None = None) -> str:
    """Title of a scenario map: the species and the scenario's description (its key without one).

    ``species`` is the config entry (``key``); the description's trailing full stop goes.
    """
    what = (description or "").strip().rstrip(".") or f"scenario '{scenario}'"
    return f"{species['key'].capitalize()}: {what}"


def scenario_changes(strips: Iterable, names: Sequence[str], factor: int):
    """Footprint (new roads and cutblocks) and relief (roads or fences gone) on a map grid.

    Parameters
    ----------
    strips : iterable of (window, arrays)
        The baseline and scenario pressure stacks (``arrays["baseline"]``,
        ``arrays["scenario"]``, bands-first, NaN = no data) strip by strip at full
        resolution, each strip a whole number of ``factor`` rows
        (:func:`amurlink.core.io.read_strips`).
    names : sequence of str
        Band names of both stacks (``road_<group>``, ``logging_age``, ``fence``).
    factor : int
        Full-resolution cells per map cell along a side.

    Returns
    -------
    footprint, relief : ndarray of bool
        On the map grid: a map cell is marked when any of its cells is, so thin
        new roads stay visible on a decimated map.  The footprint is
        :func:`amurlink.prepare.footprints.scenario_footprint`; relief marks road
        and fence cells of the baseline that the scenario no longer has.
    """
    parts: dict[str, list[np.ndarray]] = {"footprint": [], "relief": []}
    for _, arrays in strips:
        # no data counts as no pressure
        base_p = np.where(np.isnan(arrays["baseline"]), 0.0, arrays["baseline"])
        scen_p = np.where(np.isnan(arrays["scenario"]), 0.0, arrays["scenario"])
        relief = np.zeros(base_p.shape[1:], bool)
        for k, name in enumerate(names):
            if name.startswith("road_") or name == "fence":
                relief |= (base_p[k] > 0) & ~(scen_p[k] > 0)
        footprint = scenario_footprint(base_p, scen_p, list(names))
        for key, mask in (("footprint", footprint), ("relief", relief)):
            parts[key].append(coarsen_mean(mask.astype(float), factor, 1.0) > 0)
    return np.vstack(parts["footprint"]), np.vstack(parts["relief"])
