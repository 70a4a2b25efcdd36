# The input check: every configured input read once, before any heavy rule.
# `snakemake check_inputs` runs it alone, so data can be fixed before a long run.


rule check_inputs:
    input:
        landcover=input_files("landcover"),
        dem=input_files("dem"),
        forest_loss=input_files("forest_loss"),
        roads=input_files("roads"),
        logging=optional_input("logging"),
        settlements=user_input("settlements"),
        countries=user_input("countries"),
        sightings=user_input("sightings"),
        stations=camera_stations(),
        fences=input_files("fences"),
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
        reference_year=config_provider("covariates", "reference_year"),
        layers=config_provider("inputs", "layers"),
        osm=config_subset("inputs", "osm", only=["highway_map", "barriers", "railways"]),
        raster_settings=config_subset(
            "inputs",
            only=["coverage", "landcover_aggregation", "forest_loss_year_offset"],
        ),
        species=species_names,
        filters=config_subset(
            "sightings",
            only=[
                "date_min",
                "date_max",
                "max_uncertainty_m",
                "drop_basis_of_record",
                "drop_generalised",
            ],
        ),
        sightings_format=config_provider("inputs", "sightings_format"),
        scenarios=config_provider("scenarios"),
        code=code_hash("prepare", "habitat"),
    script:
        "../workflow/scripts/check_inputs.py"
