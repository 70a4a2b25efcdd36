"""envs/amurlink.yaml and pyproject.toml must name the same packages at compatible versions."""

import re
import tomllib
from importlib.metadata import version
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
# conda-forge names that differ from PyPI's
CONDA_NAME = {"snakemake": "snakemake-minimal"}


def pyproject_deps():
    deps = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    out = {}
    for dep in deps:
        m = re.match(r"([A-Za-z0-9_.-]+)\s*>=\s*([0-9.]+)", dep)
        assert m, f"pyproject dependency {dep!r} should be 'name>=version'"
        out[m.group(1).lower()] = m.group(2)
    return out


def conda_deps():
    env = yaml.safe_load((ROOT / "envs" / "amurlink.yaml").read_text())
    assert "conda-forge" in env["channels"]
    out = {}
    for dep in env["dependencies"]:
        if isinstance(dep, str) and "=" in dep:
            name, ver = dep.split("=", 1)
            out[name.lower()] = ver
    return out


def as_tuple(v):
    return tuple(int(x) for x in v.split(".") if x.isdigit())


def test_every_dependency_is_in_the_conda_env_at_a_compatible_pin():
    conda = conda_deps()
    for name, minimum in pyproject_deps().items():
        cname = CONDA_NAME.get(name, name)
        assert cname in conda, f"{name} is in pyproject.toml but not in envs/amurlink.yaml"
        assert as_tuple(conda[cname]) >= as_tuple(minimum)[: len(as_tuple(conda[cname]))], (
            f"envs/amurlink.yaml pins {cname}={conda[cname]}, below pyproject's >={minimum}"
        )


def test_conda_env_has_nothing_extra():
    expected = {CONDA_NAME.get(n, n) for n in pyproject_deps()} | {"python"}
    assert set(conda_deps()) == expected


def test_conda_pins_match_the_tested_versions():
    """The pins are the versions the test suite runs with (same major.minor)."""
    conda = conda_deps()
    for name in pyproject_deps():
        pinned = as_tuple(conda[CONDA_NAME.get(name, name)])
        installed = as_tuple(version(name))
        assert installed[: len(pinned)] == pinned, (
            f"{name}: installed {installed}, env pins {pinned}"
        )
