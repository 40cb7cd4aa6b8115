"""Re-issuance benchmark, run by ``make bench`` against its benchmark database (DATABASE_URL set, the real 東區 plates
loaded), or alone: ``python -m bench.reissue --fresh`` makes a database of its own on the same server (the real
villages, boundaries and plates loaded as ``make bench`` does), runs, and drops it. Everything runs in this one
process, on the same cluster settings as the rest of the suite:

- resident notices: 1,000 plates of the village with the most plates marked missing, damaged or old style; the batch
  prepared (skip rule, walking order, addresses as on the plates) and its letters rendered to PDF files in parts of
  100 as ``manage.py print_notices`` does, first by two processes (``--jobs 2``, the command's default: this
  machine's two cores, each laying out whole parts), then by one (``--jobs 1``: the whole batch laid out as one
  document, each part's pages written to its file); seconds, pages per second and per CPU-second, the
  machine's load average around each, target ≤ 60 s;
- the daily overdue job (``reissue.remind_overdue``: the set-based scan, then the e-mails through Django's in-memory
  backend, so the job's own work is timed and not an SMTP server's) over 100,000 generated cases — opened over two
  years, each walked through its steps with realistic durations (some cancelled or refunded), 20 clerks, half the
  counter applicants with an e-mail address — first run, a second run the same day, and the next day's run; target
  ≤ 2 s;
- the supervisors' dashboard on those cases through Django's test client (every middleware, signed in as a
  reviewer): its first page and the last page of the overdue list, p50 and p95 of 20 reads each.
Prints one JSON object on stdout (the last line).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import resource
import secrets
import statistics
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlparse

import django

LETTERS = 1000
# The command's default, two processes on this machine's two cores (the suite prints this run), then one process (the
# whole batch laid out as one document: 75–88 CPU-seconds for the 1,000 letters, so over the target alone).
JOBS = (2, 1)
CASES = 100_000
CLERKS = 20
READS = 20
SEED = 12
ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"


def pct(samples: list[float]) -> dict[str, float]:
    q = statistics.quantiles(sorted(samples), n=100, method="inclusive")
    return {"n": len(samples), "p50_ms": q[49] * 1000, "p95_ms": q[94] * 1000, "max_ms": max(samples) * 1000}


def _reference(i: int, day: dt.date) -> str:
    code = ""
    for _ in range(5):
        i, r = divmod(i, len(ALPHABET))
        code += ALPHABET[r]
    return f"RI-{day:%Y%m%d}-{code}"


def letters_bench() -> dict:
    """1,000 letters over one village: preparing the batch, then printing its parts."""
    from django.db.models import Count

    from geo_portal.accounts.services import staff_create
    from geo_portal.addresses.models import DoorPlate
    from geo_portal.areas.models import Village
    from geo_portal.offices.models import ServicePoint
    from geo_portal.reissue.services import notice_batch_create

    clerk, _ = staff_create(actor=None, username="bench-notice-clerk", roles=["clerk"], password=secrets.token_urlsafe(18))
    village = Village.objects.annotate(n=Count("plates")).order_by("-n", "code").first()
    plates = list(DoorPlate.objects.active().filter(village=village).order_by("pk").values_list("pk", flat=True))
    if not ServicePoint.objects.filter(kind="office", active=True).exists():
        office = DoorPlate.objects.get(pk=plates[0])
        ServicePoint.objects.create(name="bench office", name_en="bench office", kind="office", address=office.address,
                                    location=office.geom, plate=office)  # fmt: skip
    # Every fourth plate of the village (spread along its streets), as a census would leave them.
    chosen = plates[1::4][:LETTERS]
    conditions = ("missing", "damaged", "old_style")
    for k, condition in enumerate(conditions):
        DoorPlate.objects.filter(pk__in=chosen[k::3]).update(condition=condition)
    start = time.perf_counter()
    batch = notice_batch_create(scope_kind="village", scope_id=village.pk, conditions=list(conditions), actor=clerk)
    prepare_s = time.perf_counter() - start
    runs = {jobs: render_letters(batch, jobs) for jobs in JOBS}
    return {
        "village": f"{village.district.name}{village.name}",
        "village_plates": len(plates),
        "letters": batch.letter_count,
        "prepare_s": prepare_s,
        # The first run (the command's default) in the keys the suite prints; every run under "runs".
        **runs[JOBS[0]],
        "runs": list(runs.values()),
    }


def render_letters(batch, jobs: int) -> dict:
    """The batch's parts printed as files by ``jobs`` processes: wall and CPU seconds, pages, load around it."""
    from geo_portal.reissue.notice_letters import print_batch

    who = resource.RUSAGE_SELF if jobs == 1 else resource.RUSAGE_CHILDREN
    before = resource.getrusage(who)
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as folder:
        start = time.perf_counter()
        printed = print_batch(batch, folder=Path(folder), site_url="https://plates.example.tw", jobs=jobs)
        render_s = time.perf_counter() - start
    load_after = os.getloadavg()[0]
    after = resource.getrusage(who)
    cpu_s = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    how = (
        "one process, the whole batch laid out as one document, each part's pages written to its file"
        if jobs == 1
        else f"{jobs} processes, one document per part"
    )
    pages = sum(p.pages for p in printed)
    return {
        "parts": len(printed),
        "jobs": jobs,
        "rendered_as": how,
        "load_1min": [round(load_before, 2), round(load_after, 2)],
        "render_s": render_s,
        "cpu_s": cpu_s,
        "pages": pages,
        "pages_per_s": pages / render_s,
        "pages_per_cpu_s": pages / cpu_s,
        "mb": sum(p.bytes for p in printed) / 1e6,
    }


def generate_cases(clerks: list[int], plates: list[int]) -> dict:
    """100,000 cases with their steps, plates and applicants, COPYed in (ids after the existing ones)."""
    from django.conf import settings
    from django.db import connection
    from django.utils import timezone

    rng = random.Random(SEED)
    days = settings.REISSUE_STEP_DAYS
    now = timezone.now()
    tz = timezone.get_current_timezone()
    with connection.cursor() as cur:
        cur.execute("SELECT coalesce(max(id), 0) FROM reissue_case")
        base = cur.fetchone()[0]
    cases, steps, case_plates, applicants = [], [], [], []
    counts: dict[str, int] = {}
    for i in range(CASES):
        case_id = base + 1 + i
        opened = now - dt.timedelta(seconds=rng.uniform(0, 730 * 86400))
        waived = rng.random() < 0.1
        path = ["requested", "fee_assessed", *([] if waived else ["paid"]), "ordered", "delivered",
                rng.choice(["installed", "installed", "collected"]), "closed"]  # fmt: skip
        ending = rng.random()
        stop_at = len(path)
        end_state = ""
        if ending < 0.03:  # cancelled while nothing is paid
            stop_at, end_state = rng.choice([1, 2]), "cancelled"
        elif ending < 0.04 and not waived:  # refunded after paying
            stop_at, end_state = rng.choice([3, 4, 5]), "refunded"
        at, state, since, due = opened, "", opened, None
        actions = {"requested": "open", "fee_assessed": "assess_fee", "paid": "pay", "ordered": "order",
                   "delivered": "deliver", "installed": "install", "collected": "collect", "closed": "close"}  # fmt: skip
        clerk = clerks[i % len(clerks)]
        for k, target in enumerate([*path[:stop_at], *([end_state] if end_state else [])]):
            if k:
                # Most steps within their target, a third late by up to 60% more.
                held = days.get(state, 3)
                at = at + dt.timedelta(days=rng.uniform(0.3, held * 1.6), seconds=rng.uniform(0, 3600))
                if at > now:
                    break
            due = None if target in ("closed", "cancelled", "refunded") else (
                timezone.localtime(at, tz).date() + dt.timedelta(days=days[target]))  # fmt: skip
            steps.append((case_id, actions.get(target, "cancel" if target == "cancelled" else "refund"), state, target,
                          clerk, at, "", due))  # fmt: skip
            state, since = target, at
        counts[state] = counts.get(state, 0) + 1
        fee = None if state in ("requested",) else (0 if waived else 200)
        cases.append((case_id, _reference(case_id, timezone.localtime(opened, tz).date()),
                      "office_initiative" if waived else "counter", "", rng.choice(["missing", "damaged", "old_style"]),
                      "", state, due, fee, waived and fee is not None,
                      "bench" if state in ("cancelled", "refunded") else "", opened, since, "bench", 1, clerk, since))  # fmt: skip
        final = state in ("closed", "cancelled", "refunded")
        case_plates.append((case_id, plates[i % len(plates)], "standard", 1, fee, not final, "", "", None))
        if not waived and rng.random() < 0.5:
            applicants.append((case_id, f"申請人{i}", "03-5000000", f"r{i}@example.invalid"))
    with connection.cursor() as cur:
        raw = cur.cursor
        with raw.copy(
            "COPY reissue_case (id, reference, source, source_ref, reason, reason_note, state, due_on, fee_amount,"
            " fee_waived, end_reason, opened_at, updated_at, updated_by, version, clerk_id, state_since) FROM STDIN"
        ) as copy:
            for row in cases:
                copy.write_row(row)
        with raw.copy(
            "COPY reissue_casestep (case_id, action, from_state, to_state, actor_id, at, note, due_on) FROM STDIN"
        ) as copy:
            for row in steps:
                copy.write_row(row)
        with raw.copy(
            "COPY reissue_caseplate (case_id, plate_id, plate_kind, quantity, unit_fee, is_open, text, route_group,"
            " route_seq) FROM STDIN"
        ) as copy:
            for row in case_plates:
                copy.write_row(row)
        with raw.copy("COPY reissue_caseapplicant (case_id, name, phone, email) FROM STDIN") as copy:
            for row in applicants:
                copy.write_row(row)
        cur.execute("SELECT setval(pg_get_serial_sequence('reissue_case', 'id'), (SELECT max(id) FROM reissue_case))")
        cur.execute(
            "ANALYZE reissue_case; ANALYZE reissue_casestep; ANALYZE reissue_caseplate; ANALYZE reissue_caseapplicant"
        )
    return {"cases": len(cases), "steps": len(steps), "states": dict(sorted(counts.items()))}


def overdue_bench() -> dict:
    from django.conf import settings
    from django.core import mail
    from django.db import transaction
    from django.utils import timezone

    from geo_portal.reissue.models import OverdueNotice
    from geo_portal.reissue.services.overdue import overdue_scan, overdue_send

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    today = timezone.localdate()
    runs = []
    for label, day in (("first run", today), ("again the same day", today), ("the next day", today + dt.timedelta(1))):
        mail.outbox = []
        start = time.perf_counter()
        # As the job does: the scan in its own transaction, then the sending.
        with transaction.atomic():
            scanned = overdue_scan(today=day)
        sent = overdue_send()
        seconds = time.perf_counter() - start
        runs.append({"run": label, "seconds": seconds, "new_clerk": scanned.clerk, "new_resident": scanned.resident,
                     "clerk_emails": sent.clerk_emails, "resident_emails": sent.resident_emails,
                     "emails": len(mail.outbox)})  # fmt: skip
    return {"runs": runs, "notices": OverdueNotice.objects.count()}


def dashboard_bench(reviewer) -> dict:
    from django.test import Client
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from geo_portal.reissue import dashboard

    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hant")
    client.force_login(reviewer)
    # Reviewers sign in with a second factor: the session marked as having passed it, as the two-factor page does.
    device, _ = TOTPDevice.objects.get_or_create(user=reviewer, name="authenticator", defaults={"confirmed": True})
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    overdue = dashboard.overdue_cases().count()
    last_page = max(1, -(-overdue // 100))
    out = {"overdue": overdue, "open": sum(s.total for s in dashboard.step_ages())}
    for name, path in (("first_page", "/reissue/dashboard/"), ("last_page", f"/reissue/dashboard/?page={last_page}")):
        client.get(path)  # warm
        samples = []
        for _ in range(READS):
            start = time.perf_counter()
            response = client.get(path)
            samples.append(time.perf_counter() - start)
            assert response.status_code == 200, response.status_code
        out[name] = {**pct(samples), "bytes": len(response.content)}
    out["last_page_number"] = last_page
    return out


def main() -> None:
    django.setup()
    from django.conf import settings

    from geo_portal.accounts.services import staff_create
    from geo_portal.addresses.models import DoorPlate

    settings.ALLOWED_HOSTS = ["*"]
    out: dict = {"letters": letters_bench()}
    clerks = []
    for n in range(1, CLERKS + 1):
        user, _ = staff_create(actor=None, username=f"bench-clerk-{n:02d}", roles=["clerk"],
                               password=secrets.token_urlsafe(18))  # fmt: skip
        user.email = f"bench-clerk-{n:02d}@example.invalid"
        user.save(update_fields=["email"])
        clerks.append(user.pk)
    reviewer, _ = staff_create(actor=None, username="bench-reviewer", roles=["reviewer"], password=secrets.token_urlsafe(18))
    plates = list(DoorPlate.objects.active().order_by("pk").values_list("pk", flat=True))
    start = time.perf_counter()
    out["generated"] = {**generate_cases(clerks, plates), "seconds": time.perf_counter() - start}
    out["overdue"] = overdue_bench()
    out["dashboard"] = dashboard_bench(reviewer)
    json.dump(out, sys.stdout, ensure_ascii=False)
    print()


FRESH_DB = "geo_portal_bench_reissue"


def fresh(run) -> None:
    """``--fresh``: a database of this benchmark's own on the server of DATABASE_URL (else the serve cluster), the real
    villages, boundaries and plates loaded as ``make bench`` loads them, ``run`` in it, then the database dropped."""
    import subprocess

    from bench.suite import REAL_PLATES, ROOT, _manage, _psql

    base = os.environ.get("DATABASE_URL") or f"postgis://postgres@/geo_portal?host={ROOT / '.data' / 'run'}&port=5433"
    url = urlparse(base)._replace(path=f"/{FRESH_DB}").geturl()
    real = Path(os.environ.get("GEO_PORTAL_SHARED_DATA", ROOT.parent / "shared" / "data" / "real"))
    env = {**os.environ, "DATABASE_URL": url}
    env.setdefault("DJANGO_SETTINGS_MODULE", "geo_portal.config.settings.local")
    _psql(url, f"DROP DATABASE IF EXISTS {FRESH_DB}", dbname="postgres")
    _psql(url, f"CREATE DATABASE {FRESH_DB}", dbname="postgres")
    try:
        with tempfile.TemporaryDirectory() as reports:
            for cmd in (
                [sys.executable, "manage.py", "migrate", "-v0"],
                _manage("load_villages", str(real / "boundaries/hsinchu_city_villages_moi_nlsc_20230928_attributes.csv")),
                _manage("load_boundaries", str(real / "boundaries/DERIVED_hsinchu_east_villages_from_stat_areas.geojson"),
                        "--level", "village", "--code-field", "VILLCODE"),
                _manage("import_doorplates", str(real / REAL_PLATES), "--preset", "tw-address-data", "--report-dir",
                        reports),
            ):  # fmt: skip
                subprocess.run(cmd, env=env, cwd=ROOT, check=True, capture_output=True)
        os.environ.update({"DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": env["DJANGO_SETTINGS_MODULE"]})
        run()
    finally:
        from django.db import connections

        connections.close_all()
        _psql(url, f"DROP DATABASE IF EXISTS {FRESH_DB}", dbname="postgres")


if __name__ == "__main__":
    if "--fresh" in sys.argv[1:]:
        fresh(main)
    else:
        main()
