"""Change-notification benchmark, run by ``make bench`` against its benchmark database (DATABASE_URL set, the real
東區 plates loaded). The real parts run as they do in production: the job worker is ``manage.py procrastinate worker
--queues notifications --concurrency 8`` (its dispatcher polling the change log), and the receivers are Standard
Webhooks receivers verifying every signature (``notifications.receiver``), ten of them (one per agency) in a process
of their own on 127.0.0.1.

- fan-out: 200 new plates committed in one transaction, to ten subscribed agencies — 2,000 deliveries; deliveries
  per second from the commit to the last delivery (target ≥ 200/s);
- commit-to-delivery latency: 100 single-plate transactions, one every 50 ms, to the same ten agencies; per delivery
  the time from the transaction's commit (the change log's commit time) to the receiver's answer; p50 / p95 / max
  (target p95 ≤ 2 s).
Prints one JSON object on stdout (the last line). ``--concurrency N`` sets the worker's slots (default 12: one for
the dispatcher, one per agency and one spare, so no agency's deliveries wait for a slot; they spend their time
waiting for their receiver's answer, not on a core).

``python -m bench.notifications --ab N A B`` (DATABASE_URL: a loaded database) runs the benchmark N times with A
worker slots and N times with B, alternating, each on a fresh copy of that database (CREATE DATABASE … TEMPLATE),
and prints the runs and the medians: on a busy machine only such pairs are comparable.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path

import django

ROOT = Path(__file__).resolve().parents[1]
AGENCIES = 10
FANOUT_PLATES = 200
LATENCY_PLATES = 100
LATENCY_GAP_S = 0.05
CONCURRENCY = 12


def serve(secrets_file: str) -> None:
    """The receivers' process: one verifying receiver per secret, ports printed on one line, then serve."""
    from geo_portal.notifications.receiver import Receiver

    receivers = [Receiver([s]) for s in json.loads(Path(secrets_file).read_text())]
    for r in receivers:
        r.start()
    print(" ".join(str(r.server.server_address[1]) for r in receivers), flush=True)
    signal.sigwait({signal.SIGTERM, signal.SIGINT})


def pct(samples: list[float]) -> dict[str, float]:
    q = statistics.quantiles(sorted(samples), n=100, method="inclusive")
    return {"n": len(samples), "p50_ms": q[49] * 1000, "p95_ms": q[94] * 1000, "max_ms": max(samples) * 1000}


def _wait_delivered(expected: int, timeout: float) -> float:
    from geo_portal.notifications.models import Message

    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if Message.objects.filter(status="delivered").count() >= expected:
            return time.monotonic()
        time.sleep(0.05)
    done = Message.objects.filter(status="delivered").count()
    raise RuntimeError(f"only {done} of {expected} messages delivered in {timeout:.0f} s")


def main(concurrency: int = CONCURRENCY) -> None:
    django.setup()
    from django.contrib.auth import get_user_model
    from django.contrib.gis.geos import Point
    from django.db import connection, transaction
    from django.db.models import Count, Max
    from django.utils.dateparse import parse_datetime
    from procrastinate.contrib.django import app

    from geo_portal.addresses.models import DoorPlate
    from geo_portal.addresses.plates import Components, plate_create
    from geo_portal.core.dsn import database_url
    from geo_portal.notifications.models import Attempt, Message, Subscription
    from geo_portal.notifications.services import agency_create, subscription_create

    office = get_user_model().objects.create_superuser("bench-notify-office", None, secrets.token_urlsafe(18))
    subs = []
    for n in range(AGENCIES):
        agency = agency_create(actor=office, code=f"bench-{n:02d}", name=f"bench agency {n}", kind="other")
        subs.append((agency, ["plate.created", "plate.retired"]))
    # The receivers first (the subscriptions name their ports).
    tmp = ROOT / "gis_data" / "bench" / "notification-secrets.json"
    tmp.parent.mkdir(parents=True, exist_ok=True)
    pending_secrets = []
    made = []
    for agency, kinds in subs:
        sub, secret = subscription_create(actor=office, agency=agency, event_kinds=kinds, url="http://127.0.0.1:9/")
        made.append(sub)
        pending_secrets.append(secret)
    tmp.write_text(json.dumps(pending_secrets))
    receivers = subprocess.Popen([sys.executable, "-m", "bench.notifications", "serve", str(tmp)], cwd=ROOT,
                                 stdout=subprocess.PIPE, text=True)  # fmt: skip
    ports = receivers.stdout.readline().split()
    for sub, port in zip(made, ports, strict=True):
        Subscription.objects.filter(pk=sub.pk).update(url=f"http://127.0.0.1:{port}/hooks")

    road_id, top = (
        DoorPlate.objects.active().filter(lane="", alley="").values("road").annotate(n=Count("id"), top=Max("number"))
        .order_by("-n").values_list("road", "top").first()
    )  # fmt: skip
    anchor = DoorPlate.objects.active().filter(road_id=road_id).order_by("pk").first()
    numbers = iter(range(top + 1001, top + 100_000, 2))

    def new_plate() -> None:
        x, y = anchor.geom.x, anchor.geom.y
        plate_create(district=anchor.district, components=Components(number=next(numbers), road=anchor.road),
                     point=Point(x, y, srid=anchor.geom.srid), actor="bench")  # fmt: skip

    # A worker of its own: the dispatcher keeps its slot (no hand-over after each pass).
    env = {**os.environ, "GEO_PORTAL_NOTIFICATIONS_DISPATCH_SECONDS": "5", "GEO_PORTAL_NOTIFICATIONS_DISPATCH_YIELD": "0"}
    env["DATABASE_URL"] = env.get("DATABASE_URL") or database_url(connection.settings_dict)
    worker = subprocess.Popen(
        [sys.executable, "manage.py", "procrastinate", "worker", "--queues", "notifications", "--concurrency",
         str(concurrency)], cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    out: dict = {"agencies": AGENCIES, "concurrency": concurrency, "load_average_start": os.getloadavg()[0]}
    try:
        app.configure_task(name="notifications.dispatch", allow_unknown=False).defer(timestamp=0)
        time.sleep(2)  # the worker up and its dispatcher polling
        # Fan-out: one transaction, 200 plates, ten agencies.
        with transaction.atomic():
            for _ in range(FANOUT_PLATES):
                new_plate()
        start = time.monotonic()
        expected = FANOUT_PLATES * AGENCIES
        end = _wait_delivered(expected, 300)
        out["fanout"] = {"deliveries": expected, "seconds": end - start, "per_s": expected / (end - start)}
        # Latency: single-plate transactions, one every 50 ms.
        before = Message.objects.order_by("-id").values_list("id", flat=True).first()
        for _ in range(LATENCY_PLATES):
            new_plate()
            time.sleep(LATENCY_GAP_S)
        _wait_delivered(expected + LATENCY_PLATES * AGENCIES, 300)
        samples = []
        for m in Message.objects.filter(pk__gt=before).only("payload", "delivered_at"):
            attempt = Attempt.objects.filter(message=m, ok=True).order_by("-number").first()
            committed = json.loads(m.payload)["timestamp"]
            answered = attempt.at.timestamp() + attempt.response_ms / 1000
            samples.append(answered - parse_datetime(committed).timestamp())
        out["latency"] = pct(samples)
        out["failed_attempts"] = Attempt.objects.filter(ok=False).count()
    finally:
        worker.send_signal(signal.SIGTERM)
        receivers.send_signal(signal.SIGTERM)
        cpu = {}
        for name, proc in (("worker", worker), ("receivers", receivers)):
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                pid, _status, usage = os.wait4(proc.pid, os.WNOHANG)
                if pid:
                    cpu[name] = usage.ru_utime + usage.ru_stime
                    break
                time.sleep(0.1)
            else:
                proc.kill()
        tmp.unlink(missing_ok=True)
    total = expected + LATENCY_PLATES * AGENCIES
    # What the machine's load does not change: CPU time per delivery of the worker and of the receivers.
    out["cpu_s"] = cpu
    if len(cpu) == 2:
        out["worker_deliveries_per_cpu_s"] = total / cpu["worker"]
        out["deliveries_per_cpu_s"] = total / (cpu["worker"] + cpu["receivers"])
    out["load_average_end"] = os.getloadavg()[0]
    json.dump(out, sys.stdout, ensure_ascii=False)
    print()


def _ab(runs: int, a: int, b: int) -> None:
    """Alternate two worker concurrencies on fresh copies of DATABASE_URL's database (see the module's docstring)."""
    from bench.renumbering import _psql_admin

    url = os.environ["DATABASE_URL"]
    source = url.split("?")[0].rsplit("/", 1)[1]
    copy = f"{source}_ab"
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    results = []
    for n in range(runs):
        for slots in (a, b):
            _psql_admin(url, f"DROP DATABASE IF EXISTS {copy}")
            _psql_admin(url, f"CREATE DATABASE {copy} TEMPLATE {source}")
            done = subprocess.run(
                [sys.executable, "-m", "bench.notifications", "--concurrency", str(slots)], cwd=ROOT,
                env={**env, "DATABASE_URL": url.replace(f"/{source}?", f"/{copy}?", 1)},
                check=True, capture_output=True, text=True,
            )  # fmt: skip
            out = json.loads(done.stdout.strip().splitlines()[-1])
            row = {"run": n + 1, "concurrency": slots, "fanout_per_s": out["fanout"]["per_s"],
                   "latency_p95_ms": out["latency"]["p95_ms"], "latency_p50_ms": out["latency"]["p50_ms"],
                   "worker_deliveries_per_cpu_s": out.get("worker_deliveries_per_cpu_s"),
                   "load_average": out["load_average_start"]}  # fmt: skip
            results.append(row)
            print(json.dumps(row), file=sys.stderr, flush=True)
    _psql_admin(url, f"DROP DATABASE IF EXISTS {copy}")
    keys = ("fanout_per_s", "latency_p95_ms", "latency_p50_ms", "worker_deliveries_per_cpu_s", "load_average")
    median = {
        slots: {k: statistics.median(r[k] for r in results if r["concurrency"] == slots) for k in keys} for slots in (a, b)
    }
    json.dump({"runs": results, "median": median}, sys.stdout)
    print()


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "serve":
        django.setup()
        serve(sys.argv[2])
    elif "--ab" in sys.argv:
        i = sys.argv.index("--ab")
        _ab(*(int(v) for v in sys.argv[i + 1 : i + 4]))
    else:
        concurrency = int(sys.argv[sys.argv.index("--concurrency") + 1]) if "--concurrency" in sys.argv else CONCURRENCY
        main(concurrency)
