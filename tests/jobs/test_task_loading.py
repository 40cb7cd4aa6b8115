"""Task modules are imported by the worker and by a deferral, not at start-up (geo_portal.jobs.queue).

Run in a fresh process: the test process itself has imported most task modules by collecting the tests.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

_SCRIPT = """
import json, sys
import django
django.setup()
from procrastinate.contrib.django import app
from procrastinate.exceptions import TaskNotFound
from geo_portal.jobs.queue import _deferrer, task_modules

def loaded():
    return sorted(name for name in sys.modules if name.startswith("geo_portal.") and name.endswith(".tasks"))

out = {"modules": task_modules(), "at_start": loaded()}
deferrer = _deferrer("buildings.link_imported_plates")
out["after_defer"] = loaded()
out["deferred_lock"] = deferrer.job.queueing_lock
try:
    _deferrer("buildings.no_such_task")
except TaskNotFound:
    out["unknown"] = "TaskNotFound"
out["after_unknown"] = loaded()
app.perform_import_paths()
out["after_worker_import"] = loaded()
out["periodic"] = sorted(t.task.name for t in app.periodic_registry.periodic_tasks.values())
out["tasks"] = sorted(app.tasks)
print(json.dumps(out))
"""


def _run() -> dict:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "geo_portal.config.settings.test"}
    done = subprocess.run([sys.executable, "-c", _SCRIPT], cwd=ROOT, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_task_modules_load_on_demand():
    out = _run()
    every = [f"geo_portal.{app}.tasks" for app in (
        "addresses", "api", "buildings", "census", "changes", "core", "jobs", "notifications", "publicmap",
        "reissue", "renumbering", "reports", "staff",
    )]  # fmt: skip
    assert sorted(out["modules"]) == every
    # Nothing at start-up; deferring a task imports its own app's module only.
    assert out["at_start"] == []
    assert out["after_defer"] == ["geo_portal.buildings.tasks"]
    assert out["deferred_lock"] == "buildings.link_imported_plates"
    # A name no module registers is looked up after importing them all, then refused.
    assert out["unknown"] == "TaskNotFound"
    assert out["after_unknown"] == every
    # The worker's import (run_worker) sees every task and schedule, as autodiscovery did.
    assert out["after_worker_import"] == every
    assert {"buildings.link_imported_plates", "addresses.assign_imported_zip_codes", "jobs.prune_finished_jobs",
            "publicmap.prune_tile_cache", "reissue.remind_overdue"} <= set(out["tasks"])  # fmt: skip
    assert out["periodic"] == [
        "api.purge_expired_batches", "census.release_lapsed_claims", "changes.prune_events", "core.backup_database",
        "jobs.prune_finished_jobs", "notifications.digests", "notifications.dispatch", "publicmap.prune_tile_cache",
        "reissue.remind_overdue", "renumbering.apply_due", "reports.purge_personal_data", "staff.operations_alert",
    ]  # fmt: skip
