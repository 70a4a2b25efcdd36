"""QGIS styles for the workflow's layers: ``.qml`` beside rasters, ``layer_styles`` in GeoPackages.

QGIS opens ``<name>.qml`` beside ``<name>.tif`` as the raster's default style, and
reads a GeoPackage layer's default style from the package's ``layer_styles``
table (the table QGIS itself writes with *Save as default*; see the QGIS user
manual, "Vector Properties › Styles", and OGC GeoPackage 1.3 for the
``gpkg_contents`` registration of an attribute table).  The XML follows the
format QGIS 3.22 writes, so Debian's QGIS and every later release read it.

Continuous rasters get a single-band pseudocolour ramp stretched between the
band statistics (embedded in every COG by :mod:`amurlink.core.io`); class rasters a
paletted renderer with a label per class.  Vector layers get single-symbol,
categorized or graduated renderers chosen from their name and columns.

Everything here builds strings from plain values and touches no file: the
raster facts come from :func:`amurlink.core.io.raster_info.read_raster_info`,
and :func:`amurlink.core.io.write_layers` stores the vector styles in the
GeoPackage (:mod:`amurlink.core.io.styles_db`).
"""

from __future__ import annotations

import colorsys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from xml.sax.saxutils import quoteattr

import numpy as np

from amurlink.core.io.raster_info import RGBA, RasterInfo
from amurlink.outputs.palette import ROAD_STYLE, SUITABILITY_CMAP

#: Version string written into QML and project files (Debian bookworm's QGIS).
QGIS_VERSION = "3.22.16-Białowieża"
DOCTYPE = "<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>"

#: Habitat raster: 0 = not habitat, 1 = habitat.
HABITAT_CLASSES: dict[int, tuple[str, RGBA]] = {
    0: ("not habitat", (230, 230, 220, 255)),
    1: ("habitat", (35, 139, 69, 255)),
}

#: Colour ramp (matplotlib name, reversed?, stretch) per raster, by file stem or band description.
#: ``sqrt`` stretch spreads the ramp over the many low values of heavy-tailed rasters.
CONTINUOUS_RAMPS: dict[str, tuple[str, bool, str]] = {
    # the printed maps' ramp (amurlink.outputs.maps), so the project reads like the maps
    "suitability": (SUITABILITY_CMAP, False, "linear"),
    "presence_probability": (SUITABILITY_CMAP, False, "linear"),
    "resistance": ("YlOrRd", False, "sqrt"),
    "corridors": ("magma", True, "sqrt"),  # low cost = corridor centre = bright
    "current": ("inferno", False, "sqrt"),
    "pinch_points": ("inferno", False, "sqrt"),
    "pinchpoints": ("inferno", False, "sqrt"),
    "barriers": ("RdPu", False, "linear"),
    "elevation": ("terrain", False, "linear"),
    "dem": ("terrain", False, "linear"),
    "forest_fraction": ("Greens", False, "linear"),
    "uncertainty": ("magma", False, "linear"),
    "mess": ("RdYlBu", False, "linear"),  # negative = novel conditions = red
    "clamping": ("Reds", False, "linear"),
    "source_strength": ("Greens", False, "linear"),
}
DEFAULT_RAMP = ("viridis", False, "linear")
#: Rasters whose ramp spans a fixed range (suitability is a probability, as on the printed maps).
FIXED_RANGES: dict[str, tuple[float, float]] = {"suitability": (0.0, 1.0)}
#: Rasters drawn over others: the low end of the ramp fades to transparent and the layer
#: is translucent, so the suitability beneath shows (current saturates in the cores).
FADED_LOW = ("current",)
FADED_OPACITY = 0.5
#: Class rasters by file stem (anything with an embedded colour table is one too).
CLASS_RASTERS = ("landcover", "habitat", "cores", "country")

#: Renderer type QGIS reports for each style kind (QgsRasterRenderer::type(), QgsFeatureRenderer::type()).
RASTER_PSEUDOCOLOR = "singlebandpseudocolor"
RASTER_PALETTED = "paletted"


def hex_colour(rgba: Sequence[int]) -> str:
    return "#{:02x}{:02x}{:02x}".format(*rgba[:3])


def qgis_colour(rgba: Sequence[int]) -> str:
    r, g, b, *a = rgba
    return f"{r},{g},{b},{a[0] if a else 255}"


def ramp_colours(name: str, n: int, reverse: bool = False) -> list[RGBA]:
    """``n`` colours sampled evenly from a matplotlib colour map."""
    from matplotlib import colormaps

    cmap = colormaps[name]
    ts = np.linspace(0, 1, n)
    if reverse:
        ts = ts[::-1]
    return [tuple(int(round(255 * c)) for c in cmap(t)) for t in ts]  # type: ignore[misc]


def distinct_colours(n: int, seed: int = 0) -> list[RGBA]:
    """``n`` well-separated colours (golden-ratio hues), reproducible for a given ``seed``."""
    out = []
    for i in range(n):
        hue = (seed * 0.13 + i * 0.618033988749895) % 1.0
        light = 0.45 + 0.15 * ((i // 7) % 2)
        r, g, b = colorsys.hls_to_rgb(hue, light, 0.65)
        out.append((int(r * 255), int(g * 255), int(b * 255), 255))
    return out


def country_colours(codes: Mapping[int, str]) -> dict[int, RGBA]:
    """Colour table for the country index raster: muted, distinct per country."""
    colours = distinct_colours(len(codes), seed=3)
    table = {0: (0, 0, 0, 0)}
    for colour, index in zip(colours, sorted(codes), strict=True):
        r, g, b, _ = colour
        table[index] = ((r + 255) // 2, (g + 255) // 2, (b + 255) // 2, 255)
    return table


def habitat_colours() -> dict[int, RGBA]:
    """Colour table for the binary habitat raster."""
    return {value: colour for value, (_, colour) in HABITAT_CLASSES.items()}


# ------------------------------------------------------------------ rasters
@dataclass
class Style:
    """A layer style: the renderer type QGIS will report and the XML for it."""

    renderer: str
    body: str  # the <pipe> (raster) or <renderer-v2> (vector) element
    extra: str = ""  # further elements of a vector style (labels, blend mode)

    @property
    def labelled(self) -> bool:
        """Whether the style labels features (QGIS reads ``labelsEnabled`` beside ``<labeling>``)."""
        return "<labeling" in self.extra

    def qml(self) -> str:
        """The style as a complete ``.qml`` document."""
        labels = ' labelsEnabled="1"' if self.labelled else ""
        return (
            f"{DOCTYPE}\n<qgis version={quoteattr(QGIS_VERSION)}{labels} "
            f'styleCategories="AllStyleCategories">\n{self.body}\n{self.extra}\n'
            "<blendMode>0</blendMode>\n</qgis>\n"
        )


def is_class_raster(info: RasterInfo) -> bool:
    return bool(info.colormap) or info.stem in CLASS_RASTERS


def _min_max_origin() -> str:
    return (
        "<minMaxOrigin><limits>None</limits><extent>WholeRaster</extent>"
        "<statAccuracy>Estimated</statAccuracy><cumulativeCutLower>0.02</cumulativeCutLower>"
        "<cumulativeCutUpper>0.98</cumulativeCutUpper><stdDevFactor>2</stdDevFactor>"
        "</minMaxOrigin>"
    )


def _pipe(renderer_xml: str) -> str:
    return (
        "<pipe>\n"
        '<provider><resampling enabled="false" maxOversampling="2" '
        'zoomedInResamplingMethod="nearestNeighbour" '
        'zoomedOutResamplingMethod="nearestNeighbour"/></provider>\n'
        f"{renderer_xml}\n"
        '<brightnesscontrast brightness="0" contrast="0" gamma="1"/>\n'
        '<huesaturation saturation="0" grayscaleMode="0" colorizeOn="0" colorizeRed="255" '
        'colorizeGreen="128" colorizeBlue="128" colorizeStrength="100"/>\n'
        '<rasterresampler maxOversampling="2"/>\n'
        "<resamplingStage>resamplingFilter</resamplingStage>\n"
        "</pipe>"
    )


def pseudocolor_style(
    minimum: float,
    maximum: float,
    ramp: str = "viridis",
    reverse: bool = False,
    stretch: str = "linear",
    n_stops: int = 9,
    fade_low: bool = False,
    opacity: float = 1.0,
) -> Style:
    """Single-band pseudocolour: ``n_stops`` colours interpolated from ``minimum`` to ``maximum``.

    ``stretch="sqrt"`` places the stops at ``min + (max - min) * t**2``, giving the
    low end of a heavy-tailed raster (current, cost) more of the ramp.
    ``fade_low`` makes the stops' opacity rise from 0 at the first stop to full at
    the middle one, so a layer drawn over others hides them only where it is high;
    ``opacity`` is the whole layer's.
    """
    if not np.isfinite(minimum) or not np.isfinite(maximum):
        minimum, maximum = 0.0, 1.0
    if maximum <= minimum:
        maximum = minimum + 1.0
    ts = np.linspace(0.0, 1.0, n_stops)
    if stretch == "sqrt":
        ts = ts**2
    values = minimum + (maximum - minimum) * ts
    colours = ramp_colours(ramp, n_stops, reverse)
    if fade_low:
        half = (n_stops - 1) / 2
        colours = [(*c[:3], int(round(255 * min(i / half, 1.0)))) for i, c in enumerate(colours)]
    items = "\n".join(
        f'<item alpha="{c[3]}" value="{v:.6g}" label="{v:.4g}" color="{hex_colour(c)}"/>'
        for v, c in zip(values, colours, strict=True)
    )
    stops = ";".join(
        f"{t:.4f};{qgis_colour(c)}" for t, c in zip(ts[1:-1], colours[1:-1], strict=True)
    )
    colour_ramp = (
        '<colorramp type="gradient" name="[source]"><Option type="Map">'
        f'<Option type="QString" name="color1" value="{qgis_colour(colours[0])}"/>'
        f'<Option type="QString" name="color2" value="{qgis_colour(colours[-1])}"/>'
        '<Option type="QString" name="discrete" value="0"/>'
        '<Option type="QString" name="rampType" value="gradient"/>'
        f'<Option type="QString" name="stops" value="{stops}"/>'
        "</Option>"
        f'<prop k="color1" v="{qgis_colour(colours[0])}"/>'
        f'<prop k="color2" v="{qgis_colour(colours[-1])}"/>'
        '<prop k="discrete" v="0"/><prop k="rampType" v="gradient"/>'
        f'<prop k="stops" v="{stops}"/></colorramp>'
    )
    renderer = (
        f'<rasterrenderer type="{RASTER_PSEUDOCOLOR}" band="1" opacity="{opacity:g}" '
        'alphaBand="-1" '
        f'classificationMin="{minimum:.6g}" classificationMax="{maximum:.6g}" nodataColor="">\n'
        f"<rasterTransparency/>\n{_min_max_origin()}\n<rastershader>\n"
        '<colorrampshader colorRampType="INTERPOLATED" classificationMode="1" clip="0" '
        f'minimumValue="{minimum:.6g}" maximumValue="{maximum:.6g}" labelPrecision="4">\n'
        f"{colour_ramp}\n{items}\n</colorrampshader>\n</rastershader>\n</rasterrenderer>"
    )
    return Style(RASTER_PSEUDOCOLOR, _pipe(renderer))


def paletted_style(classes: Mapping[int, tuple[str, RGBA]]) -> Style:
    """Paletted renderer: one colour and label per class value."""
    entries = "\n".join(
        f'<paletteEntry value="{v}" color="{hex_colour(c)}" alpha="{c[3]}" label={quoteattr(lab)}/>'
        for v, (lab, c) in sorted(classes.items())
    )
    renderer = (
        f'<rasterrenderer type="{RASTER_PALETTED}" band="1" opacity="1" alphaBand="-1" '
        f'nodataColor="">\n<rasterTransparency/>\n{_min_max_origin()}\n'
        f"<colorPalette>\n{entries}\n</colorPalette>\n"
        '<colorramp type="randomcolors" name="[source]"/>\n</rasterrenderer>'
    )
    return Style(RASTER_PALETTED, _pipe(renderer))


def raster_classes(info: RasterInfo) -> dict[int, tuple[str, RGBA]]:
    """Class value → (label, colour) for a class raster, from its colour table and tags."""
    if info.stem == "habitat" and not info.colormap:
        return dict(HABITAT_CLASSES)
    values = list(info.values) or list(info.labels) or list(info.colormap or {})
    if not values and np.isfinite(info.minimum) and np.isfinite(info.maximum):
        values = list(range(int(info.minimum), int(info.maximum) + 1))
    values = [v for v in values if info.nodata is None or v != info.nodata]
    fallback = dict(zip(values, distinct_colours(len(values)), strict=True))
    prefix = {"cores": "core ", "country": ""}.get(info.stem, "")
    classes = {}
    for v in sorted(values):
        colour = (info.colormap or {}).get(v) or fallback[v]
        if info.colormap and colour[3] == 0:
            colour = fallback[v]
        classes[v] = (info.labels.get(v, f"{prefix}{v}"), colour)
    return classes


def raster_style(info: RasterInfo) -> Style:
    """The style of a raster: paletted for classes, a pseudocolour ramp for the rest."""
    if is_class_raster(info):
        return paletted_style(raster_classes(info))
    key = info.stem if info.stem in CONTINUOUS_RAMPS else info.description
    ramp, reverse, stretch = CONTINUOUS_RAMPS.get(key, DEFAULT_RAMP)
    minimum, maximum = FIXED_RANGES.get(key, (info.minimum, info.maximum))
    faded = key in FADED_LOW
    return pseudocolor_style(
        minimum, maximum, ramp, reverse, stretch, fade_low=faded,
        opacity=FADED_OPACITY if faded else 1.0,
    )  # fmt: skip


# ------------------------------------------------------------------ vectors
def _props(props: Mapping[str, str]) -> str:
    return "".join(f"<prop k={quoteattr(k)} v={quoteattr(str(v))}/>" for k, v in props.items())


def symbol_xml(
    geometry: str,
    rgba: RGBA,
    name: str = "0",
    width: float | None = None,
    fill_alpha: int = 110,
    line_style: str = "solid",
) -> str:
    """A QGIS symbol (``marker``, ``line`` or ``fill``) in one colour.

    Fills are translucent (``fill_alpha`` of 255) with an opaque outline of the same colour;
    ``line_style`` is a QGIS pen style of lines (``solid``, ``dash``, ``dot``).
    """
    colour = qgis_colour(rgba)
    if geometry == "line":
        cls = "SimpleLine"
        props = {
            "line_color": colour,
            "line_width": f"{width or 0.6}",
            "line_width_unit": "MM",
            "line_style": line_style,
            "capstyle": "round",
            "joinstyle": "round",
        }
    elif geometry == "fill":
        cls = "SimpleFill"
        r, g, b, _ = rgba
        props = {
            "color": f"{r},{g},{b},{fill_alpha}",
            "style": "solid",
            "outline_color": colour,
            "outline_style": "solid",
            "outline_width": f"{width or 0.4}",
            "outline_width_unit": "MM",
            "joinstyle": "round",
        }
    else:
        cls = "SimpleMarker"
        geometry = "marker"
        props = {
            "color": colour,
            "name": "circle",
            "size": f"{width or 2.4}",
            "size_unit": "MM",
            "outline_color": "35,35,35,255",
            "outline_width": "0.2",
            "outline_style": "solid",
        }
    return (
        f'<symbol type="{geometry}" name="{name}" alpha="1" clip_to_extent="1" force_rhr="0">'
        f'<layer class="{cls}" enabled="1" pass="0" locked="0">{_props(props)}</layer></symbol>'
    )


def symbol_kind(geometry_type: str) -> str:
    """QGIS symbol type for a geometry type name (``LineString`` → ``line`` …)."""
    g = geometry_type.lower()
    if "line" in g:
        return "line"
    if "polygon" in g:
        return "fill"
    return "marker"


def single_symbol_style(
    geometry: str, rgba: RGBA, width: float | None = None, fill_alpha: int = 110
) -> Style:
    body = (
        '<renderer-v2 type="singleSymbol" symbollevels="0" enableorderby="0" forceraster="0">'
        f"<symbols>{symbol_xml(geometry, rgba, width=width, fill_alpha=fill_alpha)}</symbols>"
        "<rotation/><sizescale/></renderer-v2>"
    )
    return Style("singleSymbol", body)


def categorized_style(
    geometry: str,
    attribute: str,
    categories: Mapping[str, RGBA],
    width: float | None = None,
    symbols_of: Mapping[str, str] | None = None,
) -> Style:
    """One colour per value of ``attribute`` (a field name or a QGIS expression).

    ``symbols_of`` gives a category's symbol XML (:func:`symbol_xml`, any name) where
    one colour is not enough (width, dashes).
    """
    cats, symbols = [], []
    for i, (value, rgba) in enumerate(categories.items()):
        cats.append(
            f'<category render="true" symbol="{i}" value={quoteattr(str(value))} '
            f"label={quoteattr(str(value))}/>"
        )
        given = (symbols_of or {}).get(value)
        symbol = given.replace(' name="0"', f' name="{i}"', 1) if given else None
        symbols.append(symbol or symbol_xml(geometry, rgba, str(i), width))
    body = (
        f'<renderer-v2 type="categorizedSymbol" attr={quoteattr(attribute)} symbollevels="0" '
        'enableorderby="0" forceraster="0">'
        f"<categories>{''.join(cats)}</categories><symbols>{''.join(symbols)}</symbols>"
        f"<source-symbol>{symbol_xml(geometry, (128, 128, 128, 255), width=width)}</source-symbol>"
        "<rotation/><sizescale/></renderer-v2>"
    )
    return Style("categorizedSymbol", body)


def graduated_style(
    geometry: str,
    attribute: str,
    breaks: Sequence[float],
    ramp: str = "YlOrRd",
    width: float | None = None,
) -> Style:
    """Colours graduated over ``attribute`` between consecutive ``breaks``."""
    breaks = list(breaks)
    n = max(len(breaks) - 1, 1)
    colours = ramp_colours(ramp, n + 2)[2:] if n > 1 else ramp_colours(ramp, 3)[-1:]
    ranges, symbols = [], []
    for i in range(n):
        lo, hi = breaks[i], breaks[min(i + 1, len(breaks) - 1)]
        ranges.append(
            f'<range render="true" symbol="{i}" lower="{lo:.6g}" upper="{hi:.6g}" '
            f'label="{lo:.3g} – {hi:.3g}"/>'
        )
        w = None if width is None else width * (1 + i / n)
        symbols.append(symbol_xml(geometry, colours[i], str(i), w))
    body = (
        f'<renderer-v2 type="graduatedSymbol" attr={quoteattr(attribute)} '
        'graduatedMethod="GraduatedColor" symbollevels="0" enableorderby="0" forceraster="0">'
        f"<ranges>{''.join(ranges)}</ranges><symbols>{''.join(symbols)}</symbols>"
        '<mode name="quantile"/><rotation/><sizescale/></renderer-v2>'
    )
    return Style("graduatedSymbol", body)


def quantile_breaks(values: Sequence[float], n: int = 5) -> list[float]:
    """Up to ``n`` quantile classes (``n + 1`` distinct breaks) over the finite ``values``."""
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v)]
    if v.size == 0:
        return [0.0, 1.0]
    b = np.unique(np.quantile(v, np.linspace(0, 1, n + 1)))
    return [float(x) for x in b] if b.size > 1 else [float(b[0]), float(b[0]) + 1.0]


#: QGIS label placements (QgsPalLayerSettings::Placement) by symbol type: over the
#: point or the polygon's centroid, horizontal along a line, cartographic around a point.
LABEL_PLACEMENT = {"line": 4, "fill": 1, "marker": 6}


def labeling_xml(
    expression: str, geometry: str, size: float = 8.0, bold: bool = False,
    display_all: bool = False, priority: int = 5, placement: int | None = None,
) -> str:  # fmt: skip
    """Simple labels from a QGIS ``expression`` (NULL = no label), with a white halo.

    ``display_all`` draws every label even where it collides (the few labels that must
    show, such as the top threats); otherwise QGIS drops colliding labels, lower
    ``priority`` first.  ``placement`` overrides :data:`LABEL_PLACEMENT` (a
    QgsPalLayerSettings::Placement value).  See the QGIS user manual, "Labels Properties".
    """
    placement = LABEL_PLACEMENT[geometry] if placement is None else placement
    weight = 75 if bold else 50
    return (
        '<labeling type="simple"><settings calloutType="simple">'
        f'<text-style fieldName={quoteattr(expression)} isExpression="1" '
        f'fontFamily="DejaVu Sans" fontSize="{size:g}" fontSizeUnit="Point" '
        f'fontWeight="{weight}" textColor="20,20,20,255" textOpacity="1" multilineHeight="1">'
        '<text-buffer bufferDraw="1" bufferSize="0.8" bufferSizeUnits="MM" '
        'bufferColor="255,255,255,255" bufferOpacity="0.9" bufferNoFill="1" '
        'bufferJoinStyle="128"/></text-style>'
        f'<placement placement="{placement}" dist="0.8" distUnits="MM" '
        f'priority="{priority}" placementFlags="10" centroidInside="1" offsetType="0"/>'
        f'<rendering obstacle="1" displayAll="{int(display_all)}" drawLabels="1" '
        'labelPerPart="0" mergeLines="0" upsidedownLabels="0" limitNumLabels="0"/>'
        "</settings></labeling>"
    )


def top_threat_label(columns: Sequence[str], top_n: int = 10) -> str:
    """Label expression of the ``top_n`` ranked threats: ``#rank`` and the name where one is known."""
    name = " || COALESCE(' ' || \"name\", '')" if "name" in columns else ""
    return f'CASE WHEN "rank" <= {top_n} THEN \'#\' || to_string("rank"){name} END'


#: Colours of the vector layers by their role (the suffix of ``<species>_<role>``).
LAYER_COLOURS: dict[str, RGBA] = {
    "cores": (35, 139, 69, 255),
    "corridors": (197, 27, 125, 255),  # the printed maps' corridor colour
    "links": (11, 60, 140, 255),  # the printed maps' least-cost paths
    "threats": (215, 25, 28, 255),
    "plan": (118, 42, 131, 255),
    "countries": (90, 90, 90, 255),
    "border": (34, 34, 34, 255),
    "settlements": (40, 40, 40, 255),
}
#: Points per millimetre: the printed maps give line widths in points, QGIS in mm.
MM_PER_POINT = 25.4 / 72


def layer_role(name: str) -> str:
    """Role of a results layer: ``threats`` for ``<species>_threats[_roads|_cutblocks]``,
    ``plan`` for the mitigation plan's ``<species>_plan[_lines|_polygons]``, else the last
    part of ``<species>_<role>`` (``cores``, ``links`` …) or the name itself."""
    parts = name.split("_")
    if "threats" in parts:
        return "threats"
    if "plan" in parts:
        return "plan"
    return name if name in LAYER_COLOURS else parts[-1]


def road_style() -> Style:
    """Roads by group, as on the printed maps: grey, major darkest and widest; proposed dashed."""
    colours = {group: hex_to_rgba(c) for group, (c, _, _) in ROAD_STYLE.items()}
    colours["proposed"] = colours["major"]
    symbols = {
        group: symbol_xml("line", colours[group], width=lw * MM_PER_POINT)
        for group, (_, lw, _) in ROAD_STYLE.items()
    }
    symbols["proposed"] = symbol_xml(
        "line", colours["proposed"], width=ROAD_STYLE["major"][1] * MM_PER_POINT,
        line_style="dash",
    )  # fmt: skip
    group = "CASE WHEN \"status\" = 'proposed' THEN 'proposed' ELSE \"group\" END"
    return categorized_style("line", group, colours, symbols_of=symbols)


def hex_to_rgba(colour: str) -> RGBA:
    c = colour.lstrip("#")
    return (int(c[0:2], 16), int(c[2:4], 16), int(c[4:6], 16), 255)


def threat_style(geometry: str, gdf) -> Style:
    """Threats graduated by impact (yellow to red, lines wider when worse), the top ten labelled.

    The impact is ``dPC_regained`` (the PC their mitigation gives back,
    :func:`amurlink.outputs.public.with_impacts`) where the layer has it, else ``score``.
    One geometry type per layer (:func:`amurlink.outputs.public.split_by_geometry`):
    a line symbol for roads, a fill for cutblocks.
    """
    width = 0.9 if geometry == "line" else 0.5
    if "dPC_regained" in gdf.columns:
        # proposed roads have no impact (NULL): an expression keeps them drawn, in the
        # lowest class, where a NULL attribute would drop them from the renderer
        attribute, values = 'coalesce("dPC_regained", 0)', gdf["dPC_regained"].fillna(0.0)
    else:
        attribute, values = "score", gdf["score"]
    style = graduated_style(geometry, attribute, quantile_breaks(values), width=width)
    if "rank" in gdf.columns:
        label = top_threat_label(list(gdf.columns))
        style.extra = labeling_xml(label, geometry, size=8, bold=True, display_all=True, priority=9)
    return style


def vector_style(name: str, gdf) -> Style:
    """The style of a results layer, chosen from its name (``<species>_<role>``) and columns.

    Threats: graduated by ``score``, top ten labelled by rank and name
    (:func:`threat_style`); roads by group (:func:`road_style`); links: lines;
    cores and corridors: translucent polygons with an outline; countries: outline
    only, labelled by name; settlements: points labelled by name; border: a dark line.
    """
    role = layer_role(name)
    geom_types = [t for t in gdf.geom_type.dropna().unique()] if len(gdf) else []
    kinds = {symbol_kind(t) for t in geom_types}
    geometry = (
        kinds.pop() if len(kinds) == 1 else ("line" if role in ("links", "border") else "fill")
    )
    colour = LAYER_COLOURS.get(role, (100, 100, 100, 255))
    if role == "threats" and "score" in gdf.columns and len(gdf):
        return threat_style(geometry, gdf)
    if role == "roads" and {"group", "status"} <= set(gdf.columns):
        return road_style()
    if "n_sightings" in gdf.columns and len(gdf):
        # generalised sightings (counts per grid cell): darker cells hold more sightings
        return graduated_style(
            "fill", "n_sightings", quantile_breaks(gdf["n_sightings"], 4), "Purples"
        )
    if role == "countries":
        style = single_symbol_style(geometry, colour, width=0.3, fill_alpha=0)
        if "name" in gdf.columns:
            # horizontal, anywhere in the visible part: the centroid of a country reaching
            # far outside the map, or one taken by a threat's label, still leaves room
            style.extra = labeling_xml(
                'upper("name")', "fill", size=11, bold=True, priority=8, placement=4
            )
        return style
    if role == "settlements":
        style = single_symbol_style("marker", colour, width=1.6)
        if "name" in gdf.columns:
            style.extra = labeling_xml('"name"', "marker", size=7)
        return style
    if role == "border":
        return single_symbol_style(geometry, colour, width=0.8)
    if role == "links":
        return single_symbol_style(geometry, colour, width=0.7)
    return single_symbol_style(geometry, colour)


def vector_styles(layers: Mapping[str, object]) -> dict[str, str]:
    """``{layer: qml}`` for the layers of a results GeoPackage (see :func:`vector_style`)."""
    return {name: vector_style(name, gdf).qml() for name, gdf in layers.items()}


def style_from_qml(qml: str) -> Style:
    """The renderer element of a ``.qml`` document (raster ``<pipe>`` or vector ``<renderer-v2>``)."""
    import xml.etree.ElementTree as ET

    root = ET.fromstring(qml.split("\n", 1)[1] if qml.startswith("<!DOCTYPE") else qml)
    pipe = root.find("pipe")
    if pipe is not None:
        renderer = pipe.find("rasterrenderer")
        kind = renderer.get("type", "") if renderer is not None else ""
        return Style(kind, ET.tostring(pipe, encoding="unicode"))
    renderer = root.find("renderer-v2")
    if renderer is None:
        raise ValueError("style has neither a raster <pipe> nor a vector <renderer-v2>")
    labeling = root.find("labeling")
    extra = "" if labeling is None else ET.tostring(labeling, encoding="unicode")
    return Style(renderer.get("type", ""), ET.tostring(renderer, encoding="unicode"), extra)
