# amurlink: habitat and corridor connectivity for Amur leopards and tigers.
# Thin entry point: configuration, validation, the stages, and the default target.
#
# Paths to the workflow's own files (schema, report, and in rules/ the scripts, the conda
# env and the report captions) are relative to the file naming them, so the workflow also
# runs as a module of another one (README, "As a Snakemake module"). The config file is
# the user's, relative to the working directory; validate fills in the schema's defaults.

import sys
import time

from snakemake.exceptions import WorkflowError
from snakemake.utils import min_version, validate

min_version("9.0")


configfile: "config/config.yaml"


# A config that fails the schema stops here with one line naming the key and what is
# allowed (amurlink.core.errors.schema_error_line), not jsonschema's dump of the section.
try:
    validate(config, workflow.source_path("workflow/schemas/config.schema.yaml"))
except WorkflowError as err:
    from jsonschema.exceptions import ValidationError
    from amurlink.core.errors import schema_error_line

    cause = err.__cause__ or err.__context__  # Snakemake raises from jsonschema's error
    if not isinstance(cause, ValidationError):
        raise
    raise WorkflowError(schema_error_line(cause)) from None


report: "workflow/report/workflow.rst"


_STARTED = time.time()


# After Snakemake's account of a failed run, repeat the one line of each bad input a job
# of this run met (amurlink.core.smk.run logs it), so it is the last thing on screen.
onerror:
    from amurlink.core.smk import bad_input_lines

    for line in bad_input_lines(f"{RESULTS}/logs", _STARTED - 1):
        print(line, file=sys.stderr)


include: "rules/common.smk"
include: "rules/demo.smk"
include: "rules/check.smk"
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
