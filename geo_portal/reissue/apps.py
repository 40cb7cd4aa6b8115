"""The re-issuance app's configuration: once the app registry is ready, it hands citizen reports' status pages the
note about a report's re-issue case (``reports.hooks``: ``reports`` sits lower and may not import re-issuance)."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReissueConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "geo_portal.reissue"
    verbose_name = _("Plate re-issuance")

    def ready(self) -> None:
        # Imported here because the selectors load models, which can only be imported once the registry is ready.
        from geo_portal.reissue.selectors import report_status_note
        from geo_portal.reports.hooks import register_status_note

        register_status_note(report_status_note)
