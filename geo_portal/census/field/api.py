"""The field app's JSON API: task lists, claim / extend / release, the offline package, findings sync, photos.

Thin views: each checks the request (signed in, the surveyor's permission, CSRF on POST, the device not revoked,
the body's shape), calls one census service or selector and shapes its answer. Every error is JSON with a
``detail`` message: 401 signed out, 403 wrong role or failed CSRF check, 404 unknown task, 405 wrong method,
400 a refused action or bad input, 410 ``{"wipe": true}`` for a revoked device (the app wipes its census data).
Called by ``field.js`` (the app) and the tests.
"""

from __future__ import annotations

import functools
import json
import math
from collections.abc import Callable
from typing import Any

from django.contrib.gis.geos import Point
from django.http import HttpRequest, JsonResponse
from django.middleware.csrf import CsrfViewMiddleware
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.gzip import gzip_page

from geo_portal.census import selectors as census_selectors
from geo_portal.census import services, sync
from geo_portal.census.field import selectors
from geo_portal.census.models import FieldDevice, Task
from geo_portal.core.geo import in_taiwan

DEVICE_HEADER = "HTTP_X_FIELD_DEVICE"
MAX_BODY_BYTES = 2_000_000


def error(detail: str, status: int = 400, **extra: Any) -> JsonResponse:
    return JsonResponse({"detail": detail, **extra}, status=status, json_dumps_params={"ensure_ascii": False})


def answer(data: dict[str, Any], status: int = 200) -> JsonResponse:
    return JsonResponse(data, status=status, json_dumps_params={"ensure_ascii": False})


class _JsonCsrf(CsrfViewMiddleware):
    """Django's CSRF check with a JSON refusal instead of the HTML failure page."""

    def _reject(self, request: HttpRequest, reason: str) -> JsonResponse:
        return error(
            _("The request was refused by the CSRF check (%(reason)s). Reload the app and try again.") % {"reason": reason},
            403,
        )


_csrf = _JsonCsrf(lambda request: None)


def field_api(*methods: str) -> Callable:
    """Checks shared by every endpoint; the view gets ``request.field_device`` (None when not sent on a GET)."""

    def decorate(view: Callable) -> Callable:
        @csrf_exempt  # checked below, so that a failure answers JSON
        @never_cache
        @functools.wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> JsonResponse:
            if request.method not in methods:
                response = error(_("Method %(method)s is not allowed here.") % {"method": request.method}, 405)
                response["Allow"] = ", ".join(methods)
                return response
            user = request.user
            if not user.is_authenticated:
                login = reverse("staff:login") + "?next=" + reverse("census_field:app")
                return error(_("You are signed out. Sign in again; your findings stay on this device."), 401, login=login)
            if not (user.is_active and user.has_perm(services.FIELDWORK)):
                return error(_("%(user)s may not do census field work.") % {"user": user.get_username()}, 403)
            if request.method == "POST":
                refused = _csrf.process_view(request, view, args, kwargs)
                if refused is not None:
                    return refused
            try:
                request.field_device = _device(request)
                return view(request, *args, **kwargs)
            except sync.DeviceRevoked as exc:
                return error(str(exc), 410, wipe=True)
            except services.CensusRefused as exc:
                return error(str(exc), 400)
            except _BadRequest as exc:
                return error(str(exc), 400)

        return wrapped

    return decorate


class _BadRequest(ValueError):
    pass


def _device(request: HttpRequest) -> FieldDevice | None:
    """The device named by the X-Field-Device header (refused as a whole when revoked), or None."""
    value = request.META.get(DEVICE_HEADER, "")
    if not value:
        return None
    return sync.device_for(user=request.user, device_uuid=value, user_agent=request.META.get("HTTP_USER_AGENT", ""))


def _required_device(request: HttpRequest) -> FieldDevice:
    if request.field_device is None:
        raise _BadRequest(_("device: the X-Field-Device header (the device's UUID) is required"))
    return request.field_device


def _body(request: HttpRequest) -> dict[str, Any]:
    if len(request.body) > MAX_BODY_BYTES:
        raise _BadRequest(_("body: larger than %(n)d bytes; send fewer findings per request") % {"n": MAX_BODY_BYTES})
    try:
        data = json.loads(request.body or b"{}")
    except (ValueError, UnicodeDecodeError):
        raise _BadRequest(_("body: is not valid JSON")) from None
    if not isinstance(data, dict):
        raise _BadRequest(_("body: must be a JSON object"))
    return data


def _near(request: HttpRequest) -> Point | None:
    lon, lat = request.GET.get("lon"), request.GET.get("lat")
    if lon is None and lat is None:
        return None
    try:
        x, y = float(lon or ""), float(lat or "")
    except ValueError:
        raise _BadRequest(_("lon, lat: must both be numbers")) from None
    if not (math.isfinite(x) and math.isfinite(y) and in_taiwan(x, y)):
        raise _BadRequest(_("lon, lat: (%(lon)s, %(lat)s) is not in Taiwan") % {"lon": lon, "lat": lat})
    return Point(x, y, srid=4326)


def _task_or_404(task_id: int) -> Task:
    task = selectors.package_task(task_id)
    if task is None:
        raise _NotFound(task_id)
    return task


class _NotFound(Exception):
    pass


def _package(task: Task, user) -> dict[str, Any]:
    package = census_selectors.task_package(task, user)
    for stop in package["stops"]:
        stop["hints"] = selectors.placed_hints(stop["hints"])
    package["surroundings"] = selectors.surroundings(task)
    package["downloaded_at"] = timezone.now().isoformat()
    return package


@gzip_page
@field_api("GET")
def tasks(request: HttpRequest) -> JsonResponse:
    """``mine``: the tasks the user holds, was sent back or submitted; ``claimable``: ready and sent-back tasks
    (nearest first with ``?lon=&lat=``)."""
    user = request.user
    near = _near(request)
    return answer(
        {
            "mine": [selectors.task_summary(t, user) for t in census_selectors.tasks_of(user)],
            "claimable": [selectors.task_summary(t, user) for t in selectors.claimable_tasks(user, near=near)],
            "now": timezone.now().isoformat(),
        }
    )


def _task_action(action: Callable[..., Task], *, with_package: bool) -> Callable:
    @gzip_page  # a claim answers with the offline package: ~80 KB of JSON, ~7 KB gzipped
    @field_api("POST")
    def view(request: HttpRequest, task_id: int) -> JsonResponse:
        _required_device(request)
        try:
            _task_or_404(task_id)
        except _NotFound:
            return error(_("There is no census task %(id)s.") % {"id": task_id}, 404)
        task = action(task_id=task_id, user=request.user)
        task = selectors.package_task(task.pk)
        data: dict[str, Any] = {"task": selectors.task_summary(task, request.user)}
        if with_package:
            data["package"] = _package(task, request.user)
        return answer(data)

    return view


claim = _task_action(services.task_claim, with_package=True)
extend = _task_action(services.task_extend, with_package=False)
release = _task_action(services.task_release, with_package=False)


@gzip_page
@field_api("GET")
def package(request: HttpRequest, task_id: int) -> JsonResponse:
    """The offline package of a task the user holds (or last held): stops, plates with versions, hints, comments,
    outline and surroundings."""
    try:
        task = _task_or_404(task_id)
    except _NotFound:
        return error(_("There is no census task %(id)s.") % {"id": task_id}, 404)
    if not selectors.may_download(task, request.user):
        return error(_("Task #%(n)s is not yours: claim it first.") % {"n": task.number}, 403)
    return answer(_package(task, request.user))


@field_api("POST")
def sync_view(request: HttpRequest) -> JsonResponse:
    """A batch of findings (and tasks to submit) → the answer per record; ``tasks`` says where each task of the
    batch stands now (a claim that lapsed meanwhile is reported so the app can tell the surveyor)."""
    data = _body(request)
    device = request.field_device
    if "device" in data and (device is None or str(device.uuid) != str(data["device"])):
        device = sync.device_for(
            user=request.user, device_uuid=str(data["device"]), user_agent=request.META.get("HTTP_USER_AGENT", "")
        )
    if device is None:
        raise _BadRequest(_("device: the device's UUID is required (“device” in the body)"))
    findings = data.get("findings", [])
    submit = data.get("submit", [])
    if not isinstance(submit, list):
        raise _BadRequest(_("submit: must be a list of task ids"))
    result = sync.sync_findings(user=request.user, device=device, records=findings, submit=submit)
    out = result.as_dict()
    out["tasks"] = _task_states(findings, submit, request.user)
    out["now"] = timezone.now().isoformat()
    return answer(out)


def _task_states(findings: Any, submit: list[Any], user) -> dict[str, dict[str, Any]]:
    ids: set[int] = set()
    for record in findings if isinstance(findings, list) else []:
        value = record.get("task") if isinstance(record, dict) else None
        if isinstance(value, int) and not isinstance(value, bool):
            ids.add(value)
    ids.update(int(v) for v in submit if isinstance(v, int | str) and str(v).isdigit())
    now = timezone.now()
    states = {}
    for task in Task.objects.filter(pk__in=ids).select_related("campaign"):
        mine = task.state == Task.State.CLAIMED and task.assignee_id == user.pk
        live = mine and task.lock_expires_at > now
        states[str(task.pk)] = {
            **selectors.task_summary(task, user),
            "held": live,
            # The user's claim ran out (the lapse job may not have released it yet) or was released meanwhile.
            "lapsed": (mine and not live) or (task.state == Task.State.READY and task.last_assignee_id == user.pk),
        }
    return states


@field_api("POST")
def photo(request: HttpRequest, finding_uuid: str) -> JsonResponse:
    """The photo of a synced finding (multipart field ``photo``); the same photo again is confirmed again."""
    _required_device(request)
    upload = request.FILES.get("photo")
    if upload is None:
        raise _BadRequest(_("photo: no file was sent (multipart field “photo”)"))
    finding = sync.attach_photo(user=request.user, finding_uuid=finding_uuid, upload=upload)
    return answer({"uuid": str(finding.uuid), "photo": True, "sha256": finding.photo_sha256})
