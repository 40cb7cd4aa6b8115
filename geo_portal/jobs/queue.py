"""What every task shares: the retry policy, deferral by task name after commit, lock timeouts, error recording.

Services call ``defer_on_commit`` to queue a job once their transaction commits, naming the task by its string
name so that a lower app can start a higher app's job without importing it (``addresses`` starts the
``buildings`` link job). Tasks use ``RETRY_TRANSIENT`` and ``lock_timeout``. ``on_app_ready`` (the setting
``PROCRASTINATE_ON_APP_READY``) installs ``record_job_errors`` in every worker, which writes ``models.JobError``.

Task modules are not imported at start-up (``PROCRASTINATE_AUTODISCOVER_MODULE_NAME`` is off): they import most
of the project's services, PDF and mail code, which every command, web and worker process paid for (~0.3 s) and
few need. ``on_app_ready`` hands procrastinate every app's ``tasks`` module as an import path instead, imported
when the worker starts (``run_worker``) or a task is looked up by name; ``defer`` first imports only the module of
the app the task name starts with (``buildings.link_imported_plates`` → ``geo_portal.buildings.tasks``).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import import_module
from typing import Any

from django.apps import apps
from django.conf import settings
from django.db import InterfaceError, OperationalError, connection, transaction
from django.utils.module_loading import module_has_submodule
from procrastinate import App, JobContext, RetryStrategy
from procrastinate.contrib.django import app
from procrastinate.exceptions import AlreadyEnqueued
from procrastinate.jobs import JobDeferrer

from geo_portal.jobs.models import JobError

logger = logging.getLogger(__name__)

# Retried: what a later attempt can get past — a lock timeout, a deadlock or serialization failure, a lost
# connection (OperationalError / InterfaceError). Not retried: bad input or a bug, which fail the same way again.
# procrastinate waits exponential_wait ** (retries so far + 1) seconds: 5 s, 25 s, 125 s, 625 s, then the job
# is ``failed`` after 5 attempts in about 13 minutes.
RETRY_TRANSIENT = RetryStrategy(max_attempts=4, exponential_wait=5, retry_exceptions=[OperationalError, InterfaceError])

MESSAGE_MAX_CHARS = 2000
TASKS_MODULE = "tasks"


def task_modules() -> list[str]:
    """The ``tasks`` module of every installed app that has one (what procrastinate's autodiscovery would import)."""
    return [
        f"{config.name}.{TASKS_MODULE}"
        for config in apps.get_app_configs()
        if config.module is not None and module_has_submodule(config.module, TASKS_MODULE)
    ]


def _deferrer(task_name: str) -> JobDeferrer:
    """The task ``task_name`` configured for deferring, importing as few task modules as it takes.

    A task's name starts with its app's label: that app's tasks module registers it. A name that does not follow
    the convention is looked up after importing every tasks module (``configure_task``), as is an unknown one,
    which raises ``TaskNotFound``.
    """
    if task_name not in app.tasks:
        label = task_name.partition(".")[0]
        config = apps.app_configs.get(label)
        if config is not None and module_has_submodule(config.module, TASKS_MODULE):
            import_module(f"{config.name}.{TASKS_MODULE}")
    task = app.tasks.get(task_name)
    if task is not None:
        return task.configure()
    return app.configure_task(name=task_name, allow_unknown=False)


def defer(task_name: str, **task_kwargs: Any) -> int | None:
    """Queue a job of the registered task ``task_name`` now, with the task's own queue and locks.

    Returns the job id, or None when the task's queueing lock refused it (the same job is already waiting,
    and a job reads its work set when it runs, so the waiting one covers this request too).
    """
    deferrer = _deferrer(task_name)
    try:
        return deferrer.defer(**task_kwargs)
    except AlreadyEnqueued:
        logger.info("job %s not queued: one is already waiting (%s)", task_name, task_kwargs)
        return None


def defer_in_transaction(task_name: str, **task_kwargs: Any) -> int | None:
    """Queue a job of ``task_name`` as part of the current transaction (a transactional outbox for jobs).

    procrastinate's Django connector writes the job row through Django's own connection: the job commits with
    the work that asked for it, or not at all, and no worker sees it before that commit. A job already waiting
    (queueing lock) is not an error: the savepoint keeps the caller's transaction usable.
    """
    try:
        with transaction.atomic():
            return _deferrer(task_name).defer(**task_kwargs)
    except AlreadyEnqueued:
        logger.info("job %s not queued: one is already waiting (%s)", task_name, task_kwargs)
        return None


def defer_on_commit(task_name: str, **task_kwargs: Any) -> None:
    """Queue a job of ``task_name`` once the current transaction commits (at once outside a transaction).

    A failure to queue is logged, not raised: the caller's work is committed by then, and each job has a
    command to run it by hand (``link_plates``, ``assign_zip_codes``).
    """

    def queue_job() -> None:
        defer(task_name, **task_kwargs)

    # Django logs a robust callback's failure under its ``__qualname__``: a functools.partial has none (the
    # logging itself then raised AttributeError), and a name with the task in it says which job was lost.
    queue_job.__qualname__ = f"defer_on_commit({task_name})"
    transaction.on_commit(queue_job, robust=True)


@contextmanager
def lock_timeout() -> Iterator[None]:
    """Inside ``transaction.atomic``: stop waiting for a lock after ``settings.JOBS_LOCK_TIMEOUT_MS``.

    A job blocked by a long import then fails with an OperationalError and is retried later with backoff,
    instead of holding the worker for as long as the import runs.
    """
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config('lock_timeout', %s, true)", [f"{int(settings.JOBS_LOCK_TIMEOUT_MS)}ms"])
    yield


def _error_row(context: JobContext, exc: BaseException) -> JobError:
    job = context.job
    return JobError(
        job_id=job.id,
        task_name=job.task_name[:128],
        attempt=job.attempts + 1,
        error_type=f"{type(exc).__module__}.{type(exc).__qualname__}"[:200],
        message=str(exc)[:MESSAGE_MAX_CHARS],
    )


def record_job_errors(call_next, context: JobContext, worker) -> Any:
    """Worker middleware for sync tasks: record the exception of a failed attempt, then let it propagate."""
    try:
        return call_next()
    except Exception as exc:
        try:
            # The task's own transaction has rolled back by now; this row commits on its own.
            _error_row(context, exc).save()
        except Exception:  # never hide the task's error behind a failure to record it
            logger.exception("could not record the error of job %s", context.job.id)
        raise


async def record_job_errors_async(call_next, context: JobContext, worker) -> Any:
    """Worker middleware for async tasks: as ``record_job_errors``."""
    try:
        return await call_next()
    except Exception as exc:
        try:
            await _error_row(context, exc).asave()
        except Exception:
            logger.exception("could not record the error of job %s", context.job.id)
        raise


def on_app_ready(procrastinate_app: App) -> None:
    """Called by procrastinate's Django app once it is built: every worker records job errors; the tasks modules
    are import paths, imported by the worker or a lookup by name rather than at start-up (module docstring)."""
    procrastinate_app.import_paths = [*procrastinate_app.import_paths, *task_modules()]
    defaults = procrastinate_app.worker_defaults
    existing = list(defaults.get("task_middleware") or [])
    defaults["task_middleware"] = [*existing, record_job_errors, record_job_errors_async]
