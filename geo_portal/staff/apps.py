"""App configuration for the staff pages (label ``staff``)."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StaffConfig(AppConfig):
    name = "geo_portal.staff"
    label = "staff"
    verbose_name = _("staff pages")
