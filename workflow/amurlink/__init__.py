"""amurlink: habitat and corridor connectivity for Amur leopards and tigers.

The library mirrors the workflow's stages; data flows one way, and a package imports
only from itself and the packages before it:

- :mod:`amurlink.core` -- the analysis grid and the grids derived from the config,
  chunking (windows, strips, tiles with halos), and every file format (:mod:`amurlink.core.io`);
- :mod:`amurlink.prepare` -- alignment, covariates, pressures and scenario footprints;
- :mod:`amurlink.habitat` -- sightings, background, features, models, tuning,
  evaluation, interpretation and prediction;
- :mod:`amurlink.connectivity` -- resistance, cores, corridors, circuit theory,
  pinch points, barriers, Omniscape and the corridor graph;
- :mod:`amurlink.threats` -- threats to corridors and scenarios against the baseline;
- :mod:`amurlink.outputs` -- maps, styles, QGIS projects, the brief, public generalisation;
- :mod:`amurlink.apps` -- the commands (``amurlink-demo``, ``amurlink-swd``,
  ``amurlink-circuitscape``).

Only :mod:`amurlink.core.io` and the rule scripts (``workflow/scripts``) read or write files.
"""

__version__ = "0.1.0"
