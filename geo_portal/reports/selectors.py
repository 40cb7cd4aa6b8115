"""Reads of citizen reports for other apps: counts of work waiting, never contacts or photos.

Called by the staff home page (``geo_portal.staff``), the census splitter (``geo_portal.census``) and re-issuance
(``geo_portal.reissue``: a case from a report).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.gis.geos import MultiPolygon
from django.db.models import FloatField, Func

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
