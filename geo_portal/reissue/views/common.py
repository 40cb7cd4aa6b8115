"""What every staff page of re-issuance shares: sign-in and the role's permission (a 403 page that says what is
missing), a refusal of a service shown field by field, and reading the version a form carried."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache

from geo_portal.reissue.errors import CaseRefused, StaleCase
from geo_portal.reissue.services.common import APPROVE_MONEY, HANDLE, MANAGE_FEES

# Anyone who works on re-issuance may read its pages; each action checks its own permission (in the service too).
READ = (HANDLE, APPROVE_MONEY, MANAGE_FEES)
FOR_STAFF = gettext_lazy("This page is for the staff who handle plate re-issuance.")
FOR_CLERKS = gettext_lazy("This is for clerks who handle re-issue cases.")


def forbidden(request: HttpRequest, message: str) -> HttpResponse:
    return render(request, "reissue/forbidden.html", {"message": message}, status=403)


def staff_only(*perms: str, message: object = FOR_STAFF) -> Callable:
    """Signed-in, active staff holding any of ``perms``; others are sent to sign in or get a 403 page."""

    def decorate(view: Callable) -> Callable:
        @wraps(view)
        @never_cache
        def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path(), reverse("staff:login"))
            if not (request.user.is_active and any(request.user.has_perm(p) for p in perms)):
                return forbidden(request, str(message))
            return view(request, *args, **kwargs)

        return wrapped

    return decorate


def show_refusal(request: HttpRequest, exc: Exception) -> None:
    """A service's refusal as one message per field (or the stale-case message)."""
    if isinstance(exc, CaseRefused):
        for field, reasons in exc.errors.items():
            messages.error(request, _("%(field)s: %(reasons)s") % {"field": field, "reasons": "; ".join(reasons)})
    elif isinstance(exc, StaleCase):
        messages.error(request, str(exc))
    else:  # pragma: no cover - only the two refusals are passed here
        raise exc


def show_form_errors(request: HttpRequest, form) -> None:
    for field, errors in form.errors.items():
        label = form.fields[field].label if field in form.fields else field
        messages.error(request, _("%(field)s: %(reasons)s") % {"field": label, "reasons": " ".join(errors)})


def posted_version(request: HttpRequest) -> int | None:
    """The case version the form was rendered with (None when missing or mistyped: the service refuses it)."""
    try:
        return int(request.POST.get("version", ""))
    except ValueError:
        return None
