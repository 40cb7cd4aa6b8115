"""Writing citizen reports: validates every field, cleans the photo, stores file and row together; called by views.

Every refusal is a ``ReportRejected`` whose ``fields`` map a field name to messages for the reporter. Log lines
name the reference, kind, plate and which fields were refused; never the contact or the description, and never
the client's address (only a keyed hash of it is stored).

A report is stored once per filled-in form: the form sends a random submission key, and a second post with the key
(a double tap, a resend after a lost answer) gets the stored report back instead of a new one. A point outside the
districts the platform covers is refused (the office cannot act there). Staff mark a report as a duplicate of
another with ``report_mark_duplicate`` (the admin calls it).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import math
import re
import secrets
import uuid
from collections.abc import Iterable
from typing import IO

from django.conf import settings
from django.contrib.gis.geos import Point
from django.contrib.gis.measure import D
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from geo_portal.addresses.models import DoorPlate
from geo_portal.areas.models import District
from geo_portal.core.geo import WGS84_SRID, point_in_taiwan_wgs84, to_storage
from geo_portal.core.numerals import read_decimal
from geo_portal.reports.models import (
    CONTACT_MAX_LENGTH,
    DESCRIPTION_MAX_LENGTH,
    SUBMISSION_KEY_MAX_LENGTH,
    CitizenReport,
)
from geo_portal.reports.photo import PhotoRejected, ProcessedPhoto, process_photo

logger = logging.getLogger(__name__)

# No 0/O, 1/I/L: a reference read aloud over the phone or copied from a screen stays unambiguous.
REFERENCE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
REFERENCE_LENGTH = 5
REFERENCE_ATTEMPTS = 8
REFERENCE_CONSTRAINT = "citizenreport_reference_uniq"
SUBMISSION_CONSTRAINT = "citizenreport_submission_uniq"
SUBMISSION_KEY = re.compile(rf"[0-9a-f]{{16,{SUBMISSION_KEY_MAX_LENGTH}}}")
MAX_PLATE_ID = 2**63 - 1
# A point this far outside every covered district is not the office's (a GPS fix near the boundary still is).
COVERAGE_MARGIN_M = 50

FieldErrors = dict[str, list[str]]


class SubmittedTwice(Exception):
    """Another request stored a report under the same submission key first (see ``create_report``)."""


class ReportRejected(Exception):
    """The report was not stored; ``fields`` maps each refused field to its messages."""

    def __init__(self, fields: FieldErrors) -> None:
        super().__init__(", ".join(sorted(fields)))  # field names only: messages may quote what was sent
        self.fields = fields


def new_reference() -> str:
    """A reference like ``R-20261127-7K3Q9``: today's date (local time) and 5 random unambiguous characters."""
    suffix = "".join(secrets.choice(REFERENCE_ALPHABET) for _i in range(REFERENCE_LENGTH))
    return f"R-{timezone.localdate():%Y%m%d}-{suffix}"


def client_hash(client_ip: str) -> str:
    """A keyed SHA-256 (HMAC with SECRET_KEY) of the client address: links one client's reports, hides the address."""
    return hmac.new(settings.SECRET_KEY.encode(), client_ip.encode(), hashlib.sha256).hexdigest()


def create_report(
    *,
    kind: str | None,
    description: str | None,
    contact: str | None,
    plate_id: str | int | None,
    lon: str | float | None,
    lat: str | float | None,
    photo: IO[bytes] | None,
    keep_photo_location: bool,
    client_ip: str,
    submission: str | None = None,
) -> CitizenReport:
    """Validate and store one citizen report; ReportRejected naming every refused field.

    ``submission`` is the form's random key (hex): a report already stored under it from the same client is
    returned as it is, and nothing new is stored.
    """
    errors: FieldErrors = {}
    key = (submission or "").strip().lower()
    if key:
        if not SUBMISSION_KEY.fullmatch(key):
            raise ReportRejected({"submission": [_("The form's submission key is not valid; reload the page.")]})
        earlier = _submitted_before(key, client_hash(client_ip))
        if earlier is not None:
            return earlier
    kind = _clean_kind(kind, errors)
    description = _clean_text(
        description,
        "description",
        DESCRIPTION_MAX_LENGTH,
        errors,
        too_long=_("The description is too long (%(count)d characters); the limit is %(limit)d."),
        null=_("The description contains a null character."),
        undecodable=_("The description is not valid UTF-8 text; type it again in the form."),
    )
    contact = _clean_text(
        contact,
        "contact",
        CONTACT_MAX_LENGTH,
        errors,
        too_long=_("The contact is too long (%(count)d characters); the limit is %(limit)d."),
        null=_("The contact contains a null character."),
        undecodable=_("The contact is not valid UTF-8 text; type it again in the form."),
    )
    if kind == CitizenReport.Kind.OTHER and not description and "description" not in errors:
        errors["description"] = [_("Describe the problem when the kind is “other”.")]
    plate = _find_plate(plate_id, errors)
    point = _parse_point(lon, lat, errors)
    if plate is None and point is None and not errors.keys() & {"plate", "lon", "lat", "location"}:
        errors["location"] = [_("Choose a door plate or a point on the map.")]
    if plate is None and point is not None and not _covered(point):
        errors["location"] = [_("The point is outside the area this office covers; report it to the office there.")]
    processed: ProcessedPhoto | None = None
    if photo is not None:
        try:
            processed = process_photo(photo, keep_location=keep_photo_location)
        except PhotoRejected as exc:
            errors["photo"] = [exc.message]
    if errors:
        logger.info("citizen report refused: %s", ", ".join(sorted(errors)))
        raise ReportRejected(errors)

    report = CitizenReport(
        kind=kind,
        plate=plate,
        location=point if point is not None else plate.geom,
        description=description,
        contact=contact,
        photo_keeps_location=bool(processed and keep_photo_location),
        client_hash=client_hash(client_ip),
        submission_key=key,
    )
    try:
        _store(report, processed)
    except SubmittedTwice:
        # Both taps arrived at once and the other one stored the report: answer with it.
        earlier = _submitted_before(key, report.client_hash)
        if earlier is None:
            raise ReportRejected({"submission": [_("The form's submission key is not valid; reload the page.")]}) from None
        return earlier
    logger.info(
        "citizen report %s stored: kind %s, plate %s, photo %s, client %s",
        report.reference,
        report.kind,
        report.plate_id,
        processed.extension if processed else "none",
        report.client_hash[:12],
    )
    return report


def _submitted_before(key: str, client: str) -> CitizenReport | None:
    """The report stored under a submission key, if the same client sent it; a key of another client is refused."""
    earlier = CitizenReport.objects.filter(submission_key=key).first()
    if earlier is None:
        return None
    if not hmac.compare_digest(earlier.client_hash, client):
        raise ReportRejected({"submission": [_("The form's submission key is not valid; reload the page.")]})
    logger.info("citizen report %s sent again with its submission key; nothing new stored", earlier.reference)
    return earlier


def _covered(point: Point) -> bool:
    """Whether a point lies within ``COVERAGE_MARGIN_M`` of a district with door plates (true when no such
    district has a boundary: nothing to check against)."""
    districts = District.objects.filter(
        boundary__isnull=False, pk__in=DoorPlate.objects.active().values("district_id").distinct()
    )
    if not districts.exists():
        return True
    return districts.filter(boundary__dwithin=(point, D(m=COVERAGE_MARGIN_M))).exists()


class DuplicateRefused(ValueError):
    """A report cannot be marked as a duplicate of that one; the message says why (for staff)."""


def check_duplicate(*, report: CitizenReport, original: CitizenReport) -> CitizenReport:
    """The report ``report`` would be a duplicate of: ``original``, or the one it repeats itself; DuplicateRefused
    when that is the report itself (directly or through a chain)."""
    seen = {report.pk}
    while original.duplicate_of_id is not None and original.pk not in seen:
        seen.add(original.pk)
        original = original.duplicate_of
    if original.pk in seen:
        raise DuplicateRefused(
            _("%(reference)s cannot repeat itself; choose the report it repeats.") % {"reference": report.reference}
        )
    return original


@transaction.atomic
def report_mark_duplicate(*, report_id: int, original_id: int, actor: str) -> CitizenReport:
    """Mark a report as a duplicate of another (status ``duplicate``); reports that repeated it follow it to the
    original. Both rows are locked, so two staff marking crosswise cannot make a loop."""
    rows = {r.pk: r for r in CitizenReport.objects.select_for_update().filter(pk__in=[report_id, original_id])}
    if report_id not in rows or original_id not in rows:
        raise DuplicateRefused(_("No such report."))
    report = rows[report_id]
    original = check_duplicate(report=report, original=rows[original_id])
    report.status, report.duplicate_of = CitizenReport.Status.DUPLICATE, original
    report.save(update_fields=["status", "duplicate_of", "updated_at"])
    moved = CitizenReport.objects.filter(duplicate_of=report).update(duplicate_of=original, updated_at=timezone.now())
    logger.info(
        "citizen report %s marked as a duplicate of %s by %s (%d earlier duplicates moved with it)",
        report.reference,
        original.reference,
        actor,
        moved,
    )
    return report


@transaction.atomic
def report_set_status(*, report_id: int, status: str, actor: str) -> CitizenReport:
    """Set a report's status other than ``duplicate`` (use ``report_mark_duplicate``); leaving ``duplicate``
    clears the report it repeated."""
    if status == CitizenReport.Status.DUPLICATE or status not in CitizenReport.Status.values:
        raise DuplicateRefused(_("Mark a duplicate by choosing the report it repeats."))
    report = CitizenReport.objects.select_for_update().get(pk=report_id)
    report.status, report.duplicate_of = status, None
    report.save(update_fields=["status", "duplicate_of", "updated_at"])
    logger.info("citizen report %s set to %s by %s", report.reference, status, actor)
    return report


def delete_reports(reports: Iterable[CitizenReport]) -> int:
    """Delete reports and, once the deletion is committed, their photo files; the number deleted."""
    reports = list(reports)
    names = [r.photo.name for r in reports if r.photo]
    storage = CitizenReport._meta.get_field("photo").storage

    def delete_files() -> None:
        for name in names:
            storage.delete(name)

    with transaction.atomic():
        deleted, _by_model = CitizenReport.objects.filter(pk__in=[r.pk for r in reports]).delete()
        transaction.on_commit(delete_files)
    logger.info("%d citizen reports deleted with %d photos", deleted, len(names))
    return deleted


def _store(report: CitizenReport, processed: ProcessedPhoto | None) -> None:
    """Write the photo file, then the row, in one durable transaction; the file is removed if anything fails."""
    stored_name = ""
    try:
        with transaction.atomic(durable=True):
            if processed is not None:
                # A random name: the file name says nothing about the reporter or the upload's original name.
                report.photo.save(f"{uuid.uuid4().hex}.{processed.extension}", ContentFile(processed.content), save=False)
                stored_name = report.photo.name
            _insert_with_new_reference(report)
    except BaseException:
        if stored_name:
            report.photo.storage.delete(stored_name)
        raise


def _insert_with_new_reference(report: CitizenReport) -> None:
    """Insert the row under a fresh reference, drawing again when the reference is already taken."""
    for attempt in range(1, REFERENCE_ATTEMPTS + 1):
        report.reference = new_reference()
        try:
            with transaction.atomic():  # a savepoint: a collision must not spoil the outer transaction
                report.save(force_insert=True)
            return
        except IntegrityError as exc:
            constraint = getattr(getattr(exc.__cause__, "diag", None), "constraint_name", None)
            if constraint == SUBMISSION_CONSTRAINT:
                raise SubmittedTwice from exc
            if constraint != REFERENCE_CONSTRAINT or attempt == REFERENCE_ATTEMPTS:
                raise
            logger.warning("citizen report reference %s already taken; drawing another", report.reference)


def _clean_kind(kind: str | None, errors: FieldErrors) -> str:
    kind = (kind or "").strip()
    if not kind:
        errors["kind"] = [_("Choose the kind of problem.")]
    elif kind not in CitizenReport.Kind.values:
        errors["kind"] = [
            _("Unknown kind of problem; choose one of: %(choices)s.") % {"choices": ", ".join(CitizenReport.Kind.values)}
        ]
    return kind


def _clean_text(
    value: str | None, field: str, limit: int, errors: FieldErrors, *, too_long: str, null: str, undecodable: str
) -> str:
    """The stripped text; a refusal for a NUL character (PostgreSQL text cannot hold one), for text that was not
    UTF-8, or past ``limit``.

    Django decodes form fields with ``errors="replace"``: bytes that are not UTF-8 arrive as U+FFFD, which a browser's
    form never sends (it encodes what was typed). Stored, they would be a silently damaged report.
    """
    text = (value or "").strip()
    if "\x00" in text:
        errors[field] = [null]
    elif "\ufffd" in text:
        errors[field] = [undecodable]
    elif len(text) > limit:
        errors[field] = [too_long % {"count": len(text), "limit": limit}]
    return text


def _find_plate(plate_id: str | int | None, errors: FieldErrors) -> DoorPlate | None:
    if plate_id is None or (isinstance(plate_id, str) and not plate_id.strip()):
        return None
    try:
        pk = int(plate_id)
    except (TypeError, ValueError):
        errors["plate"] = [_("The door plate must be given by its number (id).")]
        return None
    plate = DoorPlate.objects.active().filter(pk=pk).first() if 0 < pk <= MAX_PLATE_ID else None
    if plate is None:
        errors["plate"] = [_("Door plate %(id)d does not exist or is no longer in use.") % {"id": pk}]
    return plate


def _parse_point(lon: str | float | None, lat: str | float | None, errors: FieldErrors) -> Point | None:
    """The WGS84 lon/lat as a storage point; None when neither is given."""
    given = {name: value for name, value in (("lon", lon), ("lat", lat)) if value not in (None, "")}
    if not given:
        return None
    messages = {"lon": _("The longitude must be a number."), "lat": _("The latitude must be a number.")}
    numbers: dict[str, float] = {}
    for name in ("lon", "lat"):
        if name not in given:
            errors[name] = [_("Give both the longitude and the latitude.")]
            continue
        try:
            numbers[name] = read_decimal(given[name])  # not float(): it reads 1_20.99 as 120.99
        except (TypeError, ValueError):
            numbers[name] = math.nan
        if not math.isfinite(numbers[name]):
            errors[name] = [messages[name]]
    if len(numbers) < 2 or any(name in errors for name in ("lon", "lat")):
        return None
    try:
        wgs84 = point_in_taiwan_wgs84(Point(numbers["lon"], numbers["lat"], srid=WGS84_SRID))
    except ValueError:
        errors["location"] = [
            _("The point (%(lon)s, %(lat)s) is outside Taiwan.") % {"lon": numbers["lon"], "lat": numbers["lat"]}
        ]
        return None
    return to_storage(wgs84)
