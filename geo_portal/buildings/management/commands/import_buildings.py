"""``manage.py import_buildings FILE --source osm --id-field osm_id``: building footprints, then plate links."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from geo_portal.buildings.services import DEFAULT_LINK_TOLERANCE_M, BuildingFields, import_buildings
from geo_portal.ingest.cli import print_findings
from geo_portal.ingest.errors import ImportRefused


class Command(BaseCommand):
    help = (
        "Import building footprints (GeoJSON, Shapefile, GeoPackage, CSV with WKT) all-or-nothing: transformed "
        "to EPSG:3826, 2D, made valid, MultiPolygon, upserted on (source, id). Then relinks door plates."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--source", required=True, help="short source name, e.g. osm, nlsc, demo")
        parser.add_argument("--id-field", required=True)
        parser.add_argument("--name-field")
        parser.add_argument("--floors-field")
        parser.add_argument("--height-field")
        parser.add_argument("--structure-field")
        parser.add_argument("--layer")
        parser.add_argument("--srid", type=int, help="coordinate system when the file does not declare one")
        parser.add_argument(
            "--link-tolerance",
            type=float,
            default=DEFAULT_LINK_TOLERANCE_M,
            help="metres within which a plate outside every footprint links to the nearest one",
        )

    def handle(self, *args, **opts):
        fields = BuildingFields(
            id=opts["id_field"],
            name=opts["name_field"],
            floors=opts["floors_field"],
            height=opts["height_field"],
            structure=opts["structure_field"],
        )
        bar = tqdm(desc="buildings", unit=" features", disable=opts["verbosity"] == 0, leave=False)
        try:
            result = import_buildings(
                path=opts["file"],
                source=opts["source"],
                fields=fields,
                layer=opts["layer"],
                srid=opts["srid"],
                link_tolerance_m=opts["link_tolerance"],
                progress=bar.update,
            )
        except ImportRefused as exc:
            raise CommandError(str(exc)) from None
        finally:
            bar.close()
        self.stdout.write(", ".join(f"{k} {v}" for k, v in result.counts.items()))
        print_findings(self.stdout, result.findings)
