# Connectivity: resistance, cores, least-cost corridors (Linkage Mapper), circuit
# theory (Circuitscape) and the graph indices (Conefor).


rule resistance:
    input:
        suitability=habitat("suitability.tif"),
        pressures=prepared("pressures/{scenario}.tif"),
        landcover=prepared("landcover.tif"),
    output:
        resistance=connectivity("resistance.tif"),
    log:
        logs("resistance/{scenario}/{species}"),
    benchmark:
        bench("resistance/{scenario}/{species}")
    conda:
        ENV
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    params:
        connectivity=config["connectivity"],
        road_groups=list(config["covariates"]["road_classes"]),
    script:
        "../workflow/scripts/resistance.py"


rule cores:
    input:
        habitat=habitat("habitat.tif"),
        suitability=habitat("suitability.tif"),
        country=prepared("country.tif"),
        pressures=prepared("pressures/{scenario}.tif"),
        baseline_pressures=prepared("pressures/baseline.tif"),
    output:
        cores=connectivity("cores.tif"),
        polygons=connectivity("cores.gpkg"),
    log:
        logs("cores/{scenario}/{species}"),
    benchmark:
        bench("cores/{scenario}/{species}")
    conda:
        ENV
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    params:
        species=species_params,
    script:
        "../workflow/scripts/cores.py"


rule corridors:
    input:
        resistance=connectivity("resistance.tif"),
        cores=connectivity("cores.tif"),
        polygons=connectivity("cores.gpkg"),
        countries=prepared("countries.gpkg"),
    output:
        corridors=connectivity("corridors.tif"),
        links=connectivity("links.gpkg"),
        table=connectivity("links.csv"),
    log:
        logs("corridors/{scenario}/{species}"),
    benchmark:
        bench("corridors/{scenario}/{species}")
    conda:
        ENV
    threads: 1
    resources:
        mem_mb=4000,
        runtime=60,
    params:
        connectivity=config["connectivity"],
    script:
        "../workflow/scripts/corridors.py"


# ---------------------------------------------------------------------------
rule circuit:
    input:
        resistance=connectivity("resistance.tif"),
        cores=connectivity("cores.tif"),
    output:
        current=connectivity("current.tif"),
        effective_resistance=connectivity("effective_resistance.csv"),
    log:
        logs("circuit/{scenario}/{species}"),
    benchmark:
        bench("circuit/{scenario}/{species}")
    conda:
        ENV
    threads: 1
    resources:
        mem_mb=6000,
        runtime=60,
    params:
        neighbours=config["connectivity"]["neighbours"],
        solver=config["connectivity"]["circuit_solver"],
        shorting=config["connectivity"]["circuit_shorting"],
    script:
        "../workflow/scripts/circuit.py"


rule graph:
    input:
        cores=connectivity("cores.gpkg"),
        links=connectivity("links.gpkg"),
        effective_resistance=connectivity("effective_resistance.csv"),
        landscape=connectivity("resistance.tif"),
    output:
        graphml=connectivity("graph.graphml"),
        indices=connectivity("indices.json"),
        nodes=connectivity("node_importance.csv"),
        link_importance=connectivity("link_importance.csv"),
        links_ranked=connectivity("links_ranked.gpkg"),
    log:
        logs("graph/{scenario}/{species}"),
    benchmark:
        bench("graph/{scenario}/{species}")
    conda:
        ENV
    threads: 1
    resources:
        mem_mb=2000,
        runtime=20,
    params:
        species=species_params,
    script:
        "../workflow/scripts/graph.py"
