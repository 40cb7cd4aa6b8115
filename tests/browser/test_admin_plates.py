"""The admin as a clerk meets it, in real Chromium on the real 東區 data: the platform's name, door plates first,
road and 鄰 chosen by name from the plate's district, the plate among its neighbours on the map, one history of its
changes, its citizen reports on its page; a report's duplicate marked and its photo's kept GPS shown as what it is."""

from __future__ import annotations

import io
import secrets

import pytest
from PIL import Image

from geo_portal.accounts.services import staff_create
from geo_portal.addresses.models import DoorPlate
from geo_portal.reports.models import CitizenReport
from tests.browser.conftest import axe_violations, enrol_authenticator, shot, type_code_if_enrolled

pytestmark = [pytest.mark.realdata, pytest.mark.browser, pytest.mark.django_db]

CLERK = "clerk-admin-browser"
PLATE = "新竹市東區光復路二段101號"


@pytest.fixture(scope="module")
def clerk(live_site, django_db_blocker) -> dict[str, str]:
    """A clerk committed to the test database, which the live server reads."""
    password = secrets.token_urlsafe(16)
    with django_db_blocker.unblock():
        user, _ = staff_create(actor=None, username=CLERK, roles=["clerk"], password=password)
        enrol_authenticator(user)  # clerks sign in with a second factor
    return {"user": CLERK, "password": password}


def signed_in(open_page, clerk, path: str, **options):
    page = open_page("/admin/login/?next=" + path, **options)
    page.fill("#id_username", clerk["user"])
    page.fill("#id_password", clerk["password"])
    page.click("input[type=submit]")
    type_code_if_enrolled(page, clerk["user"])
    page.wait_for_load_state("networkidle")
    return page


def plate_id(address: str = PLATE) -> int:
    return DoorPlate.objects.get(address=address, status="active").pk


def test_a_clerk_finds_door_plates_first_under_the_platforms_name(open_page, clerk):
    page = signed_in(open_page, clerk, "/admin/", locale="en")
    assert page.inner_text("#site-name") == "Door-plate platform · staff administration"
    assert page.title() == "Data maintenance | Door-plate platform administration"
    captions = [c.strip() for c in page.locator("#content-main caption").all_inner_texts()]
    assert captions[0] == "ADDRESSES" or captions[0].lower() == "addresses"
    assert captions[-1].lower() == "procrastinate"
    shot(page, "30-admin-index")
    assert axe_violations(page) == []
    page.goto(page.url.split("/admin/")[0] + "/admin/addresses/doorplate/add/")
    page.wait_for_selector(".field-village .select2-selection[aria-label]")
    assert axe_violations(page) == []  # the type-ahead lists are named by their labels, even when empty


def test_the_plate_page_names_its_road_and_neighbourhood_and_maps_its_neighbours(open_page, clerk):
    pid = plate_id()
    page = signed_in(open_page, clerk, f"/admin/addresses/doorplate/{pid}/change/", locale="en")
    page.wait_for_function("() => window.geoPortalAdminMap && document.querySelectorAll('path.neighbour').length > 0")
    page.wait_for_timeout(300)
    # Road and 鄰 by name (select2 over the plate's district), never an id.
    assert page.inner_text("#select2-id_road-container").strip("×\n ") == "光復路二段"
    assert page.inner_text("#select2-id_neighborhood_number-container").strip("×\n ") == "7鄰"
    page.click("#select2-id_road-container")
    page.keyboard.type("光復路")
    page.wait_for_selector(".select2-results__option:not(.loading-results)")
    offered = page.locator(".select2-results__option").all_inner_texts()
    assert offered == ["光復路一段", "光復路二段"]  # 東區's roads; none of another district
    page.keyboard.press("Escape")
    # The map at street level among the neighbouring entrances, the plate named above its pin.
    zoom = page.evaluate("window.geoPortalAdminMap.getZoom()")
    markers = page.locator("path.neighbour").count()
    labels = page.evaluate(
        """() => [...document.querySelectorAll('.neighbour-label, .plate-label')].map(e => {
            const r = e.getBoundingClientRect(); return [e.textContent, r.left, r.top, r.right, r.bottom]; })"""
    )
    assert zoom == 18 and markers >= 6 and len(labels) >= 5
    assert labels[-1][0] == "101號" or "101號" in [label[0] for label in labels]
    clashes = [
        (a[0], b[0])
        for i, a in enumerate(labels)
        for b in labels[i + 1 :]
        if a[1] < b[3] - 1 and b[1] < a[3] - 1 and a[2] < b[4] - 1 and b[2] < a[4] - 1
    ]
    assert clashes == []  # names never pile up
    shot(page, "31-admin-plate-map")
    assert axe_violations(page) == []
    # A neighbour opens its own page.
    page.locator("path.neighbour").first.click(force=True)
    page.wait_for_url("**/admin/addresses/doorplate/*/change/")
    assert f"/{pid}/" not in page.url


def test_one_history_view_and_the_plates_reports(open_page, clerk):
    pid = plate_id("新竹市東區光復路二段100號")
    citizen = open_page(f"/?plate={pid}", locale="en")  # a citizen reports the plate first
    citizen.click("[data-action=report-plate]")
    citizen.check("input[name=kind][value=damaged]")
    citizen.click("#report-form button[type=submit]")
    citizen.wait_for_selector("#report-done:not([hidden])")
    reference = citizen.inner_text("#report-reference")

    page = signed_in(open_page, clerk, f"/admin/addresses/doorplate/{pid}/change/", locale="en")
    panel = page.locator("fieldset.plate-panel")
    assert panel.locator("h2").inner_text().lower() == "citizen reports"
    row = panel.locator("tr", has_text=reference).inner_text()
    assert "plate damaged or illegible" in row and "new" in row
    history = page.locator("table.plate-history tbody tr")
    assert history.count() >= 1
    page.click("text=The whole history of this plate")
    page.wait_for_selector("#content-main table.plate-history")
    assert page.inner_text("h1") == "History of 新竹市東區光復路二段100號"
    first = page.locator("#content-main table.plate-history tbody tr").last.inner_text()
    assert "created" in first and "canonical address: 新竹市東區光復路二段100號" in first
    shot(page, "32-admin-history")
    assert axe_violations(page) == []


def _photo_with_gps() -> bytes:
    image = Image.new("RGB", (64, 48), (40, 40, 200))
    exif = Image.Exif()
    exif[0x8825] = {1: "N", 2: (24.0, 47.0, 47.0), 3: "E", 4: (120.0, 59.0, 48.0)}
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    return out.getvalue()


def test_staff_mark_a_duplicate_and_read_the_photos_kept_gps(open_page, live_site, two_factor_step):
    # Two citizens report the same plate; the second keeps the photo's GPS.
    page = open_page(f"/?plate={plate_id()}", locale="en")
    references = []
    for keep in (False, True):
        page.click("[data-action=report-plate]")
        page.check("input[name=kind][value=missing]")
        page.set_input_files(
            "#report-photo", files=[{"name": "p.jpg", "mimeType": "image/jpeg", "buffer": _photo_with_gps()}]
        )
        if keep:
            page.check("input[name=keep_photo_location]")
        page.click("#report-form button[type=submit]")
        page.wait_for_selector("#report-done:not([hidden])")
        references.append(page.inner_text("#report-reference"))
        page.click("#report-done [data-action=close-report]")
    first, second = (CitizenReport.objects.get(reference=r) for r in references)

    admin = open_page(f"/admin/login/?next=/admin/reports/citizenreport/{second.pk}/change/", locale="en")
    admin.fill("#id_username", live_site["user"])
    admin.fill("#id_password", live_site["password"])
    admin.click("input[type=submit]")
    two_factor_step(admin)
    admin.wait_for_selector(".field-duplicate_of .select2-selection[aria-label]")
    assert axe_violations(admin) == []
    kept = admin.inner_text(".field-photo_location .readonly")
    assert kept.startswith("24.796389, 120.996667 (the camera's GPS position kept in the photo at the reporter's request;")
    # The duplicate: chosen by reference in a type-ahead list, then saved.
    admin.click(".field-duplicate_of .select2-selection")
    admin.fill(".select2-search__field", first.reference)
    admin.wait_for_function(
        "(ref) => [...document.querySelectorAll('.select2-results__option')].map(o => o.textContent).join() === ref",
        arg=first.reference,
    )
    admin.click(".select2-results__option")
    admin.click("input[name=_save]")
    admin.wait_for_selector(".messagelist")
    second.refresh_from_db()
    assert (second.status, second.duplicate_of_id) == ("duplicate", first.pk)
    shot(admin, "33-admin-duplicate")
    status = open_page(f"/reports/status/{second.reference}", locale="en")
    assert f"the office follows it under {first.reference}" in status.inner_text(".report-status-card")
