"""Admin for areas and roads, with Leaflet map widgets for boundaries."""

from django.contrib import admin
from leaflet.admin import LeafletGeoAdmin

from geo_portal.areas.models import County, District, Neighborhood, Road, RoadAlias, Village, VillagePopulation


@admin.register(County)
class CountyAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "name_en"]
    search_fields = ["code", "name", "name_en"]


@admin.register(District)
class DistrictAdmin(LeafletGeoAdmin):
    list_display = ["code", "name", "name_en", "county", "registry_code"]
    list_filter = ["county"]
    search_fields = ["code", "name", "name_en"]


@admin.register(Village)
class VillageAdmin(LeafletGeoAdmin):
    list_display = ["code", "name", "name_en", "district", "has_boundary"]
    list_filter = ["district"]
    search_fields = ["code", "name", "name_en"]

    @admin.display(boolean=True, description="boundary")
    def has_boundary(self, obj: Village) -> bool:
        return obj.boundary is not None


@admin.register(Neighborhood)
class NeighborhoodAdmin(admin.ModelAdmin):
    list_display = ["village", "number"]
    list_filter = ["village__district", "village"]
    list_select_related = ["village"]


class RoadAliasInline(admin.TabularInline):
    model = RoadAlias
    extra = 0


@admin.register(Road)
class RoadAdmin(admin.ModelAdmin):
    list_display = ["name", "name_en", "base_name", "section", "district"]
    list_filter = ["district", "section"]
    search_fields = ["name", "name_en", "aliases__alias"]
    inlines = [RoadAliasInline]


@admin.register(VillagePopulation)
class VillagePopulationAdmin(admin.ModelAdmin):
    list_display = ["village", "month", "households", "population", "male", "female", "neighborhoods"]
    list_filter = ["month", "village__district"]
    list_select_related = ["village"]
    search_fields = ["village__name", "village__code"]
