"""The staff admin site as the office's own: the platform's name instead of "Django administration", and the apps in
the order a clerk works with them (door plates first; jobs, queues and raw history events last).

Installed in place of ``django.contrib.admin`` (``PortalAdminConfig`` in ``INSTALLED_APPS``), so every app's
``admin.register`` lands here. The order names app labels only; it imports no app.
"""

from __future__ import annotations

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.utils.translation import gettext_lazy as _

# Work first, reference data next, administration and machinery last. Apps not named sit between the two.
FIRST = ("addresses", "reports", "reissue", "census", "registry", "homevisits", "renumbering", "notifications")
FIRST += ("areas", "buildings", "offices", "exports")
LAST = ("ingest", "accounts", "auth", "jobs", "procrastinate", "pghistory")
# Within an app, the models a clerk opens most come first (by object name); the rest by name.
MODEL_FIRST = {"addresses": ("DoorPlate",), "areas": ("Village", "Road", "Neighborhood")}


class PortalAdminSite(admin.AdminSite):
    site_header = _("Door-plate platform · staff administration")
    site_title = _("Door-plate platform administration")
    index_title = _("Data maintenance")

    def get_app_list(self, request, app_label=None):
        apps = super().get_app_list(request, app_label)

        def app_rank(app: dict) -> tuple[int, str]:
            label = app["app_label"]
            if label in FIRST:
                return (FIRST.index(label), "")
            if label in LAST:
                return (len(FIRST) + 1 + LAST.index(label), "")
            return (len(FIRST), str(app["name"]))

        for app in apps:
            first = MODEL_FIRST.get(app["app_label"], ())
            app["models"].sort(
                key=lambda m: (first.index(m["object_name"]) if m["object_name"] in first else len(first), str(m["name"]))
            )
        return sorted(apps, key=app_rank)


class PortalAdminConfig(AdminConfig):
    default_site = "geo_portal.core.admin_site.PortalAdminSite"
