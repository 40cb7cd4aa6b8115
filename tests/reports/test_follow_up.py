"""After a report is sent: stored once per filled-in form (a double tap, a resend), refused outside the covered
area, followed on the public status page of its reference, and marked as a duplicate by staff (service and admin),
with the photo's kept GPS shown as the camera's position."""

from __future__ import annotations

import datetime as dt
import html as html_module
import re
import threading

import pytest
from django.contrib.gis.geos import MultiPolygon, Point, Polygon
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, connection, transaction
from django.test import Client

from geo_portal.reports import hooks, services
from geo_portal.reports.models import CitizenReport
from geo_portal.reports.services import DuplicateRefused, create_report, report_mark_duplicate
from tests.conftest import X0, Y0
from tests.reports.conftest import GPS, jpeg_bytes, media_files

URL = "/reports/"
CONTACT = "王小明 0912-345-678"
KEY = "0123456789abcdef0123456789abcdef"


@pytest.fixture
def client():
    return Client(HTTP_ACCEPT_LANGUAGE="en")


def form(**overrides) -> dict:
    return {"kind": "damaged", "description": "字跡模糊", "lon": "120.99", "lat": "24.79", **overrides}


def report(**overrides) -> CitizenReport:
    values = {
        "kind": "missing",
        "description": "",
        "contact": "",
        "plate_id": None,
        "lon": "120.99",
        "lat": "24.79",
        "photo": None,
        "keep_photo_location": False,
        "client_ip": "203.0.113.5",
        **overrides,
    }
    return create_report(**values)


# --- once per filled-in form ------------------------------------------------------------------------------------


def test_a_double_tap_stores_one_report_and_answers_both_with_it(client, db, media):
    photo = lambda: SimpleUploadedFile("p.jpg", jpeg_bytes(), content_type="image/jpeg")  # noqa: E731
    first = client.post(URL, form(submission=KEY, photo=photo(), contact=CONTACT))
    second = client.post(URL, form(submission=KEY, photo=photo(), contact=CONTACT))
    assert (first.status_code, second.status_code) == (201, 201)
    assert first.json() == second.json()
    stored = CitizenReport.objects.get()
    assert (stored.reference, stored.submission_key) == (first.json()["reference"], KEY)
    assert len(media_files(media)) == 1  # the second photo was never kept


def test_each_filled_in_form_is_its_own_report(client, db):
    first = client.post(URL, form(submission=KEY))
    other = client.post(URL, form(submission=KEY.replace("0", "f")))
    plain = client.post(URL, form())  # an older page without the key still works
    references = {first.json()["reference"], other.json()["reference"], plain.json()["reference"]}
    assert (len(references), CitizenReport.objects.count()) == (3, 3)


def test_a_key_of_another_client_or_a_malformed_key_is_refused(client, db):
    assert client.post(URL, form(submission=KEY)).status_code == 201
    stolen = client.post(URL, form(submission=KEY), REMOTE_ADDR="198.51.100.7")
    bad = client.post(URL, form(submission="<script>"))
    message = ["The form's submission key is not valid; reload the page."]
    assert (stolen.status_code, stolen.json()["fields"]) == (400, {"submission": message})
    assert (bad.status_code, bad.json()["fields"]) == (400, {"submission": message})
    assert CitizenReport.objects.count() == 1


def test_two_taps_arriving_together_store_one_report(db, monkeypatch):
    """The second request misses the first one's row when it looks (both in flight), then meets the unique key on
    insert: it answers with the stored report instead of failing."""
    first = report(submission=KEY)
    looked = []
    real = services._submitted_before

    def miss_once(key, client):
        looked.append(key)
        return None if len(looked) == 1 else real(key, client)

    monkeypatch.setattr(services, "_submitted_before", miss_once)
    second = report(submission=KEY)
    assert (second.pk, second.reference, looked) == (first.pk, first.reference, [KEY, KEY])
    assert CitizenReport.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_posts_with_one_key_store_one_report():
    """Real concurrency: two threads, two connections, one key; both get the same reference."""
    results, errors = [], []
    barrier = threading.Barrier(2)

    def send():
        try:
            barrier.wait()
            results.append(report(submission=KEY).reference)
        except Exception as exc:  # reported below
            errors.append(repr(exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert errors == []
    assert len(results) == 2 and results[0] == results[1]
    assert CitizenReport.objects.count() == 1


# --- outside the covered area -----------------------------------------------------------------------------------


def test_a_point_outside_the_covered_districts_is_refused(client, plates):
    district = plates["active"].district
    district.boundary = MultiPolygon(
        Polygon(((X0, Y0), (X0 + 1000, Y0), (X0 + 1000, Y0 + 1000), (X0, Y0 + 1000), (X0, Y0))), srid=3826
    )
    district.save()
    inside = Point(X0 + 500, Y0 + 500, srid=3826).transform(4326, clone=True)
    near = Point(X0 + 1040, Y0 + 500, srid=3826).transform(4326, clone=True)  # 40 m out: a GPS fix at the edge
    far = Point(X0 + 5000, Y0 + 500, srid=3826).transform(4326, clone=True)
    for point, code in ((inside, 201), (near, 201), (far, 400)):
        response = client.post(URL, form(lon=f"{point.x:.7f}", lat=f"{point.y:.7f}"))
        assert response.status_code == code
    assert response.json()["fields"] == {
        "location": ["The point is outside the area this office covers; report it to the office there."]
    }
    # A plate of the district is always the office's, whatever point is given with it.
    assert client.post(URL, {"kind": "missing", "plate": str(plates["active"].pk)}).status_code == 201


# --- the public status page ---------------------------------------------------------------------------------------


def test_the_status_page_shows_what_the_office_did_and_nothing_personal(client, plates):
    sent = client.post(URL, form(contact=CONTACT, plate=str(plates["active"].pk), description="門口的牌子不見了"))
    reference = sent.json()["reference"]
    assert sent.json()["status_url"] == f"/reports/status/{reference}"
    CitizenReport.objects.filter(reference=reference).update(status="in_review", staff_note="內部：請承辦人查")
    response = client.get(f"/reports/status/{reference}")
    html = response.content.decode()
    assert (response.status_code, response["Cache-Control"], response["X-Robots-Tag"]) == (200, "no-store", "noindex")
    facts = dict(re.findall(r"<dt>(.*?)</dt>\s*<dd>(.*?)</dd>", html, re.S))
    assert {k: re.sub(r"<[^>]+>", "", v).strip() for k, v in facts.items()} == {
        "Status": "in review",
        "What was reported": "plate damaged or illegible",
        "Where": "新竹市東區光復路二段1號",
        "Received on": dt.date.today().isoformat(),
        "Last changed on": dt.date.today().isoformat(),
    }
    assert "The office is looking into the report." in html
    for private in (CONTACT, "門口的牌子不見了", "內部", "120.99", "24.79"):
        assert private not in html
    # The same page from the lookup form, in lower case and with spaces.
    looked_up = client.get("/reports/status/", {"reference": f"  {reference.lower()} "})
    assert looked_up.status_code == 200 and f'<span lang="en">{reference}</span>' in looked_up.content.decode()


def test_the_status_page_refuses_unknown_and_malformed_references(client, db):
    unknown = client.get("/reports/status/R-20260101-ZZZZZ")
    malformed = client.get("/reports/status/", {"reference": "12345"})
    empty = client.get("/reports/status/")
    assert unknown.status_code == 404
    assert "No report has the reference number R-20260101-ZZZZZ." in unknown.content.decode()
    assert malformed.status_code == 400
    assert "A reference number looks like R-20261127-7K3Q9." in malformed.content.decode()
    assert empty.status_code == 200 and 'id="reference"' in empty.content.decode()


def test_the_status_page_is_throttled_per_client(client, db, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "report_status": "3/minute"},
    }
    codes = [client.get(f"/reports/status/R-20260101-ZZZZ{c}").status_code for c in "ABCD"]
    assert codes == [404, 404, 404, 429]
    assert client.get("/reports/status/R-20260101-ZZZZA", REMOTE_ADDR="198.51.100.7").status_code == 404


def test_a_duplicate_points_to_the_report_it_repeats(client, db):
    first, second = report(), report()
    report_mark_duplicate(report_id=second.pk, original_id=first.pk, actor="clerk")
    html = client.get(f"/reports/status/{second.reference}").content.decode()
    assert "duplicate of another report" in html
    assert f"Someone reported the same problem first; the office follows it under {first.reference}." in html
    assert f'<a href="/reports/status/{first.reference}">Follow {first.reference}</a>' in html


# --- duplicates (service) -------------------------------------------------------------------------------------------


def test_marking_duplicates_follows_chains_and_refuses_loops(db):
    a, b, c = report(), report(), report()
    report_mark_duplicate(report_id=b.pk, original_id=a.pk, actor="clerk")
    report_mark_duplicate(report_id=c.pk, original_id=b.pk, actor="clerk")  # b repeats a: c repeats a
    rows = dict(CitizenReport.objects.values_list("reference", "duplicate_of__reference"))
    assert rows == {a.reference: None, b.reference: a.reference, c.reference: a.reference}
    assert CitizenReport.objects.get(pk=c.pk).status == "duplicate"
    with pytest.raises(DuplicateRefused, match=f"{a.reference} cannot repeat itself"):
        report_mark_duplicate(report_id=a.pk, original_id=c.pk, actor="clerk")  # c → a: a loop
    with pytest.raises(DuplicateRefused, match="cannot repeat itself"):
        report_mark_duplicate(report_id=a.pk, original_id=a.pk, actor="clerk")
    # The original marked as a duplicate of a new report: its duplicates follow it.
    d = report()
    report_mark_duplicate(report_id=a.pk, original_id=d.pk, actor="clerk")
    rows = dict(CitizenReport.objects.values_list("reference", "duplicate_of__reference"))
    assert rows == {a.reference: d.reference, b.reference: d.reference, c.reference: d.reference, d.reference: None}


def test_the_database_holds_the_duplicate_rules(db):
    a = report()
    with pytest.raises(IntegrityError), transaction.atomic():
        CitizenReport.objects.filter(pk=a.pk).update(status="duplicate")  # no report named
    with pytest.raises(IntegrityError), transaction.atomic():
        CitizenReport.objects.filter(pk=a.pk).update(status="duplicate", duplicate_of=a)  # itself


# --- the admin ------------------------------------------------------------------------------------------------------


@pytest.fixture
def staff_client(admin_client):
    admin_client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return admin_client


def test_staff_mark_a_duplicate_on_the_report_page(staff_client, db):
    a, b = report(), report()
    url = f"/admin/reports/citizenreport/{b.pk}/change/"
    refused = staff_client.post(url, {"status": "duplicate", "duplicate_of": "", "staff_note": ""})
    assert refused.status_code == 200
    assert refused.context["adminform"].form.errors == {"duplicate_of": ["Choose the report this one repeats."]}
    saved = staff_client.post(url, {"status": "new", "duplicate_of": str(a.pk), "staff_note": "同一面門牌"})
    assert saved.status_code == 302
    b.refresh_from_db()
    assert (b.status, b.duplicate_of_id, b.staff_note) == ("duplicate", a.pk, "同一面門牌")
    page = staff_client.get(f"/admin/reports/citizenreport/{a.pk}/change/").content.decode()
    assert f'<a href="/admin/reports/citizenreport/{b.pk}/change/">{b.reference}</a>' in page
    loop = staff_client.post(f"/admin/reports/citizenreport/{a.pk}/change/", {"status": "new", "duplicate_of": str(b.pk)})
    assert loop.context["adminform"].form.errors == {
        "duplicate_of": [f"{a.reference} cannot repeat itself; choose the report it repeats."]
    }
    # Back to a status of its own: the report it repeated is cleared.
    undone = staff_client.post(url, {"status": "in_review", "duplicate_of": "", "staff_note": "同一面門牌"})
    assert undone.status_code == 302
    b.refresh_from_db()
    assert (b.status, b.duplicate_of_id) == ("in_review", None)


def test_the_admin_action_marks_the_later_reports_as_duplicates_of_the_oldest(staff_client, db):
    a, b, c = report(), report(), report()
    response = staff_client.post(
        "/admin/reports/citizenreport/",
        {"action": "mark_duplicates_of_oldest", "_selected_action": [str(c.pk), str(a.pk), str(b.pk)]},
        follow=True,
    )
    assert f"2 reports marked as duplicates of {a.reference}." in response.content.decode()
    rows = dict(CitizenReport.objects.values_list("pk", "duplicate_of_id"))
    assert rows == {a.pk: None, b.pk: a.pk, c.pk: a.pk}


def test_the_photos_kept_gps_is_shown_as_where_the_camera_was(staff_client, db, media):
    def page_of(r):
        html = staff_client.get(f"/admin/reports/citizenreport/{r.pk}/change/").content.decode()
        row = re.search(r"Where the photo was taken.*?<div class=\"readonly\">(.*?)</div>", html, re.S)
        return html_module.unescape(re.sub(r"\s+", " ", row.group(1)).strip())

    photo = lambda: SimpleUploadedFile("p.jpg", jpeg_bytes(gps=GPS), content_type="image/jpeg")  # noqa: E731
    kept = report(photo=photo(), keep_photo_location=True, lon="120.986", lat="24.792")
    removed = report(photo=photo(), keep_photo_location=False)
    without = report()
    # GPS: 24°47'30.5" N, 120°59'10" E = 24.791806, 120.986111; the report's point 24.792, 120.986.
    assert page_of(kept) == (
        "24.791806, 120.986111 <small>(the camera's GPS position kept in the photo at the reporter's request;"
        " 24 m from the reported point)</small>"
    )
    assert page_of(removed) == "not known: the photo's GPS position was removed (the reporter did not ask to keep it)"
    assert page_of(without) == "no photo"


def test_a_plates_reports_are_listed_on_its_admin_page(staff_client, client, plates):
    sent = client.post(URL, {"kind": "missing", "plate": str(plates["active"].pk)}).json()["reference"]
    report_id = CitizenReport.objects.get(reference=sent).pk
    page = staff_client.get(f"/admin/addresses/doorplate/{plates['active'].pk}/change/").content.decode()
    assert "<h2>Citizen reports</h2>" in page
    assert (
        f'<a href="/admin/reports/citizenreport/{report_id}/change/">{sent}</a></td><td>plate missing</td><td>new</td>'
        in (page)
    )
    other = staff_client.get(f"/admin/addresses/doorplate/{plates['retired'].pk}/change/").content.decode()
    assert "No citizen report names this door plate." in other


def test_higher_apps_add_notes_to_the_status_page_through_the_hook(client, db, monkeypatch):
    """Re-issuance knows a report's case; it hands the page a note through the hook, never by an import."""
    monkeypatch.setattr(hooks, "_NOTE_SOURCES", [])
    sent = report()
    seen = []

    def case_note(report_id: int):
        seen.append(report_id)
        return hooks.StatusNote("A new plate has been ordered (case RI-2026-00012).", "Follow the case", "/reissue/x")

    hooks.register_status_note(case_note)
    hooks.register_status_note(case_note)  # once only
    hooks.register_status_note(lambda report_id: None)  # a source with nothing to say
    html = client.get(f"/reports/status/{sent.reference}").content.decode()
    assert seen == [sent.pk]
    note = '<p class="status-note">A new plate has been ordered (case RI-2026-00012).'
    assert note + ' <a href="/reissue/x">Follow the case</a></p>' in html
