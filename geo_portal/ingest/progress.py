"""A running import's record, kept through a second database connection of its own.

The import itself runs in one transaction: if it is refused, fails or the process is killed, everything it did
is rolled back — including any record written inside it. So the batch row is created, and its stage updated,
through a separate autocommit connection: a killed import leaves a ``running`` row naming its last stage, which
the next import (``mark_interrupted``) turns into a failed record saying where it stopped.
"""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psycopg
from django.db import connection
from django.utils import timezone

from geo_portal.core.dsn import connection_params
from geo_portal.ingest.services import file_sha256


class BatchProgress:
    """The batch row of one import run, written outside the import's transaction."""

    def __init__(self, *, kind: str, path: Path, options: dict):
        params = {k: v for k, v in connection_params(connection.settings_dict).items() if v}
        now = timezone.now()
        # The file's checksum on a helper thread while this one connects (hashlib and the connection's wait both
        # release the GIL): ~30 ms of a monthly re-import's ~1.4 s.
        with ThreadPoolExecutor(max_workers=1) as pool:
            checksum = pool.submit(lambda: file_sha256(path) if path.is_file() else "")
            self._side = psycopg.connect(**params, autocommit=True)
            with connection.cursor() as cur:
                cur.execute("SELECT pg_backend_pid()")
                pid = cur.fetchone()[0]
            sha256 = checksum.result()
        row = self._side.execute(
            "INSERT INTO ingest_importbatch (kind, source_name, source_sha256, options, status, counts, report_path, "
            "message, started_at, stage, backend_pid) VALUES (%s, %s, %s, %s, 'running', '{}', '', '', %s, 'start', %s) "
            "RETURNING id",
            [kind, str(path), sha256, json.dumps(options), now, pid],
        ).fetchone()
        self.batch_id: int = row[0]

    def stage(self, name: str) -> None:
        """Best effort: the import may hold a lock on the batch table (its bulk load re-creates foreign keys that
        reference it), and this connection must never wait for the very import it reports on."""
        try:
            with self._side.transaction():
                self._side.execute("SET LOCAL lock_timeout = '200ms'")
                self._side.execute("UPDATE ingest_importbatch SET stage = %s WHERE id = %s", [name[:60], self.batch_id])
        except psycopg.errors.LockNotAvailable:
            pass

    def failed(self, message: str) -> None:
        """Record the failure (after the import's transaction rolled back), naming the stage it reached."""
        self._side.execute(
            "UPDATE ingest_importbatch SET status = 'failed', finished_at = %s, "
            "message = left('failed during ' || stage || ': ' || %s, 5000) WHERE id = %s AND status = 'running'",
            [timezone.now(), message, self.batch_id],
        )

    def close(self) -> None:
        self._side.close()


def mark_interrupted(*, kind: str) -> int:
    """Running batches whose database backend is gone were killed: record them as failed, naming the stage."""
    with connection.cursor() as cur:
        cur.execute(
            "UPDATE ingest_importbatch b SET status = 'failed', finished_at = now(), "
            "message = 'interrupted during ' || b.stage || ': the process ended before the import finished; "
            "nothing of it was applied' "
            "WHERE b.kind = %s AND b.status = 'running' "
            "AND NOT EXISTS (SELECT 1 FROM pg_stat_activity a WHERE a.pid = b.backend_pid)",
            [kind],
        )
        return cur.rowcount
