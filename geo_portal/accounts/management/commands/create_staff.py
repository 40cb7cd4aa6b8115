"""``manage.py create_staff USER --role ROLE [--role ROLE2] [--email E] [--password-file F]``: a new staff login.

Prints a generated password when no password file is given (it must be changed at the first sign-in).
"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from geo_portal.accounts.roles import Role, UnknownRole
from geo_portal.accounts.services import StaffChangeRefused, staff_create


class Command(BaseCommand):
    help = "Create a staff user with one or more roles (" + ", ".join(Role.values) + ")."

    def add_arguments(self, parser):
        parser.add_argument("username", help="the new user's login name")
        parser.add_argument(
            "--role",
            action="append",
            required=True,
            dest="roles",
            metavar="ROLE",
            help=f"a role to give (repeat for several): {', '.join(Role.values)}",
        )
        parser.add_argument("--email", default="", help="e-mail address")
        parser.add_argument(
            "--password-file",
            type=Path,
            help="read the password from the first line of this file (else one is generated and printed)",
        )

    def handle(self, *args, **opts):
        password = None
        if opts["password_file"]:
            try:
                password = opts["password_file"].read_text(encoding="utf-8").splitlines()[0].strip()
            except (OSError, IndexError, UnicodeDecodeError) as exc:
                raise CommandError(f"cannot read a password from {opts['password_file']}: {exc}") from exc
            if not password:
                raise CommandError(f"the first line of {opts['password_file']} is empty")
        try:
            user, password = staff_create(
                actor=None, username=opts["username"], roles=opts["roles"], email=opts["email"], password=password
            )
        except (UnknownRole, StaffChangeRefused) as exc:
            raise CommandError(str(exc)) from exc
        roles = ", ".join(sorted(set(opts["roles"])))
        self.stdout.write(f"created staff user '{user.get_username()}' with roles: {roles}")
        if not opts["password_file"]:
            self.stdout.write(f"password: {password}  (to be changed at the first sign-in)")
