"""create_report: every refusal with its exact message, locations, references, photo storage, logs."""

from __future__ import annotations

import hashlib
import hmac
import io
import logging
import re

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import DataError
from PIL import Image
from pyproj import Transformer

from geo_portal.reports import services
from geo_portal.reports.models import CitizenReport
from geo_portal.reports.services import ReportRejected, create_report, delete_reports
from tests.conftest import X0, Y0
from tests.reports.conftest import GPS, jpeg_bytes, media_files

HSINCHU = (120.99, 24.79)
CONTACT = "王小明 0912-345-678"
DESCRIPTION = "門牌掉在地上，被機車壓壞了"


def report(**overrides) -> CitizenReport:
    values = {
        "kind": "missing",
        "description": "",
        "contact": "",
        "plate_id": None,
        "lon": None,
        "lat": None,
        "photo": None,
        "keep_photo_location": False,
        "client_ip": "203.0.113.5",
    }
    return create_report(**{**values, **overrides})


def refusal(**overrides) -> dict[str, list[str]]:
    with pytest.raises(ReportRejected) as info:
        report(**overrides)
    assert CitizenReport.objects.count() == 0
    return info.value.fields


def test_a_plate_gives_its_point(plates):
    stored = report(plate_id=str(plates["active"].pk))
    stored.refresh_from_db()
    assert (stored.plate_id, stored.location.srid, stored.location.coords) == (
        plates["active"].pk,
        3826,
        (X0 + 10, Y0 + 10),
    )
    assert (stored.kind, stored.status, stored.description, stored.contact, stored.photo.name) == (
        "missing",
        "new",
        "",
        "",
        "",
    )


def test_a_point_is_stored_in_twd97(db):
    stored = report(lon=str(HSINCHU[0]), lat=str(HSINCHU[1]))
    stored.refresh_from_db()
    expected = Transformer.from_crs(4326, 3826, always_xy=True).transform(*HSINCHU)
    assert stored.plate_id is None
    assert stored.location.srid == 3826
    assert stored.location.coords == pytest.approx(expected, abs=1e-6)


def test_a_point_given_with_a_plate_wins(plates):
    stored = report(kind="wrong_position", plate_id=plates["active"].pk, lon=HSINCHU[0], lat=HSINCHU[1])
    expected = Transformer.from_crs(4326, 3826, always_xy=True).transform(*HSINCHU)
    assert stored.plate_id == plates["active"].pk
    assert stored.location.coords == pytest.approx(expected, abs=1e-6)


def test_reference_and_client_hash(db):
    stored = report(lon=HSINCHU[0], lat=HSINCHU[1])
    assert re.fullmatch(r"R-\d{8}-[23456789ABCDEFGHJKMNPQRSTUVWXYZ]{5}", stored.reference)
    key = settings.SECRET_KEY.encode()
    assert stored.client_hash == hmac.new(key, b"203.0.113.5", hashlib.sha256).hexdigest()
    assert "203.0.113.5" not in stored.client_hash


def test_a_taken_reference_is_drawn_again(db, monkeypatch):
    drawn = iter(["R-20261127-AAAAA", "R-20261127-AAAAA", "R-20261127-BBBBB"])
    monkeypatch.setattr(services, "new_reference", lambda: next(drawn))
    first = report(lon=HSINCHU[0], lat=HSINCHU[1])
    second = report(lon=HSINCHU[0], lat=HSINCHU[1])
    assert (first.reference, second.reference) == ("R-20261127-AAAAA", "R-20261127-BBBBB")
    assert CitizenReport.objects.count() == 2


@pytest.mark.parametrize(
    ("overrides", "fields"),
    [
        ({"kind": ""}, {"kind": ["Choose the kind of problem."]}),
        (
            {"kind": "graffiti"},
            {"kind": ["Unknown kind of problem; choose one of: missing, damaged, wrong_position, no_plate, other."]},
        ),
        ({"kind": "other"}, {"description": ["Describe the problem when the kind is “other”."]}),
        (
            {"description": "x" * 2001},
            {"description": ["The description is too long (2001 characters); the limit is 2000."]},
        ),
        ({"description": "a\x00b"}, {"description": ["The description contains a null character."]}),
        ({"contact": "c" * 201}, {"contact": ["The contact is too long (201 characters); the limit is 200."]}),
        ({"lon": "abc", "lat": "24.79"}, {"lon": ["The longitude must be a number."]}),
        ({"lon": "120.99", "lat": "nan"}, {"lat": ["The latitude must be a number."]}),
        ({"lon": "120.99", "lat": ""}, {"lat": ["Give both the longitude and the latitude."]}),
        ({"lon": "139.69", "lat": "35.69"}, {"location": ["The point (139.69, 35.69) is outside Taiwan."]}),
    ],
)
def test_refusals_name_the_field_and_reason(db, overrides, fields):
    assert refusal(**{"lon": HSINCHU[0], "lat": HSINCHU[1], **overrides}) == fields


def test_neither_plate_nor_point(db):
    assert refusal() == {"location": ["Choose a door plate or a point on the map."]}


def test_plate_refusals(plates):
    assert refusal(plate_id="abc") == {"plate": ["The door plate must be given by its number (id)."]}
    assert refusal(plate_id="999999") == {"plate": ["Door plate 999999 does not exist or is no longer in use."]}
    assert refusal(plate_id=str(10**30)) == {"plate": [f"Door plate {10**30} does not exist or is no longer in use."]}
    retired = plates["retired"].pk
    assert refusal(plate_id=retired) == {"plate": [f"Door plate {retired} does not exist or is no longer in use."]}


def test_every_refused_field_is_named_at_once(db):
    fields = refusal(
        kind="other",
        contact="c" * 201,
        lon="x",
        lat="y",
        photo=SimpleUploadedFile("photo.jpg", b"GIF89a not really", content_type="image/jpeg"),
    )
    assert fields == {
        "description": ["Describe the problem when the kind is “other”."],
        "contact": ["The contact is too long (201 characters); the limit is 200."],
        "lon": ["The longitude must be a number."],
        "lat": ["The latitude must be a number."],
        "photo": ["The photo is not a JPEG, PNG or HEIC image."],
    }


def test_photo_is_cleaned_and_stored_under_a_random_name(db, media):
    photo = SimpleUploadedFile("王小明家門口.jpg", jpeg_bytes(gps=GPS), content_type="image/jpeg")
    stored = report(lon=HSINCHU[0], lat=HSINCHU[1], photo=photo)
    assert re.fullmatch(r"reports/\d{4}/\d{2}/[0-9a-f]{32}\.jpg", stored.photo.name)
    assert media_files(media) == [stored.photo.name]
    image = Image.open(io.BytesIO((media / stored.photo.name).read_bytes()))
    assert (image.format, dict(image.getexif()), stored.photo_keeps_location) == ("JPEG", {}, False)


def test_photo_keeps_its_location_on_opt_in(db, media):
    photo = SimpleUploadedFile("p.jpg", jpeg_bytes(gps=GPS), content_type="image/jpeg")
    stored = report(lon=HSINCHU[0], lat=HSINCHU[1], photo=photo, keep_photo_location=True)
    image = Image.open(io.BytesIO((media / stored.photo.name).read_bytes()))
    assert (dict(image.getexif().get_ifd(0x8825)), stored.photo_keeps_location) == (GPS, True)


def test_opt_in_without_a_photo_is_not_recorded(db):
    assert report(lon=HSINCHU[0], lat=HSINCHU[1], keep_photo_location=True).photo_keeps_location is False


def test_a_failed_insert_leaves_no_photo_file(db, media, monkeypatch):
    monkeypatch.setattr(services, "new_reference", lambda: "R-20261127-TOOLONG")  # 19 > 16 characters
    photo = SimpleUploadedFile("p.jpg", jpeg_bytes(), content_type="image/jpeg")
    with pytest.raises(DataError):
        report(lon=HSINCHU[0], lat=HSINCHU[1], photo=photo)
    assert media_files(media) == []
    assert CitizenReport.objects.count() == 0


def test_deleting_reports_removes_their_photos_after_commit(db, media, django_capture_on_commit_callbacks):
    photo = SimpleUploadedFile("p.jpg", jpeg_bytes(), content_type="image/jpeg")
    stored = report(lon=HSINCHU[0], lat=HSINCHU[1], photo=photo)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assert delete_reports([stored]) == 1
    assert media_files(media) == [stored.photo.name]  # not before the commit
    for callback in callbacks:
        callback()
    assert (media_files(media), CitizenReport.objects.count()) == ([], 0)


def test_logs_name_the_report_but_never_the_contact_or_description(db, caplog):
    caplog.set_level(logging.DEBUG)
    stored = report(kind="damaged", lon=HSINCHU[0], lat=HSINCHU[1], contact=CONTACT, description=DESCRIPTION)
    with pytest.raises(ReportRejected):
        report(kind="nonsense", lon=HSINCHU[0], lat=HSINCHU[1], contact=CONTACT, description=DESCRIPTION)
    assert [r.getMessage() for r in caplog.records if r.name.startswith("geo_portal.reports")] == [
        f"citizen report {stored.reference} stored: kind damaged, plate None, photo none, client {stored.client_hash[:12]}",
        "citizen report refused: kind",
    ]
    assert "0912" not in caplog.text and "王小明" not in caplog.text and "門牌掉在地上" not in caplog.text
