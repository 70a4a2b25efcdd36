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
        window_size=config_provider("scale", "window_cells"),
        code=code_hash("connectivity"),
    script:
        "../workflow/scripts/resistance.py"


rule connectivity_grid:
    input:
        resistance=connectivity("resistance.tif"),
        habitat=habitat("habitat.tif"),
        suitability=habitat("suitability.tif"),
        country=prepared("country.tif"),
        pressures=prepared("pressures/{scenario}.tif"),
        baseline_pressures=prepared("pressures/baseline.tif"),
    output:
        resistance=on_grid("resistance.tif"),
        habitat=on_grid("habitat.tif"),
        suitability=on_grid("suitability.tif"),
        country=on_grid("country.tif"),
    log:
        logs("connectivity_grid/{scenario}/{species}"),
    benchmark:
        bench("connectivity_grid/{scenario}/{species}")
    conda:
        ENV
    threads: 1
    resources:
        mem_mb=2000,
        runtime=20,
    params:
        factor=GRIDS.connectivity_factor,
        code=code_hash(
            "connectivity", "outputs.styles", "outputs.palette", "prepare.footprints"
        ),
    script:
        "../workflow/scripts/connectivity_grid.py"


rule cores:
    input:
        habitat=on_grid("habitat.tif"),
        suitability=on_grid("suitability.tif"),
        country=on_grid("country.tif"),
    output:
        cores=on_grid("cores.tif"),
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
        species=species_params("min_core_km2"),
        code=code_hash("connectivity"),
    script:
        "../workflow/scripts/cores.py"


rule corridors:
    input:
        resistance=on_grid("resistance.tif"),
        cores=on_grid("cores.tif"),
        polygons=connectivity("cores.gpkg"),
        countries=prepared("countries.gpkg"),
    output:
        corridors=on_grid("corridors.tif"),
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
        connectivity=config_subset(
            "connectivity",
            only=[
                "max_link_cwd_km",
                "corridor_width_km",
                "neighbours",
                "drop_through_cores",
            ],
        ),
        code=code_hash("connectivity"),
    script:
        "../workflow/scripts/corridors.py"


# ---------------------------------------------------------------------------
rule circuit:
    input:
        resistance=on_grid("resistance.tif"),
        cores=on_grid("cores.tif"),
    output:
        current=on_grid("current.tif"),
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
        neighbours=config_provider("connectivity", "neighbours"),
        solver=config_provider("connectivity", "circuit_solver"),
        shorting=config_provider("connectivity", "circuit_shorting"),
        code=code_hash("connectivity"),
    script:
        "../workflow/scripts/circuit.py"


rule pinchpoints:
    input:
        resistance=on_grid("resistance.tif"),
        cores=on_grid("cores.tif"),
        corridors=on_grid("corridors.tif"),
        links=connectivity("links.csv"),
    output:
        pinchpoints=on_grid("pinchpoints.tif"),
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
        connectivity=config_subset(
            "connectivity",
            only=[
                "corridor_width_km",
                "neighbours",
                "circuit_solver",
                "circuit_shorting",
            ],
        ),
        code=code_hash("connectivity"),
    script:
        "../workflow/scripts/pinchpoints.py"


rule barriers:
    input:
        resistance=on_grid("resistance.tif"),
        cores=on_grid("cores.tif"),
        links=connectivity("links.csv"),
    output:
        barriers=on_grid("barriers.tif"),
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
        connectivity=config_subset(
            "connectivity",
            only=["barrier_radii_m", "restored_resistance", "neighbours"],
        ),
        code=code_hash("connectivity"),
    script:
        "../workflow/scripts/barriers.py"


rule graph:
    input:
        cores=connectivity("cores.gpkg"),
        links=connectivity("links.gpkg"),
        effective_resistance=connectivity("effective_resistance.csv"),
        landscape=on_grid("resistance.tif"),
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
        species=species_params("dispersal_km"),
        code=code_hash("connectivity"),
    script:
        "../workflow/scripts/graph.py"


rule to_habitat_grid:
    input:
        coarse=on_grid("{product}.tif"),
        habitat=habitat("habitat.tif"),
    output:
        fine=connectivity("{product}.tif"),
    log:
        logs("to_habitat_grid/{scenario}/{species}/{product}"),
    benchmark:
        bench("to_habitat_grid/{scenario}/{species}/{product}")
    wildcard_constraints:
        product="cores|corridors|current|pinchpoints|barriers",
    conda:
        ENV
    threads: 1
    resources:
        mem_mb=1500,
        runtime=10,
    params:
        factor=GRIDS.connectivity_factor,
        code=code_hash(),
    script:
        "../workflow/scripts/to_habitat_grid.py"


# ---------------------------------------------------------------------------
# Omniscape: wall-to-wall moving-window current flow on the coarse grid, per tile.
rule omniscape_inputs:
    input:
        resistance=on_grid("resistance.tif", scenario="baseline"),
        suitability=on_grid("suitability.tif", scenario="baseline"),
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
        factor=GRIDS.omniscape_factor,
        code=code_hash("connectivity"),
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
        mem_mb=config["scale"]["tile_mem_mb"]["omniscape"],
        runtime=60,
    params:
        omniscape=config_subset(
            "connectivity", "omniscape", only=["radius_km", "block_size"]
        ),
        tile_size=config_provider("scale", "tile_size_cells"),
        neighbours=config_provider("connectivity", "neighbours"),
        solver=config_provider("connectivity", "circuit_solver"),
        code=code_hash("connectivity"),
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
        habitat=habitat("habitat.tif"),
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
        factor=GRIDS.omniscape_factor,
        connectivity_factor=GRIDS.connectivity_factor,
        omniscape=config_subset(
            "connectivity", "omniscape", only=["radius_km", "block_size"]
        ),
        code=code_hash("connectivity"),
    script:
        "../workflow/scripts/omniscape_mosaic.py"
