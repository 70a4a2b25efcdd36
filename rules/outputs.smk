# Outputs: one GeoPackage of the results, print maps per species and scenario,
# scenario comparisons and the policy brief.
# Quick jobs (plots, packaging) are local rules: they run on the submit host, not as
# cluster jobs (``localrule: True`` rather than a ``localrules:`` list, which does not
# follow the rules when the workflow is a module with renamed rules).
# Sightings reach public outputs only as counts per generalised grid cell (geopackage).

# Scenarios compared with the baseline (a regex matching nothing when there are none).
NON_BASELINE = "|".join(SCENARIOS[1:]) or "(?!x)x"


# Per-scenario products: results/scenarios/{scenario}/{species}/...
SCENARIO_OUT = f"{RESULTS}/scenarios/{{scenario}}/{{species}}/"


rule geopackage:
    input:
        cores=expand(baseline("cores.gpkg"), species=SPECIES),
        links=expand(baseline("links_ranked.gpkg"), species=SPECIES),
        corridors=expand(on_grid("corridors.tif", scenario="baseline"), species=SPECIES),
        threats=expand(threats("threats.gpkg"), species=SPECIES),
        impacts=expand(threats("impacts.csv"), species=SPECIES),
        robustness=expand(threats("robustness.csv"), species=SPECIES),
        plans=expand(threats("plan.gpkg"), species=SPECIES),
        # internal: only counts per generalised grid cell are written
        presences=expand(habitat("presences.csv"), species=SPECIES),
        countries=prepared("countries.gpkg"),
        roads=prepared("roads.gpkg"),
        settlements=prepared("settlements.gpkg"),
    output:
        gpkg=outputs("amurlink.gpkg"),
    log:
        logs("geopackage"),
    benchmark:
        bench("geopackage")
    localrule: True
    conda:
        ENV
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    params:
        species=SPECIES,
        generalise_km=config_provider("sightings", "generalise_km"),
        code=code_hash(
            "outputs", "prepare", "connectivity.corridors", "connectivity.progress"
        ),
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
        impacts=threats("impacts.csv"),
        countries=prepared("countries.gpkg"),
    output:
        png=report(
            outputs("maps/{species}.png"),
            caption="../workflow/report/map_species.rst",
            category="Maps",
            subcategory="Species",
            labels={"species": "{species}", "map": "habitat, corridors, threats"},
        ),
        pdf=outputs("maps/{species}.pdf"),
    log:
        logs("map_species/{species}"),
    benchmark:
        bench("map_species/{species}")
    localrule: True
    conda:
        ENV
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    params:
        species=species_params("name"),
        top_n=config_provider("threats", "top_n"),
        credits=map_credits(),
        date=config_provider("outputs", "date"),
        model=config_provider("habitat", "model"),
        code=code_hash(
            "outputs", "prepare", "connectivity.corridors", "connectivity.progress"
        ),
    script:
        "../workflow/scripts/map_species.py"


rule compare_scenario:
    input:
        baseline_cores=on_grid("cores.tif", scenario="baseline"),
        scenario_cores=on_grid("cores.tif"),
        baseline_links=baseline("link_importance.csv"),
        scenario_links=connectivity("link_importance.csv"),
        baseline_indices=baseline("indices.json"),
        scenario_indices=connectivity("indices.json"),
    output:
        json=report(
            f"{SCENARIO_OUT}comparison.json",
            caption="../workflow/report/comparison.rst",
            category="Scenarios",
            subcategory="{scenario}",
            labels={"species": "{species}", "table": "comparison (JSON)"},
        ),
        links=report(
            f"{SCENARIO_OUT}links.csv",
            caption="../workflow/report/scenario_links.rst",
            category="Scenarios",
            subcategory="{scenario}",
            labels={"species": "{species}", "table": "links"},
        ),
        new_links=f"{SCENARIO_OUT}new_links.csv",
    log:
        logs("compare_scenario/{scenario}/{species}"),
    benchmark:
        bench("compare_scenario/{scenario}/{species}")
    wildcard_constraints:
        scenario=NON_BASELINE,
    conda:
        ENV
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    params:
        description=scenario_description,
        code=code_hash("threats"),
    script:
        "../workflow/scripts/compare_scenario.py"


rule map_scenario:
    input:
        comparison=f"{SCENARIO_OUT}comparison.json",
        link_status=f"{SCENARIO_OUT}links.csv",
        new_links=f"{SCENARIO_OUT}new_links.csv",
        baseline_corridors=baseline("corridors.tif"),
        scenario_corridors=connectivity("corridors.tif"),
        baseline_cores=baseline("cores.tif"),
        baseline_links=baseline("links_ranked.gpkg"),
        scenario_links=connectivity("links_ranked.gpkg"),
        scenario_cores=connectivity("cores.gpkg"),
        baseline_pressures=prepared("pressures/baseline.tif"),
        scenario_pressures=prepared("pressures/{scenario}.tif"),
        roads=prepared("roads.gpkg"),
        countries=prepared("countries.gpkg"),
    output:
        png=report(
            outputs("maps/scenario_{scenario}_{species}.png"),
            caption="../workflow/report/map_scenario.rst",
            category="Scenarios",
            subcategory="{scenario}",
            labels={"species": "{species}", "map": "baseline vs scenario"},
        ),
        pdf=outputs("maps/scenario_{scenario}_{species}.pdf"),
    log:
        logs("map_scenario/{scenario}/{species}"),
    benchmark:
        bench("map_scenario/{scenario}/{species}")
    wildcard_constraints:
        scenario=NON_BASELINE,
    localrule: True
    conda:
        ENV
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    params:
        species=species_params(),
        description=scenario_description,
        credits=map_credits(),
        date=config_provider("outputs", "date"),
        code=code_hash(
            "outputs",
            "prepare",
            "connectivity.cores",
            "connectivity.corridors",
            "connectivity.progress",
        ),
    script:
        "../workflow/scripts/map_scenario.py"


rule brief:
    input:
        countries=prepared("countries.gpkg"),
        country=prepared("country.tif"),
        habitat=expand(habitat("habitat.tif"), species=SPECIES),
        cores=expand(baseline("cores.gpkg"), species=SPECIES),
        indices=expand(baseline("indices.json"), species=SPECIES),
        links=expand(baseline("link_importance.csv"), species=SPECIES),
        threats=expand(threats("threats.csv"), species=SPECIES),
        cross_border=expand(threats("cross_border_links.csv"), species=SPECIES),
        impacts=expand(threats("impacts.csv"), species=SPECIES),
        robustness=expand(threats("robustness.csv"), species=SPECIES),
        plans=expand(threats("plan.csv"), species=SPECIES),
        comparisons=expand(
            f"{SCENARIO_OUT}comparison.json",
            scenario=SCENARIOS[1:],
            species=SPECIES,
        ),
        link_changes=expand(
            f"{SCENARIO_OUT}links.csv",
            scenario=SCENARIOS[1:],
            species=SPECIES,
        ),
        scenario_cores=expand(
            connectivity("cores.gpkg"),
            scenario=SCENARIOS[1:],
            species=SPECIES,
        ),
        maps=expand(outputs("maps/{species}.png"), species=SPECIES),
        scenario_maps=expand(
            outputs("maps/scenario_{scenario}_{species}.png"),
            scenario=SCENARIOS[1:],
            species=SPECIES,
        ),
        roads=prepared("roads.gpkg"),
    output:
        html=report(
            outputs("brief.html"),
            caption="../workflow/report/brief.rst",
            category="Brief",
        ),
        pdf=outputs("brief.pdf"),
        tables=directory(outputs("brief_tables")),
    log:
        logs("brief"),
    benchmark:
        bench("brief")
    localrule: True
    conda:
        ENV
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    params:
        species={k: config["species"][k]["name"] for k in SPECIES},
        scenarios=SCENARIOS[1:],
        scenario_descriptions={
            k: v.get("description", "") for k, v in config["scenarios"].items()
        },
        top_n=config_provider("threats", "top_n"),
        credits=map_credits(),
        date=config_provider("outputs", "date"),
        demo=config_provider("demo", "enabled"),
        robustness_sd=config_provider("threats", "robustness", "suitability_sd"),
        robustness_c=config_provider("threats", "robustness", "shape_c"),
        code=code_hash("outputs", "connectivity.cores", "prepare"),
    script:
        "../workflow/scripts/brief.py"


# ------------------------------------------------- QGIS: styles beside rasters, projects


rule raster_styles:
    input:
        rasters=styled_rasters(),
    output:
        qml=[raster.removesuffix(".tif") + ".qml" for raster in styled_rasters()],
    log:
        logs("raster_styles"),
    benchmark:
        bench("raster_styles")
    localrule: True
    conda:
        ENV
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        code=code_hash("outputs"),
    script:
        "../workflow/scripts/raster_styles.py"


rule qgis_project:
    input:
        gpkg=outputs("amurlink.gpkg"),
        rasters=styled_rasters(),
        styles=rules.raster_styles.output.qml,
    output:
        qgz=outputs("amurlink.qgz"),
        public_qgz=outputs("amurlink_public.qgz"),
        # the public project's rasters: outputs/ alone opens in QGIS
        public_rasters=directory(outputs("public")),
    log:
        logs("qgis_project"),
    benchmark:
        bench("qgis_project")
    localrule: True
    conda:
        ENV
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        title="amurlink: Amur leopard and tiger habitat, corridors and threats",
        species=SPECIES,
        code=code_hash("outputs"),
    script:
        "../workflow/scripts/qgis_project.py"
