"""``manage.py import_zip_rules FILE``: Chunghwa Post 3+3 rules, then zip codes for every plate."""

from pathlib import Path

from django.core.management.base import BaseCommand

from geo_portal.addresses.zipcodes.services import assign_zip_codes, import_zip_rules
from geo_portal.ingest.cli import print_counts, print_findings, refusals_as_command_errors


class Command(BaseCommand):
    help = (
        "Replace the 3+3 delivery rules with a Chunghwa Post file (ZIPCODE,CITY,AREA,ROAD,SCOOP) and assign a 3+3 "
        "zip code to every active door plate; reports unreadable rules and plates no rule covers."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--encoding", default="utf-8")

    def handle(self, *args, **opts):
        with refusals_as_command_errors():
            imported = import_zip_rules(path=opts["file"], encoding=opts["encoding"])
        print_counts(self.stdout, imported.counts, imported.findings)
        assigned = assign_zip_codes()
        c = assigned.counts
        share = c["assigned"] / c["plates"] if c["plates"] else 0
        self.stdout.write(
            f"plates {c['plates']}, assigned {c['assigned']} ({share:.2%}), uncovered {c['uncovered']}, "
            f"changed {c['changed']}"
        )
        print_findings(self.stdout, assigned.findings)
