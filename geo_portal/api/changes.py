"""The public change feed: latest position, events after a position, and snapshots as of a txid.

A second system mirrors the public data by loading a snapshot (which names its txid) and then following
``/api/v1/changes?after=<txid>`` page by page (each page names the next cursor). Public fields only: no actor,
no staff notes. Positions older than the log's retention answer 410 with a message to start from a snapshot.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

from django.http import HttpResponse, StreamingHttpResponse
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from geo_portal.changes.selectors import (
    ENTITIES,
    BeyondRetention,
    channel_state,
    check_retention,
    events_after_json,
    seq_before_txid,
    snapshot,
    txid_of_seq,
)
from geo_portal.exports.views import ExportThrottle, FileNegotiation

MAX_LIMIT = 10_000
DEFAULT_LIMIT = 1_000


class FeedQuery(serializers.Serializer):
    after = serializers.IntegerField(
        required=False, min_value=0, help_text="events of the transactions after this txid (0 = from the start)"
    )
    after_seq = serializers.IntegerField(
        required=False, min_value=0, help_text="events after this seq (the `next` cursor of the previous page)"
    )
    limit = serializers.IntegerField(required=False, min_value=1, max_value=MAX_LIMIT, default=DEFAULT_LIMIT)

    def validate(self, attrs):
        if ("after" in attrs) == ("after_seq" in attrs):
            raise serializers.ValidationError({"after": ["give exactly one of after (a txid) or after_seq (a seq)"]})
        return attrs


class SnapshotQuery(serializers.Serializer):
    txid = serializers.IntegerField(required=False, min_value=0, help_text="as of this txid (default: the latest)")


_STATE = inline_serializer(
    "ChangeFeedState",
    {
        "txid": serializers.IntegerField(),
        "seq": serializers.IntegerField(),
        "horizon_txid": serializers.IntegerField(help_text="the oldest txid a client can follow from"),
        "committed_at": serializers.DateTimeField(allow_null=True),
    },
)
_EVENT = inline_serializer(
    "ChangeEvent",
    {
        "txid": serializers.IntegerField(),
        "seq": serializers.IntegerField(),
        "committed_at": serializers.DateTimeField(),
        "cause": serializers.ChoiceField(
            ["import_batch", "admin_edit", "staff", "census_task", "reissue_case", "renumbering_plan", "system", ""]
        ),
        "entity": serializers.ChoiceField(list(ENTITIES)),
        "id": serializers.IntegerField(),
        "operation": serializers.ChoiceField(["insert", "update", "delete"]),
        "data": serializers.DictField(allow_null=True, help_text="the entity's public representation after the change"),
        "geometry": serializers.DictField(allow_null=True, help_text="GeoJSON, WGS84 lon/lat"),
    },
)
_PAGE = inline_serializer(
    "ChangeFeedPage",
    {
        "events": _EVENT.__class__(many=True),
        "latest_txid": serializers.IntegerField(),
        "next": inline_serializer("ChangeFeedCursor", {"after_seq": serializers.IntegerField()}),
        "next_url": serializers.CharField(),
        "caught_up": serializers.BooleanField(),
    },
)


def _gone(exc: BeyondRetention) -> Response:
    return Response({"error": str(exc), "snapshot": reverse("api:changes-snapshot", args=["plate"])}, status=410)


class LatestView(APIView):
    """The latest committed txid and seq of the public channel, and the oldest txid the log can be followed from."""

    @extend_schema(operation_id="changes_latest", responses={200: _STATE})
    def get(self, request: Request) -> Response:
        state = channel_state()
        return Response(
            {"txid": state.txid, "seq": state.seq, "horizon_txid": state.horizon_txid, "committed_at": state.updated_at}
        )


class FeedView(APIView):
    """Public change events in order (txid, then seq), with the cursor of the next page."""

    @extend_schema(
        operation_id="changes_list",
        parameters=[FeedQuery],
        responses={200: _PAGE, 400: OpenApiTypes.OBJECT, 410: OpenApiTypes.OBJECT},
    )
    def get(self, request: Request) -> Response:
        query = FeedQuery(data=request.query_params)
        if not query.is_valid():
            return Response({"error": "invalid request", "fields": query.errors}, status=400)
        data = query.validated_data
        try:
            if "after" in data:
                state = check_retention(data["after"])
                after_seq = seq_before_txid(data["after"])
            else:
                state = channel_state()
                after_seq = data["after_seq"]
                if after_seq > state.seq:
                    return Response(
                        {"error": "invalid request", "fields": {"after_seq": [f"is beyond the latest seq {state.seq}"]}},
                        status=400,
                    )
                if state.horizon_txid:
                    check_retention(txid_of_seq(after_seq))
        except BeyondRetention as exc:
            return _gone(exc)
        except ValueError as exc:
            return Response({"error": "invalid request", "fields": {"after": [str(exc)]}}, status=400)
        events, last_seq, count = events_after_json(after_seq=after_seq, limit=data["limit"])
        next_seq = last_seq if count else after_seq
        # The events arrive as JSON text from PostgreSQL and are sent as they are (10,000 events ≈ 6 MB).
        head = {
            "latest_txid": state.txid,
            "next": {"after_seq": next_seq},
            "next_url": f"{reverse('api:changes')}?after_seq={next_seq}&limit={data['limit']}",
            "caught_up": next_seq >= state.seq,
        }
        return HttpResponse(json.dumps(head)[:-1] + ', "events": ' + events + "}", content_type="application/json")


class SnapshotView(APIView):
    """Every entity of a kind (plate, building, village, district, road) as it was at a txid, as GeoJSON.

    The collection names its ``txid``: follow ``/api/v1/changes?after=<txid>`` from there.
    """

    throttle_classes = [ExportThrottle]
    throttle_scope = "exports"
    content_negotiation_class = FileNegotiation

    @extend_schema(
        operation_id="changes_snapshot",
        parameters=[
            OpenApiParameter("entity", str, OpenApiParameter.PATH, enum=list(ENTITIES)),
            SnapshotQuery,
        ],
        responses={(200, "application/geo+json"): OpenApiTypes.OBJECT, 400: OpenApiTypes.OBJECT, 410: OpenApiTypes.OBJECT},
    )
    def get(self, request: Request, entity: str):
        if entity not in ENTITIES:
            return Response(
                {"error": "invalid request", "fields": {"entity": [f"must be one of {', '.join(ENTITIES)}"]}}, status=400
            )
        query = SnapshotQuery(data=request.query_params)
        if not query.is_valid():
            return Response({"error": "invalid request", "fields": query.errors}, status=400)
        txid = query.validated_data.get("txid", channel_state().txid)
        try:
            check_retention(txid)
        except BeyondRetention as exc:
            return _gone(exc)
        except ValueError as exc:
            return Response({"error": "invalid request", "fields": {"txid": [str(exc)]}}, status=400)
        response = StreamingHttpResponse(_geojson(entity, txid), content_type="application/geo+json")
        response["Content-Disposition"] = f'attachment; filename="{entity}-txid-{txid}.geojson"'
        return response


def _geojson(entity: str, txid: int) -> Iterator[bytes]:
    yield f'{{"type":"FeatureCollection","txid":{txid},"entity":{json.dumps(entity)},"features":['.encode()
    first = True
    for entity_id, data, geometry in snapshot(entity=entity, txid=txid):
        sep = "" if first else ","
        first = False
        yield f'{sep}{{"type":"Feature","id":{entity_id},"geometry":{geometry or "null"},"properties":{data}}}'.encode()
    yield b"]}\n"
