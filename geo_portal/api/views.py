"""Search endpoints: thin views that validate, call ``addresses.search`` and shape JSON. Errors are HTTP 400."""

from __future__ import annotations

import os
import tempfile
from dataclasses import asdict
from pathlib import Path

from django.contrib.gis.geos import Point
from django.http import StreamingHttpResponse
from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle, UserRateThrottle
from rest_framework.views import APIView

from geo_portal.addresses.search import autocomplete, geocode, geocode_csv_stream, plate_card, reverse
from geo_portal.api.serializers import (
    AutocompleteQuery,
    BatchUpload,
    GeocodeQuery,
    GeocodeResultSerializer,
    PlateCardSerializer,
    ReverseQuery,
    ReverseResultSerializer,
    SuggestionSerializer,
)
from geo_portal.buildings.selectors import outline_geojson
from geo_portal.core.geo import STORAGE_SRID, WGS84_SRID
from geo_portal.ingest.errors import ImportRefused

MAX_BATCH_BYTES = 20 * 1024 * 1024


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


class PlateView(APIView):
    """One active plate's public card (both languages, zip code, 村里/鄰, coordinates) and its building outline."""

    @extend_schema(responses={200: PlateCardSerializer})
    def get(self, request: Request, plate_id: int) -> Response:
        card = plate_card(plate_id)
        if card is None:
            return Response({"error": "not found", "fields": {"plate": ["no active door plate has this id"]}}, status=404)
        building = outline_geojson(card.building_id) if card.building_id else None
        return Response({"plate": asdict(card), "building": building})


class AutocompleteView(APIView):
    """Partly typed address → up to 10 suggestions (roads first, then numbers and units)."""

    @extend_schema(parameters=[AutocompleteQuery], responses={200: SuggestionSerializer(many=True)})
    def get(self, request: Request) -> Response:
        query = AutocompleteQuery(data=request.query_params)
        if not query.is_valid():
            return _bad_request(query.errors)
        suggestions = autocomplete(query.validated_data["q"], limit=query.validated_data["limit"])
        return Response({"suggestions": [asdict(s) for s in suggestions]})


class BatchAnonThrottle(AnonRateThrottle):
    scope = "batch_anon"


class BatchUserThrottle(UserRateThrottle):
    scope = "batch_user"


class GeocodeBatchView(APIView):
    """CSV upload → the same CSV with geocoding result columns (streamed back as text/csv)."""

    throttle_classes = [BatchAnonThrottle, BatchUserThrottle]

    @extend_schema(request={"multipart/form-data": BatchUpload}, responses={(200, "text/csv"): str})
    def post(self, request: Request):
        upload = BatchUpload(data=request.data)
        if not upload.is_valid():
            return _bad_request(upload.errors)
        data = upload.validated_data
        if data["file"].size > MAX_BATCH_BYTES:
            return _bad_request(
                {"file": [f"larger than {MAX_BATCH_BYTES // (1024 * 1024)} MB; use the geocode_csv command"]}
            )
        fd, name = tempfile.mkstemp(suffix=".csv")
        path = Path(name)
        with os.fdopen(fd, "wb") as out:
            for chunk in data["file"].chunks():
                out.write(chunk)
        try:
            pieces = geocode_csv_stream(
                source=path, address_column=data.get("address_column") or None, encoding=data["encoding"]
            )
            first = next(pieces)  # encoding and header problems surface here, before any byte is sent
        except ImportRefused as exc:
            path.unlink(missing_ok=True)
            return _bad_request({"file": [str(exc).replace(path.name, data["file"].name)]})

        def stream():
            try:
                yield first
                yield from pieces
            finally:
                path.unlink(missing_ok=True)

        response = StreamingHttpResponse(stream(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="geocoded.csv"'
        return response
