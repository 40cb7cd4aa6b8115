"""Agencies fetch their digest files: ``GET /notifications/digests/`` lists them, ``…/digests/<id>.csv`` or
``.json`` returns one with its signature in the ``webhook-signature`` header (the same ``v1,`` HMAC-SHA256 of the
file's bytes as its ``.sig`` file). ``Authorization: Bearer gpa_…`` of the agency that owns the digest; JSON errors;
never cached. The first download is recorded on the digest.
"""

from __future__ import annotations

from pathlib import Path

from django.http import FileResponse, HttpRequest, HttpResponse, JsonResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from geo_portal.notifications.models import Digest
from geo_portal.notifications.services import digest_mark_downloaded, token_use
from geo_portal.notifications.services.agencies import TokenGrant


def _grant(request: HttpRequest) -> TokenGrant | None:
    scheme, _sep, token = request.headers.get("Authorization", "").partition(" ")
    return token_use(token=token.strip()) if scheme.lower() == "bearer" else None


def _error(status: int, message: str) -> JsonResponse:
    response = JsonResponse({"error": message}, status=status, json_dumps_params={"ensure_ascii": False})
    if status == 401:
        response["WWW-Authenticate"] = 'Bearer realm="geo_portal agencies"'
    return response


@never_cache
@require_GET
def digest_list(request: HttpRequest) -> JsonResponse:
    grant = _grant(request)
    if grant is None:
        return _error(401, _("a valid agency token is required (Authorization: Bearer gpa_…)"))
    digests = Digest.objects.filter(subscription__agency_id=grant.agency_id).order_by("-day", "subscription_id")[:400]
    return JsonResponse(
        {
            "digests": [
                {
                    "id": d.pk,
                    "subscription": d.subscription_id,
                    "day": d.day.isoformat(),
                    "messages": d.messages,
                    "csv": reverse("notifications:digest-file", args=[d.pk, "csv"]),
                    "json": reverse("notifications:digest-file", args=[d.pk, "json"]),
                }
                for d in digests
            ]
        }
    )


@never_cache
@require_GET
def digest_file(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    grant = _grant(request)
    if grant is None:
        return _error(401, _("a valid agency token is required (Authorization: Bearer gpa_…)"))
    if fmt not in ("csv", "json"):
        return _error(404, _("digests are files .csv or .json, not .%(format)s") % {"format": fmt[:20]})
    digest = Digest.objects.filter(pk=int(pk), subscription__agency_id=grant.agency_id).first()
    if digest is None:
        return _error(404, _("no digest %(id)s of your agency") % {"id": pk})
    path = Path(digest.csv_path if fmt == "csv" else digest.json_path)
    signature = path.with_suffix(path.suffix + ".sig").read_text().strip()
    digest_mark_downloaded(digest_id=digest.pk)
    response = FileResponse(path.open("rb"), as_attachment=True, filename=path.name,
                            content_type="text/csv; charset=utf-8" if fmt == "csv" else "application/json")  # fmt: skip
    response["webhook-signature"] = signature
    return response
