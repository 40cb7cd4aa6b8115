"""``make demo``'s staff logins: one per role, kept in a mode-600 file and reused on the next run."""

from __future__ import annotations

import stat

import pytest
from django.contrib.auth import get_user_model

from geo_portal.accounts.selectors import roles_of
from geo_portal.demo.staff_logins import ensure_staff_logins, read_logins

pytestmark = pytest.mark.django_db


def test_one_login_per_role_kept_and_reused(tmp_path):
    secret = tmp_path / "staff-logins"
    first = ensure_staff_logins(secret)
    assert [(user, role.value) for user, role, _pw in first] == [
        ("surveyor", "surveyor"),
        ("supervisor", "census_supervisor"),
        ("clerk", "clerk"),
        ("reviewer", "reviewer"),
        ("registrar", "registrar"),
        ("administrator", "administrator"),
    ]
    assert stat.S_IMODE(secret.stat().st_mode) == 0o600
    assert read_logins(secret) == {user: pw for user, _role, pw in first}
    users = get_user_model().objects
    for user, role, password in first:
        account = users.get(username=user)
        assert account.check_password(password) and roles_of(account) == {role}
    assert ensure_staff_logins(secret) == first  # the second run reuses every login

    # The file lost one line: that login gets a new password, the others stay.
    secret.write_text("".join(f"{u} {p}\n" for u, _r, p in first if u != "clerk"))
    third = ensure_staff_logins(secret)
    assert [row for row in third if row[0] != "clerk"] == [row for row in first if row[0] != "clerk"]
    clerk_password = dict((u, p) for u, _r, p in third)["clerk"]
    assert clerk_password != dict((u, p) for u, _r, p in first)["clerk"]
    assert users.get(username="clerk").check_password(clerk_password)
    assert users.filter(username__in=[u for u, _r, _p in first]).count() == 6
