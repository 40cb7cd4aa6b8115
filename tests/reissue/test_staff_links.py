"""The staff home page links the re-issuance pages for clerks and reviewers, with the counts of work waiting."""

from __future__ import annotations

import re

import pytest

from geo_portal.reissue.services import case_open_from_finding, fee_assess, payment_record

pytestmark = pytest.mark.django_db


def links(html: str, section: str) -> list[tuple[str, str, str]]:
    block = re.search(rf'<section class="staff-section" id="{section}".*?</section>', html, re.S).group(0)
    return re.findall(r'<li><a href="([^"]*)">([^<]+)</a>(?: <span class="staff-count">([^<]+)</span>)?</li>', block)


def test_clerks_and_reviewers_see_the_re_issue_work_waiting(as_user, findings, counter_case, staff):
    case = case_open_from_finding(finding_id=findings["missing"].pk, actor=staff["clerk"])  # one finding left
    fee_assess(case_id=case.pk, version=1, actor=staff["clerk"])
    fee_assess(case_id=counter_case.pk, version=1, actor=staff["clerk"])
    payment_record(case_id=counter_case.pk, version=2, method="cash", amount=400, actor=staff["clerk"])
    html = as_user("clerk").get("/staff/").content.decode()
    assert links(html, "role-clerk")[-4:] == [
        ("/reissue/counter/", "Re-issue counter", ""),
        ("/reissue/", "Open re-issue cases", "2 waiting"),
        ("/reissue/sources/", "Plates waiting for a re-issue case", "1 waiting"),
        ("/reissue/orders/", "Re-issue cases ready to order", "1 waiting"),
    ]
    html = as_user("reviewer").get("/staff/").content.decode()
    assert links(html, "role-reviewer")[-2:] == [
        ("/reissue/dashboard/", "Overdue re-issue cases", "0 waiting"),
        ("/reissue/fees/", "Re-issue fee schedule", ""),
    ]
