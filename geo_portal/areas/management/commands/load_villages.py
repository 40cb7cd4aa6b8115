"""``manage.py load_villages FILE``: counties, districts and villages from the MOI village attribute CSV."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from geo_portal.areas.services import load_village_table
from geo_portal.ingest.cli import print_findings
from geo_portal.ingest.errors import ImportRefused


class Command(BaseCommand):
    help = "Load counties, districts and villages (codes, Chinese and English names) from the MOI/NLSC village table."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--encoding", default="utf-8")

    def handle(self, *args, **opts):
        try:
            result = load_village_table(path=opts["file"], encoding=opts["encoding"])
        except ImportRefused as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(", ".join(f"{k} {v}" for k, v in result.counts.items()))
        print_findings(self.stdout, result.findings)
