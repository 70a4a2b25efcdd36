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


def shared_run(tmp_path_factory, worker_id: str, name: str, run) -> Path:
    """A pipeline run made once per test session, whichever xdist worker asks first.

    ``run(workdir)`` returns the finished process.  Under xdist the workers share one
    directory: the first to ask runs it under a file lock and the others wait for it
    and reuse it, so no run is repeated on a second worker.
    """
    from workflow_run import tail

    if worker_id == "master":  # no xdist: a private directory
        workdir = tmp_path_factory.mktemp(name)
        res = run(workdir)
        assert res.returncode == 0, tail(workdir / "run.log")
        return workdir
    shared = tmp_path_factory.getbasetemp().parent  # the same for every worker of this run
    workdir, status = shared / name, shared / f"{name}.status"
    with open(shared / f"{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not status.exists():
            workdir.mkdir(exist_ok=True)
            status.write_text(str(run(workdir).returncode))
    assert status.read_text() == "0", tail(workdir / "run.log")
    return workdir


@pytest.fixture(scope="session")
def pipeline_run(tmp_path_factory, worker_id):
    """One uninterrupted local run of the tiny pipeline (config/test.yaml), per test run.

    The reference that the SLURM and resume tests compare against.
    """
    from workflow_run import run_pipeline

    return shared_run(
        tmp_path_factory, worker_id, "pipeline_run", lambda d: run_pipeline(d, "--cores", "2")
    )


@pytest.fixture(scope="module")
def run_dir(request):
    """A finished tiny-pipeline run: $AMURLINK_TEST_RUN if set (to check an existing run
    again), else the session's ``pipeline_run``."""
    existing = os.environ.get("AMURLINK_TEST_RUN")
    if existing:
        return Path(existing)
    return request.getfixturevalue("pipeline_run")


def pytest_collection_modifyitems(config, items):
    """Order the slow workflow tests so that ``pytest -n 3`` overlaps the long runs.

    xdist deals the first tests one to each worker, then hands the rest to whichever
    worker is free, in this order: first the test that starts the SLURM run
    (latency-bound: it waits on the scheduler), then one that starts the shared local
    run, then the kill-and-resume run, then every quick test, and last the checks of
    the runs' results, which by then only read them.  The runs are shared between
    workers (:func:`shared_run`), so none is made twice.
    (``--dist loadgroup`` with ``xdist_group`` marks did not keep groups on one
    worker with pytest-xdist 3.8 here, which is why the runs are shared by lock.)
    """

    def uses(item, run: str) -> bool:
        names = set(item.fixturenames)
        if run == "pipeline_run":  # run_dir is the local run; a SLURM test that compares with it
            # asks for it late (getfixturevalue), so it must not start it
            return bool(names & {"pipeline_run", "run_dir"}) and "slurm_run" not in names
        return run in names

    slow = [item for item in items if item.get_closest_marker("slow")]
    first = {
        run: next((i for i in slow if uses(i, run)), None) for run in ("slurm_run", "pipeline_run")
    }

    def rank(item) -> int:
        if not item.get_closest_marker("slow"):
            return 3
        if item is first["slurm_run"]:
            return 0
        if item is first["pipeline_run"]:
            return 1
        if item.module.__name__.rsplit(".", 1)[-1] == "test_resume":
            return 2
        return 4

    items.sort(key=rank)  # stable: collection order within each rank
