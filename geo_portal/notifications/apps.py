"""App configuration of change notifications: registers its health check (dead-lettered deliveries)."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "geo_portal.notifications"
    verbose_name = _("Change notifications")

    def ready(self) -> None:
        # Imported here because its selectors load models, which exist only once the app registry is ready.
        from geo_portal.notifications.health import register_checks

        register_checks()
