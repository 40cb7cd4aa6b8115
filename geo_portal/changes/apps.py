from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ChangesConfig(AppConfig):
    name = "geo_portal.changes"
    verbose_name = _("change log")
