"""amurlink.core.provenance: the hash of the library code behind a rule."""

import shutil
from pathlib import Path

import pytest

from amurlink.core import provenance
from amurlink.core.provenance import package_files, package_hash

LIBRARY = Path(provenance.__file__).resolve().parents[1]


@pytest.fixture
def library(tmp_path):
    """A copy of the amurlink package, to edit."""
    root = tmp_path / "amurlink"
    shutil.copytree(LIBRARY, root, ignore=shutil.ignore_patterns("__pycache__", "data"))
    return root


def test_hash_is_of_the_imported_package_and_repeatable():
    assert provenance.PACKAGE_ROOT == LIBRARY
    assert package_hash("connectivity") == package_hash("connectivity", root=LIBRARY)
    assert len(package_hash()) == 64
    assert package_hash("connectivity") == package_hash("amurlink.connectivity")


def test_a_copy_hashes_the_same_wherever_it_lies(library):
    assert package_hash("habitat", root=library) == package_hash("habitat")


def test_editing_a_package_changes_its_hash_only(library):
    before = {name: package_hash(name, root=library) for name in ("connectivity", "habitat")}
    with open(library / "connectivity" / "cores.py", "a") as f:
        f.write("# edited\n")
    assert package_hash("connectivity", root=library) != before["connectivity"]
    assert package_hash("habitat", root=library) == before["habitat"]


def test_editing_the_core_changes_every_hash(library):
    before = package_hash("habitat", root=library)
    with open(library / "core" / "grid.py", "a") as f:
        f.write("# edited\n")
    assert package_hash("habitat", root=library) != before


def test_adding_or_renaming_a_file_changes_the_hash(library):
    before = package_hash("threats", root=library)
    (library / "threats" / "extra.py").write_text("")
    added = package_hash("threats", root=library)
    assert added != before
    (library / "threats" / "extra.py").rename(library / "threats" / "other.py")
    assert package_hash("threats", root=library) not in (before, added)


def test_a_module_is_its_file_and_the_packages_above_it():
    files = package_files("outputs.styles")
    assert files == [LIBRARY / "outputs" / "__init__.py", LIBRARY / "outputs" / "styles.py"]
    assert package_hash("outputs.styles") != package_hash("outputs")


def test_a_package_is_every_python_file_under_it():
    files = package_files("core")
    assert LIBRARY / "core" / "io" / "__init__.py" in files
    assert all(f.suffix == ".py" for f in files)


def test_unknown_package_is_named():
    with pytest.raises(ValueError, match="connectivty"):
        package_hash("connectivty")
