"""Jobs of citizen reports: the daily purge of contacts and photos past their retention period
(``personal_data.purge_closed``), with the photos' private permissions checked on the same run
(``media_permissions``), deferred by the worker's scheduler."""

from __future__ import annotations

from procrastinate.contrib.django import app

from geo_portal.reports.media_permissions import tighten_media_permissions
from geo_portal.reports.personal_data import purge_closed

PURGE_TASK = "reports.purge_personal_data"


@app.periodic(cron="17 4 * * *")  # daily at 04:17, away from the other nightly jobs
@app.task(name=PURGE_TASK, queueing_lock=PURGE_TASK)
def purge_personal_data(timestamp: int) -> dict[str, int]:
    """Remove the contacts and photos of reports closed longer than REPORTS_PERSONAL_DATA_RETENTION_DAYS; make
    every photo file left private (0600, folders 0700)."""
    purge = purge_closed()
    tightened = tighten_media_permissions()
    return {
        "reports": len(purge.report_ids),
        "contacts": purge.contacts,
        "photos": purge.photos,
        "files_made_private": tightened.files,
        "folders_made_private": tightened.folders,
    }
