"""Orders, delivery, installation and closing: the plate text and walking order on the order, the photo with its
GPS position (bad photos and missing or distant GPS refused), the plate set ok through the plate services with the
case as cause, illegal steps and stale versions refused with nothing written; the whole path to a closed case."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.db import connection
from django.utils import timezone

from geo_portal.addresses.models import DoorPlate
from geo_portal.reissue.errors import CaseRefused, StaleCase
from geo_portal.reissue.models import Case, CasePlate, CaseStep, Installation, ProductionOrder
from geo_portal.reissue.services import (
    PlateRequest,
    case_cancel,
    case_close,
    case_collected,
    case_installed,
    case_open,
    fee_assess,
    order_create,
    order_delivered,
    payment_record,
)
from tests.reissue.conftest import APPLICANT, jpeg, lonlat_of

pytestmark = pytest.mark.django_db


def paid_case(street, staff, number, kind="standard", quantity=1, source="counter") -> Case:
    """A case for 光復路二段<number>號, assessed and (unless waived) paid in cash."""
    plate = street["plates"][number]
    case = case_open(source=source, plates=[PlateRequest(plate.pk, kind, quantity)], reason="missing",
                     applicant=APPLICANT if source == "counter" else None, actor=staff["clerk"])  # fmt: skip
    case = fee_assess(case_id=case.pk, version=1, actor=staff["clerk"])
    if not case.fee_waived:
        payment_record(case_id=case.pk, version=2, method="cash", amount=case.fee_amount, actor=staff["clerk"])
    return Case.objects.get(pk=case.pk)


@pytest.fixture
def ordered(street, staff, fees):
    """Cases for 8, 3, 2, 7 and 5號2樓 (floor plate) ordered in one order; 11號 waived (office initiative)."""
    cases = [paid_case(street, staff, n) for n in (8, 3, 2, 7)]
    cases.append(paid_case(street, staff, "5F2", kind="floor"))
    cases.append(paid_case(street, staff, 11, source="office_initiative", quantity=2))
    order = order_create(cases={c.pk: c.version for c in cases}, actor=staff["clerk"], note="first batch")
    return {"order": order, "cases": [Case.objects.get(pk=c.pk) for c in cases]}


def test_an_order_fixes_each_plates_text_in_walking_order(ordered, staff):
    order = ordered["order"]
    assert (order.maker, order.note, order.created_by) == ("門牌製作廠商 (plate maker)", "first batch", staff["clerk"])
    assert {c.state for c in ordered["cases"]} == {"ordered"}
    assert {c.order_id for c in ordered["cases"]} == {order.pk}
    rows = list(
        CasePlate.objects.filter(case__order=order).order_by("route_seq").values_list("route_seq", "route_group", "text")
    )
    # One street: odd numbers up (3, 5號2樓 at 5, 7, 11), even numbers back (8, 2).
    assert rows == [
        (1, "光復路二段", "新竹市東區\n光復路二段\n3號"),
        (2, "光復路二段", "新竹市東區\n光復路二段\n5號\n2樓"),
        (3, "光復路二段", "新竹市東區\n光復路二段\n7號"),
        (4, "光復路二段", "新竹市東區\n光復路二段\n11號"),
        (5, "光復路二段", "新竹市東區\n光復路二段\n8號"),
        (6, "光復路二段", "新竹市東區\n光復路二段\n2號"),
    ]
    steps = CaseStep.objects.filter(case=ordered["cases"][0]).values_list("action", "note")
    assert list(steps)[-1] == ("order", f"order {order.pk}")


def test_cases_that_cannot_be_ordered_are_named_and_nothing_is_ordered(street, staff, fees):
    requested = case_open(source="counter", plates=[PlateRequest(street["plates"][9].pk)], reason="missing",
                          applicant=APPLICANT, actor=staff["clerk"])  # fmt: skip
    assessed = fee_assess(case_id=requested.pk, version=1, actor=staff["clerk"])
    fresh = case_open(source="counter", plates=[PlateRequest(street["plates"][1].pk)], reason="missing",
                      applicant=APPLICANT, actor=staff["clerk"])  # fmt: skip
    paid = paid_case(street, staff, 3)
    with pytest.raises(CaseRefused) as exc:
        order_create(cases={assessed.pk: 2, fresh.pk: 1, paid.pk: 3}, actor=staff["clerk"])
    assert exc.value.errors == {
        f"cases[{assessed.reference}]": [f"the fee of case {assessed.reference} is not paid yet"],
        f"cases[{fresh.reference}]": [f"case {fresh.reference} is requested; order needs it to be fee assessed, paid"],
    }
    with pytest.raises(StaleCase):
        order_create(cases={paid.pk: 2}, actor=staff["clerk"])
    with pytest.raises(CaseRefused) as exc:
        order_create(cases={}, actor=staff["clerk"])
    assert exc.value.errors == {"cases": ["choose at least one case"]}
    assert (ProductionOrder.objects.count(), Case.objects.get(pk=paid.pk).state) == (0, "paid")


def test_delivery_of_an_order(ordered, staff):
    order, cases = ordered["order"], ordered["cases"]
    case_cancel(case_id=cases[-1].pk, version=cases[-1].version, actor=staff["clerk"], reason="building demolished")
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    with pytest.raises(CaseRefused) as exc:
        order_delivered(order_id=order.pk, delivered_on=tomorrow, actor=staff["clerk"])
    assert exc.value.errors == {"delivered_on": [f"{tomorrow.isoformat()} is in the future"]}
    delivered = order_delivered(order_id=order.pk, delivered_on=timezone.localdate(), actor=staff["clerk2"])
    assert (delivered.delivered_on, delivered.delivered_by) == (timezone.localdate(), staff["clerk2"])
    states = dict(Case.objects.filter(order=order).values_list("pk", "state"))
    assert sorted(states.values()) == ["cancelled"] + ["delivered"] * 5
    with pytest.raises(CaseRefused) as exc:
        order_delivered(order_id=order.pk, delivered_on=timezone.localdate(), actor=staff["clerk"])
    assert exc.value.errors == {"order": [f"order {order.pk} was delivered on {timezone.localdate().isoformat()}"]}


def case_for(street, number) -> Case:
    return Case.objects.get(plates__plate=street["plates"][number], state__in=["delivered", "installed", "collected"])


def plate_events(plate_id: int) -> list[tuple[str, str, str]]:
    with connection.cursor() as cur:
        cur.execute(
            "SELECT e.operation, e.cause, e.data->>'condition' FROM changes_event e "
            "WHERE e.entity = 'plate' AND e.entity_id = %s ORDER BY e.transaction_id, e.ordinal",
            [plate_id],
        )
        return cur.fetchall()


def test_an_installation_with_a_gps_photo_sets_the_plate_ok_and_the_case_closes(ordered, street, staff, media):
    order_delivered(order_id=ordered["order"].pk, delivered_on=timezone.localdate(), actor=staff["clerk"])
    case = case_for(street, 7)
    plate = street["plates"][7]
    DoorPlate.objects.filter(pk=plate.pk).update(condition="missing")
    today = timezone.localdate()
    installed = case_installed(
        case_id=case.pk, version=case.version, actor=staff["clerk"], photo=jpeg(lonlat=lonlat_of(plate, 3, 4)),
        installer="陳師傅", installed_on=today,
    )  # fmt: skip
    assert (installed.state, installed.due_on) == ("installed", today + dt.timedelta(days=3))
    proof = Installation.objects.get(case=case)
    assert (proof.kind, proof.installer, proof.gps_source, proof.distance_m, proof.done_on) == (
        "installed",
        "陳師傅",
        "photo",
        5.0,
        today,
    )
    assert proof.photo.name.startswith(f"reissue/{today:%Y/%m}/") and (media / proof.photo.name).is_file()
    plate.refresh_from_db()
    assert (plate.condition, plate.last_checked_on, plate.condition_evidence, plate.updated_by) == (
        "ok",
        today,
        f"re-issue case {case.reference}: new plate installed",
        "clerk1",
    )
    assert plate_events(plate.pk)[-1] == ("update", f"reissue_case:{case.pk}", "ok")
    closed = case_close(case_id=case.pk, version=installed.version, actor=staff["clerk"])
    assert (closed.state, closed.due_on, list(closed.plates.values_list("is_open", flat=True))) == ("closed", None, [False])
    assert list(closed.steps.values_list("action", flat=True)) == [
        "open", "assess_fee", "pay", "order", "deliver", "install", "close",
    ]  # fmt: skip
    # Every step is an event of the case on the private channel, written in the step's own transaction.
    with connection.cursor() as cur:
        cur.execute(
            "SELECT t.channel, e.operation, e.data->>'state', e.data->>'version', e.cause FROM changes_event e "
            "JOIN changes_transaction t ON t.id = e.transaction_id "
            "WHERE e.entity = 'reissue_case' AND e.entity_id = %s ORDER BY e.transaction_id, e.ordinal",
            [case.pk],
        )
        events = cur.fetchall()
    assert [(channel, op, state, int(version)) for channel, op, state, version, _cause in events] == [
        ("reissue", "insert", "requested", 1), ("reissue", "update", "fee_assessed", 2), ("reissue", "update", "paid", 3),
        ("reissue", "update", "ordered", 4), ("reissue", "update", "delivered", 5), ("reissue", "update", "installed", 6),
        ("reissue", "update", "closed", 7),
    ]  # fmt: skip
    assert {cause for *_rest, cause in events} == {f"reissue_case:{case.pk}"}


def test_the_device_position_stands_in_for_a_photo_without_gps(ordered, street, staff):
    order_delivered(order_id=ordered["order"].pk, delivered_on=timezone.localdate(), actor=staff["clerk"])
    case = case_for(street, 3)
    lon, lat = lonlat_of(street["plates"][3], -6, 8)
    case_installed(case_id=case.pk, version=case.version, actor=staff["clerk"], photo=jpeg(), installer="陳師傅",
                   installed_on=timezone.localdate(), lon=str(lon), lat=str(lat))  # fmt: skip
    proof = Installation.objects.get(case=case)
    assert (proof.gps_source, proof.distance_m) == ("device", 10.0)


@pytest.mark.parametrize(
    ("kwargs", "errors"),
    [
        ({"photo": io.BytesIO(b"%PDF-1.4 not a photo")}, {"photo": ["The photo is not a JPEG, PNG or HEIC image."]}),
        ({"photo": None}, {"photo": ["a photo of the plate on the wall is required"]}),
        ({"photo": "no-gps"}, {"photo": ["the photo has no GPS position and the device gave none: turn location on"]}),
        ({"photo": "far"}, {"gps": ["the photo was taken 850 m from the plate (more than 100 m)"]}),
        ({"installer": " "}, {"installer": ["who put the plate up is required"]}),
        ({"installed_on": "2026-12-01"}, {"installed_on": ["must be a date"]}),
        ({"lon": "east", "lat": 24.8}, {"lon": ["must be a number (give both longitude and latitude)"]}),
        ({"version": 99}, "stale"),
    ],
)
def test_bad_installations_are_refused_and_nothing_changes(ordered, street, staff, media, kwargs, errors):
    order_delivered(order_id=ordered["order"].pk, delivered_on=timezone.localdate(), actor=staff["clerk"])
    case = case_for(street, 7)
    plate = street["plates"][7]
    photos = {"ok": jpeg(lonlat=lonlat_of(plate)), "no-gps": jpeg(), "far": jpeg(lonlat=lonlat_of(plate, 0, 850))}
    photo = kwargs.pop("photo", "ok")
    call = {
        "case_id": case.pk,
        "version": case.version,
        "actor": staff["clerk"],
        "installer": "陳師傅",
        "installed_on": timezone.localdate(),
        "photo": photos[photo] if isinstance(photo, str) else photo,
        **kwargs,
    }
    version_before = DoorPlate.objects.get(pk=plate.pk).version
    if errors == "stale":
        with pytest.raises(StaleCase):
            case_installed(**call)
    else:
        with pytest.raises(CaseRefused) as exc:
            case_installed(**call)
        assert exc.value.errors == errors
    assert (Installation.objects.count(), Case.objects.get(pk=case.pk).state) == (0, "delivered")
    assert DoorPlate.objects.get(pk=plate.pk).version == version_before
    assert not any(p.is_file() for p in media.rglob("*")) if media.exists() else True


def test_collection_at_the_counter_and_the_illegal_steps(ordered, street, staff):
    case = Case.objects.get(pk=ordered["cases"][1].pk)  # 3號, still ordered
    with pytest.raises(CaseRefused) as exc:
        case_collected(case_id=case.pk, version=case.version, actor=staff["clerk"], collected_on=timezone.localdate())
    assert exc.value.errors == {
        "state": [
            f"case {case.reference} is ordered from the plate maker; collect needs it to be plate delivered to the office"
        ]
    }
    with pytest.raises(CaseRefused) as exc:
        case_close(case_id=case.pk, version=case.version, actor=staff["clerk"])
    assert exc.value.errors == {
        "state": [
            f"case {case.reference} is ordered from the plate maker; close needs it to be installed, collected at the "
            "counter"
        ]
    }
    order_delivered(order_id=ordered["order"].pk, delivered_on=timezone.localdate(), actor=staff["clerk"])
    case.refresh_from_db()
    collected = case_collected(case_id=case.pk, version=case.version, actor=staff["clerk2"],
                               collected_on=timezone.localdate(), note="resident took both plates")  # fmt: skip
    assert collected.state == "collected"
    assert Installation.objects.get(case=case).kind == "collected"
    plate = DoorPlate.objects.get(pk=street["plates"][3].pk)
    assert (plate.condition, plate.condition_evidence) == ("ok", f"re-issue case {case.reference}: new plate collected")
    with pytest.raises(CaseRefused) as exc:
        case_installed(case_id=case.pk, version=collected.version, actor=staff["clerk"], photo=jpeg(), installer="x",
                       installed_on=timezone.localdate())  # fmt: skip
    assert exc.value.errors["state"] == [
        f"case {case.reference} is collected at the counter; install needs it to be plate delivered to the office"
    ]
