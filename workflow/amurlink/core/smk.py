"""Glue between Snakemake rule scripts and the library: logging and clean failures."""

from __future__ import annotations

import logging
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

import rasterio

from amurlink.core.errors import InputError

log = logging.getLogger("amurlink")

#: GDAL block cache of a job (MB).
GDAL_CACHE_MB = 256


def run(main: Callable[[object], None], snakemake=None) -> None:
    """Run a rule script's ``main(snakemake)`` with logging to the rule's log file.

    Outside Snakemake (``snakemake`` is None: the script was started by hand) the
    job is built by :func:`mock_snakemake` from the command line's ``key=value``
    wildcards, so every script can be run and debugged on its own.

    A bad input (:class:`amurlink.core.errors.InputError`) ends the job with its message
    on stderr and in the log, not a traceback; any other error is logged with its
    traceback and re-raised.  Snakemake then removes the rule's outputs, and the
    library writes every output atomically, so no partial file is left.
    """
    if snakemake is None:
        snakemake = _mock_from_argv(sys.argv)
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


def mock_snakemake(
    rule: str,
    *,
    configfiles: list[str | os.PathLike] = (),
    workdir: str | os.PathLike | None = None,
    **wildcards: str,
):
    """The ``snakemake`` object a rule's job would receive, built outside Snakemake.

    Lets a rule script run by hand for debugging (``python workflow/scripts/RULE.py
    species=leopard``), as PyPSA-Eur's ``mock_snakemake`` does: the workflow is
    parsed with its config (plus ``configfiles``), the job of ``rule`` with these
    wildcards is built, and its input, output, params, log, threads and resources
    are those Snakemake would pass.  Inputs are not built; run ``snakemake`` up to
    them first.
    """
    from snakemake.api import SnakemakeApi
    from snakemake.dag import DAG
    from snakemake.jobs import Job
    from snakemake.script import Snakemake
    from snakemake.settings.types import ConfigSettings, ResourceSettings

    root = Path(__file__).resolve().parents[3]
    workdir = Path(workdir or os.getcwd()).resolve()
    with SnakemakeApi() as api:
        workflow_api = api.workflow(
            resource_settings=ResourceSettings(),
            config_settings=ConfigSettings(configfiles=[Path(c) for c in configfiles]),
            snakefile=root / "Snakefile",
            workdir=workdir,
        )
        workflow_api.dag()  # sets the workflow's DAG settings
        workflow = workflow_api._workflow
        dag = DAG(workflow, rules=workflow.rules)
        job = Job(workflow.get_rule(rule), dag, wildcards_dict=wildcards)
        return Snakemake(
            job.input, job.output, job.params, job.wildcards, job.threads,
            job.resources, job.log, workflow.config, job.rule.name, None,
        )  # fmt: skip


def _mock_from_argv(argv: list[str]):
    """``mock_snakemake`` for the script named in ``argv[0]`` and ``key=value`` wildcards."""
    rule = Path(argv[0]).stem
    configfiles, wildcards = [], {}
    for arg in argv[1:]:
        key, sep, value = arg.partition("=")
        if not sep:
            raise SystemExit(f"usage: python {argv[0]} [configfile=FILE ...] [WILDCARD=VALUE ...]")
        if key == "configfile":
            configfiles.append(value)
        else:
            wildcards[key] = value
    return mock_snakemake(rule, configfiles=configfiles, **wildcards)


def bad_input_lines(log_dir: str | os.PathLike, since: float) -> list[str]:
    """The ``bad input`` lines :func:`run` wrote to the logs under ``log_dir`` after ``since``.

    For the Snakefile's ``onerror`` handler, which prints them after Snakemake's own
    account of the failed jobs, so the one line that says what to fix comes last.
    """
    lines = []
    for path in sorted(Path(log_dir).rglob("*.log")):
        if path.stat().st_mtime < since:
            continue
        for line in path.read_text(errors="replace").splitlines():
            _, sep, message = line.partition(" bad input: ")
            if sep:
                lines.append(f"amurlink: bad input: {message}")
    return lines
