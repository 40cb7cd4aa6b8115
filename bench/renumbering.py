"""Renumbering benchmark, run by ``make bench`` against its benchmark database (DATABASE_URL set, the real 東區 plates
loaded): 關新路, 2,529 plates in the real data, with synthetic households registered at them, renamed by one plan —
every plate retired and replaced, every household moved by the plan's registration event — in one transaction.

Before timing, households are generated at the road's plates (seeded; about the district's 0.86 households per plate
and 2.4 persons per household; synthetic national IDs encrypted as the register stores them) unless the register
already has households there. Timed in this one process: drafting the plan by the rule, the preview (conflicts, zip
codes, English, counts), submit and approval (each re-checks the preview), and the apply (target ≤ 10 s); then the
result is checked — new plates, households moved, one public txid. Prints one JSON object on stdout (the last line).

``python -m bench.renumbering --ab N`` (DATABASE_URL: a loaded database, not yet renumbered) compares the apply
with its check as before (``--full-preview``: the preview reading every new address back, as the plates' write
does again) against today's, N times each, alternating on fresh copies of that database (CREATE DATABASE …
TEMPLATE; households generated once, before copying): on a busy machine only such pairs are comparable. Prints the
runs and the medians as one JSON object.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import secrets
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

import django

ROAD = "關新路"
NEW_NAME = "關新大道"
SEED = 14
HOUSEHOLDS_PER_PLATE = 0.86
RELATIONS = ("spouse", "son", "daughter", "father", "mother")


def synthetic_households(plate_ids: list[int]) -> dict[str, int]:
    """Households at a share of the plates, 1–5 persons each, written with bulk inserts (setup, not timed)."""
    from django.db.backends.postgresql.psycopg_any import DateRange

    from geo_portal.registry.identity import stored
    from geo_portal.registry.models import Household, HouseholdAddress, Membership, Person
    from geo_portal.registry.national_id import synthetic

    rng = random.Random(SEED)
    chosen = sorted(rng.sample(plate_ids, round(len(plate_ids) * HOUSEHOLDS_PER_PLATE)))
    serial = 9_000_000 + Person.objects.count()
    households = []
    for n, plate_id in enumerate(chosen):
        size = rng.choices((1, 2, 3, 4, 5), weights=(30, 26, 20, 16, 8))[0]
        since = dt.date(1990, 1, 1) + dt.timedelta(days=rng.randrange(12_000))
        people = []
        for k in range(size):
            secret = stored(synthetic(serial))
            serial += 1
            people.append(
                Person(
                    national_id_encrypted=secret.encrypted,
                    national_id_key=secret.key,
                    national_id_hash=secret.hash,
                    national_id_hash_key=secret.hash_key,
                    name=f"測試{n}之{k}",
                    sex="MF"[k % 2],
                    birth_date=dt.date(1950 + rng.randrange(50), 1 + rng.randrange(12), 1 + rng.randrange(28)),
                    synthetic=True,
                )
            )
        households.append((plate_id, since, people))
    Person.objects.bulk_create([p for _plate, _since, people in households for p in people], batch_size=5000)
    rows = [
        Household(
            number=f"R{8_000_000 + n:07d}",
            kind="living",
            head=people[0],
            plate_id=plate_id,
            period=DateRange(since, None),
            synthetic=True,
        )
        for n, (plate_id, since, people) in enumerate(households)
    ]
    Household.objects.bulk_create(rows, batch_size=5000)
    HouseholdAddress.objects.bulk_create(
        [HouseholdAddress(household=h, plate_id=h.plate_id, valid=h.period) for h in rows], batch_size=5000
    )
    Membership.objects.bulk_create(
        [
            Membership(person=p, household=h, relation="head" if k == 0 else RELATIONS[k - 1], valid=h.period)
            for h, (_plate, _since, people) in zip(rows, households, strict=True)
            for k, p in enumerate(people)
        ],
        batch_size=5000,
    )
    return {"households": len(rows), "persons": sum(len(p) for _plate, _since, p in households)}


def _backend_pid(connection) -> int:
    with connection.cursor() as cur:
        cur.execute("SELECT pg_backend_pid()")
        return cur.fetchone()[0]


def _cpu_seconds(pid: int) -> float:
    """CPU time (user + system) of a local process, from /proc (the database server's backend of this session);
    NaN where /proc cannot be read (another machine, another OS)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text(encoding="ascii").rsplit(")", 1)[1].split()
    except OSError:
        return float("nan")
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def staff(username: str, role: str):
    """The bench's staff user (created on the first run; a second run in the same database reuses it)."""
    from django.contrib.auth import get_user_model

    from geo_portal.accounts.services import staff_create

    user = get_user_model().objects.filter(username=username).first()
    return user or staff_create(actor=None, username=username, roles=[role], password=secrets.token_urlsafe(18))[0]


def _full_preview_apply() -> None:
    """The apply's check as it was: the full preview (every new address read back, English, households counted)."""
    from geo_portal.renumbering import preview, services

    full = preview.plan_preview
    services.plan_preview = lambda plan, **kwargs: full(plan, **{**kwargs, "for_apply": False})


def main() -> None:
    django.setup()
    if "--full-preview" in sys.argv:
        _full_preview_apply()
    from django.db import connection
    from django.utils import timezone

    from geo_portal.addresses.models import DoorPlate
    from geo_portal.areas.models import Road
    from geo_portal.changes.selectors import channel_state
    from geo_portal.registry.models import Household
    from geo_portal.renumbering.preview import plan_preview
    from geo_portal.renumbering.services import plan_apply, plan_approve, plan_draft_by_rule, plan_submit

    road = Road.objects.select_related("district").get(name=ROAD)
    plate_ids = list(DoorPlate.objects.active().filter(road=road).order_by("pk").values_list("pk", flat=True))
    out: dict = {"road": ROAD, "plates": len(plate_ids)}
    if not Household.objects.filter(plate_id__in=plate_ids).exists():
        start = time.perf_counter()
        out["generated"] = {**synthetic_households(plate_ids), "seconds": time.perf_counter() - start}
    with connection.cursor() as cur:
        cur.execute("ANALYZE")
    clerk, reviewer = (
        staff(name, role)
        for name, role in (("bench-renumbering-clerk", "clerk"), ("bench-renumbering-reviewer", "reviewer"))
    )
    today = timezone.localdate()
    timings: dict[str, float] = {}

    start = time.perf_counter()
    plan = plan_draft_by_rule(
        actor=clerk,
        district=road.district,
        kind="rename_road",
        title=f"{ROAD} → {NEW_NAME}",
        effective_date=today,
        road_id=road.pk,
        new_road_name=NEW_NAME,
    )
    timings["draft_s"] = time.perf_counter() - start
    start = time.perf_counter()
    preview = plan_preview(plan)
    timings["preview_s"] = time.perf_counter() - start
    start = time.perf_counter()
    plan = plan_submit(plan_id=plan.pk, version=plan.version, actor=clerk)
    plan = plan_approve(plan_id=plan.pk, version=plan.version, actor=reviewer)
    timings["submit_and_approve_s"] = time.perf_counter() - start
    public_before = channel_state().txid
    registry_before = channel_state(channel="registry").txid
    backend = _backend_pid(connection)
    start, cpu, db_cpu = time.perf_counter(), time.process_time(), _cpu_seconds(backend)
    plan = plan_apply(plan_id=plan.pk, version=plan.version, actor=clerk)
    timings["apply_s"] = time.perf_counter() - start
    timings["apply_db_cpu_s"] = _cpu_seconds(backend) - db_cpu
    # This process's own CPU time (Python: checks, preview, parsing) and its database backend's (the statements and
    # their triggers: history and change events); the rest of the wall time is waiting, for a core on a busy machine.
    timings["apply_python_cpu_s"] = time.process_time() - cpu

    moved = Household.objects.filter(plate__road__name=NEW_NAME, period__upper_inf=True).count()
    with connection.cursor() as cur:
        cur.execute(
            "SELECT count(DISTINCT t.txid), count(*) FROM changes_event e JOIN changes_transaction t "
            "ON t.id = e.transaction_id WHERE t.channel = 'public' AND t.txid > %s",
            [public_before],
        )
        public_txids, public_events = cur.fetchone()
    out.update(
        {
            **timings,
            "target_apply_s": 10.0,
            "load_average": os.getloadavg()[0],
            "conflicts": len(preview.conflicts),
            "households": preview.affected.households,
            "persons": preview.affected.persons,
            "new_plates": DoorPlate.objects.active().filter(road__name=NEW_NAME).count(),
            "retired_plates": DoorPlate.objects.filter(pk__in=plate_ids, status="retired").count(),
            "households_moved": moved,
            "public_txids": public_txids,
            "public_events": public_events,
            "registry_txids": channel_state(channel="registry").txid - registry_before,
            "status": plan.status,
            "variant": "full-preview" if "--full-preview" in sys.argv else "apply-check",
        }
    )
    json.dump(out, sys.stdout, ensure_ascii=False)
    print()


def _ab(runs: int) -> None:
    """Alternate the two variants on fresh copies of DATABASE_URL's database (see the module's docstring)."""
    import statistics
    import subprocess

    django.setup()
    from django.db import connection

    from geo_portal.addresses.models import DoorPlate
    from geo_portal.areas.models import Road
    from geo_portal.registry.models import Household

    url = os.environ["DATABASE_URL"]
    source = urlparse(url).path.lstrip("/")
    road = Road.objects.get(name=ROAD)
    plate_ids = list(DoorPlate.objects.active().filter(road=road).order_by("pk").values_list("pk", flat=True))
    if not Household.objects.filter(plate_id__in=plate_ids).exists():
        synthetic_households(plate_ids)
    connection.close()
    copy = f"{source}_ab"
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    results: list[dict] = []
    for n in range(runs):
        for variant in ("full-preview", "apply-check"):
            connection.close()  # a template must have no session open
            _psql_admin(url, f"DROP DATABASE IF EXISTS {copy}")
            _psql_admin(url, f"CREATE DATABASE {copy} TEMPLATE {source}")
            cmd = [sys.executable, "-m", "bench.renumbering", *(["--full-preview"] if variant == "full-preview" else [])]
            done = subprocess.run(
                cmd, env={**env, "DATABASE_URL": url.replace(f"/{source}", f"/{copy}", 1)},
                check=True, capture_output=True, text=True,
            )  # fmt: skip
            out = json.loads(done.stdout.strip().splitlines()[-1])
            results.append({"run": n + 1, **{k: out[k] for k in ("variant", "apply_s", "apply_python_cpu_s",
                            "apply_db_cpu_s", "load_average", "households_moved", "public_events")}})  # fmt: skip
            print(json.dumps(results[-1]), file=sys.stderr, flush=True)
    _psql_admin(url, f"DROP DATABASE IF EXISTS {copy}")
    summary = {
        variant: {
            key: statistics.median(r[key] for r in results if r["variant"] == variant)
            for key in ("apply_s", "apply_python_cpu_s", "apply_db_cpu_s", "load_average")
        }
        for variant in ("full-preview", "apply-check")
    }
    json.dump({"runs": results, "median": summary}, sys.stdout)
    print()


def _psql_admin(url: str, sql: str) -> None:
    """One statement on the server's ``postgres`` database (creating and dropping the copies)."""
    import subprocess
    from urllib.parse import parse_qs

    parsed = urlparse(url)
    query = parse_qs(parsed.query)
    host = (query.get("host") or [parsed.hostname or ""])[0]
    port = str((query.get("port") or [parsed.port or 5432])[0])
    cmd = ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", host, "-p", port, "-U", parsed.username or "postgres"]
    subprocess.run([*cmd, "-d", "postgres", "-c", sql], check=True, capture_output=True, text=True)


if __name__ == "__main__":
    if "--ab" in sys.argv:
        _ab(int(sys.argv[sys.argv.index("--ab") + 1]))
    else:
        main()
