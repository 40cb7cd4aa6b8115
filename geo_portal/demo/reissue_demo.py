"""Demo re-issuance for ``make demo``: a fee schedule marked as demo, the office's service point (where notice letters
send residents) when the office's own list is not loaded, a dozen plates of the demo census village marked missing,
damaged or old style (so the resident notices have letters to preview), and six demo cases at different steps —
requested, fee assessed, paid, ordered, delivered, and one closed after collection at the counter.

Everything goes through the services (and their checks); every part is made once, recognised by its demo marker,
and a second run changes nothing. Called by ``demo_setup`` after the staff logins and the demo census campaign.
"""

from __future__ import annotations

import csv
import datetime as dt
import tempfile
from dataclasses import dataclass
from pathlib import Path

from django.contrib.auth import get_user_model
from django.db.models import Count, Q
from django.utils import timezone

from geo_portal.addresses.models import DoorPlate
from geo_portal.addresses.plates import plate_set_condition
from geo_portal.areas.models import Village
from geo_portal.offices.models import ServicePoint
from geo_portal.offices.services import load_service_points
from geo_portal.reissue.models import CasePlate, CaseStep, FeeSchedule
from geo_portal.reissue.services import (
    Applicant,
    PlateRequest,
    case_close,
    case_collected,
    case_open,
    fee_assess,
    fee_schedule_add,
    order_create,
    order_delivered,
    payment_record,
)

DEMO_NOTE = "示範資料 demo"
# NT$ per plate kind: a door plate, a floor or unit plate, a lane or alley sign (demo values, not the office's).
DEMO_FEES = {"standard": 200, "floor": 150, "lane_sign": 500}
DEMO_OFFICE = "新竹市東區戶政事務所（示範位置 demo location）"
# Conditions set on plates of the demo village, in plate order (demo census findings).
DEMO_CONDITIONS = ("missing", "damaged", "old_style", "missing", "damaged", "old_style", "missing", "old_style",
                   "damaged", "missing", "old_style", "old_style")  # fmt: skip
# The demo cases: how far each goes (the last step it reaches).
DEMO_STEPS = ("requested", "fee_assessed", "paid", "ordered", "delivered", "closed")
DEMO_APPLICANTS = (
    Applicant(name="陳示範", phone="03-5200001", email="demo-applicant@example.invalid"),
    Applicant(name="林示範", phone="0912-000-002"),
    Applicant(name="黃示範", phone="03-5200003", email="demo-paid@example.invalid"),
)


@dataclass(frozen=True)
class DemoOutcome:
    fees: int  # entries added now
    office: str  # the service point's name, or why none
    conditions: int  # plates marked now
    cases: dict[str, str]  # step → reference, of the cases made now
    skipped: str = ""


def _users():
    users = get_user_model().objects
    return users.filter(username="clerk").first(), users.filter(username="reviewer").first()


def _demo_village(min_plates: int) -> Village | None:
    """The village of the demo census campaign (the fewest plates, at least ``min_plates``, as census_demo picks), or
    else the village with the most plates."""
    villages = Village.objects.filter(boundary__isnull=False).annotate(n=Count("plates", filter=Q(plates__status="active")))
    return villages.filter(n__gte=min_plates).order_by("n", "code").first() or (
        villages.filter(n__gt=0).order_by("-n", "code").first()
    )


def ensure_fees(reviewer) -> int:
    """The demo fee schedule from 1 January of this year, unless the office has entered fees of its own."""
    if FeeSchedule.objects.exists():
        return 0
    start = timezone.localdate().replace(month=1, day=1)
    for kind, amount in DEMO_FEES.items():
        fee_schedule_add(plate_kind=kind, amount=amount, valid_from=start, actor=reviewer, note=DEMO_NOTE)
    return len(DEMO_FEES)


def ensure_office(plate: DoorPlate) -> str:
    """An office service point, placed at a plate of the district, when the office's list is not loaded."""
    existing = ServicePoint.objects.filter(kind=ServicePoint.Kind.OFFICE, active=True).first()
    if existing is not None:
        return existing.name
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "service_points.csv"
        with path.open("w", encoding="utf-8", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(["name", "name_en", "kind", "address"])
            name_en = "Hsinchu City East District Household Registration Office (demo location)"
            writer.writerow([DEMO_OFFICE, name_en, "office", plate.address])
        load_service_points(path)
    return DEMO_OFFICE


def ensure_conditions(plates: list[DoorPlate]) -> int:
    """Demo census findings: the plates' conditions, once (recognised by their evidence)."""
    if DoorPlate.objects.filter(condition_evidence=DEMO_NOTE).exists():
        return 0
    checked = timezone.localdate() - dt.timedelta(days=3)
    for plate, condition in zip(plates, DEMO_CONDITIONS, strict=False):
        plate_set_condition(plate_id=plate.pk, version=plate.version, condition=condition, checked_on=checked,
                            actor="demo", evidence=DEMO_NOTE)  # fmt: skip
    return min(len(plates), len(DEMO_CONDITIONS))


def _walk(step: str, plate: DoorPlate, i: int, clerk) -> str:
    """One demo case taken as far as ``step``; returns its reference."""
    waived = step == "ordered"  # an office initiative: the old-style plate replaced free of charge
    case = case_open(
        source="office_initiative" if waived else "counter",
        plates=[PlateRequest(plate.pk)],
        reason="old_style" if waived else ("missing" if i % 2 else "damaged"),
        applicant=None if waived else DEMO_APPLICANTS[i % len(DEMO_APPLICANTS)],
        actor=clerk,
        note=DEMO_NOTE,
    )
    if step == "requested":
        return case.reference
    case = fee_assess(case_id=case.pk, version=case.version, actor=clerk)
    if step == "fee_assessed":
        return case.reference
    if not waived:
        payment_record(case_id=case.pk, version=case.version, method=("cash", "easycard", "bank_transfer")[i % 3],
                       reference="" if i % 3 == 0 else f"DEMO-{case.pk:06d}", amount=case.fee_amount,
                       actor=clerk)  # fmt: skip
        case.refresh_from_db()
    if step == "paid":
        return case.reference
    order = order_create(cases={case.pk: case.version}, actor=clerk, note=DEMO_NOTE)
    if step == "ordered":
        return case.reference
    order_delivered(order_id=order.pk, delivered_on=timezone.localdate(), actor=clerk)
    case.refresh_from_db()
    if step == "delivered":
        return case.reference
    case = case_collected(case_id=case.pk, version=case.version, actor=clerk, collected_on=timezone.localdate(),
                          note=DEMO_NOTE)  # fmt: skip
    case_close(case_id=case.pk, version=case.version, actor=clerk, note=DEMO_NOTE)
    return case.reference


def ensure_cases(plates: list[DoorPlate], clerk) -> dict[str, str]:
    """The six demo cases, once (recognised by their opening note)."""
    if CaseStep.objects.filter(action="open", note=DEMO_NOTE).exists():
        return {}
    taken = set(CasePlate.objects.filter(is_open=True).values_list("plate_id", flat=True))
    free = [p for p in plates if p.pk not in taken]
    return {step: _walk(step, plate, i, clerk) for i, (step, plate) in enumerate(zip(DEMO_STEPS, free, strict=False))}


def ensure_reissue_demo(*, min_plates: int = 500) -> DemoOutcome:
    """Fees, the office's service point, demo plate conditions and demo cases, each once."""
    clerk, reviewer = _users()
    village = _demo_village(min_plates)
    if clerk is None or reviewer is None or village is None:
        return DemoOutcome(0, "", 0, {}, skipped="no clerk or reviewer login, or no village with plates")
    plates = list(DoorPlate.objects.active().filter(village=village).order_by("pk"))
    fees = ensure_fees(reviewer)
    office = ensure_office(plates[0])
    # Cases on the first plates of the village after the office's, letters (conditions) on the next ones.
    after = 1 + len(DEMO_STEPS)
    cases = ensure_cases(plates[1:after], clerk)
    marked = ensure_conditions(
        list(DoorPlate.objects.filter(pk__in=[p.pk for p in plates[after : after + len(DEMO_CONDITIONS)]]).order_by("pk"))
    )
    return DemoOutcome(fees=fees, office=office, conditions=marked, cases=cases)
