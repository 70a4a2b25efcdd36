"""Kill the pipeline with SIGKILL in the middle, start it again: the results are the same.

The run makes one species' map (``ONE_SPECIES_TARGETS``: every stage but Omniscape, 31
jobs, which keeps the suite short). It is killed as a
process group (snakemake and the jobs it started) once the species' suitability map
exists, halfway, while the jobs after it run. The
restart is the same command after ``snakemake --unlock`` (a killed snakemake
cannot remove its lock); the workflow profile (profiles/default) sets
``rerun-incomplete``, so jobs that were running when killed are run again.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path
from typing import IO

import pytest
from workflow_run import (
    ONE_SPECIES_TARGETS,
    compare_results,
    hidden_leftovers,
    pipeline_command,
    pipeline_env,
    run_pipeline,
    tail,
)

KILL_TIMEOUT_S = 900


def start_in_own_group(workdir: Path, log: IO[str], *args: str) -> subprocess.Popen:
    """Start the pipeline as the leader of a new process group (its jobs join it)."""
    return subprocess.Popen(
        pipeline_command(workdir, *args), stdout=log, stderr=subprocess.STDOUT,
        cwd=workdir, env=pipeline_env(), start_new_session=True,
    )  # fmt: skip


def kill_when(proc: subprocess.Popen, ready, timeout: float) -> None:
    """SIGKILL ``proc``'s whole process group as soon as ``ready()`` is true."""
    deadline = time.monotonic() + timeout
    while not ready():
        assert proc.poll() is None, "the run ended before the kill point"
        assert time.monotonic() < deadline, "kill point not reached in time"
        time.sleep(0.2)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()


@pytest.mark.slow
def test_killed_run_resumes_to_the_same_outputs(tmp_path, request):
    workdir = tmp_path
    habitat = workdir / "results/habitat"
    with open(workdir / "run.log", "a") as log:
        proc = start_in_own_group(workdir, log, "--cores", "2", *ONE_SPECIES_TARGETS)
        kill_when(proc, lambda: any(habitat.glob("*/suitability.tif")), KILL_TIMEOUT_S)
    assert proc.returncode == -signal.SIGKILL
    assert not any((workdir / t).exists() for t in ONE_SPECIES_TARGETS), "killed after the end"
    incomplete = list((workdir / ".snakemake/incomplete").rglob("*"))
    done = sorted(p.parent.name for p in habitat.glob("*/suitability.tif"))
    print(f"killed with {len(incomplete)} incomplete-job markers; suitability done for {done}")

    unlock = run_pipeline(workdir, "--unlock")
    assert unlock.returncode == 0, tail(workdir / "run.log")
    resumed = run_pipeline(workdir, "--cores", "2", *ONE_SPECIES_TARGETS)
    assert resumed.returncode == 0, tail(workdir / "run.log")

    # The reference run is asked for only now, so it runs on another worker meanwhile.
    report = compare_results(request.getfixturevalue("pipeline_run"), workdir)
    print({k: len(v) for k, v in report.items()}, "same data, other bytes:", report["same_data"])
    print("hidden scratch files left by the killed jobs:", hidden_leftovers(workdir))
    # every file the resumed run made is one of the full run's, the targets among them
    assert not report["extra"], report["extra"]
    made = set(report["identical"]) | set(report["same_data"]) | set(report["different"])
    assert set(ONE_SPECIES_TARGETS) <= made
    assert not report["different"], report["different"]
    assert not report["same_data"], "outputs should be equal bit for bit"
