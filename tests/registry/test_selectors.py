"""Registry reads: what each returns, and that each writes its access-log rows (one per person, fields named)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import IntegrityError, ProgrammingError, transaction

from geo_portal.registry.access import Access
from geo_portal.registry.errors import AccessDenied, RegistryRefused
from geo_portal.registry.models import AccessLog
from geo_portal.registry.national_id import synthetic
from geo_portal.registry.selectors import (
    households_at_entrance,
    person_by_national_id,
    person_history,
    persons_by_name,
    residents_during,
    residents_on,
    village_counts,
)

PERSON = ["name", "sex", "birth_date", "death_date"]


def access(staff, purpose="registration", endpoint="/registry/test", request_id="req-1", note="") -> Access:
    return Access(user=staff["ann"], purpose=purpose, endpoint=endpoint, request_id=request_id, note=note)


def log_rows() -> list[tuple]:
    return list(
        AccessLog.objects.order_by("id").values_list(
            "username", "purpose", "person__name", "fields", "selector", "endpoint", "request_id"
        )
    )


def test_households_at_an_entrance_with_its_floors_and_units(world, staff):
    plates = world["plates"]
    result = households_at_entrance(plate_id=plates["5F3"].pk, access=access(staff), with_national_id=True)
    assert [(p.address, [h.number for h in p.households]) for p in result] == [
        ("新竹市東區光復路二段5號", []),
        ("新竹市東區光復路二段5號2樓", ["O0000001"]),
        ("新竹市東區光復路二段5號3樓", ["O0000040"]),
    ]
    chen = result[1].households[0]
    assert (chen.kind, chen.head_id, chen.registered_here_since) == (
        "living",
        world["people"]["陳大明"].pk,
        dt.date(2024, 6, 1),
    )
    assert [(m.person.name, m.relation, m.person.national_id) for m in chen.members] == [
        ("陳大明", "head", synthetic(1)),
        ("林美玲", "spouse", synthetic(2)),
        ("陳小明", "son", synthetic(3)),
    ]
    fields = [*PERSON, "relation", "household", "national_id"]
    rows = [(r[2], r[3], r[4]) for r in log_rows()]
    assert rows == [(name, fields, "households_at_entrance") for name in ("陳大明", "林美玲", "陳小明", "王大同", "王小同")]


def test_households_without_national_ids_log_no_national_id(world, staff):
    households_at_entrance(plate_id=world["plates"][5].pk, access=access(staff))
    assert {tuple(r[3]) for r in log_rows()} == {(*PERSON, "relation", "household")}


def test_residents_at_an_address_on_a_date(world, staff):
    plates = world["plates"]
    before = residents_on(plate_id=plates[1].pk, on=dt.date(2024, 5, 31), access=access(staff))
    assert [(r.person.name, r.relation, r.household_number) for r in before] == [
        ("陳大明", "head", "O0000001"),
        ("林美玲", "spouse", "O0000001"),
        ("陳小明", "son", "O0000001"),
    ]
    assert residents_on(plate_id=plates[1].pk, on=dt.date(2024, 6, 1), access=access(staff)) == []
    units = residents_on(plate_id=plates[5].pk, on=dt.date(2024, 6, 1), access=access(staff), include_units=True)
    assert [(r.person.name, r.plate_id) for r in units] == [
        ("陳大明", plates["5F2"].pk),
        ("林美玲", plates["5F2"].pk),
        ("陳小明", plates["5F2"].pk),
        ("王大同", plates["5F3"].pk),
        ("王小同", plates["5F3"].pk),
    ]
    assert [r[2] for r in log_rows()] == ["陳大明", "林美玲", "陳小明", "陳大明", "林美玲", "陳小明", "王大同", "王小同"]
    assert {(tuple(r[3]), r[4]) for r in log_rows()} == {((*PERSON, "relation", "household"), "residents_on")}


def test_residents_over_a_period(world, staff):
    stretches = residents_during(
        plate_id=world["plates"][1].pk, start=dt.date(2024, 1, 1), end=dt.date(2025, 1, 1), access=access(staff)
    )
    assert [(s.person.name, s.since, s.until) for s in stretches] == [
        ("陳大明", dt.date(2024, 1, 1), dt.date(2024, 6, 1)),
        ("林美玲", dt.date(2024, 1, 1), dt.date(2024, 6, 1)),
        ("陳小明", dt.date(2024, 1, 1), dt.date(2024, 6, 1)),
    ]
    assert len(log_rows()) == 3 and log_rows()[0][3] == [*PERSON, "relation", "household", "period"]
    with pytest.raises(RegistryRefused, match="end: must be after the start"):
        residents_during(
            plate_id=world["plates"][1].pk, start=dt.date(2025, 1, 1), end=dt.date(2025, 1, 1), access=access(staff)
        )


def test_a_persons_address_history(world, staff):
    son = world["people"]["陳小明"]
    view, periods = person_history(person_id=son.pk, access=access(staff, purpose="citizen"))
    assert view.name == "陳小明" and view.national_id is None
    assert [(p.household_number, p.relation, p.address, p.since, p.until) for p in periods] == [
        ("O0000001", "son", "新竹市東區光復路二段1號", dt.date(2020, 3, 1), dt.date(2024, 6, 1)),
        ("O0000001", "son", "新竹市東區光復路二段5號2樓", dt.date(2024, 6, 1), None),
    ]
    assert log_rows() == [
        (
            "ann",
            "citizen",
            "陳小明",
            [*PERSON, "household", "relation", "address", "period"],
            "person_history",
            "/registry/test",
            "req-1",
        )
    ]


def test_search_by_name_prefix(world, staff):
    found = persons_by_name(name="陳", access=access(staff))
    assert [(m.person.name, m.household_number, m.address) for m in found] == [
        ("陳大明", "O0000001", "新竹市東區光復路二段5號2樓"),
        ("陳小明", "O0000001", "新竹市東區光復路二段5號2樓"),
    ]
    assert persons_by_name(name="陳%", access=access(staff)) == []  # LIKE wildcards are plain characters
    assert [r[2] for r in log_rows()] == ["陳大明", "陳小明"]
    assert log_rows()[0][3] == [*PERSON, "household", "address"]


def test_search_by_national_id_exact_and_misses_logged(world, staff):
    match = person_by_national_id(national_id_text=synthetic(2).lower(), access=access(staff, note="case 115-77"))
    assert (match.person.name, match.person.national_id, match.household_number) == ("林美玲", synthetic(2), "O0000001")
    assert person_by_national_id(national_id_text=synthetic(999), access=access(staff)) is None
    rows = list(AccessLog.objects.order_by("id").values_list("person__name", "fields", "note"))
    assert rows == [
        ("林美玲", ["national_id", *PERSON, "household", "address"], "case 115-77"),
        (None, ["national_id"], "(no match)"),
    ]
    with pytest.raises(RegistryRefused, match="national_id: check digit is wrong"):
        person_by_national_id(national_id_text="O000000001", access=access(staff))


def test_village_counts_beside_the_report(world, staff, areas):
    from geo_portal.areas.models import VillagePopulation

    VillagePopulation.objects.create(
        village=areas["a"],
        month=dt.date(2026, 6, 1),
        neighborhoods=1,
        neighborhoods_with_plates=1,
        households=2,
        population=5,
        male=3,
        female=2,
        source="test",
    )
    counts = village_counts(
        district_id=areas["district"].pk,
        on=dt.date(2026, 6, 30),
        month=dt.date(2026, 6, 1),
        access=access(staff, purpose="statistics"),
    )
    assert [
        (c.code, c.households, c.persons, c.male, c.female, c.report_households, c.report_population) for c in counts
    ] == [
        ("10018010001", 2, 5, 3, 2, 2, 5),
        ("10018010002", 0, 0, 0, 0, None, None),
    ]
    assert list(AccessLog.objects.values_list("person", "fields", "selector", "note")) == [
        (None, ["count"], "village_counts", "(aggregate of 5 persons on 2026-06-30)")
    ]


def test_reads_need_the_role_and_a_purpose(world, staff):
    plate = world["plates"][1].pk
    with pytest.raises(AccessDenied, match=r"^carl may not read personal data\.$"):
        residents_on(
            plate_id=plate, on=dt.date(2024, 1, 1), access=Access(user=staff["clerk"], purpose="audit", endpoint="x")
        )
    with pytest.raises(RegistryRefused) as exc:
        residents_on(plate_id=plate, on=dt.date(2024, 1, 1), access=access(staff, purpose="", endpoint=""))
    assert (
        str(exc.value)
        == "purpose: say why you read this personal data; endpoint: is required (the page or endpoint that reads)"
    )
    with pytest.raises(RegistryRefused, match="purpose: unknown purpose 'curiosity'"):
        residents_on(plate_id=plate, on=dt.date(2024, 1, 1), access=access(staff, purpose="curiosity"))
    assert AccessLog.objects.count() == 0


def test_a_request_id_is_made_when_none_is_given(world, staff):
    residents_on(plate_id=world["plates"][1].pk, on=dt.date(2024, 1, 1), access=access(staff, request_id=""))
    assert {len(r) for r in AccessLog.objects.values_list("request_id", flat=True)} == {32}


def test_the_access_log_is_append_only(world, staff):
    residents_on(plate_id=world["plates"][1].pk, on=dt.date(2024, 1, 1), access=access(staff))
    with pytest.raises(ProgrammingError, match="Cannot update or delete rows from registry_accesslog"), transaction.atomic():
        AccessLog.objects.update(purpose="audit")
    with pytest.raises(ProgrammingError, match="Cannot update or delete rows from registry_accesslog"), transaction.atomic():
        AccessLog.objects.all().delete()
    assert AccessLog.objects.count() == 3


def test_the_log_row_commits_with_the_read_or_not_at_all(world, staff, monkeypatch):
    """A failure after the row was written (the page broke) takes the row back with the read's transaction."""
    from geo_portal.registry import selectors

    real = selectors.log_reads

    def log_then_fail(*args, **kwargs):
        assert real(*args, **kwargs) == 3
        assert AccessLog.objects.count() == 3  # written, inside the read's transaction
        raise RuntimeError("the page broke after reading")

    monkeypatch.setattr(selectors, "log_reads", log_then_fail)
    with pytest.raises(RuntimeError, match="the page broke"):
        residents_on(plate_id=world["plates"][1].pk, on=dt.date(2024, 1, 1), access=access(staff), include_units=True)
    assert AccessLog.objects.count() == 0


def test_an_unknown_plate_is_an_error_not_an_empty_house(world, staff):
    for include_units in (False, True):
        with pytest.raises(RegistryRefused, match=r"^plate_id: there is no door plate 999999$"):
            residents_on(plate_id=999999, on=dt.date(2024, 1, 1), access=access(staff), include_units=include_units)
    assert AccessLog.objects.count() == 0


def test_the_database_requires_a_purpose(world, staff):
    with pytest.raises(IntegrityError, match="accesslog_purpose_required"), transaction.atomic():
        AccessLog.objects.create(
            user=staff["ann"], username="ann", purpose="", fields=[], selector="x", endpoint="x", request_id="x"
        )
