"""The public map's hottest requests — vector tiles and geocoding — dispatched before the middleware they do not need.

A cached tile costs ~0.25 ms in its view; through the whole stack it cost ~0.95 ms. The difference is the URL
resolver walking every app's routes and the middleware of signed-in staff: sessions, authentication, two-factor,
the staff session's idle timeout, CSRF, messages, the history context. None of them means anything to an anonymous
GET of a tile or of a geocode answer, so ``PublicFastPathMiddleware`` — placed after the middleware that shapes every
response (security headers, language, host check, frame and content policies) and before sessions — calls those
views itself. Everything else about the request is unchanged: the same view functions with their throttles, the same
URL patterns (a subset of the root URLconf's, so paths, converters and URL names are the root's own), the same
headers on the way out (a test compares each response with the full stack's, byte for byte).

Only anonymous requests take this path: a request carrying the session cookie goes through the full stack, so a
signed-in user keeps per-user throttling and the staff middleware sees all of their requests. ``PUBLIC_FAST_PATH``
turns it off.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.exceptions import Resolver404
from django.utils.cache import patch_vary_headers

# URL names (with their namespaces) of the views served here: public, read-only, the same for every anonymous client.
ROUTES = frozenset({"publicmap:tile", "api:geocode"})


def routes_subset(resolver: URLResolver, names: frozenset[str], namespace: str = "") -> URLResolver | None:
    """A resolver over the same patterns as ``resolver``, keeping only the routes named in ``names``."""
    kept: list[URLPattern | URLResolver] = []
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            subset = routes_subset(entry, names, inner)
            if subset is not None:
                kept.append(subset)
        elif entry.name and f"{namespace}{entry.name}" in names:
            kept.append(entry)
    if not kept:
        return None
    return URLResolver(resolver.pattern, kept, resolver.default_kwargs, resolver.app_name, resolver.namespace)


class PublicFastPathMiddleware:
    """Serve anonymous GETs of ``ROUTES`` with their views directly (see the module docstring)."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.enabled = settings.PUBLIC_FAST_PATH
        self.resolver = routes_subset(get_resolver(), ROUTES) if self.enabled else None

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if self.resolver is None or request.method != "GET" or settings.SESSION_COOKIE_NAME in request.COOKIES:
            return self.get_response(request)
        try:
            match = self.resolver.resolve(request.path_info)
        except Resolver404:
            return self.get_response(request)
        # Read by the throttles (the family of a URL name) and by anything that asks which route this was.
        request.resolver_match = match
        request.public_fast_path = True
        # A view may offer a cheaper answer for the common case (the geocoder: an answer-cache hit without DRF).
        fast_answer = getattr(match.func, "fast_answer", None)
        response = fast_answer(request) if fast_answer is not None else None
        if response is None:
            response = match.func(request, *match.args, **match.kwargs)
        if hasattr(response, "render") and callable(response.render):
            response = response.render()
        # What the full stack adds: the session middleware marks every response ``Vary: Cookie`` (the staff session
        # middleware reads the session on every request), and these answers may depend on the language cookie.
        patch_vary_headers(response, ("Cookie",))
        return response
