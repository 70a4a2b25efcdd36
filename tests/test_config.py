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
