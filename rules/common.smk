# Helpers shared by every stage: paths, species, input functions, constraints.

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


def baseline(name):
    return connectivity(name, scenario="baseline")


def threats(name):
    return f"{RESULTS}/threats/{{species}}/{name}"


def outputs(name):
    return f"{RESULTS}/outputs/{name}"


def user_input(key):
    """Path of a configured input (the demo rule writes them when the demo is on)."""
    return config["inputs"][key]


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


def species_params(wildcards):
    return {"key": wildcards.species, **config["species"][wildcards.species]}


def final_outputs():
    per_species = [
        habitat("suitability.tif"),
        habitat("habitat.tif"),
        habitat("metrics.json"),
        baseline("resistance.tif"),
        baseline("corridors.tif"),
        baseline("current.tif"),
        baseline("graph.graphml"),
        threats("threats.gpkg"),
        outputs("maps/{species}.png"),
    ]
    per_scenario = expand(
        connectivity("indices.json"), scenario=SCENARIOS, species="{species}"
    )
    return expand(per_species + per_scenario, species=SPECIES) + [
        outputs("amurlink.gpkg")
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
