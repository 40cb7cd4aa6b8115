"""The job-queue fixtures (an empty queue, a real worker) for the batch job tests; the small mapped district of the
public-map tests for the answer cache's."""

from tests.jobs.conftest import queue, run_worker  # noqa: F401 (fixtures)
from tests.publicmap.conftest import change_log, mapped  # noqa: F401 (fixtures)
