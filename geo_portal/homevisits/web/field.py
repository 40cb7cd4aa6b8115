"""The visit sheet app (phone or tablet): its shell, its service worker and its JSON API.

The app is the census field app's offline shell again — Workbox's modules and ``idb`` from our static files, the
shell served from the app's own cache, nothing sent while offline — for a round of home visits. A round's package
is handed out only to its own clerk, on a registered device that is not revoked, until the end of its day, with the
key (AES-256-GCM, ``sync.sheet_key``) the app encrypts it with before anything touches IndexedDB; the key is kept
in the tab's session storage only. Results come back through ``sync.sync_results``. Every JSON error has a
``detail``: 401 signed out, 403 wrong role, CSRF or another clerk's round, 404, 405, 400 bad input, 410
``{"wipe": true}`` for a revoked device. Unlike the census worker script, this one needs a signed-in clerk.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import json
from collections.abc import Callable
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.middleware.csrf import CsrfViewMiddleware
from django.shortcuts import render
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.gzip import gzip_page
from django.views.decorators.http import require_GET

from geo_portal.census.field.views import SW_POLICY, WORKBOX_MODULES, _revision
from geo_portal.homevisits import selectors, sync
from geo_portal.homevisits.errors import DeviceRevoked, HomeVisitRefused
from geo_portal.homevisits.models import DayPlan
from geo_portal.homevisits.permissions import may_handle
from geo_portal.homevisits.web.common import access_for
from geo_portal.homevisits.web.field_text import ui_text

DEVICE_HEADER = "HTTP_X_VISIT_DEVICE"
MAX_BODY_BYTES = 1_000_000
LOGIN_URL = reverse_lazy("staff:login")
SHELL_ASSETS = (
    "leaflet/leaflet.css",
    "leaflet/leaflet.js",
    "vendor/idb/umd.js",
    "census/field/field.css",
    "homevisits/field/visits.css",
    "homevisits/field/visits.js",
)


def error(detail: str, status: int = 400, **extra: Any) -> JsonResponse:
    return JsonResponse({"detail": detail, **extra}, status=status, json_dumps_params={"ensure_ascii": False})


class _JsonCsrf(CsrfViewMiddleware):
    def _reject(self, request: HttpRequest, reason: str) -> JsonResponse:
        return error(_("The request was refused by the CSRF check (%(reason)s). Reload the app.") % {"reason": reason}, 403)


_csrf = _JsonCsrf(lambda request: None)


def visit_api(*methods: str) -> Callable:
    """Checks shared by every endpoint; the view gets ``request.visit_device`` (required on every call)."""

    def decorate(view: Callable) -> Callable:
        @csrf_exempt  # checked below, so that a failure answers JSON
        @never_cache
        @functools.wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> JsonResponse:
            if request.method not in methods:
                return error(_("Method %(method)s is not allowed here.") % {"method": request.method}, 405)
            if not request.user.is_authenticated:
                login = f"{reverse('staff:login')}?next={reverse('homevisits_field:app')}"
                return error(_("You are signed out. Sign in again; your results stay on this device."), 401, login=login)
            if not may_handle(request.user):
                return error(_("%(user)s may not make home visits.") % {"user": request.user.get_username()}, 403)
            if request.method == "POST":
                refused = _csrf.process_view(request, view, args, kwargs)
                if refused is not None:
                    return refused
            try:
                value = request.META.get(DEVICE_HEADER, "")
                if not value:
                    return error(_("device: the X-Visit-Device header (the device's UUID) is required"), 400)
                request.visit_device = sync.device_for(
                    user=request.user, device_uuid=value, user_agent=request.META.get("HTTP_USER_AGENT", "")
                )
                return view(request, *args, **kwargs)
            except DeviceRevoked as exc:
                return error(str(exc), 410, wipe=True)
            except HomeVisitRefused as exc:
                return error(str(exc), 400, errors=dict(exc.errors))

        return wrapped

    return decorate


def _summary(plan: DayPlan) -> dict[str, Any]:
    return {
        "id": plan.pk,
        "day": plan.day.isoformat(),
        "version": plan.version,
        "stops": len(plan.stops.all()),
        "office": plan.service_point.name,
        "expires_at": sync.end_of_day(plan.day).isoformat(),
    }


@visit_api("GET")
def rounds(request: HttpRequest) -> JsonResponse:
    """The clerk's rounds from today on (no personal data: day, size, office)."""
    found = [_summary(p) for p in selectors.rounds_of(request.user)]
    return JsonResponse({"rounds": found, "now": timezone.now().isoformat()})


def _plan(plan_id: int) -> DayPlan | None:
    return DayPlan.objects.select_related("service_point").filter(pk=plan_id).first()


def _key(plan: DayPlan, request: HttpRequest) -> str:
    return base64.b64encode(sync.sheet_key(plan=plan, device=request.visit_device)).decode()


@gzip_page
@visit_api("POST")
def package(request: HttpRequest, plan_id: int) -> JsonResponse:
    """The round (a logged read) and the key the device encrypts it with; POST, so that no cache keeps it."""
    plan = _plan(plan_id)
    if plan is None:
        return error(_("There is no day plan %(id)s.") % {"id": plan_id}, 404)
    why = sync.may_download(plan, request.user)
    if why:
        return error(why, 403)
    data = selectors.round_package(access=access_for(request), plan=plan)
    return JsonResponse({"package": data, "key": _key(plan, request)}, json_dumps_params={"ensure_ascii": False})


@visit_api("POST")
def key(request: HttpRequest, plan_id: int) -> JsonResponse:
    """The round's key again (a new browser session on the same device), while its results may still be sent."""
    plan = _plan(plan_id)
    if plan is None:
        return error(_("There is no day plan %(id)s.") % {"id": plan_id}, 404)
    why = sync.may_have_key(plan, request.user)
    if why:
        return error(why, 403)
    return JsonResponse({"key": _key(plan, request), "expires_at": sync.end_of_day(plan.day).isoformat()})


@visit_api("POST")
def sync_view(request: HttpRequest) -> JsonResponse:
    if len(request.body) > MAX_BODY_BYTES:
        return error(_("body: larger than %(n)d bytes; send fewer results per request") % {"n": MAX_BODY_BYTES})
    try:
        data = json.loads(request.body or b"{}")
    except (ValueError, UnicodeDecodeError):
        return error(_("body: is not valid JSON"))
    if not isinstance(data, dict):
        return error(_("body: must be a JSON object"))
    answers = sync.sync_results(user=request.user, device=request.visit_device, records=data.get("results", []))
    return JsonResponse(
        {
            "records": [a.as_dict() for a in answers],
            "stored": sum(a.status == "stored" for a in answers),
            "duplicates": sum(a.status == "duplicate" for a in answers),
            "errors": sum(a.status == "error" for a in answers),
            "now": timezone.now().isoformat(),
        },
        json_dumps_params={"ensure_ascii": False},
    )


def precache_entries() -> list[dict[str, str]]:
    return [{"url": static(path), "revision": _revision(path)} for path in SHELL_ASSETS]


@require_GET
@never_cache
@login_required(login_url=LOGIN_URL)
def app(request: HttpRequest) -> HttpResponse:
    """The app shell: every screen drawn by visits.js from IndexedDB (decrypted in memory) and the API."""
    if not may_handle(request.user):
        return render(
            request, "homevisits/forbidden.html", {"message": _("The visit sheet is for registration staff.")}, status=403
        )
    config = {
        "user": {"id": request.user.pk, "name": request.user.get_username()},
        "lang": get_language(),
        "urls": {
            "app": reverse("homevisits_field:app"),
            "sw": reverse("homevisits_field:sw"),
            "rounds": reverse("homevisits_field:rounds"),
            "package": reverse("homevisits_field:package", args=[0]),
            "key": reverse("homevisits_field:key", args=[0]),
            "sync": reverse("homevisits_field:sync"),
            "login": f"{reverse('staff:login')}?next={reverse('homevisits_field:app')}",
        },
        "text": ui_text(),
    }
    response = render(request, "homevisits/field/app.html", {"config": config})
    response["X-Visit-Shell"] = "1"
    return response


@require_GET
@login_required(login_url=LOGIN_URL)
def service_worker(request: HttpRequest) -> HttpResponse:
    """The service worker, scoped to the app (signed-in clerks only: it lists the app's files, no data)."""
    entries = precache_entries()
    body = render_to_string(
        "homevisits/field/sw.js",
        {
            "modules": mark_safe(json.dumps([static(path) for path in WORKBOX_MODULES])),  # noqa: S308 (our JSON)
            "precache": mark_safe(json.dumps(entries)),  # noqa: S308
            "shell_url": mark_safe(json.dumps(reverse("homevisits_field:app"))),  # noqa: S308
            "version": hashlib.sha256(json.dumps(entries).encode()).hexdigest()[:12],
        },
    )
    response = HttpResponse(body, content_type="application/javascript; charset=utf-8")
    response["Service-Worker-Allowed"] = reverse("homevisits_field:app")
    response["Content-Security-Policy"] = SW_POLICY
    response["Cache-Control"] = "max-age=3600, private"
    return response
