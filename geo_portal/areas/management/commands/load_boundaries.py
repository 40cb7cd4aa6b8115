"""``manage.py load_boundaries FILE --level village --code-field VILLCODE``: set area boundaries."""

from pathlib import Path

from django.core.management.base import BaseCommand

from geo_portal.areas.services import load_boundaries
from geo_portal.ingest.cli import print_counts, refusals_as_command_errors


class Command(BaseCommand):
    help = (
        "Set district or village boundaries from GeoJSON, Shapefile or GeoPackage. Geometries are transformed "
        "to EPSG:3826, made 2D and valid, and stored as MultiPolygons; features are matched by MOI code."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--level", required=True, choices=["district", "village"])
        parser.add_argument("--code-field", required=True, help="attribute holding the MOI code (TOWNCODE, VILLCODE)")
        parser.add_argument("--layer", help="layer name in a multi-layer file (GeoPackage)")
        parser.add_argument("--srid", type=int, help="coordinate system when the file does not declare one")

    def handle(self, *args, **opts):
        with refusals_as_command_errors():
            result = load_boundaries(
                path=opts["file"], level=opts["level"], code_field=opts["code_field"], layer=opts["layer"], srid=opts["srid"]
            )
        print_counts(self.stdout, result.counts, result.findings)
