#!/usr/bin/env bash
# Turn the public downloads of config/README.md's walkthrough into amurlink's inputs,
# with GDAL's command-line tools (gdal-bin; gdal_polygonize.py is in python3-gdal).
# Usage: bash config/prepare_downloads.sh DATA_DIR [lon_min lat_min lon_max lat_max]
# Writes, next to the downloads: copernicus_dem_glo30.vrt, roads_osm.gpkg, hansen_loss.gpkg.
set -euo pipefail
cd "$1"
BBOX=("${2:-130.3}" "${3:-42.4}" "${4:-131.9}" "${5:-43.9}")

# Copernicus DEM GLO-30: the 1 x 1 degree tiles as one virtual raster.
gdalbuildvrt -q copernicus_dem_glo30.vrt Copernicus_DSM_COG_10_*_DEM.tif

# OpenStreetMap: the `lines` layer of each Geofabrik extract (.osm.pbf or .osm), read
# inside the bounding box only.  OSM keeps `proposed=` and `construction=` in other_tags:
# both become planned roads (highway=proposed, their class in `proposed`), `*_link` its
# parent class; footways, steps, cycleways and other non-roads are left out.
rm -f roads_osm.gpkg
for extract in *-latest.osm.pbf *-latest.osm; do
  [ -e "$extract" ] || continue
  ogr2ogr -f GPKG -append -nln roads roads_osm.gpkg "$extract" -spat "${BBOX[@]}" \
    -dialect SQLite -sql "
      SELECT CASE WHEN highway = 'construction' THEN 'proposed'
                  ELSE replace(highway, '_link', '') END AS highway,
             name,
             coalesce(hstore_get_value(other_tags, 'proposed'),
                      hstore_get_value(other_tags, 'construction')) AS proposed,
             geometry
      FROM lines
      WHERE replace(highway, '_link', '') IN ('motorway', 'trunk', 'primary', 'secondary',
              'tertiary', 'unclassified', 'residential', 'track', 'path', 'service',
              'construction', 'proposed')"
done

# Hansen Global Forest Change lossyear (0 = no loss, N = loss in 2000 + N): clipped to
# the box, connected loss patches as polygons, with their year.
rm -f lossyear.vrt lossyear_amur.tif loss_patches.gpkg hansen_loss.gpkg
gdalbuildvrt -q lossyear.vrt Hansen_GFC-*_lossyear_*.tif
gdal_translate -q -projwin "${BBOX[0]}" "${BBOX[3]}" "${BBOX[2]}" "${BBOX[1]}" \
  lossyear.vrt lossyear_amur.tif
gdal_polygonize.py -q lossyear_amur.tif -f GPKG loss_patches.gpkg loss lossyear
ogr2ogr -f GPKG -nln logging hansen_loss.gpkg loss_patches.gpkg -dialect SQLite \
  -sql "SELECT 2000 + lossyear AS year, geom FROM loss WHERE lossyear > 0"
