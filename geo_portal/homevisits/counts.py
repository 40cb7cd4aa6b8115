"""Counts of home-visit work waiting, for the staff home page (no personal data: a number)."""

from __future__ import annotations

from geo_portal.homevisits.models import VisitRequest


def open_visit_count() -> int:
    """Requests waiting for a plan."""
    return VisitRequest.objects.filter(status=VisitRequest.Status.OPEN).count()
