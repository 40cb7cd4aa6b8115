"""Reads of citizen reports for other apps: counts of work waiting, never contacts or photos.

Called by the staff home page (``geo_portal.staff``) and the census splitter (``geo_portal.census``).
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
