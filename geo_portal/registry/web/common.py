"""What every registrar page shares: sign-in and the registry role (a 403 page that says what is missing), the
``Access`` of a request (purpose from the page, the page's path, a request id), refusals shown as messages."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from functools import wraps

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from geo_portal.registry.access import Access
from geo_portal.registry.errors import AccessDenied, RegistryRefused

READ = "accounts.read_personal_data"
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


def forbidden(request: HttpRequest, message: str) -> HttpResponse:
    return render(request, "registry/forbidden.html", {"message": message}, status=403)


def registrar_only(view: Callable) -> Callable:
    """Signed-in staff with the registry role; pages holding personal data are never cached."""

    @wraps(view)
    @never_cache
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path(), reverse("staff:login"))
        if not (request.user.is_active and request.user.has_perm(READ)):
            return forbidden(request, _("This page is for registrars (household registration)."))
        try:
            return view(request, *args, **kwargs)
        except AccessDenied as exc:
            return forbidden(request, str(exc))

    return wrapped


def request_id(request: HttpRequest) -> str:
    """The proxy's request id when it sends a sane one, else a new one (kept on the request for the page)."""
    if not hasattr(request, "_registry_request_id"):
        given = request.headers.get("X-Request-ID", "")
        request._registry_request_id = given if _REQUEST_ID.match(given) else uuid.uuid4().hex
    return request._registry_request_id


def access_for(request: HttpRequest, purpose: str, note: str = "") -> Access:
    return Access(user=request.user, purpose=purpose, endpoint=request.path, request_id=request_id(request), note=note)


def show_refusal(request: HttpRequest, exc: RegistryRefused) -> None:
    for error in exc.errors:
        messages.error(request, str(error))
