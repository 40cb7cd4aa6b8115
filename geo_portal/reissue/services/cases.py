"""Opening, closing and cancelling re-issue cases.

``case_open`` takes a request at the counter (the clerk picked the plate through the geocoder) or an office
initiative; ``case_open_from_finding`` takes an accepted census finding and marks it with the case's reference
through the census service; ``case_open_from_report`` turns a citizen report of a missing or damaged plate into a
case in one step. Every one validates all its input first (``CaseRefused`` names each field: ``plates[0].plate``,
``applicant.email`` …), owns its transaction, and writes the case, its plates, applicant and first step together;
one plate has at most one open case (a partial unique index holds it under concurrency too).
"""

from __future__ import annotations

import logging
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from geo_portal.addresses.models import DoorPlate
from geo_portal.census.models import Finding
from geo_portal.census.review import finding_hand_off
from geo_portal.census.services import CensusRefused
from geo_portal.reissue.errors import CaseRefused, FieldErrors, add, refuse
from geo_portal.reissue.models import Case, CaseApplicant, CasePlate, CaseStep, Payment, PlateKind, Reason, Source
from geo_portal.reissue.services.common import (
    HANDLE,
    case_context,
    check_step,
    clean_note,
    due_date,
    locked_case,
    move,
    require,
)
from geo_portal.reissue.sql import NEXT_CASE_ID
from geo_portal.reissue.states import State
from geo_portal.reports.models import CitizenReport
from geo_portal.reports.selectors import report_summary

logger = logging.getLogger(__name__)

# No 0/O, 1/I/L: a reference read aloud at the counter or over the phone stays unambiguous.
REFERENCE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
REFERENCE_ATTEMPTS = 8
MAX_QUANTITY = 10
PHONE = re.compile(r"^\+?[0-9][0-9 ()#\-]{5,28}$")
REASON_OF_FINDING = {
    Finding.Kind.MISSING: Reason.MISSING,
    Finding.Kind.DAMAGED: Reason.DAMAGED,
    Finding.Kind.OLD_STYLE: Reason.OLD_STYLE,
}
REASON_OF_REPORT = {CitizenReport.Kind.MISSING: Reason.MISSING, CitizenReport.Kind.DAMAGED: Reason.DAMAGED}


@dataclass(frozen=True)
class PlateRequest:
    """A plate to make: which door plate, what kind, how many."""

    plate_id: int
    plate_kind: str = PlateKind.STANDARD
    quantity: int = 1


@dataclass(frozen=True)
class Applicant:
    """Who asked (personal data): kept for staff and the receipt's e-mail only."""

    name: str = ""
    phone: str = ""
    email: str = ""


def new_reference() -> str:
    """``RI-20261202-7K3Q9``: today's date (local) and 5 random unambiguous characters (not guessable)."""
    return f"RI-{timezone.localdate():%Y%m%d}-{''.join(secrets.choice(REFERENCE_ALPHABET) for _i in range(5))}"


def _whole(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _clean_plates(plates: Sequence[PlateRequest], errors: FieldErrors) -> list[tuple[PlateRequest, DoorPlate]]:
    if not plates:
        add(errors, "plates", _("choose at least one door plate"))
        return []
    ids = [p.plate_id for p in plates if _whole(p.plate_id)]
    found = {p.pk: p for p in DoorPlate.objects.filter(pk__in=ids)}
    open_cases = dict(CasePlate.objects.filter(plate_id__in=ids, is_open=True).values_list("plate_id", "case__reference"))
    out, seen = [], set()
    for i, request in enumerate(plates):
        where = f"plates[{i}]"
        plate = found.get(request.plate_id) if _whole(request.plate_id) else None
        if not _whole(request.plate_id):
            add(errors, f"{where}.plate", _("must be a door plate id (got %(v)r)") % {"v": request.plate_id})
        elif plate is None:
            add(errors, f"{where}.plate", _("no door plate with id %(id)s") % {"id": request.plate_id})
        elif plate.status != DoorPlate.Status.ACTIVE:
            add(errors, f"{where}.plate", _("door plate %(id)s (%(a)s) is retired") % {"id": plate.pk, "a": plate.address})
        elif plate.pk in seen:
            add(errors, f"{where}.plate", _("door plate %(id)s is listed twice") % {"id": plate.pk})
        elif plate.pk in open_cases:
            add(
                errors,
                f"{where}.plate",
                _("door plate %(id)s (%(a)s) already has open case %(ref)s")
                % {"id": plate.pk, "a": plate.address, "ref": open_cases[plate.pk]},
            )
        if request.plate_kind not in PlateKind.values:
            add(errors, f"{where}.plate_kind", _("must be one of %(kinds)s") % {"kinds": ", ".join(PlateKind.values)})
        elif plate is not None and request.plate_kind == PlateKind.FLOOR and plate.floor is None:
            add(errors, f"{where}.plate_kind", _("door plate %(id)s has no floor: no floor plate") % {"id": plate.pk})
        elif plate is not None and request.plate_kind == PlateKind.LANE_SIGN and not (plate.lane or plate.alley):
            add(errors, f"{where}.plate_kind", _("door plate %(id)s is not in a lane or alley") % {"id": plate.pk})
        if not _whole(request.quantity) or not 1 <= request.quantity <= MAX_QUANTITY:
            add(
                errors,
                f"{where}.quantity",
                _("must be a whole number from 1 to %(max)d (got %(v)r)") % {"max": MAX_QUANTITY, "v": request.quantity},
            )
        if plate is not None:
            seen.add(plate.pk)
            out.append((request, plate))
    return out


def _clean_applicant(applicant: Applicant | None, *, name_required: bool, errors: FieldErrors) -> Applicant | None:
    applicant = applicant or Applicant()
    name = clean_note(applicant.name, "applicant.name", errors=errors)
    phone = (applicant.phone or "").strip()
    email = (applicant.email or "").strip()
    if name_required and not name:
        add(errors, "applicant.name", _("the applicant's name is required for a request at the counter"))
    if len(name) > 100:
        add(errors, "applicant.name", _("is too long (at most 100 characters)"))
    if phone and (not PHONE.match(phone) or sum(c.isdigit() for c in phone) < 6):
        add(errors, "applicant.phone", _("is not a phone number (digits, spaces, +, -, parentheses)"))
    if email:
        try:
            validate_email(email)
        except ValidationError:
            add(errors, "applicant.email", _("is not an e-mail address"))
        if len(email) > 200:
            add(errors, "applicant.email", _("is too long (at most 200 characters)"))
    if not (name or phone or email):
        return None
    return Applicant(name=name, phone=phone, email=email)


def _clerk(clerk: AbstractBaseUser | None, actor: AbstractBaseUser, errors: FieldErrors) -> AbstractBaseUser:
    clerk = clerk or actor
    if not (clerk.is_active and clerk.has_perm(HANDLE)):
        add(errors, "clerk", _("%(user)s does not handle re-issue cases") % {"user": clerk.get_username()})
    return clerk


def _insert(case: Case, actor: AbstractBaseUser) -> Case:
    """Insert under a fresh reference, drawing again when one is taken (a savepoint per attempt).

    The id is taken from the sequence first, so the change log's cause (``reissue_case:<id>``) is set before the
    insert that its capture trigger records.
    """
    with connection.cursor() as cur:
        cur.execute(NEXT_CASE_ID)
        case.pk = cur.fetchone()[0]
    for attempt in range(1, REFERENCE_ATTEMPTS + 1):
        case.reference = new_reference()
        try:
            with transaction.atomic(), case_context(actor, case.pk):
                case.save(force_insert=True)
            return case
        except IntegrityError as exc:
            constraint = getattr(getattr(exc.__cause__, "diag", None), "constraint_name", None)
            if constraint != "reissuecase_reference_uniq" or attempt == REFERENCE_ATTEMPTS:
                raise
    raise AssertionError("unreachable")


def _open(
    *,
    source: str,
    source_id: int | None,
    source_ref: str,
    plates: list[tuple[PlateRequest, DoorPlate]],
    reason: str,
    reason_note: str,
    applicant: Applicant | None,
    actor: AbstractBaseUser,
    clerk: AbstractBaseUser,
    note: str,
) -> Case:
    case = Case(
        source=source,
        source_id=source_id,
        source_ref=source_ref,
        reason=reason,
        reason_note=reason_note,
        state=State.REQUESTED,
        clerk=clerk,
        due_on=due_date(State.REQUESTED, timezone.localdate()),
        updated_by=actor.get_username(),
    )
    _insert(case, actor)
    with case_context(actor, case.pk):
        if applicant is not None:
            CaseApplicant.objects.create(case=case, name=applicant.name, phone=applicant.phone, email=applicant.email)
        try:
            with transaction.atomic():
                CasePlate.objects.bulk_create(
                    CasePlate(case=case, plate=plate, plate_kind=request.plate_kind, quantity=request.quantity)
                    for request, plate in plates
                )
        except IntegrityError as exc:  # another clerk opened a case for one of these plates a moment ago
            constraint = getattr(getattr(exc.__cause__, "diag", None), "constraint_name", None)
            if constraint != "reissueplate_one_open_case":
                raise
            raise CaseRefused({"plates": [_("another case for one of these plates was opened just now")]}) from None
        CaseStep.objects.create(
            case=case, action="open", from_state="", to_state=State.REQUESTED, actor=actor, note=note, due_on=case.due_on
        )
    logger.info("re-issue case %s opened (source %s, %d plates)", case.reference, source, len(plates))
    return case


def _clean_reason(reason: str, reason_note: str | None, errors: FieldErrors) -> str:
    text = clean_note(reason_note, "reason_note", errors=errors)
    if reason not in Reason.values:
        add(errors, "reason", _("must be one of %(reasons)s") % {"reasons": ", ".join(Reason.values)})
    elif reason == Reason.OTHER and not text:
        add(errors, "reason_note", _("say what the reason is when it is “other”"))
    return text


@transaction.atomic
def case_open(
    *,
    source: str,
    plates: Sequence[PlateRequest],
    reason: str,
    actor: AbstractBaseUser,
    reason_note: str = "",
    applicant: Applicant | None = None,
    clerk: AbstractBaseUser | None = None,
    note: str = "",
) -> Case:
    """A case from a request at the counter (the applicant's name required) or an office initiative."""
    require(actor, HANDLE, _("open re-issue cases"))
    errors: FieldErrors = {}
    if source not in (Source.COUNTER, Source.OFFICE_INITIATIVE):
        add(errors, "source", _("must be counter or office_initiative (findings and reports have their own services)"))
    reason_text = _clean_reason(reason, reason_note, errors)
    checked_plates = _clean_plates(plates, errors)
    person = _clean_applicant(applicant, name_required=source == Source.COUNTER, errors=errors)
    note = clean_note(note, errors=errors)
    responsible = _clerk(clerk, actor, errors)
    refuse(errors)
    return _open(
        source=source,
        source_id=None,
        source_ref="",
        plates=checked_plates,
        reason=reason,
        reason_note=reason_text,
        applicant=person,
        actor=actor,
        clerk=responsible,
        note=note,
    )


@transaction.atomic
def case_open_from_finding(
    *,
    finding_id: int,
    actor: AbstractBaseUser,
    plate_kind: str = PlateKind.STANDARD,
    quantity: int = 1,
    applicant: Applicant | None = None,
    note: str = "",
) -> Case:
    """A case for the plate of an accepted census finding that needs a new one; the finding gets the reference."""
    require(actor, HANDLE, _("open re-issue cases"))
    errors: FieldErrors = {}
    finding = Finding.objects.select_related("task").filter(pk=finding_id).first() if _whole(finding_id) else None
    if finding is None:
        raise CaseRefused({"finding": [_("there is no census finding %(id)s") % {"id": finding_id}]})
    if finding.reissue_ref:
        add(
            errors,
            "finding",
            _("census finding %(id)s already has case %(ref)s") % {"id": finding.pk, "ref": finding.reissue_ref},
        )
    elif not (finding.needs_new_plate and finding.review == Finding.Review.ACCEPTED):
        add(errors, "finding", _("census finding %(id)s does not call for a new plate") % {"id": finding.pk})
    checked_plates = _clean_plates([PlateRequest(finding.plate_id, plate_kind, quantity)], errors)
    person = _clean_applicant(applicant, name_required=False, errors=errors)
    note = clean_note(note, errors=errors)
    refuse(errors)
    case = _open(
        source=Source.CENSUS_FINDING,
        source_id=finding.pk,
        source_ref=f"census task #{finding.task.number} finding {finding.uuid}"[:40],
        plates=checked_plates,
        reason=REASON_OF_FINDING[finding.kind],
        reason_note="",
        applicant=person,
        actor=actor,
        clerk=actor,
        note=note,
    )
    try:
        finding_hand_off(finding_id=finding.pk, reissue_ref=case.reference)
    except CensusRefused as exc:  # taken by another case between the check and now
        raise CaseRefused({"finding": [str(exc)]}) from None
    return case


@transaction.atomic
def case_open_from_report(
    *,
    report_id: int,
    actor: AbstractBaseUser,
    plate_kind: str = PlateKind.STANDARD,
    quantity: int = 1,
    applicant: Applicant | None = None,
    note: str = "",
) -> Case:
    """A case from a citizen report of a missing or damaged plate, in one step (the report's contact is not read)."""
    require(actor, HANDLE, _("open re-issue cases"))
    errors: FieldErrors = {}
    report = report_summary(report_id=report_id) if _whole(report_id) else None
    if report is None:
        raise CaseRefused({"report": [_("there is no citizen report %(id)s") % {"id": report_id}]})
    ref = report.reference
    taken = Case.objects.filter(source=Source.CITIZEN_REPORT, source_id=report.id).values_list("reference", flat=True)
    if taken:
        add(errors, "report", _("report %(r)s already has case %(ref)s") % {"r": ref, "ref": taken[0]})
    if report.kind not in REASON_OF_REPORT:
        add(errors, "report", _("report %(r)s is not about a missing or damaged plate") % {"r": ref})
    if report.status == CitizenReport.Status.REJECTED:
        add(errors, "report", _("report %(r)s was rejected") % {"r": ref})
    if report.plate_id is None:
        add(errors, "report", _("report %(r)s names no door plate: open the case at the counter") % {"r": ref})
        checked_plates = []
    else:
        checked_plates = _clean_plates([PlateRequest(report.plate_id, plate_kind, quantity)], errors)
    person = _clean_applicant(applicant, name_required=False, errors=errors)
    note = clean_note(note, errors=errors)
    refuse(errors)
    return _open(
        source=Source.CITIZEN_REPORT,
        source_id=report.id,
        source_ref=ref,
        plates=checked_plates,
        reason=REASON_OF_REPORT[report.kind],
        reason_note="",
        applicant=person,
        actor=actor,
        clerk=actor,
        note=note,
    )


@transaction.atomic
def case_close(*, case_id: int, version: int, actor: AbstractBaseUser, note: str = "") -> Case:
    """Close a case whose plates are installed or collected."""
    require(actor, HANDLE, _("close re-issue cases"))
    note = clean_note(note)
    case = locked_case(case_id, version)
    return move(case, "close", actor=actor, note=note)


@transaction.atomic
def case_cancel(*, case_id: int, version: int, actor: AbstractBaseUser, reason: str) -> Case:
    """Cancel a case that holds no money (never paid, or its fee waived), with the reason."""
    require(actor, HANDLE, _("cancel re-issue cases"))
    reason = clean_note(reason, "reason", required=True)
    case = locked_case(case_id, version)
    check_step(case, "cancel")
    held = Payment.objects.filter(case=case, voided=False, refunded_at__isnull=True).first()
    if held is not None:
        raise CaseRefused(
            {
                "state": [
                    _("case %(ref)s holds a payment of NT$%(n)d: refund it instead")
                    % {"ref": case.reference, "n": held.amount}
                ]
            }
        )
    case.end_reason = reason
    return move(case, "cancel", actor=actor, note=reason, fields=("end_reason",))
