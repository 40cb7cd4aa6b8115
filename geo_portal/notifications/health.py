"""The notifications' operations health check: dead-lettered messages and endpoints disabled by a 410.

Registered in ``core.health`` by ``NotificationsConfig.ready`` (``/healthz``, the staff home and the alert job read
it); counts only, never a payload.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from geo_portal.core.health import CheckResult, register
from geo_portal.notifications.selectors import delivery_health


def check_dead_letters() -> CheckResult:
    health = delivery_health()
    if health.dead == 0 and health.disabled_endpoints == 0:
        return CheckResult(ok=True, summary=_("no dead-lettered notifications"), count=0)
    summary = _("%(dead)d dead-lettered notifications, %(disabled)d endpoints disabled; re-deliver them in the admin") % {
        "dead": health.dead,
        "disabled": health.disabled_endpoints,
    }
    return CheckResult(ok=False, summary=summary, count=health.dead)


def register_checks() -> None:
    register("notification_dead_letters", gettext_lazy("Dead-lettered notifications"), check_dead_letters)
