"""manage.py load_service_points FILE — the office's service points (name, name_en, kind, address) from a CSV."""

from pathlib import Path

from django.core.management.base import BaseCommand

from geo_portal.ingest.cli import refusals_as_command_errors
from geo_portal.offices.services import load_service_points


class Command(BaseCommand):
    help = "Add or update service points from a CSV with columns name, name_en, kind, address (all or nothing)."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)

    def handle(self, *args, **opts):
        with refusals_as_command_errors():
            counts = load_service_points(opts["file"])
        self.stdout.write(f"service points: created {counts['created']}, updated {counts['updated']}")
