"""Scratch arrays on disk: large intermediate rasters kept out of memory during one job."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator, MutableMapping
from pathlib import Path

import numpy as np


class ScratchArrays(MutableMapping):
    """Arrays by key in ``.npy`` files of a temporary directory, read back as memory maps.

    A mapping: ``store[key] = array`` writes the array to disk, ``store[key]``
    returns a read-only memory map of it, so a caller holding many rasters keeps
    only the ones it is using in memory.  Use it as a context manager: the
    directory (``prefix`` + a random name, inside ``directory``) and its files
    are removed on leaving, whatever happens.

    Examples
    --------
    >>> with ScratchArrays(out_dir, prefix=".cwd-") as store:
    ...     result = least_cost_corridors(resistance, cores, res, cwd_store=store)
    """

    def __init__(self, directory: str | os.PathLike, prefix: str = ".scratch-"):
        self._dir = tempfile.TemporaryDirectory(dir=directory, prefix=prefix)
        self._keys: list = []

    def _path(self, key) -> Path:
        return Path(self._dir.name) / f"array_{key}.npy"

    def __setitem__(self, key, array: np.ndarray) -> None:
        array = np.asarray(array)
        mm = np.lib.format.open_memmap(
            self._path(key), mode="w+", dtype=array.dtype, shape=array.shape
        )
        mm[:] = array
        mm.flush()
        del mm
        if key not in self._keys:
            self._keys.append(key)

    def __getitem__(self, key) -> np.ndarray:
        if key not in self._keys:
            raise KeyError(key)
        return np.load(self._path(key), mmap_mode="r")

    def __delitem__(self, key) -> None:
        self._keys.remove(key)
        self._path(key).unlink()

    def __iter__(self) -> Iterator:
        return iter(list(self._keys))

    def __len__(self) -> int:
        return len(self._keys)

    def close(self) -> None:
        """Remove the directory and every array in it."""
        self._keys.clear()
        self._dir.cleanup()

    def __enter__(self) -> ScratchArrays:
        return self

    def __exit__(self, *exc) -> bool:
        self.close()
        return False
