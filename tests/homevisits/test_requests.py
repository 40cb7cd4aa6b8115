"""Entering and cancelling home-visit requests: the plate through the geocoder, the person through the register's
logged reads, and every bad input refused with its field and nothing stored."""

from __future__ import annotations

import datetime as dt

import pytest

from geo_portal.addresses.models import DoorPlate
from geo_portal.homevisits.errors import HomeVisitRefused
from geo_portal.homevisits.models import VisitRequest
from geo_portal.homevisits.planning import request_cancel
from geo_portal.homevisits.selectors import request_rows
from geo_portal.homevisits.services import request_create
from geo_portal.registry.models import AccessLog
from geo_portal.registry.national_id import synthetic
from tests.homevisits.conftest import access


def test_request_from_the_register_by_national_id_written_otherwise(family, staff):
    ann = staff["ann"]
    made = request_create(
        actor=ann,
        access=access(ann),
        address="新竹市東區光復路2段5號3F",
        unit="302室",
        national_id=synthetic(1),
        purpose="id_card",
        urgency="urgent",
        preferred_days=[3, 1, 3],
        window_start=dt.time(9, 0),
        window_end=dt.time(11, 0),
        contact="03-5551234",
        notes="bedridden; ring twice",
    )
    made.refresh_from_db()
    assert (made.name, made.person_id, made.plate.address, made.unit) == (
        "陳大明",
        family["chen"].pk,
        "新竹市東區光復路二段5號3樓",
        "302室",
    )
    assert (made.preferred_days, made.status, made.urgency) == ([1, 3], "open", "urgent")
    # The register was read for the visit, and the read is in the access log.
    log = AccessLog.objects.get(person_id=family["chen"].pk, selector="person_by_national_id")
    assert (log.purpose, log.username) == ("home_visit", "ann")


def test_typed_in_person_at_a_care_home(street, staff):
    ann = staff["ann"]
    made = request_create(
        actor=ann, access=access(ann), address="光復路二段7號", name="李阿婆", purpose="other", unit="2樓 5床"
    )
    assert (made.name, made.person_id, made.plate_id) == ("李阿婆", None, street["plates"][7].pk)


def test_bad_input_is_refused_whole_and_nothing_is_stored(family, staff):
    ann = staff["ann"]
    with pytest.raises(HomeVisitRefused) as refused:
        request_create(
            actor=ann,
            access=access(ann),
            address="光復路二段999號",
            person_id=family["wang"].pk,
            purpose="haircut",
            urgency="now",
            preferred_days=[0, 8],
            window_start=dt.time(11, 0),
            window_end=dt.time(9, 0),
        )
    assert refused.value.errors == [
        ("address", "光復路二段999號 is not a door plate of the district (did you mean 新竹市東區光復路二段29號?)"),
        ("person", f"person {family['wang'].pk} died on 2026-01-05: no visit can be made"),
        ("purpose", "unknown: 'haircut'"),
        ("urgency", "unknown: 'now'"),
        ("preferred_days", "weekdays are 1 (Monday) to 7 (Sunday)"),
        ("window_end", "must be later than 11:00"),
    ]
    assert VisitRequest.objects.count() == 0


def test_retired_plate_is_refused_with_its_date(street, staff):
    plate = street["plates"][9]
    DoorPlate.objects.filter(pk=plate.pk).update(status="retired", retired_on=dt.date(2026, 2, 1))
    plate.refresh_from_db()
    with pytest.raises(HomeVisitRefused) as refused:
        request_create(actor=staff["ann"], access=access(staff["ann"]), address=plate.address, name="x", purpose="other")
    assert refused.value.errors == [
        ("address", f"{plate.address} is retired (since 2026-02-01); give the plate that replaced it")
    ]


def test_unknown_national_id_and_missing_name(street, staff):
    with pytest.raises(HomeVisitRefused) as refused:
        request_create(
            actor=staff["ann"],
            access=access(staff["ann"]),
            address="光復路二段3號",
            national_id=synthetic(77),
            purpose="other",
        )
    assert refused.value.errors == [("national_id", "no person with this national ID is in the register")]
    with pytest.raises(HomeVisitRefused) as refused:
        request_create(actor=staff["ann"], access=access(staff["ann"]), address="光復路二段3號", purpose="other")
    assert refused.value.errors == [("name", "is required (or a national ID to find the person in the register)")]


def test_a_clerk_without_registry_rights_is_refused(street, staff):
    with pytest.raises(HomeVisitRefused) as refused:
        request_create(
            actor=staff["clerk"], access=access(staff["clerk"]), address="光復路二段3號", name="x", purpose="other"
        )
    assert refused.value.errors == [("user", "carl may not handle home visits")]


def test_list_reads_are_logged_per_person(family, staff):
    ann = staff["ann"]
    a = request_create(actor=ann, access=access(ann), address="光復路二段3號", person_id=family["lin"].pk, purpose="other")
    b = request_create(actor=ann, access=access(ann), address="光復路二段7號", name="李阿婆", purpose="other")
    before = AccessLog.objects.count()
    rows = request_rows(access=access(staff["bob"], "/homevisits/"))
    assert [r.request.pk for r in rows] == [b.pk, a.pk]
    logs = list(AccessLog.objects.order_by("id")[before:].values_list("person_id", "note", "selector", "username"))
    assert logs == [
        (family["lin"].pk, "", "homevisits.request_rows", "bob"),
        (None, f"(home visit request #{b.pk})", "homevisits.request_rows", "bob"),
    ]


def test_cancel_needs_a_reason_and_the_version_seen(street, staff):
    ann = staff["ann"]
    made = request_create(actor=ann, access=access(ann), address="光復路二段3號", name="x", purpose="other")
    with pytest.raises(HomeVisitRefused) as refused:
        request_cancel(actor=ann, request_id=made.pk, version=made.version, reason=" ")
    assert refused.value.errors == [("reason", "say why the request is cancelled")]
    done = request_cancel(actor=ann, request_id=made.pk, version=made.version, reason="moved away")
    assert (done.status, done.version, done.cancel_reason) == ("cancelled", 2, "moved away")
    with pytest.raises(HomeVisitRefused) as refused:
        request_cancel(actor=staff["bob"], request_id=made.pk, version=1, reason="again")
    assert refused.value.errors[0][0] == "version"
    assert refused.value.errors[0][1].startswith(f"request #{made.pk} was changed by ann at ")
