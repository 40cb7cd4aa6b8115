"""``manage.py import_population HOUSEHOLDS.csv [--ages AGES.csv]``: one month of village statistics."""

from pathlib import Path

from django.core.management.base import BaseCommand

from geo_portal.areas.population import import_population
from geo_portal.ingest.cli import print_findings, refusals_as_command_errors


class Command(BaseCommand):
    help = (
        "Import the city's monthly village report (月統計報表之1, RRRP03310) and optionally the age report "
        "(之3, RRRP03360) of the same month; re-importing a month replaces it."
    )

    def add_arguments(self, parser):
        parser.add_argument("households", type=Path)
        parser.add_argument("--ages", type=Path)

    def handle(self, *args, **opts):
        with refusals_as_command_errors():
            result = import_population(households_path=opts["households"], ages_path=opts["ages"])
        self.stdout.write(f"{result.month:%Y-%m}: " + ", ".join(f"{k} {v}" for k, v in result.counts.items()))
        print_findings(self.stdout, result.findings)
