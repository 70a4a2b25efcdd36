"""The tiny pipeline on a one-node SLURM cluster gives the same results as a local run.

tests/slurm_cluster.sh starts slurmctld, slurmd and munged on localhost (as root,
Debian's slurm-wlm and munge; .ci/run installs them) or reuses a cluster that is
already up, and stops what it started. Snakemake submits through
snakemake-executor-plugin-slurm with --profile profiles/slurm.

The SLURM run makes one species' map (``ONE_SPECIES_TARGETS``) and all it needs: every
stage but Omniscape and the packaging, grouped tile jobs and a local rule, in 31 of the
pipeline's jobs. On the test's 2-CPU node its wall time is about the
scheduler's latency times the jobs, which is why it does not make everything.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import shared_run
from workflow_run import ONE_SPECIES_TARGETS, ROOT, compare_results, run_pipeline

CLUSTER = Path(__file__).with_name("slurm_cluster.sh")

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def slurm_cluster():
    if not all(shutil.which(b) for b in ("slurmctld", "slurmd", "sbatch", "munged")):
        pytest.skip("SLURM (slurm-wlm, munge) is not installed")
    pytest.importorskip("snakemake_executor_plugin_slurm")
    if os.geteuid() != 0 and subprocess.run([str(CLUSTER), "status"], capture_output=True,
                                              text=True).stdout.strip() != "idle":  # fmt: skip
        pytest.skip("starting a SLURM cluster needs root")
    res = subprocess.run([str(CLUSTER), "start"], capture_output=True, text=True, timeout=180)
    assert res.returncode == 0, res.stdout + res.stderr
    started = res.stdout.strip().endswith("started")
    yield
    if started:
        subprocess.run([str(CLUSTER), "stop"], timeout=120)


@pytest.fixture(scope="module")
def slurm_run(slurm_cluster, tmp_path_factory, worker_id):
    # The profile's first status check after 10 s suits a real cluster; on the test's
    # one-node cluster jobs take seconds, so check after 1 s (the interval then grows
    # by 10 s per check that finds nothing finished, and resets when one has).
    def run(workdir):
        return run_pipeline(
            workdir, "--profile", str(ROOT / "profiles" / "slurm"),
            "--slurm-init-seconds-before-status-checks", "1", *ONE_SPECIES_TARGETS,
        )  # fmt: skip

    return shared_run(tmp_path_factory, worker_id, "slurm_run", run)


def test_jobs_ran_as_slurm_jobs(slurm_run):
    log = (slurm_run / "run.log").read_text()
    assert "Job " in log and "has been submitted with SLURM jobid" in log
    # plotting stays on the submit host (localrule: True in rules/outputs.smk)
    assert "localrule map_species:" in log
    assert "localrule fit_model:" not in log
    # the profile's groups: many short tile jobs go to SLURM as a few group jobs
    assert "Group job tiles_predict" in log and "Group job tiles_covariates" in log


def test_slurm_outputs_equal_the_local_run(slurm_run, request):
    # The local run is asked for only now, so it runs on another worker meanwhile.
    report = compare_results(request.getfixturevalue("pipeline_run"), slurm_run)
    print({k: len(v) for k, v in report.items()}, "same data, other bytes:", report["same_data"])
    assert report["identical"], "nothing compared"
    # the SLURM run made one species' map: every file it made is one of the local run's
    assert not report["extra"], report["extra"]
    made = set(report["identical"]) | set(report["same_data"]) | set(report["different"])
    assert set(ONE_SPECIES_TARGETS) <= made
    assert {"results/habitat/leopard/suitability.tif",
            "results/connectivity/baseline/leopard/effective_resistance.csv"} <= made  # fmt: skip
    assert not report["different"], report["different"]
    assert not report["same_data"], "outputs should be equal bit for bit"
