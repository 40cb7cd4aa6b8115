"""The staff roles and what each may do: the one place that maps roles to permissions.

``Role`` names the Django groups; ``ROLE_PERMISSIONS`` lists each role's permissions as ``app_label.codename``.
Later apps add their own permissions (on their models' ``Meta.permissions``) and map them to roles here;
``services.roles_sync`` makes the groups match this map. Imported by models (the permission list), selectors,
services, rules and the staff pages; imports nothing of the project.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    """A staff role; its value is the name of its Django group."""

    SURVEYOR = "surveyor", _("surveyor")
    CENSUS_SUPERVISOR = "census_supervisor", _("census supervisor")
    CLERK = "clerk", _("clerk")
    REVIEWER = "reviewer", _("reviewer")
    REGISTRAR = "registrar", _("registrar")
    ADMINISTRATOR = "administrator", _("administrator")


# The accounts app's own permissions (declared on StaffProfile.Meta): (codename, description).
ACCOUNTS_PERMISSIONS: list[tuple[str, str]] = [
    ("view_staff_home", "Can open the staff home page"),
    ("manage_staff", "Can manage staff accounts and roles"),
    ("edit_plates", "Can edit door plates"),
    ("review_changes", "Can review submitted changes"),
    ("read_personal_data", "Can read personal data (household registration)"),
    ("do_census_fieldwork", "Can do census field work"),
    ("supervise_census", "Can supervise census field work"),
]

_HOME = "accounts.view_staff_home"

ROLE_PERMISSIONS: dict[Role, frozenset[str]] = {
    Role.SURVEYOR: frozenset({_HOME, "accounts.do_census_fieldwork"}),
    Role.CENSUS_SUPERVISOR: frozenset({_HOME, "accounts.supervise_census"}),
    Role.CLERK: frozenset(
        {
            _HOME,
            "accounts.edit_plates",
            # The door-plate admin writes only through the versioned plate services (a clerk's edits are history).
            "addresses.view_doorplate",
            "addresses.add_doorplate",
            "addresses.change_doorplate",
            "reports.view_citizenreport",
            "reports.change_citizenreport",
            "ingest.view_importbatch",
            # Re-issue cases from the counter to the plate on the wall (reissue.services).
            "reissue.handle_cases",
        }
    ),
    Role.REVIEWER: frozenset(
        {
            _HOME,
            "accounts.review_changes",
            "reports.view_citizenreport",
            # Money matters a second person decides (voiding a receipt someone else issued, refunds) and the fees.
            "reissue.approve_money",
            "reissue.manage_fees",
            # Home visits, aggregated only (no persons): requests and visits per village and month.
            "homevisits.view_visit_statistics",
        }
    ),
    # Registrars read the register and enter registration events; a second registrar reviews each one (the
    # registry's services and a database constraint refuse a review by the one who submitted it).
    Role.REGISTRAR: frozenset({_HOME, "accounts.read_personal_data", "registry.register_events", "registry.review_events"}),
    Role.ADMINISTRATOR: frozenset(
        {
            _HOME,
            "accounts.manage_staff",
            # The supervisor's view of the register's access log and the per-person "who read my data" report
            # (registry.audit); registrars, who read the personal data, do not audit their own reading.
            "registry.audit_access_log",
            # Agencies notified of changes (通報): onboarding, tokens, subscriptions, dead letters and re-delivery.
            # Authorising registration events for an agency stays with superusers (an office decision in writing).
            "notifications.manage_agencies",
            "notifications.redeliver_messages",
            "notifications.view_agency",
            "notifications.view_agencytoken",
            "notifications.view_subscription",
            "notifications.view_message",
            "notifications.view_attempt",
            "notifications.view_digest",
            # Home visits, aggregated only (no persons): requests and visits per village and month.
            "homevisits.view_visit_statistics",
            "accounts.view_rolechange",
            "accounts.view_staffprofile",
            "auth.view_user",
            "auth.add_user",
            "auth.change_user",
            "auth.view_group",
            "ingest.view_importbatch",
            "reports.view_citizenreport",
            "reports.change_citizenreport",
            "reports.delete_citizenreport",
            # Who saw reporters' contacts and photos, and the retention job's purges (read-only records).
            "reports.view_personaldataread",
            "reports.view_personaldatapurge",
            # The census in the admin, read-only (its writes go through the census services and office pages).
            "census.view_campaign",
            "census.view_task",
            "census.view_stop",
            "census.view_tasktransition",
            "census.view_fielddevice",
            "census.view_finding",
            "census.view_proposal",
        }
    ),
}

# Permissions that open persons' or applicants' data: the household register and home visits, re-issue applicants
# (names, phones, e-mails) and their receipts, citizen reports' contacts and photos, the register's per-person
# access log. Whoever holds one signs in with a second factor (two_factor.two_factor_required).
PERSONAL_DATA_PERMISSIONS: frozenset[str] = frozenset(
    {
        "accounts.read_personal_data",
        "reissue.handle_cases",
        "reissue.approve_money",
        "reports.view_citizenreport",
        "registry.audit_access_log",
    }
)

# The roles holding one of them (clerk, reviewer, registrar, administrator): derived, so a role that later gains
# such a permission needs the second factor at once.
PERSONAL_DATA_ROLES: frozenset[Role] = frozenset(
    role for role, permissions in ROLE_PERMISSIONS.items() if permissions & PERSONAL_DATA_PERMISSIONS
)

# Roles whose members may sign in to the Django admin (is_staff): the data-maintenance screens they work in.
ADMIN_SITE_ROLES: frozenset[Role] = frozenset({Role.CLERK, Role.REVIEWER, Role.ADMINISTRATOR})


def parse_roles(values: list[str] | tuple[str, ...] | set[str] | frozenset[str]) -> frozenset[Role]:
    """Role values → roles; an unknown value raises ``UnknownRole`` naming the valid ones."""
    unknown = sorted(v for v in values if v not in Role.values)
    if unknown:
        raise UnknownRole(unknown)
    return frozenset(Role(v) for v in values)


class UnknownRole(ValueError):
    """A role name that is not one of ``Role``'s values."""

    def __init__(self, names: list[str]) -> None:
        self.names = names
        super().__init__(
            f"unknown role{'s' if len(names) > 1 else ''} {', '.join(repr(n) for n in names)}; "
            f"valid roles: {', '.join(Role.values)}"
        )
