"""``manage.py create_staff``: one or more roles, a generated or given password, clear refusals."""

from __future__ import annotations

import io
import re

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from geo_portal.accounts.models import RoleChange
from geo_portal.accounts.selectors import roles_of

pytestmark = pytest.mark.django_db
User = get_user_model()


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("create_staff", *args, stdout=out)
    return out.getvalue()


def test_create_staff_prints_a_generated_password():
    out = run("carl", "--role", "clerk", "--role", "reviewer", "--email", "carl@example.org")
    match = re.fullmatch(
        r"created staff user 'carl' with roles: clerk, reviewer\n"
        r"password: (\S{20})  \(to be changed at the first sign-in\)\n",
        out,
    )
    assert match, out
    carl = User.objects.get(username="carl")
    assert carl.check_password(match.group(1))
    assert (roles_of(carl), carl.email, carl.is_staff) == ({"clerk", "reviewer"}, "carl@example.org", True)
    assert list(RoleChange.objects.values_list("kind", "actor", "roles_after")) == [("created", None, ["clerk", "reviewer"])]


def test_create_staff_reads_the_password_file(tmp_path):
    secret = tmp_path / "pw"
    secret.write_text("a long enough secret 123\nignored\n")
    assert run("sue", "--role", "surveyor", "--password-file", str(secret)) == (
        "created staff user 'sue' with roles: surveyor\n"
    )
    assert User.objects.get(username="sue").check_password("a long enough secret 123")


def test_create_staff_refuses_unknown_roles_naming_the_valid_ones():
    with pytest.raises(CommandError) as exc:
        run("eve", "--role", "clerk", "--role", "boss")
    assert str(exc.value) == (
        "unknown role 'boss'; valid roles: surveyor, census_supervisor, clerk, reviewer, registrar, administrator"
    )
    assert not User.objects.filter(username="eve").exists()


def test_create_staff_refuses_an_existing_user_and_an_empty_password_file(tmp_path):
    run("carl", "--role", "clerk")
    with pytest.raises(CommandError, match=r"^a user named 'carl' already exists$"):
        run("carl", "--role", "reviewer")
    empty = tmp_path / "empty"
    empty.write_text("\n")
    with pytest.raises(CommandError, match=f"^the first line of {re.escape(str(empty))} is empty$"):
        run("dora", "--role", "clerk", "--password-file", str(empty))
