"""Errors a user can act on, and the checks that raise them."""

from __future__ import annotations

import os
from collections.abc import Iterable

import pandas as pd


class InputError(ValueError):
    """A user-supplied input is unusable; the message names file, field and problem."""


def require_columns(
    table: pd.DataFrame, columns: Iterable[str], path: str | os.PathLike, what: str = ""
) -> None:
    """Raise :class:`InputError` naming ``path`` and the columns of ``columns`` it lacks.

    ``what`` says what the table should be (e.g. ``"SWD table"``) when the file's
    role is not obvious from its name.  The message lists the columns found
    (geometry aside), so a misspelt header is seen at once.
    """
    missing = [c for c in columns if c not in table.columns]
    if missing:
        found = [str(c) for c in table.columns if c != "geometry"]
        kind = f" ({what})" if what else ""
        raise InputError(
            f"{os.fspath(path)}: missing column(s) {', '.join(map(repr, missing))}{kind}; "
            f"found {', '.join(found) or 'none'}"
        )


def schema_error_line(error) -> str:
    """One line for a config that fails its JSON schema: the key, the problem, what is allowed.

    ``error`` is the :class:`jsonschema.exceptions.ValidationError` a validator
    raised (its ``str`` is a dump of the whole sub-schema and instance, ~120
    lines for a section).
    An unknown key names its closest allowed key and lists them all; a value
    outside an ``enum`` lists the allowed values; a missing key names it; any
    other failure gives jsonschema's own one-line message
    (JSON Schema 2020-12 validation vocabulary, https://json-schema.org).
    """
    import difflib

    key = ".".join(str(p) for p in error.absolute_path) or "(top level)"
    sub = error.schema if isinstance(error.schema, dict) else {}
    instance = error.instance
    if error.validator == "additionalProperties" and isinstance(instance, dict):
        allowed = sorted(sub.get("properties", {}))
        unknown = sorted(k for k in instance if k not in allowed)
        where = f"{key}." if error.absolute_path else ""
        hints = []
        for k in unknown:
            close = difflib.get_close_matches(str(k), allowed, n=1)
            hints.append(f"{where}{k}" + (f" (did you mean {close[0]!r}?)" if close else ""))
        return (
            f"config: unknown key {', '.join(hints)}; allowed in "
            f"{key if error.absolute_path else 'the config'}: {', '.join(allowed) or 'none'}"
        )
    if error.validator == "enum":
        allowed = ", ".join(map(repr, error.validator_value))
        return f"config {key}: {instance!r} is not allowed; allowed values: {allowed}"
    if error.validator == "required":
        return f"config {key}: {error.message}"
    if error.validator == "anyOf" and all("required" in s for s in error.validator_value):
        options = " or ".join("/".join(s["required"]) for s in error.validator_value)
        return f"config {key}: needs {options}"
    text = " ".join(str(error.message).split())
    if len(text) > 200:
        text = text[:200] + " …"
    about = " ".join(str(sub.get("description", "")).split())
    expected = f" ({about[:120]}{' …' if len(about) > 120 else ''})" if about else ""
    return f"config {key}: {text}{expected}"
