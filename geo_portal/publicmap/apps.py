from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PublicmapConfig(AppConfig):
    name = "geo_portal.publicmap"
    label = "publicmap"
    verbose_name = _("publicmap")
