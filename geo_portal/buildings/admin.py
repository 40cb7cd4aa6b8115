"""Building admin with a Leaflet map widget."""

from django.contrib import admin
from leaflet.admin import LeafletGeoAdmin

from geo_portal.buildings.models import Building, PlateBuilding


@admin.register(Building)
class BuildingAdmin(LeafletGeoAdmin):
    list_display = ["__str__", "source", "source_id", "floors", "height_m", "structure"]
    list_filter = ["source", "structure"]
    search_fields = ["name", "source_id"]


@admin.register(PlateBuilding)
class PlateBuildingAdmin(admin.ModelAdmin):
    list_display = ["plate", "building", "method", "distance_m"]
    list_filter = ["method"]
    raw_id_fields = ["plate", "building"]
    list_select_related = ["plate", "building"]
