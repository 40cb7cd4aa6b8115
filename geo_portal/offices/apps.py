"""The office's service points: the household registration office and its satellite workstations."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OfficesConfig(AppConfig):
    name = "geo_portal.offices"
    label = "offices"
    verbose_name = _("service points")
