"""A report's personal data: private files (0600 in 0700 folders), every staff read logged (photo view, the
admin page showing the contact) in an append-only table, and the retention job that removes contacts and photos
of reports closed long enough — on the real job queue, recorded, re-runnable."""

from __future__ import annotations

import importlib
import io
import stat
from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission, User
from django.db import ProgrammingError, connection, transaction
from django.utils import timezone
from procrastinate.contrib.django import app as procrastinate_app

from geo_portal.reports.media_permissions import Tightened, tighten_media_permissions
from geo_portal.reports.models import CitizenReport, PersonalDataPurge, PersonalDataRead
from geo_portal.reports.personal_data import purge_closed
from geo_portal.reports.services import create_report
from geo_portal.reports.tasks import PURGE_TASK
from tests.jobs.conftest import queue, run_worker  # noqa: F401 (the real worker's fixtures)
from tests.reports.conftest import GPS, jpeg_bytes, media_files

CONTACT = "王小明 0912-345-678"


def new_report(*, photo: bool = True, contact: str = CONTACT, keep: bool = False) -> CitizenReport:
    return create_report(
        kind="damaged",
        description="字跡模糊",
        contact=contact,
        plate_id=None,
        lon="120.99",
        lat="24.79",
        photo=io.BytesIO(jpeg_bytes(gps=GPS)) if photo else None,
        keep_photo_location=keep,
        client_ip="10.1.2.3",
    )


def mode(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.django_db(transaction=True)
def test_photo_files_are_private(media):
    report = new_report()
    path = media / report.photo.name
    assert mode(path) == 0o600
    assert [mode(folder) for folder in (path.parent, path.parent.parent, path.parent.parent.parent)] == [0o700] * 3


def _staff(username: str) -> User:
    user = User.objects.create_user(username, password="x", is_staff=True)
    user.user_permissions.add(*Permission.objects.filter(codename__in=["view_citizenreport", "change_citizenreport"]))
    return User.objects.get(pk=user.pk)


@pytest.mark.django_db(transaction=True)
def test_staff_reads_of_the_photo_and_contact_are_logged(client, media):
    report = new_report(keep=True)
    quiet = new_report(photo=False, contact="")
    staff = _staff("reader")
    client.force_login(staff)
    assert client.get(f"/reports/{report.pk}/photo").status_code == 200
    assert client.get(f"/admin/reports/citizenreport/{report.pk}/change/").status_code == 200
    assert client.get(f"/admin/reports/citizenreport/{quiet.pk}/change/").status_code == 200  # nothing personal shown
    assert client.get("/admin/reports/citizenreport/").status_code == 200  # the list shows no contact
    rows = list(PersonalDataRead.objects.order_by("id").values_list("user__username", "reference", "fields", "path"))
    assert rows == [
        ("reader", report.reference, ["photo"], f"/reports/{report.pk}/photo"),
        ("reader", report.reference, ["contact", "photo_location"], f"/admin/reports/citizenreport/{report.pk}/change/"),
    ]
    # Append-only at the database, whoever writes.
    with (
        pytest.raises(ProgrammingError, match="Cannot update or delete rows from reports_personaldataread"),
        transaction.atomic(),
    ):
        PersonalDataRead.objects.all().delete()
    with (
        pytest.raises(ProgrammingError, match="Cannot update or delete rows from reports_personaldataread"),
        transaction.atomic(),
    ):
        PersonalDataRead.objects.update(path="/elsewhere")
    assert PersonalDataRead.objects.count() == 2


def _close(report: CitizenReport, *, days_ago: int, status: str = "resolved") -> None:
    CitizenReport.objects.filter(pk=report.pk).update(status=status, updated_at=timezone.now() - timedelta(days=days_ago))


@pytest.mark.django_db(transaction=True)
def test_retention_removes_contacts_and_photos_of_reports_closed_long_enough(media, settings):
    settings.REPORTS_PERSONAL_DATA_RETENTION_DAYS = 30
    old_resolved = new_report()
    old_rejected = new_report(photo=False)
    recent = new_report()
    still_open = new_report()
    _close(old_resolved, days_ago=31)
    _close(old_rejected, days_ago=45, status="rejected")
    _close(recent, days_ago=29)
    CitizenReport.objects.filter(pk=still_open.pk).update(updated_at=timezone.now() - timedelta(days=400))
    before = media_files(media)

    purge = purge_closed()
    assert (sorted(purge.report_ids), purge.contacts, purge.photos) == (sorted([old_resolved.pk, old_rejected.pk]), 2, 1)
    after = {r.pk: (r.contact, r.photo.name, r.updated_at) for r in CitizenReport.objects.all()}
    assert after[old_resolved.pk][:2] == ("", "") and after[old_rejected.pk][:2] == ("", "")
    assert after[recent.pk][:2] == (CONTACT, recent.photo.name)
    assert after[still_open.pk][:2] == (CONTACT, still_open.photo.name)  # open: the office may still need it
    assert media_files(media) == [f for f in before if f != old_resolved.photo.name]
    assert abs(after[old_resolved.pk][2] - (timezone.now() - timedelta(days=31))) < timedelta(minutes=1)

    again = purge_closed()  # re-runnable: nothing left to remove, and the run is recorded too
    assert (again.report_ids, again.contacts, again.photos) == ([], 0, 0)
    assert PersonalDataPurge.objects.count() == 2


def test_the_daily_job_purges_on_the_real_queue(run_worker, media, settings):  # noqa: F811
    settings.REPORTS_PERSONAL_DATA_RETENTION_DAYS = 1
    report = new_report()
    _close(report, days_ago=2)
    schedules = [(p.task.name, p.cron) for p in procrastinate_app.periodic_registry.periodic_tasks.values()]
    assert (PURGE_TASK, "17 4 * * *") in schedules
    old = media / "reports" / "2024" / "01" / "old.jpg"  # an open report's photo, saved before uploads were 0600
    old.parent.mkdir(parents=True)
    old.write_bytes(b"jpeg")
    old.chmod(0o644)
    procrastinate_app.configure_task(PURGE_TASK).defer(timestamp=0)
    run_worker()
    with connection.cursor() as cursor:
        cursor.execute("SELECT status FROM procrastinate_jobs WHERE task_name = %s", [PURGE_TASK])
        assert cursor.fetchall() == [("succeeded",)]
    assert CitizenReport.objects.get(pk=report.pk).contact == ""
    assert media_files(media) == ["reports/2024/01/old.jpg"]
    assert mode(old) == 0o600
    assert PersonalDataPurge.objects.get().report_ids == [report.pk]


def test_photos_saved_world_readable_before_are_made_private_and_links_left_alone(media, tmp_path):
    old = media / "reports" / "2025" / "03"
    old.mkdir(parents=True)
    for folder in (media, media / "reports", media / "reports" / "2025", old):
        folder.chmod(0o755)
    photo, kept = old / "a.jpg", old / "b.jpg"
    photo.write_bytes(b"jpeg")
    photo.chmod(0o644)
    kept.write_bytes(b"jpeg")
    kept.chmod(0o600)
    outside = tmp_path / "outside.txt"
    outside.write_text("not a photo")
    outside.chmod(0o644)
    (old / "link.jpg").symlink_to(outside)

    assert tighten_media_permissions() == Tightened(files=1, folders=4)
    assert (mode(photo), mode(kept), mode(outside)) == (0o600, 0o600, 0o644)
    assert [mode(f) for f in (media, media / "reports", media / "reports" / "2025", old)] == [0o700] * 4
    assert tighten_media_permissions() == Tightened(files=0, folders=0)  # idempotent


@pytest.mark.django_db
def test_the_migration_makes_photos_private(media):
    folder = media / "census" / "2025" / "01"
    folder.mkdir(parents=True)
    (folder / "c.jpg").write_bytes(b"jpeg")
    (folder / "c.jpg").chmod(0o644)
    migration = importlib.import_module("geo_portal.reports.migrations.0004_private_photo_permissions")
    migration.tighten(apps=None, schema_editor=None)
    assert mode(folder / "c.jpg") == 0o600 and mode(folder) == 0o700
