"""A report's personal data (the reporter's contact, the photo and its kept GPS position) over its life: every
staff read logged (``log_read``), and removed by the retention job once the report has been closed for
``REPORTS_PERSONAL_DATA_RETENTION_DAYS`` (``purge_closed``).

Called by the staff photo view and the report admin (reads) and by ``tasks.purge_personal_data`` (daily).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from geo_portal.reports.models import CitizenReport, PersonalDataPurge, PersonalDataRead

logger = logging.getLogger(__name__)

CLOSED = (CitizenReport.Status.RESOLVED, CitizenReport.Status.REJECTED, CitizenReport.Status.DUPLICATE)


def fields_shown(report: CitizenReport) -> list[str]:
    """The personal fields a staff page showing the whole report reveals (empty ones are not a read)."""
    fields = []
    if report.contact:
        fields.append(PersonalDataRead.Field.CONTACT.value)
    if report.photo and report.photo_keeps_location:
        fields.append(PersonalDataRead.Field.PHOTO_LOCATION.value)
    return fields


@transaction.atomic
def log_read(*, user: AbstractBaseUser, report: CitizenReport, fields: Iterable[str], path: str) -> PersonalDataRead | None:
    """Record that ``user`` saw these personal fields of ``report`` on ``path``; None when there were none."""
    fields = sorted(set(fields), key=[f.value for f in PersonalDataRead.Field].index)
    if not fields:
        return None
    return PersonalDataRead.objects.create(
        user=user, report_id=report.pk, reference=report.reference, fields=fields, path=path[:300]
    )


def reads_of(report: CitizenReport):
    """Who saw a report's personal data, newest first."""
    return PersonalDataRead.objects.filter(report_id=report.pk).select_related("user")


@transaction.atomic
def purge_closed(*, now: datetime | None = None) -> PersonalDataPurge:
    """Remove the contact and photo of every report closed (resolved, rejected, duplicate) and unchanged for the
    retention period; record the run (also when there was nothing to remove). The photo files are deleted once the
    transaction has committed. Re-runnable: a purged report has nothing left to purge."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.REPORTS_PERSONAL_DATA_RETENTION_DAYS)
    due = (
        CitizenReport.objects.select_for_update()
        .filter(status__in=CLOSED, updated_at__lt=cutoff)
        .filter(~Q(contact="") | ~Q(photo=""))
        .order_by("pk")
    )
    rows = list(due.values_list("pk", "contact", "photo"))
    ids = [pk for pk, _contact, _photo in rows]
    names = [photo for _pk, _contact, photo in rows if photo]
    # update() leaves updated_at alone: the report's own history is not "changed" by the purge.
    CitizenReport.objects.filter(pk__in=ids).update(contact="", photo="", photo_keeps_location=False)
    purge = PersonalDataPurge.objects.create(
        cutoff=cutoff, report_ids=ids, contacts=sum(1 for _pk, contact, _photo in rows if contact), photos=len(names)
    )
    storage = CitizenReport._meta.get_field("photo").storage

    def delete_files() -> None:
        for name in names:
            storage.delete(name)

    transaction.on_commit(delete_files)
    logger.info("report personal data purged: %d reports, %d contacts, %d photos", len(ids), purge.contacts, len(names))
    return purge
