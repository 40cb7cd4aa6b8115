"""``manage.py sync_roles``: make the role groups hold exactly the permissions of ``roles.ROLE_PERMISSIONS``.

``migrate`` does the same at its end; this is for after editing the map without a migration.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from geo_portal.accounts.services import roles_sync


class Command(BaseCommand):
    help = "Create the staff role groups and give each its mapped permissions (idempotent)."

    def handle(self, *args, **opts):
        try:
            counts = roles_sync()
        except LookupError as exc:
            raise CommandError(str(exc)) from exc
        for role, count in counts.items():
            self.stdout.write(f"{role.value}: {count} permissions")
