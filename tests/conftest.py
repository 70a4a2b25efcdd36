"""Shared fixtures: tiny synthetic grids and layers."""

import fcntl
import os
from pathlib import Path

import pytest

from amurlink.core.grid import Grid


@pytest.fixture
def small_grid():
    """A 40 x 50 grid of 100 m cells in UTM 52N."""
    return Grid.from_bounds("EPSG:32652", (600_000, 4_700_000, 605_000, 4_704_000), 100)


@pytest.fixture(scope="session")
def pipeline_run(tmp_path_factory, worker_id):
    """One uninterrupted local run of the tiny pipeline (config/test.yaml), per test run.

    The reference that the SLURM and resume tests compare against.  Under xdist the
    workers share it: the first to ask runs it under a file lock, the others wait
    for it, so the SLURM run (on another worker) overlaps it instead of following it.
    """
    from workflow_run import run_pipeline, tail

    if worker_id == "master":  # no xdist: a private directory
        workdir = tmp_path_factory.mktemp("pipeline_run")
        res = run_pipeline(workdir, "--cores", "2")
        assert res.returncode == 0, tail(workdir / "run.log")
        return workdir
    shared = tmp_path_factory.getbasetemp().parent  # the same for every worker of this run
    workdir = shared / "pipeline_run"
    status = shared / "pipeline_run.status"
    with open(shared / "pipeline_run.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not status.exists():
            workdir.mkdir(exist_ok=True)
            res = run_pipeline(workdir, "--cores", "2")
            status.write_text(str(res.returncode))
    assert status.read_text() == "0", tail(workdir / "run.log")
    return workdir


@pytest.fixture(scope="module")
def run_dir(request):
    """A finished tiny-pipeline run: $AMURLINK_TEST_RUN if set (to check an existing run
    again), else the session's ``pipeline_run``."""
    existing = os.environ.get("AMURLINK_TEST_RUN")
    if existing:
        return Path(existing)
    return request.getfixturevalue("pipeline_run")


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    """Group the slow workflow tests for ``pytest -n 2 --dist loadgroup``.

    ``tryfirst``: xdist turns the ``xdist_group`` marks into work units in its own
    hook, which would otherwise run before this one and see no marks.

    - ``slurm``: the SLURM and resume tests, each a pipeline run of its own that is
      compared with the shared local run at its end;
    - ``pipeline``: every other test of the shared local run (``pipeline_run``);
    - ``bad_inputs``: the broken-input runs of test_workflow.py, which share one set of
      generated demo inputs (a module fixture, made once per worker that runs them).

    The ``slurm`` and ``pipeline`` groups are put first, in that order, so xdist gives
    them to different workers: the latency-bound SLURM run overlaps the local run.
    """
    for item in items:
        module = item.module.__name__.rsplit(".", 1)[-1]
        if not item.get_closest_marker("slow"):
            continue
        if module in SLURM_MODULES:
            group = "slurm"
        elif "pipeline_run" in item.fixturenames or module in PIPELINE_MODULES:
            group = "bad_inputs" if "demo_inputs" in item.fixturenames else "pipeline"
        else:
            continue
        item.add_marker(pytest.mark.xdist_group(group))
    order = {"slurm": 0, "pipeline": 1}

    def rank(item):
        marker = item.get_closest_marker("xdist_group")
        return order.get(marker.args[0], 2) if marker else 2

    items.sort(key=rank)  # stable: collection order within each rank


SLURM_MODULES = {"test_slurm", "test_resume"}
PIPELINE_MODULES = {
    "test_workflow",
    "test_public_outputs",
    "test_cog",
    "test_qgis",
    "test_pinchpoints",
}
