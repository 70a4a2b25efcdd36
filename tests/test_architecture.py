"""The library's layout: stages import only earlier stages, no cycles, no file I/O in the science.

The design card: data flows one way (core -> prepare -> habitat -> connectivity ->
threats -> outputs; apps may use them all), and only ``amurlink.core.io`` and the
rule scripts touch files.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import networkx as nx
import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "workflow" / "amurlink"
STAGES = ["core", "prepare", "habitat", "connectivity", "threats", "outputs", "apps"]
SCIENCE = ["prepare", "habitat", "connectivity", "threats", "outputs"]
# Calls that read or write files.  The science packages compute; core.io and the
# scripts do the reading and writing.
FILE_IO = re.compile(
    r"rasterio\.open|\bopen\(|read_csv|to_csv|read_file|to_file|read_dataframe|"
    r"write_dataframe|sqlite3|savefig|read_text|write_text|read_bytes|write_bytes|"
    r"np\.(save|load)(txt)?\(|pickle\.(dump|load)|importlib\.resources|"
    r"ZipFile\((?!\s*(buf|io\.BytesIO)\b)|"  # a zip built in memory is not file I/O
    r"os\.(remove|unlink|replace|rename)|shutil\."
)


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(path: Path) -> set[str]:
    """amurlink modules imported by ``path`` (anywhere in it, function bodies included)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("amurlink")}
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("amurlink"):
            for alias in node.names:
                candidate = f"{node.module}.{alias.name}"
                sub = PACKAGE.parent / Path(*candidate.split("."))
                is_module = sub.with_suffix(".py").exists() or (sub / "__init__.py").exists()
                found.add(candidate if is_module else node.module)
    return found


def stage(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in STAGES else None


MODULES = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py")) if "data" not in p.parts}


def test_every_module_belongs_to_a_stage_package():
    # The top-level aliases keep `python -m amurlink.circuitscape_ini` / `amurlink.swd`.
    loose = {m for m in MODULES if stage(m) is None} - {
        "amurlink", "amurlink.circuitscape_ini", "amurlink.swd",
    }  # fmt: skip
    assert not loose, loose


@pytest.mark.parametrize("module", sorted(MODULES))
def test_no_import_from_a_later_stage(module):
    here = stage(module)
    if here is None:
        return
    later = {
        imported
        for imported in imports(MODULES[module])
        if stage(imported) and STAGES.index(stage(imported)) > STAGES.index(here)
    }
    assert not later, f"{module} imports from later stages: {sorted(later)}"


def test_no_import_cycles():
    graph = nx.DiGraph()
    for module, path in MODULES.items():
        graph.add_node(module)
        graph.add_edges_from((module, m) for m in imports(path) if m in MODULES and m != module)
    # a package's __init__ importing its own submodules is not a cycle of logic
    cycles = [c for c in nx.simple_cycles(graph) if len(c) > 1]
    assert not cycles, cycles


@pytest.mark.parametrize("package", SCIENCE)
def test_science_packages_do_no_file_io(package):
    hits = [
        f"{path.relative_to(PACKAGE)}:{n}: {line.strip()}"
        for path in sorted((PACKAGE / package).rglob("*.py"))
        for n, line in enumerate(path.read_text().splitlines(), 1)
        if FILE_IO.search(line.split("#")[0]) and not line.lstrip().startswith(('"', "'"))
    ]
    assert not hits, "\n".join(hits)
