"""Connectivity: how animals move between habitat cores.

Resistance from suitability and pressures (``resistance``), the habitat grid's
rasters aggregated onto the connectivity grid (``coarse``), core areas (``cores``),
least-cost corridors, the cost distances from each core and the corridor mask and
polygons the later stages read (``corridors``, as Linkage Mapper), circuit theory
(``circuit``, as Circuitscape), pinch points and barriers (``pinchpoints``,
``barriers``, as Pinchpoint and Barrier Mapper), Omniscape's moving windows
(``omniscape``), the corridor graph (``graph``, as Conefor), and the progress log
of their long loops (``progress``).  Pure functions on arrays and tables: the files
are read and written by :mod:`amurlink.core.io` (``core.io.connectivity`` for the
link and resistance tables, ``core.io.scratch`` for CWD rasters kept on disk).
"""
