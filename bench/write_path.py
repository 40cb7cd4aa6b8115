"""Write-path benchmark, run by ``make bench`` against its benchmark database (DATABASE_URL set, real plates loaded).

Measures, on the same database and cluster settings, one commit per operation on both sides:
- single-plate updates per second through ``plate_set_condition`` (lock, version check, history, change log)
  vs a bare ORM ``update()`` of the same field;
- reading 10,000 events from the public feed (``GET /api/v1/changes?after_seq=…&limit=10000`` through Django's
  WSGI handler with every middleware, in process), p50 / p95;
- 8 concurrent writers to different plates vs 1 writer through the services, with lock waits sampled from
  ``pg_stat_activity`` every 2 ms and classified: a wait in COMMIT (the change log's counter, held only through
  commit) or a wait in any other statement (for another writer's whole transaction). The same run is repeated with
  a statement-level trigger that bumps one shared version row per write — the tile cache's design before the change
  log — installed for the comparison only.
Prints one JSON object on stdout.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import statistics
import sys
import threading
import time

import django

OPS = 400
CONCURRENT_OPS = 60  # per writer
FEED_PAGE = 10_000
FEED_READS = 20

OLD_TRIGGER = """
CREATE TABLE IF NOT EXISTS bench_layer_version (name text PRIMARY KEY, version bigint NOT NULL);
INSERT INTO bench_layer_version VALUES ('plates', 0) ON CONFLICT DO NOTHING;
CREATE OR REPLACE FUNCTION bench_bump_layer_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN UPDATE bench_layer_version SET version = version + 1 WHERE name = 'plates'; RETURN NULL; END $$;
CREATE TRIGGER bench_bump AFTER INSERT OR UPDATE OR DELETE ON addresses_doorplate
FOR EACH STATEMENT EXECUTE FUNCTION bench_bump_layer_version();
"""
DROP_OLD_TRIGGER = """
DROP TRIGGER IF EXISTS bench_bump ON addresses_doorplate;
DROP FUNCTION IF EXISTS bench_bump_layer_version();
DROP TABLE IF EXISTS bench_layer_version;
"""


def pct(samples: list[float]) -> dict[str, float]:
    q = statistics.quantiles(sorted(samples), n=100, method="inclusive")
    return {"n": len(samples), "p50_ms": q[49] * 1000, "p95_ms": q[94] * 1000}


def sample_plates(n: int) -> list[int]:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("SELECT id FROM addresses_doorplate WHERE status = 'active' ORDER BY md5(id::text) LIMIT %s", [n])
        return [row[0] for row in cur.fetchall()]


def versions(ids: list[int]) -> dict[int, int]:
    from geo_portal.addresses.models import DoorPlate

    return dict(DoorPlate.objects.filter(pk__in=ids).values_list("pk", "version"))


def services_vs_orm(rounds: int = 6) -> dict:
    """Alternating rounds of OPS updates on each side (noise on a shared machine hits both), medians reported."""
    from geo_portal.addresses.models import DoorPlate
    from geo_portal.addresses.plates import plate_set_condition

    ids = sample_plates(OPS)
    # Each side always writes a value different from the current one (a real change: history row and change event).
    conditions = ("ok", "missing", "damaged")
    for i in ids[:20]:  # warm both paths (connection, plans, caches)
        DoorPlate.objects.filter(pk=i).update(condition="unknown")
    orm_rates, service_rates = [], []
    for r in range(rounds):
        start = time.perf_counter()
        for i in ids:
            DoorPlate.objects.filter(pk=i).update(condition=conditions[(2 * r) % 3])  # autocommit: one commit each
        orm_rates.append(len(ids) / (time.perf_counter() - start))
        seen = versions(ids)
        start = time.perf_counter()
        for i in ids:
            plate_set_condition(
                plate_id=i, version=seen[i], condition=conditions[(2 * r + 1) % 3], checked_on=dt.date(2026, 12, 1),
                actor="bench",
            )  # fmt: skip
        service_rates.append(len(ids) / (time.perf_counter() - start))
    ratios = [o / s for o, s in zip(orm_rates, service_rates, strict=True)]
    return {
        "ops_per_round": len(ids),
        "rounds": rounds,
        "orm_update_per_s": statistics.median(orm_rates),
        "services_per_s": statistics.median(service_rates),
        "cost_ratio": statistics.median(ratios),
        "cost_ratio_range": [min(ratios), max(ratios)],
    }


def feed_reads() -> dict:
    from django.core.handlers.wsgi import WSGIHandler

    from geo_portal.changes.selectors import channel_state

    app = WSGIHandler()
    latest = channel_state().seq
    samples = []
    sizes = []
    for n in range(FEED_READS + 2):
        after = (latest - FEED_PAGE) * n // (FEED_READS + 2)
        environ = {
            "REQUEST_METHOD": "GET",
            "PATH_INFO": "/api/v1/changes",
            "QUERY_STRING": f"after_seq={after}&limit={FEED_PAGE}",
            "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": "80",
            "REMOTE_ADDR": f"127.0.0.{n % 200 + 1}",  # per-client throttle: each read from another address
            "HTTP_HOST": "127.0.0.1",
            "wsgi.input": io.BytesIO(b""),
            "wsgi.url_scheme": "http",
            "wsgi.errors": sys.stderr,
        }
        status: list[str] = []
        start = time.perf_counter()
        body = b"".join(app(environ, lambda s, _h, status=status: status.append(s)))
        elapsed = time.perf_counter() - start
        if not status[0].startswith("200"):
            raise RuntimeError(f"feed read failed: {status[0]} {body[:200]!r}")
        events = len(json.loads(body)["events"])
        if n >= 2:  # the first two warm the process
            samples.append(elapsed)
            sizes.append((events, len(body)))
    return {**pct(samples), "events_per_read": sizes[0][0], "bytes_per_read": sizes[0][1]}


def _writers(count: int, plates: list[int]) -> dict:
    from django.db import connection, connections

    from geo_portal.addresses.plates import plate_set_condition

    seen = versions(plates)
    stop = threading.Event()
    samples = {"commit": 0, "other": 0, "polls": 0}
    dbname = connection.settings_dict["NAME"]

    def sampler():
        from django.db import connection as conn

        with conn.cursor() as cur:
            while not stop.is_set():
                cur.execute("SELECT query FROM pg_stat_activity WHERE datname = %s AND wait_event_type = 'Lock'", [dbname])
                for (query,) in cur.fetchall():
                    samples["commit" if query.strip().upper() == "COMMIT" else "other"] += 1
                samples["polls"] += 1
                time.sleep(0.002)
        connections.close_all()

    def writer(index: int):
        plate = plates[index]
        version = seen[plate]
        try:
            for n in range(CONCURRENT_OPS):
                version = plate_set_condition(
                    plate_id=plate, version=version, condition=("ok", "missing")[n % 2], checked_on=dt.date(2026, 12, 1),
                    actor=f"bench{index}",
                ).version  # fmt: skip
        finally:
            connections.close_all()

    poll = threading.Thread(target=sampler)
    poll.start()
    threads = [threading.Thread(target=writer, args=(i,)) for i in range(count)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - start
    stop.set()
    poll.join()
    ops = count * CONCURRENT_OPS
    return {
        "writers": count,
        "ops": ops,
        "ops_per_s": ops / elapsed,
        "lock_wait_samples_in_commit": samples["commit"],
        "lock_wait_samples_elsewhere": samples["other"],
        "polls": samples["polls"],
    }


def concurrency() -> dict:
    from django.db import connection

    plates = sample_plates(8)
    out = {"change_log": {"1": _writers(1, plates), "8": _writers(8, plates)}}
    with connection.cursor() as cur:
        cur.execute(OLD_TRIGGER)
    try:
        out["old_shared_version_row"] = {"1": _writers(1, plates), "8": _writers(8, plates)}
    finally:
        with connection.cursor() as cur:
            cur.execute(DROP_OLD_TRIGGER)
    return out


def main() -> None:
    django.setup()
    result = {"services_vs_orm": services_vs_orm(), "feed": feed_reads(), "concurrency": concurrency()}
    print(json.dumps(result))


if __name__ == "__main__":
    main()
