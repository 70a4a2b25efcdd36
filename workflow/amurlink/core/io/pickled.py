"""Python objects (fitted models, SWD model bundles) stored as pickles.

Pickles hold the fitted scikit-learn-style estimators between the fit and the
prediction rules; they are only read back by this workflow's own code, never
from untrusted sources.
"""

from __future__ import annotations

import os
import pickle
from pathlib import Path

from amurlink.core.errors import InputError
from amurlink.core.io import atomic_path


def write_pickle(obj, path: str | os.PathLike) -> Path:
    """Pickle ``obj`` to ``path``, atomically (default protocol)."""
    with atomic_path(path) as tmp:
        tmp.write_bytes(pickle.dumps(obj))
    return Path(path)


def read_pickle(path: str | os.PathLike):
    """The object pickled at ``path``; a missing file is an :class:`InputError`."""
    path = Path(path)
    if not path.exists():
        raise InputError(f"{path}: file not found")
    return pickle.loads(path.read_bytes())
