"""The public map in real Chromium on the real 東區 data: search, cards, reverse lookup, permalinks, language,
reports with a photo, keyboard-only use and axe-core accessibility checks."""

from __future__ import annotations

import io
import re

import pytest
from PIL import Image

from geo_portal.addresses.models import DoorPlate
from tests.browser.conftest import axe_violations, shot

pytestmark = [pytest.mark.realdata, pytest.mark.browser, pytest.mark.django_db]

PLATE = "新竹市東區光復路二段101號"
PLATE_EN = "No. 101, Sec. 2, Guangfu Rd., East Dist., Hsinchu City"


def plate_id(address: str = PLATE) -> int:
    return DoorPlate.objects.get(address=address, status="active").pk


def wait_for_map(page) -> None:
    """The map is interactive once the plate layer has drawn its first canvas tile."""
    page.wait_for_function("() => document.querySelectorAll('.leaflet-overlay-pane canvas.leaflet-tile-loaded').length > 0")


def card_facts(page) -> dict[str, str]:
    names = page.locator("#plate-card dt").all_inner_texts()
    values = [v.replace("複製", "").replace("Copy", "").strip() for v in page.locator("#plate-card dd").all_inner_texts()]
    return dict(zip(names, values, strict=True))


def test_search_with_autocomplete_and_keyboard_opens_the_card(open_page):
    page = open_page("/")
    wait_for_map(page)
    page.locator("#search-input").press_sequentially("光復路二段10", delay=20)
    options = page.locator("#search-listbox [role=option]")
    options.first.wait_for()
    labels = options.all_inner_texts()
    assert labels[:3] == ["新竹市東區光復路二段100號", "新竹市東區光復路二段101號", "新竹市東區光復路二段102號"]
    assert page.get_attribute("#search-input", "aria-expanded") == "true"
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    assert page.get_attribute("#search-input", "aria-activedescendant") == "suggestion-1"
    shot(page, "01-autocomplete")
    page.keyboard.press("Enter")
    page.wait_for_selector("#plate-card")
    assert page.inner_text("#card-title") == PLATE
    assert page.inner_text("#plate-card .address-en") == PLATE_EN
    assert card_facts(page) == {
        "地址": PLATE,
        "英文地址": PLATE_EN,
        "3+3 郵遞區號": "300044",
        "村里": "光明里 7鄰",
        "門牌狀況": "未知 (尚未查核)",
        "WGS84（緯度, 經度）": "24.796398, 120.996864",
        "TWD97 TM2（x, y）": "249682.93, 2743226.51",
        "永久連結": f"{page.url.split('/?')[0]}/?plate={plate_id()}",
    }
    assert page.url.endswith(f"/?plate={plate_id()}")
    assert page.inner_text("#status") == f"顯示 {PLATE}"
    page.wait_for_function("() => window.geoPortalMap.getZoom() === 18")
    shot(page, "02-card")


@pytest.mark.parametrize("typed", ["新竹市東區光復路２段一百零一號", "台灣新竹市東區光復路2段101號", PLATE_EN])
def test_search_in_other_written_forms(open_page, typed):
    page = open_page("/")
    page.fill("#search-input", typed)
    page.keyboard.press("Escape")  # close the suggestion list, keep the text
    page.click("#search-form button[type=submit]")
    page.wait_for_selector("#plate-card")
    assert page.inner_text("#card-title") == PLATE


def test_click_on_the_map_gives_the_nearest_address_or_says_nothing_is_near(open_page):
    page = open_page(f"/?plate={plate_id()}")
    wait_for_map(page)
    box = page.locator("#map").bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2 + 3, box["y"] + box["height"] / 2)  # 3 px ≈ 1.8 m at z18
    page.wait_for_selector("#plate-card .card-note")
    assert re.fullmatch(r"距所選位置 \d+ 公尺", page.inner_text("#plate-card .card-note"))
    assert page.inner_text("#card-title").startswith("新竹市東區光復路二段101號")
    shot(page, "03-reverse")
    page.evaluate("window.geoPortalMap.setView([24.793339, 120.991014], 17, {animate: false})")  # 十八尖山
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.wait_for_selector("[data-action=report-point]")
    assert page.inner_text("#status").startswith("此位置 100 公尺內沒有門牌。")


def test_permalink_opens_the_same_view_and_the_back_button_works(open_page):
    pid = plate_id()
    page = open_page(f"/?plate={pid}")
    wait_for_map(page)
    assert page.title() == f"{PLATE} · geo_portal"
    assert page.inner_text("#card-title") == PLATE
    center = page.evaluate("(() => { const c = window.geoPortalMap.getCenter(); return [c.lat, c.lng]; })()")
    assert center == pytest.approx([24.796398, 120.996864], abs=1e-5)
    page.fill("#search-input", "光復路二段100號")
    page.click("#search-form button[type=submit]")
    title_is = "(t) => document.getElementById('card-title').textContent === t"
    page.wait_for_function(title_is, arg=PLATE.replace("101", "100"))
    page.go_back()
    page.wait_for_function(title_is, arg=PLATE)
    assert page.url.endswith(f"/?plate={pid}")


def test_language_switch_translates_the_page_and_cards(open_page):
    page = open_page(f"/?plate={plate_id()}")
    assert page.get_attribute("html", "lang") == "zh-Hant"
    assert page.inner_text("h1") == "查詢門牌"
    page.select_option("#language", "en")
    page.click(".lang-switch button")
    page.wait_for_selector("html[lang=en]")
    assert page.inner_text("h1") == "Find a door plate"
    assert page.url.endswith(f"/?plate={plate_id()}")
    facts = card_facts(page)
    assert facts["English address"] == PLATE_EN and facts["Address"] == PLATE
    assert facts["Village"] == "Guangming Vil., Neighborhood 7 (光明里 7鄰)"
    shot(page, "04-english")


def _photo_with_gps() -> bytes:
    image = Image.new("RGB", (64, 48), (200, 40, 40))
    exif = Image.Exif()
    exif[0x010F] = "TestCam"
    exif[0x8825] = {1: "N", 2: (24.0, 47.0, 47.0), 3: "E", 4: (120.0, 59.0, 48.0)}
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    return out.getvalue()


def test_report_with_a_photo_reaches_the_admin_without_its_location(open_page, live_site, two_factor_step):
    page = open_page(f"/?plate={plate_id()}")
    page.click("[data-action=report-plate]")
    assert page.is_visible("#report-dialog")
    assert page.inner_text("#report-target") == f"門牌：{PLATE}"
    page.check("input[name=kind][value=damaged]")
    page.fill("#report-description", "門牌字跡褪色")
    page.fill("#report-contact", "reporter@example.com")
    photo = {"name": "plate.jpg", "mimeType": "image/jpeg", "buffer": _photo_with_gps()}
    page.set_input_files("#report-photo", files=[photo])
    page.click("#report-form button[type=submit]")
    page.wait_for_selector("#report-done:not([hidden])")
    reference = page.inner_text("#report-reference")
    assert re.fullmatch(r"R-\d{8}-[A-Z0-9]{5}", reference)
    shot(page, "05-report-sent")
    assert "reporter@example.com" not in page.content()

    admin = open_page("/admin/login/?next=/admin/reports/citizenreport/")
    admin.fill("#id_username", live_site["user"])
    admin.fill("#id_password", live_site["password"])
    admin.click("input[type=submit]")
    two_factor_step(admin)
    admin.wait_for_selector("#result_list")
    assert reference in admin.inner_text("#result_list")
    admin.click(f"text={reference}")
    admin.wait_for_selector(".leaflet-container")  # the report's point on a map
    shot(admin, "06-report-in-admin")
    photo_link = admin.locator("a[href*='/photo']").first.get_attribute("href")
    photo = admin.request.get(live_site["url"] + photo_link)
    assert photo.status == 200 and photo.headers["content-type"] == "image/jpeg"
    stored = Image.open(io.BytesIO(photo.body()))
    assert stored.size == (64, 48) and 0x8825 not in stored.getexif() and 0x010F not in stored.getexif()


def test_keyboard_only_navigation(open_page):
    page = open_page("/")
    order = []
    for _ in range(9):
        page.keyboard.press("Tab")
        order.append(page.evaluate("(e => e.id || e.className || e.textContent)(document.activeElement)"))
    assert order == ["skip-link", "brand", "地圖", "統計", "行政區", "批次地址定位", "language", "切換", "search-input"]
    page.keyboard.type("光復路二段101號")
    page.locator("#search-listbox [role=option]").first.wait_for()
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    page.wait_for_selector("#plate-card")
    page.focus("[data-action=report-plate]")
    page.keyboard.press("Enter")
    assert page.is_visible("#report-dialog")
    assert page.evaluate("document.activeElement.name") == "kind"
    page.keyboard.press("Escape")
    assert not page.is_visible("#report-dialog")
    assert page.evaluate("document.activeElement.dataset.action") == "report-plate"
    # Focus is visible: the focused control has an outline.
    assert page.evaluate("getComputedStyle(document.activeElement).outlineStyle") == "solid"


def test_data_layers_render_without_a_basemap(open_page):
    page = open_page("/")
    wait_for_map(page)
    drawn = page.evaluate(
        """() => [...document.querySelectorAll('.leaflet-overlay-pane canvas.leaflet-tile-loaded')].some(c => {
            const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
            for (let i = 3; i < d.length; i += 4) if (d[i] > 0) return true;
            return false;
        })"""
    )
    assert drawn is True
    shot(page, "00-first-view")


def test_phone_layout(open_page):
    """The map fills the phone's screen; the card is in a bottom sheet over it (test_map_first_minutes drives it)."""
    page = open_page(f"/?plate={plate_id()}", viewport=(390, 844), is_mobile=True, has_touch=True)
    wait_for_map(page)
    panel, map_box = page.locator(".panel").bounding_box(), page.locator("#map").bounding_box()
    assert panel["width"] == 390 and map_box["width"] == 390
    assert round(panel["y"] + panel["height"]) == 844 and page.get_attribute("#panel", "data-sheet") == "half"
    assert map_box["y"] + map_box["height"] <= 844 and map_box["height"] >= 500
    size = page.locator("#search-form button[type=submit]").bounding_box()
    assert size["height"] >= 44 and size["width"] >= 44  # touch target
    handle = page.locator("#sheet-handle").bounding_box()
    assert handle["height"] >= 32 and handle["width"] == 390
    shot(page, "07-phone")


@pytest.mark.parametrize(
    "path", ["/", "/?plate={pid}", "/districts/", "/?plate=0", "/stats/", "/api/v1/docs", "/reports/status/"]
)
@pytest.mark.parametrize("locale", ["zh-TW", "en"])
def test_axe_finds_no_serious_or_critical_violations(open_page, path, locale):
    page = open_page(path.format(pid=plate_id()), locale=locale)
    if page.locator("#map").count():
        wait_for_map(page)
    if page.locator("#stats-map").count():
        page.wait_for_selector("body[data-stats-ready]")
    if path.startswith("/api/"):
        page.wait_for_selector(".swagger-ui .opblock")  # Swagger UI has rendered the operations
    assert axe_violations(page) == []


def test_axe_with_the_report_dialog_and_suggestions_open(open_page):
    page = open_page(f"/?plate={plate_id()}")
    page.locator("#search-input").press_sequentially("光復路", delay=20)
    page.locator("#search-listbox [role=option]").first.wait_for()
    assert axe_violations(page) == []
    page.keyboard.press("Escape")
    page.click("[data-action=report-plate]")
    assert axe_violations(page) == []


def test_statistics_dashboard_sorts_colours_and_downloads(open_page, live_site):
    page = open_page("/stats/", locale="en")
    page.wait_for_selector("body[data-stats-ready]")
    rows = page.locator("#stats-table tbody tr")
    assert rows.count() == 53
    page.click("#stats-table thead button[data-key=population]")  # ascending first
    page.click("#stats-table thead button[data-key=population]")  # then descending
    assert page.get_attribute("#stats-table thead th:nth-child(2)", "aria-sort") == "descending"
    values = page.eval_on_selector_all("#stats-table tbody tr", "rs => rs.map(r => r.dataset.population)")
    populations = [int(v) for v in values]
    assert populations == sorted(populations, reverse=True) and sum(populations) == 221_916
    assert page.inner_text("#sort-status") == "Table sorted by Residents, descending."
    assert page.locator(".leaflet-overlay-pane path").count() == 53
    page.select_option("#metric", "households")
    assert page.inner_text("#legend p") == "Legend: Households"
    shot(page, "08-statistics")
    csv_link = page.get_attribute("a[href*='villages.csv']", "href")
    download = page.request.get(live_site["url"] + csv_link)
    assert download.status == 200 and download.text().count("\n") == 54


def test_my_location_shows_the_nearest_plate(open_page):
    page = open_page("/", geolocation={"latitude": 24.796398, "longitude": 120.996864}, permissions=["geolocation"])
    wait_for_map(page)
    page.click(".locate-button")
    page.wait_for_selector("#plate-card .card-note")
    assert page.inner_text("#card-title").startswith("新竹市東區光復路二段101號")
    assert page.evaluate("() => window.geoPortalMap.getZoom()") == 18
    assert page.get_attribute(".locate-button", "aria-label") == "顯示我的位置"


def test_my_location_refused_is_announced(open_page):
    page = open_page("/", locale="en")  # no permission granted: headless Chromium denies it
    wait_for_map(page)
    page.click(".locate-button")
    status_is = "(t) => document.getElementById('status').textContent.startsWith(t)"
    page.wait_for_function(status_is, arg="Your location is not available")
    assert page.inner_text("#status").startswith("Your location is not available: ")
    assert page.locator("#plate-card").count() == 0  # nothing was looked up


def test_report_at_a_point_with_no_plate_near(open_page):
    page = open_page("/?plate=0", locale="en")
    wait_for_map(page)
    # In the district, on 十八尖山: no plate within 100 m.
    page.evaluate("window.geoPortalMap.setView([24.793339, 120.991014], 17, {animate: false})")
    box = page.locator("#map").bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.click("[data-action=report-point]")
    target = page.inner_text("#report-target")
    assert re.fullmatch(r"Point: 24\.\d{6}, 120\.\d{6}", target)
    page.check("input[name=kind][value=no_plate]")
    page.click("#report-form button[type=submit]")
    page.wait_for_selector("#report-done:not([hidden])")
    assert re.fullmatch(r"R-\d{8}-[A-Z0-9]{5}", page.inner_text("#report-reference"))
    # Closed and opened again: a new, empty form; sent without a kind it is refused with the field's reason.
    page.click("#report-done [data-action=close-report]")
    page.click("[data-action=report-point]")
    assert page.locator("#report-form").is_visible() and page.locator("#report-done").is_hidden()
    page.click("#report-form button[type=submit]")
    status_is = "(t) => document.getElementById('report-status').textContent.startsWith(t)"
    page.wait_for_function(status_is, arg="The report was not sent:")
    assert page.inner_text("#report-status") == "The report was not sent: Choose the kind of problem."
