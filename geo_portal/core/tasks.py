"""The nightly backup of the serving database (``core.backup``), run by the job worker."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from procrastinate.contrib.django import app

from geo_portal.core.backup import make_backup

BACKUP_TASK = "core.backup_database"


@app.periodic(cron="37 2 * * *")  # daily at 02:37, before the 03:xx prunes
@app.task(name=BACKUP_TASK, queueing_lock=BACKUP_TASK)
def backup_database(timestamp: int) -> dict[str, object]:
    """Dump the database into ``BACKUP_DIR`` and keep the newest ``BACKUP_KEEP``; returns the file and its size."""
    backup = make_backup(settings.DATABASES["default"], Path(settings.BACKUP_DIR), keep=int(settings.BACKUP_KEEP))
    return {"file": backup.path.name, "bytes": backup.size, "sha256": backup.sha256, "seconds": round(backup.seconds, 2)}
