"""Colours and line widths the print maps and the QGIS styles share (no heavy imports).

:mod:`amurlink.outputs.styles` runs in the connectivity rules too (their rasters' .qml),
so what it shares with :mod:`amurlink.outputs.maps` lives here: importing the maps
module would make those rules depend on the map code.
"""

#: Road drawing by road group: (colour, line width in points, z-order).
ROAD_STYLE = {
    "major": ("#3c3c3c", 1.3, 4),
    "minor": ("#7a7a7a", 0.7, 3),
    "track": ("#a8a8a8", 0.4, 2),
}
#: Colour ramp of habitat suitability on the maps and in QGIS (matplotlib name).
SUITABILITY_CMAP = "YlGn"
