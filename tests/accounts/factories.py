"""Staff users for tests: created through the service, with a known password."""

from __future__ import annotations

import time

from django.contrib.auth import get_user_model
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from geo_portal.accounts.services import staff_create

PASSWORD = "correct horse battery staple 42"


def make_staff(username: str, *roles: str, password: str = PASSWORD):
    """An active staff user with these roles (created on the command line's behalf: no actor)."""
    user, _password = staff_create(actor=None, username=username, roles=roles, password=password)
    return user


def verified_login(client, user):
    """``client.force_login`` plus a passed second factor: a confirmed authenticator in the session, as after the
    two-factor page (registrars, administrators and superusers are anonymous without it). Returns the device."""
    client.force_login(user)
    return pass_second_factor(client)


def pass_second_factor(client):
    """Mark the client's signed-in session as having passed the second factor (enrolling the user's authenticator
    when they have none), as the two-factor page does. Returns the device."""
    session = client.session
    user = get_user_model().objects.get(pk=session["_auth_user_id"])
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    device = device or TOTPDevice.objects.create(user=user, name="authenticator", confirmed=True)
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return device


def totp_code(device, *, offset_steps: int = 0) -> str:
    """The code an authenticator app shows for ``device`` now (or ``offset_steps`` windows of 30 s away)."""
    generator = TOTP(device.bin_key, step=device.step, t0=device.t0, digits=device.digits)
    generator.time = int(time.time()) + offset_steps * device.step
    return f"{generator.token():0{device.digits}d}"
