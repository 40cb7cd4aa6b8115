"""The queue itself on a real worker: retries with backoff, recorded errors, queueing locks, periodic prunes, staff view.

A job is made to fail for real: another connection holds a lock on the links table, so the link job's statement
times out (an OperationalError, which is retried). The scheduled time of the retry is moved to now between runs
instead of waiting for it.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import psycopg
import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from procrastinate.contrib.django import app
from procrastinate.contrib.django.models import ProcrastinateJob
from procrastinate.contrib.django.utils import connector_params

from geo_portal.buildings.tasks import LINK_IMPORTED_PLATES_TASK
from geo_portal.jobs.models import JobError
from geo_portal.jobs.queue import defer
from geo_portal.jobs.selectors import jobs_summary
from geo_portal.jobs.tasks import PRUNE_JOBS_TASK
from geo_portal.publicmap.models import CachedTile
from geo_portal.publicmap.tasks import PRUNE_TILE_CACHE_TASK, prune_tile_cache
from tests.jobs.conftest import job_rows

pytestmark = pytest.mark.django_db(transaction=True)


def seconds_until_scheduled(job_id: int) -> float:
    with connection.cursor() as cur:
        cur.execute("SELECT extract(epoch FROM scheduled_at - now()) FROM procrastinate_jobs WHERE id = %s", [job_id])
        return float(cur.fetchone()[0])


def make_due_now(job_id: int) -> None:
    with connection.cursor() as cur:  # procrastinate's models are read-only: plain SQL
        cur.execute("UPDATE procrastinate_jobs SET scheduled_at = now() WHERE id = %s", [job_id])


def test_a_lock_timeout_is_retried_with_growing_waits_then_fails_with_its_error_recorded(run_worker, settings):
    settings.JOBS_LOCK_TIMEOUT_MS = 50
    job_id = defer(LINK_IMPORTED_PLATES_TASK, since_batch_id=1)
    holder = psycopg.connect(**connector_params())  # a long import, as far as the job can tell
    try:
        holder.execute("LOCK TABLE buildings_platebuilding IN ACCESS EXCLUSIVE MODE")
        waits = []
        for _ in range(6):
            run_worker()
            job = ProcrastinateJob.objects.get(pk=job_id)
            if job.status != "todo":
                break
            waits.append(seconds_until_scheduled(job_id))
            make_due_now(job_id)
    finally:
        holder.close()
    # Waits of 5 ** (retries so far + 1) seconds, measured a moment after each failure.
    assert [round(w) for w in waits] == [5, 25, 125, 625]
    assert all(expected - 2 < w <= expected for w, expected in zip(waits, [5, 25, 125, 625], strict=True))
    job = ProcrastinateJob.objects.get(pk=job_id)
    assert (job.status, job.attempts) == ("failed", 5)
    errors = list(JobError.objects.filter(job_id=job_id).order_by("attempt"))
    assert [e.attempt for e in errors] == [1, 2, 3, 4, 5]
    assert {e.error_type for e in errors} == {"django.db.utils.OperationalError"}
    assert all("lock timeout" in e.message for e in errors)
    summary = jobs_summary()
    assert summary.counts == {"todo": 0, "doing": 0, "succeeded": 0, "failed": 1, "cancelled": 0, "aborted": 0}
    assert summary.failed_last_day == 1
    [failed] = summary.recent_failures
    assert (failed.id, failed.task_name, failed.attempts, failed.error_type) == (
        job_id,
        LINK_IMPORTED_PLATES_TASK,
        5,
        "django.db.utils.OperationalError",
    )
    assert "canceling statement due to lock timeout" in failed.error


def test_an_error_a_retry_cannot_fix_fails_at_once(run_worker):
    job_id = defer(LINK_IMPORTED_PLATES_TASK, batch=1)  # wrong argument name: a bug, not a transient error
    run_worker()
    job = ProcrastinateJob.objects.get(pk=job_id)
    assert (job.status, job.attempts) == ("failed", 1)
    [error] = JobError.objects.filter(job_id=job_id)
    assert (error.attempt, error.error_type) == (1, "builtins.TypeError")
    assert "batch" in error.message


def test_the_queueing_lock_refuses_a_second_waiting_job_but_not_one_after_the_first_ran(run_worker):
    first = defer(LINK_IMPORTED_PLATES_TASK, since_batch_id=1)
    assert first is not None
    assert defer(LINK_IMPORTED_PLATES_TASK, since_batch_id=2) is None
    assert [(args, status) for _, args, status, _ in job_rows()] == [({"since_batch_id": 1}, "todo")]
    run_worker()
    assert defer(LINK_IMPORTED_PLATES_TASK, since_batch_id=2) is not None
    assert [(args, status) for _, args, status, _ in job_rows()] == [
        ({"since_batch_id": 1}, "succeeded"),
        ({"since_batch_id": 2}, "todo"),
    ]


def cached_tile(x: int) -> CachedTile:
    """A stored tile; its version columns (owned by the tile cache, and changing with it) get placeholder values."""
    values: dict = {"layer": "plates", "z": 18, "x": x, "y": 1, "etag": '"e"', "content": b"t"}
    for field in CachedTile._meta.concrete_fields:
        if field.name in values or field.primary_key or field.null or field.has_default() or field.name == "created_at":
            continue
        values[field.name] = "1" if field.get_internal_type() == "CharField" else 1
    return CachedTile.objects.create(**values)


def test_the_nightly_tile_prune_removes_exactly_the_tiles_older_than_the_maximum_age(run_worker, settings):
    settings.TILE_CACHE_MAX_AGE_DAYS = 30
    scheduled = datetime(2026, 12, 1, 19, 41, tzinfo=UTC)
    cutoff = scheduled - timedelta(days=30)
    ages = {
        1: cutoff - timedelta(days=1),
        2: cutoff - timedelta(seconds=1),
        3: cutoff,  # exactly the maximum age: kept
        4: scheduled - timedelta(hours=1),
    }
    for x, created in ages.items():
        tile = cached_tile(x)
        CachedTile.objects.filter(pk=tile.pk).update(created_at=created)  # update() leaves auto_now alone
    key = (PRUNE_TILE_CACHE_TASK, "")
    assert app.periodic_registry.periodic_tasks[key].cron == "41 3 * * *"
    prune_tile_cache.defer(timestamp=int(scheduled.timestamp()))
    run_worker()
    assert sorted(CachedTile.objects.values_list("x", flat=True)) == [3, 4]
    assert [status for _, _, status, _ in job_rows()] == ["succeeded"]


def test_the_nightly_job_prune_removes_finished_jobs_and_their_errors_past_the_keep_days(run_worker, settings):
    settings.JOBS_KEEP_DAYS = 30
    old_ok = defer(LINK_IMPORTED_PLATES_TASK, since_batch_id=1)
    run_worker()
    old_failed = defer(LINK_IMPORTED_PLATES_TASK, batch=1)
    run_worker()
    recent_failed = defer(LINK_IMPORTED_PLATES_TASK, batch=2)
    run_worker()
    with connection.cursor() as cur:
        cur.execute(
            "UPDATE procrastinate_events SET at = at - interval '31 days' WHERE job_id = ANY(%s)", [[old_ok, old_failed]]
        )
    prune = app.configure_task(name=PRUNE_JOBS_TASK).defer(timestamp=int(datetime.now(UTC).timestamp()))
    run_worker()
    assert set(ProcrastinateJob.objects.values_list("id", "status")) == {
        (recent_failed, "failed"),
        (prune, "succeeded"),
    }
    assert set(JobError.objects.values_list("job_id", flat=True)) == {recent_failed}


def test_staff_see_jobs_and_errors_read_only_in_the_admin(run_worker, client):
    job_id = defer(LINK_IMPORTED_PLATES_TASK, batch=1)
    run_worker()
    users = get_user_model()
    clerk = users.objects.create_user(username="clerk", password="x-secret-42", is_staff=True)
    client.force_login(clerk)
    listing = client.get("/admin/procrastinate/procrastinatejob/")
    assert listing.status_code == 200
    assert "link_imported_plates" in listing.content.decode()
    assert 'name="action"' not in listing.content.decode()  # retry/cancel/abort: superusers only
    page = client.get(f"/admin/procrastinate/procrastinatejob/{job_id}/change/")
    body = page.content.decode()
    assert page.status_code == 200
    assert "builtins.TypeError" in body and "batch" in body
    assert 'name="_save"' not in body  # nothing to save: read-only
    assert client.get("/admin/jobs/joberror/").status_code == 200
    assert client.post(f"/admin/procrastinate/procrastinatejob/{job_id}/delete/").status_code == 403

    citizen = users.objects.create_user(username="citizen", password="x-secret-42")
    client.force_login(citizen)
    assert client.get("/admin/procrastinate/procrastinatejob/").status_code == 302  # to the admin login
