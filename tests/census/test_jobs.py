"""The worker releases lapsed claims: the every-minute job on a real procrastinate worker."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection, connections
from django.utils import timezone
from procrastinate.contrib.django import app

from geo_portal.census.models import Task
from geo_portal.census.services import task_claim
from geo_portal.census.tasks import RELEASE_LAPSED_TASK, release_lapsed


@pytest.fixture
def worker(transactional_db, monkeypatch):
    monkeypatch.setitem(connections.databases["default"], "CONN_MAX_AGE", 0)
    # Only this app's schedule: other apps' (the notifications dispatcher chains itself and never lets a worker
    # run "until idle" finish) are tested where they belong. The task modules first: the worker imports them when it
    # starts, which would register their schedules after this pruning (the test hung when run on its own).
    app.perform_import_paths()
    for key, task in list(app.periodic_registry.periodic_tasks.items()):
        if task.task.name != RELEASE_LAPSED_TASK:
            monkeypatch.delitem(app.periodic_registry.periodic_tasks, key)

    def empty() -> None:
        with connection.cursor() as cur:
            cur.execute(
                "TRUNCATE procrastinate_events, procrastinate_periodic_defers, procrastinate_jobs RESTART IDENTITY CASCADE"
            )

    empty()

    def run() -> None:
        with app.replace_connector(app.connector.get_worker_connector()):
            app.run_worker(wait=False, install_signal_handlers=False, listen_notify=False)

    yield run
    empty()


def test_the_worker_releases_a_lapsed_claim_and_records_it(campaign, staff, worker):
    assert app.periodic_registry.periodic_tasks[(RELEASE_LAPSED_TASK, "")].cron == "* * * * *"
    now = timezone.now()
    held = task_claim(task_id=campaign.tasks.get(number=1).pk, user=staff["surveyor"], now=now - dt.timedelta(hours=9))
    live = task_claim(task_id=campaign.tasks.get(number=3).pk, user=staff["surveyor2"], now=now)
    release_lapsed.defer(timestamp=int(now.timestamp()))
    worker()
    held.refresh_from_db()
    live.refresh_from_db()
    assert (held.state, held.assignee_id, live.state) == (Task.State.READY, None, Task.State.CLAIMED)
    assert list(held.transitions.values_list("action", "actor")) == [("claim", staff["surveyor"].pk), ("lapse", None)]
