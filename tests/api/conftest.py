"""The job-queue fixtures (an empty queue, a real worker) for the batch job tests."""

from tests.jobs.conftest import queue, run_worker  # noqa: F401 (fixtures)
