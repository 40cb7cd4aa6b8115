"""Renumbering plan services: draft (by rule or from a CSV), submit, approve or reject, cancel, apply.

Keyword-only, each in its own transaction, taking the ``version`` the caller saw (``StalePlan`` names who changed
the plan and when) and writing a ``PlanTransition``. Drafting and applying need ``accounts.edit_plates`` (clerks),
approving ``accounts.review_changes`` (reviewers) — and a second person: whoever drafted or submitted a plan never
approves it (here, and in the database's check constraint). A plan with an error in its preview (``preview``) is
neither submitted, approved nor applied.

``plan_apply`` writes everything in ONE transaction: the roads the plan introduces, the old plates retired with
successor links and the new plates created (``addresses.replace.plates_replace``: history and change events, one
txid on the public channel), the households moved to the new plates by one ``renumbering`` registration event
(``registry.services.renumbering``: no change of residence date; one txid on the private channel), the items'
new plates and the plan's status. Any failure rolls all of it back; the reason is then recorded on the plan in a
transaction of its own. ``plans_apply_due`` (the daily job) applies approved plans whose effective date has come.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Sequence

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.contrib.gis.geos import Point
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from geo_portal.addresses.plates import PlateRefused, StalePlate
from geo_portal.addresses.replace import Replacement, plates_replace
from geo_portal.areas.models import District, Road, Village
from geo_portal.changes.context import Cause, change_context
from geo_portal.registry.errors import RegistryRefused
from geo_portal.registry.services.renumbering import households_follow_renumbering
from geo_portal.renumbering import rules, sql
from geo_portal.renumbering.addressing import RoadBook
from geo_portal.renumbering.models import Plan, PlanItem, PlanTransition
from geo_portal.renumbering.preview import plan_preview
from geo_portal.renumbering.rules import NewAddress, OldPlate, RuleRefused
from geo_portal.renumbering.selectors import old_plates

logger = logging.getLogger(__name__)

DRAFT_PERM = "accounts.edit_plates"
APPROVE_PERM = "accounts.review_changes"
S = Plan.Status
K = Plan.Kind

ALLOWED: dict[str, tuple[frozenset[str], str]] = {
    "submit": (frozenset({S.DRAFT}), S.SUBMITTED),
    "approve": (frozenset({S.SUBMITTED}), S.APPROVED),
    "reject": (frozenset({S.SUBMITTED}), S.REJECTED),
    "cancel": (frozenset({S.DRAFT, S.SUBMITTED, S.APPROVED}), S.CANCELLED),
    "apply": (frozenset({S.APPROVED}), S.APPLIED),
}
STEP_REFUSALS = {
    "submit": gettext_lazy("plan %(number)s is %(status)s: only a draft can be submitted"),
    "approve": gettext_lazy("plan %(number)s is %(status)s: only a submitted plan can be approved or rejected"),
    "reject": gettext_lazy("plan %(number)s is %(status)s: only a submitted plan can be approved or rejected"),
    "cancel": gettext_lazy("plan %(number)s is %(status)s: it can no longer be cancelled"),
    "apply": gettext_lazy("plan %(number)s is %(status)s: only an approved plan can be applied"),
}


class PlanRefused(ValueError):
    """Bad input or an illegal step; ``errors`` maps each field (``row 3.new_address``) to reasons. Nothing changed."""

    def __init__(self, errors: dict[str, list[str]]):
        self.errors = errors
        super().__init__("; ".join(f"{k}: {', '.join(v)}" for k, v in errors.items()))


class StalePlan(PlanRefused):
    """The plan changed since the caller read it."""


def _require(user: AbstractBaseUser, perm: str, what: str) -> None:
    if not (user.is_active and user.has_perm(perm)):
        raise PlanRefused({"actor": [_("%(user)s may not %(what)s") % {"user": user.get_username(), "what": what}]})


def _locked(plan_id: int, version: int) -> Plan:
    plan = Plan.objects.select_for_update().select_related("district").filter(pk=plan_id).first()
    if plan is None:
        raise PlanRefused({"plan": [_("there is no renumbering plan %(id)s") % {"id": plan_id}]})
    if plan.version != version:
        last = plan.transitions.select_related("actor").order_by("-at", "-id").first()
        raise StalePlan(
            {
                "version": [
                    _("plan %(number)s was changed by %(user)s at %(when)s (version %(now)d, you saw %(saw)d); reload it")
                    % {
                        "number": plan.number,
                        "user": last.actor.get_username() if last else "?",
                        "when": timezone.localtime(last.at).strftime("%Y-%m-%d %H:%M") if last else "?",
                        "now": plan.version,
                        "saw": version,
                    }
                ]
            }
        )
    return plan


def _move(plan: Plan, action: str, actor: AbstractBaseUser, note: str = "", **values) -> Plan:
    sources, target = ALLOWED[action]
    if plan.status not in sources:
        raise PlanRefused({"status": [STEP_REFUSALS[action] % {"number": plan.number, "status": plan.get_status_display()}]})
    before = plan.status
    plan.status = target
    for name, value in values.items():
        setattr(plan, name, value)
    plan.version += 1
    plan.save()
    PlanTransition.objects.create(plan=plan, from_status=before, to_status=target, actor=actor, note=note)
    return plan


def _no_errors(plan: Plan) -> None:
    preview = plan_preview(plan)
    if preview.errors:
        raise PlanRefused(
            {(f"item {c.position}" if c.position else "plan"): [c.message] for c in preview.errors[:1]}
            | {"conflicts": [_("%(n)d conflicts must be resolved first") % {"n": len(preview.errors)}]}
        )


# --- drafting ------------------------------------------------------------------------------------------------------


def _check_header(errors: dict[str, list[str]], *, title: str, effective_date: object) -> None:
    if not title or not title.strip():
        errors["title"] = [_("give the plan a title")]
    if not isinstance(effective_date, dt.date):
        errors["effective_date"] = [_("must be a date")]


@transaction.atomic
def plan_draft(
    *,
    actor: AbstractBaseUser,
    district: District,
    kind: str,
    title: str,
    effective_date: dt.date,
    pairs: Sequence[tuple[OldPlate, NewAddress]],
    parameters: dict | None = None,
    points: dict[int, Point] | None = None,
) -> Plan:
    """A draft plan from (old plate, new address) pairs, in the order given (the walking order of the rule)."""
    _require(actor, DRAFT_PERM, _("draft renumbering plans"))
    errors: dict[str, list[str]] = {}
    _check_header(errors, title=title, effective_date=effective_date)
    if kind not in K.values:
        errors["kind"] = [_("unknown kind %(kind)r") % {"kind": kind}]
    if not pairs:
        errors["plates"] = [_("the plan has no plates")]
    if errors:
        raise PlanRefused(errors)
    plan = Plan.objects.create(
        district=district,
        kind=kind,
        title=title.strip()[:200],
        effective_date=effective_date,
        parameters=parameters or {},
        created_by=actor,
    )
    PlanItem.objects.bulk_create(
        [
            PlanItem(
                plan=plan,
                position=n,
                old_plate_id=old.id,
                old_version=old.version,
                old_address=old.address,
                road_name=new.road_name,
                area=new.area,
                lane=new.lane,
                alley=new.alley,
                number_prefix=new.number_prefix,
                number=new.number,
                sub_number=new.sub_number,
                number_suffix=new.number_suffix,
                floor=new.floor,
                floor_unit=new.floor_unit,
                floor_sub=new.floor_sub,
                village_id=new.village_id,
                neighborhood=new.neighborhood,
                point=(points or {}).get(old.id),
            )
            for n, (old, new) in enumerate(pairs, start=1)
        ],
        batch_size=2000,
    )
    PlanTransition.objects.create(plan=plan, from_status="", to_status=S.DRAFT, actor=actor)
    return plan


def _int(errors: dict[str, list[str]], name: str, value: object, *, required: bool = True) -> int | None:
    if value in (None, ""):
        if required:
            errors.setdefault(name, []).append(_("is required"))
        return None
    try:
        number = int(str(value).strip())
    except ValueError:
        errors.setdefault(name, []).append(_("must be a whole number (got %(value)r)") % {"value": value})
        return None
    if number < 1:
        errors.setdefault(name, []).append(_("must be at least 1 (got %(value)d)") % {"value": number})
        return None
    return number


def plan_draft_by_rule(
    *,
    actor: AbstractBaseUser,
    district: District,
    kind: str,
    title: str,
    effective_date: dt.date,
    road_id: int | None = None,
    plate_ids: Sequence[int] | None = None,
    new_road_name: str = "",
    lane: str = "",
    first_odd: object = None,
    first_even: object = None,
    base: object = None,
    village_id: object = None,
    neighborhood: object = None,
) -> Plan:
    """Draft a plan by one of the rules (``rules``) on a road, a lane of it, or chosen plates (the map)."""
    _require(actor, DRAFT_PERM, _("draft renumbering plans"))
    errors: dict[str, list[str]] = {}
    _check_header(errors, title=title, effective_date=effective_date)
    road = Road.objects.filter(pk=road_id, district=district).first() if road_id else None
    if road_id and road is None:
        errors["road"] = [_("no road %(id)s in %(district)s") % {"id": road_id, "district": district.name}]
    if kind in (K.RENAME_ROAD, K.PROMOTE_LANE) and road is None and not errors.get("road"):
        errors["road"] = [_("choose the road")]
    if kind in (K.RENAME_ROAD, K.PROMOTE_LANE):
        name = (new_road_name or "").strip()
        if not name:
            errors["new_road_name"] = [_("give the new road's name")]
        elif road is not None and name == road.name:
            errors["new_road_name"] = [_("the new name is the road's present name")]
        elif Road.objects.filter(district=district, name=name, plates__status="active").exists():
            # A road without active plates (e.g. the former name of a renamed road) may be named again.
            errors["new_road_name"] = [
                _("%(name)s is already a road of %(district)s: a plan cannot merge two roads")
                % {"name": name, "district": district.name}
            ]
        else:
            try:
                RoadBook(district).road(name)
            except ValueError as exc:
                errors["new_road_name"] = [str(exc)]
    if kind == K.PROMOTE_LANE and not (lane or "").strip():
        errors["lane"] = [_("give the lane to promote")]
    if kind in (K.RENUMBER, K.REMOVE_SUB_NUMBERS):
        first_odd = _int(errors, "first_odd", first_odd, required=False)
        first_even = _int(errors, "first_even", first_even, required=False)
        if first_odd is None and first_even is None and not errors.get("first_odd") and not errors.get("first_even"):
            errors["first_odd"] = [_("give the first odd number, the first even number, or both")]
    if kind == K.ADD_SUB_NUMBERS:
        base = _int(errors, "base", base)
    village = None
    if kind == K.MOVE_AREA:
        if village_id not in (None, ""):
            village = Village.objects.filter(pk=village_id, district=district).first()
            if village is None:
                errors["village"] = [_("no village %(id)s in %(district)s") % {"id": village_id, "district": district.name}]
        neighborhood = _int(errors, "neighborhood", neighborhood, required=False)
    if kind not in K.values or kind == K.CSV:
        errors["kind"] = [_("unknown rule %(kind)r") % {"kind": kind}]
    if kind not in (K.RENAME_ROAD, K.PROMOTE_LANE) and not plate_ids and road is None:
        errors["plates"] = [_("choose the plates on the map, or a road")]
    if errors:
        raise PlanRefused(errors)
    plates = old_plates(district_id=district.pk, road_id=road.pk if road else None, plate_ids=plate_ids)
    if plate_ids is not None and len(plates) != len(set(plate_ids)):
        missing = sorted(set(plate_ids) - {p.id for p in plates})
        raise PlanRefused(
            {
                "plates": [
                    _("plates %(ids)s are not active plates of %(district)s")
                    % {"ids": ", ".join(map(str, missing[:10])), "district": district.name}
                ]
            }
        )
    try:
        if kind == K.RENAME_ROAD:
            pairs = rules.rename_road(plates, new_road_name=new_road_name.strip())
        elif kind == K.PROMOTE_LANE:
            pairs = rules.promote_lane(plates, lane=lane.strip(), new_road_name=new_road_name.strip())
        elif kind in (K.RENUMBER, K.REMOVE_SUB_NUMBERS):
            if kind == K.REMOVE_SUB_NUMBERS:
                plates = _with_sub_numbers_entrances(plates)
            pairs = rules.renumber(
                plates, first_odd=first_odd, first_even=first_even, drop_sub_numbers=kind == K.REMOVE_SUB_NUMBERS
            )
        elif kind == K.ADD_SUB_NUMBERS:
            pairs = rules.add_sub_numbers(plates, base=base)
        else:
            pairs = rules.move_area(plates, village_id=village.pk if village else None, neighborhood=neighborhood)
    except RuleRefused as exc:
        raise PlanRefused(exc.errors) from exc
    parameters = {
        k: v
        for k, v in {
            "road": road.name if road else "",
            "new_road_name": new_road_name,
            "lane": lane,
            "first_odd": first_odd,
            "first_even": first_even,
            "base": base,
            "village": village.name if village else "",
            "neighborhood": neighborhood,
        }.items()
        if v
    }
    return plan_draft(
        actor=actor,
        district=district,
        kind=kind,
        title=title,
        effective_date=effective_date,
        pairs=pairs,
        parameters=parameters,
    )


def _with_sub_numbers_entrances(plates: list[OldPlate]) -> list[OldPlate]:
    """Removing 之 numbers renumbers the street's entrances; a street without any 之 number has nothing to remove."""
    if not any(p.sub_number is not None for p in plates):
        raise PlanRefused({"plates": [_("none of these plates has a 之 number to remove")]})
    return plates


# --- workflow ------------------------------------------------------------------------------------------------------


@transaction.atomic
def plan_submit(*, plan_id: int, version: int, actor: AbstractBaseUser, note: str = "") -> Plan:
    _require(actor, DRAFT_PERM, _("submit renumbering plans"))
    plan = _locked(plan_id, version)
    if plan.status == S.DRAFT:
        _no_errors(plan)
    return _move(plan, "submit", actor, note.strip(), submitted_by=actor, submitted_at=timezone.now())


def _not_own(plan: Plan, actor: AbstractBaseUser, what: str) -> None:
    if actor.pk in (plan.created_by_id, plan.submitted_by_id):
        raise PlanRefused(
            {
                "approved_by": [
                    _("%(user)s drafted or submitted plan %(number)s: another person must %(what)s it")
                    % {"user": actor.get_username(), "number": plan.number, "what": what}
                ]
            }
        )


@transaction.atomic
def plan_approve(*, plan_id: int, version: int, actor: AbstractBaseUser, note: str = "") -> Plan:
    """A second person approves a submitted plan without errors in its preview."""
    _require(actor, APPROVE_PERM, _("approve renumbering plans"))
    plan = _locked(plan_id, version)
    _not_own(plan, actor, _("approve"))
    if plan.status == S.SUBMITTED:
        _no_errors(plan)
    return _move(plan, "approve", actor, note.strip(), approved_by=actor, approved_at=timezone.now())


@transaction.atomic
def plan_reject(*, plan_id: int, version: int, actor: AbstractBaseUser, note: str) -> Plan:
    _require(actor, APPROVE_PERM, _("review renumbering plans"))
    plan = _locked(plan_id, version)
    _not_own(plan, actor, _("reject"))
    if not (note or "").strip():
        raise PlanRefused({"note": [_("give the reason for the rejection")]})
    return _move(plan, "reject", actor, note.strip())


@transaction.atomic
def plan_cancel(*, plan_id: int, version: int, actor: AbstractBaseUser, note: str) -> Plan:
    _require(actor, DRAFT_PERM, _("cancel renumbering plans"))
    plan = _locked(plan_id, version)
    if not (note or "").strip():
        raise PlanRefused({"note": [_("say why the plan is cancelled")]})
    return _move(plan, "cancel", actor, note.strip())


def plan_apply(*, plan_id: int, version: int, actor: AbstractBaseUser, scheduled: bool = False) -> Plan:
    """Apply an approved plan whose effective date has come, in one transaction (see the module's docstring).

    A failure leaves plates, registrations and the plan as they were; the reason is recorded on the plan
    (``last_failure``) afterwards and the error raised again.
    """
    try:
        return _apply(plan_id=plan_id, version=version, actor=actor, scheduled=scheduled)
    except (PlanRefused, PlateRefused, StalePlate, RegistryRefused) as exc:
        _record_failure(plan_id, str(exc))
        raise
    except Exception as exc:
        _record_failure(plan_id, f"{type(exc).__name__}: {exc}")
        raise


def _record_failure(plan_id: int, message: str) -> None:
    with transaction.atomic():
        Plan.objects.filter(pk=plan_id, status=S.APPROVED).update(last_failure=message[:2000])


@transaction.atomic
def _apply(*, plan_id: int, version: int, actor: AbstractBaseUser, scheduled: bool) -> Plan:
    _require(actor, DRAFT_PERM, _("apply renumbering plans"))
    plan = _locked(plan_id, version)
    if plan.status != S.APPROVED:
        return _move(plan, "apply", actor)  # refuses, naming the status
    today = timezone.localdate()
    if plan.effective_date > today:
        raise PlanRefused(
            {
                "effective_date": [
                    _("plan %(number)s takes effect on %(date)s: it is applied by the daily job on that day")
                    % {"number": plan.number, "date": plan.effective_date}
                ]
            }
        )
    book = RoadBook(plan.district)
    preview = plan_preview(plan, book=book, for_apply=True)
    if preview.errors:
        first = preview.errors[0]
        raise PlanRefused({(f"item {first.position}" if first.position else "plan"): [first.message]})
    with change_context(actor=actor.get_username(), cause=Cause.RENUMBERING_PLAN, ref=plan.pk):
        for name in preview.new_roads:
            # The roads the plan introduces (a renamed road, a promoted lane), with their pinyin English.
            book.road(name).save()
    replacements = [
        Replacement(
            plate_id=row.item.old_plate_id,
            version=row.item.old_version,
            components=book.components(row.new),
            neighborhood=row.new.neighborhood,
            village_id=row.new.village_id,
            point=row.item.point,
            zip_code=row.resolved.zip_code,
        )
        for row in preview.rows
    ]
    reason = _("renumbering plan %(number)s: %(title)s") % {"number": plan.number, "title": plan.title}
    try:
        moves = plates_replace(
            district=plan.district,
            replacements=replacements,
            retired_on=plan.effective_date,
            reason=reason,
            actor=actor,
            cause=Cause.RENUMBERING_PLAN,
            ref=plan.pk,
        )
    except PlateRefused as exc:  # named by the plan's items, as the preview names them
        raise PlanRefused({_item_field(k, preview.rows): v for k, v in exc.errors.items()}) from exc
    with connection.cursor() as cur:
        cur.execute(sql.SET_NEW_PLATES, {"old": list(moves), "new": list(moves.values()), "plan": plan.pk})
    event = households_follow_renumbering(
        moves=moves,
        effective_date=plan.effective_date,
        plan_number=plan.number,
        submitted_by=plan.submitted_by,
        reviewed_by=plan.approved_by,
        applied_by=actor,
    )
    note = _("applied by the daily job on the effective date") if scheduled else ""
    return _move(
        plan, "apply", actor, note, applied_by=actor, applied_at=timezone.now(), registration_event=event, last_failure=""
    )


def _item_field(field: str, rows: list) -> str:
    """``replacements[3].address`` (the plates' write) → ``item 4.address`` (the plan's item at that place)."""
    match = re.fullmatch(r"replacements\[(\d+)\](.*)", field)
    if match is None or int(match[1]) >= len(rows):
        return field
    return f"item {rows[int(match[1])].item.position}{match[2]}"


def plans_apply_due(*, today: dt.date | None = None) -> dict[str, int]:
    """Apply every approved plan whose effective date has come (each in its own transaction, by its approver)."""
    today = today or timezone.localdate()
    applied = failed = 0
    for plan in Plan.objects.filter(status=S.APPROVED, effective_date__lte=today).select_related("approved_by"):
        actor = get_user_model().objects.get(pk=plan.approved_by_id)
        try:
            plan_apply(plan_id=plan.pk, version=plan.version, actor=_as_applier(actor, plan), scheduled=True)
            applied += 1
        except Exception:  # recorded on the plan by plan_apply; the other plans still run
            logger.exception("renumbering plan %s could not be applied", plan.pk)
            failed += 1
    return {"applied": applied, "failed": failed}


def _as_applier(approver: AbstractBaseUser, plan: Plan) -> AbstractBaseUser:
    """The scheduled apply acts for the plan's submitter (a clerk), the approval having been given."""
    return get_user_model().objects.get(pk=plan.submitted_by_id) if plan.submitted_by_id else approver
