"""``manage.py geocode_csv IN OUT [--address-column NAME]``: batch geocoding, CSV in → CSV out."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from geo_portal.addresses.search.batch import RESULT_COLUMNS, geocode_csv
from geo_portal.addresses.search.batch_input import count_lines
from geo_portal.ingest.errors import ImportRefused


class Command(BaseCommand):
    help = (
        "Geocode every row of a CSV file; the output keeps every input column and adds "
        + ", ".join(RESULT_COLUMNS)
        + ". A malformed row gets a status, never stops the batch."
    )

    def add_arguments(self, parser):
        parser.add_argument("input", type=Path)
        parser.add_argument("output", type=Path)
        parser.add_argument("--address-column", help="column holding the address (default: guessed from the header)")
        parser.add_argument("--encoding", default="utf-8", help="utf-8 (default) or big5")

    def handle(self, *args, **opts):
        source: Path = opts["input"]
        total = count_lines(source) - 1 if source.is_file() and opts["verbosity"] > 0 else None
        bar = tqdm(total=total, desc="geocoding", unit=" rows", disable=opts["verbosity"] == 0, leave=False)
        try:
            with opts["output"].open("w", encoding="utf-8", newline="") as out:
                stats = geocode_csv(
                    source=source,
                    out=out,
                    address_column=opts["address_column"],
                    encoding=opts["encoding"],
                    progress=bar.update,
                )
        except ImportRefused as exc:
            opts["output"].unlink(missing_ok=True)
            raise CommandError(str(exc)) from None
        finally:
            bar.close()
        self.stdout.write(f"{stats.rows} rows; status {stats.by_status}; grade {stats.by_grade}")
