"""Staff account data: a profile per staff user (holds the app's permissions), the append-only log of
role and status changes, and the failed sign-ins per account name (the lockout with backoff, ``lockout``).

Written only by ``services``; read through ``selectors`` and the admin.
"""

from __future__ import annotations

import pgtrigger
from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils.translation import gettext_lazy as _

from geo_portal.accounts.roles import ACCOUNTS_PERMISSIONS, Role


class StaffProfile(models.Model):
    """What the platform keeps about a staff user beyond Django's user: whether the password must be changed.

    Its ``Meta.permissions`` are the accounts app's permissions that roles map to (``roles.ROLE_PERMISSIONS``).
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="staff_profile", verbose_name=_("user")
    )
    must_change_password = models.BooleanField(_("must change password"), default=False)
    password_set_at = models.DateTimeField(_("password set at"), null=True, blank=True)

    class Meta:
        verbose_name = _("staff profile")
        verbose_name_plural = _("staff profiles")
        default_permissions = ("view",)
        permissions = ACCOUNTS_PERMISSIONS

    def __str__(self) -> str:
        return str(self.user)


class RoleChange(models.Model):
    """One change of a person's roles or active state (or a password reset): who acted, on whom, when, what.

    Append-only: a database trigger refuses updates and deletes, whatever writes them.
    """

    class Kind(models.TextChoices):
        CREATED = "created", _("account created")
        ROLES = "roles", _("roles changed")
        DISABLED = "disabled", _("account disabled")
        ENABLED = "enabled", _("account enabled")
        PASSWORD_RESET = "password_reset", _("password reset")
        TWO_FACTOR_RESET = "two_factor_reset", _("two-factor devices reset")
        UNLOCKED = "unlocked", _("sign-in unlocked")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    # Null when the change came from the command line (manage.py create_staff), run by someone with server access.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="role_changes_made",
        verbose_name=_("changed by"),
        db_index=False,  # named index in Meta
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="role_changes",
        verbose_name=_("staff member"),
        db_index=False,  # named index in Meta
    )
    at = models.DateTimeField(_("changed at"), auto_now_add=True)
    roles_before = ArrayField(
        models.CharField(max_length=30, choices=Role.choices), verbose_name=_("roles before"), default=list
    )
    roles_after = ArrayField(
        models.CharField(max_length=30, choices=Role.choices), verbose_name=_("roles after"), default=list
    )
    active_before = models.BooleanField(_("active before"))
    active_after = models.BooleanField(_("active after"))
    reason = models.TextField(_("reason"), blank=True)

    class Meta:
        verbose_name = _("role change")
        verbose_name_plural = _("role changes")
        ordering = ["-at", "-id"]
        default_permissions = ("view",)
        indexes = [
            models.Index(fields=["user", "-at"], name="rolechange_user_at_idx"),
            models.Index(fields=["actor", "-at"], name="rolechange_actor_at_idx"),
        ]
        triggers = [
            pgtrigger.Protect(name="rolechange_append_only", operation=pgtrigger.Update | pgtrigger.Delete),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.user} ({self.at:%Y-%m-%d %H:%M})"


class LoginFailure(models.Model):
    """Failed sign-ins of one account name (lower-cased; names that exist or not alike, so a lockout tells nothing
    about which accounts exist) since its last successful sign-in, and until when it is locked."""

    username = models.CharField(_("user name"), max_length=150, unique=True)
    failures = models.PositiveIntegerField(_("failed sign-ins"), default=0)
    last_failed_at = models.DateTimeField(_("last failed at"))
    locked_until = models.DateTimeField(_("locked until"), null=True, blank=True)

    class Meta:
        verbose_name = _("failed sign-in")
        verbose_name_plural = _("failed sign-ins")
        default_permissions = ("view",)

    def __str__(self) -> str:
        return f"{self.username}: {self.failures}"
