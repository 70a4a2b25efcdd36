"""Workflow configuration files (YAML), read as the Snakefile reads them."""

from __future__ import annotations

import os
from pathlib import Path

import yaml

from amurlink.core.errors import InputError


def read_config(path: str | os.PathLike, schema: str | os.PathLike | None = None) -> dict:
    """A config YAML as a dict; with ``schema``, validated and the schema's defaults filled in.

    Validation is Snakemake's (``snakemake.utils.validate(..., set_default=True)``),
    so a config read here equals the one the workflow's rules see.
    """
    path = Path(path)
    if not path.exists():
        raise InputError(f"{path}: file not found")
    try:
        config = yaml.safe_load(path.read_text())
    except yaml.YAMLError as err:
        raise InputError(f"{path}: not valid YAML ({err})") from err
    if not isinstance(config, dict):
        raise InputError(
            f"{path}: a config must be a mapping of sections, found {type(config).__name__}"
        )
    if schema is not None:
        from snakemake.utils import validate

        validate(config, str(schema), set_default=True)
    return config
