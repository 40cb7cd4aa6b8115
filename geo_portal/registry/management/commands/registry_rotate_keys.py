"""``manage.py registry_rotate_keys [--batch N] [--check]``: re-encrypt and re-hash national IDs on older keys."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from geo_portal.registry.services.keys import rotate_keys, stale_counts


class Command(BaseCommand):
    help = (
        "Re-encrypt national IDs with the first key of GEO_PORTAL_REGISTRY_ENCRYPTION_KEYS and re-hash them with the "
        "first of GEO_PORTAL_REGISTRY_HASH_KEYS (in batches; re-runnable). Then the older keys can be removed."
    )

    def add_arguments(self, parser):
        parser.add_argument("--batch", type=int, default=5000, help="persons per transaction (default 5000)")
        parser.add_argument("--check", action="store_true", help="only count the persons still on older keys")

    def handle(self, *args, batch: int, check: bool, **options):
        if batch < 1:
            raise CommandError("--batch must be at least 1")
        before = stale_counts()
        if check:
            self.stdout.write(
                f"persons on an older encryption key: {before['encryption']}; on an older hash key: {before['hash']}"
            )
            return
        total = max(before.values())
        with tqdm(total=total, unit="person", disable=total == 0, file=self.stderr) as bar:
            result = rotate_keys(batch=batch, progress=bar.update)
        self.stdout.write(
            f"re-encrypted {result.persons} persons (encryption key {result.encryption_key}, hash key {result.hash_key}) "
            f"and the details of {result.events} registration events; none is left on an older key"
        )
