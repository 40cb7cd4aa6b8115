"""Security headers: the Content Security Policy (django-csp, relaxed for the admin) and a Permissions-Policy."""

from __future__ import annotations

from csp.constants import HEADER
from csp.middleware import CSPMiddleware, PolicyParts
from django.conf import settings
from django.http import HttpRequest, HttpResponse

ADMIN_PREFIX = "/admin/"
# Responses a browser can render as a document, and so the only ones the page policy means anything for.
DOCUMENT_TYPES = ("text/html", "application/xhtml+xml", "image/svg+xml", "text/xml", "application/xml")
# Everything else (tiles, JSON, CSV, files) gets the strictest policy, as a constant: building the page policy
# per response cost ~0.07 ms, a tenth of a cached tile's whole time in Django.
DATA_POLICY = "default-src 'none'; frame-ancestors 'none'"


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """The strict policy everywhere except the admin, whose Leaflet map widgets need inline scripts and styles."""

    def process_response(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        # By content type only, 304s included: a browser merges a 304's headers into the stored response, so a
        # revalidated page must get the page policy again, and a revalidated tile the data policy.
        if not response.get("Content-Type", "").startswith(DOCUMENT_TYPES):
            response.setdefault(HEADER, DATA_POLICY)
            return response
        return super().process_response(request, response)

    def get_policy_parts(self, request: HttpRequest, response: HttpResponse, report_only: bool = False) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only)
        if request.path_info.startswith(ADMIN_PREFIX) and not report_only:
            relaxed = {"script-src": ["'self'", "'unsafe-inline'"], "style-src": ["'self'", "'unsafe-inline'"]}
            parts.update = {**(parts.update or {}), **relaxed}
        return parts


class PermissionsPolicyMiddleware:
    """Allow the browser's geolocation ("My location") for our own pages only; no camera, microphone or payment."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        return response
