"""Supervisor validation of findings and the clerk's decision on proposals — applied through the plate services.

Accepting a finding applies it at once, under the change-log cause ``census_task:<task id>``:

- ok / missing / damaged / old style → ``plate_set_condition`` (checked on the day it was observed), with the
  finding as evidence; missing, damaged and old style also mark the finding ``needs_new_plate`` — the hook the
  re-issuance workflow reads (``selectors.findings_needing_new_plate``) and marks with its case reference;
- wrong position → ``plate_move`` to the surveyor's point, the note as the reason;
- number differs / unregistered plate / building without a plate → a ``Proposal`` that a clerk confirms with the
  address as parsed (``proposal_confirm``: a plate created or its address changed) or rejects;
- skipped → acknowledged, nothing changes.

A finding in conflict (its plate changed after the download) is applied only when the supervisor says so
(``over_conflict=True``), and then to the plate as it is now. Called by the review views and tests.
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from geo_portal.addresses.models import DoorPlate
from geo_portal.addresses.parsing import parse
from geo_portal.addresses.plates import (
    Components,
    PlateRefused,
    StalePlate,
    plate_change_address,
    plate_create,
    plate_move,
    plate_set_condition,
)
from geo_portal.areas.models import Road
from geo_portal.census.models import Finding, Proposal, Task
from geo_portal.census.services import SUPERVISE, CensusRefused
from geo_portal.changes.context import Cause

K = Finding.Kind
CONDITION_OF = {
    K.OK: DoorPlate.Condition.OK,
    K.MISSING: DoorPlate.Condition.MISSING,
    K.DAMAGED: DoorPlate.Condition.DAMAGED,
    K.OLD_STYLE: DoorPlate.Condition.OLD_STYLE,
}
NEW_PLATE_KINDS = {K.MISSING, K.DAMAGED, K.OLD_STYLE}
PROPOSAL_KINDS = {K.NUMBER_DIFFERS, K.UNREGISTERED, K.NO_PLATE}
EDIT_PLATES = "accounts.edit_plates"


def _locked_finding(finding_id: int, user: AbstractBaseUser) -> Finding:
    if not (user.is_active and user.has_perm(SUPERVISE)):
        raise CensusRefused(_("%(user)s may not validate census findings.") % {"user": user.get_username()})
    finding = Finding.objects.select_for_update(of=("self",)).select_related("task").filter(pk=finding_id).first()
    if finding is None:
        raise CensusRefused(_("There is no finding %(id)s.") % {"id": finding_id})
    if finding.task.state != Task.State.SUBMITTED:
        raise CensusRefused(
            _("Task #%(n)s is %(state)s: findings are validated once it is submitted.")
            % {"n": finding.task.number, "state": finding.task.get_state_display()}
        )
    if finding.surveyor_id == user.pk or finding.task.submitted_by_id == user.pk:
        raise CensusRefused(_("You recorded this finding: another supervisor must validate it."))
    if finding.review != Finding.Review.PENDING:
        raise CensusRefused(_("This finding is already %(state)s.") % {"state": finding.get_review_display()})
    return finding


def _decided(finding: Finding, user: AbstractBaseUser, review: str, note: str, outcome: str) -> Finding:
    finding.review, finding.reviewed_by, finding.reviewed_at = review, user, timezone.now()
    finding.review_note, finding.outcome = note[:500], outcome[:200]
    finding.save(
        update_fields=[
            "review",
            "reviewed_by",
            "reviewed_at",
            "review_note",
            "outcome",
            "needs_new_plate",
            "conflict",
            "conflict_note",
        ]
    )
    return finding


@transaction.atomic
def finding_accept(*, finding_id: int, user: AbstractBaseUser, note: str = "", over_conflict: bool = False) -> Finding:
    """Accept one finding and apply it (see the module docstring); refused while in unconfirmed conflict."""
    finding = _locked_finding(finding_id, user)
    if finding.conflict and not over_conflict:
        raise CensusRefused(
            _("This finding is in conflict (%(why)s): look at the plate as it is now and confirm to apply it anyway.")
            % {"why": finding.conflict_note}
        )
    evidence = f"census task #{finding.task.number} finding {finding.uuid}"
    context = {"actor": user, "cause": Cause.CENSUS_TASK, "ref": finding.task_id}
    try:
        outcome = _apply(finding, note=note, evidence=evidence, over_conflict=over_conflict, context=context)
    except StalePlate as exc:
        # Changed between the sync and now: keep it, flag it, let the supervisor look again.
        Finding.objects.filter(pk=finding.pk).update(conflict=True, conflict_note=str(exc)[:300])
        raise CensusRefused(_("The plate changed meanwhile: %(why)s") % {"why": exc}) from None
    except PlateRefused as exc:
        raise CensusRefused(str(exc)) from None
    return _decided(finding, user, Finding.Review.ACCEPTED, note, outcome)


def _version(finding: Finding, over_conflict: bool) -> int:
    if over_conflict:
        return DoorPlate.objects.values_list("version", flat=True).get(pk=finding.plate_id)
    return finding.plate_version


def _apply(finding: Finding, *, note: str, evidence: str, over_conflict: bool, context: dict) -> str:
    kind = finding.kind
    if kind in CONDITION_OF:
        plate = plate_set_condition(
            plate_id=finding.plate_id,
            version=_version(finding, over_conflict),
            condition=CONDITION_OF[kind],
            checked_on=timezone.localdate(finding.observed_at),
            evidence=evidence,
            **context,
        )
        finding.needs_new_plate = kind in NEW_PLATE_KINDS
        return _("condition set to %(condition)s (version %(v)s)") % {
            "condition": plate.get_condition_display(),
            "v": plate.version,
        }
    if kind == K.WRONG_POSITION:
        before = DoorPlate.objects.values_list("geom", flat=True).get(pk=finding.plate_id)
        result = plate_move(
            plate_id=finding.plate_id,
            version=_version(finding, over_conflict),
            point=finding.point,
            reason=(note or finding.note or _("census: plate in the wrong position"))[:200],
            **context,
        )
        return _("moved %(d).1f m (version %(v)s)") % {"d": before.distance(finding.point), "v": result.plate.version}
    if kind in PROPOSAL_KINDS:
        proposal = Proposal.objects.create(finding=finding)
        return _("proposal %(id)s for a clerk") % {"id": proposal.pk}
    return _("acknowledged")


@transaction.atomic
def finding_reject(*, finding_id: int, user: AbstractBaseUser, note: str) -> Finding:
    """Reject one finding with the reason; nothing is applied."""
    finding = _locked_finding(finding_id, user)
    if not note.strip():
        raise CensusRefused(_("Say why the finding is rejected."))
    return _decided(finding, user, Finding.Review.REJECTED, note.strip(), _("rejected"))


def accept_all(*, task_id: int, user: AbstractBaseUser) -> tuple[int, list[str]]:
    """Accept every pending finding of a task that is not in conflict; returns (accepted, refusals)."""
    accepted, refusals = 0, []
    ids = Finding.objects.filter(task_id=task_id, review=Finding.Review.PENDING, conflict=False).order_by("stop__seq", "id")
    for finding_id in ids.values_list("pk", flat=True):
        try:
            finding_accept(finding_id=finding_id, user=user)
            accepted += 1
        except CensusRefused as exc:
            refusals.append(str(exc))
    return accepted, refusals


def components_from_text(text: str, *, district_id: int) -> tuple[Components, int | None]:
    """An address as written (any form the parser reads) → plate components and 鄰; CensusRefused names what
    is missing or unknown."""
    result = parse(text)
    addr = result.address
    if addr is None or addr.number is None:
        raise CensusRefused(_("%(text)r is not an address with a number (號).") % {"text": text})
    if result.problems:
        raise CensusRefused(_("%(text)r: %(problems)s") % {"text": text, "problems": "; ".join(map(str, result.problems))})
    road = None
    if addr.road:
        road = Road.objects.filter(district_id=district_id, name=addr.road_section).first()
        if road is None:
            raise CensusRefused(_("There is no road %(road)s in this district.") % {"road": addr.road_section})
    components = Components(
        number=addr.number,
        road=road,
        area=addr.area,
        lane=addr.lane,
        alley=addr.alley,
        number_prefix=addr.number_prefix,
        sub_number=addr.sub_number,
        number_suffix=addr.number_suffix,
        floor=addr.floor,
        floor_unit=addr.floor_unit,
        floor_sub=addr.floor_sub,
    )
    return components, addr.neighborhood


@transaction.atomic
def proposal_confirm(*, proposal_id: int, user: AbstractBaseUser, address: str, note: str = "") -> Proposal:
    """A clerk confirms a proposal with the address as it should be registered: an unregistered plate or a
    building without one becomes a new plate at the surveyor's point; a differing number changes the plate's
    address (at its current version, since the clerk looks at it now)."""
    if not (user.is_active and user.has_perm(EDIT_PLATES)):
        raise CensusRefused(_("%(user)s may not confirm plate proposals.") % {"user": user.get_username()})
    proposal = (
        Proposal.objects.select_for_update(of=("self",))
        .select_related("finding__task__campaign")
        .filter(pk=proposal_id)
        .first()
    )
    if proposal is None or proposal.status != Proposal.Status.OPEN:
        raise CensusRefused(_("Proposal %(id)s is not open.") % {"id": proposal_id})
    finding = proposal.finding
    district = finding.task.campaign.district
    components, neighborhood = components_from_text(address, district_id=district.pk)
    context = {"actor": user, "cause": Cause.CENSUS_TASK, "ref": finding.task_id}
    try:
        if finding.kind == K.NUMBER_DIFFERS:
            current = DoorPlate.objects.values_list("version", flat=True).get(pk=finding.plate_id)
            plate = plate_change_address(plate_id=finding.plate_id, version=current, components=components, **context)
        else:
            kwargs = {"neighborhood": neighborhood} if neighborhood is not None else {}
            plate = plate_create(district=district, components=components, point=finding.point, **kwargs, **context).plate
    except (PlateRefused, StalePlate) as exc:
        raise CensusRefused(str(exc)) from None
    proposal.status, proposal.decided_by, proposal.decided_at = Proposal.Status.CONFIRMED, user, timezone.now()
    proposal.plate, proposal.note = plate, note[:500]
    proposal.save()
    return proposal


@transaction.atomic
def proposal_reject(*, proposal_id: int, user: AbstractBaseUser, note: str) -> Proposal:
    """A clerk rejects a proposal with the reason."""
    if not (user.is_active and user.has_perm(EDIT_PLATES)):
        raise CensusRefused(_("%(user)s may not decide plate proposals.") % {"user": user.get_username()})
    if not note.strip():
        raise CensusRefused(_("Say why the proposal is rejected."))
    proposal = Proposal.objects.select_for_update().filter(pk=proposal_id).first()
    if proposal is None or proposal.status != Proposal.Status.OPEN:
        raise CensusRefused(_("Proposal %(id)s is not open.") % {"id": proposal_id})
    proposal.status, proposal.decided_by, proposal.decided_at, proposal.note = (
        Proposal.Status.REJECTED,
        user,
        timezone.now(),
        note.strip()[:500],
    )
    proposal.save()
    return proposal


@transaction.atomic
def finding_hand_off(*, finding_id: int, reissue_ref: str) -> Finding:
    """Mark an accepted finding that needs a new plate as taken by the re-issue case ``reissue_ref`` (the end of
    ``selectors.findings_needing_new_plate``). Called by the re-issuance workflow inside its own transaction, which
    has checked who acts; CensusRefused when the finding is not waiting for a case (already taken: names the case)."""
    reference = (reissue_ref or "").strip()
    if not reference or len(reference) > 40:
        raise CensusRefused(_("A re-issue case reference of 1 to 40 characters is required."))
    finding = Finding.objects.select_for_update(of=("self",)).order_by().filter(pk=finding_id).first()
    if finding is None:
        raise CensusRefused(_("There is no finding %(id)s.") % {"id": finding_id})
    if finding.reissue_ref:
        raise CensusRefused(
            _("Census finding %(id)s already has re-issue case %(ref)s.") % {"id": finding_id, "ref": finding.reissue_ref}
        )
    if finding.review != Finding.Review.ACCEPTED or not finding.needs_new_plate:
        raise CensusRefused(
            _("Census finding %(id)s does not call for a new plate (%(kind)s, %(review)s).")
            % {"id": finding_id, "kind": finding.get_kind_display(), "review": finding.get_review_display()}
        )
    finding.reissue_ref = reference
    finding.save(update_fields=["reissue_ref"])
    return finding
