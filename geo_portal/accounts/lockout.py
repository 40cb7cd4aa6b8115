"""Per-account sign-in lockout with exponential backoff, for every way in (staff sign-in, admin, API).

After ``LOGIN_LOCKOUT_THRESHOLD`` failed sign-ins of one account name, the name is locked for
``LOGIN_LOCKOUT_BASE_S`` seconds, doubling with each further failure (capped at ``LOGIN_LOCKOUT_MAX_S``); a
successful sign-in clears the count. Attempts while locked are refused without checking the password and are not
counted (an attacker cannot keep lengthening a colleague's lockout). The per-client throttle (``login`` rate)
still limits how fast one address may try names.

Why our own and not django-axes: axes forgets an account's failures once its cool-off has passed, so each
lockout starts again at the base time (no backoff across lockouts), and it stores request bodies of failed
attempts. This is one row per account name, updated atomically, with the lockout a backend refuses.

Wired by ``LockoutBackend`` (first in ``AUTHENTICATION_BACKENDS``) and the auth signals connected in ``apps``.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.backends import BaseBackend, ModelBackend
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from geo_portal.accounts.models import LoginFailure

LOCKED_FLAG = "_geo_portal_sign_in_locked"


class AccountLocked(PermissionDenied):
    """Sign-in refused: the account name is locked until ``until``."""

    def __init__(self, until: datetime) -> None:
        self.until = until
        super().__init__(f"locked until {until.isoformat()}")


def _name(username: str | None) -> str:
    return (username or "").strip().lower()[:150]


def locked_until(username: str | None, *, now: datetime | None = None) -> datetime | None:
    """When the account name's lockout ends, or None when it may sign in now."""
    now = now or timezone.now()
    until = LoginFailure.objects.filter(username=_name(username)).values_list("locked_until", flat=True).first()
    return until if until is not None and until > now else None


def lock_seconds(failures: int) -> int:
    """How long the ``failures``-th failure locks the name: 0 below the threshold, then base × 2^(n − threshold)."""
    over = failures - settings.LOGIN_LOCKOUT_THRESHOLD
    if over < 0:
        return 0
    return min(settings.LOGIN_LOCKOUT_MAX_S, settings.LOGIN_LOCKOUT_BASE_S * 2 ** min(over, 30))


@transaction.atomic
def record_failure(*, username: str | None, now: datetime | None = None) -> LoginFailure | None:
    """Count a failed sign-in of ``username`` and lock it when the count reaches the threshold."""
    name = _name(username)
    if not name:
        return None
    now = now or timezone.now()
    failure, created = LoginFailure.objects.select_for_update().get_or_create(
        username=name, defaults={"failures": 1, "last_failed_at": now}
    )
    if not created:
        LoginFailure.objects.filter(pk=failure.pk).update(failures=F("failures") + 1, last_failed_at=now)
        failure.refresh_from_db()
    seconds = lock_seconds(failure.failures)
    if seconds:
        failure.locked_until = now + timedelta(seconds=seconds)
        failure.save(update_fields=["locked_until"])
    return failure


def clear_failures(*, username: str | None) -> int:
    """A successful sign-in (or an administrator's unlock): the name starts again from no failures."""
    deleted, _ = LoginFailure.objects.filter(username=_name(username)).delete()
    return deleted


class LockoutBackend(BaseBackend):
    """First authentication backend: refuses a locked account name before any password is checked (Django then
    stops trying the other backends and reports a failed sign-in). Being first, it is also the backend
    ``Client.force_login`` records in test sessions, so it loads users as ``ModelBackend`` does."""

    def authenticate(self, request, username: str | None = None, password: str | None = None, **kwargs):
        until = locked_until(username)
        if until is not None:
            if request is not None:
                setattr(request, LOCKED_FLAG, until)
            raise AccountLocked(until)
        return None

    def get_user(self, user_id):
        return ModelBackend().get_user(user_id)


def on_login_failed(sender, credentials: dict, request=None, **kwargs) -> None:
    """``user_login_failed``: count it, unless it was refused because the name was already locked."""
    if request is not None and getattr(request, LOCKED_FLAG, None) is not None:
        return
    record_failure(username=credentials.get("username"))


def on_logged_in(sender, request, user, **kwargs) -> None:
    """``user_logged_in``: a successful sign-in clears the name's failures."""
    clear_failures(username=user.get_username())
