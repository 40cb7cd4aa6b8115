"""The synthetic register generator: counts equal to the report per village (households, persons, sex, single-year
ages), valid never-issued IDs, everything marked synthetic, deterministic, all-or-nothing."""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import random

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from geo_portal.areas.models import District, VillagePopulation
from geo_portal.registry import crypto, national_id
from geo_portal.registry.access import Access
from geo_portal.registry.models import Household, HouseholdAddress, Membership, Person
from geo_portal.registry.selectors import village_counts
from geo_portal.registry.synthetic.load import ALL_TABLES, GenerateRefused, generate_register
from geo_portal.registry.synthetic.plan import (
    PlateSlot,
    VillageSpec,
    household_sizes,
    plan_village,
    serials,
    tilted_sizes,
)
from tests.accounts.factories import make_staff

JUNE = dt.date(2026, 6, 1)
ON = dt.date(2026, 6, 30)


def ages(pairs: dict[int, int]) -> list[int]:
    out = [0] * 101
    for age, count in pairs.items():
        out[age] = count
    return out


@pytest.fixture
def reports(street):
    """Village 甲里 (all the street's plates): 3 households, 8 persons; 乙里 has no plates and no report."""
    return VillagePopulation.objects.create(
        village=street["a"],
        month=JUNE,
        neighborhoods=1,
        neighborhoods_with_plates=1,
        households=3,
        population=8,
        male=4,
        female=4,
        age_male=ages({44: 1, 12: 1, 71: 1, 30: 1}),
        age_female=ages({41: 1, 9: 1, 69: 1, 100: 1}),
        source="test",
    )


def snapshot() -> list[tuple]:
    """Everything generated, decrypted, in id order (the ciphertexts differ by nonce; the contents must not)."""
    persons = [
        (p.pk, p.name, p.sex, p.birth_date, crypto.decrypt(bytes(p.national_id_encrypted), p.national_id_key))
        for p in Person.objects.order_by("pk")
    ]
    households = list(Household.objects.order_by("pk").values_list("number", "kind", "head_id", "plate_id", "period"))
    memberships = list(Membership.objects.order_by("pk").values_list("person_id", "household_id", "relation", "valid"))
    addresses = list(HouseholdAddress.objects.order_by("pk").values_list("household_id", "plate_id", "valid"))
    return [persons, households, memberships, addresses]


def age_counts(district_id: int, on: dt.date) -> dict[tuple[int, str], list[int]]:
    with connection.cursor() as cur:
        cur.execute(
            """SELECT d.village_id, p.sex, least(date_part('year', age(%s::date, p.birth_date))::int, 100), count(*)
               FROM registry_membership m JOIN registry_person p ON p.id = m.person_id
               JOIN registry_householdaddress ha ON ha.household_id = m.household_id AND ha.valid @> %s::date
               JOIN addresses_doorplate d ON d.id = ha.plate_id
               WHERE m.valid @> %s::date AND d.district_id = %s GROUP BY 1, 2, 3""",
            [on, on, on, district_id],
        )
        out: dict[tuple[int, str], list[int]] = {}
        for village, sex, age, count in cur.fetchall():
            out.setdefault((village, sex), [0] * 101)[age] = count
    return out


def test_the_generated_register_equals_the_report(reports, street, staff):
    result = generate_register(district_code="10018010", seed=7)
    assert (result.persons, result.households, result.memberships, result.villages, result.on) == (8, 3, 8, 1, ON)
    counts = village_counts(
        district_id=street["district"].pk,
        on=ON,
        month=JUNE,
        access=Access(user=staff["ann"], purpose="statistics", endpoint="test"),
    )
    assert [(c.code, c.households, c.persons, c.male, c.female) for c in counts] == [
        ("10018010001", 3, 8, 4, 4),
        ("10018010002", 0, 0, 0, 0),
    ]
    by_age = age_counts(street["district"].pk, ON)
    assert by_age == {(street["a"].pk, "M"): reports.age_male, (street["a"].pk, "F"): reports.age_female}
    plates = {p.pk for p in street["plates"].values()}
    assert set(Household.objects.values_list("plate_id", flat=True)) <= plates
    assert all(Person.objects.values_list("synthetic", flat=True)) and all(
        Household.objects.values_list("synthetic", flat=True)
    )
    heads = Membership.objects.filter(relation="head").select_related("person", "household")
    assert sorted(m.person_id for m in heads) == sorted(Household.objects.values_list("head_id", flat=True))
    assert all((ON - m.person.birth_date).days >= 20 * 365 for m in heads)
    for p in Person.objects.all():
        value = crypto.decrypt(bytes(p.national_id_encrypted), p.national_id_key)
        assert national_id.parse(value).kind is national_id.Kind.SYNTHETIC


def test_generation_is_deterministic_for_a_seed_and_replaces_only_a_synthetic_register(reports):
    generate_register(district_code="10018010", seed=7)
    first = snapshot()
    with pytest.raises(GenerateRefused, match="the register already holds 8 persons; generate into an empty register"):
        generate_register(district_code="10018010", seed=7)
    generate_register(district_code="10018010", seed=7, replace=True)
    assert snapshot() == first
    generate_register(district_code="10018010", seed=8, replace=True)
    assert snapshot() != first
    Person.objects.filter(pk=Person.objects.order_by("pk").first().pk).update(synthetic=False)
    with pytest.raises(GenerateRefused, match="the register holds persons that are not synthetic: it is never replaced"):
        generate_register(district_code="10018010", seed=7, replace=True)


def test_the_load_keeps_every_constraint_and_index(reports):
    def schema():
        with connection.cursor() as cur:
            cur.execute(
                "SELECT conname FROM pg_constraint WHERE conrelid::regclass::text LIKE 'registry_%' UNION ALL "
                "SELECT indexname FROM pg_indexes WHERE tablename LIKE 'registry_%' ORDER BY 1"
            )
            return [r[0] for r in cur.fetchall()]

    before = schema()
    generate_register(district_code="10018010", seed=7)
    assert schema() == before
    assert "membership_one_household_at_a_time" in before and "householdaddress_plate_gist" in before


def test_scale_multiplies_every_count(reports, street, staff):
    result = generate_register(district_code="10018010", seed=7, scale=10)
    assert (result.persons, result.households) == (80, 30)
    by_age = age_counts(street["district"].pk, ON)
    assert by_age[(street["a"].pk, "M")] == [n * 10 for n in reports.age_male]


def test_refusals_name_the_problem_and_write_nothing(reports, street):
    with pytest.raises(GenerateRefused, match="there is no district 99999999"):
        generate_register(district_code="99999999", seed=1)
    with pytest.raises(GenerateRefused, match="scale 0: must be between 1 and 40"):
        generate_register(district_code="10018010", seed=1, scale=0)
    VillagePopulation.objects.create(
        village=street["b"],
        month=JUNE,
        neighborhoods=1,
        neighborhoods_with_plates=0,
        households=1,
        population=1,
        male=1,
        female=0,
        age_male=ages({50: 1}),
        age_female=ages({}),
        source="test",
    )
    with pytest.raises(GenerateRefused, match="village 10018010002 乙里: no active door plates"):
        generate_register(district_code="10018010", seed=1)
    VillagePopulation.objects.filter(village=street["b"]).update(age_male=None)
    with pytest.raises(GenerateRefused, match="has no ages for villages 10018010002; import the age report"):
        generate_register(district_code="10018010", seed=1)
    assert Person.objects.count() == 0 and Household.objects.count() == 0


def test_the_command_reports_what_it_loaded(reports, capsys):
    call_command("generate_register", "--seed", "3", "--month", "2026-06")
    out = capsys.readouterr().out
    assert out.startswith("synthetic register for 2026-06 (as on 2026-06-30, ×1): 8 persons in 3 households (1 villages), ")
    with pytest.raises(CommandError, match="--month '2026/06': write the month as YYYY-MM"):
        call_command("generate_register", "--month", "2026/06")


def test_household_sizes_add_up_and_follow_the_mean():
    rng = random.Random(1)
    sizes = household_sizes(rng, 1000, 2400)
    assert (len(sizes), sum(sizes), min(sizes)) == (1000, 2400, 1)
    assert abs(sum(w * k for k, w in enumerate(tilted_sizes(2.4), start=1)) - 2.4) < 1e-6
    assert sizes.count(1) > sizes.count(5)


def test_serials_are_a_bijection_without_runs():
    values = list(serials(100_000))
    assert len(set(values)) == 100_000 and all(0 <= v < 10_000_000 for v in values)
    assert sum(1 for a, b in itertools.pairwise(values) if b == a + 1) == 0


def test_a_village_plan_is_deterministic():
    spec = VillageSpec(
        "10018010001",
        40,
        tuple(ages({a: 1 for a in range(0, 100)})),
        tuple(ages({a: 1 for a in range(5, 90)})),
        tuple(PlateSlot(i, i % 7 == 0) for i in range(1, 60)),
    )
    one = plan_village(spec, seed=1, scale=1, on=ON, district_plates=tuple(range(1, 60)))
    two = plan_village(spec, seed=1, scale=1, on=ON, district_plates=tuple(range(1, 60)))
    digest = hashlib.sha256(repr(one).encode()).hexdigest()
    assert digest == hashlib.sha256(repr(two).encode()).hexdigest()
    assert sum(len(h.members) for h in one) == 185 and len(one) == 40


@pytest.mark.realdata
def test_the_real_june_2026_report(loaded_real, db):
    """All 53 villages of 東區: 221,916 residents in 92,585 households, by village, sex and single-year age."""
    district = District.objects.get(code="10018010")
    # From an empty register: browser tests commit their own persons through the live server before the real-data
    # tests run. Emptied inside this test's transaction (rolled back with it), referring tables too.
    with connection.cursor() as cur:
        cur.execute(f"TRUNCATE {ALL_TABLES} CASCADE")
    result = generate_register(district_code="10018010", seed=115, month=JUNE)
    assert (result.persons, result.households, result.villages) == (221_916, 92_585, 53)
    user = make_staff("realdata_registrar", "registrar")
    counts = village_counts(
        district_id=district.pk, on=ON, month=JUNE, access=Access(user=user, purpose="statistics", endpoint="test")
    )
    assert len(counts) == 53
    for c in counts:
        assert (c.households, c.persons, c.male, c.female) == (
            c.report_households,
            c.report_population,
            c.report_male,
            c.report_female,
        ), c.code
    by_age = age_counts(district.pk, ON)
    for report in VillagePopulation.objects.filter(village__district=district, month=JUNE):
        assert by_age[(report.village_id, "M")] == report.age_male, report.village_id
        assert by_age[(report.village_id, "F")] == report.age_female, report.village_id
    with connection.cursor() as cur:
        cur.execute("SELECT national_id_encrypted, national_id_key FROM registry_person")
        ids = [crypto.decrypt(bytes(blob), key) for blob, key in cur.fetchall()]
    assert len(set(ids)) == 221_916
    assert all(national_id.parse(v).kind is national_id.Kind.SYNTHETIC for v in ids)
    assert Person.objects.filter(synthetic=False).count() == 0
