"""Shared fixtures: tiny synthetic grids and layers."""

import os
from pathlib import Path

import pytest

from amurlink.core.grid import Grid


@pytest.fixture
def small_grid():
    """A 40 x 50 grid of 100 m cells in UTM 52N."""
    return Grid.from_bounds("EPSG:32652", (600_000, 4_700_000, 605_000, 4_704_000), 100)


@pytest.fixture(scope="session")
def pipeline_run(tmp_path_factory):
    """One uninterrupted local run of the tiny pipeline (config/test.yaml), per session.

    The reference that the SLURM and resume tests compare against.
    """
    from workflow_run import run_pipeline, tail

    workdir = tmp_path_factory.mktemp("pipeline_run")
    res = run_pipeline(workdir, "--cores", "2")
    assert res.returncode == 0, tail(workdir / "run.log")
    return workdir


@pytest.fixture(scope="module")
def run_dir(request):
    """A finished tiny-pipeline run: $AMURLINK_TEST_RUN if set (to check an existing run
    again), else the session's ``pipeline_run``."""
    existing = os.environ.get("AMURLINK_TEST_RUN")
    if existing:
        return Path(existing)
    return request.getfixturevalue("pipeline_run")


def pytest_collection_modifyitems(config, items):
    """Keep every test that uses the shared pipeline run on one xdist worker.

    With ``pytest -n 2 --dist loadgroup`` the session-scoped ``pipeline_run``
    then runs once, not once per worker.
    """
    for item in items:
        module = item.module.__name__.rsplit(".", 1)[-1]
        uses_run = "pipeline_run" in item.fixturenames or module in PIPELINE_MODULES
        if uses_run and item.get_closest_marker("slow"):
            item.add_marker(pytest.mark.xdist_group("pipeline"))


PIPELINE_MODULES = {
    "test_workflow",
    "test_public_outputs",
    "test_cog",
    "test_qgis",
    "test_pinchpoints",
    "test_slurm",
    "test_resume",
}
