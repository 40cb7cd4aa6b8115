"""App configuration for layer exports (label ``exports``)."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ExportsConfig(AppConfig):
    name = "geo_portal.exports"
    label = "exports"
    verbose_name = _("layer exports")
