"""Staff two-factor sign-in (TOTP through django-otp, with single-use backup codes): who must use it, enrolment,
verification.

Required for superusers, for every role that reads persons' or applicants' data (``roles.PERSONAL_DATA_ROLES``:
clerks see re-issue applicants and reporters' contacts, reviewers receipts and reports, registrars the register,
administrators everyone's access), for anyone holding such a permission by other means, for the roles a deployment
adds in ``STAFF_TWO_FACTOR_ROLES``, and for anyone who has enrolled a device. A user signed in with only a password
counts as anonymous everywhere except the two-factor pages (``middleware.StaffSessionMiddleware``): a page they
open sends them to sign in, the sign-in page to the code page, and that page to enrolment when they have no
authenticator yet (the QR code, then ten backup codes).
Called by the middleware and the staff two-factor pages; resetting someone's devices is
``services.staff_reset_two_factor`` (administrators).
"""

from __future__ import annotations

import base64

import segno
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import transaction
from django.http import HttpRequest
from django_otp import devices_for_user
from django_otp import login as otp_login
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from geo_portal.accounts.roles import PERSONAL_DATA_PERMISSIONS, PERSONAL_DATA_ROLES, Role
from geo_portal.accounts.selectors import roles_of

TOTP_NAME = "authenticator"
BACKUP_NAME = "backup codes"
BACKUP_CODE_COUNT = 10


class TwoFactorRefused(ValueError):
    """A code that is wrong, expired, already used, or tried too often."""


def has_device(user: AbstractBaseUser) -> bool:
    """The user has a confirmed authenticator (backup codes alone do not count: they come with one)."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def two_factor_required(user: AbstractBaseUser | AnonymousUser) -> bool:
    """Whether this signed-in user must pass a second factor before anything needs their sign-in."""
    if not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    required = {role.value for role in PERSONAL_DATA_ROLES} | set(settings.STAFF_TWO_FACTOR_ROLES)
    if {role.value for role in roles_of(user)} & required:
        return True
    # A personal-data permission granted outside the roles (by hand in the admin) counts as well: fail closed.
    if user.get_all_permissions() & PERSONAL_DATA_PERMISSIONS:
        return True
    return has_device(user)


def two_factor_roles() -> list[str]:
    """The roles that sign in with a second factor, in ``Role`` order (for the demo's and the admin's texts)."""
    required = {role.value for role in PERSONAL_DATA_ROLES} | set(settings.STAFF_TWO_FACTOR_ROLES)
    return [value for value in Role.values if value in required]


@transaction.atomic
def totp_enrolment(*, user: AbstractBaseUser) -> TOTPDevice:
    """The user's unconfirmed authenticator to scan (made once, kept until confirmed; a new key each time the
    previous one was confirmed)."""
    device = TOTPDevice.objects.filter(user=user, name=TOTP_NAME, confirmed=False).first()
    return device or TOTPDevice.objects.create(user=user, name=TOTP_NAME, confirmed=False)


def enrolment_qr_svg(device: TOTPDevice) -> str:
    """The ``otpauth://`` URL of the device as an inline SVG QR code (segno; no script, no remote image)."""
    return segno.make(device.config_url, error="m").svg_inline(scale=5, dark="#000", light="#fff", title="otpauth")


def key_base32(device: TOTPDevice) -> str:
    """The secret for typing into an authenticator app by hand, in groups of four."""
    text = base64.b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(text[i : i + 4] for i in range(0, len(text), 4))


@transaction.atomic
def totp_confirm(*, user: AbstractBaseUser, token: str) -> tuple[TOTPDevice, list[str]]:
    """Confirm the scanned authenticator with a code from it; its older authenticators and backup codes are
    replaced. Returns the device and the new backup codes (shown once)."""
    device = TOTPDevice.objects.select_for_update().filter(user=user, name=TOTP_NAME, confirmed=False).first()
    if device is None:
        raise TwoFactorRefused("no authenticator is waiting to be confirmed")
    if not device.verify_token(_clean(token)):
        raise TwoFactorRefused("the code is wrong or expired")
    TOTPDevice.objects.filter(user=user, confirmed=True).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    return device, backup_codes_renew(user=user)


@transaction.atomic
def backup_codes_renew(*, user: AbstractBaseUser) -> list[str]:
    """New single-use backup codes for a lost phone (the old ones stop working)."""
    StaticDevice.objects.filter(user=user).delete()
    backup = StaticDevice.objects.create(user=user, name=BACKUP_NAME, confirmed=True)
    codes = [StaticToken.random_token() for _ in range(BACKUP_CODE_COUNT)]
    StaticToken.objects.bulk_create([StaticToken(device=backup, token=code) for code in codes])
    return codes


def _clean(token: str) -> str:
    return "".join(token.split()).lower()[:16]


def mark_verified(*, request: HttpRequest, device: Device) -> None:
    """The session has passed its second factor with ``device`` (enrolment counts: the code came from it)."""
    otp_login(request, device)


@transaction.atomic
def verify(*, request: HttpRequest, token: str) -> Device:
    """Check a code from the authenticator or a backup code; on success the session counts as verified.

    django-otp's throttling makes each wrong code double the wait before the device accepts another.
    """
    token = _clean(token)
    user = request.user
    for device in devices_for_user(user, confirmed=True, for_verify=True):
        verified = device.verify_token(token) if token else False
        if verified:
            otp_login(request, device)
            return device
    raise TwoFactorRefused("the code is wrong or expired")
