from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReissueConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "geo_portal.reissue"
    verbose_name = _("Plate re-issuance")
