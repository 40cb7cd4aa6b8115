"""Fixtures of the staff pages' tests: the real job worker and an empty queue (tests/jobs), a real SMTP server
(tests/reissue)."""

from tests.jobs.conftest import queue, run_worker  # noqa: F401
from tests.reissue.conftest import smtp  # noqa: F401
