"""The staff home page links the re-issuance pages for clerks and reviewers, with the counts of work waiting — the
resident notices page too (batches prepared and not yet sent), for the roles that may open it and no others."""

from __future__ import annotations

import re

import pytest
from django.utils import timezone

from geo_portal.reissue.services import (
    case_open_from_finding,
    fee_assess,
    notice_batch_create,
    notice_batch_record_sent,
    payment_record,
)

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
    assert links(html, "role-clerk")[-5:] == [
        ("/reissue/counter/", "Re-issue counter", ""),
        ("/reissue/", "Open re-issue cases", "2 waiting"),
        ("/reissue/sources/", "Plates waiting for a re-issue case", "1 waiting"),
        ("/reissue/orders/", "Re-issue cases ready to order", "1 waiting"),
        ("/reissue/notices/", "Resident notices", "0 waiting"),
    ]
    html = as_user("reviewer").get("/staff/").content.decode()
    assert links(html, "role-reviewer")[-3:] == [
        ("/reissue/dashboard/", "Overdue re-issue cases", "0 waiting"),
        ("/reissue/fees/", "Re-issue fee schedule", ""),
        ("/reissue/notices/", "Resident notices", "0 waiting"),
    ]


def test_the_resident_notices_link_counts_batches_not_yet_sent_for_the_roles_that_may_open_it(
    as_user, street, staff, fees, office, conditions
):
    batch = notice_batch_create(scope_kind="village", scope_id=street["a"].pk, conditions=["missing"],
                                actor=staff["clerk"])  # fmt: skip
    notice = ("/reissue/notices/", "Resident notices", "1 waiting")
    for name, section in (("clerk", "role-clerk"), ("reviewer", "role-reviewer")):
        client = as_user(name)
        assert links(client.get("/staff/").content.decode(), section)[-1] == notice
        assert client.get("/reissue/notices/").status_code == 200
    surveyor = as_user("surveyor")
    assert "/reissue/notices/" not in surveyor.get("/staff/").content.decode()
    assert surveyor.get("/reissue/notices/").status_code == 403
    notice_batch_record_sent(batch_id=batch.pk, version=1, sent_on=timezone.localdate(), method="post",
                             actor=staff["clerk"])  # fmt: skip
    html = as_user("clerk").get("/staff/").content.decode()
    assert links(html, "role-clerk")[-1] == ("/reissue/notices/", "Resident notices", "0 waiting")
