"""Connectivity: how animals move between habitat cores.

Resistance from suitability and pressures, core areas, least-cost corridors (as Linkage
Mapper), circuit theory (as Circuitscape), pinch points and barriers (as Pinchpoint and
Barrier Mapper), Omniscape's moving windows, and the corridor graph (as Conefor).
"""
