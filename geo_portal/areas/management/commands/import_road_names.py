"""``manage.py import_road_names FILE``: English road names from a Chinese→English table."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from geo_portal.areas.services import import_road_names
from geo_portal.ingest.cli import print_findings
from geo_portal.ingest.errors import ImportRefused


class Command(BaseCommand):
    help = "Fill English road names (MOI form, e.g. 'Sec. 2, Guangfu Rd.') from a two-column zh,en CSV."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--encoding", default="utf-8")

    def handle(self, *args, **opts):
        try:
            result = import_road_names(path=opts["file"], encoding=opts["encoding"])
        except ImportRefused as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(", ".join(f"{k} {v}" for k, v in result.counts.items()))
        print_findings(self.stdout, result.findings)
