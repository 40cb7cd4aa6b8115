"""``manage.py import_doorplates FILE``: load door plates from CSV (see ``addresses.imports``)."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from geo_portal.addresses.imports.presets import FIELDS, PRESETS
from geo_portal.addresses.imports.services import DEFAULT_RETIRE_LIMIT, import_doorplates
from geo_portal.ingest.cli import count_lines, print_findings, progress_bar
from geo_portal.ingest.errors import ImportRefused


class Command(BaseCommand):
    help = (
        "Import door plates from a CSV file, all-or-nothing. Rows are parsed and checked; rejected rows are "
        "listed in a CSV report. Re-running the same file changes nothing; a newer file adds, changes and "
        "retires plates (with history). Presets: " + "; ".join(f"{p.name} ({p.description})" for p in PRESETS.values())
    )

    # The monthly re-import's budget (issue 16 §5: ≤ 1.5 s with start-up) has no room for the system checks, which
    # load the whole URLconf (REST framework, the schema, image codecs) and GDAL's raster stack: ~0.8 s of imports.
    # `manage.py check`, the test suite and every server start run them.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--preset", choices=sorted(PRESETS), help="a known CSV layout")
        parser.add_argument(
            "--map",
            action="append",
            default=[],
            metavar="FIELD=COLUMN",
            help=f"column mapping, repeatable; fields: {', '.join(FIELDS)}",
        )
        parser.add_argument(
            "--srid",
            type=int,
            help="coordinate system of x/y (4326 lon/lat, 3826 TWD97 TM2); required unless the preset says",
        )
        parser.add_argument("--encoding", default="utf-8", help="utf-8 (default) or big5")
        parser.add_argument("--district", help="MOI district code for addresses without county/district")
        parser.add_argument("--dry-run", action="store_true", help="check and report, change nothing")
        parser.add_argument(
            "--allow-mass-retire",
            action="store_true",
            help=f"allow retiring more than {DEFAULT_RETIRE_LIMIT * 100:.0f}%% of the active plates",
        )
        parser.add_argument("--report-dir", type=Path, help="where to write the rejected-rows CSV")

    def handle(self, *args, **opts):
        columns = {}
        for item in opts["map"]:
            field, sep, column = item.partition("=")
            if not sep or not field or not column:
                raise CommandError(f"--map {item!r}: expected FIELD=COLUMN")
            columns[field.strip()] = column.strip()
        path: Path = opts["file"]
        show = opts["verbosity"] > 0 and path.is_file()
        total = count_lines(path) - 1 if show else None
        try:
            result = import_doorplates(
                path=path,
                preset=opts["preset"],
                columns=columns,
                srid=opts["srid"],
                encoding=opts["encoding"],
                district=opts["district"],
                dry_run=opts["dry_run"],
                allow_mass_retire=opts["allow_mass_retire"],
                report_dir=opts["report_dir"],
                progress=progress_bar(total=total, desc="door plates", enabled=show),
            )
        except ImportRefused as exc:
            raise CommandError(str(exc)) from None
        c = result.counts
        if result.same_as_batch is not None:
            self.stdout.write(
                f"batch {result.batch_id}: unchanged — the same file as batch {result.same_as_batch}, and no plate "
                f"changed since but by imports; nothing written ({c['loaded']} plates; {result.seconds:.1f} s)"
            )
        else:
            self._summary(result)
        if result.findings:
            print_findings(self.stdout, result.findings)
            self.stdout.write(f"report: {result.report_path}")

    def _summary(self, result) -> None:
        c = result.counts
        label = "DRY RUN (nothing changed)" if result.dry_run else f"batch {result.batch_id}"
        self.stdout.write(
            f"{label}: read {c['read']}, loaded {c['loaded']}, rejected {c['rejected']}, warnings {c['warnings']}; "
            f"added {c['added']}, changed {c['changed']}, retired {c['retired']}, unchanged {c['unchanged']} "
            f"({c['skipped']} rows skipped unread); "
            f"roads added {c['roads_added']}, 鄰 added {c['neighborhoods_added']} ({result.seconds:.1f} s)"
        )
