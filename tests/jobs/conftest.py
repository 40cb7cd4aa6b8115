"""Fixtures for the job-queue tests: a real procrastinate worker on the test database, an empty queue per test.

The worker needs committed rows, so every test here is a ``transaction=True`` test. procrastinate's tables are
unmanaged by Django (its migrations create them), so Django's flush between tests leaves them: emptied here.
"""

from __future__ import annotations

import pytest
from django.db import connection, connections
from procrastinate.contrib.django import app
from procrastinate.contrib.django.models import ProcrastinateJob


def _empty_queue() -> None:
    with connection.cursor() as cur:
        cur.execute(
            "TRUNCATE procrastinate_events, procrastinate_periodic_defers, procrastinate_jobs, procrastinate_workers "
            "RESTART IDENTITY CASCADE"
        )


@pytest.fixture
def queue(transactional_db):
    """An empty queue before and after the test."""
    _empty_queue()
    yield
    _empty_queue()


@pytest.fixture
def run_worker(queue, monkeypatch):
    """Run a real worker (its own psycopg connection, as ``manage.py procrastinate worker``) until no job is ready.

    Tasks run in the worker's threads, each with its own Django connection; without persistent connections the
    worker closes them after each task, so none is left open when the test database is dropped.
    """
    monkeypatch.setitem(connections.databases["default"], "CONN_MAX_AGE", 0)
    # Schedules that run within the hour (the census's release of lapsed claims every minute, the operations alert
    # every five) would be deferred by every worker run and change the queue these tests count; their own tests
    # (tests/census/test_jobs.py, tests/staff) run them with the schedule in place. The task modules first: a
    # process imports them when its worker starts, which would register the schedules after this pruning.
    app.perform_import_paths()
    for key, task in list(app.periodic_registry.periodic_tasks.items()):
        if not task.cron.split()[0].isdigit():
            monkeypatch.delitem(app.periodic_registry.periodic_tasks, key)

    def run() -> None:
        with app.replace_connector(app.connector.get_worker_connector()):
            app.run_worker(wait=False, install_signal_handlers=False, listen_notify=False)

    return run


def job_rows() -> list[tuple]:
    """(task name, args, status, attempts) of every job, in the order they were queued."""
    return list(ProcrastinateJob.objects.order_by("id").values_list("task_name", "args", "status", "attempts"))
