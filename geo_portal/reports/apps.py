"""App configuration for citizen reports (label ``reports``)."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "geo_portal.reports"
    label = "reports"
    verbose_name = _("citizen reports")
