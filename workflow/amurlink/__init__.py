"""amurlink: habitat and corridor connectivity for Amur leopards and tigers.

Modules, in the order data flows through them:

- :mod:`amurlink.demo` -- the seeded synthetic demo region (inputs and truth);
- :mod:`amurlink.grid`, :mod:`amurlink.prepare`, :mod:`amurlink.covariates` -- one analysis grid and covariates;
- :mod:`amurlink.sightings`, :mod:`amurlink.background`, :mod:`amurlink.models`,
  :mod:`amurlink.evaluate`, :mod:`amurlink.predict` -- habitat suitability;
- :mod:`amurlink.resistance`, :mod:`amurlink.cores`, :mod:`amurlink.corridors`,
  :mod:`amurlink.circuit`, :mod:`amurlink.graph` -- connectivity;
- :mod:`amurlink.threats` -- roads and logging that cut corridors;
- :mod:`amurlink.maps` -- maps for briefs.

File I/O lives in :mod:`amurlink.io`; :mod:`amurlink.smk` glues rule scripts to the library.
"""

__version__ = "0.1.0"
