# The synthetic demo region (amurlink.apps.demo): written where config `inputs` points,
# so that the workflow reads it like user data.  The true suitability goes apart,
# to results/demo/truth/, read only by the tests.


# The input files the demo writes (other `inputs` keys are settings or optional layers).
DEMO_INPUTS = [
    "landcover",
    "dem",
    "roads",
    "logging",
    "settlements",
    "countries",
    "sightings",
    "camera_stations",
]


if config["demo"]["enabled"]:

    rule demo:
        output:
            **{
                key: config["inputs"][key]
                for key in DEMO_INPUTS
                if config["inputs"].get(key)
            },
            truth=expand(f"{RESULTS}/demo/truth/{{sp}}.tif", sp=SPECIES),
            presence_probability=expand(
                f"{RESULTS}/demo/truth/{{sp}}_presence_probability.tif", sp=SPECIES
            ),
        log:
            logs("demo"),
        benchmark:
            bench("demo")
        conda:
            ENV
        threads: 1
        resources:
            mem_mb=6000,
            runtime=30,
        params:
            # Only what the demo reads, so that changing a later stage's settings
            # does not regenerate the inputs (and rerun everything downstream).
            config={
                key: config[key]
                for key in (
                    "seed",
                    "demo",
                    "study_area",
                    "inputs",
                    "species",
                    "covariates",
                )
            },
            code=code_hash("apps.demo", "prepare"),
        script:
            "../workflow/scripts/demo.py"
