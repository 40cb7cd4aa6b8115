"""``manage.py db_roles``: create or update the owner, web and read-only roles (``core.db_roles``); run with a
superuser's connection before ``migrate`` (``make demo`` and docker-compose do)."""

from __future__ import annotations

import os

from django.core.management.base import BaseCommand
from django.db import connection, transaction

from geo_portal.core.db_roles import Roles, ensure_roles


class Command(BaseCommand):
    help = "Create the database roles geo_portal_owner, geo_portal_web and geo_portal_reader with their privileges."

    def handle(self, *args, **options) -> None:
        roles = Roles()
        # Passwords for TCP connections (docker-compose); the private cluster's socket needs none.
        passwords = {
            roles.owner: os.environ.get("GEO_PORTAL_DB_OWNER_PASSWORD", ""),
            roles.web: os.environ.get("GEO_PORTAL_DB_WEB_PASSWORD", ""),
            roles.reader: os.environ.get("GEO_PORTAL_DB_READER_PASSWORD", ""),
        }
        with transaction.atomic(), connection.cursor() as cursor:
            moved = ensure_roles(cursor, database=connection.settings_dict["NAME"], roles=roles, passwords=passwords)
        self.stdout.write(f"roles {roles.owner}, {roles.web}, {roles.reader} ready ({moved} objects owned by {roles.owner})")
