"""Import benchmark (``make bench``): our validated door-plate import vs ogr2ogr vs raw COPY, same run.

Each contestant runs as its own process against a fresh benchmark database on the same PostgreSQL server, so
wall time and peak memory (``wait4`` rusage of that process) are comparable. Prints a table and writes
``gis_data/bench/results.json``. Options: ``--plates N`` for the generated data set (default 1,000,000).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import parse_qs, urlparse

ROOT = Path(__file__).resolve().parents[1]
REAL_PLATES = "doorplates/hsinchu_east_doorplates_2026-06.csv"
BENCH_DB = "geo_portal_bench"


def _db_url() -> str:
    url = os.environ.get("DATABASE_URL") or f"postgis://postgres@/geo_portal?host={ROOT / '.data' / 'run'}&port=5433"
    parsed = urlparse(url)
    return parsed._replace(path=f"/{BENCH_DB}").geturl()


def _pg_args(url: str) -> dict[str, str]:
    parsed = urlparse(url)
    query = parse_qs(parsed.query)
    return {
        "host": (query.get("host") or [parsed.hostname or ""])[0],
        "port": str((query.get("port") or [parsed.port or 5432])[0]),
        "user": parsed.username or "postgres",
        "dbname": parsed.path.lstrip("/"),
    }


def _psql(url: str, sql: str, dbname: str | None = None) -> None:
    a = _pg_args(url)
    subprocess.run(
        [
            "psql",
            "-X",
            "-q",
            "-v",
            "ON_ERROR_STOP=1",
            "-h",
            a["host"],
            "-p",
            a["port"],
            "-U",
            a["user"],
            "-d",
            dbname or a["dbname"],
            "-c",
            sql,
        ],
        check=True,
        capture_output=True,
        text=True,
    )


def _timed(cmd: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Run a command; return (seconds, peak RSS in MB) of that process alone."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT)
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - start
    out, err = proc.stdout.read().decode(), proc.stderr.read().decode()
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"{' '.join(cmd[:3])} failed:\n{out}\n{err}")
    return seconds, usage.ru_maxrss / 1024


def _fresh_db(url: str, env: dict[str, str]) -> None:
    _psql(url, f"DROP DATABASE IF EXISTS {BENCH_DB}", dbname="postgres")
    _psql(url, f"CREATE DATABASE {BENCH_DB}", dbname="postgres")
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], env=env, cwd=ROOT, check=True)


def _manage(*args: str) -> list[str]:
    return [sys.executable, "manage.py", *args, "-v0"]


def run(plates: int) -> list[dict]:
    url = _db_url()
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "geo_portal.config.settings.local"}
    real = Path(os.environ.get("GEO_PORTAL_SHARED_DATA", ROOT.parent / "shared" / "data" / "real"))
    reports = ROOT / "gis_data" / "bench" / "reports"
    reports.mkdir(parents=True, exist_ok=True)
    results = []
    pg = _pg_args(url)
    pg_conn = f"PG:dbname={BENCH_DB} host={pg['host']} port={pg['port']} user={pg['user']}"

    if (real / REAL_PLATES).is_file():
        rows = 108_172
        _fresh_db(url, env)
        subprocess.run(
            _manage("load_villages", str(real / "boundaries/hsinchu_city_villages_moi_nlsc_20230928_attributes.csv")),
            env=env,
            cwd=ROOT,
            check=True,
            capture_output=True,
        )
        subprocess.run(
            _manage(
                "load_boundaries",
                str(real / "boundaries/DERIVED_hsinchu_east_villages_from_stat_areas.geojson"),
                "--level",
                "village",
                "--code-field",
                "VILLCODE",
            ),
            env=env,
            cwd=ROOT,
            check=True,
            capture_output=True,
        )
        s, mb = _timed(
            _manage(
                "import_doorplates", str(real / REAL_PLATES), "--preset", "tw-address-data", "--report-dir", str(reports)
            ),
            env,
        )
        results.append(
            {
                "case": "real 東區: geo_portal import (parse, checks, villages, merge, indexes)",
                "rows": rows,
                "seconds": s,
                "peak_mb": mb,
            }
        )
        s, mb = _timed(
            _manage(
                "import_doorplates", str(real / REAL_PLATES), "--preset", "tw-address-data", "--report-dir", str(reports)
            ),
            env,
        )
        results.append(
            {
                "case": "real 東區: geo_portal re-import of the same file (no change)",
                "rows": rows,
                "seconds": s,
                "peak_mb": mb,
            }
        )
        s, mb = _timed(
            [
                "ogr2ogr",
                "-f",
                "PostgreSQL",
                pg_conn,
                str(real / REAL_PLATES),
                "-nln",
                "ogr_plates",
                "-oo",
                "X_POSSIBLE_NAMES=X",
                "-oo",
                "Y_POSSIBLE_NAMES=Y",
                "-s_srs",
                "EPSG:4326",
                "-t_srs",
                "EPSG:3826",
                "-lco",
                "GEOMETRY_NAME=geom",
                "-lco",
                "SPATIAL_INDEX=GIST",
                "-overwrite",
                "--config",
                "PG_USE_COPY",
                "YES",
            ],
            env,
        )
        results.append(
            {"case": "real 東區: ogr2ogr (PG_USE_COPY, transform, GiST)", "rows": rows, "seconds": s, "peak_mb": mb}
        )
        raw_sql = (
            "DROP TABLE IF EXISTS raw_plates, raw_geo;"
            "CREATE TABLE raw_plates (full_addr text, county text, town text, village text, neighborhood text, road text,"
            " section text, lane text, alley text, sub_alley text, tong text, number text, x float8, y float8);"
            f"\\copy raw_plates FROM '{real / REAL_PLATES}' CSV HEADER\n"
        )
        raw_sql2 = (
            "CREATE TABLE raw_geo AS SELECT *, ST_Transform(ST_SetSRID(ST_MakePoint(x, y), 4326), 3826) AS geom FROM raw_plates;"
            "CREATE INDEX ON raw_geo USING gist (geom); ANALYZE raw_geo;"
        )
        script = reports / "raw_copy.sql"
        script.write_text(raw_sql + raw_sql2, encoding="utf-8")
        s, mb = _timed(
            [
                "psql",
                "-X",
                "-q",
                "-v",
                "ON_ERROR_STOP=1",
                "-h",
                pg["host"],
                "-p",
                pg["port"],
                "-U",
                pg["user"],
                "-d",
                BENCH_DB,
                "-f",
                str(script),
            ],
            env,
        )
        results.append(
            {"case": "real 東區: raw COPY + ST_Transform + GiST (the limit)", "rows": rows, "seconds": s, "peak_mb": mb}
        )

    out = ROOT / "gis_data" / "generated" / f"bench-{plates}"
    if not (out / "doorplates.csv").is_file():
        subprocess.run(
            _manage("generate_demo", "--plates", str(plates), "--seed", "1", "--out", str(out)),
            env=env,
            cwd=ROOT,
            check=True,
        )
    _fresh_db(url, env)
    subprocess.run(_manage("load_villages", str(out / "villages.csv")), env=env, cwd=ROOT, check=True, capture_output=True)
    subprocess.run(
        _manage("load_boundaries", str(out / "villages.geojson"), "--level", "village", "--code-field", "VILLCODE"),
        env=env,
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    s, mb = _timed(
        _manage(
            "import_doorplates",
            str(out / "doorplates.csv"),
            "--preset",
            "geo-portal",
            "--srid",
            "3826",
            "--district",
            "10018990",
            "--report-dir",
            str(reports),
        ),
        env,
    )
    results.append({"case": f"generated {plates:,}: geo_portal import", "rows": plates, "seconds": s, "peak_mb": mb})
    _psql(url, f"DROP DATABASE IF EXISTS {BENCH_DB}", dbname="postgres")
    shutil.rmtree(reports, ignore_errors=True)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--plates", type=int, default=1_000_000)
    args = parser.parse_args()
    results = run(args.plates)
    width = max(len(r["case"]) for r in results)
    print(f"\n{'case':<{width}}  {'rows':>10}  {'seconds':>8}  {'rows/s':>9}  {'peak MB':>8}")
    for r in results:
        r["rows_per_s"] = r["rows"] / r["seconds"]
        print(
            f"{r['case']:<{width}}  {r['rows']:>10,}  {r['seconds']:>8.2f}  {r['rows_per_s']:>9,.0f}  {r['peak_mb']:>8.0f}"
        )
    path = ROOT / "gis_data" / "bench" / "results.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"import": results}, ensure_ascii=False, indent=2), encoding="utf-8")
    print(f"\nwritten to {path}")


if __name__ == "__main__":
    main()
