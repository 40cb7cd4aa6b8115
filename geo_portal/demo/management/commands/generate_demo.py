"""``manage.py generate_demo --plates N --seed S [--load]``: write (and optionally load) a synthetic district."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from geo_portal.demo.generator import generate
from geo_portal.demo.loading import load_generated
from geo_portal.ingest.errors import ImportRefused


class Command(BaseCommand):
    help = (
        "Generate a deterministic synthetic district (roads with sections, lanes, alleys, odd/even sides, 之 "
        "numbers, multi-storey buildings, footprints, villages, 鄰) as importer input files; --load imports them."
    )

    def add_arguments(self, parser):
        parser.add_argument("--plates", type=int, default=10_000)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--out", type=Path, help="output directory (default gis_data/generated/<seed>-<plates>)")
        parser.add_argument("--load", action="store_true", help="import the generated files")

    def handle(self, *args, **opts):
        out = opts["out"] or settings.GIS_DATA_DIR / "generated" / f"{opts['seed']}-{opts['plates']}"
        try:
            counts = generate(out, plates=opts["plates"], seed=opts["seed"])
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"wrote {counts} to {out}")
        if opts["load"]:
            try:
                load_generated(out, log=self.stdout.write)
            except ImportRefused as exc:
                raise CommandError(str(exc)) from None
