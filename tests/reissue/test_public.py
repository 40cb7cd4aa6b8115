"""The public status read: the path a resident sees (waived fee without "paid", collection instead of installation,
a cancelled case's end), by reference in any case, and for a citizen report's own status page (the note re-issuance
registers with the reports' hook, shown on the real page)."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.utils import timezone

from geo_portal.reissue.models import Case
from geo_portal.reissue.selectors import (
    normalise_reference,
    public_status,
    public_status_for_source,
    report_case_progress,
)
from geo_portal.reissue.services import (
    PlateRequest,
    case_cancel,
    case_collected,
    case_open,
    case_open_from_report,
    fee_assess,
    order_create,
    order_delivered,
)
from geo_portal.reports.hooks import status_notes
from geo_portal.reports.models import CitizenReport
from tests.reissue.conftest import APPLICANT

pytestmark = pytest.mark.django_db


def today():
    """The office's date now (not at import: a run that crosses midnight in Taipei changed days under a constant)."""
    return timezone.localdate()


def path(status) -> list[tuple[str, bool, bool]]:
    """(state, reached, current) of each step shown."""
    return [(s.state, s.on is not None, s.current) for s in status.steps]


def test_a_waived_case_collected_at_the_counter(street, staff):
    case = case_open(source="office_initiative", plates=[PlateRequest(street["plates"][9].pk)], reason="old_style",
                     actor=staff["clerk"])  # fmt: skip
    fee_assess(case_id=case.pk, version=1, actor=staff["clerk"])
    order = order_create(cases={case.pk: 2}, actor=staff["clerk"])
    order_delivered(order_id=order.pk, delivered_on=today(), actor=staff["clerk"])
    case_collected(case_id=case.pk, version=4, actor=staff["clerk"], collected_on=today())
    status = public_status(f"  {case.reference.lower()} ")
    assert (status.state, status.fee_waived, status.over, status.plate_addresses) == (
        "collected",
        True,
        False,
        ["新竹市東區光復路二段9號"],
    )
    assert path(status) == [
        ("requested", True, False), ("fee_assessed", True, False), ("ordered", True, False),
        ("delivered", True, False), ("collected", True, True), ("closed", False, False),
    ]  # fmt: skip
    assert all(s.on == today() for s in status.steps if s.on)


def test_a_cancelled_case_ends_its_path(counter_case, staff):
    case_cancel(case_id=counter_case.pk, version=1, actor=staff["clerk"], reason="王小明 found the old plate")
    status = public_status(counter_case.reference)
    assert (status.state, status.expected_on, status.over) == ("cancelled", None, True)
    assert path(status) == [("requested", True, False), ("cancelled", True, True)]
    assert "王小明" not in repr(status)  # the reason is staff's note, never shown


def test_a_citizen_reports_status_page_reads_its_case(street, staff):
    plate = street["plates"][9]
    report = CitizenReport.objects.create(reference="R-20261201-AAAAA", kind="missing", plate=plate, location=plate.geom,
                                          contact="x@example.tw", client_hash="x" * 64)  # fmt: skip
    assert public_status_for_source(source="citizen_report", source_id=report.pk) is None
    case = case_open_from_report(report_id=report.pk, actor=staff["clerk"])
    status = public_status_for_source(source="citizen_report", source_id=report.pk)
    assert (status.reference, status.state) == (case.reference, "requested")


def test_references_are_read_in_any_case_and_nothing_else(counter_case):
    assert normalise_reference(" ri-20261202-7k3q9 ") == "RI-20261202-7K3Q9"
    assert [normalise_reference(t) for t in ("RI-2026120-7K3Q9", "RI-20261202-7K3Q0", "x", "")] == [None] * 4
    assert public_status("RI-20261202-22222") is None


def test_a_citizen_reports_case_progress_for_its_status_page(street, staff, fees):
    plate = street["plates"][11]
    report = CitizenReport.objects.create(reference="R-20261201-BBBBB", kind="damaged", plate=plate, location=plate.geom,
                                          contact="reporter@example.tw", client_hash="y" * 64)  # fmt: skip
    assert report_case_progress(report_id=report.pk) is None
    case = case_open_from_report(report_id=report.pk, actor=staff["clerk"], applicant=APPLICANT)
    fee_assess(case_id=case.pk, version=1, actor=staff["clerk"])
    progress = report_case_progress(report_id=report.pk)
    assert progress.status_path == f"/reissue/status/?ref={case.reference}"
    assert (progress.status.reference, progress.status.state, progress.status.plate_addresses) == (
        case.reference,
        "fee_assessed",
        ["新竹市東區光復路二段11號"],
    )
    assert [(s.state, s.on is not None, s.current) for s in progress.status.steps][:3] == [
        ("requested", True, False),
        ("fee_assessed", True, True),
        ("paid", False, False),
    ]
    for private in (APPLICANT.name, APPLICANT.phone, APPLICANT.email, "reporter@example.tw", "clerk1"):
        assert private not in repr(progress)


def test_a_citizen_reports_status_page_shows_its_case_and_links_to_it(street, staff, fees):
    """The note comes through ``reports.hooks`` as registered in ``ReissueConfig.ready`` (no monkeypatching)."""
    plate = street["plates"][8]
    report = CitizenReport.objects.create(reference="R-20261201-CCCCC", kind="missing", plate=plate, location=plate.geom,
                                          contact="reporter@example.tw", client_hash="z" * 64)  # fmt: skip
    resident = Client(HTTP_ACCEPT_LANGUAGE="en")

    def notes() -> list[str]:
        page = resident.get("/reports/status/R-20261201-CCCCC").content.decode()
        for private in (APPLICANT.name, APPLICANT.phone, APPLICANT.email, "reporter@example.tw", "clerk1"):
            assert private not in page, private
        return re.findall(r'<p class="status-note">.*?</p>', page)

    assert notes() == []
    assert status_notes(report_id=report.pk) == []
    case = case_open_from_report(report_id=report.pk, actor=staff["clerk"], applicant=APPLICANT)
    fee_assess(case_id=case.pk, version=1, actor=staff["clerk"])
    due = Case.objects.get(pk=case.pk).due_on
    link = f'<a href="/reissue/status/?ref={case.reference}">Follow the re-issue case</a>'
    assert notes() == [
        f'<p class="status-note">The office opened re-issue case {case.reference} for this report; its step now: fee '
        f"assessed. Expected by {due.isoformat()}. {link}</p>"
    ]
    followed = resident.get(f"/reissue/status/?ref={case.reference}")
    assert followed.status_code == 200 and case.reference in followed.content.decode()
    case_cancel(case_id=case.pk, version=2, actor=staff["clerk"], reason="王小明 found the old plate")
    assert notes() == [
        f'<p class="status-note">The office opened re-issue case {case.reference} for this report; its step now: '
        f"cancelled. {link}</p>"
    ]
