"""Benchmarks (``make bench``): door-plate import vs ogr2ogr vs raw COPY, batch geocoding, and address search
(accuracy and latency vs naive LIKE, pg_trgm and raw SQL; see ``bench.search``), on real and generated data.

Each contestant runs as its own process against a fresh benchmark database on the same PostgreSQL server, so
wall time and peak memory (``wait4`` rusage of that process) are comparable. Prints a table and writes
``gis_data/bench/results.json``.

Two runs, so that each stays within 30 minutes on this 2-core machine: ``make bench`` (``python -m bench``) measures
everything on the real 東區 data (the household register at ×1; its ×10 part alone: ``python -m bench.registry``);
``make bench-national`` (``python -m bench --plates 10000000 --no-real``) the generated national-scale set of issue 16
§5 — its first import alone takes ~17 minutes — with batch geocoding on its first 200,000 rows, search and tiles
(generation is timed once and cached). ``--plates N`` adds a generated set of N plates to either.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
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
    """Run a command; return (seconds, peak RSS in MB) of that process alone (``wait4`` rusage)."""
    with tempfile.TemporaryFile() as out:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, env=env, stdout=out, stderr=subprocess.STDOUT, cwd=ROOT)
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - start
        if os.waitstatus_to_exitcode(status) != 0:
            out.seek(0)
            raise RuntimeError(f"{' '.join(cmd[:3])} failed:\n{out.read().decode(errors='replace')}")
    return seconds, usage.ru_maxrss / 1024


def _measure(results: list[dict], case: str, rows: int, cmd: list[str], env: dict[str, str]) -> None:
    seconds, peak_mb = _timed(cmd, env)
    results.append({"case": case, "rows": rows, "seconds": seconds, "peak_mb": peak_mb})


def _setup(cmds: list[list[str]], env: dict[str, str]) -> None:
    for cmd in cmds:
        subprocess.run(cmd, env=env, cwd=ROOT, check=True, capture_output=True)


def _fresh_db(url: str, env: dict[str, str]) -> None:
    _psql(url, f"DROP DATABASE IF EXISTS {BENCH_DB}", dbname="postgres")
    _psql(url, f"CREATE DATABASE {BENCH_DB}", dbname="postgres")
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], env=env, cwd=ROOT, check=True)


def _manage(*args: str) -> list[str]:
    return [sys.executable, "manage.py", *args, "-v0"]


def _search(env: dict[str, str], district: str, *, accuracy: bool, sample: int = 1000) -> dict:
    cmd = [sys.executable, "-m", "bench.search", "--district", district, "--sample", str(sample)]
    done = subprocess.run(
        [*cmd, *(["--accuracy", "--zip"] if accuracy else [])], env=env, cwd=ROOT, check=True, capture_output=True, text=True
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def _map(env: dict[str, str], district: str, *, browser: bool) -> dict:
    cmd = [sys.executable, "-m", "bench.map", "--district", district, *(["--browser"] if browser else [])]
    done = subprocess.run(cmd, env=env, cwd=ROOT, check=True, capture_output=True, text=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def _analysis() -> dict:
    """The planners' benchmark on the platform's own database, loaded as `make demo` / `make notebooks` load it."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "geo_portal.config.settings.local"}
    _setup([_manage("migrate", "--noinput"), _manage("demo_setup", "--no-admin")], env)
    cmd = [sys.executable, "-m", "bench.analytics"]
    done = subprocess.run(cmd, env=env, cwd=ROOT, check=True, capture_output=True, text=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def _write_path(env: dict[str, str]) -> dict:
    cmd = [sys.executable, "-m", "bench.write_path"]
    done = subprocess.run(cmd, env=env, cwd=ROOT, check=True, capture_output=True, text=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def _census(env: dict[str, str]) -> dict:
    done = subprocess.run(
        [sys.executable, "-m", "bench.census"], env=env, cwd=ROOT, check=True, capture_output=True, text=True
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def _reissue(env: dict[str, str]) -> dict:
    done = subprocess.run(
        [sys.executable, "-m", "bench.reissue"], env=env, cwd=ROOT, check=True, capture_output=True, text=True
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def _registry(env: dict[str, str]) -> dict:
    # The ×10 register (2.2 M persons, ~6 minutes) is run alone: `python -m bench.registry`.
    done = subprocess.run(
        [sys.executable, "-m", "bench.registry", "--skip-x10"], env=env, cwd=ROOT, check=True, capture_output=True, text=True
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


# Renumbering (bench/renumbering.py): filled by run(), printed and written by main().
RENUMBERING: dict[str, dict] = {}


def _renumbering(env: dict[str, str]) -> dict:
    done = subprocess.run(
        [sys.executable, "-m", "bench.renumbering"], env=env, cwd=ROOT, check=True, capture_output=True, text=True
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


# Home visits (bench/homevisits.py): filled by run(), printed and written by main().
HOMEVISITS: dict[str, dict] = {}


def _homevisits(env: dict[str, str]) -> dict:
    done = subprocess.run(
        [sys.executable, "-m", "bench.homevisits"], env=env, cwd=ROOT, check=True, capture_output=True, text=True
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


# Change notifications (bench/notifications.py): filled by run(), printed and written by main().
NOTIFICATIONS: dict[str, dict] = {}


def _notifications(env: dict[str, str]) -> dict:
    done = subprocess.run(
        [sys.executable, "-m", "bench.notifications"], env=env, cwd=ROOT, check=True, capture_output=True, text=True
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


# Load test (bench/load.py): filled by run(), printed and written by main().
LOAD: dict[str, dict] = {}


def _load(env: dict[str, str]) -> dict:
    """locust on core 0 against gunicorn on core 1, this code beside the baseline commit's (bench.load)."""
    # The comparison is baseline vs current; the third variant (current code with its caches off, 2 × 70 s)
    # is a diagnosis, run alone with `python -m bench.load` (the whole `make bench` stays within 30 minutes).
    done = subprocess.run(
        [sys.executable, "-m", "bench.load", "--no-without-caches"],
        env=env,
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


# The monthly re-import (bench/reimport.py): filled by run(), printed and written by main().
REIMPORT: dict[str, dict] = {}
# Batch geocoding of the generated set runs on a sample of this many rows (rows/s is the measure; ~8 s, not ~40 s for
# 1,000,000: the whole bench stays within 30 minutes).
GEOCODE_SAMPLE = 200_000


def _reimport(env: dict[str, str]) -> dict:
    done = subprocess.run(
        [sys.executable, "-m", "bench.reimport"], env=env, cwd=ROOT, check=True, capture_output=True, text=True
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def _sample(source: Path, target: Path, rows: int) -> Path:
    """The header and the first ``rows`` data rows of ``source`` (written once, beside the generated files)."""
    if not target.is_file():
        with source.open("rb") as fin, target.open("wb") as fout:
            for n, line in enumerate(fin):
                if n > rows:
                    break
                fout.write(line)
    return target


# The door-plate and road capture triggers of the change log, off: the import as it ran before the change log.
CAPTURE_OFF = " ".join(
    f"ALTER TABLE {table} DISABLE TRIGGER changes_{entity}_{op};"
    for table, entity in (("addresses_doorplate", "plate"), ("areas_road", "road"))
    for op in ("insert", "update", "delete")
)


def run(
    plates: int, *, real_data: bool = True
) -> tuple[list[dict], dict[str, dict], dict[str, dict], dict[str, dict], dict[str, dict], dict[str, dict], dict[str, dict]]:
    url = _db_url()
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "geo_portal.config.settings.local"}
    # Start-up as deployed: with bytecode caches (a session that sets PYTHONDONTWRITEBYTECODE would otherwise compile
    # ~650 modules at every command's start, ~0.4 s, inside each timed import).
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    real = Path(os.environ.get("GEO_PORTAL_SHARED_DATA", ROOT.parent / "shared" / "data" / "real"))
    reports = ROOT / "gis_data" / "bench" / "reports"
    reports.mkdir(parents=True, exist_ok=True)
    results: list[dict] = []
    search: dict[str, dict] = {}
    maps: dict[str, dict] = {}
    write_path: dict[str, dict] = {}
    census: dict[str, dict] = {}
    reissue: dict[str, dict] = {}
    registry: dict[str, dict] = {}
    pg = _pg_args(url)
    psql = [
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
    ]

    if real_data and (real / REAL_PLATES).is_file():
        rows, plates_csv = 108_172, str(real / REAL_PLATES)
        boundaries = [
            _manage("load_villages", str(real / "boundaries/hsinchu_city_villages_moi_nlsc_20230928_attributes.csv")),
            _manage(
                "load_boundaries",
                str(real / "boundaries/DERIVED_hsinchu_east_villages_from_stat_areas.geojson"),
                "--level",
                "village",
                "--code-field",
                "VILLCODE",
            ),
        ]
        ours = _manage("import_doorplates", plates_csv, "--preset", "tw-address-data", "--report-dir", str(reports))
        # The first import with its change events vs the same import with the change-log capture switched off (the
        # import as it was before the change log), each on a fresh database, twice, alternating; same cluster.
        for attempt in (1, 2):
            for events in (False, True):
                _fresh_db(url, env)
                _setup(boundaries, env)
                if not events:
                    _psql(url, CAPTURE_OFF)
                label = "with change events" if events else "change capture off"
                case = f"real 東區: geo_portal first import, {label} (run {attempt})"
                _measure(results, case, rows, ours, env)
        _measure(results, "real 東區: geo_portal re-import of the same file (no change)", rows, ours, env)
        write_path["real 東區 (108,162 plates)"] = _write_path(env)
        pg_conn = f"PG:dbname={BENCH_DB} host={pg['host']} port={pg['port']} user={pg['user']}"
        ogr = [
            "ogr2ogr",
            "-f",
            "PostgreSQL",
            pg_conn,
            plates_csv,
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
        ]
        _measure(results, "real 東區: ogr2ogr (PG_USE_COPY, transform, GiST)", rows, ogr, env)
        script = reports / "raw_copy.sql"
        script.write_text(
            "DROP TABLE IF EXISTS raw_plates, raw_geo;"
            "CREATE TABLE raw_plates (full_addr text, county text, town text, village text, neighborhood text, road text,"
            " section text, lane text, alley text, sub_alley text, tong text, number text, x float8, y float8);\n"
            f"\\copy raw_plates FROM '{plates_csv}' CSV HEADER\n"
            "CREATE TABLE raw_geo AS SELECT *, ST_Transform(ST_SetSRID(ST_MakePoint(x, y), 4326), 3826) AS geom FROM raw_plates;"
            "CREATE INDEX ON raw_geo USING gist (geom); ANALYZE raw_geo;",
            encoding="utf-8",
        )
        _measure(results, "real 東區: raw COPY + ST_Transform + GiST (the limit)", rows, [*psql, "-f", str(script)], env)
        batch = _manage("geocode_csv", plates_csv, str(reports / "geocoded.csv"))
        _measure(results, "real 東區: batch geocoding, geocode_csv (CSV in → CSV out)", rows, batch, env)
        _setup([_manage("import_zip_rules", str(real / "zipcode/chp_zip33_2102_01_national.csv"))], env)
        search["real 東區 (108,162 plates)"] = _search(env, "10018010", accuracy=True)
        buildings = real / "buildings/nycu_guangfu_osm_buildings.geojson"
        _setup([_manage("import_buildings", str(buildings), "--source", "osm", "--id-field", "osm_id")], env)
        maps["real 東區 (108,162 plates)"] = _map(env, "10018010", browser=True)
        census["real 東區 (108,162 plates)"] = _census(env)
        reissue["real 東區 (108,162 plates)"] = _reissue(env)
        registry["real 東區 (108,162 plates)"] = _registry(env)
        RENUMBERING["real 東區 (108,162 plates)"] = _renumbering(env)
        HOMEVISITS["real 東區 (108,162 plates)"] = _homevisits(env)
        NOTIFICATIONS["real 東區 (108,162 plates)"] = _notifications(env)
        REIMPORT["real 東區 (108,162 plates)"] = _reimport(env)
        LOAD["real 東區 (108,162 plates)"] = _load(env)

    if plates > 0:
        out = ROOT / "gis_data" / "generated" / f"bench-{plates}"
        if not (out / "doorplates.csv").is_file():
            generate = _manage("generate_demo", "--plates", str(plates), "--seed", "1", "--out", str(out))
            _measure(results, f"generated {plates:,}: generate_demo (once; cached in {out.name})", plates, generate, env)
        _fresh_db(url, env)
        _setup(
            [
                _manage("load_villages", str(out / "villages.csv")),
                _manage("load_boundaries", str(out / "villages.geojson"), "--level", "village", "--code-field", "VILLCODE"),
            ],
            env,
        )
        generated = _manage(
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
        )
        _measure(results, f"generated {plates:,}: geo_portal import", plates, generated, env)
        sample = min(plates, GEOCODE_SAMPLE)
        sampled = out / "doorplates.csv"
        if sample < plates:
            sampled = _sample(sampled, out / f"sample-{sample}.csv", sample)
        batch = _manage("geocode_csv", str(sampled), str(reports / "geocoded-generated.csv"))
        _measure(results, f"generated {plates:,}: batch geocoding, geocode_csv, first {sample:,} rows", sample, batch, env)
        search[f"generated ({plates:,} plates)"] = _search(env, "10018990", accuracy=False)
        buildings = ["--source", "demo", "--id-field", "id", "--floors-field", "floors", "--srid", "3826"]
        _setup([_manage("import_buildings", str(out / "buildings.csv"), *buildings)], env)
        maps[f"generated ({plates:,} plates)"] = _map(env, "10018990", browser=False)
    _psql(url, f"DROP DATABASE IF EXISTS {BENCH_DB}", dbname="postgres")
    shutil.rmtree(reports, ignore_errors=True)
    return results, search, maps, write_path, census, reissue, registry


def _print_map(maps: dict[str, dict]) -> None:
    def pair(p: dict) -> str:
        return f"{p['p50_ms']:>7.2f} / {p['p95_ms']:>6.2f}"

    for dataset, data in maps.items():
        print(f"\nvector tiles, {dataset}: p50 / p95 ms (plates, buildings, villages layers)")
        print("  in process (no server, no network): the endpoint through Django's WSGI handler vs the raw SQL")
        print(
            f"  {'zoom':>4} {'raw ST_AsMVT SQL':>16} {'endpoint, encode':>16} {'÷ raw':>6} {'endpoint, cached':>16} {'÷ raw':>6}"
        )
        for z, h in data["in_process"].items():
            raw, miss, cached = data["raw_sql"][z], h["first request (PostGIS encodes)"], h["cached"]
            print(
                f"  {z:>4} {pair(raw)} {pair(miss)} {miss['p50_ms'] / raw['p50_ms']:>5.2f}x "
                f"{pair(cached)} {cached['p50_ms'] / raw['p50_ms']:>5.2f}x"
            )
        floor = data["http"]["floor"]
        print("  over HTTP (gunicorn, production settings, loopback): the endpoint vs the raw SQL behind a bare WSGI app")
        print(f"  HTTP floor (GET /healthz: gunicorn, Django middleware, SELECT 1): {pair(floor)}")
        print(
            f"  {'zoom':>4} {'tiles':>6} {'raw SQL over HTTP':>17} {'endpoint, encode':>16} {'÷ raw':>6}"
            f" {'endpoint, cached':>16} {'304':>15} {'max KB':>7}"
        )
        for z, h in data["http"].items():
            if z == "floor":
                continue
            over_http, miss = data["raw_http"][z], h["first request (PostGIS encodes)"]
            print(
                f"  {z:>4} {h['tiles']:>6} {pair(over_http):>17} {pair(miss)} "
                f"{miss['p50_ms'] / over_http['p50_ms']:>5.2f}x {pair(h['cached'])} {pair(h['304 revalidation'])} "
                f"{h['max_bytes'] / 1024:>7.1f}"
            )
        if "browser" in data:
            b = data["browser"]
            print(
                f"  first view in headless Chromium: interactive after {b['warm_server_cache_median_ms']:.0f} ms median "
                f"(max {b['warm_server_cache_max_ms']:.0f}; {b['cold_server_cache']['interactive_ms']:.0f} ms with an "
                f"empty tile cache), {b['first_view_bytes'] / 1024:.0f} KB in {b['first_view_requests']:.0f} requests"
            )


def _print_analysis(analysis: dict) -> None:
    print("\nplanners' analysis, real 東區 (median of 5 runs)")
    for case, r in analysis["load"].items():
        print(f"  {case:<60} {r['rows']:>8,} rows {r['seconds']:>7.3f} s")
    ours = analysis["load"]["geo_portal.analytics.plates()"]["seconds"]
    hand = analysis["load"]["geopandas.read_postgis, hand-written query (same columns)"]["seconds"]
    print(f"  analytics.plates() / hand-written read_postgis: {ours / hand:.2f}x (target ≤ 1.2x)")
    print("  export_layer plates:")
    for r in analysis["exports"]:
        print(
            f"    {r['format']:<8} {r['rows']:>8,} rows {r['seconds']:>7.2f} s {r['rows_per_s']:>9,.0f} rows/s {r['bytes'] / 1e6:>7.1f} MB"
        )
    print("  notebooks (nbclient, fresh kernel):")
    for name, seconds in analysis["notebooks"].items():
        print(f"    {name:<40} {seconds:>6.1f} s")


def _print_search(search: dict[str, dict]) -> None:
    for dataset, data in search.items():
        if "zip" in data:
            z = data["zip"]
            print(
                f"\n3+3 zip codes, {dataset}: assigned {z['assigned']:,} of {z['plates']:,} plates "
                f"({z['assigned'] / z['plates']:.2%})"
            )
            print(f"  geo_portal, set-based over all plates   {z['ours_us_per_plate']:8.1f} µs per plate")
            print(f"  zipcodetw.find(), one address at a time {z['zipcodetw_us_per_lookup']:8.1f} µs per lookup")
            print(
                f"  on {z['sample']:,} plates: same code {z['same_code']:,}, zipcodetw gave only a prefix "
                f"{z['zipcodetw_only_a_prefix']:,}, different {z['different']:,}"
            )
        if "accuracy" in data:
            _print_search_accuracy(dataset, data["accuracy"])
        print(f"\nlatency, {dataset}")
        print(f"  {'case':<44} {'n':>5} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}")
        for where in ("in_process", "http"):
            for case, p in data[where].items():
                label = f"{case} ({'in-process' if where == 'in_process' else 'HTTP'})"
                print(f"  {label:<44} {p['n']:>5} {p['p50_ms']:>8.2f} {p['p95_ms']:>8.2f} {p['p99_ms']:>8.2f}")


def _print_search_accuracy(dataset: str, acc: dict) -> None:
    """Per written form: plates asked, top-1 now and before the search rework (the recorded baseline)."""
    base = acc.get("baseline", {})
    label = f"before ({base['engine']})" if base else "before"
    print(f"\ngeocode top-1 by written form, {dataset} (a hit: the plate itself within 2 m, the unit when one is named)")
    print(f"  {'form':<42} {'n':>5} {'now':>8} {label}")
    for form, share in acc["top1"].items():
        before = base.get("top1", {}).get(form)
        shown = f"{before:8.2%}" if before is not None else f"{'—':>8}"
        print(f"  {form:<42} {acc['per_family'][form]:>5} {share:8.2%} {shown}")
    before = f"{base['overall']:8.2%}" if base else ""
    print(f"  {'overall':<42} {sum(acc['per_family'].values()):>5} {acc['overall']:8.2%} {before}")
    print("  addresses that do not exist: answered exact/normalised/fuzzy (must be 0), now / before")
    for kind, counts in acc["nonexistent"].items():
        old = base.get("nonexistent", {}).get(kind, {}).get("confident", "—") if base else "—"
        print(f"  {kind:<42} {counts['n']:>5} {counts['confident']:>8} {old:>8}")
    lat, old = acc["latency_ms"], base.get("latency_ms") if base else None
    print(
        f"  geocode in process over all of them: p50 {lat['p50_ms']:.2f} ms, p95 {lat['p95_ms']:.2f} ms"
        + (f" (before: p50 {old['p50_ms']:.2f} ms, p95 {old['p95_ms']:.2f} ms)" if old else "")
    )


def _print_write_path(results: list[dict], write_path: dict[str, dict]) -> None:
    """The write path's table: import with events vs without, services vs ORM, feed reads, concurrent writers."""
    first = {
        events: [r["seconds"] for r in results if f"first import, {label}" in r["case"]]
        for events, label in ((True, "with change events"), (False, "change capture off"))
    }
    if first[True] and first[False]:
        ratio = min(first[True]) / min(first[False])
        print(f"\nfirst import of the real file (best of 2, process start-up included): with change events "
              f"{min(first[True]):.2f} s, capture off {min(first[False]):.2f} s → {ratio:.3f}x (target ≤ 1.15x)")  # fmt: skip
    for name, w in write_path.items():
        s = w["services_vs_orm"]
        print(f"\nwrite path, {name} (one commit per operation on both sides, same cluster settings)")
        print(f"  single-plate updates: services {s['services_per_s']:,.0f}/s, bare ORM update() {s['orm_update_per_s']:,.0f}/s"
              f" → services cost {s['cost_ratio']:.2f}x (target ≤ 2x)")  # fmt: skip
        f = w["feed"]
        print(f"  feed: {f['events_per_read']:,} events per read ({f['bytes_per_read'] / 1e6:.1f} MB), "
              f"p50 {f['p50_ms']:.0f} ms, p95 {f['p95_ms']:.0f} ms over {f['n']} reads")  # fmt: skip
        for design, runs in w["concurrency"].items():
            one, eight = runs["1"], runs["8"]
            print(f"  {design}: 1 writer {one['ops_per_s']:,.0f}/s, 8 writers {eight['ops_per_s']:,.0f}/s "
                  f"({eight['ops_per_s'] / one['ops_per_s']:.2f}x); lock-wait samples with 8 writers: "
                  f"{eight['lock_wait_samples_in_commit']} in COMMIT, {eight['lock_wait_samples_elsewhere']} elsewhere "
                  f"({eight['polls']} polls)")  # fmt: skip


def _print_census(census: dict[str, dict]) -> None:
    """The census table: task generation, the offline package, sync, photos, the supervisor's map."""
    for name, c in census.items():
        s, p, y, ph, m = c["split"], c["package"], c["sync"], c["photos"], c["supervisor_map"]
        print(f"\ncensus, {name} (in process through Django's WSGI handler, same cluster settings)")
        print(
            f"  task generation, whole district: best {s['best_s']:.2f} s, worst {s['worst_s']:.2f} s of {len(s['runs_s'])} "
            f"(target ≤ 10 s) → {s['tasks']:,} tasks, {s['stops']:,} stops, {s['plates']:,} plates, {s['hints']:,} hints"
        )
        print(f"  offline package of a {p['task_stops']}-stop task ({p['task_plates']} plates, with its surroundings): "
              f"{p['json_bytes'] / 1024:.0f} KB, {p['json_gzip_bytes'] / 1024:.0f} KB gzip "
              f"({'compressed by the server' if p['gzip_by_server'] else 'not compressed by the server'}; target ≤ 1024 KB) "
              f"in {p['package_s'] * 1000:.0f} ms")  # fmt: skip
        print(
            f"  sync of {y['findings']} findings in one request: {y['first_s']:.2f} s (target ≤ 2 s); "
            f"the same again {y['resend_s']:.2f} s ({y['resend_duplicates']} duplicates, nothing new)"
        )
        print(f"  photo uploads: {ph['per_s']:.1f} photos/s ({ph['bytes_each'] / 1024:.0f} KB each)")
        print(f"  supervisor's map of all {m['tasks']:,} tasks: p50 {m['p50_ms']:.0f} ms, p95 {m['p95_ms']:.0f} ms "
              f"({m['bytes'] / 1024:.0f} KB) over {m['n']} reads")  # fmt: skip


def _print_reissue(reissue: dict[str, dict]) -> None:
    """The re-issuance table: notice letters, the daily overdue job and the supervisors' dashboard."""
    for name, r in reissue.items():
        letters, generated, overdue, board = r["letters"], r["generated"], r["overdue"], r["dashboard"]
        print(f"\nre-issuance, {name} (in process; Django's test client for the dashboard; same cluster settings)")
        print(f"  {letters['letters']:,} notice letters of {letters['village']} ({letters['village_plates']:,} plates): "
              f"batch prepared in {letters['prepare_s']:.2f} s; rendered in {letters['render_s']:.1f} s (target ≤ 60 s) "
              f"as {letters['parts']} part files ({letters['rendered_as']}), {letters['pages']:,} A4 pages, "
              f"{letters['pages_per_s']:.1f} pages/s ({letters['pages_per_cpu_s']:.1f} per CPU-second), "
              f"{letters['mb']:.1f} MB; load average {letters['load_1min'][0]:.1f} → {letters['load_1min'][1]:.1f} "
              f"on 2 cores")  # fmt: skip
        states = ", ".join(f"{k} {v:,}" for k, v in generated["states"].items())
        print(f"  {generated['cases']:,} generated cases over two years ({generated['steps']:,} steps; {states})")
        for run in overdue["runs"]:
            print(f"  overdue job, {run['run']}: {run['seconds']:.3f} s (target ≤ 2 s): {run['new_clerk']} clerk and "
                  f"{run['new_resident']} resident reminders written, {run['emails']} e-mails (in-memory backend)")  # fmt: skip
        for page in ("first_page", "last_page"):
            p = board[page]
            last = f"last page of the overdue list (page {board['last_page_number']})"
            label = "first page" if page == "first_page" else last
            print(f"  dashboard, {label}: p50 {p['p50_ms']:.0f} ms, p95 {p['p95_ms']:.0f} ms over {p['n']} reads "
                  f"({board['open']:,} open cases, {board['overdue']:,} overdue)")  # fmt: skip


def _print_renumbering(renumbering: dict[str, dict]) -> None:
    """The renumbering table: 關新路 renamed by one plan with its synthetic households, atomically."""
    for name, r in renumbering.items():
        print(f"\nrenumbering, {name} (in process; one plan, one transaction)")
        print(f"  {r['road']}: {r['plates']:,} plates, {r['households']:,} households, {r['persons']:,} persons; "
              f"draft {r['draft_s']:.2f} s, preview {r['preview_s']:.2f} s, submit + approve "
              f"{r['submit_and_approve_s']:.2f} s, apply {r['apply_s']:.2f} s (target ≤ {r['target_apply_s']:.0f} s; "
              f"CPU: {r['apply_python_cpu_s']:.2f} s Python + {r['apply_db_cpu_s']:.2f} s database; load average "
              f"{r['load_average']:.1f}); "
              f"{r['new_plates']:,} new plates, {r['households_moved']:,} households moved, {r['public_events']:,} "
              f"public events in {r['public_txids']} txid")  # fmt: skip


def _print_registry(registry: dict[str, dict]) -> None:
    """The household register table: generating, residents on a date (×1, ×10), the access log's cost, batch apply."""
    for name, r in registry.items():
        print(f"\nhousehold register, {name} (in process; synthetic register; same cluster settings)")
        for key in ("generate_x1", "generate_x10"):
            if key in r:
                g = r[key]
                print(f"  generate_register ×{g['scale']}: {g['persons']:,} persons in {g['households']:,} households, "
                      f"{g['seconds']:.1f} s" + (" (target ≤ 60 s)" if g["scale"] == 1 else ""))  # fmt: skip
        for key, label in (("residents_x1", "×1"), ("residents_x10", "×10")):
            if key in r:
                p = r[key]
                print(f"  residents at an address on a date {label}: p50 {p['p50_ms']:.2f} ms, p95 {p['p95_ms']:.2f} ms "
                      f"(target p95 ≤ 5 ms) over {p['n']} reads of {p['plates']:,} plates")  # fmt: skip
        log, page = r["log_cost"]["log"], r["log_cost"]["household_members"]
        print(f"  access log for a one-household page (≤ 10 persons, mean {r['log_cost']['mean_persons']:.1f}): "
              f"p50 {log['p50_ms']:.2f} ms, p95 {log['p95_ms']:.2f} ms (target ≤ 1 ms); the whole read p50 "
              f"{page['p50_ms']:.2f} ms")  # fmt: skip
        b = r["batch"]
        print(f"  applying {b['events']:,} approved move-ins (events_apply_batch): {b['seconds']:.1f} s (target ≤ 20 s), "
              f"{b['applied']:,} applied")  # fmt: skip


def _print_homevisits(homevisits: dict[str, dict]) -> None:
    """Ordering home-visit rounds against the nearest-neighbour order, and the 30-stop offline package."""
    for name, r in homevisits.items():
        print(f"\nhome visits, {name} (in process; office: {r['office']}; straight lines, 20 km/h; load average "
              f"{r.get('load_average')})")  # fmt: skip
        for o in r["ordering"].values():
            kind = "1 in 5 with a morning or afternoon window" if o["windows"] else "no windows"
            print(f"  {o['stops']} stops, {kind}: median {o['median_s']:.2f} s (max {o['max_s']:.2f}) over {o['draws']} "
                  f"draws; length {o['mean_ratio']:.3f}× nearest neighbour on average (max {o['max_ratio']:.3f}; "
                  f"target ≤ 0.9; {o['mean_km']:.1f} vs {o['mean_nn_km']:.1f} km; nearest neighbour broke "
                  f"{o['nn_windows_broken']} windows), {o['mean_ratio_timed']:.3f}× a window-aware nearest neighbour "
                  f"(broke {o['nn_timed_windows_broken']}); every window met: {o['windows_met']}")  # fmt: skip
            if "median_ratio" in o:
                print(f"    median {o['median_ratio']:.3f}×; CPU median {o['median_cpu_s']:.2f} s (max "
                      f"{o['max_cpu_s']:.2f})")  # fmt: skip
            if "unreachable" in o:
                print(f"    exact shortest rounds (HiGHS): ours at the optimum in {o['draws_at_optimum']} of {o['draws']} "
                      f"draws (worst {o['max_vs_optimum']:.4f}× it); {len(o['unreachable'])} draws where even the "
                      f"optimum is over 0.9× nearest neighbour: {o['unreachable']}; worst of the others "
                      f"{o['max_ratio_where_reachable']:.3f}×")  # fmt: skip
        p = r["package"]
        print(f"  offline package of a {p['stops']}-stop round: {p['json_bytes']:,} bytes of JSON, "
              f"{p['gzip_bytes']:,} gzipped on the wire, {p['stored_bytes']:,} stored encrypted on the device")  # fmt: skip


def _print_notifications(notifications: dict[str, dict]) -> None:
    """Webhook fan-out and commit-to-delivery latency through the real worker to verifying local receivers."""
    for name, r in notifications.items():
        f, lat = r["fanout"], r["latency"]
        print(
            f"\nchange notifications, {name} (worker process, concurrency {r['concurrency']}; {r['agencies']} "
            f"receivers verifying signatures on 127.0.0.1)"
        )
        print(
            f"  fan-out of one 200-plate transaction: {f['deliveries']:,} deliveries in {f['seconds']:.1f} s, "
            f"{f['per_s']:.0f} deliveries/s (target ≥ 200)"
        )
        print(
            f"  commit to delivery, one plate every 50 ms: p50 {lat['p50_ms']:.0f} ms, p95 {lat['p95_ms']:.0f} ms "
            f"(target ≤ 2,000), max {lat['max_ms']:.0f} ms over {lat['n']:,} deliveries"
        )
        if "worker_deliveries_per_cpu_s" in r:
            print(
                f"  {r['worker_deliveries_per_cpu_s']:.0f} deliveries per CPU-second of the worker, "
                f"{r['deliveries_per_cpu_s']:.0f} with the receivers' share; failed attempts {r['failed_attempts']}"
            )


def _print_load(load: dict[str, dict]) -> None:
    """The load test: requests/s and latency per scenario, this code beside the baseline commit's, same run."""
    for name, r in load.items():
        print(f"\nload test, {name}: locust (FastHttpUser, {r['users']} users) on core {r['cores']['load generator']}, "
              f"gunicorn (deployed config) on core {r['cores']['server']}; {r['seconds']:.0f} s steady state after "
              f"{r['warmup_s']:.0f} s of warm-up; {r['distinct_geocode_queries']:,} distinct addresses, {r['tiles']} tiles")  # fmt: skip
        print(f"  {'scenario, code':<34} {'req/s':>7} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} {'errors':>6} "
              f"{'server CPU ms/req':>17} {'DB CPU ms/req':>13} {'load':>5}")  # fmt: skip
        for scenario, variants in r["runs"].items():
            for variant, runs in variants.items():
                for x in runs:
                    print(f"  {scenario + ', ' + variant:<34} {x['per_s']:>7,.0f} {x['p50_ms']:>7.0f} {x['p95_ms']:>7.0f} "
                          f"{x['p99_ms']:>7.0f} {x['errors']:>6} {x.get('server_cpu_ms_per_request', 0):>17.2f} "
                          f"{x.get('database_cpu_ms_per_request', 0):>13.2f} {x['load_1min'][1]:>5.1f}")  # fmt: skip
            ratios = r.get("ratio", {}).get(scenario, {})
            if ratios:
                print("    vs baseline: " + ", ".join(f"{k} {v:.2f}x" for k, v in ratios.items()))


def _print_reimport(reimport: dict[str, dict]) -> None:
    """The monthly re-import: the same file (recorded unchanged) and a 1%-changed file, process start-up included."""
    for name, r in reimport.items():
        first, ch = r["first_import"], r["changes"]
        print(f"\nmonthly re-import, {name} (manage.py import_doorplates, start-up included; durable cluster; "
              f"first import {first['seconds']:.1f} s; load average {r['load_1min']:.1f})")  # fmt: skip
        for case, label in (("unchanged", "the same file"), ("changed_1pct", "1% changed")):
            c = r[case]
            print(f"  {label:<14} best {c['best_s']:.2f} s, median {c['median_s']:.2f} s, max {c['max_s']:.2f} s "
                  f"over {c['n']} runs (target ≤ {c['target_s']} s); CPU {c['best_cpu_s']:.2f} s; "
                  f"peak {c['peak_mb']:.0f} MB")  # fmt: skip
        print(f"  the 1% change: {ch['moved']} moved, {ch['removed']} removed, {ch['added']} new; "
              f"last run: {r['changed_1pct']['last']}")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--plates", type=int, default=0, help="a generated set of this many plates (0: none)")
    parser.add_argument(
        "--real", action=argparse.BooleanOptionalAction, default=True, help="the benchmarks on the real 東區 data"
    )
    args = parser.parse_args()
    results, search, maps, write_path, census, reissue, registry = run(args.plates, real_data=args.real)
    real = Path(os.environ.get("GEO_PORTAL_SHARED_DATA", ROOT.parent / "shared" / "data" / "real"))
    analysis = _analysis() if args.real and (real / REAL_PLATES).is_file() else None
    width = max(len(r["case"]) for r in results)
    print(f"\n{'case':<{width}}  {'rows':>10}  {'seconds':>8}  {'rows/s':>9}  {'peak MB':>8}")
    for r in results:
        r["rows_per_s"] = r["rows"] / r["seconds"]
        print(
            f"{r['case']:<{width}}  {r['rows']:>10,}  {r['seconds']:>8.2f}  {r['rows_per_s']:>9,.0f}  {r['peak_mb']:>8.0f}"
        )
    path = ROOT / "gis_data" / "bench" / "results.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    _print_search(search)
    _print_map(maps)
    if analysis:
        _print_analysis(analysis)
    _print_write_path(results, write_path)
    _print_census(census)
    _print_reissue(reissue)
    _print_renumbering(RENUMBERING)
    _print_registry(registry)
    _print_homevisits(HOMEVISITS)
    _print_notifications(NOTIFICATIONS)
    _print_reimport(REIMPORT)
    _print_load(LOAD)
    report = {
        "import": results, "search": search, "map": maps, "analysis": analysis, "write_path": write_path, "census": census,
        "reissue": reissue, "renumbering": RENUMBERING, "registry": registry, "homevisits": HOMEVISITS,
        "notifications": NOTIFICATIONS, "reimport": REIMPORT, "load": LOAD,
    }  # fmt: skip
    path.write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")
    print(f"\nwritten to {path}")


if __name__ == "__main__":
    main()
