"""One demo login per staff role for ``make demo``, kept in ``.data/staff-logins`` (mode 600) and reused.

Called by ``manage.py demo_setup``. A login whose password is lost from the file gets a new one; existing
users keep their roles.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from django.contrib.auth import get_user_model

from geo_portal.accounts.roles import Role
from geo_portal.accounts.services import staff_create

DEMO_LOGINS: tuple[tuple[str, Role], ...] = (
    ("surveyor", Role.SURVEYOR),
    ("supervisor", Role.CENSUS_SUPERVISOR),
    ("clerk", Role.CLERK),
    ("reviewer", Role.REVIEWER),
    ("registrar", Role.REGISTRAR),
    ("administrator", Role.ADMINISTRATOR),
)


def read_logins(path: Path) -> dict[str, str]:
    """``user password`` per line → {user: password}; a missing file is empty."""
    if not path.is_file():
        return {}
    pairs = (line.split(maxsplit=1) for line in path.read_text(encoding="utf-8").splitlines())
    return {pair[0]: pair[1].strip() for pair in pairs if len(pair) == 2}


def ensure_staff_logins(path: Path) -> list[tuple[str, Role, str]]:
    """Create the missing demo logins, keep the others; returns (user, role, password) in role order."""
    user_model = get_user_model()
    known = read_logins(path)
    result = []
    for username, role in DEMO_LOGINS:
        user = user_model.objects.filter(username=username).first()
        password = known.get(username)
        if user is None:
            password = password or secrets.token_urlsafe(12)
            staff_create(actor=None, username=username, roles=[role.value], password=password)
        elif password is None or not user.check_password(password):
            password = secrets.token_urlsafe(12)
            user.set_password(password)
            user.save(update_fields=["password"])
        result.append((username, role, password))
    path.parent.mkdir(parents=True, exist_ok=True)
    # Created with mode 600 from the start: the passwords are never readable by others, not even briefly.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.writelines(f"{username} {password}\n" for username, _role, password in result)
    path.chmod(0o600)
    return result
