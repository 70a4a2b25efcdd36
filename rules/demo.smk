# The synthetic demo region (amurlink.demo): written where config `inputs` points,
# so that the workflow reads it like user data.  The true suitability goes apart,
# to results/demo/truth/, read only by the tests.


if config["demo"]["enabled"]:

    rule demo:
        output:
            **{key: path for key, path in config["inputs"].items() if path},
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
            config=config,
        script:
            "../workflow/scripts/demo.py"
