from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "geo_portal.core"
    label = "core"
