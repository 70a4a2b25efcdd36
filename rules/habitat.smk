# Habitat stage: sightings -> presences, background, tuned ensemble (MaxEnt, GLM, RF, BRT) with
# spatial CV, suitability / uncertainty / clamping / MESS maps, response curves and importance.


rule presences:
    input:
        checked=checked(),
        sightings=user_input("sightings"),
        stations=camera_stations(),
        covariates=prepared("covariates.tif"),
    output:
        presences=habitat("presences.csv"),
        audit=habitat("sightings_audit.csv"),
        stations=habitat("stations.csv"),
    log:
        logs("presences/{species}"),
    benchmark:
        bench("presences/{species}")
    conda:
        ENV
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    params:
        species=species_params("name", "synonyms", "thin_km"),
        sightings=config_subset(
            "sightings",
            only=[
                "max_uncertainty_m",
                "date_min",
                "date_max",
                "drop_basis_of_record",
                "drop_generalised",
            ],
        ),
        sightings_format=config_provider("inputs", "sightings_format"),
        window_size=config_provider("scale", "window_cells"),
        seed=config_provider("seed"),
        code=code_hash("habitat"),
    script:
        "../workflow/scripts/presences.py"


rule background:
    input:
        checked=checked(),
        sightings=user_input("sightings"),
        stations=camera_stations(),
        covariates=prepared("covariates.tif"),
    output:
        background=habitat("background.csv"),
    log:
        logs("background/{species}"),
    benchmark:
        bench("background/{species}")
    conda:
        ENV
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    params:
        sightings=config_subset(
            "sightings",
            only=[
                "max_uncertainty_m",
                "date_min",
                "date_max",
                "drop_basis_of_record",
                "drop_generalised",
            ],
        ),
        sightings_format=config_provider("inputs", "sightings_format"),
        habitat=config_subset("habitat", only=["bias", "background_points"]),
        window_size=config_provider("scale", "window_cells"),
        seed=config_provider("seed"),
        code=code_hash("habitat"),
    script:
        "../workflow/scripts/background.py"


rule fit_model:
    input:
        presences=habitat("presences.csv"),
        background=habitat("background.csv"),
        stations=habitat("stations.csv"),
        covariates=prepared("covariates.tif"),
    output:
        model=habitat("model.pkl"),
        metrics=report(
            habitat("metrics.json"),
            caption="../workflow/report/metrics.rst",
            category="Habitat",
            subcategory="{species}",
            labels={"species": "{species}", "output": "model metrics (JSON)"},
        ),
        metrics_csv=report(
            habitat("metrics.csv"),
            caption="../workflow/report/metrics_table.rst",
            category="Habitat",
            subcategory="{species}",
            labels={"species": "{species}", "output": "model metrics"},
        ),
        cv_folds=habitat("cv_folds.csv"),
        tuning=habitat("tuning.csv"),
    log:
        logs("fit_model/{species}"),
    benchmark:
        bench("fit_model/{species}")
    conda:
        ENV
    threads: 2
    resources:
        mem_mb=4000,
        runtime=60,
    params:
        habitat=config_subset(
            "habitat",
            only=[
                "model",
                "members",
                "tuning",
                "categorical",
                "features",
                "beta",
                "cv_folds",
                "block_size_km",
            ],
        ),
        window_size=config_provider("scale", "window_cells"),
        seed=config_provider("seed"),
        code=code_hash("habitat"),
    script:
        "../workflow/scripts/fit_model.py"


rule predict_tile:
    input:
        model=habitat("model.pkl"),
        covariates=prepared("covariates.tif"),
    output:
        tile=temp(habitat("prediction_tiles/{tile}.tif")),
    log:
        logs("predict_tile/{species}/{tile}"),
    benchmark:
        bench("predict_tile/{species}/{tile}")
    wildcard_constraints:
        tile=r"r\d+c\d+",
    conda:
        ENV
    threads: 1
    resources:
        mem_mb=config["scale"]["tile_mem_mb"]["predict"],
        runtime=60,
    params:
        tile_size=config_provider("scale", "predict_tile_cells"),
        window_size=config_provider("scale", "window_cells"),
        code=code_hash("habitat"),
    script:
        "../workflow/scripts/predict_tile.py"


rule predict_suitability:
    input:
        tiles=expand(
            habitat("prediction_tiles/{tile}.tif"),
            tile=prediction_tiles(),
            allow_missing=True,
        ),
        metrics=habitat("metrics.json"),
        covariates=prepared("covariates.tif"),
    output:
        suitability=habitat("suitability.tif"),
        uncertainty=habitat("uncertainty.tif"),
        clamping=habitat("clamping.tif"),
        mess=habitat("mess.tif"),
        habitat=habitat("habitat.tif"),
    log:
        logs("predict_suitability/{species}"),
    benchmark:
        bench("predict_suitability/{species}")
    conda:
        ENV
    threads: 1
    resources:
        mem_mb=2000,
        runtime=30,
    params:
        code=code_hash("habitat", "outputs.styles", "outputs.palette"),
    script:
        "../workflow/scripts/predict_suitability.py"


rule interpret_model:
    input:
        model=habitat("model.pkl"),
    output:
        curves=habitat("response_curves.csv"),
        curves_png=report(
            habitat("response_curves.png"),
            caption="../workflow/report/response_curves.rst",
            category="Habitat",
            subcategory="{species}",
            labels={"species": "{species}", "output": "response curves"},
        ),
        importance=habitat("importance.csv"),
        importance_png=report(
            habitat("importance.png"),
            caption="../workflow/report/importance.rst",
            category="Habitat",
            subcategory="{species}",
            labels={"species": "{species}", "output": "permutation importance"},
        ),
    log:
        logs("interpret_model/{species}"),
    benchmark:
        bench("interpret_model/{species}")
    conda:
        ENV
    threads: 1
    resources:
        mem_mb=3000,
        runtime=20,
    params:
        seed=config_provider("seed"),
        code=code_hash("habitat"),
    script:
        "../workflow/scripts/interpret_model.py"
