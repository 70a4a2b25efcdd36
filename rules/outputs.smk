# Outputs: one GeoPackage of the results and a print map per species.
# Nothing here reads sighting coordinates (presences.csv stays internal).


rule geopackage:
    input:
        cores=expand(baseline("cores.gpkg"), species=SPECIES),
        links=expand(baseline("links_ranked.gpkg"), species=SPECIES),
        corridors=expand(baseline("corridors.tif"), species=SPECIES),
        threats=expand(threats("threats.gpkg"), species=SPECIES),
        countries=prepared("countries.gpkg"),
    output:
        gpkg=outputs("amurlink.gpkg"),
    log:
        logs("geopackage"),
    benchmark:
        bench("geopackage")
    conda:
        ENV
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    params:
        species=SPECIES,
    script:
        "../workflow/scripts/geopackage.py"


rule map_species:
    input:
        suitability=habitat("suitability.tif"),
        cores=baseline("cores.gpkg"),
        links=baseline("links_ranked.gpkg"),
        corridors=baseline("corridors.tif"),
        roads=prepared("roads.gpkg"),
        threats=threats("threats.gpkg"),
        countries=prepared("countries.gpkg"),
    output:
        png=outputs("maps/{species}.png"),
    log:
        logs("map_species/{species}"),
    benchmark:
        bench("map_species/{species}")
    conda:
        ENV
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    params:
        species=species_params,
        top_n=config["threats"]["top_n"],
        credits=map_credits(),
    script:
        "../workflow/scripts/map_species.py"
