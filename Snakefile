# amurlink: habitat and corridor connectivity for Amur leopards and tigers.
# Thin entry point: configuration, validation, the stages, and the default target.
#
# Paths to the workflow's own files (schema, report, and in rules/ the scripts, the conda
# env and the report captions) are relative to the file naming them, so the workflow also
# runs as a module of another one (README, "As a Snakemake module"). The config file is
# the user's, relative to the working directory; validate fills in the schema's defaults.

from snakemake.utils import min_version, validate

min_version("9.0")


configfile: "config/config.yaml"


validate(config, workflow.source_path("workflow/schemas/config.schema.yaml"))


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
    localrule: True
