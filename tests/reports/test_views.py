"""POST /reports/ (JSON shapes, CSRF, honeypot, throttle, no contact echoed) and the staff-only photo view."""

from __future__ import annotations

import io
import logging
import re

import pytest
from django.contrib.auth.models import Permission, User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import HttpRequest
from django.middleware.csrf import get_token
from django.test import Client
from PIL import Image

from geo_portal.reports.models import CitizenReport
from tests.reports.conftest import GPS, jpeg_bytes, media_files

URL = "/reports/"
CONTACT = "王小明 0912-345-678"
REFUSED = "The report was not accepted; please check the fields marked."


@pytest.fixture
def client():
    return Client(HTTP_ACCEPT_LANGUAGE="en")


def form(**overrides) -> dict:
    return {"kind": "damaged", "description": "字跡模糊", "lon": "120.99", "lat": "24.79", **overrides}


def test_created_with_reference_and_thank_you(client, db):
    response = client.post(URL, form(contact=CONTACT))
    assert response.status_code == 201
    body = response.json()
    stored = CitizenReport.objects.get()
    assert body == {
        "reference": stored.reference,
        "message": f"Thank you. Your report has been received; its reference number is {stored.reference}.",
        "status_url": f"/reports/status/{stored.reference}",
    }
    assert re.fullmatch(r"R-\d{8}-[2-9A-HJKMNP-Z]{5}", stored.reference)
    assert (stored.kind, stored.description, stored.contact) == ("damaged", "字跡模糊", CONTACT)


def test_contact_never_appears_in_responses_or_logs(client, db, caplog):
    caplog.set_level(logging.DEBUG)
    created = client.post(URL, form(contact=CONTACT))
    refused = client.post(URL, form(contact=CONTACT, kind="nonsense"))
    assert (created.status_code, refused.status_code) == (201, 400)
    for response in (created, refused):
        assert "0912" not in response.content.decode() and "王小明" not in response.content.decode()
    assert "0912" not in caplog.text and "王小明" not in caplog.text and "字跡模糊" not in caplog.text
    assert CitizenReport.objects.get().reference in caplog.text


def test_field_errors_are_a_400_with_a_summary(client, db):
    response = client.post(URL, form(kind="graffiti", lon="139.69", lat="35.69"))
    assert response.status_code == 400
    assert response.json() == {
        "error": REFUSED,
        "fields": {
            "kind": ["Unknown kind of problem; choose one of: missing, damaged, wrong_position, no_plate, other."],
            "location": ["The point (139.69, 35.69) is outside Taiwan."],
        },
    }


def test_plate_without_point(client, plates):
    response = client.post(URL, {"kind": "missing", "plate": str(plates["active"].pk)})
    assert response.status_code == 201
    stored = CitizenReport.objects.get()
    assert (stored.plate_id, stored.location.coords) == (plates["active"].pk, plates["active"].geom.coords)


def test_honeypot_refuses_and_stores_nothing(client, db, media):
    photo = SimpleUploadedFile("p.jpg", jpeg_bytes(), content_type="image/jpeg")
    response = client.post(URL, form(website="http://spam.example", photo=photo))
    assert response.status_code == 400
    assert response.json() == {"error": REFUSED, "fields": {"website": ["This field must be left empty."]}}
    assert (CitizenReport.objects.count(), media_files(media)) == (0, [])


def test_csrf_is_required_even_anonymously(db):
    client = Client(enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE="en")
    response = client.post(URL, form())
    assert response.status_code == 403
    assert response.json() == {
        "error": "The form has expired or was not sent from this site; reload the page and send it again."
    }
    assert CitizenReport.objects.count() == 0

    page_request = HttpRequest()
    token = get_token(page_request)  # what a page rendering {% csrf_token %} hands out
    client.cookies["csrftoken"] = page_request.META["CSRF_COOKIE"]
    response = client.post(URL, form(), HTTP_X_CSRFTOKEN=token)
    assert response.status_code == 201
    assert CitizenReport.objects.count() == 1


def test_throttled_per_client(client, db, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "reports": "2/hour"},
    }
    codes = [client.post(URL, form()).status_code for _ in range(2)]
    third = client.post(URL, form())
    assert codes + [third.status_code] == [201, 201, 429]
    assert third.json() == {"error": "Too many reports from your connection; try again in 60 min."}
    assert third["Retry-After"] == "3600"
    assert client.post(URL, form(), REMOTE_ADDR="198.51.100.7").status_code == 201
    assert CitizenReport.objects.count() == 3


def test_photo_upload_drops_gps_unless_opted_in(client, db, media):
    plain = client.post(URL, form(photo=SimpleUploadedFile("a.jpg", jpeg_bytes(gps=GPS), content_type="image/jpeg")))
    kept = client.post(
        URL,
        form(photo=SimpleUploadedFile("b.jpg", jpeg_bytes(gps=GPS), content_type="image/jpeg"), keep_photo_location="on"),
    )
    assert (plain.status_code, kept.status_code) == (201, 201)
    by_reference = {r.reference: r for r in CitizenReport.objects.all()}
    plain_report, kept_report = by_reference[plain.json()["reference"]], by_reference[kept.json()["reference"]]
    plain_image = Image.open(io.BytesIO((media / plain_report.photo.name).read_bytes()))
    kept_image = Image.open(io.BytesIO((media / kept_report.photo.name).read_bytes()))
    assert (dict(plain_image.getexif()), plain_report.photo_keeps_location) == ({}, False)
    assert (dict(kept_image.getexif().get_ifd(0x8825)), kept_report.photo_keeps_location) == (GPS, True)


def test_text_file_named_like_a_photo_is_refused(client, db, media):
    photo = SimpleUploadedFile("photo.jpg", b"hello, I am text\n", content_type="image/jpeg")
    response = client.post(URL, form(photo=photo))
    assert response.status_code == 400
    assert response.json() == {"error": REFUSED, "fields": {"photo": ["The photo is not a JPEG, PNG or HEIC image."]}}
    assert (CitizenReport.objects.count(), media_files(media)) == (0, [])


def test_a_photo_sent_as_text_is_refused(client, db):
    response = client.post(URL, form(photo="not a file"))
    assert response.status_code == 400
    assert response.json() == {"error": REFUSED, "fields": {"photo": ["The photo must be sent as a file."]}}


def test_oversized_photo_is_refused(client, db, settings):
    settings.REPORT_PHOTO_MAX_BYTES = 1000
    response = client.post(URL, form(photo=SimpleUploadedFile("p.jpg", b"x" * 5000, content_type="image/jpeg")))
    assert response.status_code == 400
    assert response.json() == {
        "error": REFUSED,
        "fields": {"photo": ["The photo is too large (5 KB); the limit is 1000 B."]},
    }


def test_a_body_far_past_the_limit_is_refused_before_it_is_read(client, db, settings):
    settings.REPORT_PHOTO_MAX_BYTES = 1000
    big = SimpleUploadedFile("p.jpg", b"x" * 200_000, content_type="image/jpeg")
    response = client.post(URL, form(photo=big))
    assert response.status_code == 400
    assert response.json() == {"error": REFUSED, "fields": {"photo": ["The photo is too large; the limit is 1000 B."]}}
    assert CitizenReport.objects.count() == 0


def test_other_methods_and_media_types_get_json_errors(client, db):
    assert client.get(URL).json() == {"error": 'Method "GET" not allowed.'}
    response = client.post(URL, {"kind": "missing"}, content_type="application/json")
    assert (response.status_code, response.json()) == (
        415,
        {"error": 'Unsupported media type "application/json" in request.'},
    )


@pytest.fixture
def report_with_photo(client, db):
    photo = SimpleUploadedFile("p.jpg", jpeg_bytes(), content_type="image/jpeg")
    reference = client.post(URL, form(photo=photo, contact=CONTACT)).json()["reference"]
    return CitizenReport.objects.get(reference=reference)


def test_photo_view_is_for_staff_only(client, report_with_photo, media):
    url = f"/reports/{report_with_photo.pk}/photo"
    anonymous = client.get(url)
    assert (anonymous.status_code, anonymous["Location"]) == (302, f"/admin/login/?next={url}")

    staff = User.objects.create_user("clerk", password="x", is_staff=True)
    client.force_login(staff)
    assert client.get(url).status_code == 403  # staff, but not allowed to view reports

    staff.user_permissions.add(Permission.objects.get(codename="view_citizenreport"))
    client.force_login(User.objects.get(pk=staff.pk))  # fresh permission cache
    response = client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == (media / report_with_photo.photo.name).read_bytes()
    assert (response["Content-Type"], response["Cache-Control"]) == ("image/jpeg", "private, no-store")
    assert response["Content-Disposition"] == f'inline; filename="{report_with_photo.reference}.jpg"'


def test_photo_view_404_without_photo(admin_client, db):
    reference = Client().post(URL, form()).json()["reference"]
    report = CitizenReport.objects.get(reference=reference)
    assert admin_client.get(f"/reports/{report.pk}/photo").status_code == 404


def test_admin_changelist_and_change_page(admin_client, report_with_photo, plates):
    changelist = admin_client.get("/admin/reports/citizenreport/", HTTP_ACCEPT_LANGUAGE="en")
    assert changelist.status_code == 200
    assert report_with_photo.reference in changelist.content.decode()
    found = admin_client.get("/admin/reports/citizenreport/", {"q": report_with_photo.reference})
    assert report_with_photo.reference in found.content.decode()
    missing = admin_client.get("/admin/reports/citizenreport/", {"q": "R-19990101-ZZZZZ"})
    assert report_with_photo.reference not in missing.content.decode()

    url = f"/admin/reports/citizenreport/{report_with_photo.pk}/change/"
    page = admin_client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert report_with_photo.reference in page
    assert f'href="/reports/{report_with_photo.pk}/photo"' in page
    assert CONTACT in page  # staff see the contact to reply
    assert admin_client.get("/admin/reports/citizenreport/add/").status_code == 403


def test_admin_edits_status_and_note_but_not_the_point(admin_client, report_with_photo):
    before = report_with_photo.location.coords
    url = f"/admin/reports/citizenreport/{report_with_photo.pk}/change/"
    response = admin_client.post(
        url, {"status": "resolved", "staff_note": "新門牌已裝", "location": '{"type":"Point","coordinates":[121.5,25.0]}'}
    )
    assert response.status_code == 302
    report_with_photo.refresh_from_db()
    assert (report_with_photo.status, report_with_photo.staff_note) == ("resolved", "新門牌已裝")
    assert report_with_photo.location.coords == before


def test_admin_delete_removes_the_photo(admin_client, report_with_photo, media, django_capture_on_commit_callbacks):
    url = f"/admin/reports/citizenreport/{report_with_photo.pk}/delete/"
    with django_capture_on_commit_callbacks(execute=True):
        assert admin_client.post(url, {"post": "yes"}).status_code == 302
    assert (CitizenReport.objects.count(), media_files(media)) == (0, [])


def test_admin_lists_and_finds_by_plate_address(admin_client, client, plates):
    reference = client.post(URL, {"kind": "missing", "plate": str(plates["active"].pk)}).json()["reference"]
    page = admin_client.get("/admin/reports/citizenreport/", {"q": "光復路二段1號"}).content.decode()
    assert reference in page and "新竹市東區光復路二段1號" in page
    other = admin_client.get("/admin/reports/citizenreport/", {"q": "光復路二段9號"}).content.decode()
    assert reference not in other
