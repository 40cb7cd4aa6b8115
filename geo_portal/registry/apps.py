"""Household registration (戶籍) on the door plates: households, persons, memberships, reviewed registration
events, and an audit log of every read of personal data. The register here is synthetic (generated, marked)."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegistryConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "geo_portal.registry"
    verbose_name = _("Household registration")

    def ready(self) -> None:
        # Registers the registry's object rules (``registry.approve_event``) once the app registry is ready.
        from geo_portal.registry import rules  # noqa: F401
