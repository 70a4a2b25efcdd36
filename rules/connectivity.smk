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


rule pinchpoints:
    input:
        resistance=connectivity("resistance.tif"),
        cores=connectivity("cores.tif"),
        corridors=connectivity("corridors.tif"),
        links=connectivity("links.csv"),
    output:
        pinchpoints=connectivity("pinchpoints.tif"),
        table=connectivity("pinchpoints.csv"),
    log:
        logs("pinchpoints/{scenario}/{species}"),
    benchmark:
        bench("pinchpoints/{scenario}/{species}")
    conda:
        ENV
    threads: 1
    resources:
        mem_mb=6000,
        runtime=60,
    params:
        connectivity=config["connectivity"],
    script:
        "../workflow/scripts/pinchpoints.py"


rule barriers:
    input:
        resistance=connectivity("resistance.tif"),
        cores=connectivity("cores.tif"),
        links=connectivity("links.csv"),
    output:
        barriers=connectivity("barriers.tif"),
        table=connectivity("barriers.csv"),
    log:
        logs("barriers/{scenario}/{species}"),
    benchmark:
        bench("barriers/{scenario}/{species}")
    conda:
        ENV
    threads: 1
    resources:
        mem_mb=4000,
        runtime=30,
    params:
        connectivity=config["connectivity"],
    script:
        "../workflow/scripts/barriers.py"


rule graph:
    input:
        cores=connectivity("cores.gpkg"),
        links=connectivity("links.gpkg"),
        effective_resistance=connectivity("effective_resistance.csv"),
        landscape=connectivity("resistance.tif"),
        pinchpoints=connectivity("pinchpoints.csv"),
    output:
        graphml=connectivity("graph.graphml"),
        indices=connectivity("indices.json"),
        nodes=connectivity("node_importance.csv"),
        link_importance=connectivity("link_importance.csv"),
        links_ranked=connectivity("links_ranked.gpkg"),
        network=connectivity("network.gpkg"),
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


# ---------------------------------------------------------------------------
# Omniscape: wall-to-wall moving-window current flow on the coarse grid, per tile.
rule omniscape_inputs:
    input:
        resistance=baseline("resistance.tif"),
        suitability=habitat("suitability.tif"),
    output:
        resistance=baseline("omniscape/resistance.tif"),
        source=baseline("omniscape/source.tif"),
    log:
        logs("omniscape_inputs/{species}"),
    benchmark:
        bench("omniscape_inputs/{species}")
    conda:
        ENV
    threads: 1
    resources:
        mem_mb=3000,
        runtime=10,
    params:
        factor=omniscape_factor(),
    script:
        "../workflow/scripts/omniscape_inputs.py"


rule omniscape_tile:
    input:
        resistance=baseline("omniscape/resistance.tif"),
        source=baseline("omniscape/source.tif"),
    output:
        part=temp(baseline("omniscape/tiles/{tile}.tif")),
    log:
        logs("omniscape_tile/{species}/{tile}"),
    benchmark:
        bench("omniscape_tile/{species}/{tile}")
    wildcard_constraints:
        tile=r"r\d+c\d+",
    conda:
        ENV
    threads: 1
    resources:
        mem_mb=1500,
        runtime=60,
    params:
        omniscape=config["connectivity"]["omniscape"],
        tile_size=config["scale"]["tile_size_cells"],
        neighbours=config["connectivity"]["neighbours"],
    script:
        "../workflow/scripts/omniscape_tile.py"


rule omniscape_mosaic:
    input:
        parts=expand(
            baseline("omniscape/tiles/{tile}.tif"),
            tile=omniscape_tiles(),
            allow_missing=True,
        ),
        resistance=baseline("omniscape/resistance.tif"),
        fine=baseline("resistance.tif"),
    output:
        current=baseline("omniscape_current.tif"),
        flow_potential=baseline("flow_potential.tif"),
        normalised=baseline("normalised_current.tif"),
    log:
        logs("omniscape_mosaic/{species}"),
    benchmark:
        bench("omniscape_mosaic/{species}")
    conda:
        ENV
    threads: 1
    resources:
        mem_mb=3000,
        runtime=10,
    params:
        factor=omniscape_factor(),
        omniscape=config["connectivity"]["omniscape"],
    script:
        "../workflow/scripts/omniscape_mosaic.py"
