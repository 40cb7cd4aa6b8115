"""``manage.py link_plates``: recompute which building each active door plate belongs to."""

from django.core.management.base import BaseCommand, CommandError

from geo_portal.buildings.services import DEFAULT_LINK_TOLERANCE_M, link_plates_to_buildings
from geo_portal.ingest.errors import ImportRefused


class Command(BaseCommand):
    help = "Link every active door plate to the footprint containing it, or the nearest within --tolerance metres."

    def add_arguments(self, parser):
        parser.add_argument("--tolerance", type=float, default=DEFAULT_LINK_TOLERANCE_M)

    def handle(self, *args, **opts):
        try:
            counts = link_plates_to_buildings(tolerance_m=opts["tolerance"])
        except ImportRefused as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(", ".join(f"{k} {v}" for k, v in counts.items()))
