"""The staff home page: login required, a section per role with counts of work waiting, zh-Hant and English;
public pages never ask for a login."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from django.contrib.gis.geos import Point
from django.utils import timezone, translation
from django.utils.translation import gettext

from geo_portal.ingest.models import ImportBatch
from geo_portal.reports.models import CitizenReport
from tests.accounts.factories import PASSWORD, make_staff, pass_second_factor

pytestmark = pytest.mark.django_db

SECTIONS = {
    "surveyor": ["role-surveyor"],
    "census_supervisor": ["role-census_supervisor"],
    "clerk": ["role-clerk"],
    "reviewer": ["role-reviewer"],
    "registrar": ["role-registrar"],
    "administrator": ["role-administrator"],
}


def section_ids(html: str) -> list[str]:
    return re.findall(r'<section class="staff-section" id="([^"]+)"', html)


def links(html: str, section: str) -> list[tuple[str, str]]:
    """(label, count) of the links in one section."""
    block = re.search(rf'<section class="staff-section" id="{section}".*?</section>', html, re.S).group(0)
    return [
        (label, count or "")
        for label, count in re.findall(
            r'<li><a href="[^"]*">([^<]+)</a>(?: <span class="staff-count">([^<]+)</span>)?</li>', block
        )
    ]


def report(reference: str, status: str) -> CitizenReport:
    return CitizenReport.objects.create(
        reference=reference, kind="missing", location=Point(250500, 2740500, srid=3826), status=status, client_hash="x"
    )


def batch(status: str) -> ImportBatch:
    return ImportBatch.objects.create(
        kind="doorplates", source_name="a.csv", source_sha256="0" * 64, status=status, started_at=timezone.now()
    )


def test_anonymous_users_are_sent_to_the_login_page(client):
    response = client.get("/staff/")
    assert (response.status_code, response["Location"]) == (302, "/staff/login/?next=/staff/")
    login = client.get("/staff/login/?next=/staff/", HTTP_ACCEPT_LANGUAGE="en")
    html = login.content.decode()
    assert login.status_code == 200
    assert "<h1>Staff sign-in</h1>" in html
    assert '<input type="hidden" name="next" value="/staff/">' in html
    assert not re.search(r"<script(?![^>]*\bsrc=)|<style|\sstyle=", html)  # CSP: no inline script or style


def test_public_pages_need_no_login(client, areas):
    for path in ("/", "/stats/", "/districts/"):
        response = client.get(path)
        assert response.status_code == 200, path


@pytest.mark.parametrize("role", list(SECTIONS))
def test_each_role_sees_its_section_and_not_the_others(client, role):
    make_staff("someone", role)
    assert client.login(username="someone", password=PASSWORD)
    pass_second_factor(client)
    html = client.get("/staff/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert section_ids(html) == SECTIONS[role]


def test_several_roles_see_several_sections_in_role_order(client):
    make_staff("multi", "registrar", "surveyor", "clerk")
    assert client.login(username="multi", password=PASSWORD)
    pass_second_factor(client)
    assert section_ids(client.get("/staff/").content.decode()) == ["role-surveyor", "role-clerk", "role-registrar"]


def test_a_user_without_role_sees_no_section_and_a_superuser_sees_administration(client):
    User = get_user_model()
    User.objects.create_user("plain", password=PASSWORD)
    assert client.login(username="plain", password=PASSWORD)
    html = client.get("/staff/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert section_ids(html) == []
    assert "You have no staff role yet. Ask an administrator to give you one." in html
    User.objects.create_superuser("root", password=PASSWORD)
    assert client.login(username="root", password=PASSWORD)
    pass_second_factor(client)
    assert section_ids(client.get("/staff/").content.decode()) == ["role-administrator"]


def test_counts_of_work_waiting_in_english_and_chinese(client):
    for i, status in enumerate(["new", "new", "new", "in_review", "resolved", "rejected"]):
        report(f"R-20261201-{i:05d}", status)
    batch("failed")
    batch("applied")
    make_staff("carl", "clerk", "reviewer", "administrator")
    assert client.login(username="carl", password=PASSWORD)
    pass_second_factor(client)
    en = client.get("/staff/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert links(en, "role-clerk") == [
        ("New citizen reports", "3 waiting"),
        ("Citizen reports in review", "1 waiting"),
        ("Census plate proposals", "0 waiting"),
        ("Failed import batches", "1 waiting"),
        ("Renumbering plans", "0 waiting"),
        ("Re-issue counter", ""),
        ("Open re-issue cases", "0 waiting"),
        ("Plates waiting for a re-issue case", "0 waiting"),
        ("Re-issue cases ready to order", "0 waiting"),
        ("Resident notices", "0 waiting"),
    ]
    assert links(en, "role-reviewer") == [
        ("Citizen reports in review", "1 waiting"),
        ("Renumbering plans waiting for approval", "0 waiting"),
        ("Overdue re-issue cases", "0 waiting"),
        ("Re-issue fee schedule", ""),
        ("Resident notices", "0 waiting"),
    ]
    assert links(en, "role-administrator") == [
        ("Staff accounts", ""),
        ("Role changes", ""),
        ("Failed import batches", "1 waiting"),
        ("Background jobs waiting", "0 waiting"),
        ("Background jobs failed in the last day", "0 waiting"),
        ("Register access log", ""),
        ("Home-visit statistics", ""),
        ("Dead-lettered notifications", "0 waiting"),
        ("Data maintenance (admin)", ""),
    ]
    assert 'href="/admin/reports/citizenreport/?status__exact=new"' in en
    assert 'href="/admin/ingest/importbatch/?status__exact=failed"' in en
    assert "Signed in as carl" in en
    zh = client.get("/staff/").content.decode()
    assert '<html lang="zh-Hant">' in zh
    with translation.override("zh-hant"):
        proposals = gettext("Census plate proposals")  # the census labels' zh-Hant come with the census strings
        renumbering = gettext("Renumbering plans")
        labels = (
            "Re-issue counter",
            "Open re-issue cases",
            "Plates waiting for a re-issue case",
            "Re-issue cases ready to order",
        )
        reissue = [gettext(label) for label in labels]
    assert links(zh, "role-clerk") == [
        ("新的民眾通報", "3 件待處理"),
        ("處理中的民眾通報", "1 件待處理"),
        (proposals, "0 件待處理"),
        ("匯入失敗的批次", "1 件待處理"),
        (renumbering, "0 件待處理"),
        (reissue[0], ""),
        (reissue[1], "0 件待處理"),
        (reissue[2], "0 件待處理"),
        (reissue[3], "0 件待處理"),
        ("住戶宣導通知", "0 件待處理"),
    ]
    assert "<h1>同仁工作首頁</h1>" in zh


def test_clerk_reaches_the_reports_admin_surveyor_does_not(client):
    make_staff("carl", "clerk")
    make_staff("sue", "surveyor")
    assert client.login(username="carl", password=PASSWORD)
    pass_second_factor(client)
    assert client.get("/admin/reports/citizenreport/?status__exact=new").status_code == 200
    assert client.get("/admin/auth/user/").status_code == 403
    client.logout()
    assert client.login(username="sue", password=PASSWORD)
    assert client.get("/admin/reports/citizenreport/").status_code == 302  # not admin staff: to the admin login


def test_login_logout_and_the_password_change(client):
    make_staff("carl", "surveyor")  # password only: clerks and other roles reading personal data add a code
    response = client.post("/staff/login/", {"username": "carl", "password": PASSWORD, "next": "/staff/"})
    assert (response.status_code, response["Location"]) == (302, "/staff/")
    assert client.get("/staff/login/")["Location"] == "/staff/"  # already signed in
    changed = client.post(
        "/staff/password/",
        {"old_password": PASSWORD, "new_password1": "a new staff secret 987", "new_password2": "a new staff secret 987"},
    )
    assert (changed.status_code, changed["Location"]) == (302, "/staff/")
    assert client.get("/staff/").status_code == 200  # the session survives one's own password change
    assert client.get("/staff/logout/").status_code == 405  # sign-out is a POST
    out = client.post("/staff/logout/")
    assert (out.status_code, out["Location"]) == (302, "/staff/login/")
    assert client.get("/staff/").status_code == 302


def test_wrong_password_is_refused_and_attempts_are_throttled(client, settings):
    make_staff("carl", "clerk")
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "login": "3/minute"},
    }
    bad = client.post("/staff/login/", {"username": "carl", "password": "wrong"}, HTTP_ACCEPT_LANGUAGE="en")
    assert bad.status_code == 200
    assert "Please enter a correct username and password." in bad.content.decode()
    codes = [client.post("/staff/login/", {"username": "carl", "password": "wrong"}).status_code for _ in range(3)]
    assert codes == [200, 200, 429]


def test_must_change_password_notice_until_changed(client):
    User = get_user_model()
    from geo_portal.accounts.services import staff_reset_password

    make_staff("carl", "clerk")
    ada = make_staff("ada", "administrator")
    new = staff_reset_password(actor=ada, user=User.objects.get(username="carl"))
    assert client.login(username="carl", password=new)
    notice = "Your password was set by someone else."
    assert notice in client.get("/staff/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    client.post(
        "/staff/password/", {"old_password": new, "new_password1": "mine, really 2026", "new_password2": "mine, really 2026"}
    )
    assert notice not in client.get("/staff/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
