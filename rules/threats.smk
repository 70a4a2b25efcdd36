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
