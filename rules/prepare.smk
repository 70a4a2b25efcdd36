# Prepare: every input onto the one analysis grid, checked; covariates (per tile).


rule prepare_vectors:
    input:
        checked=checked(),
        roads=input_files("roads"),
        logging=optional_input("logging"),
        forest_loss=input_files("forest_loss"),
        settlements=user_input("settlements"),
        countries=user_input("countries"),
    output:
        roads=prepared("roads.gpkg"),
        logging=prepared("logging.gpkg"),
        settlements=prepared("settlements.gpkg"),
        countries=prepared("countries.gpkg"),
        country=prepared("country.tif"),
    log:
        logs("prepare_vectors"),
    benchmark:
        bench("prepare_vectors")
    conda:
        ENV
    threads: 1
    resources:
        mem_mb=2000,
    params:
        study_area=config_provider("study_area"),
        road_classes=config_provider("covariates", "road_classes"),
        layers=config_provider("inputs", "layers"),
        osm=config_subset("inputs", "osm", only=["highway_map"]),
        forest_loss=config_subset(
            "inputs",
            only=["coverage", "forest_loss_year_offset", "forest_loss_min_fraction"],
        ),
        code=code_hash("prepare", "outputs.styles", "outputs.palette"),
    script:
        "../workflow/scripts/prepare_vectors.py"


rule align_rasters:
    input:
        checked=checked(),
        landcover=input_files("landcover"),
        dem=input_files("dem"),
        country=prepared("country.tif"),
    output:
        **landcover_fractions(),
        landcover=prepared("landcover.tif"),
        dem=prepared("dem.tif"),
    log:
        logs("align_rasters"),
    benchmark:
        bench("align_rasters")
    conda:
        ENV
    threads: 1
    resources:
        mem_mb=2000,
    params:
        window_size=config_provider("scale", "window_cells"),
        aggregation=config_provider("inputs", "landcover_aggregation"),
        coverage=config_provider("inputs", "coverage"),
        code=code_hash("prepare"),
    script:
        "../workflow/scripts/align_rasters.py"


rule covariates_tile:
    input:
        **landcover_fractions(),
        landcover=prepared("landcover.tif"),
        dem=prepared("dem.tif"),
        roads=prepared("roads.gpkg"),
        settlements=prepared("settlements.gpkg"),
        logging=prepared("logging.gpkg"),
    output:
        tile=temp(prepared("covariate_tiles/{tile}.tif")),
    log:
        logs("covariates_tile/{tile}"),
    benchmark:
        bench("covariates_tile/{tile}")
    wildcard_constraints:
        tile=r"r\d+c\d+",
    conda:
        ENV
    threads: 1
    resources:
        mem_mb=config["scale"]["tile_mem_mb"]["covariates"],
        runtime=30,
    params:
        covariates=config_subset(
            "covariates",
            only=[
                "forest_classes",
                "forest_radius_m",
                "logging_radius_m",
                "max_distance_m",
                "reference_year",
                "road_classes",
            ],
        ),
        tile_size=covariate_tile_size(),
        code=code_hash("prepare"),
    script:
        "../workflow/scripts/covariates_tile.py"


rule covariates:
    input:
        landcover=prepared("landcover.tif"),
        tiles=expand(prepared("covariate_tiles/{tile}.tif"), tile=covariate_tiles()),
    output:
        covariates=prepared("covariates.tif"),
    log:
        logs("covariates"),
    benchmark:
        bench("covariates")
    conda:
        ENV
    threads: 1
    resources:
        mem_mb=2000,
        runtime=30,
    params:
        code=code_hash(),
    script:
        "../workflow/scripts/covariates.py"


rule pressures:
    input:
        checked=checked(),
        roads=prepared("roads.gpkg"),
        logging=prepared("logging.gpkg"),
        country=prepared("country.tif"),
        fences=input_files("fences"),
        scenario_files=scenario_files,
    output:
        pressures=prepared("pressures/{scenario}.tif"),
    log:
        logs("pressures/{scenario}"),
    benchmark:
        bench("pressures/{scenario}")
    conda:
        ENV
    threads: 1
    resources:
        mem_mb=2000,
    params:
        changes=scenario_changes,
        layers=config_provider("inputs", "layers"),
        osm=config_subset("inputs", "osm", only=["barriers", "railways"]),
        road_classes=config_provider("covariates", "road_classes"),
        reference_year=config_provider("covariates", "reference_year"),
        code=code_hash("prepare"),
    script:
        "../workflow/scripts/pressures.py"
