"""Reads of import batches for other apps: counts of failed runs waiting for someone to look at them.

Called by the staff home page (``geo_portal.staff``).
"""

from __future__ import annotations

from geo_portal.ingest.models import ImportBatch


def failed_batch_count() -> int:
    """Import runs that failed (their record says where and why)."""
    return ImportBatch.objects.filter(status=ImportBatch.Status.FAILED).count()
