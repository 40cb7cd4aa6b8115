"""``manage.py load_villages FILE``: counties, districts and villages from the MOI village attribute CSV."""

from pathlib import Path

from django.core.management.base import BaseCommand

from geo_portal.areas.services import load_village_table
from geo_portal.ingest.cli import print_counts, refusals_as_command_errors


class Command(BaseCommand):
    help = "Load counties, districts and villages (codes, Chinese and English names) from the MOI/NLSC village table."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--encoding", default="utf-8")

    def handle(self, *args, **opts):
        with refusals_as_command_errors():
            result = load_village_table(path=opts["file"], encoding=opts["encoding"])
        print_counts(self.stdout, result.counts, result.findings)
