"""What the home-visit pages share: sign-in and the right permission (a 403 page that says what is missing), the
registry ``Access`` of a request (purpose home visit, the page's path, a request id), refusals as messages."""

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

from geo_portal.homevisits.errors import HomeVisitRefused
from geo_portal.homevisits.permissions import may_handle, may_see_statistics
from geo_portal.registry.access import Access
from geo_portal.registry.models import AccessLog

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


def forbidden(request: HttpRequest, message: str) -> HttpResponse:
    return render(request, "homevisits/forbidden.html", {"message": message}, status=403)


def _guard(check: Callable, message: Callable[[], str]) -> Callable:
    def decorate(view: Callable) -> Callable:
        @wraps(view)
        @never_cache
        def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path(), reverse("staff:login"))
            if not check(request.user):
                return forbidden(request, message())
            return view(request, *args, **kwargs)

        return wrapped

    return decorate


def _handlers_refusal() -> str:
    return _("Home visits carry personal data: this page is for registration staff.")


def _statistics_refusal() -> str:
    return _("This page is for supervisors of home visits.")


handlers_only = _guard(may_handle, _handlers_refusal)
statistics_only = _guard(may_see_statistics, _statistics_refusal)


def access_for(request: HttpRequest) -> Access:
    given = request.headers.get("X-Request-ID", "")
    return Access(
        user=request.user,
        purpose=AccessLog.Purpose.HOME_VISIT,
        endpoint=request.path,
        request_id=given if _REQUEST_ID.match(given) else uuid.uuid4().hex,
    )


def show_refusal(request: HttpRequest, exc: HomeVisitRefused) -> None:
    for field, reason in exc.errors:
        messages.error(request, f"{field}: {reason}")
