from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BuildingsConfig(AppConfig):
    name = "geo_portal.buildings"
    label = "buildings"
    verbose_name = _("buildings")
