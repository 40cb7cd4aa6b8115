"""Security headers: the Content Security Policy (django-csp, relaxed for the admin) and a Permissions-Policy."""

from __future__ import annotations

from csp.middleware import CSPMiddleware, PolicyParts
from django.conf import settings
from django.http import HttpRequest, HttpResponse

ADMIN_PREFIX = "/admin/"


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """The strict policy everywhere except the admin, whose Leaflet map widgets need inline scripts and styles."""

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
