"""Staff users for tests: created through the service, with a known password."""

from __future__ import annotations

from geo_portal.accounts.services import staff_create

PASSWORD = "correct horse battery staple 42"


def make_staff(username: str, *roles: str, password: str = PASSWORD):
    """An active staff user with these roles (created on the command line's behalf: no actor)."""
    user, _password = staff_create(actor=None, username=username, roles=roles, password=password)
    return user
