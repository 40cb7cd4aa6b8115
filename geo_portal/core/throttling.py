"""Per-client rate limits: ``client_throttled`` for plain Django views and ``FamilyThrottle`` for the API.

Public endpoints are throttled per client: per user when signed in, else per client address (see
``REST_FRAMEWORK["NUM_PROXIES"]`` for which X-Forwarded-For entry counts). Rates come from
``REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"][scope]``. Each endpoint family has its own scope (geocode,
autocomplete, reverse, plates, pages, tiles, reports, batch, …): a client that spends its geocode budget can still
load tiles. The counters live in the shared cache (``core.cache.SharedCache``, in PostgreSQL), so all gunicorn
workers and servers count together.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from rest_framework.settings import api_settings
from rest_framework.throttling import BaseThrottle


class ClientThrottle(BaseThrottle):
    """A sliding-window counter per scope and client: constant work per request, whatever the rate.

    DRF's ``SimpleRateThrottle`` keeps every request time of the window in one cache entry and pickles it on
    each request; at the tile rate (thousands a minute) that list cost more than serving a cached tile. Here
    each window of the rate's length has one counter, and the request is weighed against the current count
    plus the previous window's count scaled by how much of it still overlaps (the usual approximation of a
    sliding window, as in nginx and Cloudflare).
    """

    def __init__(self, scope: str):
        self.scope = scope
        self.retry_after = 0

    def allow_request(self, request, view) -> bool:
        # The rate is read per request (DRF binds THROTTLE_RATES once at import): a changed setting applies at once.
        rate = api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)
        if rate is None:
            return True
        limit, window = parse_rate(rate)
        limit = self.limit_for(request, limit)
        index, elapsed = divmod(time.time(), window)
        prefix = f"throttle:{self.scope}:{self._ident(request)}:"
        key, previous_key = f"{prefix}{int(index)}", f"{prefix}{int(index) - 1}"
        hit_window = getattr(cache, "hit_window", None)
        if hit_window is not None:  # the shared cache: one atomic SQL call
            weight = 1 - elapsed / window
            hit = hit_window(key=key, previous_key=previous_key, limit=limit, previous_weight=weight, ttl_s=2 * window)
            if not hit.allowed:
                self.retry_after = self._wait(limit, window, elapsed, hit.current, hit.previous)
            return hit.allowed
        # Any other cache (e.g. one process's memory in a quick experiment): the same window, not atomic.
        counts = cache.get_many([key, previous_key])
        current, previous = counts.get(key, 0), counts.get(previous_key, 0)
        if current + previous * (1 - elapsed / window) >= limit:
            self.retry_after = self._wait(limit, window, elapsed, current, previous)
            return False
        if not cache.add(key, 1, timeout=2 * window):
            try:
                cache.incr(key)
            except ValueError:  # expired between add and incr
                cache.add(key, 1, timeout=2 * window)
        return True

    @staticmethod
    def _wait(limit: int, window: int, elapsed: float, current: int, previous: int) -> int:
        """Seconds until the weighted count falls below the limit (the window's end if this window alone is full)."""
        if current < limit and previous:
            # previous * (1 - t / window) + current < limit  ⇔  t > window * (1 - (limit - current) / previous)
            return max(1, math.ceil(window * (1 - (limit - current) / previous) - elapsed))
        return max(1, math.ceil(window - elapsed))

    def limit_for(self, request, limit: int) -> int:
        """The limit for this request (the plain views: the rate's number for everyone)."""
        return limit

    def _ident(self, request) -> str:
        user = getattr(request, "user", None)
        return f"user-{user.pk}" if user is not None and user.is_authenticated else self.get_ident(request)

    def wait(self) -> int:
        return self.retry_after


class FamilyThrottle(ClientThrottle):
    """DRF's default throttle: the view's endpoint family is its scope, so each family counts on its own.

    The family is the view's ``throttle_scope`` if it declares one, else ``THROTTLE_FAMILIES[<URL name>]``, else
    ``anon``. Signed-in users get ``THROTTLE_SIGNED_IN_FACTOR`` times the family's rate (counted per user).
    """

    def __init__(self):
        super().__init__(scope="anon")

    def allow_request(self, request, view) -> bool:
        self.scope = family_of(request, view)
        return super().allow_request(request, view)

    def limit_for(self, request, limit: int) -> int:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            return limit * settings.THROTTLE_SIGNED_IN_FACTOR
        return limit


def family_of(request, view) -> str:
    """The throttle scope of a request: the view's own scope, its URL name's family, or ``anon``."""
    scope = getattr(view, "throttle_scope", None)
    if scope:
        return scope
    match = getattr(request, "resolver_match", None)
    return settings.THROTTLE_FAMILIES.get(match.view_name if match else "", "anon")


def parse_rate(rate: str) -> tuple[int, int]:
    """``"3000/minute"`` → (3000, 60): DRF's rate format (the period's first letter: s, m, h or d)."""
    number, period = rate.split("/")
    return int(number), {"s": 1, "m": 60, "h": 3600, "d": 86400}[period[0]]


def too_many_requests(throttle: ClientThrottle) -> HttpResponse:
    message = _("Too many requests. Please wait a minute and try again.")
    response = HttpResponse(message, status=429, content_type="text/plain; charset=utf-8")
    response["Retry-After"] = str(throttle.wait())
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
