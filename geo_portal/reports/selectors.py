"""Reads of citizen reports for other apps: counts of work waiting, never contacts or photos.

Called by the staff home page (``geo_portal.staff``).
"""

from __future__ import annotations

from geo_portal.reports.models import CitizenReport

# Reports staff still have to act on: not yet looked at, or being looked at.
OPEN_STATUSES = (CitizenReport.Status.NEW, CitizenReport.Status.IN_REVIEW)


def open_report_count() -> int:
    """Reports that are new or in review."""
    return CitizenReport.objects.filter(status__in=OPEN_STATUSES).count()


def report_count(*, status: CitizenReport.Status) -> int:
    """Reports in one status."""
    return CitizenReport.objects.filter(status=status).count()
