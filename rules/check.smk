# The input check: every configured input read once, before any heavy rule.
# `snakemake check_inputs` runs it alone, so data can be fixed before a long run.


rule check_inputs:
    input:
        landcover=user_input("landcover"),
        dem=user_input("dem"),
        roads=user_input("roads"),
        logging=user_input("logging"),
        settlements=user_input("settlements"),
        countries=user_input("countries"),
        sightings=user_input("sightings"),
        stations=camera_stations(),
        fences=optional_input("fences"),
        scenario_files=all_scenario_files(),
    output:
        ok=CHECKED,
        report=CHECK_REPORT,
    log:
        logs("check_inputs"),
    benchmark:
        bench("check_inputs")
    conda:
        ENV
    threads: 1
    resources:
        mem_mb=2000,
        runtime=30,
    params:
        study_area=config_provider("study_area"),
        connectivity_resolution_m=config_provider("connectivity", "resolution_m"),
        omniscape_resolution_m=config_provider(
            "connectivity", "omniscape", "resolution_m"
        ),
        road_classes=config_provider("covariates", "road_classes"),
        species=species_names,
        filters=config_subset(
            "sightings", only=["date_min", "date_max", "max_uncertainty_m"]
        ),
        sightings_format=config_provider("inputs", "sightings_format"),
        scenarios=config_provider("scenarios"),
        code=code_hash("prepare", "habitat"),
    script:
        "../workflow/scripts/check_inputs.py"
