"""Jobs of the census: release claims past their expiry every minute (each recorded as a lapse), so a task a
surveyor left is free for others even if nobody opens it."""

from __future__ import annotations

from procrastinate.contrib.django import app

from geo_portal.census.services import release_lapsed_claims

RELEASE_LAPSED_TASK = "census.release_lapsed_claims"


@app.periodic(cron="* * * * *")
@app.task(name=RELEASE_LAPSED_TASK, queueing_lock=RELEASE_LAPSED_TASK)
def release_lapsed(timestamp: int) -> int:
    """Release every lapsed claim; returns how many."""
    return release_lapsed_claims()
