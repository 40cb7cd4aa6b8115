"""``manage.py registry_new_key``: print a fresh random key for a registry key ring entry (``<id>:<key>``)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from geo_portal.registry.crypto import new_key


class Command(BaseCommand):
    help = "Print a new random 256-bit key, base64, for GEO_PORTAL_REGISTRY_ENCRYPTION_KEYS or _HASH_KEYS."

    def add_arguments(self, parser):
        parser.add_argument("--id", dest="key_id", type=int, default=1, help="the key's id in the ring (1–32767; default 1)")

    def handle(self, *args, key_id: int, **options):
        if not 1 <= key_id <= 32767:
            raise CommandError("--id must be between 1 and 32767")
        self.stdout.write(f"{key_id}:{new_key()}")
