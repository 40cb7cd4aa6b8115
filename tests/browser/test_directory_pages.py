"""Places, the road page and the entrance page in real Chromium on the real 東區 data: a village, a 鄰 and a landmark
found by name and outlined on the map; a road chosen without a number moves the map and links its page; the card
links every unit at its entrance and the road's page; the pages in both languages, on a phone without sideways
scrolling, and axe-core clean."""

from __future__ import annotations

import contextlib
from urllib.parse import quote

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from geo_portal.addresses.models import DoorPlate
from geo_portal.areas.models import Road
from tests.browser.conftest import axe_violations, shot

pytestmark = [pytest.mark.realdata, pytest.mark.browser, pytest.mark.django_db]

PHONE = {"viewport": (390, 844), "is_mobile": True, "has_touch": True}
PLATE = "新竹市東區光復路二段101號"


@pytest.fixture
def visit(open_page, live_site):
    """``open_page`` with a patient clock: the live server has one worker, and on a busy machine the map page and its
    tiles take longer than Playwright's 30 s default (the page opens on /healthz, then goes to the path)."""

    def _visit(path: str, **options):
        page = open_page("/healthz", **options)
        page.set_default_timeout(120_000)
        page.goto(live_site["url"] + path)
        return page

    return _visit


def wait_for_map(page) -> None:
    page.wait_for_function("() => document.querySelectorAll('.leaflet-overlay-pane canvas.leaflet-tile-loaded').length > 0")


def search(page, text: str) -> None:
    page.fill("#search-input", text)
    page.keyboard.press("Escape")
    page.click("#search-form button[type=submit]")


def settle(page) -> None:
    """Let the tiles the map asked for arrive before the page closes: the live server has one worker, and tiles
    still being drawn for a closed page would hold up the next test's page."""
    # A courtesy wait, not a check: the map may keep asking for tiles while its labels are re-placed.
    with contextlib.suppress(PlaywrightTimeout):
        page.wait_for_load_state("networkidle", timeout=30_000)


def no_sideways_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_a_neighbourhood_and_a_village_are_found_by_name_and_outlined(visit):
    page = visit("/", locale="en")
    wait_for_map(page)
    search(page, "關新里5鄰")
    page.wait_for_selector("#places")
    assert page.inner_text("#places .place-kind") == "Neighbourhood"
    assert page.inner_text("#places h2") == "關新里5鄰"
    assert "approximate" in page.inner_text("#places")
    assert page.evaluate("window.location.search") == "?q=" + quote("關新里5鄰")
    assert page.locator(".leaflet-overlay-pane path").count() >= 1  # the outline drawn around its plates
    assert axe_violations(page) == []
    search(page, "新竹市東區關新里")
    page.wait_for_function("() => (document.querySelector('#places h2') || {}).textContent === '關新里'")
    assert page.inner_text("#places .place-kind") == "Village"
    shot(page, "directory-village")
    settle(page)


def test_a_landmark_by_its_name_from_the_type_ahead(visit):
    page = visit("/", locale="en")
    wait_for_map(page)
    page.fill("#search-input", "科學二")
    page.wait_for_selector("#search-listbox li")
    options = page.locator("#search-listbox li").all_inner_texts()
    assert "科學二館" in options
    page.locator("#search-listbox li", has_text="科學二館").click()
    page.wait_for_selector("#places")
    assert page.inner_text("#places .place-kind") == "Landmark (named building)"
    assert page.inner_text("#places h2") == "科學二館"
    assert axe_violations(page) == []
    settle(page)


def test_a_road_without_a_number_moves_the_map_and_links_its_page(visit):
    road = Road.objects.get(name="光復路二段")
    page = visit("/", locale="en")
    wait_for_map(page)
    search(page, "光復路二段")
    page.wait_for_selector("#road-summary")
    assert page.inner_text("#road-summary h2") == "光復路二段"
    assert page.get_attribute("#road-summary a.road-page-link", "href") == f"/roads/{road.pk}"
    center = page.evaluate("(() => { const c = window.geoPortalMap.getCenter(); return [c.lat, c.lng]; })()")
    assert 24.77 < center[0] < 24.80 and 120.96 < center[1] < 121.01
    assert axe_violations(page) == []
    page.click("#road-summary a.road-page-link")
    page.wait_for_selector("#road-title")
    assert page.inner_text("#road-title").startswith("光復路二段")
    settle(page)


@pytest.mark.parametrize("locale", ["zh-TW", "en"])
def test_from_the_card_to_every_unit_and_to_the_road(visit, locale):
    plate = DoorPlate.objects.get(address=PLATE, status="active")
    page = visit(f"/?plate={plate.pk}", locale=locale)
    page.wait_for_selector("#plate-card")
    settle(page)  # the map's tiles first: the one-worker server then serves the next page at once
    page.click(f'#plate-card a[href="/entrances/{plate.pk}"]')
    page.wait_for_selector("#entrance-title")
    assert page.inner_text("#entrance-title") == PLATE
    units = DoorPlate.objects.filter(status="active", road=plate.road, number=101, lane="", area="").count()
    assert page.locator("section.unit-group tbody tr").count() == units
    assert page.locator("tr.current").count() == 1
    page.wait_for_function("() => window.geoPortalDirectoryMap && document.querySelector('#directory-map canvas')")
    assert axe_violations(page) == []
    page.click(f'a[href="/roads/{plate.road_id}"]')
    page.wait_for_selector("#road-title")
    page.wait_for_function("() => document.querySelector('#directory-map canvas')")
    assert page.locator("h2#numbers, h2#lanes, h2#zips").count() == 3
    assert page.locator("table[aria-labelledby=lanes] tbody tr").count() > 10
    assert axe_violations(page) == []
    shot(page, f"directory-road-{locale}")
    settle(page)


def test_the_pages_fit_a_phone(visit):
    plate = DoorPlate.objects.get(address=PLATE, status="active")
    for path in (f"/roads/{plate.road_id}", f"/entrances/{plate.pk}"):
        page = visit(path, locale="en", **PHONE)
        page.wait_for_selector("#directory-map")
        assert no_sideways_scroll(page), path
        assert axe_violations(page) == [], path
    shot(page, "directory-entrance-phone")
