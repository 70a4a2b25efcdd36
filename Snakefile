# amurlink: habitat and corridor connectivity for Amur leopards and tigers.
# Thin entry point: configuration, validation, the stages, and the default target.

from snakemake.utils import min_version, validate

min_version("9.0")


configfile: "config/config.yaml"


validate(config, "workflow/schemas/config.schema.yaml", set_default=True)


report: "workflow/report/workflow.rst"


include: "rules/common.smk"
include: "rules/demo.smk"
include: "rules/prepare.smk"
include: "rules/habitat.smk"
include: "rules/connectivity.smk"
include: "rules/threats.smk"
include: "rules/outputs.smk"


rule all:
    default_target: True
    input:
        final_outputs(),
