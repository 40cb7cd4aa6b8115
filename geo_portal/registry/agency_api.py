"""The agency details endpoint: what an applied registration event was about, for an agency's authorised token.

``GET /registry/agency/events/<id>/?detail=ids|address|person`` with ``Authorization: Bearer gpa_…``. The message an
agency received (``geo_portal.notifications``) carries only ids; this endpoint — the registry's, since it reads
personal data — answers what the token's scopes allow: the event's kind must be one the token names and the office
authorised for the agency, and the detail level one the token holds. Every answer writes the registry's access log
in the same transaction (the agency's own account as the reader, purpose "agency", the token's prefix as the
reference): one row per person returned. Never cached; errors are JSON with a reason.
"""

from __future__ import annotations

import uuid

from django.db import transaction
from django.http import HttpRequest, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from geo_portal.addresses.models import DoorPlate
from geo_portal.notifications import kinds
from geo_portal.notifications.services import token_use
from geo_portal.registry.access import ADDRESS, HOUSEHOLD, PERSON_FIELDS, Access, Purpose, log_reads
from geo_portal.registry.models import Person, RegistrationEvent

ENDPOINT = "registry:agency-event"


def _error(status: int, message: str) -> JsonResponse:
    response = JsonResponse({"error": message}, status=status, json_dumps_params={"ensure_ascii": False})
    if status == 401:
        response["WWW-Authenticate"] = 'Bearer realm="geo_portal agencies"'
    return response


@never_cache
@require_GET
def agency_event(request: HttpRequest, pk: int) -> JsonResponse:
    header = request.headers.get("Authorization", "")
    scheme, _sep, token = header.partition(" ")
    grant = token_use(token=token.strip()) if scheme.lower() == "bearer" else None
    if grant is None:
        return _error(401, _("a valid agency token is required (Authorization: Bearer gpa_…)"))
    level = request.GET.get("detail", kinds.DETAIL_IDS)
    if level not in kinds.DETAIL_LEVELS:
        return _error(
            400,
            _("detail: unknown level %(level)r; choose %(levels)s")
            % {"level": level, "levels": ", ".join(kinds.DETAIL_LEVELS)},
        )
    with transaction.atomic():
        event = RegistrationEvent.objects.filter(pk=pk, status=RegistrationEvent.Status.APPLIED).first()
        if event is None:
            return _error(404, _("no applied registration event %(id)s") % {"id": pk})
        kind = f"registration.{event.kind}"
        if kind not in grant.event_kinds:
            return _error(403, _("this token may not read %(kind)s events") % {"kind": kind})
        if level not in grant.detail_levels:
            return _error(403, _("this token may not read the %(level)s detail level") % {"level": level})
        body: dict = {
            "event_id": event.pk,
            "kind": kind,
            "effective_date": event.effective_date.isoformat(),
            "applied_at": event.applied_at.isoformat(),
            "person_ids": list(event.person_ids),
            "household_ids": list(event.household_ids),
            "plate_ids": list(event.plate_ids),
        }
        fields: tuple[str, ...] = (HOUSEHOLD,)
        if level in (kinds.DETAIL_ADDRESS, kinds.DETAIL_PERSON):
            plates = DoorPlate.objects.filter(pk__in=event.plate_ids).order_by("pk")
            body["plates"] = [{"id": p.pk, "address": p.address, "status": p.status} for p in plates]
            fields = (HOUSEHOLD, ADDRESS)
        if level == kinds.DETAIL_PERSON:
            persons = Person.objects.filter(pk__in=event.person_ids).order_by("pk")
            body["persons"] = [
                {
                    "id": p.pk,
                    "name": p.name,
                    "sex": p.sex,
                    "birth_date": p.birth_date.isoformat(),
                    "death_date": p.death_date.isoformat() if p.death_date else None,
                }
                for p in persons
            ]
            fields = (*PERSON_FIELDS, HOUSEHOLD, ADDRESS)
        access = Access(
            user=grant.user,
            purpose=Purpose.AGENCY,
            endpoint=ENDPOINT,
            request_id=uuid.uuid4().hex,
            note=f"{grant.agency_code} token {grant.token_id} event {event.pk}",
        )
        log_reads(access, selector="agency_event", person_ids=list(event.person_ids) or [None], fields=fields, note=level)
    return JsonResponse(body, json_dumps_params={"ensure_ascii": False})
