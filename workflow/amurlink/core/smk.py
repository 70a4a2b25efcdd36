"""Glue between Snakemake rule scripts and the library: logging and clean failures."""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Callable

import rasterio

from amurlink.core.errors import InputError

log = logging.getLogger("amurlink")

#: GDAL block cache of a job (MB).
GDAL_CACHE_MB = 256


def run(main: Callable[[object], None], snakemake) -> None:
    """Run a rule script's ``main(snakemake)`` with logging to the rule's log file.

    A bad input (:class:`amurlink.core.errors.InputError`) ends the job with its message
    on stderr and in the log, not a traceback; any other error is logged with its
    traceback and re-raised.  Snakemake then removes the rule's outputs, and the
    library writes every output atomically, so no partial file is left.
    """
    logfile = snakemake.log[0] if len(snakemake.log) else None
    handlers: list[logging.Handler] = [logging.StreamHandler(sys.stderr)]
    if logfile:
        handlers.append(logging.FileHandler(logfile, mode="w"))
    logging.basicConfig(
        level=logging.INFO,
        format="%(asctime)s %(levelname)s [%(name)s] %(message)s",
        handlers=handlers,
        force=True,
    )
    logging.captureWarnings(True)
    start = time.perf_counter()
    log.info("rule %s, wildcards %s", snakemake.rule, dict(snakemake.wildcards))
    try:
        # GDAL's block cache defaults to 5 % of the machine's memory whatever the job;
        # a fixed cache keeps a job's memory independent of the raster's size.
        with rasterio.Env(GDAL_CACHEMAX=GDAL_CACHE_MB):
            main(snakemake)
    except InputError as err:
        log.error("bad input: %s", err)
        print(f"amurlink: bad input: {err}", file=sys.stderr)
        sys.exit(1)
    except Exception:
        log.exception("rule %s failed", snakemake.rule)
        raise
    log.info("done in %.1f s", time.perf_counter() - start)
