"""Search endpoints: thin views that validate, call ``addresses.search`` and shape JSON. Errors are HTTP 400."""

from __future__ import annotations

from dataclasses import asdict

from django.contrib.gis.geos import Point
from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from geo_portal.addresses.search import autocomplete, geocode, reverse
from geo_portal.api.serializers import (
    AutocompleteQuery,
    GeocodeQuery,
    GeocodeResultSerializer,
    ReverseQuery,
    ReverseResultSerializer,
    SuggestionSerializer,
)
from geo_portal.core.geo import STORAGE_SRID, WGS84_SRID


def _bad_request(errors) -> Response:
    return Response({"error": "invalid request", "fields": errors}, status=400)


class GeocodeView(APIView):
    """Address → door plates, best first, with a match grade."""

    @extend_schema(parameters=[GeocodeQuery], responses={200: GeocodeResultSerializer})
    def get(self, request: Request) -> Response:
        query = GeocodeQuery(data=request.query_params)
        if not query.is_valid():
            return _bad_request(query.errors)
        result = geocode(query.validated_data["q"], limit=query.validated_data["limit"])
        return Response(asdict(result))


class ReverseView(APIView):
    """Point → nearest active plates within a radius, with the village and building there."""

    @extend_schema(parameters=[ReverseQuery], responses={200: ReverseResultSerializer})
    def get(self, request: Request) -> Response:
        query = ReverseQuery(data=request.query_params)
        if not query.is_valid():
            return _bad_request(query.errors)
        data = query.validated_data
        if "lon" in data:
            point = Point(data["lon"], data["lat"], srid=WGS84_SRID)
        else:
            point = Point(data["x"], data["y"], srid=STORAGE_SRID)
        try:
            result = reverse(point, radius_m=data["radius"], limit=data["limit"])
        except ValueError as exc:
            return _bad_request({"point": [str(exc)]})
        return Response(asdict(result))


class AutocompleteView(APIView):
    """Partly typed address → up to 10 suggestions (roads first, then numbers and units)."""

    @extend_schema(parameters=[AutocompleteQuery], responses={200: SuggestionSerializer(many=True)})
    def get(self, request: Request) -> Response:
        query = AutocompleteQuery(data=request.query_params)
        if not query.is_valid():
            return _bad_request(query.errors)
        suggestions = autocomplete(query.validated_data["q"], limit=query.validated_data["limit"])
        return Response({"suggestions": [asdict(s) for s in suggestions]})
