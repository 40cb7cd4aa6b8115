"""Household register benchmark, run by ``make bench`` against its benchmark database (DATABASE_URL set, the real 東區
plates loaded). Everything runs in this one process, on the same cluster settings as the rest of the suite:

- generating and loading the synthetic register (``generate_register``, ×1: 221,916 persons), target ≤ 60 s; the
  June 2026 village reports are imported first when the database has none;
- residents at an address on a date (``selectors.residents_on`` with its access-log rows, in process): p50/p95 of
  1,000 reads of random registered plates on random dates of the last ten years, target p95 ≤ 5 ms — a first
  pass right after the load (cold buffers, hint bits; kept as ``*_cold``), then the timed one;
- the access log's cost for a page showing one household of up to 10 persons: ``access.log_reads`` for the
  members of 1,000 random households (10 persons or fewer), timed alone inside the page's transaction, target
  ≤ 1 ms; beside it the whole ``household_members`` read;
- applying 10,000 approved move-ins (one newcomer each, into a new single-person household at a random active
  plate) with ``events_apply_batch``, target ≤ 20 s; the events are written approved by two bench registrars
  beforehand (their entry and review are not what is measured);
- then ×10 (``--replace``: 2,219,160 persons, generation timed) and residents at an address on a date again.
Prints one JSON object on stdout (the last line). ``--skip-x10`` leaves out the ×10 part.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import secrets
import statistics
import sys
import time

import django

READS = 1000
MOVE_INS = 10_000
SEED = 13
DISTRICT = "10018010"


def pct(samples: list[float]) -> dict[str, float]:
    q = statistics.quantiles(sorted(samples), n=100, method="inclusive")
    return {"n": len(samples), "p50_ms": q[49] * 1000, "p95_ms": q[94] * 1000, "max_ms": max(samples) * 1000}


def ensure_population() -> str:
    """The month of the latest imported village reports (the real June 2026 ones imported when none are)."""
    from geo_portal.areas.models import VillagePopulation
    from geo_portal.areas.population import import_population
    from geo_portal.demo.loading import REAL, real_data_dir

    if not VillagePopulation.objects.filter(village__district__code=DISTRICT).exists():
        base = real_data_dir()
        import_population(households_path=base / REAL["households"], ages_path=base / REAL["ages"])
    return VillagePopulation.objects.order_by("-month").values_list("month", flat=True).first()


def generate(month: dt.date, scale: int) -> dict:
    from geo_portal.registry.synthetic.load import generate_register

    start = time.perf_counter()
    result = generate_register(district_code=DISTRICT, seed=115, scale=scale, month=month, replace=True)
    seconds = time.perf_counter() - start
    return {"scale": scale, "persons": result.persons, "households": result.households, "seconds": seconds,
            "parts": result.seconds}  # fmt: skip


def residents_bench(access, rng: random.Random) -> dict:
    from geo_portal.registry import selectors
    from geo_portal.registry.models import HouseholdAddress

    plates = list(HouseholdAddress.objects.values_list("plate_id", flat=True).distinct())
    today = dt.date.today()
    samples, found = [], 0
    for _ in range(READS):
        plate, on = rng.choice(plates), today - dt.timedelta(days=rng.randrange(3650))
        start = time.perf_counter()
        found += len(selectors.residents_on(plate_id=plate, on=on, access=access))
        samples.append(time.perf_counter() - start)
    return {**pct(samples), "plates": len(plates), "residents_found": found}


def log_cost_bench(access, rng: random.Random) -> dict:
    from django.db import connection, transaction
    from django.db.models import Count, Q

    from geo_portal.registry import selectors
    from geo_portal.registry.access import HOUSEHOLD, PERSON_FIELDS, RELATION, checked, log_reads
    from geo_portal.registry.models import Household, Membership

    sizes = (
        Household.objects.filter(period__upper_inf=True)
        .annotate(n=Count("memberships", filter=Q(memberships__valid__upper_inf=True)))
        .filter(n__gte=1, n__lte=10)
        .values_list("pk", flat=True)
    )
    households = rng.sample(list(sizes), READS)
    access = checked(access)
    log, page, persons = [], [], 0
    for hid in households:
        members = list(
            Membership.objects.filter(household_id=hid, valid__upper_inf=True).values_list("person_id", flat=True)
        )
        persons += len(members)
        with transaction.atomic():
            connection.cursor().execute("SELECT 1")  # the transaction is open before timing, as in a page's read
            start = time.perf_counter()
            log_reads(access, selector="household_members", person_ids=members, fields=(*PERSON_FIELDS, RELATION, HOUSEHOLD))
            log.append(time.perf_counter() - start)
        start = time.perf_counter()
        selectors.household_members(household_id=hid, access=access)
        page.append(time.perf_counter() - start)
    return {"log": pct(log), "household_members": pct(page), "mean_persons": persons / len(households)}


def approved_move_ins(ann, bob, rng: random.Random, first: int = 0) -> list[tuple[int, int]]:
    """10,000 approved move-ins written directly (status approved, entered and submitted by one registrar, reviewed
    by the other, with their step records), as the review would have left them."""
    from django.utils import timezone

    from geo_portal.addresses.models import DoorPlate
    from geo_portal.registry.details import MoveIn, NewHousehold, NewPerson, to_json
    from geo_portal.registry.models import EventTransition, RegistrationEvent
    from geo_portal.registry.national_id import synthetic

    plates = list(DoorPlate.objects.active().filter(district__code=DISTRICT).values_list("pk", flat=True))
    day = timezone.localdate() - dt.timedelta(days=3)
    now = timezone.now()
    events = []
    for i in range(first, first + MOVE_INS):
        sex = "MF"[i % 2]
        newcomer = NewPerson(name=f"測試{i:05d}", sex=sex, birth_date=dt.date(1960 + i % 40, 1 + i % 12, 1 + i % 28),
                             national_id=synthetic(i, "A"), relation="head")  # fmt: skip
        details = MoveIn(newcomers=(newcomer,), new_household=NewHousehold(f"Z{i:07d}", "single", rng.choice(plates)))
        events.append(
            RegistrationEvent(
                kind="move_in",
                status="approved",
                effective_date=day,
                declared_on=day,
                details=to_json(details),
                created_by=ann,
                submitted_by=ann,
                submitted_at=now,
                reviewed_by=bob,
                reviewed_at=now,
                version=3,
            )
        )
    created = RegistrationEvent.objects.bulk_create(events, batch_size=2000)
    steps = [
        EventTransition(event=e, from_status=a, to_status=b, actor=who)
        for e in created
        for a, b, who in (("", "draft", ann), ("draft", "submitted", ann), ("submitted", "approved", bob))
    ]
    EventTransition.objects.bulk_create(steps, batch_size=5000)
    return [(e.pk, e.version) for e in created]


def batch_bench(ann, bob, rng: random.Random) -> dict:
    from geo_portal.registry.models import RegistrationEvent
    from geo_portal.registry.services.batch import events_apply_batch

    start = time.perf_counter()
    batch = approved_move_ins(ann, bob, rng)
    prepared = time.perf_counter() - start
    start = time.perf_counter()
    result = events_apply_batch(events=batch, actor=bob)
    seconds = time.perf_counter() - start
    applied = RegistrationEvent.objects.filter(pk__in=result.applied, status="applied").count()
    return {"events": len(batch), "applied": applied, "seconds": seconds, "prepare_s": prepared}


def main() -> None:
    django.setup()
    from django.conf import settings

    from geo_portal.accounts.services import staff_create
    from geo_portal.registry.access import Access, Purpose

    settings.ALLOWED_HOSTS = ["*"]
    rng = random.Random(SEED)
    month = ensure_population()
    ann, _ = staff_create(actor=None, username="bench-registrar-a", roles=["registrar"], password=secrets.token_urlsafe(18))
    bob, _ = staff_create(actor=None, username="bench-registrar-b", roles=["registrar"], password=secrets.token_urlsafe(18))
    access = Access(user=ann, purpose=Purpose.VERIFICATION, endpoint="bench/registry")
    out: dict = {"generate_x1": generate(month, 1)}
    # The first reads after a load find cold buffers and set hint bits: measured, then the timed pass.
    out["residents_x1_cold"] = residents_bench(access, rng)
    out["residents_x1"] = residents_bench(access, rng)
    out["log_cost"] = log_cost_bench(access, rng)
    out["batch"] = batch_bench(ann, bob, rng)
    if "--skip-x10" not in sys.argv:
        # --replace needs an entirely synthetic register: the batch's newcomers are synthetic IDs (range A0…).
        out["generate_x10"] = generate(month, 10)
        out["residents_x10_cold"] = residents_bench(access, rng)
        out["residents_x10"] = residents_bench(access, rng)
    json.dump(out, sys.stdout, ensure_ascii=False, default=str)
    print()


if __name__ == "__main__":
    main()
