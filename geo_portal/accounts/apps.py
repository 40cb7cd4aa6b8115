"""App configuration for staff accounts (label ``accounts``): registers the object rules and keeps the role
groups in step with the role → permission map after every ``migrate``."""

from __future__ import annotations

from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "geo_portal.accounts"
    label = "accounts"
    verbose_name = _("staff accounts")

    def ready(self) -> None:
        # Imported here because models can only be loaded once the app registry is ready.
        from django.contrib.auth.signals import user_logged_in, user_login_failed

        from geo_portal.accounts import lockout, rules, services  # noqa: F401 (rules registers the object rules)

        user_login_failed.connect(lockout.on_login_failed, dispatch_uid="accounts_lockout_failed")
        user_logged_in.connect(lockout.on_logged_in, dispatch_uid="accounts_lockout_cleared")

        def sync_roles(sender, using: str = "default", **kwargs) -> None:
            # Django creates permissions on post_migrate; the groups holding them are kept in step the same way,
            # so a fresh database (and every test database) has the roles without a manual step.
            services.roles_sync(using=using)

        post_migrate.connect(sync_roles, sender=self, weak=False, dispatch_uid="accounts_roles_sync")
