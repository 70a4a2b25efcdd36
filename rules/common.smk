# Helpers shared by every stage: paths, species, input functions, constraints.

RESULTS = "results"
SPECIES = list(config["species"])
ENV = "../envs/amurlink.yaml"


wildcard_constraints:
    species="|".join(SPECIES),


def logs(name):
    """Log file of a rule (with its wildcards in the name)."""
    return f"{RESULTS}/logs/{name}.log"


def bench(name):
    return f"{RESULTS}/benchmarks/{name}.tsv"


def prepared(name):
    return f"{RESULTS}/prepare/{name}"


def habitat(name):
    return f"{RESULTS}/habitat/{{species}}/{name}"


def connectivity(name):
    return f"{RESULTS}/connectivity/{{species}}/{name}"


def threats(name):
    return f"{RESULTS}/threats/{{species}}/{name}"


def outputs(name):
    return f"{RESULTS}/outputs/{name}"


def user_input(key):
    """Path of a configured input (the demo rule writes them when the demo is on)."""
    return config["inputs"][key]


def camera_stations():
    path = config["inputs"].get("camera_stations")
    return [path] if path else []


def species_params(wildcards):
    return {"key": wildcards.species, **config["species"][wildcards.species]}


def final_outputs():
    per_species = [
        habitat("suitability.tif"),
        habitat("habitat.tif"),
        habitat("metrics.json"),
        connectivity("resistance.tif"),
        connectivity("corridors.tif"),
        connectivity("current.tif"),
        connectivity("graph.graphml"),
        threats("threats.gpkg"),
        outputs("maps/{species}.png"),
    ]
    return expand(per_species, species=SPECIES) + [outputs("amurlink.gpkg")]


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
