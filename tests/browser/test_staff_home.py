"""The staff home page in real Chromium: a clerk signs in, sees their section with the counts of work waiting
in zh-Hant and English, passes axe-core (no serious or critical WCAG 2.1 A/AA violation), and fits a phone."""

from __future__ import annotations

import secrets

import pytest
from django.utils import translation
from django.utils.translation import gettext

from geo_portal.accounts.services import staff_create
from geo_portal.census.models import Proposal
from geo_portal.ingest.models import ImportBatch
from geo_portal.reissue import selectors as reissue
from geo_portal.renumbering import selectors as renumbering
from geo_portal.reports.models import CitizenReport
from tests.browser.conftest import axe_violations, enrol_authenticator, shot, type_code_if_enrolled

pytestmark = [pytest.mark.realdata, pytest.mark.browser, pytest.mark.django_db]

CLERK = "clerk-browser"


@pytest.fixture(scope="module")
def clerk(live_site, django_db_blocker) -> dict[str, str]:
    """A clerk committed to the test database, which the live server reads."""
    password = secrets.token_urlsafe(16)
    with django_db_blocker.unblock():
        user, _ = staff_create(actor=None, username=CLERK, roles=["clerk"], password=password)
        enrol_authenticator(user)  # clerks sign in with a second factor
    return {"user": CLERK, "password": password}


def sign_in(page, clerk: dict[str, str]) -> None:
    page.fill("#id_username", clerk["user"])
    page.fill("#id_password", clerk["password"])
    page.click("main form button[type=submit]")
    type_code_if_enrolled(page, clerk["user"])
    page.wait_for_url("**/staff/")


def waiting() -> tuple[int, ...]:
    """New reports, reports in review, open census proposals, failed import batches, open re-issue cases, plates
    waiting for a re-issue case, cases ready to order, open renumbering plans and unsent notice batches, as committed
    (other browser tests add reports, proposals and plans)."""
    reports = CitizenReport.objects
    return (
        reports.filter(status="new").count(),
        reports.filter(status="in_review").count(),
        Proposal.objects.filter(status="open").count(),
        ImportBatch.objects.filter(status="failed").count(),
        reissue.open_case_count(),
        reissue.waiting_count(),
        reissue.ready_to_order_count(),
        renumbering.open_plan_count(),
        reissue.unsent_notice_batch_count(),
    )


def section_links(page) -> list[str]:
    return [" ".join(text.split()) for text in page.locator("#role-clerk li").all_inner_texts()]


def test_clerk_signs_in_and_sees_the_work_waiting_in_both_languages(open_page, clerk):
    page = open_page("/staff/")
    page.wait_for_url("**/staff/login/?next=/staff/")
    assert page.get_attribute("html", "lang") == "zh-Hant"
    assert page.inner_text("h1") == "同仁登入"
    assert axe_violations(page) == []
    shot(page, "staff-01-login")
    sign_in(page, clerk)

    new, in_review, proposals, failed, cases, to_take, to_order, plans, notices = waiting()
    with translation.override("zh-hant"):
        proposals_zh = gettext("Census plate proposals")  # the census labels' zh-Hant come with the census strings
        counter_zh, cases_zh, to_take_zh, to_order_zh, plans_zh, notices_zh = (
            gettext(label)
            for label in ("Re-issue counter", "Open re-issue cases", "Plates waiting for a re-issue case",
                          "Re-issue cases ready to order", "Renumbering plans", "Resident notices")
        )  # fmt: skip
    assert page.inner_text("h1") == "同仁工作首頁"
    assert page.inner_text(".staff-user") == f"已登入：{CLERK}"
    assert page.locator(".staff-section").evaluate_all("els => els.map(e => e.id)") == ["role-clerk"]
    assert " ".join(page.inner_text("#role-clerk h2").split()) == "門牌與民眾通報 承辦人"
    assert section_links(page) == [
        f"新的民眾通報 {new} 件待處理",
        f"處理中的民眾通報 {in_review} 件待處理",
        f"{proposals_zh} {proposals} 件待處理",
        f"匯入失敗的批次 {failed} 件待處理",
        f"{plans_zh} {plans} 件待處理",
        counter_zh,
        f"{cases_zh} {cases} 件待處理",
        f"{to_take_zh} {to_take} 件待處理",
        f"{to_order_zh} {to_order} 件待處理",
        f"{notices_zh} {notices} 件待處理",
    ]
    assert axe_violations(page) == []
    shot(page, "staff-02-home")

    page.select_option("#language", "en")
    page.click(".lang-switch button")
    page.wait_for_selector("html[lang=en]")
    assert page.url.endswith("/staff/")
    assert page.inner_text("h1") == "Staff home"
    assert " ".join(page.inner_text("#role-clerk h2").split()) == "Door plates and citizen reports clerk"
    assert section_links(page) == [
        f"New citizen reports {new} waiting",
        f"Citizen reports in review {in_review} waiting",
        f"Census plate proposals {proposals} waiting",
        f"Failed import batches {failed} waiting",
        f"Renumbering plans {plans} waiting",
        "Re-issue counter",
        f"Open re-issue cases {cases} waiting",
        f"Plates waiting for a re-issue case {to_take} waiting",
        f"Re-issue cases ready to order {to_order} waiting",
        f"Resident notices {notices} waiting",
    ]
    assert axe_violations(page) == []

    page.click("text=Sign out")
    page.wait_for_url("**/staff/login/")
    assert page.inner_text("h1") == "Staff sign-in"


def test_staff_home_on_a_phone(open_page, clerk):
    page = open_page("/staff/login/", viewport=(390, 844), is_mobile=True, has_touch=True)
    sign_in(page, clerk)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")  # no sideways scrolling
    box = page.locator("#role-clerk").bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 390
    heights = page.locator("#role-clerk li a").evaluate_all("els => els.map(e => e.closest('li').offsetHeight)")
    assert len(heights) == 10 and min(heights) >= 44  # touch targets
    assert axe_violations(page) == []
    shot(page, "staff-03-phone")
