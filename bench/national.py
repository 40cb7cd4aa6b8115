"""The national-scale first import (issue 16 §5), phase by phase: where a generated set's import spends its time.

A fresh database of its own on the durable (serve) cluster: migrate, the generated villages and their boundaries, then
``import_doorplates`` of the generated plates in a child process that times every SQL statement of the import (by its
first words) and the COPY into staging (which includes the Python parsing it streams). The child's wall time, CPU
seconds and peak RSS come from ``wait4``; the cluster's WAL written and checkpoints from its statistics; the load
average before and after. Run alone: ``python -m bench.national --csv gis_data/generated/bench-1000000`` (a folder
made by ``manage.py generate_demo --plates N --seed 1 --out …``); prints JSON on its last line.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parents[1]
DB = "geo_portal_bench_national"
# Slowest statements listed, by total time.
TOP = 15


def _url() -> str:
    url = os.environ.get("DATABASE_URL") or f"postgis://postgres@/geo_portal?host={ROOT / '.data' / 'run'}&port=5433"
    return urlparse(url)._replace(path=f"/{DB}").geturl()


def _env() -> dict[str, str]:
    env = {**os.environ, "DATABASE_URL": _url(), "DJANGO_SETTINGS_MODULE": "geo_portal.config.settings.local"}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def _manage(env: dict[str, str], *args: str) -> None:
    subprocess.run([sys.executable, "manage.py", *args, "-v0"], env=env, cwd=ROOT, check=True, capture_output=True)


def _admin_sql(env: dict[str, str], sql: str, timeout: str = "0") -> list[tuple]:
    """One statement on the cluster's ``postgres`` database (through Django's connection to it)."""
    timeout_sql = f"SET statement_timeout = '{timeout}'"
    code = (
        "import django, json; django.setup(); from django.db import connection;"
        "connection.settings_dict['NAME'] = 'postgres'; connection.connection = None;"
        f"cur = connection.cursor(); cur.execute({timeout_sql!r}); cur.execute({sql!r});"
        "print(json.dumps(cur.fetchall() if cur.description else [], default=str))"
    )
    done = subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT, check=True, capture_output=True, text=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def _cluster_stats(env: dict[str, str]) -> dict:
    row = _admin_sql(
        env,
        "SELECT pg_current_wal_lsn()::text, checkpoints_timed, checkpoints_req, buffers_checkpoint, buffers_backend "
        "FROM pg_stat_bgwriter",
    )[0]
    return {"lsn": row[0], "checkpoints_timed": row[1], "checkpoints_req": row[2], "buffers_checkpoint": row[3]}


def _wal_bytes(env: dict[str, str], start: str, end: str) -> int:
    return int(_admin_sql(env, f"SELECT pg_wal_lsn_diff('{end}', '{start}')")[0][0])


def _child(path: Path) -> None:
    """In the child: the import with every statement timed; prints the phases as JSON."""
    import django

    django.setup()
    from django.db import connection

    from geo_portal.addresses.imports import import_doorplates
    from geo_portal.addresses.imports import services as import_services
    from geo_portal.core import db as core_db

    totals: dict[str, float] = defaultdict(float)
    order: list[str] = []

    def timed(execute, sql, params, many, context):
        key = " ".join(str(sql).split())[:90]
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            if key not in totals:
                order.append(key)
            totals[key] += time.perf_counter() - started

    copy_rows = core_db.copy_rows

    def timed_copy(table, columns, rows):
        started = time.perf_counter()
        try:
            return copy_rows(table, columns, rows)
        finally:
            key = f"COPY {table} (with the parsing it streams)"
            order.append(key)
            totals[key] += time.perf_counter() - started

    import_services.copy_rows = timed_copy
    if os.environ.get("NATIONAL_EXPLAIN"):
        # The plans of the slow statements, triggers' nested statements included, in the server's log.
        with connection.cursor() as cur:
            cur.execute("LOAD 'auto_explain'")
            for name, value in (
                ("log_min_duration", "'3s'"),
                ("log_analyze", "on"),
                ("log_triggers", "on"),
                ("log_nested_statements", "on"),
                ("log_timing", "off"),
                ("log_buffers", "on"),
            ):
                cur.execute(f"SET auto_explain.{name} = {value}")
    started = time.perf_counter()
    with connection.execute_wrapper(timed):
        result = import_doorplates(
            path=path / "doorplates.csv",
            preset="geo-portal",
            srid=3826,
            district="10018990",
            report_dir=Path(tempfile.gettempdir()),
        )
    wall = time.perf_counter() - started
    # The parsing workers are children of multiprocessing's fork server, which reaps them: their CPU reaches this
    # process's RUSAGE_CHILDREN only once the fork server itself is stopped and waited for.
    from multiprocessing import forkserver

    forkserver._forkserver._stop()
    usage = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    statements = sorted(totals.items(), key=lambda kv: -kv[1])
    print(
        json.dumps(
            {
                "wall_s": round(wall, 1),
                "counts": {k: v for k, v in result.counts.items() if k in ("loaded", "added", "rejected")},
                "importer_cpu_s": round(usage.ru_utime + usage.ru_stime, 1),
                "parse_workers_cpu_s": round(children.ru_utime + children.ru_stime, 1),
                "statements": [[k, round(v, 2)] for k, v in statements[:TOP]],
                "other_statements_s": round(sum(v for _, v in statements[TOP:]), 2),
            },
            ensure_ascii=False,
        )
    )


def run(folder: Path) -> dict:
    env = _env()
    _drop(env)
    _admin_sql(env, f"CREATE DATABASE {DB}")
    try:
        _manage(env, "migrate")
        _manage(env, "load_villages", str(folder / "villages.csv"))
        _manage(env, "load_boundaries", str(folder / "villages.geojson"), "--level", "village", "--code-field", "VILLCODE")
        load_before = os.getloadavg()
        before = _cluster_stats(env)
        start = time.perf_counter()
        with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
            proc = subprocess.Popen(
                [sys.executable, "-m", "bench.national", "--child", str(folder)], env=env, cwd=ROOT, stdout=out, stderr=err
            )
            _, status, usage = os.wait4(proc.pid, 0)
            seconds = time.perf_counter() - start
            if os.waitstatus_to_exitcode(status) != 0:
                err.seek(0)
                raise RuntimeError(err.read().decode(errors="replace"))
            out.seek(0)
            report = json.loads(out.read().decode().strip().splitlines()[-1])
        after = _cluster_stats(env)
        report.update(
            process_s=round(seconds, 1),
            peak_rss_mb=round(usage.ru_maxrss / 1024),
            process_cpu_s=round(usage.ru_utime + usage.ru_stime, 1),
            load_before=[round(x, 2) for x in load_before],
            load_after=[round(x, 2) for x in os.getloadavg()],
            wal_mb=round(_wal_bytes(env, before["lsn"], after["lsn"]) / 2**20),
            checkpoints=(after["checkpoints_timed"] + after["checkpoints_req"])
            - (before["checkpoints_timed"] + before["checkpoints_req"]),
            checkpoints_requested=after["checkpoints_req"] - before["checkpoints_req"],
        )
        return report
    finally:
        if not os.environ.get("NATIONAL_KEEP_DB"):
            _drop(env)


def _drop(env: dict[str, str]) -> None:
    """Drop the database; DROP DATABASE waits for every backend of the cluster to acknowledge it (a session of
    someone else's stuck in COPY can hold it up): given up after a minute, saying so."""
    try:
        _admin_sql(env, f"DROP DATABASE IF EXISTS {DB}", timeout="60s")
    except subprocess.CalledProcessError as exc:
        print(f"could not drop {DB} (drop it later): {exc.stderr.strip().splitlines()[-1]}", file=sys.stderr)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--csv", type=Path, help="a generate_demo output folder")
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(args.child)
        return
    report = run(args.csv or ROOT / "gis_data" / "generated" / "bench-1000000")
    for name, seconds in report["statements"]:
        print(f"{seconds:>9.2f} s  {name}")
    print(json.dumps(report, ensure_ascii=False))


if __name__ == "__main__":
    main()
