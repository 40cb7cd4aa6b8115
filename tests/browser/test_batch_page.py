"""The batch geocoding page in real Chromium (issue 15 §4, issue 16 §2): upload a CSV of real addresses, watch the
job on the real queue, download the result — on a desktop in English and on a 390 px phone in zh-Hant; axe clean."""

from __future__ import annotations

import csv
import io
import threading
from pathlib import Path

import pytest
from django.db import connections
from django.utils import translation
from django.utils.translation import gettext
from procrastinate.contrib.django import app

from geo_portal.addresses.models import DoorPlate
from tests.browser.conftest import axe_violations, shot

pytestmark = [pytest.mark.realdata, pytest.mark.browser, pytest.mark.django_db]


@pytest.fixture(autouse=True)
def _fresh_throttle_counters():
    """Overrides the suite's cache clear: the live server's throttle counters live in the shared cache (a PostgreSQL
    table), and clearing it inside this test's transaction would hold their rows locked for the whole test, stalling
    every request of the server that counts (seen as a 30 s page load in the second test)."""
    yield


@pytest.fixture
def run_jobs(monkeypatch, django_db_blocker):
    """The real procrastinate worker, in a thread of its own (Playwright's loop runs in the test's thread)."""
    monkeypatch.setitem(connections.databases["default"], "CONN_MAX_AGE", 0)
    app.perform_import_paths()  # the task modules' schedules, registered before they are left out
    for key in list(app.periodic_registry.periodic_tasks):
        monkeypatch.delitem(app.periodic_registry.periodic_tasks, key)

    def work() -> None:
        with django_db_blocker.unblock(), app.replace_connector(app.connector.get_worker_connector()):
            app.run_worker(wait=False, install_signal_handlers=False, listen_notify=False)

    def run() -> None:
        thread = threading.Thread(target=work)
        thread.start()
        thread.join(120)
        assert not thread.is_alive(), "the job worker did not finish"

    return run


@pytest.fixture
def addresses(loaded_real, django_db_blocker):
    with django_db_blocker.unblock():
        plates = DoorPlate.objects.filter(status="active", floor__isnull=True).order_by("id")
        return list(plates.values_list("address", flat=True)[:3])


def texts_in(language: str) -> dict[str, str]:
    """The page's labels as the site's catalogue gives them in ``language`` (zh-Hant: the office's default)."""
    with translation.override(language):
        return {
            "title": gettext("Batch geocoding"),
            "file": gettext("CSV file"),
            "submit": gettext("Geocode the file"),
            "download": gettext("Download the result (CSV)"),
            "queued": gettext("Waiting for its turn…"),
        }


@pytest.mark.parametrize(
    ("locale", "language", "viewport"), [("en-US", "en", (1280, 800)), ("zh-TW", "zh-hant", (390, 844))]
)
def test_upload_progress_and_download(open_page, run_jobs, addresses, tmp_path, locale, language, viewport):
    texts = texts_in(language)
    page = open_page("/batch/", locale=locale, viewport=viewport)
    assert page.locator("html").get_attribute("lang") == ("en" if language == "en" else "zh-Hant")
    assert page.locator("h1").inner_text() == texts["title"]
    assert axe_violations(page) == []
    source = tmp_path / "addresses.csv"
    rows = [["id", "地址"], *[[str(i), a] for i, a in enumerate(addresses, 1)], ["9", "=1+1"]]
    with source.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(rows)
    page.get_by_label(texts["file"]).set_input_files(str(source))
    page.get_by_role("button", name=texts["submit"]).click()
    page.get_by_role("status").filter(has_text=texts["queued"]).wait_for()  # no worker has run yet
    assert page.evaluate("location.hash").startswith("#job=%2Fapi%2Fv1%2Fgeocode%2Fbatch%2Fjobs%2F")
    run_jobs()
    link = page.get_by_role("link", name=texts["download"])
    link.wait_for(timeout=15_000)
    assert page.locator("#batch-bar").get_attribute("value") == "100"
    assert axe_violations(page) == []
    if viewport[0] < 500:
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    shot(page, f"batch-page-{locale}-{viewport[0]}")
    with page.expect_download() as info:
        link.click()
    download = info.value
    assert download.suggested_filename == "addresses-geocoded.csv"
    result = list(csv.reader(io.StringIO(Path(download.path()).read_text(encoding="utf-8-sig"))))
    assert [r[:3] for r in result] == [
        ["id", "地址", "geo_status"],
        *[[str(i), a, "ok"] for i, a in enumerate(addresses, 1)],
        ["9", "'=1+1", "none"],
    ]
    # The page's address (with the job in it) finds the job again after a reload.
    page.reload()
    page.get_by_role("link", name=texts["download"]).wait_for(timeout=15_000)
