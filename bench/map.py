"""Public-map benchmark, run by ``python -m bench`` against its benchmark database (DATABASE_URL is set).

For the plates loaded for ``--district``: vector-tile latency at zoom 14, 16 and 18 over HTTP (gunicorn with the
production settings on loopback) — first request (encoded by PostGIS), cached, and 304 revalidation — side by
side with the raw ``ST_AsMVT`` SQL of the same tiles (the limit); the endpoint's own cost in process (Django's
WSGI handler called as gunicorn calls it, no network), so it compares with the raw SQL in process; tile sizes;
and, with ``--browser``, the time from navigation to an interactive map in headless Chromium and the bytes
transferred for the first view. Prints one JSON object on stdout.
"""

from __future__ import annotations

import argparse
import http.client
import io
import json
import os
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import django
import psycopg
from psycopg.conninfo import make_conninfo

from geo_portal.core.dsn import connection_params
from support.chromium import CHROMIUM, CHROMIUM_ARGS
from support.unthrottled import UNTHROTTLED_ENV

ROOT = Path(__file__).resolve().parents[1]
ZOOMS = (14, 16, 18)
TILES_PER_ZOOM = 60
LAYERS = ("plates", "buildings", "villages")
BROWSER_RUNS = 5
GUNICORN_CONFIG = "python:geo_portal.config.gunicorn"  # as deployed: threaded workers, keep-alive
# Cached requests per tile: a district has only ~30 z14 tiles, too few samples for a steady p95.
CACHED_REPEATS = 3

SAMPLE_TILES = """
WITH pts AS (SELECT ST_Transform(geom, 3857) AS g FROM addresses_doorplate WHERE status = 'active' AND district_id = %(d)s),
tiles AS (SELECT DISTINCT floor((ST_X(g) + 20037508.342789244) / (40075016.685578488 / 2 ^ %(z)s))::int AS x,
                          floor((20037508.342789244 - ST_Y(g)) / (40075016.685578488 / 2 ^ %(z)s))::int AS y FROM pts)
SELECT x, y FROM tiles ORDER BY md5(x::text || '/' || y::text) LIMIT %(n)s"""


def clear_tile_cache() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE publicmap_cachedtile")


def percentiles(samples: list[float]) -> dict[str, float]:
    q = statistics.quantiles(sorted(samples), n=100, method="inclusive")
    return {"n": len(samples), "p50_ms": q[49] * 1000, "p95_ms": q[94] * 1000}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def production_env() -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "geo_portal.config.settings.production",
        "DJANGO_SECRET_KEY": "bench-only-" + "x" * 50,
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DJANGO_SECURE_SSL_REDIRECT": "0",
        "GEO_PORTAL_TILE_URL": "http://127.0.0.1:9/{z}/{x}/{y}.png",  # no basemap on this machine (no internet)
        **UNTHROTTLED_ENV,
    }


class Server:
    """gunicorn with the production settings (whitenoise serving compressed, hashed static files), or with
    another WSGI application (the bare raw-SQL tile server)."""

    def __init__(self, env: dict[str, str], app: str = "geo_portal.config.wsgi:application"):
        if app.startswith("geo_portal.config"):
            subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"], env=env, cwd=ROOT, check=True)
        self.port = free_port()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", GUNICORN_CONFIG, app, "-b", f"127.0.0.1:{self.port}", "-w", "2"],
            env=env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        self.url = f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(10)


def drawn(z: int, x: int, y: int) -> list[str]:
    """The layers that draw something at this zoom (the others answer 204 at once; left out everywhere)."""
    from geo_portal.publicmap.tiles import tile_query

    return [layer for layer in LAYERS if tile_query(layer, z, x, y) is not None]


def warm_up(get: Callable[[str], object], tiles: dict[int, list[tuple[int, int]]]) -> None:
    """Every worker opens its connections and prepares each tile statement before the clock runs (a worker meeting
    its first tile during the first zoom measured skewed that zoom); then the tile cache is emptied again. On the
    tiles just south of the measured ones, not on them: a worker keeps the tiles it served in memory, valid until the
    data changes (``publicmap.tile_memory``), and the measured tiles' first request must be PostGIS encoding them."""
    for _ in range(3):
        for z, xys in tiles.items():
            measured = set(xys)
            for x, y in [(x, y + 1) for x, y in xys if (x, y + 1) not in measured][:8]:
                for layer in drawn(z, x, y):
                    get(f"/tiles/{layer}/{z}/{x}/{y}.mvt")
    clear_tile_cache()


def tile_latency(port: int, tiles: dict[int, list[tuple[int, int]]], raw_port: int) -> tuple[dict, dict]:
    """Over HTTP: each tile's first request, cached requests and 304 revalidation, and right before or after its
    first request (alternating) the same tile from the bare raw-SQL server (``raw_http_latency``), so both sides meet
    the same moment of the machine (on a shared VM, minutes apart differ by ±20%)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    raw = raw_fetcher(raw_port)
    out: dict = {}
    raw_out: dict = {}

    def get(path: str, headers: dict | None = None) -> tuple[float, http.client.HTTPResponse, bytes]:
        start = time.perf_counter()
        conn.request("GET", path, headers=headers or {})
        response = conn.getresponse()
        body = response.read()
        return time.perf_counter() - start, response, body

    warm_up(get, tiles)
    # The stack's floor: gunicorn + Django middleware + one trivial query (GET /healthz runs SELECT 1).
    out["floor"] = percentiles([get("/healthz")[0] for _ in range(300)])
    for z, xys in tiles.items():
        miss, hit, revalidate, sizes, raw_samples = [], [], [], [], []
        for i, (x, y) in enumerate(xys):
            for layer in drawn(z, x, y):
                path = f"/tiles/{layer}/{z}/{x}/{y}.mvt"
                if i % 2 == 0:
                    raw_samples.append(raw(path))
                seconds, response, body = get(path)
                if i % 2 == 1:
                    raw_samples.append(raw(path))
                if response.status not in (200, 204) or response.headers["X-Tile-Cache"] not in ("miss", "none"):
                    raise RuntimeError(f"{path}: HTTP {response.status} {response.headers['X-Tile-Cache']}")
                miss.append(seconds)
                sizes.append(len(body))
                for _ in range(CACHED_REPEATS):
                    seconds, response, _ = get(path)
                    hit.append(seconds)
                seconds, response, _ = get(path, {"If-None-Match": response.headers["ETag"]})
                if response.status != 304:
                    raise RuntimeError(f"{path}: expected 304, got {response.status}")
                revalidate.append(seconds)
        out[z] = {
            "tiles": len(miss),
            "first request (PostGIS encodes)": percentiles(miss),
            "cached": percentiles(hit),
            "304 revalidation": percentiles(revalidate),
            "max_bytes": max(sizes),
            "p50_bytes": statistics.median(sizes),
        }
        raw_out[z] = percentiles(raw_samples)
    return out, raw_out


def in_process_latency(tiles: dict[int, list[tuple[int, int]]], raw: psycopg.Connection) -> tuple[dict, dict]:
    """The tile endpoint as gunicorn calls it (Django's WSGI handler, every middleware), minus the server and
    network: first request on an empty tile cache, then cached; and right before or after each first request
    (alternating) the tile's raw SQL on ``raw`` (``raw_sql_latency``): both sides at the same moment of the machine."""
    from django.core.handlers.wsgi import WSGIHandler

    app = WSGIHandler()

    def get(path: str) -> tuple[float, str]:
        status: list[str] = []
        environ = {
            "REQUEST_METHOD": "GET", "PATH_INFO": path, "QUERY_STRING": "", "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": "80", "HTTP_HOST": "127.0.0.1", "REMOTE_ADDR": "127.0.0.1", "wsgi.url_scheme": "http",
            "wsgi.input": io.BytesIO(), "wsgi.errors": sys.stderr,
        }  # fmt: skip
        start = time.perf_counter()
        b"".join(app(environ, lambda line, headers, *_: status.append(line)))
        return time.perf_counter() - start, status[0]

    warm_up(get, tiles)
    out, raw_out = {}, {}
    with raw.cursor() as cursor:
        for z, xys in tiles.items():
            miss, hit, raw_samples = [], [], []
            for i, (x, y) in enumerate(xys):
                for layer in drawn(z, x, y):
                    if i % 2 == 0:
                        raw_samples.append(raw_sql_seconds(cursor, layer, z, x, y))
                    seconds, status = get(f"/tiles/{layer}/{z}/{x}/{y}.mvt")
                    if not status.startswith(("200", "204")):
                        raise RuntimeError(f"in-process tile: {status}")
                    if i % 2 == 1:
                        raw_samples.append(raw_sql_seconds(cursor, layer, z, x, y))
                    miss.append(seconds)
                    hit.extend(get(f"/tiles/{layer}/{z}/{x}/{y}.mvt")[0] for _ in range(CACHED_REPEATS))
            out[z] = {"first request (PostGIS encodes)": percentiles(miss), "cached": percentiles(hit)}
            raw_out[z] = percentiles(raw_samples)
    return out, raw_out


def raw_fetcher(port: int) -> Callable[[str], float]:
    """Seconds to fetch a tile from the bare raw-SQL WSGI server (no Django, no cache): the limit over HTTP."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)

    def fetch(path: str) -> float:
        start = time.perf_counter()
        conn.request("GET", path)
        response = conn.getresponse()
        response.read()
        seconds = time.perf_counter() - start
        if response.status not in (200, 204):
            raise RuntimeError(f"raw tile server: HTTP {response.status}")
        return seconds

    return fetch


def raw_http_latency(port: int, tiles: dict[int, list[tuple[int, int]]]) -> dict:
    """The tiles from the bare raw-SQL server, on their own (its warm-up)."""
    fetch = raw_fetcher(port)
    return {
        z: percentiles([fetch(f"/tiles/{layer}/{z}/{x}/{y}.mvt") for x, y in xys for layer in drawn(z, x, y)])
        for z, xys in tiles.items()
    }


def raw_sql_seconds(cursor: psycopg.Cursor, layer: str, z: int, x: int, y: int) -> float:
    """One tile's statement run straight on a psycopg connection, prepared after its second run (as the endpoint's
    connection does): the in-process limit, no HTTP, no cache."""
    from geo_portal.publicmap.tiles import tile_query

    query = tile_query(layer, z, x, y)
    start = time.perf_counter()
    cursor.execute(query.sql, query.params)
    cursor.fetchone()
    return time.perf_counter() - start


def raw_sql_latency(conn: psycopg.Connection, tiles: dict[int, list[tuple[int, int]]]) -> dict:
    """The tile statements on their own (the warm-up of PostgreSQL's buffers and of the prepared statements)."""
    with conn.cursor() as cursor:
        return {
            z: percentiles([raw_sql_seconds(cursor, layer, z, x, y) for x, y in xys for layer in drawn(z, x, y)])
            for z, xys in tiles.items()
        }


def browser_first_view(url: str) -> dict:
    """Navigation → map interactive (first plate-layer tile drawn, script ready), and bytes for the first view."""
    from playwright.sync_api import sync_playwright

    runs = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=list(CHROMIUM_ARGS))
        for _ in range(BROWSER_RUNS):
            context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="zh-TW")  # empty cache
            page = context.new_page()
            cdp = context.new_cdp_session(page)
            cdp.send("Network.enable")
            transferred = []
            cdp.on("Network.loadingFinished", lambda event, sink=transferred: sink.append(event["encodedDataLength"]))
            page.goto(url + "/")
            page.wait_for_function(
                "() => window.geoPortalMap && document.querySelectorAll("
                "'.leaflet-overlay-pane canvas.leaflet-tile-loaded').length > 0"
            )
            interactive_ms = page.evaluate("() => performance.now()")
            page.wait_for_load_state("networkidle")
            runs.append({"interactive_ms": interactive_ms, "bytes": sum(transferred), "requests": len(transferred)})
            context.close()
        browser.close()
    cold, warm = runs[0], runs[1:]
    return {
        "cold_server_cache": cold,
        "warm_server_cache_median_ms": statistics.median(r["interactive_ms"] for r in warm),
        "warm_server_cache_max_ms": max(r["interactive_ms"] for r in warm),
        "first_view_bytes": statistics.median(r["bytes"] for r in warm),
        "first_view_requests": statistics.median(r["requests"] for r in warm),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--district", required=True)
    parser.add_argument("--browser", action="store_true", help="also measure the first view in headless Chromium")
    args = parser.parse_args()
    os.environ.update(production_env())  # the in-process endpoint runs as the server does
    django.setup()
    from django.db import connection

    from geo_portal.areas.models import District

    district = District.objects.get(code=args.district)
    tiles = {}
    with connection.cursor() as cursor:
        for z in ZOOMS:
            cursor.execute(SAMPLE_TILES, {"d": district.pk, "z": z, "n": TILES_PER_ZOOM})
            tiles[z] = cursor.fetchall()
    db = connection.settings_dict
    conninfo = make_conninfo(**{k: v for k, v in connection_params(db).items() if v})
    raw = psycopg.connect(conninfo, autocommit=True, prepare_threshold=2)
    raw_sql_latency(raw, tiles)  # warm PostgreSQL's buffers and prepare the statements
    result: dict = {}
    result["in_process"], result["raw_sql"] = in_process_latency(tiles, raw)
    raw.close()
    clear_tile_cache()
    server = Server(production_env())
    raw_server = Server({**os.environ, "TILE_DATABASE_URL": conninfo}, app="bench.tileserver:application")
    try:
        raw_http_latency(raw_server.port, {z: xys[:5] for z, xys in tiles.items()})  # warm both workers
        result["http"], result["raw_http"] = tile_latency(server.port, tiles, raw_server.port)
    finally:
        server.stop()
        raw_server.stop()
    if args.browser:
        # The first browser run meets an empty tile cache: a new server (no tiles in memory), warmed up on other tiles,
        # and the shared cache emptied after that warm-up.
        server = Server(production_env())
        try:
            conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)

            def fetch(path: str) -> None:
                conn.request("GET", path)
                conn.getresponse().read()

            warm_up(fetch, tiles)
            conn.close()
            result["browser"] = browser_first_view(server.url)
        finally:
            server.stop()
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
