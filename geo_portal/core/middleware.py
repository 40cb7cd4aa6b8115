"""Security headers: the Content Security Policy (django-csp, relaxed for the admin) and a Permissions-Policy;
forwarded headers (X-Forwarded-Proto, -For) honoured only from the trusted proxy."""

from __future__ import annotations

import ipaddress

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


# Headers only a proxy in front of us may set: the scheme the client used (SECURE_PROXY_SSL_HEADER), the client's
# address (throttling's NUM_PROXIES) and host.
FORWARDED_HEADERS = ("HTTP_X_FORWARDED_PROTO", "HTTP_X_FORWARDED_FOR", "HTTP_X_FORWARDED_HOST", "HTTP_FORWARDED")


class TrustedProxyMiddleware:
    """Drop the X-Forwarded-* headers of any request that did not come from a trusted proxy (``TRUSTED_PROXIES``:
    addresses or networks; empty: nobody). Without this, a client reaching gunicorn directly could claim HTTPS
    (``SECURE_PROXY_SSL_HEADER``) or any address (throttles). First in ``MIDDLEWARE``."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.networks = tuple(ipaddress.ip_network(n.strip(), strict=False) for n in settings.TRUSTED_PROXIES)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not self._trusted(request.META.get("REMOTE_ADDR", "")):
            for header in FORWARDED_HEADERS:
                request.META.pop(header, None)
        return self.get_response(request)

    def _trusted(self, address: str) -> bool:
        if not self.networks:
            return False
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return False
        return any(ip in network for network in self.networks)
