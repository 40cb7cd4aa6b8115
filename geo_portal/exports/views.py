"""``GET /api/v1/export/<layer>.<format>[?srid=4326]``: a whole layer, streamed, throttled per client.

Validates the layer, format and SRID (400 with a JSON body naming the field otherwise) and streams
``exports.writers.stream``. Routed by ``api.urls``.
"""

from __future__ import annotations

from django.http import StreamingHttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from geo_portal.exports.layers import FORMATS, LAYERS, SRIDS, parse_srid, request_problems


class ExportThrottle(ScopedRateThrottle):
    """Exports per client (user id when logged in, else the client address) at the ``exports`` rate."""

    def get_rate(self) -> str | None:
        # Read per request, not bound at class definition (DRF's THROTTLE_RATES): a changed setting applies.
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)


class FileNegotiation(BaseContentNegotiation):
    """The file is sent in the format its URL names, whatever ``Accept`` says (DRF would answer 406 to
    ``Accept: application/geopackage+sqlite3``); refusals are JSON."""

    def select_parser(self, request, parsers):
        return parsers[0] if parsers else None

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


class ExportView(APIView):
    """A whole public layer as a file: active door plates, buildings, or villages with their latest statistics
    (figures of villages with fewer than 3 households withheld)."""

    throttle_classes = [ExportThrottle]
    throttle_scope = "exports"
    content_negotiation_class = FileNegotiation

    @extend_schema(
        operation_id="export_layer",
        parameters=[
            OpenApiParameter("layer", str, OpenApiParameter.PATH, enum=list(LAYERS)),
            OpenApiParameter("fmt", str, OpenApiParameter.PATH, enum=list(FORMATS), description="file format"),
            OpenApiParameter(
                "srid",
                int,
                OpenApiParameter.QUERY,
                enum=list(SRIDS),
                default=SRIDS[0],
                description="3826 (TWD97 TM2, metres) or 4326 (WGS84 lon/lat)",
            ),
        ],
        responses={
            **{(200, f.content_type.split(";")[0]): OpenApiTypes.BINARY for f in FORMATS.values()},
            (400, "application/json"): OpenApiTypes.OBJECT,
        },
    )
    def get(self, request: Request, layer: str, fmt: str):
        srid = request.query_params.get("srid")
        problems = request_problems(layer=layer, fmt=fmt, srid=srid)
        if problems:
            return Response({"error": "invalid request", "fields": problems}, status=400)
        # Imported here, not at module level: pyarrow and pyogrio add ~150 MB to every process that loads the URL
        # configuration (each web worker, and every management command through Django's system checks).
        from geo_portal.exports.writers import stream

        chosen = FORMATS[fmt]
        response = StreamingHttpResponse(stream(layer, fmt, srid=parse_srid(srid)), content_type=chosen.content_type)
        response["Content-Disposition"] = f'attachment; filename="{layer}.{chosen.extension}"'
        return response
