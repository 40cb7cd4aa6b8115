"""The staff two-factor pages: the code asked after the password (``/staff/two-factor/``) and enrolment of an
authenticator app with its QR code and backup codes (``/staff/two-factor/setup/``).

Reached with a password-only session (``accounts.middleware`` lets these two through); code checks are throttled
per client (``login`` rate) and per device by django-otp. Enrolment needs either no authenticator yet or a
verified session: a stolen password alone cannot add a device.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from geo_portal.accounts.forms import CodeForm
from geo_portal.accounts.two_factor import (
    TwoFactorRefused,
    enrolment_qr_svg,
    has_device,
    key_base32,
    mark_verified,
    totp_confirm,
    totp_enrolment,
    verify,
)
from geo_portal.core.throttling import client_throttled

LOGIN_URL = "staff:login"


def _next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=False):
        return target
    return reverse("staff:home")


def _with_next(name: str, target: str) -> str:
    return reverse(name) + "?" + urlencode({"next": target})


@sensitive_post_parameters("code")
@require_http_methods(["GET", "POST"])
@never_cache
@login_required(login_url=LOGIN_URL)
@client_throttled("login", methods=("POST",))
def verify_page(request: HttpRequest) -> HttpResponse:
    """The second step of signing in: a code from the authenticator (or a backup code)."""
    target = _next(request)
    if request.user.is_verified():
        return HttpResponseRedirect(target)
    if not has_device(request.user):
        return HttpResponseRedirect(_with_next("staff:two-factor-setup", target))
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            verify(request=request, token=form.cleaned_data["code"])
        except TwoFactorRefused:
            form.add_error("code", _("The code is wrong or has expired. Wait for the next code and try again."))
        else:
            return HttpResponseRedirect(target)
    return render(request, "staff/two_factor.html", {"form": form, "next": target})


@sensitive_post_parameters("code")
@require_http_methods(["GET", "POST"])
@never_cache
@login_required(login_url=LOGIN_URL)
@client_throttled("login", methods=("POST",))
def setup_page(request: HttpRequest) -> HttpResponse:
    """Enrol an authenticator: scan the QR code (or type the key), confirm with a code, note the backup codes."""
    target = _next(request)
    if has_device(request.user) and not request.user.is_verified():
        return HttpResponseRedirect(_with_next("staff:two-factor", target))
    device = totp_enrolment(user=request.user)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            device, codes = totp_confirm(user=request.user, token=form.cleaned_data["code"])
        except TwoFactorRefused:
            form.add_error("code", _("The code is wrong or has expired. Wait for the next code and try again."))
        else:
            mark_verified(request=request, device=device)
            return render(request, "staff/backup_codes.html", {"codes": codes, "next": target})
    context = {"form": form, "next": target, "qr_svg": enrolment_qr_svg(device), "key": key_base32(device)}
    return render(request, "staff/two_factor_setup.html", context)
