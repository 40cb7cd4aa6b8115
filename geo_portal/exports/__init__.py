"""Layer exports: door plates, buildings and villages as CSV, GeoJSON, GeoPackage or GeoParquet, streamed in chunks."""
