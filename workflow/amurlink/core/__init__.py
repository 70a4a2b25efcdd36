"""Core: what every stage shares.

- :mod:`~amurlink.core.grid` -- the analysis grid (CRS, transform, shape);
- :mod:`~amurlink.core.grids` -- the habitat, connectivity and Omniscape grids and the
  factors between them, derived once from the config;
- :mod:`~amurlink.core.tiles` -- one way to walk a grid: windows, strips and tiles with
  halos, and block aggregation between grids;
- :mod:`~amurlink.core.errors` -- :class:`~amurlink.core.errors.InputError` and the checks
  that raise it;
- :mod:`~amurlink.core.io` -- every file format the workflow reads or writes;
- :mod:`~amurlink.core.provenance` -- hashes of the library's source, so a rule reruns
  when the code it runs changes;
- :mod:`~amurlink.core.smk` -- glue between rule scripts and the library (logging, clean
  failures, ``mock_snakemake``).
"""
