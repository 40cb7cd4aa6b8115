"""What the staff home page shows each role: a section per role with links and counts of work waiting.

Built from the lower apps' selectors (reports, ingest, jobs, accounts, census, reissue, renumbering); called by
``views.home``. A user with several roles sees several sections; a superuser without a role group sees the
administrator's.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.urls import reverse
from django.utils.translation import gettext as _

from geo_portal.accounts.roles import Role
from geo_portal.accounts.selectors import roles_of
from geo_portal.census.office.selectors import conflicts_waiting_count, open_proposal_count, submitted_task_count
from geo_portal.homevisits.counts import open_visit_count
from geo_portal.ingest.models import ImportBatch
from geo_portal.ingest.selectors import failed_batch_count
from geo_portal.jobs.selectors import jobs_summary
from geo_portal.notifications.selectors import dead_letter_count
from geo_portal.registry.event_reads import counts_waiting
from geo_portal.reissue import selectors as reissue
from geo_portal.renumbering import selectors as renumbering
from geo_portal.reports.models import CitizenReport
from geo_portal.reports.selectors import report_count


@dataclass(frozen=True)
class Link:
    label: str
    url: str
    count: int | None = None  # work waiting behind the link, when it is countable


@dataclass(frozen=True)
class Section:
    role: Role
    title: str
    summary: str
    links: tuple[Link, ...]


def _admin_list(model_name: str, **filters: str) -> str:
    query = "&".join(f"{key}__exact={value}" for key, value in filters.items())
    return reverse(f"admin:{model_name}_changelist") + (f"?{query}" if query else "")


def _reports_link(status: CitizenReport.Status, label: str) -> Link:
    return Link(label, _admin_list("reports_citizenreport", status=status.value), report_count(status=status))


def _failed_imports_link() -> Link:
    return Link(
        _("Failed import batches"),
        _admin_list("ingest_importbatch", status=ImportBatch.Status.FAILED.value),
        failed_batch_count(),
    )


def _jobs_links() -> tuple[Link, ...]:
    summary = jobs_summary(limit=0)
    return (
        Link(
            _("Background jobs waiting"),
            _admin_list("procrastinate_procrastinatejob", status="todo"),
            summary.counts["todo"],
        ),
        Link(
            _("Background jobs failed in the last day"),
            _admin_list("procrastinate_procrastinatejob", status="failed"),
            summary.failed_last_day,
        ),
    )


def _map_link() -> Link:
    return Link(_("Public door-plate map"), reverse("publicmap:home"))


def _notices_link() -> Link:
    # Clerks prepare and record resident notices; reviewers may read them (the page's own permission check).
    return Link(_("Resident notices"), reverse("reissue:notices"), reissue.unsent_notice_batch_count())


def _surveyor() -> Section:
    return Section(
        Role.SURVEYOR,
        _("Census field work"),
        _("Your census tasks: mark each plate ok, missing, illegible or misplaced, also without a connection."),
        (Link(_("Census field app"), reverse("census_field:app")), _map_link()),
    )


def _census_supervisor() -> Section:
    return Section(
        Role.CENSUS_SUPERVISOR,
        _("Census supervision"),
        _("Census campaigns, the surveyors' tasks to validate and the conflicts to decide."),
        (
            Link(_("Census campaigns"), reverse("census:campaigns")),
            Link(_("Submitted census tasks"), reverse("census:tasks-submitted"), submitted_task_count()),
            Link(_("Census conflicts"), reverse("census:conflicts"), conflicts_waiting_count()),
            _map_link(),
            Link(_("Population statistics"), reverse("publicmap:stats")),
        ),
    )


def _clerk() -> Section:
    return Section(
        Role.CLERK,
        _("Door plates and citizen reports"),
        _("Citizen reports of plate problems, plates the census found, and the import runs that need a look."),
        (
            _reports_link(CitizenReport.Status.NEW, _("New citizen reports")),
            _reports_link(CitizenReport.Status.IN_REVIEW, _("Citizen reports in review")),
            Link(_("Census plate proposals"), reverse("census:proposals"), open_proposal_count()),
            _failed_imports_link(),
            Link(_("Renumbering plans"), reverse("renumbering:plans"), renumbering.open_plan_count()),
            Link(_("Re-issue counter"), reverse("reissue:counter")),
            Link(_("Open re-issue cases"), reverse("reissue:cases"), reissue.open_case_count()),
            Link(_("Plates waiting for a re-issue case"), reverse("reissue:sources"), reissue.waiting_count()),
            Link(_("Re-issue cases ready to order"), reverse("reissue:orders"), reissue.ready_to_order_count()),
            _notices_link(),
        ),
    )


def _reviewer() -> Section:
    return Section(
        Role.REVIEWER,
        _("Review"),
        _("Changes submitted by others will wait here for your approval; nobody approves their own."),
        (
            _reports_link(CitizenReport.Status.IN_REVIEW, _("Citizen reports in review")),
            Link(
                _("Renumbering plans waiting for approval"),
                reverse("renumbering:plans"),
                renumbering.waiting_approval_count(),
            ),
            Link(_("Overdue re-issue cases"), reverse("reissue:dashboard"), reissue.overdue_count()),
            Link(_("Re-issue fee schedule"), reverse("reissue:fees")),
            _notices_link(),
        ),
    )


def _registrar() -> Section:
    waiting = counts_waiting()
    home = reverse("registry:home")
    return Section(
        Role.REGISTRAR,
        _("Household registration"),
        _("Households at door plates and registration events reviewed by a second registrar; every read is logged."),
        (
            Link(_("Registration events waiting for review"), home + "#review-heading", waiting["submitted"]),
            Link(_("Approved events to apply"), home + "#apply-heading", waiting["approved"]),
            Link(_("Search the household register"), home + "#address-heading"),
            Link(_("Home visits"), reverse("homevisits:home"), open_visit_count()),
        ),
    )


def _administrator() -> Section:
    return Section(
        Role.ADMINISTRATOR,
        _("Administration"),
        _("Staff accounts, their roles and the record of every change; data maintenance in the admin."),
        (
            Link(_("Staff accounts"), _admin_list("auth_user")),
            Link(_("Role changes"), _admin_list("accounts_rolechange")),
            _failed_imports_link(),
            *_jobs_links(),
            Link(_("Register access log"), reverse("registry:audit-log")),
            Link(_("Home-visit statistics"), reverse("homevisits:statistics")),
            Link(
                _("Dead-lettered notifications"),
                _admin_list("notifications_message", status__exact="dead"),
                dead_letter_count(),
            ),
            Link(_("Data maintenance (admin)"), reverse("admin:index")),
        ),
    )


BUILDERS: dict[Role, Callable[[], Section]] = {
    Role.SURVEYOR: _surveyor,
    Role.CENSUS_SUPERVISOR: _census_supervisor,
    Role.CLERK: _clerk,
    Role.REVIEWER: _reviewer,
    Role.REGISTRAR: _registrar,
    Role.ADMINISTRATOR: _administrator,
}


def sections_for(user: AbstractBaseUser) -> list[Section]:
    """The user's sections in the order of ``Role`` (each built once, whatever the number of roles)."""
    roles = set(roles_of(user))
    if user.is_active and user.is_superuser:
        roles.add(Role.ADMINISTRATOR)
    return [BUILDERS[role]() for role in Role if role in roles]
