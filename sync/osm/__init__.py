"""OpenStreetMap output: JOSM and osmChange files, duplicates check against OSM data, reviewed upload."""
