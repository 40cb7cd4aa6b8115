from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RenumberingConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "geo_portal.renumbering"
    verbose_name = _("Renumbering")
