"""kill -9 of the job worker in the middle of a delivery run: every event still arrives, and a message that arrives
twice carries the same webhook-id both times. The worker is the real ``manage.py procrastinate worker`` process on
the test database; the dispatcher runs inside it (its chain of jobs), nothing is started by hand after the kill."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from django.db import connection
from procrastinate.contrib.django import app

from geo_portal.core.dsn import database_url
from geo_portal.notifications.models import Message
from geo_portal.notifications.queueing import DISPATCH_TASK
from tests.notifications.conftest import new_plate

pytestmark = pytest.mark.django_db(transaction=True)
ROOT = Path(__file__).resolve().parents[2]
PLATES = 120


def start_worker(log: Path) -> subprocess.Popen:
    url = database_url(connection.settings_dict)
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": "geo_portal.config.settings.test",
        "GEO_PORTAL_NOTIFICATIONS_DISPATCH_SECONDS": "2",
        "GEO_PORTAL_NOTIFICATIONS_RETRY_SCHEDULE": ",".join(["0.2"] * 10),
        "GEO_PORTAL_NOTIFICATIONS_READ_TIMEOUT": "2",
    }
    return subprocess.Popen(
        [sys.executable, "manage.py", "procrastinate", "worker", "--concurrency", "4"],
        cwd=ROOT, env=env, stdout=log.open("ab"), stderr=subprocess.STDOUT,
    )  # fmt: skip


def wait_for(condition, timeout: float) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if condition():
            return True
        time.sleep(0.1)
    return False


def test_kill_9_mid_run_loses_nothing_and_repeats_only_the_same_webhook_id(
    street, make_agency, subscribe, queue, settings, tmp_path
):
    log = tmp_path / "worker.log"
    assert "test" in settings.DATABASES["default"]["NAME"]
    sub, receiver, _ = subscribe(make_agency(), ["plate.created"], fail=lambda n, mid: time.sleep(0.02))
    plates = [new_plate(street, n) for n in range(1001, 1001 + 2 * PLATES, 2)]
    app.configure_task(name=DISPATCH_TASK, allow_unknown=False).defer(timestamp=0)  # as the schedule would
    worker = start_worker(log)
    try:
        assert wait_for(lambda: len(receiver.received.messages) >= PLATES // 4, 60), (
            f"the first worker delivered nothing: {log.read_text()[-3000:]}"
        )
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait(10)
        at_kill = len(receiver.received.messages)
        assert at_kill < PLATES, "the run ended before the kill: nothing was tested"
        restart = time.monotonic()
        worker = start_worker(log)
        assert wait_for(lambda: len(receiver.received.messages) == PLATES, 120), (
            f"{len(receiver.received.messages)} of {PLATES} arrived"
        )
    finally:
        worker.send_signal(signal.SIGTERM)
        try:
            worker.wait(20)
        except subprocess.TimeoutExpired:
            worker.kill()
    print(f"restart to all delivered: {time.monotonic() - restart:.1f} s")
    print(f"kill after {at_kill} of {PLATES}; {len(receiver.received.ids)} deliveries")  # shown with -s
    messages = list(Message.objects.filter(subscription=sub).order_by("id"))
    # One message per event, each with its own webhook-id; the receiver kept each exactly once, in order.
    assert len(messages) == PLATES
    assert [m.msg_id for m in messages] == list(receiver.received.messages)
    assert [p["data"]["plate_id"] for p in receiver.received.messages.values()] == [p.pk for p in plates]
    repeats = Counter(receiver.received.ids) - Counter(set(receiver.received.ids))
    assert set(repeats) <= {m.msg_id for m in messages}
    assert len(receiver.received.ids) == PLATES + sum(repeats.values())
