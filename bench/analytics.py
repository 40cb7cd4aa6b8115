"""Planners' analysis benchmark, run by ``python -m bench`` on the platform's database with the real data loaded
(``demo_setup``): all plates into a GeoDataFrame through ``geo_portal.analytics`` vs ``geopandas.read_postgis``
with a hand-written query (same columns and joins; target ≤ 1.2×), export throughput per format, and the
execution time of each notebook. Prints one JSON object on stdout.
"""

from __future__ import annotations

import json
import os
import statistics
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RUNS = 5

HAND_WRITTEN = """
SELECT p.id, p.address, d.code AS district_code, r.name AS road, p.area, p.lane, p.alley, p.number_prefix, p.number,
       p.sub_number, p.number_suffix, p.floor, p.floor_unit, p.floor_sub, p.zip_code, v.code AS village_code,
       v.name AS village, n.number AS neighborhood, p.status, p.condition, p.last_checked_on, p.geom
FROM addresses_doorplate p
JOIN areas_district d ON d.id = p.district_id
LEFT JOIN areas_road r ON r.id = p.road_id
LEFT JOIN areas_village v ON v.id = p.village_id
LEFT JOIN areas_neighborhood n ON n.id = p.neighborhood_id
WHERE p.status = 'active' ORDER BY p.id"""

MINIMAL = "SELECT id, address, geom FROM addresses_doorplate WHERE status = 'active'"


def _median_seconds(fn) -> tuple[float, int]:
    samples, rows = [], 0
    for _ in range(RUNS):
        start = time.perf_counter()
        rows = len(fn())
        samples.append(time.perf_counter() - start)
    return statistics.median(samples), rows


def load_comparison() -> dict:
    import geopandas as gpd

    from geo_portal import analytics

    engine = analytics.engine()
    gpd.read_postgis(MINIMAL, engine, geom_col="geom")  # warm the connection and PostgreSQL's buffers
    cases = {
        "geo_portal.analytics.plates()": lambda: analytics.plates(),
        "geopandas.read_postgis, hand-written query (same columns)": lambda: gpd.read_postgis(
            HAND_WRITTEN, engine, geom_col="geom", crs=3826
        ),
        "geopandas.read_postgis, id + address + geom only": lambda: gpd.read_postgis(MINIMAL, engine, geom_col="geom"),
        "geo_portal.analytics.villages() (53 villages, statistics)": lambda: analytics.villages(),
    }
    out = {}
    for name, fn in cases.items():
        seconds, rows = _median_seconds(fn)
        out[name] = {"rows": rows, "seconds": seconds}
    return out


def notebook_times() -> dict:
    import nbformat
    from nbclient import NotebookClient

    out = {}
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        book = nbformat.read(path, as_version=4)
        start = time.perf_counter()
        NotebookClient(book, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(ROOT)}}).execute()
        out[path.name] = time.perf_counter() - start
    return out


def export_throughput() -> list[dict]:
    from bench.exports import benchmark

    return benchmark("plates")


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "geo_portal.config.settings.local")
    from geo_portal import analytics

    analytics.setup()
    result = {"load": load_comparison(), "exports": export_throughput(), "notebooks": notebook_times()}
    print(json.dumps(result, ensure_ascii=False, default=str))


if __name__ == "__main__":
    main()
