"""Report endpoints: the public ``POST /reports/`` (CSRF-checked, throttled per client, honeypot), the public
status page of a reference (``/reports/status/<reference>``: what the office did, nothing personal; throttled) and
the staff-only photo download. Views read the form, call ``services.create_report`` and shape JSON; every refusal
is a JSON body with an ``error`` message. Responses never echo the contact.
"""

from __future__ import annotations

import logging
import math

from django.conf import settings
from django.contrib.admin.views.decorators import staff_member_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseForbidden
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions
from rest_framework.authentication import CSRFCheck
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle
from rest_framework.views import APIView, exception_handler

from geo_portal.core.throttling import client_throttled
from geo_portal.reports.hooks import status_notes
from geo_portal.reports.models import CitizenReport, PersonalDataRead
from geo_portal.reports.personal_data import log_read
from geo_portal.reports.photo import CONTENT_TYPES, human_size
from geo_portal.reports.selectors import REFERENCE_PATTERN, public_status
from geo_portal.reports.services import ReportRejected, create_report

logger = logging.getLogger(__name__)

OPT_IN_VALUES = {"1", "true", "on", "yes"}
# Room for the text fields and multipart framing on top of the photo itself.
FORM_OVERHEAD_BYTES = 64 * 1024


class ReportThrottle(SimpleRateThrottle):
    """Reports per client (user id when logged in, else the client address) at the ``reports`` rate."""

    scope = "reports"

    def get_rate(self) -> str | None:
        # Read per request, not bound at class definition (DRF's THROTTLE_RATES): a changed setting applies.
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)

    def get_cache_key(self, request: Request, view: APIView) -> str:
        user = getattr(request, "user", None)
        ident = f"user-{user.pk}" if user is not None and user.is_authenticated else self.get_ident(request)
        return self.cache_format % {"scope": self.scope, "ident": ident}


class BodyTooLarge(exceptions.APIException):
    """The declared body is far past the photo limit; refused before it is read."""

    status_code = 400

    def __init__(self, limit: int) -> None:
        super().__init__(
            {
                "error": _("The report was not accepted; please check the fields marked."),
                "fields": {"photo": [_("The photo is too large; the limit is %(limit)s.") % {"limit": human_size(limit)}]},
            }
        )


class TooManyReports(exceptions.APIException):
    status_code = 429

    def __init__(self, wait: float | None) -> None:
        self.wait = math.ceil(wait) if wait is not None else None  # sent as Retry-After
        minutes = max(1, math.ceil((wait or 60) / 60))
        # One form for any number ("min"): translate_zh.py fills single msgids, not plural forms.
        super().__init__(_("Too many reports from your connection; try again in %(minutes)d min.") % {"minutes": minutes})


def report_exception_handler(exc: Exception, context: dict) -> Response | None:
    """DRF's handler with its ``{"detail": ...}`` body renamed ``{"error": ...}``, like every other refusal here."""
    response = exception_handler(exc, context)
    if response is not None and isinstance(response.data, dict) and set(response.data) == {"detail"}:
        response.data = {"error": response.data["detail"]}
    return response


def _no_response(request: HttpRequest) -> None:
    return None


@extend_schema(exclude=True)  # the public map's form endpoint, not part of the /api/v1/ REST API
class ReportCreateView(APIView):
    """A citizen's report from a plate's card or a point on the map → 201 with its reference number."""

    parser_classes = [MultiPartParser, FormParser]
    throttle_classes = [ReportThrottle]

    def get_exception_handler(self):
        return report_exception_handler

    def initial(self, request: Request, *args, **kwargs) -> None:
        self._refuse_oversized_body(request)
        self._enforce_csrf(request)
        super().initial(request, *args, **kwargs)

    def throttled(self, request: Request, wait: float | None) -> None:
        raise TooManyReports(wait)

    def post(self, request: Request) -> Response:
        data = request.data
        if data.get("website", ""):
            # Hidden from people; only a form-filling bot writes here. Nothing is stored.
            logger.info("citizen report refused: honeypot field filled")
            return self._refused({"website": [_("This field must be left empty.")]})
        photo = request.FILES.get("photo")
        if photo is None and data.get("photo"):
            return self._refused({"photo": [_("The photo must be sent as a file.")]})
        try:
            report = create_report(
                kind=data.get("kind"),
                description=data.get("description"),
                contact=data.get("contact"),
                plate_id=data.get("plate"),
                lon=data.get("lon"),
                lat=data.get("lat"),
                photo=photo,
                keep_photo_location=str(data.get("keep_photo_location", "")).strip().lower() in OPT_IN_VALUES,
                client_ip=ReportThrottle().get_ident(request) or "",
                submission=data.get("submission"),
            )
        except ReportRejected as exc:
            return self._refused(exc.fields)
        message = _("Thank you. Your report has been received; its reference number is %(reference)s.") % {
            "reference": report.reference
        }
        status_url = reverse("reports:status", args=[report.reference])
        # The same answer for a resend of the same form (its submission key): the report was stored once.
        return Response({"reference": report.reference, "message": message, "status_url": status_url}, status=201)

    @staticmethod
    def _refused(fields: dict[str, list[str]]) -> Response:
        summary = _("The report was not accepted; please check the fields marked.")
        return Response({"error": summary, "fields": fields}, status=400)

    @staticmethod
    def _refuse_oversized_body(request: Request) -> None:
        """Refuse a body far past the photo limit from its declared length, before reading a byte of it."""
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > settings.REPORT_PHOTO_MAX_BYTES + FORM_OVERHEAD_BYTES:
            raise BodyTooLarge(settings.REPORT_PHOTO_MAX_BYTES)

    @staticmethod
    def _enforce_csrf(request: Request) -> None:
        """CSRF for everyone: DRF's SessionAuthentication checks it only for logged-in users, and this form is
        anonymous. Without it any site could post reports in a visitor's name and address."""
        check = CSRFCheck(_no_response)
        check.process_request(request._request)
        reason = check.process_view(request._request, None, (), {})
        if reason:
            logger.info("citizen report refused: CSRF check failed (%s)", reason)
            raise exceptions.PermissionDenied(
                _("The form has expired or was not sent from this site; reload the page and send it again.")
            )


@require_GET
@staff_member_required
def report_photo(request: HttpRequest, pk: int) -> FileResponse | HttpResponseForbidden:
    """The stored photo of one report, for staff allowed to view reports; never cached."""
    if not request.user.has_perm("reports.view_citizenreport"):
        return HttpResponseForbidden(_("You may not view citizen reports."))
    report = get_object_or_404(CitizenReport, pk=pk)
    if not report.photo:
        raise Http404(_("This report has no photo."))
    extension = report.photo.name.rsplit(".", 1)[-1].lower()
    try:
        handle = report.photo.open("rb")
    except FileNotFoundError:
        raise Http404(_("The photo file is missing.")) from None
    # Logged before the file is sent (committed on its own: a read that was answered is a read).
    log_read(user=request.user, report=report, fields=[PersonalDataRead.Field.PHOTO], path=request.path)
    response = FileResponse(
        handle,
        content_type=CONTENT_TYPES.get(extension, "application/octet-stream"),
        filename=f"{report.reference}.{extension}",
    )
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_GET
@client_throttled("report_status")
def report_status(request: HttpRequest, reference: str = "") -> HttpResponse:
    """The public status of one report by its reference (typed in the form, or in the URL the reporter was given):
    kind, dates, status, and the report it was merged into; never the contact, description, photo or staff note."""
    reference = (reference or request.GET.get("reference", "")).strip().upper()[:20]
    context: dict = {"reference": reference, "status": None, "error": ""}
    code = 200
    if reference:
        if not REFERENCE_PATTERN.fullmatch(reference):
            context["error"] = _("A reference number looks like R-20261127-7K3Q9.")
            code = 400
        else:
            context["status"] = public_status(reference=reference)
            if context["status"] is not None:
                context["notes"] = status_notes(report_id=context["status"].report_id)
            if context["status"] is None:
                context["error"] = _("No report has the reference number %(reference)s.") % {"reference": reference}
                code = 404
    response = render(request, "reports/status.html", context, status=code)
    response["Cache-Control"] = "no-store"  # the status changes; a shared computer's cache should not keep it
    response["X-Robots-Tag"] = "noindex"
    return response
