# Helpers shared by every stage: paths, species, input functions, constraints.

import functools
import glob

RESULTS = "results"
SPECIES = list(config["species"])
SCENARIOS = ["baseline", *config["scenarios"]]
ENV = "../envs/amurlink.yaml"


wildcard_constraints:
    species="|".join(SPECIES),
    scenario="|".join(SCENARIOS),


def logs(name):
    """Log file of a rule (with its wildcards in the name)."""
    return f"{RESULTS}/logs/{name}.log"


def bench(name):
    return f"{RESULTS}/benchmarks/{name}.tsv"


def prepared(name):
    return f"{RESULTS}/prepare/{name}"


def habitat(name):
    return f"{RESULTS}/habitat/{{species}}/{name}"


def connectivity(name, scenario="{scenario}"):
    """A connectivity product of a scenario (``baseline`` is the landscape as it is)."""
    return f"{RESULTS}/connectivity/{scenario}/{{species}}/{name}"


def on_grid(name, scenario="{scenario}"):
    """A product on the connectivity grid (``connectivity.resolution_m``), before resampling."""
    return connectivity(f"grid/{name}", scenario=scenario)


def baseline(name):
    return connectivity(name, scenario="baseline")


def threats(name):
    return f"{RESULTS}/threats/{{species}}/{name}"


def outputs(name):
    return f"{RESULTS}/outputs/{name}"


def user_input(key):
    """Path of a configured input (the demo rule writes them when the demo is on)."""
    return config["inputs"][key]


def input_files(key):
    """Files of a configured input as a list: a list as given, a glob expanded (sorted).

    A pattern matching nothing is kept as it is, so that Snakemake names it as missing.
    """
    value = config["inputs"].get(key)
    if not value:
        return []
    if not isinstance(value, str):
        return list(value)
    if glob.has_magic(value):
        return sorted(glob.glob(value)) or [value]
    return [value]


def landcover_fractions():
    """The class-fraction raster, as a named file, when land cover is aggregated by fractions."""
    if config["inputs"].get("landcover_aggregation", "fractions") != "fractions":
        return {}
    return {"fractions": prepared("landcover_fractions.tif")}


def optional_input(key):
    """A configured optional input as a list: empty when the config leaves it out."""
    path = config["inputs"].get(key)
    return [path] if path else []


def camera_stations():
    return optional_input("camera_stations")


def scenario_changes(wildcards):
    if wildcards.scenario == "baseline":
        return []
    return config["scenarios"][wildcards.scenario]["changes"]


def scenario_files(wildcards):
    """Files a scenario's changes read, in the order of the changes."""
    return [c["file"] for c in scenario_changes(wildcards) if c.get("file")]


# ------------------------------------------------------------------ params
# A rule's params hold only the values its script reads: Snakemake reruns a job whose
# params changed, so a whole config block would rerun it (and everything after it) when
# any key of the block changes, e.g. the Omniscape radius rerunning resistance.


def config_provider(*keys, default=None):
    """A params function returning ``config[keys[0]][keys[1]]...`` (as PyPSA-Eur's).

    ``default`` when a key is missing (the schema's defaults are filled in by the
    Snakefile's ``validate``, so only keys without a default can be).
    """

    def value(wildcards):
        node = config
        for key in keys:
            if not isinstance(node, dict) or key not in node:
                return default
            node = node[key]
        return node

    return value


def config_subset(*keys, only):
    """A params function: the config section at ``keys`` with only the keys ``only``.

    For a script that hands a section to a library function as a mapping (e.g.
    ``threats.flag_threats(config=...)``): the mapping holds what the function reads.
    """

    def value(wildcards):
        section = config_provider(*keys, default={})(wildcards)
        return {key: section[key] for key in only if key in section}

    return value


def species_params(*keys):
    """A params function: the species of the job (``key``) and only these of its settings."""

    def params(wildcards):
        settings = config["species"][wildcards.species]
        return {
            "key": wildcards.species,
            **{key: settings[key] for key in keys if key in settings},
        }

    return params


def road_groups(wildcards):
    """Names of the road groups (``covariates.road_classes``), without their OSM classes."""
    return list(config["covariates"]["road_classes"])


def scenario_description(wildcards):
    return config["scenarios"][wildcards.scenario].get("description", "")


@functools.cache  # one hash per package set per parse, not one per rule
def code_hash(*packages):
    """The ``code`` param: a hash of amurlink.core and ``packages``, the library code the
    rule's script runs (packages such as ``"connectivity"`` or modules such as
    ``"outputs.styles"``).

    Editing a file of them changes the param, so Snakemake reruns the rule's jobs (and
    their dependents) but not the rules that run other packages
    (amurlink.core.provenance; tests/test_rules.py checks each rule names every package
    its script imports).
    """
    from amurlink.core.provenance import package_hash

    return package_hash(*packages)


def final_outputs():
    per_species = [
        habitat("suitability.tif"),
        habitat("habitat.tif"),
        habitat("metrics.json"),
        habitat("uncertainty.tif"),
        habitat("mess.tif"),
        habitat("clamping.tif"),
        habitat("response_curves.png"),
        habitat("importance.png"),
        baseline("resistance.tif"),
        baseline("corridors.tif"),
        baseline("current.tif"),
        baseline("graph.graphml"),
        baseline("network.gpkg"),
        baseline("pinchpoints.tif"),
        baseline("barriers.tif"),
        threats("threats.gpkg"),
        threats("impacts.csv"),
        threats("plan.csv"),
        outputs("maps/{species}.png"),
    ]
    if config["connectivity"]["omniscape"]["enabled"]:
        per_species += [
            baseline("omniscape_current.tif"),
            baseline("flow_potential.tif"),
            baseline("normalised_current.tif"),
        ]
    per_scenario = expand(
        connectivity("indices.json"), scenario=SCENARIOS, species="{species}"
    )
    # scenarios compared with the baseline: comparison, link table, map
    compared = expand(
        [
            f"{RESULTS}/scenarios/{{scenario}}/{{species}}/comparison.json",
            f"{RESULTS}/scenarios/{{scenario}}/{{species}}/links.csv",
            outputs("maps/scenario_{scenario}_{species}.png"),
        ],
        scenario=SCENARIOS[1:],
        species="{species}",
    )
    return expand(per_species + per_scenario + compared, species=SPECIES) + [
        outputs("amurlink.gpkg"),
        outputs("brief.html"),
        outputs("amurlink.qgz"),
        outputs("amurlink_public.qgz"),
    ]


DEMO_CREDITS = (
    "Natural Earth (public domain); synthetic demo data (amurlink demo generator)"
)
DATA_CREDITS = (
    "Natural Earth (public domain); roads (c) OpenStreetMap contributors (ODbL); "
    "ESA WorldCover (CC BY 4.0); see config/README.md for the other inputs"
)


def map_credits():
    """Data credits printed on maps: the config's, or the demo's or real data's default."""
    if config["outputs"]["credits"]:
        return config["outputs"]["credits"]
    return DEMO_CREDITS if config["demo"]["enabled"] else DATA_CREDITS


def styled_rasters():
    """Every raster a planner opens: the final rasters, prepared layers, scenario rasters.

    Each gets a .qml beside it and a place in the QGIS project (amurlink.outputs.qgis_project
    groups them by their place in the results tree).
    """
    final = [f for f in final_outputs() if f.endswith(".tif")]
    prepared_rasters = [
        prepared(name)
        for name in ("landcover.tif", "dem.tif", "country.tif", "covariates.tif")
    ]
    scenario_rasters = expand(
        connectivity("{name}.tif"),
        scenario=SCENARIOS[1:],
        species=SPECIES,
        name=["corridors", "current", "resistance"],
    )
    pressures = expand(prepared("pressures/{scenario}.tif"), scenario=SCENARIOS)
    return list(dict.fromkeys(final + scenario_rasters + prepared_rasters + pressures))


# ------------------------------------------------------------------ input check
# The config's own consistency (extent order, grid resolutions, scenario changes) and,
# for real data, that every configured file exists: checked when the workflow is parsed,
# so a mistake there stops the run at once with one line.  The files' contents are
# checked by rule check_inputs (rules/check.smk), which every rule reading them waits for.
CHECKED = f"{RESULTS}/checks/inputs.ok"
CHECK_REPORT = f"{RESULTS}/checks/inputs_report.txt"


def _check_config():
    from amurlink.core.errors import InputError
    from amurlink.core.io.inputs import FILE_KEYS, missing_files
    from amurlink.prepare.checks import check_config, scenario_files

    try:
        warnings = check_config(config)
    except InputError as err:
        raise WorkflowError(str(err)) from None
    files = [(f"scenarios.{n}", f) for n, _, f in scenario_files(config["scenarios"])]
    if not config["demo"]["enabled"]:  # else the demo rule writes the inputs
        inputs = config["inputs"]
        files = [(f"inputs.{k}", inputs.get(k)) for k in FILE_KEYS] + files
    missing = missing_files(files)
    if missing:
        key, path = missing[0]
        more = f" (and {len(missing) - 1} more)" if len(missing) > 1 else ""
        raise WorkflowError(f"config {key}: {path}: file not found{more}")
    return warnings


CONFIG_WARNINGS = _check_config()


def checked(wildcards=None):
    """The input check's flag, as an input of every rule reading a configured input.

    ``ancient``: the rule waits for the check and fails with it, but a check that is
    merely rerun (its code or report changed) does not rerun everything after it;
    changed inputs rerun their rules through the inputs themselves.
    """
    return ancient(CHECKED)


def all_scenario_files():
    """Every file a scenario change reads (amurlink.prepare.checks.scenario_files)."""
    from amurlink.prepare.checks import scenario_files

    return [path for _, _, path in scenario_files(config["scenarios"])]


def species_names(wildcards):
    """Each species' name and synonyms (what the sightings are matched by), by key."""
    return {
        key: {"name": sp["name"], "synonyms": sp.get("synonyms", [])}
        for key, sp in config["species"].items()
    }


# The grids (amurlink.core.grids), computed once from the config; the tile lists follow
# from them, known before any job runs.
def _analysis_grids():
    from amurlink.core.grids import analysis_grids

    connectivity = config["connectivity"]
    return analysis_grids(
        config["study_area"],
        connectivity["resolution_m"],
        connectivity["omniscape"]["resolution_m"],
    )


GRIDS = _analysis_grids()


def covariate_tile_size():
    """Covariate tile edge; the whole grid when the distances are global (no cap)."""
    if config["covariates"]["max_distance_m"] is None:
        return max(GRIDS.habitat.shape)
    return config["scale"]["covariate_tile_cells"]


def covariate_tiles():
    from amurlink.core.tiles import tile_names

    return tile_names(GRIDS.habitat.shape, covariate_tile_size())


def prediction_tiles():
    from amurlink.core.tiles import tile_names

    return tile_names(GRIDS.habitat.shape, config["scale"]["predict_tile_cells"])


def omniscape_tiles():
    from amurlink.core.tiles import tile_names

    return tile_names(GRIDS.omniscape.shape, config["scale"]["tile_size_cells"])
