from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CensusConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "geo_portal.census"
    verbose_name = _("Door-plate census")
