"""Staff sessions: the idle timeout and the two-factor gate, for every request after authentication.

- Idle timeout: a session unused for ``STAFF_IDLE_TIMEOUT_S`` ends at its next request (the user is signed out
  and the sign-in page says why); any request extends it (written at most once a minute, to spare the database).
- Two factors: a user who must use two factors (``two_factor.two_factor_required``) and has only given a
  password is anonymous to every view except the two-factor pages and sign-out; the sign-in pages send them on
  to the code page. Fail closed: a new view needs nothing to be protected.

Installed after django-otp's ``OTPMiddleware`` (which sets ``user.is_verified()``).
"""

from __future__ import annotations

import time

from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.http import urlencode

from geo_portal.accounts.two_factor import two_factor_required

LAST_SEEN_KEY = "staff_last_seen"
IDLE_SIGNED_OUT_KEY = "staff_idle_signed_out"
# Seconds between writes of the last-seen time: activity within a minute needs no session write.
LAST_SEEN_GRANULARITY_S = 60
# Pages a signed-in user reaches before the second factor (URL names; their paths are resolved once).
PENDING_ALLOWED = ("staff:two-factor", "staff:two-factor-setup", "staff:logout")
SIGN_IN_PAGES = ("staff:login", "admin:login")


class StaffSessionMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self._paths: tuple[frozenset[str], frozenset[str]] | None = None

    def _resolved(self) -> tuple[frozenset[str], frozenset[str]]:
        if self._paths is None:
            self._paths = (
                frozenset(reverse(name) for name in PENDING_ALLOWED),
                frozenset(reverse(name) for name in SIGN_IN_PAGES),
            )
        return self._paths

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if not user.is_authenticated:
            return self.get_response(request)
        now = time.time()
        last_seen = request.session.get(LAST_SEEN_KEY)
        if last_seen is not None and now - last_seen > settings.STAFF_IDLE_TIMEOUT_S:
            logout(request)
            request.session[IDLE_SIGNED_OUT_KEY] = True
            return self.get_response(request)
        if last_seen is None or now - last_seen >= LAST_SEEN_GRANULARITY_S:
            request.session[LAST_SEEN_KEY] = int(now)
        if not user.is_verified() and two_factor_required(user):
            allowed, sign_in = self._resolved()
            if request.path_info in sign_in:
                query = {"next": request.GET["next"]} if request.GET.get("next") else {}
                target = reverse("staff:two-factor") + (f"?{urlencode(query)}" if query else "")
                return HttpResponseRedirect(target)
            if request.path_info not in allowed:
                request.user = AnonymousUser()
        return self.get_response(request)
