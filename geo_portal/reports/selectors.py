"""Reads of citizen reports for other apps and public pages: counts of work waiting, hints, summaries and the
public status of a reference; never contacts, descriptions, photos or staff notes.

Called by the staff home page (``geo_portal.staff``), the census splitter (``geo_portal.census``), re-issuance
(``geo_portal.reissue``: a case from a report), the public status page (``reports.views``) and the door-plate
admin's list of a plate's reports.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from django.contrib.gis.geos import MultiPolygon
from django.db.models import FloatField, Func
from django.utils import timezone

from geo_portal.reports.models import CitizenReport

# Reports staff still have to act on: not yet looked at, or being looked at.
OPEN_STATUSES = (CitizenReport.Status.NEW, CitizenReport.Status.IN_REVIEW)


def open_report_count() -> int:
    """Reports that are new or in review."""
    return CitizenReport.objects.filter(status__in=OPEN_STATUSES).count()


def report_count(*, status: CitizenReport.Status) -> int:
    """Reports in one status."""
    return CitizenReport.objects.filter(status=status).count()


@dataclass(frozen=True)
class ReportHint:
    """An open report as a census hint: what kind, which plate (if any) and where — never contact or photo."""

    kind: str
    plate_id: int | None
    x: float  # EPSG:3826
    y: float


def open_report_hints(*, area: MultiPolygon) -> list[ReportHint]:
    """Open reports of plate problems inside ``area`` (EPSG:3826), for the census splitter's hints."""
    rows = (
        CitizenReport.objects.filter(status__in=OPEN_STATUSES, location__coveredby=area)
        .exclude(kind=CitizenReport.Kind.OTHER)
        .annotate(x=Func("location", function="ST_X", output_field=FloatField()))
        .annotate(y=Func("location", function="ST_Y", output_field=FloatField()))
        .order_by("created_at", "id")
        .values_list("kind", "plate_id", "x", "y")
    )
    return [ReportHint(kind, plate_id, x, y) for kind, plate_id, x, y in rows]


@dataclass(frozen=True)
class ReportSummary:
    """What another workflow may know of a report (re-issuance opens a case from it): never contact or photo."""

    id: int
    reference: str
    kind: str
    plate_id: int | None
    status: str


def report_summary(*, report_id: int) -> ReportSummary | None:
    """One report's reference, kind, plate and status (None when there is no such report)."""
    row = CitizenReport.objects.filter(pk=report_id).values_list("id", "reference", "kind", "plate_id", "status").first()
    return ReportSummary(*row) if row else None


def open_reports_naming_a_plate(*, kinds: tuple[str, ...]) -> list[ReportSummary]:
    """Open reports of these kinds that name a door plate, oldest first (re-issuance's reports to take)."""
    rows = (
        CitizenReport.objects.filter(status__in=OPEN_STATUSES, kind__in=kinds, plate__isnull=False)
        .order_by("created_at", "id")
        .values_list("id", "reference", "kind", "plate_id", "status")
    )
    return [ReportSummary(*row) for row in rows]


REFERENCE_PATTERN = re.compile(r"R-\d{8}-[2-9A-HJKMNP-Z]{5}")


@dataclass(frozen=True)
class PublicStatus:
    """What anyone holding a reference may see: no contact, description, photo, staff note or point."""

    report_id: int  # not shown: what other workflows' notes are looked up by (``hooks``)
    reference: str
    kind: str
    kind_label: str
    status: str
    status_label: str
    received_on: dt.date
    updated_on: dt.date
    plate_address: str  # the door plate's (public) address; '' for a report at a point
    duplicate_of: str  # the reference of the report it repeats, or ''


def public_status(*, reference: str) -> PublicStatus | None:
    """The public status of one report (None when no report has the reference)."""
    report = CitizenReport.objects.select_related("plate", "duplicate_of").filter(reference=reference).first()
    if report is None:
        return None
    return PublicStatus(
        report_id=report.pk,
        reference=report.reference,
        kind=report.kind,
        kind_label=str(CitizenReport.Kind(report.kind).label),
        status=report.status,
        status_label=str(CitizenReport.Status(report.status).label),
        received_on=timezone.localdate(report.created_at),
        updated_on=timezone.localdate(report.updated_at),
        plate_address=report.plate.address if report.plate else "",
        duplicate_of=report.duplicate_of.reference if report.duplicate_of else "",
    )


@dataclass(frozen=True)
class PlateReport:
    """A report as listed on its door plate's admin page (staff): no contact or photo."""

    id: int
    reference: str
    kind_label: str
    status: str
    status_label: str
    created_at: dt.datetime


def reports_of_plate(*, plate_id: int, limit: int = 50) -> list[PlateReport]:
    """The reports naming a door plate, newest first."""
    rows = CitizenReport.objects.filter(plate_id=plate_id).order_by("-created_at", "-id")[:limit]
    return [
        PlateReport(
            r.pk,
            r.reference,
            str(CitizenReport.Kind(r.kind).label),
            r.status,
            str(CitizenReport.Status(r.status).label),
            r.created_at,
        )
        for r in rows
    ]
