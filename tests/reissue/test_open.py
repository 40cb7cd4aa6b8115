"""Opening re-issue cases: at the counter, by office initiative, from a census finding and from a citizen report;
every bad input refused naming the field with nothing written; one open case per plate; the change log."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from django.db import connection
from django.utils import timezone

from geo_portal.addresses.models import DoorPlate
from geo_portal.census.models import Finding
from geo_portal.census.selectors import findings_needing_new_plate
from geo_portal.reissue.errors import CaseRefused
from geo_portal.reissue.models import Case, CaseApplicant, CasePlate, CaseStep
from geo_portal.reissue.services import (
    Applicant,
    PlateRequest,
    case_cancel,
    case_open,
    case_open_from_finding,
    case_open_from_report,
)
from geo_portal.reports.models import CitizenReport
from tests.reissue.conftest import APPLICANT

pytestmark = pytest.mark.django_db


def nothing_written() -> tuple[int, int, int, int]:
    return (Case.objects.count(), CasePlate.objects.count(), CaseStep.objects.count(), CaseApplicant.objects.count())


def case_events(case_id: int) -> list[tuple[str, str, str, dict]]:
    """(channel, operation, cause, data) of the case's change-log events, in order."""
    with connection.cursor() as cur:
        cur.execute(
            "SELECT t.channel, e.operation, e.cause, e.data::text FROM changes_event e "
            "JOIN changes_transaction t ON t.id = e.transaction_id "
            "WHERE e.entity = 'reissue_case' AND e.entity_id = %s ORDER BY e.transaction_id, e.ordinal",
            [case_id],
        )
        return [(channel, op, cause, json.loads(data)) for channel, op, cause, data in cur.fetchall()]


def test_a_case_opened_at_the_counter(street, staff):
    plate = street["plates"][7]
    case = case_open(
        source="counter",
        plates=[PlateRequest(plate.pk, "standard", 2), PlateRequest(street["plates"]["5F2"].pk, "floor", 1)],
        reason="damaged",
        applicant=Applicant(name=" 王小明 ", phone="0912-345-678", email="ming@example.tw"),
        actor=staff["clerk"],
        note="resident came in",
    )
    today = timezone.localdate()
    assert re.fullmatch(rf"RI-{today:%Y%m%d}-[2-9A-HJKMNP-Z]{{5}}", case.reference)
    assert (case.state, case.version, case.source, case.source_id, case.clerk, case.updated_by) == (
        "requested",
        1,
        "counter",
        None,
        staff["clerk"],
        "clerk1",
    )
    assert case.due_on == today + dt.timedelta(days=3)
    assert list(case.plates.order_by("id").values_list("plate__address", "plate_kind", "quantity", "is_open")) == [
        ("新竹市東區光復路二段7號", "standard", 2, True),
        ("新竹市東區光復路二段5號2樓", "floor", 1, True),
    ]
    applicant = CaseApplicant.objects.get(case=case)
    assert (applicant.name, applicant.phone, applicant.email) == ("王小明", "0912-345-678", "ming@example.tw")
    assert str(applicant) == f"applicant of case {case.pk}"
    assert list(case.steps.values_list("action", "from_state", "to_state", "actor__username", "note", "due_on")) == [
        ("open", "", "requested", "clerk1", "resident came in", case.due_on)
    ]


def test_the_case_change_log_is_private_and_holds_no_personal_data(counter_case, staff):
    events = case_events(counter_case.pk)
    assert [(channel, op, cause) for channel, op, cause, _data in events] == [
        ("reissue", "insert", f"reissue_case:{counter_case.pk}")
    ]
    data = events[0][3]
    assert data == {
        "id": counter_case.pk,
        "reference": counter_case.reference,
        "source": "counter",
        "reason": "missing",
        "state": "requested",
        "version": 1,
        "due_on": counter_case.due_on.isoformat(),
        "order_id": None,
        "fee_waived": False,
    }
    with connection.cursor() as cur:
        cur.execute(
            "SELECT count(*) FROM changes_event WHERE data::text LIKE %s OR data::text LIKE %s", ["%王小明%", "%ming@%"]
        )
        assert cur.fetchone() == (0,)
        # The public channel's transactions carry no case event.
        cur.execute(
            "SELECT count(*) FROM changes_event e JOIN changes_transaction t ON t.id = e.transaction_id "
            "WHERE t.channel = 'public' AND e.entity = 'reissue_case'"
        )
        assert cur.fetchone() == (0,)


def test_an_office_initiative_needs_no_applicant(street, staff):
    case = case_open(
        source="office_initiative",
        plates=[PlateRequest(street["plates"][9].pk)],
        reason="old_style",
        actor=staff["clerk"],
    )
    assert (case.source, case.reason, CaseApplicant.objects.filter(case=case).exists()) == (
        "office_initiative",
        "old_style",
        False,
    )


@pytest.mark.parametrize(
    ("kwargs", "errors"),
    [
        ({"plates": [PlateRequest(999_999)]}, {"plates[0].plate": ["no door plate with id 999999"]}),
        ({"plates": [PlateRequest("7")]}, {"plates[0].plate": ["must be a door plate id (got '7')"]}),
        ({"plates": []}, {"plates": ["choose at least one door plate"]}),
        (
            {"plates": [PlateRequest("P7", "golden", 0)]},
            {
                "plates[0].plate": ["must be a door plate id (got 'P7')"],
                "plates[0].plate_kind": ["must be one of standard, floor, lane_sign"],
                "plates[0].quantity": ["must be a whole number from 1 to 10 (got 0)"],
            },
        ),
        ({"reason": "stolen"}, {"reason": ["must be one of missing, damaged, old_style, other"]}),
        ({"reason": "other"}, {"reason_note": ["say what the reason is when it is “other”"]}),
        ({"source": "census_finding"}, {"source": [
            "must be counter or office_initiative (findings and reports have their own services)"]}),
        ({"applicant": Applicant(phone="03-5234567")}, {"applicant.name": [
            "the applicant's name is required for a request at the counter"]}),
        ({"applicant": Applicant(name="王", phone="call me", email="ming@")}, {
            "applicant.phone": ["is not a phone number (digits, spaces, +, -, parentheses)"],
            "applicant.email": ["is not an e-mail address"],
        }),
    ],
)  # fmt: skip
def test_bad_input_is_refused_naming_the_field_and_nothing_is_written(street, staff, kwargs, errors):
    base = {
        "source": "counter",
        "plates": [PlateRequest(street["plates"][7].pk)],
        "reason": "missing",
        "applicant": APPLICANT,
        "actor": staff["clerk"],
    }
    with pytest.raises(CaseRefused) as exc:
        case_open(**{**base, **kwargs})
    assert exc.value.errors == errors
    assert nothing_written() == (0, 0, 0, 0)


def test_plate_rules_retired_twice_floor_and_lane(street, staff):
    plates = street["plates"]
    DoorPlate.objects.filter(pk=plates[11].pk).update(status="retired", retired_on=dt.date(2026, 1, 5))
    with pytest.raises(CaseRefused) as exc:
        case_open(
            source="office_initiative",
            plates=[
                PlateRequest(plates[11].pk),
                PlateRequest(plates[1].pk),
                PlateRequest(plates[1].pk),
                PlateRequest(plates[3].pk, "floor"),
                PlateRequest(plates[5].pk, "lane_sign"),
            ],
            reason="old_style",
            actor=staff["clerk"],
        )
    p = {n: plates[n].pk for n in (1, 3, 5, 11)}
    assert exc.value.errors == {
        "plates[0].plate": [f"door plate {p[11]} (新竹市東區光復路二段11號) is retired"],
        "plates[2].plate": [f"door plate {p[1]} is listed twice"],
        "plates[3].plate_kind": [f"door plate {p[3]} has no floor: no floor plate"],
        "plates[4].plate_kind": [f"door plate {p[5]} is not in a lane or alley"],
    }
    assert nothing_written() == (0, 0, 0, 0)


def test_one_open_case_per_plate_until_it_is_over(counter_case, street, staff):
    plate = street["plates"][7]
    with pytest.raises(CaseRefused) as exc:
        case_open(source="office_initiative", plates=[PlateRequest(plate.pk)], reason="old_style", actor=staff["clerk2"])
    assert exc.value.errors == {
        "plates[0].plate": [
            f"door plate {plate.pk} (新竹市東區光復路二段7號) already has open case {counter_case.reference}"
        ]
    }
    case_cancel(case_id=counter_case.pk, version=1, actor=staff["clerk"], reason="resident found the old plate")
    again = case_open(source="office_initiative", plates=[PlateRequest(plate.pk)], reason="old_style", actor=staff["clerk2"])
    assert list(CasePlate.objects.filter(plate=plate).order_by("id").values_list("case_id", "is_open")) == [
        (counter_case.pk, False),
        (again.pk, True),
    ]


def test_only_clerks_open_cases(street, staff):
    for name in ("surveyor", "reviewer"):
        with pytest.raises(CaseRefused) as exc:
            case_open(source="office_initiative", plates=[PlateRequest(street["plates"][7].pk)], reason="old_style",
                      actor=staff[name])  # fmt: skip
        assert exc.value.errors == {"actor": [f"{staff[name].username} may not open re-issue cases"]}
    with pytest.raises(CaseRefused) as exc:
        case_open(source="office_initiative", plates=[PlateRequest(street["plates"][7].pk)], reason="old_style",
                  actor=staff["clerk"], clerk=staff["surveyor"])  # fmt: skip
    assert exc.value.errors == {"clerk": ["sur1 does not handle re-issue cases"]}
    assert nothing_written() == (0, 0, 0, 0)


def test_a_census_finding_becomes_a_case_and_leaves_the_hand_off(findings, staff):
    missing, damaged = findings["missing"], findings["damaged"]
    assert list(findings_needing_new_plate()) == [missing, damaged]
    case = case_open_from_finding(finding_id=missing.pk, actor=staff["clerk"])
    assert (case.source, case.source_id, case.reason, case.state) == ("census_finding", missing.pk, "missing", "requested")
    assert case.source_ref == f"census task #1 finding {missing.uuid}"[:40]
    assert list(case.plates.values_list("plate_id", "plate_kind", "quantity")) == [(missing.plate_id, "standard", 1)]
    assert Finding.objects.get(pk=missing.pk).reissue_ref == case.reference
    assert list(findings_needing_new_plate()) == [damaged]
    with pytest.raises(CaseRefused) as exc:
        case_open_from_finding(finding_id=missing.pk, actor=staff["clerk2"])
    assert exc.value.errors == {
        "finding": [f"census finding {missing.pk} already has case {case.reference}"],
        "plates[0].plate": [
            f"door plate {missing.plate_id} (新竹市東區光復路二段1號) already has open case {case.reference}"
        ],
    }
    with pytest.raises(CaseRefused) as exc:
        case_open_from_finding(finding_id=findings["ok"].pk, actor=staff["clerk"])
    assert exc.value.errors == {"finding": [f"census finding {findings['ok'].pk} does not call for a new plate"]}
    with pytest.raises(CaseRefused) as exc:
        case_open_from_finding(finding_id=10**9, actor=staff["clerk"])
    assert exc.value.errors == {"finding": ["there is no census finding 1000000000"]}
    assert Case.objects.count() == 1


def report(street, kind: str, *, plate=True, status="new") -> CitizenReport:
    p = street["plates"][9]
    return CitizenReport.objects.create(
        reference=f"R-20261201-{kind[:5].upper():X<5}"[:16], kind=kind, plate=p if plate else None, location=p.geom,
        contact="reporter@example.tw", status=status, client_hash="x" * 64, description="x",
    )  # fmt: skip


def test_a_citizen_report_becomes_a_case_in_one_step(street, staff):
    missing = report(street, "missing")
    case = case_open_from_report(report_id=missing.pk, actor=staff["clerk"], quantity=2)
    assert (case.source, case.source_id, case.source_ref, case.reason) == (
        "citizen_report",
        missing.pk,
        "R-20261201-MISSI",
        "missing",
    )
    assert CaseApplicant.objects.filter(case=case).exists() is False  # the report's contact is never copied
    assert list(case.plates.values_list("plate_id", "quantity")) == [(street["plates"][9].pk, 2)]
    with pytest.raises(CaseRefused) as exc:
        case_open_from_report(report_id=missing.pk, actor=staff["clerk"])
    assert exc.value.errors["report"] == [f"report R-20261201-MISSI already has case {case.reference}"]


def test_reports_that_cannot_become_cases(street, staff):
    wrong = report(street, "wrong_position")
    with pytest.raises(CaseRefused) as exc:
        case_open_from_report(report_id=wrong.pk, actor=staff["clerk"])
    assert exc.value.errors == {"report": ["report R-20261201-WRONG is not about a missing or damaged plate"]}
    no_plate = report(street, "damaged", plate=False, status="rejected")
    with pytest.raises(CaseRefused) as exc:
        case_open_from_report(report_id=no_plate.pk, actor=staff["clerk"])
    assert exc.value.errors == {
        "report": [
            "report R-20261201-DAMAG was rejected",
            "report R-20261201-DAMAG names no door plate: open the case at the counter",
        ]
    }
    with pytest.raises(CaseRefused) as exc:
        case_open_from_report(report_id=10**9, actor=staff["clerk"])
    assert exc.value.errors == {"report": ["there is no citizen report 1000000000"]}
    assert nothing_written() == (0, 0, 0, 0)
