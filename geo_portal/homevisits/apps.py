from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HomevisitsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "geo_portal.homevisits"
    verbose_name = _("Home visits")
