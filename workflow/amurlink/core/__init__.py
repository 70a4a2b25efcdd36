"""Core: what every stage shares.

- :mod:`~amurlink.core.grid` -- the analysis grid (CRS, transform, shape);
- :mod:`~amurlink.core.tiles` -- one way to walk a grid: windows, strips and tiles with halos,
  and block aggregation between grids;
- :mod:`~amurlink.core.io` -- every file format the workflow reads or writes;
- :mod:`~amurlink.core.smk` -- glue between rule scripts and the library (logging, clean failures).
"""
