"""What a citizen meets in the first minutes on the public map, in real Chromium on the real 東區 data: a failed
search clears the card, the phone's bottom sheet, "outside the area" instead of a report, labels that never overlap
or get cut, the chosen plate's own style, English without Chinese but addresses, and a report sent once with a
clear confirmation and a status page to follow. axe-core stays clean in each new state."""

from __future__ import annotations

import re

import pytest

from geo_portal.addresses.models import DoorPlate
from geo_portal.reports.models import CitizenReport
from tests.browser.conftest import axe_violations, shot

pytestmark = [pytest.mark.realdata, pytest.mark.browser, pytest.mark.django_db]

PLATE = "新竹市東區光復路二段101號"
PHONE = {"viewport": (390, 844), "is_mobile": True, "has_touch": True}
# Inside 東區, 400 m from the nearest plate (十八尖山); and the Taiwan Strait, outside every covered district.
NO_PLATE_NEAR = (24.793339, 120.991014)
OUTSIDE = (24.70, 120.90)


def plate_id(address: str = PLATE) -> int:
    return DoorPlate.objects.get(address=address, status="active").pk


def wait_for_map(page) -> None:
    page.wait_for_function("() => document.querySelectorAll('.leaflet-overlay-pane canvas.leaflet-tile-loaded').length > 0")


def wait_for_labels(page, zoom: int) -> None:
    """Until the label index of this zoom has settled (tiles load, labels are placed and re-placed)."""
    page.wait_for_function(
        """(z) => { const i = window.geoPortalLabels.labelers.getIndex(z); if (!i) return false;
            const n = i.tree.all().length; const ok = window.__lastLabels === n && n > 0; window.__lastLabels = n;
            return ok && !window.geoPortalLabels._loading; }""",
        arg=zoom,
        polling=400,
    )


def tap_map_at(page, lat: float, lon: float) -> None:
    point = page.evaluate(
        "([lat, lon]) => { const m = window.geoPortalMap; m.setView([lat, lon], 17, {animate: false});"
        " const p = m.latLngToContainerPoint([lat, lon]); const r = m.getContainer().getBoundingClientRect();"
        " return [r.left + p.x, r.top + p.y]; }",
        [lat, lon],
    )
    page.mouse.click(*point)


# --- search -------------------------------------------------------------------------------------------------------


def test_a_failed_search_clears_the_previous_card_and_its_permalink(open_page):
    page = open_page(f"/?plate={plate_id()}", locale="en")
    wait_for_map(page)
    assert page.inner_text("#card-title") == PLATE
    page.fill("#search-input", "光復路二段99999號")
    page.keyboard.press("Escape")
    page.click("#search-form button[type=submit]")
    page.wait_for_function("() => document.getElementById('status').textContent.startsWith('No door plate matches')")
    assert page.locator("#plate-card").count() == 0
    assert page.evaluate("window.location.search") == "?q=%E5%85%89%E5%BE%A9%E8%B7%AF%E4%BA%8C%E6%AE%B599999%E8%99%9F"
    assert "plate=" not in page.url
    assert page.evaluate("document.querySelectorAll('.selected-callout, .selected-ring').length") == 0
    assert page.title() == "Door-plate map · geo_portal"
    page.go_back()  # the card comes back with its permalink
    page.wait_for_selector("#plate-card")
    assert page.url.endswith(f"/?plate={plate_id()}")


def test_suggestions_are_buttons_and_two_plates_of_one_address_are_both_shown(open_page):
    page = open_page("/", locale="en")
    wait_for_map(page)
    page.fill("#search-input", "民主路186號")  # the same street address under 5鄰 and 7鄰
    page.keyboard.press("Escape")
    page.click("#search-form button[type=submit]")
    page.wait_for_selector("#plate-choices")
    choices = page.locator("#plate-choices button.choice").all_inner_texts()
    assert choices == ["1. 新竹市東區民主路186號（復興里 5鄰）", "2. 新竹市東區民主路186號（復興里 7鄰）"]
    assert page.locator(".choice-marker").count() == 2
    page.locator("#plate-choices button.choice").nth(1).click()
    page.wait_for_selector("#plate-card")
    assert "7鄰" in page.inner_text("#plate-card")


# --- the phone: a bottom sheet -------------------------------------------------------------------------------------


def sheet(page) -> dict:
    return page.evaluate(
        """() => { const p = document.getElementById('panel').getBoundingClientRect();
            const m = document.getElementById('map').getBoundingClientRect();
            const h = document.getElementById('sheet-handle');
            return {state: document.getElementById('panel').dataset.sheet, top: p.top, height: p.height,
                    bottom: p.bottom, width: p.width, mapTop: m.top, mapBottom: m.bottom, mapWidth: m.width,
                    expanded: h.getAttribute('aria-expanded'), label: h.getAttribute('aria-label'),
                    docWidth: document.documentElement.scrollWidth}; }"""
    )


def test_on_a_phone_the_card_is_a_bottom_sheet_peek_half_full(open_page):
    page = open_page("/", locale="en", **PHONE)
    wait_for_map(page)
    page.wait_for_timeout(300)  # the sheet's height transition
    peek = sheet(page)
    assert (peek["state"], peek["expanded"], round(peek["bottom"]), peek["width"], peek["docWidth"]) == (
        "peek",
        "false",
        844,
        390,
        390,
    )
    assert 140 <= peek["height"] <= 160
    # The map fills the screen above the peeking sheet: its attribution is not hidden under it.
    assert peek["mapWidth"] == 390 and abs(peek["mapBottom"] - peek["top"]) < 1
    assert page.locator("#search-input").is_visible()
    shot(page, "20-phone-peek")

    # A search opens the card in the half sheet, the plate centred in the map above it.
    page.fill("#search-input", "光復路二段101號")
    page.keyboard.press("Escape")
    page.click("#search-form button[type=submit]")
    page.wait_for_selector("#plate-card")
    page.wait_for_timeout(900)  # the flight and the transition
    half = sheet(page)
    assert (half["state"], half["expanded"], half["label"]) == ("half", "true", "Show more of the panel")
    layout = 844 - half["mapTop"]  # the screen under the header
    assert abs(half["height"] - 0.55 * layout) < 2
    assert page.locator("#card-title").is_visible()
    callout = page.locator(".selected-callout").bounding_box()
    assert callout["y"] > half["mapTop"] and callout["y"] + callout["height"] < half["top"]  # above the sheet
    assert abs(callout["x"] + callout["width"] / 2 - 195) < 3  # and centred
    shot(page, "21-phone-half")

    # The handle steps through the heights (a button for keyboards and screen readers)…
    page.click("#sheet-handle")
    page.wait_for_timeout(300)
    full = sheet(page)
    assert (full["state"], full["label"]) == ("full", "Show less of the panel")
    assert full["top"] <= half["mapTop"] + 10
    page.click("#sheet-handle")
    page.wait_for_timeout(300)
    assert sheet(page)["state"] == "peek"
    # …and a drag moves it, snapping to the nearest height.
    handle = page.locator("#sheet-handle").bounding_box()
    x, y = handle["x"] + handle["width"] / 2, handle["y"] + handle["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    for step in range(1, 11):
        page.mouse.move(x, y - 33 * step)
    page.mouse.up()
    page.wait_for_timeout(300)
    assert sheet(page)["state"] == "half"
    shot(page, "22-phone-dragged")
    assert axe_violations(page) == []


def test_the_statistics_page_fits_a_phone(open_page):
    page = open_page("/stats/", locale="en", **PHONE)
    page.wait_for_selector("body[data-stats-ready]")
    widths = page.evaluate(
        """() => [document.documentElement.scrollWidth,
                  ...['stats-table', 'totals-table'].map(id => document.getElementById(id).getBoundingClientRect().right)]"""
    )
    assert widths[0] == 390 and max(widths[1:]) <= 390
    footer = page.inner_text("#stats-footer")
    assert footer.startswith("East Dist., Hsinchu City: total of the 53 villages above") and "221,916" in footer
    totals = page.inner_text("#totals-table tbody")
    assert "221,916" in totals and "455,755" not in page.content()  # the district's total, never the city's
    shot(page, "23-phone-statistics")
    assert axe_violations(page) == []


# --- outside the area ---------------------------------------------------------------------------------------------


def test_my_location_outside_the_district_says_so_once_and_offers_no_report(open_page):
    page = open_page(
        "/", locale="en", geolocation={"latitude": OUTSIDE[0], "longitude": OUTSIDE[1]}, permissions=["geolocation"]
    )
    wait_for_map(page)
    page.click(".locate-button")
    page.wait_for_selector("#outside-area")
    text = "This point is outside the area this map covers (East Dist., Hsinchu City)."
    assert page.inner_text("#status") == text
    assert page.inner_text("#outside-area").splitlines()[0] == text
    assert page.locator("#outside-area a").get_attribute("href") == "https://www.ris.gov.tw/app/portal/3053"
    assert page.locator("[data-action=report-point], [data-action=report-plate]").count() == 0
    assert page.content().count(text) == 2  # the card and the status region, nothing else
    shot(page, "24-outside-the-area")


def test_a_tap_outside_says_so_and_a_tap_inside_far_from_plates_offers_a_report(open_page):
    page = open_page("/", locale="en")
    wait_for_map(page)
    tap_map_at(page, *OUTSIDE)
    page.wait_for_selector("#outside-area")
    assert page.locator("[data-action=report-point]").count() == 0
    tap_map_at(page, *NO_PLATE_NEAR)
    page.wait_for_selector("[data-action=report-point]")
    assert page.inner_text("#status").startswith("No door plate within 100 m of this point.")
    assert page.locator("#outside-area").count() == 0


# --- labels at low zooms and the chosen plate ----------------------------------------------------------------------


def placed_labels(page, zoom: int) -> list[dict]:
    """The labels placed at a zoom: their boxes in world pixels (one per label; wrapped copies left out)."""
    return page.evaluate(
        """(z) => { const seen = new Set(), out = [];
            for (const e of window.geoPortalLabels.labelers.getIndex(z).tree.all()) {
              const l = e.indexedLabel; if (seen.has(l)) continue; seen.add(l);
              const b = l.bboxes[0]; out.push({x0: b.minX, y0: b.minY, x1: b.maxX, y1: b.maxY,
                                                w: b.maxX - b.minX, h: b.maxY - b.minY}); }
            return out; }""",
        zoom,
    )


def overlaps(labels: list[dict]) -> list[tuple[int, int]]:
    return [
        (i, j)
        for i, a in enumerate(labels)
        for j, b in enumerate(labels[i + 1 :], i + 1)
        if a["x0"] < b["x1"] - 0.5 and b["x0"] < a["x1"] - 0.5 and a["y0"] < b["y1"] - 0.5 and b["y0"] < a["y1"] - 0.5
    ]


@pytest.mark.parametrize("zoom", [12, 13, 14])
def test_counts_and_village_names_never_overlap_and_are_not_cut_at_tile_edges(open_page, zoom):
    page = open_page("/", locale="zh-TW", viewport=(1280, 900))
    wait_for_map(page)
    page.evaluate(f"window.geoPortalMap.setView([24.795, 120.985], {zoom}, {{animate: false}})")
    wait_for_labels(page, zoom)
    labels = placed_labels(page, zoom)
    # Counts (badges up to 36 px) and names (13 px text) share one index, and no two placed boxes overlap.
    assert len(labels) >= (8 if zoom == 12 else 30)
    assert overlaps(labels) == []
    shot(page, f"25-labels-z{zoom}")
    if zoom < 13:
        return  # a dozen labels at the village zoom: none need cross a tile edge
    # A count across a tile edge is drawn on both tiles: sample its fill just either side of the edge, on the row
    # of its centre (the tiles' own canvases, as drawn).
    samples = page.evaluate(
        """(z) => { const seen = new Set(), out = [];
            for (const e of window.geoPortalLabels.labelers.getIndex(z).tree.all()) {
              const l = e.indexedLabel; if (seen.has(l) || !l.draw.badge) continue; seen.add(l);
              const half = l.draw.badge.w / 2, x0 = l.anchor.x - half, x1 = l.anchor.x + half, y = Math.round(l.anchor.y);
              const edge = Math.floor(x1 / 256) * 256;
              if (!(x0 < edge - 3 && x1 > edge + 3)) continue;
              out.push([edge - 2, edge + 1].map((x) => {
                const tile = window.geoPortalLabels._tiles[`${Math.floor(x / 256)}:${Math.floor(y / 256)}:${z}`];
                if (!tile) return null;
                const c = tile.el, s = c.width / 256;
                const px = c.getContext('2d').getImageData(Math.floor((x % 256) * s), Math.floor((y % 256) * s), 1, 1).data;
                return px[3] > 0; })); }
            return out; }""",
        zoom,
    )
    drawn = [pair for pair in samples if None not in pair]
    assert drawn, "no count crosses a tile edge in this view; choose another"
    assert all(left and right for left, right in drawn), drawn


def test_the_chosen_plate_stands_out_and_leaves_its_label_visible(open_page):
    page = open_page(f"/?plate={plate_id()}", locale="en")
    wait_for_map(page)
    wait_for_labels(page, 18)
    callout = page.locator(".selected-callout")
    assert callout.inner_text() == "101"
    colours = page.evaluate(
        """() => [getComputedStyle(document.querySelector('.selected-callout')).backgroundColor,
                  document.querySelector('path.selected-ring').getAttribute('stroke'),
                  document.querySelector('path.selected-ring').getAttribute('fill')]"""
    )
    assert colours == ["rgb(191, 54, 12)", "#bf360c", "none"]  # dark orange, unlike the red dots; a hollow ring
    geometry = page.evaluate(
        """() => { const m = window.geoPortalMap, z = m.getZoom(), r = m.getContainer().getBoundingClientRect();
            const c = document.querySelector('.selected-callout').getBoundingClientRect();
            const ring = document.querySelector('path.selected-ring').getBoundingClientRect();
            const world = (x, y) => m.project(m.containerPointToLatLng([x - r.left, y - r.top]), z);
            const tl = world(c.left, c.top), br = world(c.right, c.bottom);
            const rtl = world(ring.left, ring.top), rbr = world(ring.right, ring.bottom);
            const plate = m.project(m.getCenter(), z);
            return {zoom: z, plate: [plate.x, plate.y], callout: [tl.x, tl.y, br.x, br.y],
                    ring: [rtl.x, rtl.y, rbr.x, rbr.y]}; }"""
    )
    px, py = geometry["plate"]
    assert geometry["zoom"] == 18
    assert geometry["callout"][3] <= py - 14  # the callout ends above the dot
    assert abs((geometry["callout"][0] + geometry["callout"][2]) / 2 - px) < 2
    # The plate's own house-number label is placed, and neither the callout nor the ring covers it.
    own = page.evaluate(
        """([px, py]) => { const i = window.geoPortalLabels.labelers.getIndex(18);
            return i.tree.all().map(e => e.indexedLabel)
                    .filter(l => Math.abs(l.anchor.x - px) < 1 && Math.abs(l.anchor.y - py) < 1)
                    .map(l => l.bboxes[0]); }""",
        [px, py],
    )
    assert own, "the chosen plate's number label was not placed"
    box = own[0]
    for x0, y0, x1, y1 in (geometry["callout"], geometry["ring"]):
        assert not (box["minX"] < x1 and x0 < box["maxX"] and box["minY"] < y1 and y0 < box["maxY"]), (box, x0, y0, x1, y1)
    shot(page, "26-chosen-plate")


# --- English -------------------------------------------------------------------------------------------------------

CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


def chinese_outside_addresses(page) -> list[str]:
    """Visible text with Chinese characters that is not inside an element marked lang="zh-Hant" (an address, a
    place name); placeholders and accessible names too."""
    return page.evaluate(
        """() => { const cjk = /[\\u3400-\\u9fff\\uf900-\\ufaff]/, out = [];
            const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
            while (walker.nextNode()) { const n = walker.currentNode, el = n.parentElement;
              if (!cjk.test(n.textContent) || el.closest('[lang="zh-Hant"], script, option, [hidden]')) continue;
              if (el.offsetParent === null && getComputedStyle(el).position !== 'fixed') continue;
              out.push(n.textContent.trim()); }
            for (const el of document.querySelectorAll('[placeholder], [aria-label], [title]'))
              for (const a of ['placeholder', 'aria-label', 'title'])
                if (cjk.test(el.getAttribute(a) || '') && !el.closest('[lang="zh-Hant"]'))
                  out.push(a + ': ' + el.getAttribute(a));
            return out; }"""
    )


def test_english_mode_shows_no_chinese_but_addresses(open_page):
    page = open_page(f"/?plate={plate_id()}", locale="en")
    wait_for_map(page)
    wait_for_labels(page, 18)
    assert chinese_outside_addresses(page) == []
    facts = dict(
        zip(page.locator("#plate-card dt").all_inner_texts(), page.locator("#plate-card dd").all_inner_texts(), strict=True)
    )
    assert facts["Village"] == "Guangming Vil., Neighborhood 7 (光明里 7鄰)"
    # The map's labels: house numbers and village names from their English properties.
    labels = page.evaluate(
        """() => { const out = [];
            for (const [name, view] of window.geoPortalLabels.views)
              for (const {data} of view.tileCache.cache.values())
                for (const [layer, features] of data)
                  for (const f of features) if (layer === 'plates' || layer === 'village_labels')
                    out.push(layer === 'plates' ? f.props.label_en : f.props.name_en);
            return out; }"""
    )
    assert len(labels) > 50 and [t for t in labels if not t or CJK.search(t)] == []
    page.fill("#search-input", "光復路二段99999號")
    page.keyboard.press("Escape")
    page.click("#search-form button[type=submit]")
    page.wait_for_function("() => document.getElementById('status').textContent.startsWith('No door plate matches')")
    assert [t for t in chinese_outside_addresses(page) if "99999" not in t] == []  # the query is the user's own
    page.goto(page.url.split("/?")[0] + "/stats/")
    page.wait_for_selector("body[data-stats-ready]")
    assert chinese_outside_addresses(page) == []
    shot(page, "27-english")


# --- a report, once, with a confirmation and a status page --------------------------------------------------------


def test_a_double_tap_sends_one_report_and_the_reporter_can_follow_it(open_page):
    pid = plate_id("新竹市東區光復路二段100號")
    before = CitizenReport.objects.filter(plate_id=pid).count()
    page = open_page(f"/?plate={pid}", locale="en")
    page.click("[data-action=report-plate]")
    page.check("input[name=kind][value=missing]")
    page.fill("#report-contact", "0912-345-678")
    page.dblclick("#report-form button[type=submit]")
    page.wait_for_selector("#report-done:not([hidden])")
    reference = page.inner_text("#report-reference")
    assert re.fullmatch(r"R-\d{8}-[2-9A-HJKMNP-Z]{5}", reference)
    assert page.inner_text("#report-done-title") == "Report received — thank you"
    assert page.evaluate("document.activeElement.id") == "report-done-title"
    assert page.locator("#report-form").is_hidden()
    assert CitizenReport.objects.filter(plate_id=pid).count() == before + 1  # one report for the double tap
    shot(page, "28-report-confirmation")
    assert axe_violations(page) == []
    link = page.get_attribute("#report-status-link", "href")
    assert link == f"/reports/status/{reference}"
    page.click("#report-status-link")
    page.wait_for_selector(".report-status-card")
    text = page.inner_text(".report-status-card")
    assert "new" in text and "新竹市東區光復路二段100號" in text and "0912-345-678" not in page.content()
    shot(page, "29-report-status")
    assert axe_violations(page) == []


@pytest.mark.parametrize("locale", ["zh-TW", "en"])
def test_axe_on_the_phone_map_and_the_status_lookup(open_page, locale):
    page = open_page(f"/?plate={plate_id()}", locale=locale, **PHONE)
    wait_for_map(page)
    assert axe_violations(page) == []
    page = open_page("/reports/status/?reference=R-20260101-ZZZZZ", locale=locale)
    assert page.locator("[role=alert]").count() == 1
    assert axe_violations(page) == []
