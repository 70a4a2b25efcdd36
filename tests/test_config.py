"""The config schema, its defaults, and the shipped configs agree."""

from pathlib import Path

import jsonschema
import pytest
import yaml
from snakemake.utils import validate

ROOT = Path(__file__).resolve().parents[1]
SCHEMA = ROOT / "workflow" / "schemas" / "config.schema.yaml"


def load(name):
    return yaml.safe_load((ROOT / "config" / name).read_text())


@pytest.mark.parametrize("name", ["config.yaml"])
def test_shipped_config_validates(name):
    config = load(name)
    validate(config, str(SCHEMA), set_default=True)
    assert config["demo"]["enabled"] is True, "the default config runs the demo"
    assert set(config["species"]) == {"leopard", "tiger"}


def test_defaults_fill_every_section():
    config = load("config.yaml")
    validate(config, str(SCHEMA), set_default=True)
    schema = yaml.safe_load(SCHEMA.read_text())
    for section, spec in schema["properties"].items():
        if "default" in spec:
            assert section in config, f"default for {section} not applied"
        for key, sub in spec.get("properties", {}).items():
            if "default" in sub and section in config:
                assert key in config[section], f"{section}.{key} default not applied"
                # A filled-in default must itself satisfy its own schema.
                jsonschema.validate(config[section][key], sub)


@pytest.mark.parametrize("name", ["test.yaml", "demo_30m.yaml"])
def test_overlay_configs_validate(name):
    config = load("config.yaml")
    for key, value in load(name).items():
        config[key] = {**config.get(key, {}), **value} if isinstance(value, dict) else value
    validate(config, str(SCHEMA), set_default=True)
    # the connectivity grid is a whole multiple of the habitat cell
    ratio = (config["connectivity"]["resolution_m"] or config["study_area"]["resolution"]) / config[
        "study_area"
    ]["resolution"]
    assert ratio == int(ratio)


def test_typo_is_refused_with_the_key_named():
    config = load("config.yaml")
    config["habitat"] = {"backgroud_points": 10000}
    with pytest.raises(Exception, match="backgroud_points"):
        validate(config, str(SCHEMA), set_default=True)


def schema_properties(node, path=(), in_list=False):
    """(path, spec, optional) of every property in the schema, nested ones included.

    ``optional``: neither required by its object (nor one of an ``anyOf`` of required
    keys) nor a field of a list item, whose keys depend on the item's kind.
    """
    required = set(node.get("required", []))
    for alternative in node.get("anyOf", []):
        required |= set(alternative.get("required", []))
    for key, spec in node.get("properties", {}).items():
        yield (*path, key), spec, not in_list and key not in required
        yield from schema_properties(spec, (*path, key), in_list)
    if isinstance(node.get("additionalProperties"), dict):
        yield from schema_properties(node["additionalProperties"], (*path, "*"), in_list)
    if isinstance(node.get("items"), dict):
        yield from schema_properties(node["items"], (*path, "[]"), True)


def test_every_key_has_a_description_and_every_optional_key_a_valid_default():
    schema = yaml.safe_load(SCHEMA.read_text())
    keys = list(schema_properties(schema))
    assert len(keys) > 100
    for path, spec, optional in keys:
        name = ".".join(path)
        assert spec.get("description"), f"{name}: no description"
        if optional:
            assert "default" in spec, f"{name}: optional but no default"
            jsonschema.validate(spec["default"], spec)


def test_io_block_size_is_under_scale():
    schema = yaml.safe_load(SCHEMA.read_text())
    assert "window_size" not in schema["properties"]["habitat"]["properties"]
    assert "window_cells" in schema["properties"]["scale"]["properties"]
    config = load("config.yaml")
    config["habitat"] = {"window_size": 128}
    with pytest.raises(Exception, match="window_size"):
        validate(config, str(SCHEMA), set_default=True)
