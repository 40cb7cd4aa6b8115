"""Input validation for the search endpoints: every query parameter is checked and named in errors."""

from __future__ import annotations

from rest_framework import serializers

from geo_portal.addresses.parsing import MAX_INPUT_LENGTH
from geo_portal.addresses.search import MAX_LIMIT, MAX_REVERSE_RADIUS_M, Grade
from geo_portal.api.answer_serializers import OutsideCoverageSerializer, PlaceMatchSerializer, RoadSummarySerializer
from geo_portal.api.schema import GRADE_DOCS
from geo_portal.core.geo import TAIWAN_BOUNDS_WGS84
from geo_portal.core.numerals import read_decimal, read_integer


class DecimalNumberField(serializers.FloatField):
    """A float written as a plain decimal: DRF's FloatField calls ``float()``, which reads 1_20.99 as 120.99."""

    def to_internal_value(self, data):
        try:
            value = read_decimal(data)
        except ValueError:
            self.fail("invalid")
        return super().to_internal_value(value)


class WholeNumberField(serializers.IntegerField):
    """An integer written in ASCII digits only: DRF's IntegerField calls ``int()``, which reads 1_0 as 10."""

    def to_internal_value(self, data):
        try:
            value = read_integer(data)
        except ValueError:
            self.fail("invalid")
        return super().to_internal_value(value)


class GeocodeQuery(serializers.Serializer):
    q = serializers.CharField(max_length=MAX_INPUT_LENGTH, trim_whitespace=True, help_text="an address in any written form")
    limit = WholeNumberField(min_value=1, max_value=MAX_LIMIT, default=5)


class ReverseQuery(serializers.Serializer):
    lon = DecimalNumberField(required=False, min_value=TAIWAN_BOUNDS_WGS84[0], max_value=TAIWAN_BOUNDS_WGS84[2])
    lat = DecimalNumberField(required=False, min_value=TAIWAN_BOUNDS_WGS84[1], max_value=TAIWAN_BOUNDS_WGS84[3])
    x = DecimalNumberField(required=False, help_text="TWD97 TM2 easting (EPSG:3826)")
    y = DecimalNumberField(required=False, help_text="TWD97 TM2 northing (EPSG:3826)")
    radius = DecimalNumberField(min_value=1, max_value=MAX_REVERSE_RADIUS_M, default=100)
    limit = WholeNumberField(min_value=1, max_value=MAX_LIMIT, default=5)

    def validate(self, attrs):
        has_lonlat = "lon" in attrs or "lat" in attrs
        has_xy = "x" in attrs or "y" in attrs
        if has_lonlat == has_xy:
            raise serializers.ValidationError("give either lon and lat (WGS84) or x and y (TWD97), not both or neither")
        pair = ("lon", "lat") if has_lonlat else ("x", "y")
        missing = [name for name in pair if name not in attrs]
        if missing:
            raise serializers.ValidationError({missing[0]: "required together with " + pair[1 - pair.index(missing[0])]})
        return attrs


class PlateHitSerializer(serializers.Serializer):
    plate_id = serializers.IntegerField(allow_null=True)
    address = serializers.CharField()
    address_en = serializers.CharField()
    address_en_is_pinyin = serializers.BooleanField(help_text="true when the road's English name is a pinyin fallback")
    zip_code = serializers.CharField(help_text="Chunghwa Post 3+3 code; empty when no rule covers the plate")
    village = serializers.CharField()
    neighborhood = serializers.IntegerField(allow_null=True)
    lon = serializers.FloatField()
    lat = serializers.FloatField()
    x = serializers.FloatField()
    y = serializers.FloatField()
    building_id = serializers.IntegerField(allow_null=True)
    distance_m = serializers.FloatField(allow_null=True)
    zip_code_partial = serializers.CharField(
        help_text="when no 3+3 rule covers the plate (roads newer than the rules): the first 3 digits the district's"
        " rules give, a partial code; empty when zip_code is set"
    )


class PlateCardSerializer(serializers.Serializer):
    plate = PlateHitSerializer()
    building = serializers.JSONField(allow_null=True, help_text="the plate's building footprint, GeoJSON in WGS84")


class GeocodeResultSerializer(serializers.Serializer):
    query = serializers.CharField()
    grade = serializers.ChoiceField(
        choices=[(grade, GRADE_DOCS[grade]) for grade in Grade.values],
        help_text="How the answer was found, best first. Only exact, normalised and fuzzy are confident answers;"
        " a wrong confident answer is worse than none.",
    )
    hits = PlateHitSerializer(many=True)
    notes = serializers.ListField(child=serializers.CharField())
    suggestions = serializers.ListField(child=serializers.CharField())
    problems = serializers.ListField(child=serializers.CharField())
    outside = OutsideCoverageSerializer(
        allow_null=True, help_text="set (grade none) when the address names a place outside the covered districts"
    )
    road = RoadSummarySerializer(
        allow_null=True, help_text="set (grade none) when a covered road or lane is named without a house number"
    )
    places = PlaceMatchSerializer(
        many=True, help_text="set (grade none) when the text names places without a number: landmark, village, 鄰, area"
    )


class ReverseResultSerializer(serializers.Serializer):
    hits = PlateHitSerializer(many=True)
    village = serializers.CharField()
    village_code = serializers.CharField()
    building_id = serializers.IntegerField(allow_null=True)


class AutocompleteQuery(serializers.Serializer):
    q = serializers.CharField(max_length=100, trim_whitespace=True)
    limit = WholeNumberField(min_value=1, max_value=10, default=10)


class SuggestionSerializer(serializers.Serializer):
    text = serializers.CharField(help_text="what to put in the search box")
    kind = serializers.ChoiceField(
        choices=["road", "address", "village", "neighborhood", "landmark"],
        help_text="a place (village, neighborhood, landmark) is shown by geocoding its text",
    )
    label = serializers.CharField()
    plate_id = serializers.IntegerField(allow_null=True)


class BatchUpload(serializers.Serializer):
    file = serializers.FileField(help_text="CSV with a header row; UTF-8, or Big5 with encoding=big5")
    address_column = serializers.CharField(required=False, allow_blank=True, max_length=100)
    encoding = serializers.ChoiceField(choices=["utf-8", "big5"], default="utf-8")


class BatchJobSerializer(serializers.Serializer):
    token = serializers.CharField(required=False, help_text="only in the answer that creates the job: keep it")
    status = serializers.ChoiceField(choices=["queued", "running", "done", "failed"])
    rows_done = serializers.IntegerField()
    rows_total = serializers.IntegerField(help_text="an estimate (the file's lines) until the job is done")
    by_status = serializers.DictField(child=serializers.IntegerField(), help_text="rows by geo_status once done")
    error = serializers.CharField(help_text="why the job failed; empty otherwise")
    file_name = serializers.CharField()
    expires_at = serializers.DateTimeField(help_text="after this the job and its result are deleted")
    status_url = serializers.CharField()
    download_url = serializers.CharField(allow_null=True, help_text="the result CSV, once the job is done")
