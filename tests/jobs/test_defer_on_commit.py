"""``defer_on_commit``: the job is queued once the caller's transaction commits, never on a rollback, and a failure
to queue is logged under the task's name instead of breaking the caller (the committed work stays committed).

A task name the queue does not know makes queueing fail for real (procrastinate refuses it with TaskNotFound).
"""

from __future__ import annotations

import logging

import pytest
from django.db import transaction

from geo_portal.buildings.tasks import LINK_IMPORTED_PLATES_TASK
from geo_portal.jobs.queue import defer_on_commit
from tests.jobs.conftest import job_rows

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_job_is_queued_when_the_transaction_commits_and_not_before(queue):
    with transaction.atomic():
        defer_on_commit(LINK_IMPORTED_PLATES_TASK, since_batch_id=7)
        assert job_rows() == []
    assert job_rows() == [(LINK_IMPORTED_PLATES_TASK, {"since_batch_id": 7}, "todo", 0)]


def test_a_rolled_back_transaction_queues_nothing(queue):
    with pytest.raises(RuntimeError), transaction.atomic():
        defer_on_commit(LINK_IMPORTED_PLATES_TASK, since_batch_id=7)
        raise RuntimeError("the caller's work failed")
    assert job_rows() == []


def test_a_failure_to_queue_after_commit_is_logged_with_the_task_name_and_not_raised(queue, caplog):
    caplog.set_level(logging.ERROR, logger="django.db.backends.base")
    with transaction.atomic():
        defer_on_commit("no_such.task", case_id=1)
    # The commit went through; the callback's failure was logged, not an AttributeError about __qualname__.
    [record] = [r for r in caplog.records if r.name == "django.db.backends.base"]
    assert record.getMessage().startswith("Error calling defer_on_commit(no_such.task) in on_commit() during transaction (")
    assert record.exc_info[0].__name__ == "TaskNotFound"
    assert job_rows() == []


def test_outside_a_transaction_a_failure_to_queue_is_logged_at_once(queue, caplog):
    caplog.set_level(logging.ERROR, logger="django.db.backends.base")
    defer_on_commit("no_such.task", case_id=1)
    [record] = [r for r in caplog.records if r.name == "django.db.backends.base"]
    assert record.getMessage().startswith("Error calling defer_on_commit(no_such.task) in on_commit() (")
    assert record.exc_info[0].__name__ == "TaskNotFound"
    assert job_rows() == []
