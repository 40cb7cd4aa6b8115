"""The raw-SQL tile server the map benchmark compares against: a bare WSGI app (no Django, no cache) that runs
the same ``ST_AsMVT`` statement per request over one psycopg connection per worker, like pg_tileserv or Martin.

Served by gunicorn in ``bench.map``; ``TILE_DATABASE_URL`` is a libpq connection string.
"""

from __future__ import annotations

import os
import re

import psycopg

from geo_portal.publicmap.tiles import tile_query

PATH = re.compile(r"^/tiles/(\w+)/(\d+)/(\d+)/(\d+)\.mvt$")
_connection: psycopg.Connection | None = None


def _cursor() -> psycopg.Cursor:
    global _connection  # one connection per worker process, opened on first use
    if _connection is None or _connection.closed:
        _connection = psycopg.connect(os.environ["TILE_DATABASE_URL"], autocommit=True, prepare_threshold=2)
    return _connection.cursor()


def application(environ, start_response):
    match = PATH.match(environ.get("PATH_INFO", ""))
    if not match:
        start_response("404 Not Found", [("Content-Type", "text/plain")])
        return [b"not a tile"]
    layer, z, x, y = match.group(1), *(int(v) for v in match.groups()[1:])
    query = tile_query(layer, z, x, y)
    content = b""
    if query is not None:
        with _cursor() as cursor:
            cursor.execute(query.sql, query.params)
            row = cursor.fetchone()
            content = bytes(row[0]) if row and row[0] else b""
    if not content:
        start_response("204 No Content", [])
        return []
    start_response("200 OK", [("Content-Type", "application/vnd.mapbox-vector-tile"), ("Content-Length", str(len(content)))])
    return [content]
