# Threats: roads and logging cutblocks inside each species' corridors, scored and ranked.


rule threats:
    input:
        corridors=baseline("corridors.tif"),
        links=baseline("links_ranked.gpkg"),
        current=baseline("current.tif"),
        roads=prepared("roads.gpkg"),
        logging=prepared("logging.gpkg"),
        countries=prepared("countries.gpkg"),
    output:
        gpkg=threats("threats.gpkg"),
        csv=threats("threats.csv"),
        summary=threats("summary.csv"),
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
        threats=config["threats"],
        reference_year=config["covariates"]["reference_year"],
    script:
        "../workflow/scripts/threats.py"
