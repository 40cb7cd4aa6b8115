"""OpenAPI documentation of the parts of a geocoding answer beyond its plates: ``outside`` (the address lies outside
the covered districts), ``road`` (a covered road named without a number) and ``places`` (a landmark, village, 鄰 or
named area). The views answer ``asdict()`` of ``addresses.search`` results; these serializers only describe them."""

from __future__ import annotations

from rest_framework import serializers

from geo_portal.addresses.search import PlaceKind


class OutsideCoverageSerializer(serializers.Serializer):
    recognised = serializers.CharField(
        help_text="what the text named that lies outside: a county and district (臺北市中正區) or a road (中清路二段)"
    )
    covered = serializers.ListField(child=serializers.CharField(), help_text="the districts this platform covers")
    elsewhere = serializers.ListField(
        child=serializers.CharField(),
        help_text="for a road: the districts where a road of that name lies, from the national tables (at most 10)",
    )
    service_url = serializers.URLField(help_text="the national door-plate service to ask instead")


class RoadSummarySerializer(serializers.Serializer):
    name = serializers.CharField(help_text="the road (or lane/alley) as registered: 光復路二段, 光復路二段298巷")
    name_en = serializers.CharField()
    bbox = serializers.ListField(
        child=serializers.FloatField(),
        min_length=4,
        max_length=4,
        help_text="WGS84 extent: min lon, min lat, max lon, max lat",
    )
    odd = serializers.ListField(
        child=serializers.IntegerField(), allow_null=True, help_text="lowest and highest odd number (null: none)"
    )
    even = serializers.ListField(
        child=serializers.IntegerField(), allow_null=True, help_text="lowest and highest even number (null: none)"
    )
    lanes = serializers.IntegerField(help_text="lanes off the road (0 when a lane is named)")
    plates = serializers.IntegerField(help_text="active door plates on it")
    road_id = serializers.IntegerField(allow_null=True, help_text="the road's public page is /roads/<road_id>")


class PlaceMatchSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=PlaceKind.choices)
    name = serializers.CharField(help_text="關新里, 關新里5鄰, 科學二館, 光明新村")
    name_en = serializers.CharField(help_text="English name where the data has one (villages and their 鄰), else empty")
    village = serializers.CharField()
    neighborhood = serializers.IntegerField(allow_null=True)
    lon = serializers.FloatField(help_text="a point inside the place (WGS84)")
    lat = serializers.FloatField()
    bbox = serializers.ListField(child=serializers.FloatField(), min_length=4, max_length=4)
    outline = serializers.JSONField(allow_null=True, help_text="GeoJSON geometry in WGS84")
    outline_approximate = serializers.BooleanField(
        help_text="true for a 鄰 or a named area: no official boundary exists, the outline is drawn around its plates"
    )
    plates = serializers.IntegerField(help_text="active door plates in it (a landmark: plates linked to its buildings)")
    addresses = serializers.ListField(child=serializers.CharField(), help_text="a landmark's door plates (at most 5)")
    building_ids = serializers.ListField(child=serializers.IntegerField(), help_text="a landmark's building footprints")
    neighborhoods = serializers.IntegerField(help_text="a village's 鄰 with door plates (0 otherwise)")
