"""Generating and loading the synthetic register on the real door plates: ``generate_register``.

Reads the district's active plates and a month of imported village reports (``areas.VillagePopulation``, with ages),
plans each village (``plan``), encrypts and hashes every synthetic national ID, and COPYs persons, households,
address periods and memberships village by village into the register's tables with their secondary indexes and
foreign keys dropped for the load (``core.db.bulk_load_mode``; rebuilt and re-validated at the end), then
``ANALYZE``. All in one transaction under an advisory lock: a refusal or a failure leaves the register as it was.
Called by ``manage.py generate_register`` (``make demo`` and the bench) and the tests.
"""

from __future__ import annotations

import calendar
import datetime as dt
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field

from django.db import connection, transaction

from geo_portal.addresses.models import DoorPlate
from geo_portal.areas.models import District, VillagePopulation
from geo_portal.core.db import advisory_lock, bulk_load_mode, check_identifier, copy_rows
from geo_portal.registry import crypto, national_id
from geo_portal.registry.models import Household, HouseholdAddress, Membership, Person
from geo_portal.registry.synthetic.plan import PlanError, PlateSlot, VillageSpec, plan_village, serials

GENERATE_LOCK = 0x6770_0201  # advisory lock id: one register generation at a time
TABLES = ("registry_person", "registry_household", "registry_householdaddress", "registry_membership")
# Everything of the register, for --replace (only when every person in it is synthetic).
ALL_TABLES = (
    "registry_accesslog, registry_eventdocument, registry_eventtransition, registry_registrationevent, "
    "registry_membership, registry_householdaddress, registry_household, registry_person"
)
ALL_TABLE_NAMES = tuple(name.strip() for name in ALL_TABLES.split(","))
# Tables outside a set with a foreign key into it (plain names: the project's tables are in one schema).
REFERRING_TABLES = """
SELECT DISTINCT c.conrelid::regclass::text FROM pg_constraint c
WHERE c.contype = 'f' AND c.confrelid::regclass::text = ANY(%s) AND NOT (c.conrelid::regclass::text = ANY(%s))
ORDER BY 1
"""
PERSON_COLUMNS = [
    "id",
    "national_id_encrypted",
    "national_id_key",
    "national_id_hash",
    "national_id_hash_key",
    "name",
    "sex",
    "birth_date",
    "synthetic",
]
HOUSEHOLD_COLUMNS = ["id", "number", "kind", "head_id", "plate_id", "period", "synthetic", "version"]
ADDRESS_COLUMNS = ["id", "household_id", "plate_id", "valid"]
MEMBERSHIP_COLUMNS = ["id", "person_id", "household_id", "relation", "valid"]


class GenerateRefused(ValueError):
    """The register cannot be generated as asked (the message says why); nothing was written."""


@dataclass
class GenerateResult:
    month: dt.date
    on: dt.date
    scale: int
    villages: int = 0
    persons: int = 0
    households: int = 0
    addresses: int = 0
    memberships: int = 0
    seconds: dict[str, float] = field(default_factory=dict)


def _range(start: dt.date, end: dt.date | None = None) -> str:
    return f"[{start.isoformat()},{end.isoformat() if end else ''})"


def _month_end(month: dt.date) -> dt.date:
    return month.replace(day=calendar.monthrange(month.year, month.month)[1])


def _plates(district: District) -> tuple[dict[int, list[PlateSlot]], tuple[int, ...]]:
    """Active plates by village, each marked when it is the bare entrance of a building with floor/unit plates."""
    rows = list(
        DoorPlate.objects.active()
        .filter(district=district)
        .order_by("pk")
        .values_list(
            "pk",
            "village_id",
            "road_id",
            "area",
            "lane",
            "alley",
            "number_prefix",
            "number",
            "sub_number",
            "number_suffix",
            "floor",
        )
    )
    with_units = {row[2:10] for row in rows if row[10] is not None}
    by_village: dict[int, list[PlateSlot]] = defaultdict(list)
    for row in rows:
        if row[1] is not None:
            by_village[row[1]].append(PlateSlot(row[0], row[10] is None and row[2:10] in with_units))
    return by_village, tuple(row[0] for row in rows)


@contextmanager
def _exclusions_checked_after(tables: tuple[str, ...]) -> Iterator[None]:
    """Drop the tables' exclusion constraints for the load and add them back after it.

    Adding one checks every row through a freshly built index (~2× faster here than probing a GiST index row by
    row during COPY); a violation still fails the transaction, so the register is never left unchecked.
    """
    with connection.cursor() as cur:
        cur.execute(
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE contype = 'x' AND conrelid = ANY(%s::regclass[]) ORDER BY conname",
            [list(tables)],
        )
        constraints = cur.fetchall()
        for table, name, _definition in constraints:
            cur.execute(f'ALTER TABLE {check_identifier(table)} DROP CONSTRAINT "{check_identifier(name)}"')
    yield
    with connection.cursor() as cur:
        for table, name, definition in constraints:
            cur.execute(f'ALTER TABLE {check_identifier(table)} ADD CONSTRAINT "{check_identifier(name)}" {definition}')


def _empty_register(replace: bool) -> None:
    persons = Person.objects.count()
    if not persons:
        return
    if not replace:
        raise GenerateRefused(
            f"the register already holds {persons} persons; generate into an empty register (or --replace a synthetic one)"
        )
    if Person.objects.filter(synthetic=False).exists():
        raise GenerateRefused("the register holds persons that are not synthetic: it is never replaced")
    with connection.cursor() as cur:
        # Higher apps' tables that refer to the register (home-visit results name registration events): found in
        # the catalogue, never named here. Empty, they are truncated with it; holding rows, they stop the replace.
        referring: list[str] = []
        while True:  # and the tables that refer to those, and so on (TRUNCATE needs them all)
            known = [*ALL_TABLE_NAMES, *referring]
            cur.execute(REFERRING_TABLES, [known, known])
            found = [check_identifier(name) for (name,) in cur.fetchall()]
            if not found:
                break
            referring += found
        for table in referring:
            cur.execute(f"SELECT EXISTS (SELECT 1 FROM {table})")
            if cur.fetchone()[0]:
                raise GenerateRefused(
                    f"{table} refers to the register: its rows would be lost; the register is not replaced"
                )
        cur.execute(f"TRUNCATE {', '.join([ALL_TABLES, *referring])} RESTART IDENTITY")


@transaction.atomic
def generate_register(
    *,
    district_code: str,
    seed: int,
    scale: int = 1,
    month: dt.date | None = None,
    replace: bool = False,
    progress: Callable[[int], None] | None = None,
) -> GenerateResult:
    """Generate the synthetic register of a district matching a month's village reports (×``scale``)."""
    started = time.perf_counter()
    if not 1 <= scale <= 40:
        raise GenerateRefused(f"scale {scale}: must be between 1 and 40 (synthetic IDs run out beyond)")
    with advisory_lock(GENERATE_LOCK):
        district = District.objects.filter(code=district_code).first()
        if district is None:
            raise GenerateRefused(f"there is no district {district_code}")
        reports_qs = VillagePopulation.objects.filter(village__district=district).select_related("village")
        month = month or reports_qs.order_by("-month").values_list("month", flat=True).first()
        if month is None:
            raise GenerateRefused(f"no village population report is imported for {district.name}")
        reports = list(reports_qs.filter(month=month).order_by("village__code"))
        missing = [r.village.code for r in reports if r.age_male is None or r.age_female is None]
        if not reports or missing:
            raise GenerateRefused(
                f"the {month:%Y-%m} report of {district.name} has no ages for villages {', '.join(missing) or '(all)'}; "
                f"import the age report (RRRP03360) too"
            )
        _empty_register(replace)
        on = _month_end(month)
        result = GenerateResult(month=month, on=on, scale=scale)
        plates, district_plates = _plates(district)
        result.seconds["read"] = time.perf_counter() - started
        with ExitStack() as stack:
            for table in TABLES:
                stack.enter_context(bulk_load_mode(table))
            stack.enter_context(_exclusions_checked_after(TABLES))
            for report in reports:
                spec = VillageSpec(
                    code=report.village.code,
                    households=report.households,
                    male_by_age=tuple(report.age_male),
                    female_by_age=tuple(report.age_female),
                    plates=tuple(plates.get(report.village_id, ())),
                )
                try:
                    planned = plan_village(spec, seed=seed, scale=scale, on=on, district_plates=district_plates)
                except PlanError as exc:
                    raise GenerateRefused(f"village {report.village.code} {report.village.name}: {exc}") from None
                _load_village(planned, result)
                result.villages += 1
                if progress:
                    progress(sum(len(h.members) for h in planned))
            loaded = time.perf_counter()
        result.seconds["load"] = loaded - started - result.seconds["read"]
        with connection.cursor() as cur:
            for table in TABLES:
                cur.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
            for table in TABLES:
                cur.execute(f"ANALYZE {table}")
        result.seconds["indexes"] = time.perf_counter() - loaded
        result.seconds["total"] = time.perf_counter() - started
    return result


def _load_village(planned, result: GenerateResult) -> None:
    persons, households, addresses, memberships = [], [], [], []
    letter = national_id.SYNTHETIC_LETTER
    ids = serials(sum(len(h.members) for h in planned), first=result.persons)
    for household in planned:
        result.households += 1
        hid = result.households
        for member in household.members:
            result.persons += 1
            value = national_id.synthetic(next(ids), letter)
            blob, key = crypto.encrypt(value)
            digest, hash_key = crypto.keyed_hash(value)
            persons.append((result.persons, blob, key, digest, hash_key, member.name, member.sex, member.birth_date, True))
            result.memberships += 1
            memberships.append((result.memberships, result.persons, hid, member.relation, _range(member.since)))
        head_id = result.persons - len(household.members) + 1
        households.append(
            (hid, f"{letter}{hid:07d}", household.kind, head_id, household.plate_id, _range(household.start), True, 1)
        )
        if household.previous is not None:
            old_plate, moved = household.previous
            result.addresses += 1
            addresses.append((result.addresses, hid, old_plate, _range(household.start, moved)))
            start = moved
        else:
            start = household.start
        result.addresses += 1
        addresses.append((result.addresses, hid, household.plate_id, _range(start)))
    copy_rows(Person._meta.db_table, PERSON_COLUMNS, persons)
    copy_rows(Household._meta.db_table, HOUSEHOLD_COLUMNS, households)
    copy_rows(HouseholdAddress._meta.db_table, ADDRESS_COLUMNS, addresses)
    copy_rows(Membership._meta.db_table, MEMBERSHIP_COLUMNS, memberships)
