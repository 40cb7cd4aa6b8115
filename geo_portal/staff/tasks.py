"""Jobs of the staff pages: the operations alert every five minutes (``operations.operations_alert``)."""

from __future__ import annotations

from procrastinate.contrib.django import app

from geo_portal.staff.operations import operations_alert

ALERT_TASK = "staff.operations_alert"


@app.periodic(cron="*/5 * * * *")
@app.task(name=ALERT_TASK, queueing_lock=ALERT_TASK)
def operations_alert_job(timestamp: int) -> dict[str, list[str]]:
    """Check the worker, backlog, failed jobs and imports (and what other apps registered); alert once per incident."""
    run = operations_alert()
    return {"opened": list(run.opened), "closed": list(run.closed), "alerted": list(run.alerted)}
