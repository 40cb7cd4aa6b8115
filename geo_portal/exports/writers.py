"""Streaming layer writers: CSV, GeoJSON, GeoPackage and GeoParquet, read in chunks through a server-side cursor.

``stream`` yields an export as bytes (the API sends them as they come); ``write_file`` writes one to a path through
a temporary file in the same directory, renamed at the end, so a failed export leaves no partial file. Rows are read
``CHUNK_ROWS`` at a time from a named cursor: the whole layer is never in memory. CSV, GeoJSON and GeoParquet bytes
leave after every chunk; a GeoPackage (SQLite, written with random access) is built in a temporary file first and
then streamed. A progress callback receives (rows done, total rows) after every chunk.

Called by the API view, the ``export_layer`` command and ``bench.exports``.
"""

from __future__ import annotations

import csv
import io
import json
import os
import secrets
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pyogrio
from django.db import connection, transaction
from pyproj import CRS

from geo_portal.core.csvsafe import neutralise_row
from geo_portal.core.geo import WGS84_SRID
from geo_portal.exports.layers import FORMATS, LAYERS, Layer, layer_sql, sql_params

CHUNK_ROWS = 10_000
FILE_CHUNK_BYTES = 1 << 20
COMPACT = (",", ":")  # JSON separators without spaces
GEOMETRY = "geometry"  # the geometry column's name in GeoPackage and GeoParquet
ARROW_TYPES = {
    "int64": pa.int64(),
    "int32": pa.int32(),
    "float64": pa.float64(),
    "text": pa.string(),
    "date": pa.date32(),
    "bool": pa.bool_(),
}

Progress = Callable[[int, int | None], None]


@dataclass(frozen=True)
class ExportResult:
    path: Path
    rows: int
    seconds: float
    bytes: int


class _Tally:
    """Counts rows as chunks are read and reports them to the progress callback."""

    def __init__(self, layer: Layer, progress: Progress | None) -> None:
        self.rows = 0
        self.progress = progress
        self.total = count_rows(layer) if progress else None

    def add(self, rows: int) -> None:
        self.rows += rows
        if self.progress:
            self.progress(self.rows, self.total)


def count_rows(layer: Layer) -> int:
    """Rows the layer has now (for a progress bar's total)."""
    with connection.cursor() as cursor:
        cursor.execute(layer.count_sql)
        return cursor.fetchone()[0]


@contextmanager
def open_chunks(layer: Layer, *, srid: int, encoding: str, tally: _Tally) -> Iterator[Iterator[list[tuple]]]:
    """The layer's rows, ``CHUNK_ROWS`` at a time, geometry last in ``encoding``, from a server-side cursor.

    In a transaction, so the cursor streams (outside one Django declares it WITH HOLD and PostgreSQL computes the
    whole result first); a context manager, so the transaction ends with the caller's ``with`` block even when
    the caller stops early or fails.
    """
    with transaction.atomic(), connection.chunked_cursor() as cursor:
        cursor.execute(layer_sql(layer, encoding), sql_params(srid))
        yield _fetch(cursor, tally)


def _fetch(cursor, tally: _Tally) -> Iterator[list[tuple]]:
    while rows := cursor.fetchmany(CHUNK_ROWS):
        tally.add(len(rows))
        yield rows


# --- CSV -------------------------------------------------------------------------------------------------------


def _csv(layer: Layer, srid: int, tally: _Tally) -> Iterator[bytes]:
    """UTF-8 with a byte-order mark (Excel opens it right), the geometry as WKT in the last column ``wkt``.

    Text cells that a spreadsheet would run as a formula get a leading single quote (``core.csvsafe``: remove one
    leading quote from a cell to recover its value)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([c.name for c in layer.columns] + ["wkt"])
    yield "\ufeff".encode() + buffer.getvalue().encode()
    with open_chunks(layer, srid=srid, encoding="wkt", tally=tally) as chunks:
        for rows in chunks:
            buffer.seek(0)
            buffer.truncate()
            writer.writerows(neutralise_row(row) for row in rows)
            yield buffer.getvalue().encode()


# --- GeoJSON ---------------------------------------------------------------------------------------------------


def _json_value(value: object) -> str:
    if hasattr(value, "isoformat"):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def _geojson(layer: Layer, srid: int, tally: _Tally) -> Iterator[bytes]:
    """A FeatureCollection, feature by feature. RFC 7946 GeoJSON is WGS84; for TWD97 the legacy ``crs`` member
    (GeoJSON 2008) names EPSG:3826 so GDAL and QGIS read the metres right."""
    head: dict = {"type": "FeatureCollection", "name": layer.name}
    if srid != WGS84_SRID:
        head["crs"] = {"type": "name", "properties": {"name": f"urn:ogc:def:crs:EPSG::{srid}"}}
    yield json.dumps(head, ensure_ascii=False, separators=COMPACT)[:-1].encode() + b',"features":['
    names = [c.name for c in layer.columns]
    separator = "\n"
    with open_chunks(layer, srid=srid, encoding="geojson", tally=tally) as chunks:
        for rows in chunks:
            features = [
                '{"type":"Feature","properties":'
                + json.dumps(
                    dict(zip(names, row, strict=False)), ensure_ascii=False, separators=COMPACT, default=_json_value
                )
                + ',"geometry":'
                + row[-1]
                + "}"
                for row in rows
            ]
            yield (separator + ",\n".join(features)).encode()
            separator = ",\n"
    yield b"\n]}\n"


# --- Arrow: GeoPackage and GeoParquet --------------------------------------------------------------------------


@cache
def arrow_schema(layer: Layer) -> pa.Schema:
    """The layer's attribute types, then the geometry as WKB (plain binary)."""
    fields = [pa.field(c.name, ARROW_TYPES[c.kind]) for c in layer.columns]
    return pa.schema([*fields, pa.field(GEOMETRY, pa.binary())])


def _record_batch(layer: Layer, rows: list[tuple]) -> pa.RecordBatch:
    schema = arrow_schema(layer)
    columns = zip(*rows, strict=True)
    return pa.record_batch(
        [pa.array(values, type=field.type) for values, field in zip(columns, schema, strict=True)], schema=schema
    )


def write_gpkg(layer: Layer, path: Path, *, srid: int, tally: _Tally) -> None:
    """A GeoPackage 1.3 with one table named after the layer (GDAL through pyogrio, batches as they are read)."""
    failures: list[Exception] = []
    with open_chunks(layer, srid=srid, encoding="wkb", tally=tally) as chunks:

        def batches() -> Iterator[pa.RecordBatch]:
            try:
                for rows in chunks:
                    yield _record_batch(layer, rows)
            except Exception as exc:
                failures.append(exc)  # GDAL reports only "Error while accessing batch from stream"
                raise

        try:
            pyogrio.write_arrow(
                pa.RecordBatchReader.from_batches(arrow_schema(layer), batches()),
                str(path),
                layer=layer.name,
                driver="GPKG",
                geometry_name=GEOMETRY,
                geometry_type=layer.geometry_type,
                crs=f"EPSG:{srid}",
                dataset_options={"VERSION": "1.3"},  # 1.4 makes GDAL < 3.7 (QGIS on Debian 12) warn
                layer_options={"GEOMETRY_NAME": GEOMETRY},
            )
        except Exception:
            if failures:
                raise failures[0] from None
            raise


def geoparquet_metadata(layer: Layer, srid: int) -> dict:
    """The GeoParquet 1.1 ``geo`` file metadata: WKB, the geometry type, the CRS as PROJJSON."""
    column = {"encoding": "WKB", "geometry_types": [layer.geometry_type], "crs": CRS.from_epsg(srid).to_json_dict()}
    return {"version": "1.1.0", "primary_column": GEOMETRY, "columns": {GEOMETRY: column}}


class _Drain:
    """A write-only file for ``ParquetWriter`` whose bytes are taken out after every row group."""

    def __init__(self) -> None:
        self.parts: list[bytes] = []
        self.position = 0
        self.closed = False

    def write(self, data) -> int:
        self.parts.append(bytes(data))
        self.position += len(data)
        return len(data)

    def tell(self) -> int:
        return self.position

    def writable(self) -> bool:
        return True

    def flush(self) -> None:
        pass

    def close(self) -> None:
        self.closed = True

    def take(self) -> bytes:
        data = b"".join(self.parts)
        self.parts.clear()
        return data


def _parquet(layer: Layer, srid: int, tally: _Tally) -> Iterator[bytes]:
    """GeoParquet: one zstd row group per chunk, sent as soon as it is written; the footer last."""
    schema = arrow_schema(layer).with_metadata({"geo": json.dumps(geoparquet_metadata(layer, srid))})
    sink = _Drain()
    with (
        open_chunks(layer, srid=srid, encoding="wkb", tally=tally) as chunks,
        pq.ParquetWriter(sink, schema, compression="zstd") as writer,
    ):
        for rows in chunks:
            writer.write_batch(_record_batch(layer, rows))
            if data := sink.take():
                yield data
    yield sink.take()


# --- Entry points ----------------------------------------------------------------------------------------------


def _gpkg_stream(layer: Layer, srid: int, tally: _Tally) -> Iterator[bytes]:
    with tempfile.TemporaryDirectory(prefix="geo_portal_export_") as tmp:
        path = Path(tmp) / f"{layer.name}.gpkg"
        write_gpkg(layer, path, srid=srid, tally=tally)
        with path.open("rb") as fh:
            while data := fh.read(FILE_CHUNK_BYTES):
                yield data


ENCODERS = {"csv": _csv, "geojson": _geojson, "parquet": _parquet, "gpkg": _gpkg_stream}


def stream(layer: str, fmt: str, *, srid: int, progress: Progress | None = None) -> Iterator[bytes]:
    """The export as a stream of bytes. ``layer``, ``fmt`` and ``srid`` must be valid (``layers.request_problems``)."""
    chosen = LAYERS[layer]
    encode = ENCODERS[fmt]
    yield from encode(chosen, srid, _Tally(chosen, progress))


def write_file(layer: str, fmt: str, path: Path, *, srid: int, progress: Progress | None = None) -> ExportResult:
    """Write the export to ``path`` (replacing it) through a temporary file in the same directory.

    OSError when the directory cannot be written; on any failure the temporary file is removed and ``path`` is
    left as it was.
    """
    started = time.perf_counter()
    chosen = LAYERS[layer]
    extension = FORMATS[fmt].extension
    temp = path.parent / f".{path.name}.{secrets.token_hex(4)}.part.{extension}"
    # Created here (not by mkstemp, which makes it 0600): the finished file gets the usual umask permissions.
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    tally = _Tally(chosen, progress)
    try:
        if fmt == "gpkg":
            os.close(fd)
            temp.unlink()  # GDAL creates the SQLite file itself
            write_gpkg(chosen, temp, srid=srid, tally=tally)
        else:
            # closing(): a failed write ends the encoder (and its database transaction) at once.
            with os.fdopen(fd, "wb") as out, closing(ENCODERS[fmt](chosen, srid, tally)) as pieces:
                for data in pieces:
                    out.write(data)
        os.replace(temp, path)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    return ExportResult(path=path, rows=tally.rows, seconds=time.perf_counter() - started, bytes=path.stat().st_size)
