"""``manage.py follow_changes BASE_URL OUT.gpkg``: mirror the public data of a geo_portal into a GeoPackage."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from geo_portal.changes.client import FeedError, follow


class Command(BaseCommand):
    help = (
        "Keep a local GeoPackage equal to a geo_portal's public plates, buildings, villages, districts and roads: "
        "a snapshot the first time, then the change feed from where the last run stopped."
    )

    def add_arguments(self, parser):
        parser.add_argument("base_url", help="e.g. http://127.0.0.1:8000")
        parser.add_argument("out", type=Path, help="the GeoPackage to create or update")

    def handle(self, *args, **opts):
        try:
            result = follow(opts["base_url"], opts["out"], log=lambda m: self.stderr.write(m))
        except FeedError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"{opts['out']}: txid {result.txid}, seq {result.seq}"
            + (" (snapshot loaded)" if result.snapshot_loaded else "")
            + f", {result.events_applied} events applied"
        )
