"""The field app's pages: the app shell (one page; the app draws every screen from IndexedDB), the service worker
script and the web app manifest.

The shell needs a signed-in surveyor. The service worker (``sw.js``) is rendered from a template with the
precache list of the app's static files (URL and content revision), loads Workbox's prebuilt modules from our own
static files (npm, no CDN) and gets its own Content-Security-Policy (a worker obeys the policy of its script's
response, and the strict data policy that JSON and scripts get would forbid it to fetch anything). Called by the
browser; the URLs are in ``field.urls``.
"""

from __future__ import annotations

import functools
import hashlib
import json
from pathlib import Path

from django.contrib.auth.decorators import login_required
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.urls import reverse, reverse_lazy
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from geo_portal.census.field.ui_text import ui_text
from geo_portal.census.models import Finding
from geo_portal.census.services import FIELDWORK

LOGIN_URL = reverse_lazy("staff:login")
# What the app needs to start without a connection (the page itself is cached by the app, see field.js).
SHELL_ASSETS = (
    "leaflet/leaflet.css",
    "leaflet/leaflet.js",
    "vendor/idb/umd.js",
    "census/field/field.css",
    "census/field/field.js",
    "census/field/icon-192.png",
    "census/field/icon-512.png",
    "census/field/icon-maskable-512.png",
)
# Workbox's prebuilt service-worker modules, in dependency order.
WORKBOX_MODULES = (
    "vendor/workbox/workbox-core.prod.js",
    "vendor/workbox/workbox-routing.prod.js",
    "vendor/workbox/workbox-strategies.prod.js",
    "vendor/workbox/workbox-precaching.prod.js",
)
SW_POLICY = (
    "default-src 'self'; script-src 'self'; connect-src 'self'; img-src 'self' data: blob:; object-src 'none'; "
    "base-uri 'none'; frame-ancestors 'none'"
)
# The browser checks for a new service worker on every visit, through its HTTP cache when fresh: an hour-old copy is
# good enough, and a phone without a connection does not ask the server at all meanwhile.
SW_MAX_AGE = 3600


@functools.cache
def _revision(path: str) -> str:
    found = finders.find(path)
    if found is None and staticfiles_storage.exists(path):
        found = staticfiles_storage.path(path)
    if found is None:
        raise FileNotFoundError(f"static file {path} is missing (run scripts/bootstrap.sh to install npm packages)")
    return hashlib.sha256(Path(found).read_bytes()).hexdigest()[:16]


def precache_entries() -> list[dict[str, str]]:
    """The app's static files as Workbox precache entries: URL (hashed in production) and content revision."""
    return [{"url": static(path), "revision": _revision(path)} for path in SHELL_ASSETS]


def _is_surveyor(user) -> bool:
    return user.is_active and user.has_perm(FIELDWORK)


@require_GET
@never_cache
@login_required(login_url=LOGIN_URL)
def app(request: HttpRequest) -> HttpResponse:
    """The app shell: every screen of the field app, filled in by field.js from IndexedDB and the API."""
    if not _is_surveyor(request.user):
        response = render(request, "census/field/forbidden.html", status=403)
        return response
    config = {
        "user": {"id": request.user.pk, "name": request.user.get_username()},
        "lang": get_language(),
        "urls": {
            "app": reverse("census_field:app"),
            "sw": reverse("census_field:sw"),
            "tasks": reverse("census_field:tasks"),
            "claim": reverse("census_field:claim", args=[0]),
            "extend": reverse("census_field:extend", args=[0]),
            "release": reverse("census_field:release", args=[0]),
            "package": reverse("census_field:package", args=[0]),
            "sync": reverse("census_field:sync"),
            "photo": reverse("census_field:photo", args=["00000000-0000-0000-0000-000000000000"]),
            "login": f"{reverse('staff:login')}?next={reverse('census_field:app')}",
            "staff": reverse("staff:home"),
        },
        "text": ui_text(),
    }
    kinds = [
        (value, _("Skip this stop (say why)") if value == "skipped" else label) for value, label in Finding.Kind.choices
    ]
    response = render(request, "census/field/app.html", {"config": config, "kinds": kinds})
    # Tells the app that a fetched page really is the shell (not the sign-in page after a redirect).
    response["X-Field-Shell"] = "1"
    return response


@require_GET
def service_worker(request: HttpRequest) -> HttpResponse:
    """The service worker, scoped to /census/field/ (public: it holds no data, only the precache list)."""
    body = render_to_string(
        "census/field/sw.js",
        {
            "modules": mark_safe(json.dumps([static(path) for path in WORKBOX_MODULES])),  # noqa: S308 (our JSON)
            "precache": mark_safe(json.dumps(precache_entries())),  # noqa: S308
            "shell_url": mark_safe(json.dumps(reverse("census_field:app"))),  # noqa: S308
            "version": hashlib.sha256(json.dumps(precache_entries()).encode()).hexdigest()[:12],
        },
    )
    response = HttpResponse(body, content_type="application/javascript; charset=utf-8")
    response["Service-Worker-Allowed"] = reverse("census_field:app")
    response["Content-Security-Policy"] = SW_POLICY
    response["Cache-Control"] = f"max-age={SW_MAX_AGE}"
    return response


@require_GET
def manifest(request: HttpRequest) -> HttpResponse:
    """The web app manifest (installable: name, start URL and scope, icons, colours) in the page's language."""
    body = json.dumps(
        {
            "name": _("Door-plate census"),
            "short_name": _("Census"),
            "description": _("Census of door plates: walk a task, record each plate, works without a connection."),
            "lang": "zh-Hant" if get_language() == "zh-hant" else get_language(),
            "start_url": reverse("census_field:app"),
            "scope": reverse("census_field:app"),
            "display": "standalone",
            "orientation": "portrait",
            "background_color": "#ffffff",
            "theme_color": "#0b3d5c",
            "icons": [
                {"src": static("census/field/icon-192.png"), "sizes": "192x192", "type": "image/png", "purpose": "any"},
                {"src": static("census/field/icon-512.png"), "sizes": "512x512", "type": "image/png", "purpose": "any"},
                {
                    "src": static("census/field/icon-maskable-512.png"),
                    "sizes": "512x512",
                    "type": "image/png",
                    "purpose": "maskable",
                },
            ],
        },
        ensure_ascii=False,
    )
    return HttpResponse(body, content_type="application/manifest+json; charset=utf-8")
