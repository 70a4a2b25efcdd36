# Threats: roads and logging cutblocks inside each species' corridors and pinch
# points, scored and ranked; cross-border links and their threats on their own.


rule threats:
    input:
        # the connectivity grid the analysis ran on (the habitat-grid copies are for display)
        corridors=on_grid("corridors.tif", scenario="baseline"),
        links=baseline("links_ranked.gpkg"),
        current=on_grid("current.tif", scenario="baseline"),
        pinchpoints=on_grid("pinchpoints.tif", scenario="baseline"),
        barriers=on_grid("barriers.tif", scenario="baseline"),
        roads=prepared("roads.gpkg"),
        logging=prepared("logging.gpkg"),
        countries=prepared("countries.gpkg"),
    output:
        gpkg=threats("threats.gpkg"),
        csv=report(
            threats("threats.csv"),
            caption="../workflow/report/threats.rst",
            category="Threats",
            subcategory="{species}",
            labels={"species": "{species}", "table": "threat records"},
        ),
        summary=report(
            threats("summary.csv"),
            caption="../workflow/report/threats_summary.rst",
            category="Threats",
            subcategory="{species}",
            labels={"species": "{species}", "table": "summary by country"},
        ),
        cross_border_links=report(
            threats("cross_border_links.csv"),
            caption="../workflow/report/cross_border.rst",
            category="Threats",
            subcategory="{species}",
            labels={"species": "{species}", "table": "cross-border links"},
        ),
        cross_border_threats=threats("cross_border_threats.csv"),
    log:
        logs("threats/{species}"),
    benchmark:
        bench("threats/{species}")
    conda:
        ENV
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    params:
        threats=config_subset("threats", only=["road_weight", "logging_halflife_years"]),
        reference_year=config_provider("covariates", "reference_year"),
        code=code_hash("threats", "connectivity.corridors", "connectivity.progress"),
    script:
        "../workflow/scripts/threats.py"


rule threat_impacts:
    input:
        threats=threats("threats.gpkg"),
        suitability=habitat("suitability.tif"),
        uncertainty=habitat("uncertainty.tif"),
        pressures=prepared("pressures/baseline.tif"),
        landcover=prepared("landcover.tif"),
        resistance=on_grid("resistance.tif", scenario="baseline"),
        cores=on_grid("cores.tif", scenario="baseline"),
        polygons=baseline("cores.gpkg"),
        links=baseline("links_ranked.gpkg"),
    output:
        impacts=report(
            threats("impacts.csv"),
            caption="../workflow/report/threat_impacts.rst",
            category="Threats",
            subcategory="{species}",
            labels={"species": "{species}", "table": "threat impacts"},
        ),
        plan=threats("plan.csv"),
        plan_gpkg=threats("plan.gpkg"),
        robustness=threats("robustness.csv"),
        check=threats("impacts_check.json"),
    log:
        logs("threat_impacts/{species}"),
    benchmark:
        bench("threat_impacts/{species}")
    conda:
        ENV
    threads: 1
    resources:
        mem_mb=3000,
        runtime=30,
    params:
        connectivity=config_subset(
            "connectivity",
            only=[
                "shape_c",
                "road_resistance",
                "logging_resistance",
                "builtup_resistance",
                "water",
                "barrier_resistance",
            ],
        ),
        road_groups=road_groups,
        factor=GRIDS.connectivity_factor,
        neighbours=config_provider("connectivity", "neighbours"),
        species=species_params("dispersal_km"),
        budget=config_provider("threats", "plan_budget"),
        robustness_sd=config_provider("threats", "robustness", "suitability_sd"),
        robustness_c=config_provider("threats", "robustness", "shape_c"),
        top_n=config_provider("threats", "top_n"),
        code=code_hash("threats", "connectivity"),
    script:
        "../workflow/scripts/threat_impacts.py"
