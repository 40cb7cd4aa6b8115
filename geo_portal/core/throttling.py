"""Per-client rate limits for plain Django views (DRF's throttles, without DRF's request wrapping).

Public endpoints are throttled per client: per user when signed in, else per client address (see
``REST_FRAMEWORK["NUM_PROXIES"]`` for which X-Forwarded-For entry counts). Rates come from
``REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"][scope]``.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle


class ClientThrottle(SimpleRateThrottle):
    """One counter per scope and client; the scope is given per use."""

    def __init__(self, scope: str):
        self.scope = scope
        super().__init__()

    def get_rate(self) -> str | None:
        # Read per request (DRF binds THROTTLE_RATES once at import): a changed setting applies at once.
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)

    def get_cache_key(self, request, view) -> str:
        user = getattr(request, "user", None)
        ident = f"user-{user.pk}" if user is not None and user.is_authenticated else self.get_ident(request)
        return self.cache_format % {"scope": self.scope, "ident": ident}


def too_many_requests(throttle: SimpleRateThrottle) -> HttpResponse:
    message = _("Too many requests. Please wait a minute and try again.")
    response = HttpResponse(message, status=429, content_type="text/plain; charset=utf-8")
    response["Retry-After"] = str(int(throttle.wait() or 60))
    return response


def client_throttled(scope: str, *, methods: tuple[str, ...] | None = None) -> Callable:
    """Decorator: answer 429 with a message (and Retry-After) when the client exceeds the scope's rate.

    With ``methods``, only requests with those methods count (e.g. login attempts, not views of the form).
    """

    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if methods is not None and request.method not in methods:
                return view(request, *args, **kwargs)
            throttle = ClientThrottle(scope)
            if not throttle.allow_request(request, None):
                return too_many_requests(throttle)
            return view(request, *args, **kwargs)

        return wrapper

    return decorate
