"""Operations for the people who run the office's platform: the health checks of the job worker, the job backlog,
failed jobs and failed imports (registered in ``core.health`` at start-up), the panel of them on the staff home,
and the alert job's service that e-mails administrators once per incident.

Checks read procrastinate's tables through its read-only models, ``jobs.selectors`` and ``ingest``'s batches; other
apps add their own checks (the notifications app: dead-lettered deliveries) with ``core.health.register``.
Called by ``apps.StaffConfig.ready`` (registration), ``views.home`` (the panel) and ``tasks.operations_alert``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Max, Min, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from procrastinate.contrib.django.models import ProcrastinateEvent, ProcrastinateJob, ProcrastinateWorker

from geo_portal.accounts.roles import Role
from geo_portal.core.health import CheckResult, Outcome, register, run_checks
from geo_portal.core.models import Incident
from geo_portal.ingest.models import ImportBatch
from geo_portal.jobs.selectors import jobs_summary

logger = logging.getLogger(__name__)


def check_worker() -> CheckResult:
    """A job worker has sent a heartbeat recently (procrastinate's workers send one every few seconds)."""
    last = ProcrastinateWorker.objects.aggregate(last=Max("last_heartbeat"))["last"]
    if last is None:
        return CheckResult(ok=False, summary=_("No job worker is running."), count=0)
    age = int((timezone.now() - last).total_seconds())
    ok = age <= settings.OPS_WORKER_HEARTBEAT_MAX_S
    workers = ProcrastinateWorker.objects.filter(
        last_heartbeat__gte=timezone.now() - timedelta(seconds=settings.OPS_WORKER_HEARTBEAT_MAX_S)
    ).count()
    return CheckResult(ok=ok, summary=_("Last heartbeat %(age)s s ago.") % {"age": age}, count=workers)


def check_backlog() -> CheckResult:
    """Jobs due now have not waited longer than OPS_BACKLOG_MAX_WAIT_S."""
    now = timezone.now()
    deferred_at = ProcrastinateEvent.objects.filter(job=OuterRef("pk"), type="deferred").values("at")[:1]
    due = ProcrastinateJob.objects.filter(status="todo").filter(Q(scheduled_at__isnull=True) | Q(scheduled_at__lte=now))
    row = due.annotate(since=Coalesce("scheduled_at", Subquery(deferred_at))).aggregate(oldest=Min("since"))
    count = due.count()
    if not count:
        return CheckResult(ok=True, summary=_("No job waiting."), count=0)
    wait = int((now - row["oldest"]).total_seconds()) if row["oldest"] else 0
    ok = wait <= settings.OPS_BACKLOG_MAX_WAIT_S
    summary = _("%(count)s jobs waiting, the oldest for %(wait)s s.") % {"count": count, "wait": wait}
    return CheckResult(ok=ok, summary=summary, count=count)


def check_failed_jobs() -> CheckResult:
    """No job failed (all its attempts) in the last 24 hours."""
    failed = jobs_summary(limit=0).failed_last_day
    summary = _("%(count)s jobs failed in the last 24 hours.") % {"count": failed}
    return CheckResult(ok=failed == 0, summary=summary, count=failed)


def check_failed_imports() -> CheckResult:
    """No import batch failed in the last 24 hours."""
    since = timezone.now() - timedelta(hours=24)
    failed = ImportBatch.objects.filter(status=ImportBatch.Status.FAILED, started_at__gte=since).count()
    summary = _("%(count)s import batches failed in the last 24 hours.") % {"count": failed}
    return CheckResult(ok=failed == 0, summary=summary, count=failed)


def register_checks() -> None:
    register("worker", gettext_lazy("Job worker"), check_worker)
    register("backlog", gettext_lazy("Job backlog"), check_backlog)
    register("failed_jobs", gettext_lazy("Failed jobs"), check_failed_jobs)
    register("failed_imports", gettext_lazy("Failed imports"), check_failed_imports)


@dataclass(frozen=True)
class AlertRun:
    opened: tuple[str, ...]
    closed: tuple[str, ...]
    alerted: tuple[str, ...]


def administrators_emails() -> list[str]:
    """E-mail addresses of active administrators and superusers, sorted."""
    users = get_user_model().objects.filter(is_active=True).filter(Q(is_superuser=True) | Q(groups__name=Role.ADMINISTRATOR))
    return sorted({email for email in users.values_list("email", flat=True) if email})


@transaction.atomic
def _track(outcomes: list[Outcome], now: datetime) -> tuple[list[Incident], list[str]]:
    """Open an incident for each newly failing check, close those that pass again; returns (new, closed names)."""
    open_ = {i.check_name: i for i in Incident.objects.select_for_update().filter(closed_at__isnull=True)}
    new, closed = [], []
    for outcome in outcomes:
        incident = open_.get(outcome.name)
        if not outcome.result.ok and incident is None:
            new.append(Incident.objects.create(check_name=outcome.name, detail=outcome.result.summary, opened_at=now))
        elif outcome.result.ok and incident is not None:
            incident.closed_at = now
            incident.save(update_fields=["closed_at"])
            closed.append(outcome.name)
    return new, closed


def operations_alert(*, now: datetime | None = None) -> AlertRun:
    """Run every check; e-mail administrators once per incident (a check that starts failing), and close the
    incident when the check passes again. An incident whose e-mail could not be sent is tried again next run."""
    now = now or timezone.now()
    with translation.override(settings.LANGUAGE_CODE):
        outcomes = run_checks()
        new, closed = _track(outcomes, now)
        labels = {o.name: str(o.label) for o in outcomes}
        alerted = []
        recipients = administrators_emails()
        for incident in Incident.objects.filter(closed_at__isnull=True, alerted_at__isnull=True).order_by("opened_at", "id"):
            if not recipients:
                logger.warning("operations incident %s: no administrator has an e-mail address", incident.check_name)
                break
            label = labels.get(incident.check_name, incident.check_name)
            subject = _("[Door-plate platform] %(check)s: needs attention") % {"check": label}
            body = _(
                "%(check)s went wrong at %(when)s:\n%(detail)s\n\nThe staff home shows the operations panel: %(url)s\n"
            ) % {
                "check": label,
                "when": timezone.localtime(incident.opened_at).strftime("%Y-%m-%d %H:%M"),
                "detail": incident.detail,
                "url": f"{settings.SITE_URL}{reverse('staff:home')}",
            }
            send_mail(subject, body, None, recipients)
            Incident.objects.filter(pk=incident.pk).update(alerted_at=timezone.now())
            alerted.append(incident.check_name)
    return AlertRun(opened=tuple(i.check_name for i in new), closed=tuple(closed), alerted=tuple(alerted))
