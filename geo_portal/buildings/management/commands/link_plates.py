"""``manage.py link_plates``: recompute which building each active door plate belongs to."""

from django.core.management.base import BaseCommand

from geo_portal.buildings.linking import DEFAULT_LINK_TOLERANCE_M, link_plates_to_buildings
from geo_portal.ingest.cli import print_counts, refusals_as_command_errors


class Command(BaseCommand):
    help = "Link every active door plate to the footprint containing it, or the nearest within --tolerance metres."

    def add_arguments(self, parser):
        parser.add_argument("--tolerance", type=float, default=DEFAULT_LINK_TOLERANCE_M)

    def handle(self, *args, **opts):
        with refusals_as_command_errors():
            counts = link_plates_to_buildings(tolerance_m=opts["tolerance"])
        print_counts(self.stdout, counts)
