"""App configuration for the staff pages (label ``staff``): registers the operations health checks."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StaffConfig(AppConfig):
    name = "geo_portal.staff"
    label = "staff"
    verbose_name = _("staff pages")

    def ready(self) -> None:
        # Imported here because its models can only be loaded once the app registry is ready.
        from geo_portal.staff.operations import register_checks

        register_checks()
