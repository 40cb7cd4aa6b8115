"""``manage.py prune_changes [--days N]``: compact change events older than the retention period now."""

from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand

from geo_portal.changes.services import prune_events


class Command(BaseCommand):
    help = "Compact change-log events older than the retention period (every entity's state at the horizon is kept)."

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=settings.CHANGES_RETENTION_DAYS, help="retention in days")

    def handle(self, *args, **opts):
        if opts["days"] < 1:
            self.stderr.write("--days must be at least 1")
            raise SystemExit(2)
        result = prune_events(retention=timedelta(days=opts["days"]))
        self.stdout.write(f"horizon txid {result['horizon_txid']}, {result['events_deleted']} events compacted")
