"""Synthetic stand-ins for the public downloads of config/README.md's real-data walkthrough.

Each file has the real product's name, CRS, tiling, codes and columns, at a coarse
cell size and with made-up content, so the walkthrough's commands and config can be
followed as a new user would without downloading gigabytes:

- ESA WorldCover 10 m 2021 v200: a 3 x 3 degree tile ``ESA_WorldCover_10m_2021_v200_N42E129_Map.tif``
  (EPSG:4326, uint8 class codes 10-100);
- Copernicus DEM GLO-30: 1 x 1 degree tiles ``Copernicus_DSM_COG_10_N42_00_E130_00_DEM.tif``
  (EPSG:4326, float32 metres, no nodata: the sea is 0);
- Geofabrik extracts: ``far-eastern-fed-district-latest.osm.pbf`` and ``china-latest.osm.pbf``
  (written with osmium; ways tagged highway=*, including ``*_link``, ``service``, ``footway``,
  ``construction`` and ``proposed`` with its ``proposed=`` class);
- Hansen Global Forest Change 2023 v1.11: ``Hansen_GFC-2023-v1.11_lossyear_50N_130E.tif``
  (10 x 10 degree tile named by its north-west corner, uint8, 0 = no loss, N = 2000 + N);
- a GBIF simple download of both species (tab-separated Darwin Core, ``0001234-….csv``);
- Natural Earth 10 m ``ne_10m_admin_0_countries.shp`` and ``ne_10m_populated_places.shp``.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import rasterio
import shapely
from rasterio.transform import from_origin

GBIF_FILE = "0001234-261202120000000.csv"
#: The columns of a GBIF simple (tab-separated) download, in their order.
GBIF_COLUMNS = (
    "gbifID datasetKey occurrenceID kingdom phylum class order family genus species "
    "infraspecificEpithet taxonRank scientificName verbatimScientificName "
    "verbatimScientificNameAuthorship countryCode locality stateProvince occurrenceStatus "
    "individualCount publishingOrgKey decimalLatitude decimalLongitude "
    "coordinateUncertaintyInMeters coordinatePrecision elevation elevationAccuracy depth "
    "depthAccuracy eventDate day month year taxonKey speciesKey basisOfRecord institutionCode "
    "collectionCode catalogNumber recordNumber identifiedBy dateIdentified license "
    "rightsHolder recordedBy typeStatus establishmentMeans lastInterpreted mediaType issue"
).split()
BORDER_LON = 131.1  # a straight stand-in for the Russia-China border


def _tif(path, data, west, north, cell, nodata=None, **extra):
    profile = dict(
        driver="GTiff", width=data.shape[1], height=data.shape[0], count=1,
        dtype=data.dtype.name, crs="EPSG:4326", transform=from_origin(west, north, cell, cell),
        nodata=nodata, tiled=True, blockxsize=256, blockysize=256, compress="deflate", **extra,
    )  # fmt: skip
    with rasterio.open(path, "w", **profile) as dst:
        dst.write(data, 1)


def write_osm_pbf(path, ways: list[tuple[dict, list[tuple[float, float]]]], first_id: int = 100):
    """An .osm.pbf of ``ways`` ((tags, [(lon, lat), ...]); osmium, the test extra), node
    and way ids counted from ``first_id``; returns ``path``."""
    import osmium

    writer = osmium.SimpleWriter(str(path))
    nid = first_id
    for wid, (tags, coords) in enumerate(ways, start=first_id):
        refs = []
        for lon, lat in coords:
            writer.add_node(osmium.osm.mutable.Node(id=nid, location=(lon, lat), version=1))
            refs.append(nid)
            nid += 1
        writer.add_way(osmium.osm.mutable.Way(id=wid, nodes=refs, tags=tags, version=1))
    writer.close()
    return path


def make_downloads(d: Path, seed: int = 0) -> dict[str, Path]:
    """Write the stand-in downloads into ``d``; their paths by product."""
    d.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    # WorldCover: 3 x 3 degrees from 42N 129E, 1/400 degree cells (real: 1/12000).
    n = 1200
    lc = rng.choice(np.array([10, 10, 10, 20, 30, 40, 50, 80, 90], np.uint8), (n, n))
    wc = d / "ESA_WorldCover_10m_2021_v200_N42E129_Map.tif"
    _tif(wc, lc, 129, 45, 3 / n, nodata=0)
    # Copernicus DEM: four 1 x 1 degree tiles, 1/240 degree cells (real: 1/3600).
    dem_tiles = []
    for lat in (42, 43):
        for lon in (130, 131):
            m = 240
            y, x = np.mgrid[0:m, 0:m]
            z = (300 + 400 * np.sin((lon + x / m) * 3) * np.cos((lat + 1 - y / m) * 2)).astype(
                "float32"
            )
            tile = d / f"Copernicus_DSM_COG_10_N{lat:02d}_00_E{lon:03d}_00_DEM.tif"
            _tif(tile, np.clip(z, 0, None), lon, lat + 1, 1 / m)
            dem_tiles.append(tile)
    # Hansen lossyear: the 50N_130E tile (40-50N, 130-140E), 1/100 degree cells (real: 1/4000).
    k = 1000
    loss = np.zeros((k, k), np.uint8)
    for _ in range(60):
        r, c = rng.integers(610, 760), rng.integers(3, 190)
        loss[r : r + 3, c : c + 3] = rng.integers(1, 24)
    hansen = d / "Hansen_GFC-2023-v1.11_lossyear_50N_130E.tif"
    _tif(hansen, loss, 130, 50, 10 / k)
    # Geofabrik extracts: Russia's Far East east of the border, China west of it.
    kinds = ["primary", "primary_link", "secondary", "tertiary", "residential", "track",
             "service", "footway", "path", "unclassified"]  # fmt: skip
    ways_ru, ways_cn = [], []
    for i, kind in enumerate(kinds * 2):
        lat = 42.5 + 0.07 * i
        ways_ru.append(
            ({"highway": kind, "name": f"road {i}"}, [(131.2, lat), (131.8, lat + 0.05)])
        )
        ways_cn.append(({"highway": kind}, [(130.4, lat), (131.0, lat + 0.03)]))
    ways_cn.append(
        ({"highway": "construction", "construction": "secondary"}, [(130.5, 43.8), (130.9, 43.8)])
    )
    ways_cn.append(({"highway": "proposed", "proposed": "secondary", "name": "border road"},
                    [(131.05, 42.5), (131.05, 43.8)]))  # fmt: skip
    ru, cn = d / "far-eastern-fed-district-latest.osm.pbf", d / "china-latest.osm.pbf"
    write_osm_pbf(ru, ways_ru, 1_000_000)
    write_osm_pbf(cn, ways_cn, 2_000_000)
    # Natural Earth 10 m countries and populated places.
    countries = gpd.GeoDataFrame(
        {"ADMIN": ["China", "Russia"], "ISO_A3": ["CHN", "RUS"], "ADM0_A3": ["CHN", "RUS"],
         "NAME": ["China", "Russia"], "POP_EST": [1.4e9, 1.4e8]},
        geometry=[shapely.box(120, 38, BORDER_LON, 46), shapely.box(BORDER_LON, 42.3, 140, 50)],
        crs="EPSG:4326",
    )  # fmt: skip
    countries.to_file(d / "ne_10m_admin_0_countries.shp")
    places = gpd.GeoDataFrame(
        {"NAME": ["Hunchun", "Kraskino", "Slavyanka"], "ADM0NAME": ["China", "Russia", "Russia"],
         "POP_MAX": [250000, 3000, 12000]},
        geometry=[shapely.Point(130.37, 42.87), shapely.Point(130.79, 42.71), shapely.Point(131.38, 42.86)],
        crs="EPSG:4326",
    )  # fmt: skip
    places.to_file(d / "ne_10m_populated_places.shp")
    # GBIF: one download of both species, subspecies in scientificName as GBIF gives it.
    rows = []
    for sp, epithet, author, key in (("Panthera pardus", "orientalis", "(Schlegel, 1857)", 1111111),
                                     ("Panthera tigris", "altaica", "(Temminck, 1844)", 2222222)):  # fmt: skip
        for j in range(60):
            status = "ABSENT" if j == 0 else "PRESENT"
            rows.append({
                "gbifID": str(4_000_000_000 + len(rows)), "kingdom": "Animalia", "genus": sp.split()[0],
                "species": sp, "infraspecificEpithet": epithet, "taxonRank": "SUBSPECIES",
                "scientificName": f"{sp} {epithet} {author}", "countryCode": "RU",
                "occurrenceStatus": status, "individualCount": "1",
                "decimalLatitude": f"{rng.uniform(42.6, 43.7):.5f}",
                "decimalLongitude": f"{rng.uniform(130.5, 131.8):.5f}",
                "coordinateUncertaintyInMeters": f"{rng.choice([30, 100, 1000, 5000])}",
                "eventDate": f"{rng.integers(2005, 2024)}-0{rng.integers(1, 10)}-1{rng.integers(0, 10)}",
                "taxonKey": str(key), "speciesKey": str(key),
                "basisOfRecord": rng.choice(["MACHINE_OBSERVATION", "HUMAN_OBSERVATION"]),
                "license": "CC_BY_4_0",
            })  # fmt: skip
    gbif = pd.DataFrame(rows).astype(object).reindex(columns=GBIF_COLUMNS).fillna("")
    gbif.to_csv(d / GBIF_FILE, sep="\t", index=False)
    return {
        "worldcover": wc, "dem_tiles": dem_tiles, "hansen": hansen, "osm": [ru, cn],
        "countries": d / "ne_10m_admin_0_countries.shp",
        "places": d / "ne_10m_populated_places.shp", "gbif": d / GBIF_FILE,
    }  # fmt: skip
