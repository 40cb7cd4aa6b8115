"""Home-visit requests: entering one (the plate through the geocoder, the person through the register's logged
reads), and the locked read every change of a request starts from.

Keyword-only, each in its own transaction, every input checked first: a refusal (``HomeVisitRefused``) names each
field and reason and changes nothing. Called by the staff pages and tests; plans (and cancelling, which re-plans)
are in ``planning``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from geo_portal.addresses.models import DoorPlate
from geo_portal.addresses.search import Grade, geocode
from geo_portal.homevisits.errors import HomeVisitRefused
from geo_portal.homevisits.models import VisitRequest
from geo_portal.homevisits.permissions import may_handle
from geo_portal.registry import selectors as register
from geo_portal.registry.access import Access
from geo_portal.registry.errors import RegistryRefused

# The geocoder's grades that name a plate; an interpolated position is no plate to visit.
PLATE_GRADES = (Grade.EXACT, Grade.NORMALISED, Grade.FUZZY, Grade.BASE)
LIMITS = {"name": 60, "unit": 60, "purpose_note": 200, "contact": 100, "notes": 1000}


def require_handler(actor: AbstractBaseUser) -> None:
    if not may_handle(actor):
        raise HomeVisitRefused([("user", _("%(user)s may not handle home visits") % {"user": actor.get_username()})])


def plate_for(address: str) -> tuple[DoorPlate | None, str]:
    """The active plate an address written in any form names, or None and the reason (retired, not found)."""
    text = (address or "").strip()
    if not text:
        return None, _("is required")
    result = geocode(text, limit=1)
    if result.hits and result.grade in PLATE_GRADES and result.hits[0].plate_id:
        plate = DoorPlate.objects.filter(pk=result.hits[0].plate_id).first()
        if plate is not None and plate.status == DoorPlate.Status.ACTIVE:
            return plate, ""
    retired = DoorPlate.objects.filter(status=DoorPlate.Status.RETIRED, address=text).order_by("-retired_on").first()
    if retired is not None:
        return None, _("%(address)s is retired (since %(day)s); give the plate that replaced it") % {
            "address": retired.address,
            "day": retired.retired_on,
        }
    hint = ", ".join(result.suggestions[:3])
    if hint:
        return None, _("%(address)s is not a door plate of the district (did you mean %(hint)s?)") % {
            "address": text,
            "hint": hint,
        }
    return None, _("%(address)s is not a door plate of the district") % {"address": text}


def _person(
    *, national_id: str, person_id: int | None, access: Access, errors: list[tuple[str, str]]
) -> register.PersonView | None:
    """The person from the register (a logged read), or None when typed in; a deceased person is refused."""
    try:
        if national_id.strip():
            match = register.person_by_national_id(national_id_text=national_id, access=access)
            if match is None:
                errors.append(("national_id", _("no person with this national ID is in the register")))
                return None
            found = match.person
        elif person_id is not None:
            found, _periods = register.person_history(person_id=person_id, access=access)
        else:
            return None
    except RegistryRefused as exc:
        errors.extend((e.field, e.reason) for e in exc.errors)
        return None
    if found.death_date is not None:
        errors.append(
            ("person", _("person %(id)s died on %(day)s: no visit can be made") % {"id": found.id, "day": found.death_date})
        )
    return found


def _window(start: dt.time | None, end: dt.time | None, errors: list[tuple[str, str]]) -> None:
    if start is not None and end is not None and start >= end:
        errors.append(("window_end", _("must be later than %(start)s") % {"start": start.strftime("%H:%M")}))


@transaction.atomic
def request_create(
    *,
    actor: AbstractBaseUser,
    access: Access,
    address: str,
    purpose: str,
    name: str = "",
    national_id: str = "",
    person_id: int | None = None,
    unit: str = "",
    purpose_note: str = "",
    urgency: str = VisitRequest.Urgency.ROUTINE,
    preferred_days: Sequence[int] = (),
    window_start: dt.time | None = None,
    window_end: dt.time | None = None,
    contact: str = "",
    notes: str = "",
    requested_on: dt.date | None = None,
) -> VisitRequest:
    """A request, or ``HomeVisitRefused`` with every problem (unknown or retired plate, deceased person, …)."""
    require_handler(actor)
    errors: list[tuple[str, str]] = []
    plate, why = plate_for(address)
    if plate is None:
        errors.append(("address", why))
    person = _person(national_id=national_id, person_id=person_id, access=access, errors=errors)
    name = person.name if person is not None else name.strip()
    if not name and not any(f in ("national_id", "person") for f, _m in errors):
        errors.append(("name", _("is required (or a national ID to find the person in the register)")))
    values = {"name": name, "unit": unit, "purpose_note": purpose_note, "contact": contact, "notes": notes}
    for field, limit in LIMITS.items():
        if len(values[field].strip()) > limit:
            errors.append((field, _("at most %(n)d characters") % {"n": limit}))
    if purpose not in VisitRequest.Purpose.values:
        errors.append(("purpose", _("unknown: %(value)r") % {"value": purpose}))
    if urgency not in VisitRequest.Urgency.values:
        errors.append(("urgency", _("unknown: %(value)r") % {"value": urgency}))
    days = sorted(set(preferred_days))
    if any(not (isinstance(d, int) and 1 <= d <= 7) for d in days):
        errors.append(("preferred_days", _("weekdays are 1 (Monday) to 7 (Sunday)")))
    _window(window_start, window_end, errors)
    if errors:
        raise HomeVisitRefused(errors)
    return VisitRequest.objects.create(
        person_id=person.id if person is not None else None,
        name=name,
        plate=plate,
        unit=unit.strip(),
        address_as_written=address.strip()[:200],
        purpose=purpose,
        purpose_note=purpose_note.strip(),
        urgency=urgency,
        preferred_days=days,
        window_start=window_start,
        window_end=window_end,
        contact=contact.strip(),
        notes=notes.strip(),
        requested_on=requested_on or timezone.localdate(),
        created_by=actor,
        updated_by=actor,
    )


def locked_request(request_id: int, version: int) -> VisitRequest:
    """The request locked for a change at the version the caller saw (a stale one names who changed it, when)."""
    found = VisitRequest.objects.select_for_update().select_related("updated_by").filter(pk=request_id).first()
    if found is None:
        raise HomeVisitRefused([("request", _("there is no home-visit request %(id)s") % {"id": request_id})])
    if found.version != version:
        raise HomeVisitRefused(
            [
                (
                    "version",
                    _("request #%(id)s was changed by %(user)s at %(when)s; reload it and try again")
                    % {
                        "id": found.pk,
                        "user": found.updated_by.get_username(),
                        "when": timezone.localtime(found.updated_at).strftime("%Y-%m-%d %H:%M"),
                    },
                )
            ]
        )
    return found
