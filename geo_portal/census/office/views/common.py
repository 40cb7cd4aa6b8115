"""What every office census view shares: sign-in and permission checks (a 403 page that says what is missing),
the refusal of a census service shown as a message, and redirects back to the page that posted."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from geo_portal.census.services import CensusRefused

SUPERVISE = "accounts.supervise_census"
EDIT_PLATES = "accounts.edit_plates"
FIELDWORK = "accounts.do_census_fieldwork"


def forbidden(request: HttpRequest, message: str) -> HttpResponse:
    return render(request, "census/office/forbidden.html", {"message": message}, status=403)


def staff_only(*perms: str, message: str = "") -> Callable:
    """Signed-in staff with any of ``perms`` (none given: any signed-in user, the view checks itself)."""

    def decorate(view: Callable) -> Callable:
        @wraps(view)
        @never_cache
        def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path(), reverse("staff:login"))
            if perms and not (request.user.is_active and any(request.user.has_perm(p) for p in perms)):
                return forbidden(request, message or _("This page is for census supervisors."))
            return view(request, *args, **kwargs)

        return wrapped

    return decorate


def refused(request: HttpRequest, exc: CensusRefused) -> None:
    messages.error(request, str(exc))


def map_context() -> dict:
    """Where the office maps start and their basemap (the same as the public map's; pages work without it)."""
    center = settings.LEAFLET_CONFIG["DEFAULT_CENTER"]
    return {"tile_url": settings.TILE_URL, "center": center, "zoom": settings.LEAFLET_CONFIG["DEFAULT_ZOOM"]}
