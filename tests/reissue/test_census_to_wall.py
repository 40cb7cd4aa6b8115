"""Done when: a plate found missing in the census is followed on the staff pages to a new plate on the wall — the case
opened from the finding on the sources page, the fee and its receipt, the production order, an overdue reminder that
reaches the clerk through a real SMTP server while the plate maker is late, the delivery and an installation with a
GPS photo; the plate is then ok on its public card's data and the public status page shows every step."""

from __future__ import annotations

import datetime as dt
import email
from email import policy

import pytest
from django.utils import timezone

from geo_portal.addresses.models import DoorPlate
from geo_portal.reissue.models import Case, OverdueNotice, Receipt
from geo_portal.reissue.services import (
    case_close,
    case_installed,
    fee_assess,
    order_create,
    order_delivered,
    payment_record,
)
from geo_portal.reissue.services.overdue import overdue_scan, overdue_send
from tests.reissue.conftest import jpeg, lonlat_of
from tests.reissue.test_pages import text_of

pytestmark = pytest.mark.django_db


def test_a_plate_found_missing_in_the_census_is_followed_to_a_new_plate_on_the_wall(
    as_user, findings, street, staff, fees, smtp, client, settings
):
    plate = street["plates"][1]
    assert DoorPlate.objects.get(pk=plate.pk).condition == "missing"  # what the census found
    clerk = as_user("clerk")
    assert "新竹市東區光復路二段1號 · missing" in text_of(clerk.get("/reissue/sources/"))
    opened = clerk.post(f"/reissue/findings/{findings['missing'].pk}/open", {"plate_kind": "standard", "quantity": 1})
    case = Case.objects.get()
    assert (opened.status_code, opened["Location"]) == (302, f"/reissue/cases/{case.pk}/")
    assert (case.source, case.source_id, case.state) == ("census_finding", findings["missing"].pk, "requested")

    today = timezone.localdate()
    fee_assess(case_id=case.pk, version=1, actor=staff["clerk"])
    receipt = payment_record(case_id=case.pk, version=2, method="easycard", amount=200, actor=staff["clerk"],
                             reference="EC-0042")  # fmt: skip
    assert Receipt.objects.get(case=case).pk == receipt.pk
    order = order_create(cases={case.pk: 3}, actor=staff["clerk"])
    due = Case.objects.get(pk=case.pk).due_on
    assert due == today + dt.timedelta(days=settings.REISSUE_STEP_DAYS["ordered"])

    # The plate maker is late: the day after the due date the daily job reminds the clerk by e-mail.
    staff["clerk"].email = "clerk1@office.example.tw"
    staff["clerk"].save(update_fields=["email"])
    late = overdue_scan(today=due + dt.timedelta(days=1))
    assert (late.clerk, late.resident) == (1, 0)
    sent = overdue_send()
    assert (sent.clerk_emails, sent.resident_emails, sent.no_address, sent.moved_on) == (1, 0, 0, 0)
    [(_sender, recipients, raw)] = smtp.messages
    reminder = email.message_from_bytes(raw, policy=policy.default)
    assert recipients == ["clerk1@office.example.tw"]
    assert reminder["Subject"].strip() == "逾期補發案件 Overdue re-issue cases: 1"
    assert case.reference in reminder.get_body(preferencelist=("plain",)).get_content()
    assert list(OverdueNotice.objects.filter(case=case).values_list("state", "recipient", "outcome")) == [
        ("ordered", "clerk", "sent")
    ]

    order_delivered(order_id=order.pk, delivered_on=today, actor=staff["clerk"])
    photo = jpeg(lonlat=lonlat_of(plate, 2, 1))
    installed = case_installed(case_id=case.pk, version=5, actor=staff["clerk"], photo=photo, installer="陳師傅",
                               installed_on=today)  # fmt: skip
    case_close(case_id=case.pk, version=installed.version, actor=staff["clerk"])
    plate.refresh_from_db()
    assert (plate.condition, plate.last_checked_on) == ("ok", today)
    status = text_of(client.get("/reissue/status/", {"ref": case.reference}, HTTP_ACCEPT_LANGUAGE="en"))
    assert f"{case.reference}: closed" in status
    steps = ("requested", "fee assessed", "paid", "ordered from the plate maker", "plate delivered to the office",
             "installed", "closed")  # fmt: skip
    assert " ".join(f"{step} {today.isoformat()}" for step in steps) in status
