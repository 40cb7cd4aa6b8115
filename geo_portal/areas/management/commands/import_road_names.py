"""``manage.py import_road_names FILE``: English road names from a Chinese→English table."""

from pathlib import Path

from django.core.management.base import BaseCommand

from geo_portal.areas.services import import_road_names
from geo_portal.ingest.cli import print_counts, refusals_as_command_errors


class Command(BaseCommand):
    help = "Fill English road names (MOI form, e.g. 'Sec. 2, Guangfu Rd.') from a two-column zh,en CSV."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--encoding", default="utf-8")

    def handle(self, *args, **opts):
        with refusals_as_command_errors():
            result = import_road_names(path=opts["file"], encoding=opts["encoding"])
        print_counts(self.stdout, result.counts, result.findings)
