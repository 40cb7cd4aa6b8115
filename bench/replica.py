"""Streaming-replica benchmark (README, "Beyond one machine"): how long ``scripts/replica.sh`` takes to make a hot
standby of a cluster, and how long a committed write takes to become visible there (the lag that public reads from
the replica see), one small commit at a time and after a bulk write.

Runnable alone: ``python -m bench.replica [--cluster serve|test] [--commits 200] [--bulk-rows 200000]``. The replica
is a base backup of the whole cluster (every database on it), made in a temporary folder and removed afterwards;
the probe table lives in a database of its own (``geo_portal_bench_replica``), dropped at the end. Prints a table and
the numbers as JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "scripts" / "replica.sh"
CLUSTERS = {"serve": ("run", 5433), "test": ("test-run", 5434)}
DB = "geo_portal_bench_replica"
REPLICA_PORT = 5437


def _wait_visible(replica: psycopg.Connection, probe_id: int, timeout_s: float = 60) -> float:
    """Seconds until row ``probe_id`` is visible on the replica (polled every 0.2 ms)."""
    start = time.perf_counter()
    while time.perf_counter() - start < timeout_s:
        if replica.execute("SELECT 1 FROM probe WHERE id = %s", [probe_id]).fetchone():
            return time.perf_counter() - start
        time.sleep(0.0002)
    raise TimeoutError(f"row {probe_id} not visible on the replica after {timeout_s} s")


def run(*, cluster: str, commits: int, bulk_rows: int) -> dict:
    socket_dir, port = CLUSTERS[cluster]
    primary_sock = str((ROOT / ".data" / socket_dir).resolve())
    admin = psycopg.connect(host=primary_sock, port=port, user="postgres", dbname="postgres", autocommit=True)
    admin.execute(f"DROP DATABASE IF EXISTS {DB}")
    admin.execute(f"CREATE DATABASE {DB}")
    # Commits flushed as on the durable serve cluster (the test cluster turns synchronous_commit off, and then the
    # WAL reaches the replica only with the WAL writer's next round, up to 200 ms later).
    primary = psycopg.connect(
        host=primary_sock, port=port, user="postgres", dbname=DB, autocommit=True, options="-c synchronous_commit=on"
    )
    primary.execute("CREATE TABLE probe (id integer PRIMARY KEY, payload text)")
    base = Path(tempfile.mkdtemp(prefix="geo_portal_bench_replica_", dir="/tmp"))
    base.chmod(0o755)
    env = {
        **os.environ,
        "PRIMARY_SOCK": primary_sock,
        "PRIMARY_PORT": str(port),
        "REPLICA_DATA": str(base / "data"),
        "REPLICA_SOCK": str(base / "run"),
        "REPLICA_PORT": str(REPLICA_PORT),
    }
    try:
        size = admin.execute("SELECT sum(pg_database_size(datname)) FROM pg_database").fetchone()[0]
        started = time.perf_counter()
        subprocess.run([str(SCRIPT), "start"], env=env, check=True, capture_output=True)
        start_s = time.perf_counter() - started
        replica = psycopg.connect(host=str(base / "run"), port=REPLICA_PORT, user="postgres", dbname=DB, autocommit=True)
        lags = []
        for i in range(1, commits + 1):
            primary.execute("INSERT INTO probe VALUES (%s, 'x')", [i])  # committed when this returns
            lags.append(_wait_visible(replica, i))
        offset = commits + 1
        bulk_started = time.perf_counter()
        primary.execute(
            "INSERT INTO probe SELECT g, repeat('y', 100) FROM generate_series(%s, %s) g", [offset, offset + bulk_rows]
        )
        bulk_write_s = time.perf_counter() - bulk_started
        bulk_lag_s = _wait_visible(replica, offset + bulk_rows)
        replica.close()
    finally:
        subprocess.run([str(SCRIPT), "stop"], env=env, check=False, capture_output=True)
        shutil.rmtree(base, ignore_errors=True)
        primary.close()
        admin.execute(f"DROP DATABASE IF EXISTS {DB}")
        admin.close()
    ms = sorted(lag * 1000 for lag in lags)
    return {
        "cluster": cluster,
        "cluster_bytes": int(size),
        "replica_start_s": round(start_s, 2),
        "commits": commits,
        "commit_lag_ms_p50": round(statistics.median(ms), 2),
        "commit_lag_ms_p95": round(ms[int(0.95 * (len(ms) - 1))], 2),
        "commit_lag_ms_max": round(ms[-1], 2),
        "bulk_rows": bulk_rows,
        "bulk_write_s": round(bulk_write_s, 2),
        "bulk_lag_after_commit_s": round(bulk_lag_s, 3),
        "load_average": os.getloadavg(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cluster", choices=sorted(CLUSTERS), default="serve")
    parser.add_argument("--commits", type=int, default=200)
    parser.add_argument("--bulk-rows", type=int, default=200_000)
    args = parser.parse_args()
    result = run(cluster=args.cluster, commits=args.commits, bulk_rows=args.bulk_rows)
    print(f"replica of the {result['cluster']} cluster ({result['cluster_bytes'] / 1e6:,.0f} MB of databases)")
    print(f"  base backup + start            {result['replica_start_s']:>8.2f} s")
    print(
        f"  one commit visible after       p50 {result['commit_lag_ms_p50']:.2f} ms, p95 {result['commit_lag_ms_p95']:.2f} ms,"
        f" max {result['commit_lag_ms_max']:.2f} ms ({result['commits']} commits)"
    )
    print(
        f"  {result['bulk_rows']:,} rows in one commit     written in {result['bulk_write_s']:.2f} s,"
        f" visible {result['bulk_lag_after_commit_s']:.3f} s after the commit"
    )
    print(f"  load average {result['load_average']}")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
