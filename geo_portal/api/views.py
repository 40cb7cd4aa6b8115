"""Search endpoints: thin views that validate, call ``addresses.search`` (or ``batch_jobs``) and shape JSON.

Errors are HTTP 400 naming the field. Batch geocoding: synchronous and streamed for small files (a row and time
budget), a job on the queue for large ones (create, progress, result by an unguessable token)."""

from __future__ import annotations

import functools
import os
import tempfile
from dataclasses import asdict
from pathlib import Path

from django.conf import settings
from django.contrib.gis.geos import Point
from django.http import FileResponse, HttpRequest, HttpResponse, StreamingHttpResponse
from django.urls import reverse
from drf_spectacular.utils import extend_schema
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle, UserRateThrottle
from rest_framework.views import APIView

from geo_portal.addresses.search import autocomplete, geocode, geocode_csv_stream, plate_card
from geo_portal.addresses.search import reverse as reverse_geocode
from geo_portal.addresses.search.batch_input import count_lines
from geo_portal.api import answer_cache
from geo_portal.api.batch_jobs import BatchRefused, batch_job_create, batch_job_for_token, result_path
from geo_portal.api.models import BatchJob
from geo_portal.api.serializers import (
    AutocompleteQuery,
    BatchJobSerializer,
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
from geo_portal.core.throttling import FamilyThrottle
from geo_portal.ingest.errors import ImportRefused

MAX_BATCH_BYTES = 20 * 1024 * 1024
JOBS_PATH = "/api/v1/geocode/batch/jobs"
# Geocode answers are rendered once and kept as bytes (answer_cache): the same compact UTF-8 JSON DRF would send.
JSON = JSONRenderer()


def _bad_request(errors) -> Response:
    return Response({"error": "invalid request", "fields": errors}, status=400)


class GeocodeView(APIView):
    """Address → door plates, best first, with a match grade."""

    @classmethod
    def as_view(cls, **initkwargs):
        view = super().as_view(**initkwargs)
        view.fast_answer = cached_geocode_answer  # config.fast_path: answer-cache hits before DRF's dispatch
        return view

    @extend_schema(parameters=[GeocodeQuery], responses={200: GeocodeResultSerializer})
    def get(self, request: Request) -> HttpResponse:
        probe = getattr(request._request, "answer_probe", None)
        if probe is not None:  # cached_geocode_answer looked already: a miss under this version
            (key, version), body = probe, None
        else:
            # Keyed by the parameters as sent: an answer is stored only for parameters that validated.
            key = (request.query_params.get("q"), request.query_params.get("limit"))
            version = answer_cache.data_version()
            body = answer_cache.get(key, version)
        source = "hit"
        if body is None:
            query = GeocodeQuery(data=request.query_params)
            if not query.is_valid():
                return _bad_request(query.errors)
            body = JSON.render(asdict(geocode(query.validated_data["q"], limit=query.validated_data["limit"])))
            source = "miss" if answer_cache.put(key, version, body) else "none"
        response = HttpResponse(body, content_type="application/json")
        response["X-Answer-Cache"] = source  # hit, miss (stored now) or none (not cached: in a transaction, off)
        return response


def cached_geocode_answer(request: HttpRequest) -> HttpResponse | None:
    """A geocode answer-cache hit as ``GeocodeView`` would send it (same throttle, body and headers), without DRF's
    dispatch, for the public fast path (anonymous GETs); None for anything else, which the view then handles.

    The cache is looked up first and the throttle counted only for a hit: on a miss or a refusal the view runs its
    own throttle, so a request is counted once. A miss leaves its probe on the request for the view to reuse.
    """
    key, version = (request.GET.get("q"), request.GET.get("limit")), answer_cache.data_version()
    body = answer_cache.get(key, version)
    if body is None:
        request.answer_probe = (key, version)
        return None
    if not FamilyThrottle().allow_request(request, None):
        return None  # the view answers 429 in DRF's form
    response = HttpResponse(body, content_type="application/json")
    response["X-Answer-Cache"] = "hit"
    for header, value in _geocode_headers().items():  # what DRF's finalize_response adds (Allow)
        response[header] = value
    return response


@functools.cache
def _geocode_headers() -> dict[str, str]:
    view = GeocodeView()
    view.setup(HttpRequest())  # as at dispatch (Django adds HEAD to a view with GET here)
    return dict(view.default_response_headers)


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
            result = reverse_geocode(point, radius_m=data["radius"], limit=data["limit"])
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


def _save_temporary(upload) -> Path:
    fd, name = tempfile.mkstemp(suffix=".csv")
    with os.fdopen(fd, "wb") as out:
        for chunk in upload.chunks():
            out.write(chunk)
    return Path(name)


class GeocodeBatchView(APIView):
    """CSV upload → the same CSV with geocoding result columns (streamed back as text/csv).

    For files of up to ``GEOCODE_BATCH_SYNC_MAX_ROWS`` rows; larger ones go to ``geocode/batch/jobs``. A response that
    cannot finish (time budget, failure) ends with a row whose geo_status is ``stopped``.
    """

    throttle_classes = [BatchAnonThrottle, BatchUserThrottle]

    @extend_schema(request={"multipart/form-data": BatchUpload}, responses={(200, "text/csv"): str})
    def post(self, request: Request):
        upload = BatchUpload(data=request.data)
        if not upload.is_valid():
            return _bad_request(upload.errors)
        data = upload.validated_data
        if data["file"].size > MAX_BATCH_BYTES:
            return _bad_request(
                {"file": [f"larger than {MAX_BATCH_BYTES // (1024 * 1024)} MB; send it to {JOBS_PATH} as a job"]}
            )
        path = _save_temporary(data["file"])
        lines = count_lines(path) - 1
        if lines > settings.GEOCODE_BATCH_SYNC_MAX_ROWS:
            path.unlink(missing_ok=True)
            return _bad_request(
                {
                    "file": [
                        f"{lines} rows; a synchronous batch takes at most {settings.GEOCODE_BATCH_SYNC_MAX_ROWS}: "
                        f"send it to {JOBS_PATH} as a job"
                    ]
                }
            )
        try:
            pieces = iter(
                geocode_csv_stream(
                    source=path,
                    address_column=data.get("address_column") or None,
                    encoding=data["encoding"],
                    chunk_rows=settings.GEOCODE_BATCH_STREAM_CHUNK_ROWS,
                    seconds=settings.GEOCODE_BATCH_SYNC_SECONDS,
                    budget_hint=f"send the file to {JOBS_PATH} as a job",
                )
            )
        except ImportRefused as exc:
            path.unlink(missing_ok=True)
            return _bad_request({"file": [str(exc).replace(path.name, data["file"].name)]})

        def stream():
            try:
                yield from pieces
            finally:
                pieces.close()  # a client that went away: the generator stops before its next chunk
                path.unlink(missing_ok=True)

        response = StreamingHttpResponse(stream(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="geocoded.csv"'
        return response


def _job_body(job: BatchJob, token: str) -> dict:
    status_url = reverse("api:geocode-batch-job", args=[token])
    return {
        "status": job.status,
        "rows_done": job.rows_done,
        "rows_total": job.rows_total,
        "by_status": job.by_status,
        "error": job.error,
        "file_name": job.file_name,
        "expires_at": job.expires_at.isoformat(),
        "status_url": status_url,
        "download_url": reverse("api:geocode-batch-result", args=[token]) if job.status == BatchJob.Status.DONE else None,
    }


NOT_FOUND = {"error": "not found", "fields": {"token": ["no batch job has this token, or its result has expired"]}}


class GeocodeBatchJobCreateView(APIView):
    """CSV upload → a batch job on the queue (202): its token, and the URLs of its status and (when done) result.

    The token is the only key to the job and its result, which are kept for ``GEOCODE_BATCH_KEEP_HOURS``.
    """

    throttle_classes = [BatchAnonThrottle, BatchUserThrottle]

    @extend_schema(request={"multipart/form-data": BatchUpload}, responses={202: BatchJobSerializer})
    def post(self, request: Request) -> Response:
        upload = BatchUpload(data=request.data)
        if not upload.is_valid():
            return _bad_request(upload.errors)
        data = upload.validated_data
        try:
            created = batch_job_create(
                upload=data["file"],
                file_name=data["file"].name,
                size=data["file"].size,
                address_column=data.get("address_column") or "",
                encoding=data["encoding"],
            )
        except BatchRefused as exc:
            return _bad_request(exc.fields)
        body = {"token": created.token, **_job_body(created.job, created.token)}
        return Response(body, status=202, headers={"Location": body["status_url"], "Cache-Control": "no-store"})


class GeocodeBatchJobView(APIView):
    """A batch job's progress, by its token: queued, running (rows done of about rows_total), done, failed."""

    @extend_schema(responses={200: BatchJobSerializer})
    def get(self, request: Request, token: str) -> Response:
        job = batch_job_for_token(token)
        if job is None:
            return Response(NOT_FOUND, status=404)
        return Response(_job_body(job, token), headers={"Cache-Control": "no-store"})


class GeocodeBatchResultView(APIView):
    """A finished batch job's result CSV, by its token (409 while it is still running)."""

    @extend_schema(responses={(200, "text/csv"): str})
    def get(self, request: Request, token: str):
        job = batch_job_for_token(token)
        if job is None:
            return Response(NOT_FOUND, status=404)
        if job.status != BatchJob.Status.DONE:
            return Response(
                {"error": "not ready", "fields": {"token": [f"the batch job is {job.status}, not done"]}}, status=409
            )
        stem = Path(job.file_name).stem or "batch"
        response = FileResponse(
            result_path(job).open("rb"), as_attachment=True, filename=f"{stem}-geocoded.csv", content_type="text/csv"
        )
        response["Cache-Control"] = "private, no-store"
        return response
