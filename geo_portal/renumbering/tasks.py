"""The daily job of renumbering: apply every approved plan whose effective date has come (``plans_apply_due``).

Each plan is applied in its own transaction by ``services.plan_apply`` (a failure is recorded on the plan and the
other plans still run). Run at 00:10, so the plans of the day are in force when the office opens.
"""

from __future__ import annotations

import logging

from procrastinate.contrib.django import app

from geo_portal.renumbering.services import plans_apply_due

logger = logging.getLogger(__name__)

APPLY_DUE_TASK = "renumbering.apply_due"


@app.periodic(cron="10 0 * * *")
@app.task(name=APPLY_DUE_TASK, queueing_lock=APPLY_DUE_TASK, lock=APPLY_DUE_TASK)
def apply_due(timestamp: int) -> dict[str, int]:
    counts = plans_apply_due()
    logger.info("renumbering plans due: %s", counts)
    return counts
