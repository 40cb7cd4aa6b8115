"""Production orders: batching cases for the plate maker, and their delivery to the office.

``order_create`` takes cases that are paid (or whose fee is waived) at the versions the clerk saw, fixes each plate's
exact text (``plate_text``) and its place on the installation route (``route``, starting from the office's service
point when it is known), and moves every case to "ordered" — all of them or none. ``order_delivered`` records that
the maker delivered the order: its cases still ordered move to "delivered" (a case cancelled meanwhile is left).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from geo_portal.offices.models import ServicePoint
from geo_portal.reissue import route
from geo_portal.reissue.errors import CaseRefused, FieldErrors, add, refuse
from geo_portal.reissue.models import Case, CasePlate, ProductionOrder
from geo_portal.reissue.plate_text import plate_text
from geo_portal.reissue.services.common import HANDLE, check_step, clean_note, locked_case, move, require
from geo_portal.reissue.states import State

MAX_CASES = 500  # one order sheet; a bigger batch is split by the clerk


def _office_point() -> tuple[float, float] | None:
    """Where installation rounds start: the office's service point, when it has been placed by the geocoder."""
    office = ServicePoint.objects.filter(kind=ServicePoint.Kind.OFFICE, active=True, location__isnull=False).first()
    return (office.location.x, office.location.y) if office else None


@transaction.atomic
def order_create(*, cases: Mapping[int, int], actor: AbstractBaseUser, maker: str = "", note: str = "") -> ProductionOrder:
    """One production order for ``cases`` (case id → the version the clerk saw)."""
    require(actor, HANDLE, _("order plates"))
    errors: FieldErrors = {}
    maker = clean_note(maker or settings.REISSUE_PLATE_MAKER, "maker", errors=errors)[:120]
    note = clean_note(note, errors=errors)
    if not cases:
        add(errors, "cases", _("choose at least one case"))
    elif len(cases) > MAX_CASES:
        add(errors, "cases", _("at most %(n)d cases per order (got %(got)d)") % {"n": MAX_CASES, "got": len(cases)})
    refuse(errors)
    locked = [locked_case(case_id, version) for case_id, version in sorted(cases.items())]  # id order: no deadlock
    for case in locked:
        try:
            check_step(case, "order")
        except CaseRefused as exc:
            add(errors, f"cases[{case.reference}]", exc.errors["state"][0])
            continue
        if case.state == State.FEE_ASSESSED and not case.fee_waived:
            add(errors, f"cases[{case.reference}]", _("the fee of case %(ref)s is not paid yet") % {"ref": case.reference})
        if case.order_id is not None:
            add(errors, f"cases[{case.reference}]", _("already in order %(n)s") % {"n": case.order_id})
    refuse(errors)
    order = ProductionOrder.objects.create(maker=maker, note=note, created_by=actor)
    plates = list(
        CasePlate.objects.filter(case__in=locked).select_related("plate__district__county").order_by("case_id", "id")
    )
    stops = []
    for plate in plates:
        text = plate_text(plate.plate, plate.plate_kind)
        plate.text = "\n".join(text.lines)  # as the maker lays it out: header, street, number, floor
        stops.append(
            route.Stop(
                key=plate.pk, street=text.street, number=plate.plate.number, x=plate.plate.geom.x, y=plate.plate.geom.y
            )
        )
    by_key = {p.pk: p for p in plates}
    seq = 0
    for group in route.walking_order(stops, start=_office_point()):
        for stop in group.stops:
            seq += 1
            by_key[stop.key].route_seq, by_key[stop.key].route_group = seq, group.street
    CasePlate.objects.bulk_update(plates, ["text", "route_seq", "route_group"])
    for case in locked:
        case.order = order
        move(case, "order", actor=actor, note=_("order %(n)s") % {"n": order.pk}, fields=("order",))
    return order


@transaction.atomic
def order_delivered(*, order_id: int, delivered_on: dt.date, actor: AbstractBaseUser) -> ProductionOrder:
    """The maker delivered the order on ``delivered_on``: its cases still ordered are now delivered."""
    require(actor, HANDLE, _("record deliveries"))
    order = ProductionOrder.objects.select_for_update().filter(pk=order_id).first()
    if order is None:
        raise CaseRefused({"order": [_("there is no production order %(id)s") % {"id": order_id}]})
    errors: FieldErrors = {}
    if order.delivered_on is not None:
        add(
            errors,
            "order",
            _("order %(n)s was delivered on %(day)s") % {"n": order.pk, "day": order.delivered_on.isoformat()},
        )
    if not isinstance(delivered_on, dt.date) or isinstance(delivered_on, dt.datetime):
        add(errors, "delivered_on", _("must be a date"))
    elif delivered_on > timezone.localdate():
        add(errors, "delivered_on", _("%(day)s is in the future") % {"day": delivered_on.isoformat()})
    elif delivered_on < timezone.localdate(order.created_at):
        add(errors, "delivered_on", _("%(day)s is before the order was made") % {"day": delivered_on.isoformat()})
    refuse(errors)
    waiting = list(Case.objects.select_for_update().filter(order=order, state=State.ORDERED).order_by("id"))
    if not waiting:
        raise CaseRefused({"order": [_("order %(n)s has no case waiting for delivery") % {"n": order.pk}]})
    order.delivered_on, order.delivered_by = delivered_on, actor
    order.save(update_fields=["delivered_on", "delivered_by"])
    for case in waiting:
        move(
            case,
            "deliver",
            actor=actor,
            note=_("order %(n)s delivered on %(day)s") % {"n": order.pk, "day": delivered_on.isoformat()},
        )
    return order
