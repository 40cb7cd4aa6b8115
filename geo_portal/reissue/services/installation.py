"""The new plate reaches its place: installed on the wall (a photo, its GPS position near the plate, the installer)
or collected at the counter by the resident. Either way the case's plates become "ok", checked on that day, through
the plate services with the case as the change's cause (``reissue_case:<id>``), so the public card and the change
feed show it. The photo is cleaned like a citizen's (``reports.photo.process_photo``: type by content, everything
but the pixels and the GPS block dropped) and stored under a random name; it is removed again if anything fails.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import uuid
from typing import IO

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.contrib.gis.geos import Point
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from geo_portal.addresses.models import DoorPlate
from geo_portal.addresses.plates import PlateRefused, StalePlate, plate_set_condition
from geo_portal.changes.context import Cause
from geo_portal.core.geo import WGS84_SRID, in_taiwan, to_storage
from geo_portal.reissue.errors import CaseRefused, FieldErrors, add, refuse
from geo_portal.reissue.models import Case, CasePlate, Installation
from geo_portal.reissue.photos import gps_of
from geo_portal.reissue.services.common import HANDLE, check_step, check_version, clean_note, locked_case, move, require
from geo_portal.reports.photo import PhotoRejected, ProcessedPhoto, process_photo


def _clean_day(day: object, field: str, errors: FieldErrors) -> None:
    if not isinstance(day, dt.date) or isinstance(day, dt.datetime):
        add(errors, field, _("must be a date"))
    elif day > timezone.localdate():
        add(errors, field, _("%(day)s is in the future") % {"day": day.isoformat()})


def _device_point(lon: float | None, lat: float | None, errors: FieldErrors) -> tuple[float, float] | None:
    if lon is None and lat is None:
        return None
    values = {}
    for name, value in (("lon", lon), ("lat", lat)):
        try:
            values[name] = float(value)
        except (TypeError, ValueError):
            values[name] = math.nan
        if not math.isfinite(values[name]):
            add(errors, name, _("must be a number (give both longitude and latitude)"))
    if "lon" in errors or "lat" in errors:
        return None
    return values["lon"], values["lat"]


def _plates_of(case: Case) -> list[DoorPlate]:
    ids = CasePlate.objects.filter(case=case).order_by("id").values_list("plate_id", flat=True)
    return list(DoorPlate.objects.filter(pk__in=list(ids)).order_by("pk"))


def _mark_ok(case: Case, *, day: dt.date, actor: AbstractBaseUser, evidence: str) -> None:
    """Every plate of the case is ok as of ``day`` (at its current version: the clerk vouches for it now)."""
    for plate in _plates_of(case):
        try:
            plate_set_condition(
                plate_id=plate.pk,
                version=plate.version,
                condition=DoorPlate.Condition.OK,
                checked_on=day,
                evidence=evidence[:200],
                actor=actor,
                cause=Cause.REISSUE_CASE,
                ref=case.pk,
            )
        except (PlateRefused, StalePlate) as exc:
            raise CaseRefused({"plate": [str(exc)]}) from None


@transaction.atomic
def case_installed(
    *,
    case_id: int,
    version: int,
    actor: AbstractBaseUser,
    photo: IO[bytes] | None,
    installer: str,
    installed_on: dt.date,
    lon: float | None = None,
    lat: float | None = None,
    note: str = "",
) -> Case:
    """The plates are on the wall: a photo (with a GPS position, from the photo or else the device) and the installer."""
    require(actor, HANDLE, _("record installations"))
    errors: FieldErrors = {}
    installer = clean_note(installer, "installer", errors=errors)
    if not installer:
        add(errors, "installer", _("who put the plate up is required"))
    elif len(installer) > 100:
        add(errors, "installer", _("is too long (at most 100 characters)"))
    _clean_day(installed_on, "installed_on", errors)
    note = clean_note(note, errors=errors)
    device = _device_point(lon, lat, errors)
    processed: ProcessedPhoto | None = None
    if photo is None:
        add(errors, "photo", _("a photo of the plate on the wall is required"))
    else:
        try:
            processed = process_photo(photo, keep_location=True)
        except PhotoRejected as exc:
            add(errors, "photo", exc.message)
    check_version(version)
    refuse(errors)
    case = locked_case(case_id, version)
    check_step(case, "install")
    lonlat, source = (gps_of(processed.content), Installation.GpsSource.PHOTO)
    if lonlat is None and device is not None:
        lonlat, source = device, Installation.GpsSource.DEVICE
    point = distance = None
    if lonlat is None:
        if settings.REISSUE_INSTALL_GPS_REQUIRED:
            raise CaseRefused({"photo": [_("the photo has no GPS position and the device gave none: turn location on")]})
        source = ""
    else:
        if not in_taiwan(*lonlat):
            raise CaseRefused(
                {"gps": [_("(%(lon).6f, %(lat).6f) is outside Taiwan") % {"lon": lonlat[0], "lat": lonlat[1]}]}
            )
        point = to_storage(Point(*lonlat, srid=WGS84_SRID))
        distance = min(p.geom.distance(point) for p in _plates_of(case))
        limit = settings.REISSUE_INSTALL_MAX_DISTANCE_M
        if distance > limit:
            raise CaseRefused(
                {
                    "gps": [
                        _("the photo was taken %(d).0f m from the plate (more than %(max).0f m)")
                        % {"d": distance, "max": limit}
                    ]
                }
            )
    installation = Installation(
        case=case,
        kind=Installation.Kind.INSTALLED,
        done_on=installed_on,
        installer=installer,
        photo_sha256=hashlib.sha256(processed.content).hexdigest(),
        point=point,
        gps_source=source,
        distance_m=None if distance is None else round(distance, 1),
        note=note,
        recorded_by=actor,
    )
    installation.photo.save(f"{uuid.uuid4().hex}.{processed.extension}", ContentFile(processed.content), save=False)
    stored = installation.photo.name
    try:
        installation.save()
        _mark_ok(case, day=installed_on, actor=actor, evidence=f"re-issue case {case.reference}: new plate installed")
        return move(case, "install", actor=actor, note=note or _("installed by %(who)s") % {"who": installer})
    except BaseException:
        installation.photo.storage.delete(stored)
        raise


@transaction.atomic
def case_collected(*, case_id: int, version: int, actor: AbstractBaseUser, collected_on: dt.date, note: str = "") -> Case:
    """The resident collected the new plates at the counter (to put them up themselves)."""
    require(actor, HANDLE, _("record collections"))
    errors: FieldErrors = {}
    _clean_day(collected_on, "collected_on", errors)
    note = clean_note(note, errors=errors)
    check_version(version)
    refuse(errors)
    case = locked_case(case_id, version)
    check_step(case, "collect")
    Installation.objects.create(
        case=case, kind=Installation.Kind.COLLECTED, done_on=collected_on, note=note, recorded_by=actor
    )
    _mark_ok(case, day=collected_on, actor=actor, evidence=f"re-issue case {case.reference}: new plate collected")
    return move(case, "collect", actor=actor, note=note or _("collected at the counter"))
