"""``manage.py export_layer LAYER --format FORMAT``: write a whole layer to a file (see ``exports.writers``)."""

from __future__ import annotations

import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from geo_portal.exports.layers import FORMATS, LAYERS, SRIDS, parse_srid, request_problems
from geo_portal.exports.writers import Progress, stream, write_file


def progress_bar(*, desc: str, enabled: bool) -> tuple[Progress, tqdm]:
    """A tqdm bar on stderr driven by the writers' (rows done, total) callback.

    The same look as ``ingest.cli.progress_bar``, which wraps an iterator of rows; exports report per chunk.
    """
    bar = tqdm(total=None, desc=desc, unit=" rows", mininterval=0.5, leave=False, disable=not enabled)

    def update(done: int, total: int | None) -> None:
        bar.total = total
        bar.update(done - bar.n)

    return update, bar


class Command(BaseCommand):
    help = (
        "Export a layer of public data (active door plates, buildings, villages with statistics) as CSV, "
        "GeoJSON, GeoPackage or GeoParquet, in TWD97 (EPSG:3826, default) or WGS84 (EPSG:4326). Written to a "
        "temporary file first, renamed when complete."
    )

    def add_arguments(self, parser):
        parser.add_argument("layer", metavar="LAYER", help=", ".join(LAYERS))
        parser.add_argument("--format", dest="fmt", metavar="FORMAT", required=True, help=", ".join(FORMATS))
        parser.add_argument(
            "--srid", default=str(SRIDS[0]), help="3826 (TWD97 TM2, metres; default) or 4326 (WGS84 lon/lat)"
        )
        parser.add_argument(
            "--output", "-o", help="file to write (default: LAYER.EXTENSION here); - for standard output (csv, geojson)"
        )

    def handle(self, *args, **opts):
        layer, fmt = opts["layer"], opts["fmt"]
        problems = request_problems(layer=layer, fmt=fmt, srid=opts["srid"])
        if problems:
            raise CommandError("; ".join(message for messages in problems.values() for message in messages))
        srid = parse_srid(opts["srid"])
        output = opts["output"] or f"{layer}.{FORMATS[fmt].extension}"
        progress, bar = progress_bar(desc=f"{layer} → {fmt}", enabled=opts["verbosity"] > 0)
        try:
            if output == "-":
                self._to_stdout(layer, fmt, srid, progress)
            else:
                self._to_file(layer, fmt, srid, Path(output), progress)
        finally:
            bar.close()

    def _to_file(self, layer: str, fmt: str, srid: int, path: Path, progress: Progress) -> None:
        if path.is_dir():
            raise CommandError(f"cannot write {path}: it is a directory; give a file name")
        if not path.parent.is_dir():
            raise CommandError(f"cannot write {path}: {path.parent} is not a directory")
        try:
            result = write_file(layer, fmt, path, srid=srid, progress=progress)
        except OSError as exc:
            raise CommandError(f"cannot write {path}: {exc.strerror or exc}") from None
        self.stdout.write(
            f"wrote {result.rows} {layer} to {path} (EPSG:{srid}, {result.bytes:,} bytes) in {result.seconds:.1f} s"
        )

    def _to_stdout(self, layer: str, fmt: str, srid: int, progress: Progress) -> None:
        if not FORMATS[fmt].streamable:
            raise CommandError(f"{fmt} cannot be written to standard output; give --output FILE")
        started = time.perf_counter()
        rows = 0

        def counting(done: int, total: int | None) -> None:
            nonlocal rows
            rows = done
            progress(done, total)

        binary = getattr(self.stdout, "buffer", None)  # absent when a test passes a StringIO
        for data in stream(layer, fmt, srid=srid, progress=counting):
            if binary is not None:
                binary.write(data)
            else:
                self.stdout.write(data.decode(), ending="")
        (binary or self.stdout).flush()
        self.stderr.write(f"wrote {rows} {layer} (EPSG:{srid}) in {time.perf_counter() - started:.1f} s")
