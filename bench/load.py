"""Load test of the public geocoder and the cached vector tiles (issue 16 §5), run by ``python -m bench.load`` or by
``make bench`` (``bench.suite``) against its benchmark database (DATABASE_URL is set; real plates loaded).

locust (FastHttpUser, headless, as a library) runs 16 users on core 0 (``taskset -c 0``) against gunicorn with the
deployed config (``geo_portal/config/gunicorn.py``, ``settings.demo``: DEBUG off, throttles on with every family's
limit far above the load, ``support.unthrottled``) on core 1 (``taskset -c 1``). Each scenario spawns all users at
once, runs a warm-up whose statistics are discarded (reset), then measures a steady state (60 s by default):

- ``geocode``: ``GET /api/v1/geocode?q=…`` over a fixed list of real plates of the district in every written form
  (the families of ``support.address_forms``, fixed seed; a few thousand distinct queries, each user walking it from
  its own offset), so no cache sees only a handful of queries;
- ``tiles``: ``GET /tiles/<layer>/<z>/<x>/<y>.mvt`` over a fixed set of z14–z18 tiles of the district (the layers
  that draw there), all requested once before the clock runs, so they are cached tiles;
- ``mixed`` (``--scenarios``): one geocode for every four tiles, as a map view with a search box.

The same load runs against today's code (``--baseline``, default the commit before the load work, d5b4424) checked
out in a temporary ``git worktree``, same database, same gunicorn config, alternating baseline and current per
scenario (``--rounds``), so the rows are side by side in one run and a disturbed machine disturbs all of them; a
third row runs the current code with its two per-process caches off (``api.answer_cache``, ``publicmap.tile_memory``;
``--no-without-caches`` skips it), so what they add is seen apart from the rest. Reported per run: requests/s,
p50/p95/p99 (locust's histogram), errors, the server's and the database backends' CPU milliseconds per request (figures
other processes on the machine disturb far less than throughput), the server's share of its core (below 1: the machine
gave it no more), the load generator's CPU share (near 1: the generator, not the server, set the pace), the answer
cache's hits and misses, and the 1-minute load average. Prints one JSON object.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BASELINE_COMMIT = "d5b4424"
DISTRICT = "10018010"  # 新竹市東區, the real data set
USERS = 16
ZOOMS = (14, 15, 16, 17, 18)
TILES_PER_ZOOM = 60
LAYERS = ("plates", "buildings", "villages")
GUNICORN_CONFIG = "python:geo_portal.config.gunicorn"  # as deployed
SERVER_CORE, LOCUST_CORE = "1", "0"
SEED = 16
# The current code without its per-process caches (api.answer_cache, publicmap.tile_memory): what the rest gives.
CACHES_OFF = {"GEO_PORTAL_GEOCODE_ANSWER_CACHE_ENTRIES": "0", "GEO_PORTAL_TILE_MEMORY_BYTES": "0"}

SAMPLE_TILES = """
WITH pts AS (SELECT ST_Transform(geom, 3857) AS g FROM addresses_doorplate WHERE status = 'active' AND district_id = %(d)s),
tiles AS (SELECT DISTINCT floor((ST_X(g) + 20037508.342789244) / (40075016.685578488 / 2 ^ %(z)s))::int AS x,
                          floor((20037508.342789244 - ST_Y(g)) / (40075016.685578488 / 2 ^ %(z)s))::int AS y FROM pts)
SELECT x, y FROM tiles ORDER BY md5(x::text || '/' || y::text) LIMIT %(n)s"""


def geocode_paths(district: str, per_family: int) -> list[str]:
    """Real plates of the district in every written form, fixed seed, distinct, in a fixed shuffled order."""
    from support.address_forms import family_queries
    from support.search_eval import plate_records

    queries = family_queries(plate_records(district), per_family=per_family, seed=SEED)
    texts = sorted({text for pairs in queries.values() for _, text in pairs})
    random.Random(SEED).shuffle(texts)
    return [f"/api/v1/geocode?q={urllib.parse.quote(text)}" for text in texts]


def tile_paths(district: str) -> list[str]:
    """A fixed set of z14–z18 tiles that hold plates of the district, each with the layers that draw there."""
    from django.db import connection

    from geo_portal.areas.models import District
    from geo_portal.publicmap.tiles import tile_query

    district_id = District.objects.get(code=district).pk
    paths = []
    with connection.cursor() as cursor:
        for z in ZOOMS:
            cursor.execute(SAMPLE_TILES, {"d": district_id, "z": z, "n": TILES_PER_ZOOM})
            for x, y in cursor.fetchall():
                paths.extend(f"/tiles/{layer}/{z}/{x}/{y}.mvt" for layer in LAYERS if tile_query(layer, z, x, y) is not None)
    random.Random(SEED).shuffle(paths)
    return paths


def server_env(database_url: str) -> dict[str, str]:
    from support.unthrottled import UNTHROTTLED_ENV

    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "DJANGO_SETTINGS_MODULE": "geo_portal.config.settings.demo",
        **UNTHROTTLED_ENV,
    }
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # start-up as deployed, with bytecode caches
    return env


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """gunicorn with the deployed config, pinned to one core, from a checkout (this one or the baseline's)."""

    def __init__(self, checkout: Path, env: dict[str, str]):
        self.port = free_port()
        self.process = subprocess.Popen(
            ["taskset", "-c", SERVER_CORE, sys.executable, "-m", "gunicorn", "-c", GUNICORN_CONFIG,
             "geo_portal.config.wsgi:application", "-b", f"127.0.0.1:{self.port}"],
            env={**env, "PYTHONPATH": str(checkout)},
            cwd=checkout,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )  # fmt: skip
        deadline = time.monotonic() + 60
        while True:
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
                conn.request("GET", "/healthz")
                conn.getresponse().read()
                conn.close()
                break
            except OSError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"gunicorn did not start:\n{self.process.stderr.read().decode()[-3000:]}") from None
                time.sleep(0.2)

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(20)


def warm_tiles(port: int, paths: list[str]) -> dict[str, int]:
    """Every tile of the set once, so the load meets cached tiles; returns how many answered what."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    seen: dict[str, int] = {}
    for path in paths:
        conn.request("GET", path)
        response = conn.getresponse()
        response.read()
        key = f"{response.status} {response.headers.get('X-Tile-Cache', '')}"
        seen[key] = seen.get(key, 0) + 1
    conn.close()
    return seen


def run_locust(server: Server, scenario: str, paths_file: Path, *, db_name: str, args: argparse.Namespace) -> dict:
    """The locust process (core 0): the scenario's users for warm-up + steady state; the steady state's stats."""
    cmd = [
        "taskset", "-c", LOCUST_CORE, sys.executable, "-m", "bench.load", "--locust-child", scenario,
        "--host", f"http://127.0.0.1:{server.port}", "--paths", str(paths_file), "--users", str(args.users),
        "--warmup", str(args.warmup), "--seconds", str(args.seconds), "--server-pid", str(server.process.pid),
        "--db-name", db_name,
    ]  # fmt: skip
    done = subprocess.run(
        cmd, cwd=ROOT, check=True, capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)}
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def locust_child(args: argparse.Namespace) -> None:
    """Runs inside the load-generator process: locust as a library (gevent), never imported by the parent."""
    import gevent
    import psutil
    from locust import FastHttpUser, constant
    from locust.env import Environment

    paths = json.loads(Path(args.paths).read_text(encoding="utf-8"))
    geocode, tiles = paths["geocode"], paths["tiles"]
    counter = iter(range(10**9))
    answers: Counter[str] = Counter()  # the server's answer cache, as its header says (the baseline has none)

    def geocode_task(user) -> None:
        user.g = (user.g + 1) % len(geocode)
        with user.client.get(geocode[user.g], name="geocode", catch_response=True) as r:
            if r.status_code != 200 or not r.content.startswith(b"{"):
                r.failure(f"HTTP {r.status_code}")
            answers[r.headers.get("X-Answer-Cache") or "absent"] += 1

    def tile_task(user) -> None:
        user.t = (user.t + 1) % len(tiles)
        with user.client.get(tiles[user.t], name="tile", catch_response=True) as r:
            if r.status_code not in (200, 204) or r.headers.get("X-Tile-Cache") not in ("hit", "none"):
                r.failure(f"HTTP {r.status_code} {r.headers.get('X-Tile-Cache')}")

    weights = {
        "geocode": {geocode_task: 1},
        "tiles": {tile_task: 1},
        "mixed": {geocode_task: 1, tile_task: 4},  # a map view with a search box
    }[args.locust_child]

    class Client(FastHttpUser):
        wait_time = constant(0)
        host = args.host
        tasks = weights

        def on_start(self) -> None:
            n = next(counter)
            # Each user walks the lists from its own offset: the users together cover every query and tile.
            self.g = n * len(geocode) // args.users
            self.t = n * len(tiles) // args.users

    env = Environment(user_classes=[Client])
    runner = env.create_local_runner()
    me = psutil.Process()
    runner.start(args.users, spawn_rate=args.users * 10)
    gevent.sleep(args.warmup)
    runner.stats.reset_all()
    answers.clear()
    cpu0, t0, server0, db0 = me.cpu_times(), time.monotonic(), server_cpu(args.server_pid), database_cpu(args.db_name)
    gevent.sleep(args.seconds)
    cpu1, t1, server1, db1 = me.cpu_times(), time.monotonic(), server_cpu(args.server_pid), database_cpu(args.db_name)
    total = runner.stats.total
    out = {"users": args.users, "seconds": t1 - t0, "requests": total.num_requests, "errors": total.num_failures}
    out["per_s"] = total.num_requests / (t1 - t0)
    for q in (50, 95, 99):
        out[f"p{q}_ms"] = total.get_response_time_percentile(q / 100)
    out["mean_ms"] = total.avg_response_time
    out["error_kinds"] = {str(e.error): e.occurrences for e in runner.stats.errors.values()}
    out["by_name"] = {
        name: {"requests": s.num_requests, "p95_ms": s.get_response_time_percentile(0.95)}
        for (name, _method), s in runner.stats.entries.items()
    }
    if answers:
        out["answer_cache"] = dict(answers)
    if total.num_requests:
        out["server_cpu_ms_per_request"] = (server1 - server0) * 1000 / total.num_requests
        # Backends opened during the run count whole; one closed during it (CONN_MAX_AGE) loses its share.
        db = sum(t - db0.get(p, 0.0) for p, t in db1.items())
        out["database_cpu_ms_per_request"] = db * 1000 / total.num_requests
    out["server_cpu_share"] = (server1 - server0) / (t1 - t0)
    out["generator_cpu_share"] = ((cpu1.user + cpu1.system) - (cpu0.user + cpu0.system)) / (t1 - t0)
    runner.quit()
    print(json.dumps(out))


def server_cpu(pid: int) -> float:
    """User + system CPU seconds of the gunicorn master and its workers so far."""
    import psutil

    total = 0.0
    with contextlib.suppress(psutil.NoSuchProcess):
        parent = psutil.Process(pid)
        for p in [parent, *parent.children(recursive=True)]:
            with contextlib.suppress(psutil.NoSuchProcess):
                t = p.cpu_times()
                total += t.user + t.system
    return total


def database_cpu(db_name: str) -> dict[int, float]:
    """CPU seconds so far of each PostgreSQL backend connected to the benchmark database (by its process title)."""
    import psutil

    out = {}
    for p in psutil.process_iter(["name", "cmdline"]):
        with contextlib.suppress(psutil.Error):
            title = " ".join(p.info["cmdline"] or [])
            if title.startswith("postgres:") and f" {db_name} " in title:
                t = p.cpu_times()
                out[p.pid] = t.user + t.system
    return out


@contextlib.contextmanager
def baseline_checkout(commit: str) -> Iterator[Path]:
    """Today's code before the load work, as a detached git worktree in a temporary folder (removed after)."""
    folder = Path(tempfile.mkdtemp(prefix="geo_portal_baseline_"))
    subprocess.run(["git", "worktree", "add", "--detach", str(folder), commit], cwd=ROOT, check=True, capture_output=True)
    try:
        # Untracked files it needs as this checkout has them: the compiled translations and the vendored npm files.
        for mo in (ROOT / "geo_portal" / "locale").rglob("*.mo"):
            target = folder / mo.relative_to(ROOT)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(mo, target)
        if (ROOT / "node_modules").is_dir():
            (folder / "node_modules").symlink_to(ROOT / "node_modules")
        yield folder
    finally:
        subprocess.run(["git", "worktree", "remove", "--force", str(folder)], cwd=ROOT, check=False, capture_output=True)
        shutil.rmtree(folder, ignore_errors=True)


def measure(checkout: Path, env: dict[str, str], scenario: str, paths: dict, paths_file: Path, args) -> dict:
    db_name = urllib.parse.urlparse(env["DATABASE_URL"]).path.lstrip("/")
    server = Server(checkout, env)
    try:
        warm = warm_tiles(server.port, paths["tiles"]) if scenario in ("tiles", "mixed") else {}
        load0 = os.getloadavg()[0]
        result = run_locust(server, scenario, paths_file, db_name=db_name, args=args)
        result["load_1min"] = [load0, os.getloadavg()[0]]
        if warm:
            result["tile_warm_up"] = warm
        return result
    finally:
        server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--district", default=DISTRICT)
    parser.add_argument("--per-family", type=int, default=150, help="plates per written form (28 forms)")
    parser.add_argument("--scenarios", default="geocode,tiles", help="comma-separated: geocode, tiles, mixed")
    parser.add_argument("--baseline", default=BASELINE_COMMIT, help="commit to compare with; 'none' to skip")
    parser.add_argument(
        "--without-caches", action=argparse.BooleanOptionalAction, default=True,
        help="also run the current code with its per-process answer and tile caches off",
    )  # fmt: skip
    parser.add_argument("--rounds", type=int, default=1, help="baseline/current pairs per scenario (alternating)")
    parser.add_argument("--users", type=int, default=USERS)
    parser.add_argument("--warmup", type=float, default=10.0)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--locust-child", help=argparse.SUPPRESS)
    parser.add_argument("--host", help=argparse.SUPPRESS)
    parser.add_argument("--paths", help=argparse.SUPPRESS)
    parser.add_argument("--server-pid", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--db-name", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.locust_child:
        locust_child(args)
        return

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "geo_portal.config.settings.local")
    django.setup()
    from django.conf import settings
    from django.db import connection

    db = settings.DATABASES["default"]
    database_url = os.environ.get("DATABASE_URL") or (
        f"postgis://{db['USER']}@/{db['NAME']}?host={db['HOST']}&port={db['PORT']}"
    )
    paths = {"geocode": geocode_paths(args.district, args.per_family), "tiles": tile_paths(args.district)}
    connection.close()
    env = server_env(database_url)
    scenarios = [s for s in args.scenarios.split(",") if s]
    result: dict = {
        "users": args.users,
        "warmup_s": args.warmup,
        "seconds": args.seconds,
        "distinct_geocode_queries": len(paths["geocode"]),
        "tiles": len(paths["tiles"]),
        "cores": {"server": SERVER_CORE, "load generator": LOCUST_CORE},
        "baseline": args.baseline,
        "runs": {s: {} for s in scenarios},
    }
    with tempfile.TemporaryDirectory() as tmp, contextlib.ExitStack() as stack:
        paths_file = Path(tmp) / "paths.json"
        paths_file.write_text(json.dumps(paths), encoding="utf-8")
        variants: dict[str, tuple[Path, dict[str, str]]] = {}
        if args.baseline != "none":
            variants["baseline"] = (stack.enter_context(baseline_checkout(args.baseline)), env)
        if args.without_caches:
            variants["current, caches off"] = (ROOT, {**env, **CACHES_OFF})
        variants["current"] = (ROOT, env)
        for scenario in scenarios:
            for round_ in range(args.rounds):
                order = list(variants) if round_ % 2 == 0 else list(reversed(variants))
                for which in order:
                    checkout, variant_env = variants[which]
                    run = measure(checkout, variant_env, scenario, paths, paths_file, args)
                    result["runs"][scenario].setdefault(which, []).append(run)
                    print(f"{scenario} {which}: {run['per_s']:.0f}/s p95 {run['p95_ms']} ms", file=sys.stderr)
    for scenario, runs in result["runs"].items():
        best = {which: max(r["per_s"] for r in rs) for which, rs in runs.items() if rs}
        if "baseline" in best:
            result.setdefault("ratio", {})[scenario] = {k: v / best["baseline"] for k, v in best.items() if k != "baseline"}
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
