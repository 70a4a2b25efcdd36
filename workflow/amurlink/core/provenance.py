"""Provenance: a fingerprint of the library code a rule's job runs.

Snakemake reruns a job when its script changes, not when the library code behind the
script does.  Each rule therefore carries a ``code`` param, :func:`package_hash` of the
packages its script imports (``rules/common.smk``'s ``code_hash``): editing a file of
:mod:`amurlink.connectivity` changes the param of the connectivity rules only, Snakemake's
params trigger reruns their jobs, and their dependents follow from the newer outputs; the
prepare and habitat jobs are left alone.

The files hashed are those of the ``amurlink`` package this module belongs to (the one
the rule scripts import), never paths relative to the working directory.  Reading the
library's own source is not a data format, so it is done here rather than in
:mod:`amurlink.core.io`.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

#: The ``amurlink`` package directory: the library that is imported, and hashed.
PACKAGE_ROOT = Path(__file__).resolve().parents[1]

#: Always part of the hash: every stage imports the core, and the package's ``__init__``.
ALWAYS = ("core",)


def package_files(name: str, root: Path = PACKAGE_ROOT) -> list[Path]:
    """The ``.py`` files of one package or module of ``amurlink``.

    Parameters
    ----------
    name : str
        A package (``"connectivity"``: every ``.py`` file under it, subpackages
        included) or a module (``"outputs.styles"``: that file, and the
        ``__init__.py`` of the packages above it, which importing it runs), with or
        without the ``amurlink.`` prefix.
    root : Path
        The ``amurlink`` package directory.

    Raises
    ------
    ValueError
        If ``name`` is neither a package nor a module of ``root``.
    """
    parts = name.removeprefix("amurlink.").split(".")
    path = root.joinpath(*parts)
    parents = [root.joinpath(*parts[:i], "__init__.py") for i in range(1, len(parts))]
    if path.is_dir():
        files = sorted(path.rglob("*.py"))
    elif path.with_suffix(".py").is_file():
        files = [path.with_suffix(".py")]
    else:
        raise ValueError(f"{root}: amurlink has no package or module {name!r}")
    return [*(p for p in parents if p.is_file()), *files]


def package_hash(*packages: str, root: Path = PACKAGE_ROOT) -> str:
    """SHA-256 (hex) of the source of :mod:`amurlink.core` and ``packages``.

    The files (``amurlink/__init__.py``, the core's and those of ``packages``, see
    :func:`package_files`) are taken in the order of their paths relative to ``root``;
    each path and each file's bytes enter the hash, so the hash is the same on any
    machine and changes when a file is edited, added, removed or renamed.
    """
    files = {root / "__init__.py"}
    for name in (*ALWAYS, *packages):
        files.update(package_files(name, root))
    digest = hashlib.sha256()
    for path in sorted(files, key=lambda p: p.relative_to(root).as_posix()):
        content = path.read_bytes()
        relative = path.relative_to(root).as_posix().encode()
        # lengths first, so that no two different file sets give the same byte stream
        digest.update(b"%d:%s:%d:" % (len(relative), relative, len(content)))
        digest.update(content)
    return digest.hexdigest()
