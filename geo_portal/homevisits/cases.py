"""A visit that leads to a registration case opens it as a draft event for the registry's two-person review.

The one case a visit can open from what the request knows is an address change: the person's household moves to
the plate visited (a care home, a relative's home). The draft is made by ``registry.services.events.event_create``
— checked against the register then and there — with the visit's day as the effective date; a second registrar
reviews it as any other event. When the clerk who synced is not a registrar, or the register refuses (the person
was typed in, is in no household, the household is already there…), the result keeps the reason and a registrar
opens the draft from the request's page once it can be made. Called by ``sync`` and the request page.
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from geo_portal.homevisits.errors import HomeVisitRefused
from geo_portal.homevisits.models import VisitResult
from geo_portal.homevisits.permissions import may_open_cases
from geo_portal.registry import selectors as register
from geo_portal.registry.access import Access
from geo_portal.registry.details import AddressChange
from geo_portal.registry.errors import AccessDenied, RegistryRefused
from geo_portal.registry.models import AccessLog, Household, RegistrationEvent
from geo_portal.registry.services.events import event_create

CASE_KINDS = (RegistrationEvent.Kind.ADDRESS_CHANGE.value,)


def _draft(result: VisitResult, actor: AbstractBaseUser) -> RegistrationEvent:
    request = result.stop.request
    if request.person_id is None:
        raise RegistryRefused([])
    access = Access(
        user=actor,
        purpose=AccessLog.Purpose.HOME_VISIT,
        endpoint="homevisits.cases.open_for_result",
        note=f"home visit request #{request.pk}",
    )
    _person, periods = register.person_history(person_id=request.person_id, access=access)
    current = next((p for p in periods if p.until is None), None)
    household = Household.objects.filter(number=current.household_number).first() if current else None
    if household is None:
        raise RegistryRefused([])
    details = AddressChange(household_id=household.pk, plate_id=request.plate_id)
    return event_create(
        actor=actor,
        kind=result.case_kind,
        effective_date=timezone.localtime(result.observed_at).date(),
        details=details,
        note=_("home visit request #%(id)s") % {"id": request.pk},
    )


def _why(result: VisitResult, exc: Exception) -> str:
    if isinstance(exc, RegistryRefused) and not exc.errors:
        if result.stop.request.person_id is None:
            return _("the person was typed in, not found in the register: enter the case at the registry")
        return _("the person is in no household today")
    return str(exc)[:500]


def open_for_result(*, result: VisitResult, actor: AbstractBaseUser) -> VisitResult:
    """Open the result's registration draft if the actor may (inside the caller's transaction, a savepoint
    around the attempt); otherwise record why not."""
    if result.registration_event_id or not result.case_kind:
        return result
    if not may_open_cases(actor):
        result.case_problem = _("waiting for a registrar to open the draft")
    else:
        try:
            with transaction.atomic():
                result.registration_event = _draft(result, actor)
                result.case_problem = ""
        except (RegistryRefused, AccessDenied) as exc:
            result.case_problem = _why(result, exc)
    result.save(update_fields=["registration_event", "case_problem"])
    return result


@transaction.atomic
def case_open(*, result_id: int, actor: AbstractBaseUser) -> VisitResult:
    """A registrar opens the draft a synced result asked for (refused with the reason when it cannot be made)."""
    if not may_open_cases(actor):
        raise HomeVisitRefused([("user", _("%(user)s may not enter registration events") % {"user": actor.get_username()})])
    result = VisitResult.objects.select_for_update().select_related("stop__request").filter(pk=result_id).first()
    if result is None or not result.case_kind:
        raise HomeVisitRefused(
            [("result", _("there is no registration case to open for result %(id)s") % {"id": result_id})]
        )
    open_for_result(result=result, actor=actor)
    if result.registration_event_id is None:
        raise HomeVisitRefused([("case", result.case_problem)])
    return result
