"""The rules: narrow params from the config, a ``code`` param per rule, reruns that follow them.

Snakemake reruns a job when its params change.  A rule's params therefore hold only the
config values its script reads (``config_provider`` in rules/common.smk), and a ``code``
param hashes the library packages its script runs (amurlink.core.provenance), so that an
edit of amurlink.connectivity reruns the connectivity jobs and nothing upstream.
"""

from __future__ import annotations

import ast
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
LIBRARY = ROOT / "workflow" / "amurlink"
SCHEMA = yaml.safe_load((ROOT / "workflow" / "schemas" / "config.schema.yaml").read_text())

# Config sections a rule may take whole, and why.
WHOLE_SECTIONS = {
    ("study_area",): "the grid definition; every key of it makes the grid",
    ("habitat", "tuning"): "the settings tried in tuning, passed on as one grid",
}


def rule_blocks() -> dict[str, str]:
    """Each rule's text in rules/*.smk, by rule name."""
    blocks = {}
    for path in sorted((ROOT / "rules").glob("*.smk")):
        parts = re.split(r"^\s*rule (\w+):\n", path.read_text(), flags=re.M)
        blocks.update(zip(parts[1::2], parts[2::2], strict=True))
    return blocks


def code_packages(block: str) -> list[str] | None:
    """The packages named by a rule's ``code=code_hash(...)``, None without one."""
    match = re.search(r"code=code_hash\(([^)]*)\)", block)
    if match is None:
        return None
    return [ast.literal_eval(arg.strip()) for arg in match.group(1).split(",") if arg.strip()]


def module_file(name: str) -> Path | None:
    """The file of amurlink module or package ``name`` (dotted, no prefix), if there is one."""
    path = LIBRARY.joinpath(*name.split("."))
    if (path / "__init__.py").is_file():
        return path / "__init__.py"
    return path.with_suffix(".py") if path.with_suffix(".py").is_file() else None


def amurlink_imports(path: Path) -> set[str]:
    """The amurlink modules a file imports (dotted, without ``amurlink.``)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            # ``from P import m``: the module P.m when it is one, else P itself
            names = [
                f"{node.module}.{a.name}"
                if module_file(f"{node.module}.{a.name}".removeprefix("amurlink."))
                else node.module
                for a in node.names
            ]
        else:
            continue
        found.update(
            n.removeprefix("amurlink.")
            for n in names
            if n.startswith("amurlink.") and module_file(n.removeprefix("amurlink."))
        )
    return found


def import_closure(path: Path) -> set[str]:
    """The amurlink modules a file runs: its imports, theirs, and so on.

    Not followed through amurlink.core, which every code param hashes and which imports
    no stage (a stage imported by the core is a layering error, not a missing name).
    """
    seen: set[str] = set()
    todo = amurlink_imports(path)
    while todo:
        name = todo.pop()
        if name not in seen:
            seen.add(name)
            if name.split(".")[0] != "core":
                todo |= amurlink_imports(module_file(name))
    return seen


def schema_node(keys: tuple[str, ...]) -> dict | None:
    node = SCHEMA
    for key in keys:
        node = node.get("properties", {}).get(key)
        if node is None:
            return None
    return node


def test_every_rule_script_has_a_code_param_naming_what_it_runs():
    scripts = 0
    for rule, block in rule_blocks().items():
        script = re.search(r'script:\s*"\.\./workflow/scripts/(\w+\.py)"', block)
        if script is None:
            continue
        scripts += 1
        packages = code_packages(block)
        assert packages is not None, f"rule {rule}: no code=code_hash(...) param"
        runs = import_closure(ROOT / "workflow" / "scripts" / script.group(1))
        missing = [
            m
            for m in sorted(runs)
            if m.split(".")[0] != "core"
            and not any(m == p or m.startswith(p + ".") for p in packages)
        ]
        assert not missing, f"rule {rule}: code_hash{tuple(packages)} misses {missing}"
    assert scripts > 25


def calls(name: str, text: str) -> list[ast.Call]:
    """The calls of ``name`` in rules text, parsed (each may span lines)."""
    found = []
    for match in re.finditer(rf"\b{name}\(", text):
        depth, end = 0, match.end() - 1
        for end in range(match.end() - 1, len(text)):
            depth += {"(": 1, ")": -1}.get(text[end], 0)
            if depth == 0:
                break
        found.append(ast.parse(text[match.start() : end + 1], mode="eval").body)
    return found


def test_config_providers_name_schema_keys_and_no_whole_section():
    text = "\n".join(rule_blocks().values())
    providers = calls("config_provider", text)
    assert len(providers) > 20
    for call in providers:
        keys = tuple(ast.literal_eval(arg) for arg in call.args)
        node = schema_node(keys)
        assert node is not None, f"config_provider{keys}: no such key in the schema"
        if keys not in WHOLE_SECTIONS:
            assert "properties" not in node, f"config_provider{keys}: a whole config section"
    subsets = calls("config_subset", text)
    assert len(subsets) > 8
    for call in subsets:
        keys = tuple(ast.literal_eval(arg) for arg in call.args)
        (only,) = (ast.literal_eval(k.value) for k in call.keywords if k.arg == "only")
        node = schema_node(keys)
        assert node is not None and "properties" in node, f"config_subset{keys}: no section"
        assert only, f"config_subset{keys}: no keys"
        unknown = set(only) - set(node["properties"])
        assert not unknown, f"config_subset{keys}: no keys {sorted(unknown)} in the schema"


def test_no_rule_reads_a_config_section_directly():
    for rule, block in rule_blocks().items():
        params = block.split("params:", 1)[1] if "params:" in block else ""
        direct = re.findall(r"=\s*config\[\"(\w+)\"\]\s*,", params)
        assert not direct, f"rule {rule} passes config[{direct[0]!r}] whole"


# ----------------------------------------------------------------- reruns (slow)
TARGET = "results/connectivity/baseline/leopard/grid/cores.tif"
# Smaller than config/test.yaml where it does not matter for the rerun logic: one
# prediction tile, a GLM instead of the tuned ensemble.
FAST = {
    "habitat": {"model": "glm", "background_points": 1000, "cv_folds": 2},
    "scale": {"predict_tile_cells": 4096},
}
PREPARE = {"demo", "prepare_vectors", "align_rasters", "covariates_tile", "covariates", "pressures"}
HABITAT = {"presences", "background", "fit_model", "predict_tile", "predict_suitability"}
CONNECTIVITY = {"resistance", "connectivity_grid", "cores"}


def planned_jobs(stdout: str) -> set[str]:
    """Rule names in the job-stats table of a dry run (empty when nothing is to be done)."""
    table = re.search(r"^job\s+count\n-+\s+-+\n(.*?)^total", stdout, flags=re.M | re.S)
    return {line.split()[0] for line in table.group(1).splitlines()} if table else set()


@pytest.mark.slow
def test_editing_connectivity_reruns_the_connectivity_jobs_only(tmp_path):
    from workflow_run import pipeline_env, tail

    repo = tmp_path / "repo"
    for name in ("rules", "workflow", "config", "envs"):
        shutil.copytree(ROOT / name, repo / name, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "Snakefile", repo / "Snakefile")
    (repo / "fast.yaml").write_text(yaml.safe_dump(FAST))
    # The copy is what snakemake parses, imports (the code params) and runs.
    env = {**pipeline_env(), "PYTHONPATH": str(repo / "workflow")}

    def snakemake(*args, configfiles=("config/test.yaml", "fast.yaml")):
        cmd = [sys.executable, "-m", "snakemake", "--cores", "2", *args, "--configfile"]
        return subprocess.run(
            [*cmd, *configfiles], cwd=repo, env=env, capture_output=True, text=True, timeout=900
        )

    run = snakemake(TARGET)
    (repo / "run.log").write_text(run.stdout + run.stderr)
    assert run.returncode == 0, tail(repo / "run.log")
    assert planned_jobs(run.stdout + run.stderr) >= PREPARE | HABITAT | CONNECTIVITY

    # Params are narrow: the Omniscape radius is not a param of resistance or cores.
    (repo / "radius.yaml").write_text(yaml.safe_dump({"connectivity": {"omniscape": {"radius_km": 15}}}))  # fmt: skip
    radius = snakemake("-n", TARGET, configfiles=("config/test.yaml", "fast.yaml", "radius.yaml"))
    assert radius.returncode == 0, radius.stderr
    assert planned_jobs(radius.stdout + radius.stderr) == set(), radius.stdout + radius.stderr

    with open(repo / "workflow" / "amurlink" / "connectivity" / "resistance.py", "a") as f:
        f.write("# an edit of the connectivity package\n")
    dry = snakemake("-n", TARGET)
    assert dry.returncode == 0, dry.stderr
    assert planned_jobs(dry.stdout + dry.stderr) == CONNECTIVITY, dry.stdout + dry.stderr


@pytest.mark.slow
@pytest.mark.xdist_group("pipeline")
def test_report_has_its_front_page_and_the_habitat_results(run_dir, tmp_path):
    from workflow_run import pipeline_command, pipeline_env

    report = tmp_path / "report.html"
    res = subprocess.run(
        pipeline_command(run_dir, "--cores", "1", "--report", str(report)),
        cwd=run_dir, env=pipeline_env(), capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert res.returncode == 0, res.stderr[-3000:]
    html = report.read_text()
    assert "amurlink: habitat and corridor connectivity" in html  # workflow/report/workflow.rst
    for species in ("leopard", "tiger"):
        for name in ("metrics.csv", "metrics.json", "response_curves.png", "importance.png"):
            assert f"results/habitat/{species}/{name}" in html, name
