"""Operations: /healthz and the administrators' panel on the staff home report the job worker (heartbeat), the
backlog, failed jobs and failed imports, plus checks other apps register (the hook the notifications app uses for
dead-lettered deliveries); the alert job e-mails administrators once per incident, through a real SMTP server and
the real worker."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone
from procrastinate.contrib.django import app

from geo_portal.core import health
from geo_portal.core.models import Incident
from geo_portal.ingest.models import ImportBatch
from geo_portal.staff.operations import operations_alert
from geo_portal.staff.tasks import ALERT_TASK
from tests.accounts.factories import make_staff

ALL_OK = [
    "ok",
    "worker ok: Last heartbeat 0 s ago.",
    "backlog ok: No job waiting.",
    "failed_jobs ok: 0 jobs failed in the last 24 hours.",
    "failed_imports ok: 0 import batches failed in the last 24 hours.",
]


@pytest.fixture(autouse=True)
def _staff_checks_only(monkeypatch):
    """The staff app's four checks, without what other apps registered (each tests its own)."""
    mine = ("worker", "backlog", "failed_jobs", "failed_imports")
    monkeypatch.setattr(health, "_CHECKS", {name: health._CHECKS[name] for name in mine})


def sql(statement: str, params: list | None = None) -> None:
    with connection.cursor() as cursor:
        cursor.execute(statement, params or [])


def heartbeat(seconds_ago: int = 0) -> None:
    sql("INSERT INTO procrastinate_workers (last_heartbeat) VALUES (now() - %s * interval '1 second')", [seconds_ago])


def failed_import() -> ImportBatch:
    return ImportBatch.objects.create(
        kind="doorplates", source_name="a.csv", source_sha256="0" * 64, status="failed", started_at=timezone.now()
    )


def lines(client) -> list[str]:
    """The report's lines; ages within two seconds of what the test set read as the test set them (the check
    runs a moment after the row was written)."""
    response = client.get("/healthz", HTTP_ACCEPT_LANGUAGE="zh-hant")
    assert response.status_code == 200 and response["Cache-Control"].startswith("max-age=0")
    text = re.sub(r"Last heartbeat [0-2] s ago", "Last heartbeat 0 s ago", response.content.decode())
    text = re.sub(r"Last heartbeat 30[0-2] s ago", "Last heartbeat 300 s ago", text)
    text = re.sub(r"the oldest for 360[0-2] s\.", "the oldest for 3600 s.", text)
    return text.splitlines()


def test_healthz_reports_each_check(client, queue):
    assert lines(client)[:2] == ["degraded", "worker FAILING: No job worker is running."]
    heartbeat(seconds_ago=0)
    assert lines(client) == ALL_OK
    sql("UPDATE procrastinate_workers SET last_heartbeat = now() - interval '300 seconds'")
    assert lines(client)[1] == "worker FAILING: Last heartbeat 300 s ago."
    sql("UPDATE procrastinate_workers SET last_heartbeat = now()")

    job = app.configure_task("reports.purge_personal_data").defer(timestamp=0)
    assert lines(client)[2].startswith("backlog ok: 1 jobs waiting, the oldest for ")
    sql("UPDATE procrastinate_events SET at = now() - interval '1 hour' WHERE job_id = %s", [job])
    assert lines(client)[2] == "backlog FAILING: 1 jobs waiting, the oldest for 3600 s."
    sql("UPDATE procrastinate_jobs SET status = 'doing' WHERE id = %s", [job])
    sql("UPDATE procrastinate_jobs SET status = 'failed' WHERE id = %s", [job])
    failed_import()
    assert lines(client) == [
        "degraded",
        "worker ok: Last heartbeat 0 s ago.",
        "backlog ok: No job waiting.",
        "failed_jobs FAILING: 1 jobs failed in the last 24 hours.",
        "failed_imports FAILING: 1 import batches failed in the last 24 hours.",
    ]


@pytest.fixture
def extra_check():
    """A check registered by another app, as the notifications app registers its dead-lettered deliveries."""
    state = {"dead": 0}

    def dead_letters() -> health.CheckResult:
        if state["dead"] < 0:
            raise RuntimeError("secret detail")
        return health.CheckResult(ok=state["dead"] == 0, summary=f"{state['dead']} deliveries dead-lettered.")

    health.register("dead_letters", "Dead-lettered deliveries", dead_letters)
    yield state
    health.unregister("dead_letters")


def test_other_apps_add_checks_and_a_broken_check_is_failing(client, queue, extra_check):
    heartbeat()
    assert lines(client) == [*ALL_OK, "dead_letters ok: 0 deliveries dead-lettered."]
    extra_check["dead"] = 3
    assert lines(client)[0] == "degraded" and lines(client)[-1] == "dead_letters FAILING: 3 deliveries dead-lettered."
    extra_check["dead"] = -1
    assert lines(client)[-1] == "dead_letters FAILING: the check itself failed (RuntimeError)"


def test_the_administrators_panel_on_the_staff_home(client, queue):
    heartbeat()
    failed_import()
    client.force_login(make_staff("ops-both", "administrator", "clerk"))
    html = client.get("/staff/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<li id="check-worker"><span class="staff-check staff-check-ok">OK</span> <strong>Job worker</strong>' in html
    assert (
        '<li id="check-failed_imports"><span class="staff-check staff-check-failing">Needs attention</span>'
        " <strong>Failed imports</strong> 1 import batches failed in the last 24 hours.</li>"
    ) in html


def test_clerks_do_not_see_the_panel(client, queue):
    client.force_login(make_staff("ops-clerk-only", "clerk"))
    assert 'id="operations"' not in client.get("/staff/").content.decode()


def admins_with_mail():
    first = make_staff("ops-ann", "administrator")
    first.email = "ann@example.tw"
    first.save()
    second = make_staff("ops-bob", "administrator")
    second.email = "bob@example.tw"
    second.save()
    clerk = make_staff("ops-cid", "clerk")
    clerk.email = "cid@example.tw"
    clerk.save()


def test_one_e_mail_per_incident_until_it_is_over(smtp, queue):
    admins_with_mail()
    heartbeat()
    batch = failed_import()
    first = operations_alert()
    assert (first.opened, first.alerted) == (("failed_imports",), ("failed_imports",))
    assert len(smtp.messages) == 1
    sender, recipients, _content = smtp.messages[0]
    assert recipients == ["ann@example.tw", "bob@example.tw"]  # administrators only, not the clerk
    assert sender == "office@example.tw"

    again = operations_alert()  # still failing: no second e-mail
    assert (again.opened, again.alerted, len(smtp.messages)) == ((), (), 1)

    ImportBatch.objects.filter(pk=batch.pk).update(started_at=timezone.now() - timedelta(days=2))
    over = operations_alert()
    assert over.closed == ("failed_imports",)
    assert Incident.objects.get().closed_at is not None

    failed_import()  # a new incident: a new e-mail
    assert operations_alert().alerted == ("failed_imports",)
    assert len(smtp.messages) == 2
    assert list(Incident.objects.order_by("id").values_list("check_name", flat=True)) == ["failed_imports"] * 2


def test_the_alert_job_is_scheduled_every_five_minutes():
    schedules = [(p.task.name, p.cron) for p in app.periodic_registry.periodic_tasks.values()]
    assert (ALERT_TASK, "*/5 * * * *") in schedules


def test_the_alert_job_runs_on_the_real_queue(smtp, run_worker, settings):
    settings.LANGUAGE_CODE = "en"
    admins_with_mail()
    failed_import()
    job = app.configure_task(ALERT_TASK).defer(timestamp=0)
    run_worker()  # (its scheduler may defer the every-5-minutes run too: that one finds the incident alerted)
    with connection.cursor() as cursor:
        cursor.execute("SELECT status FROM procrastinate_jobs WHERE id = %s", [job])
        assert cursor.fetchall() == [("succeeded",)]
    assert len(smtp.messages) == 1
    body = smtp.messages[0][2].decode()
    assert "Failed imports went wrong at " in body
    assert "1 import batches failed in the last 24 hours." in body
    assert Incident.objects.get(check_name="failed_imports").alerted_at is not None
