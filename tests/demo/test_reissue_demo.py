"""The re-issuance demo: a fee schedule marked as demo, the office's service point, demo plate conditions for the
resident notices and six cases at different steps — made through the services once; a second run changes nothing."""

from __future__ import annotations

import pytest

from geo_portal.addresses.models import DoorPlate
from geo_portal.demo.reissue_demo import DEMO_NOTE, DEMO_OFFICE, ensure_reissue_demo
from geo_portal.offices.models import ServicePoint
from geo_portal.reissue.models import Case, FeeSchedule, NoticeBatch, Receipt
from geo_portal.reissue.services import notice_batch_create
from tests.accounts.factories import make_staff
from tests.census.conftest import street  # noqa: F401 — a fixture

pytestmark = pytest.mark.django_db


def test_the_demo_is_made_once_through_the_services(street):  # noqa: F811
    assert ensure_reissue_demo(min_plates=5).skipped == "no clerk or reviewer login, or no village with plates"
    clerk = make_staff("clerk", "clerk")
    make_staff("reviewer", "reviewer")
    outcome = ensure_reissue_demo(min_plates=5)
    assert (outcome.fees, outcome.office, outcome.conditions) == (3, DEMO_OFFICE, 4)
    assert list(FeeSchedule.objects.order_by("plate_kind").values_list("plate_kind", "amount", "note")) == [
        ("floor", 150, DEMO_NOTE),
        ("lane_sign", 500, DEMO_NOTE),
        ("standard", 200, DEMO_NOTE),
    ]
    office = ServicePoint.objects.get()
    p = street["plates"]
    assert (office.kind, office.address, office.plate_id) == ("office", "新竹市東區光復路二段1號", p[1].pk)
    # Cases on the next plates (by id: 3, 5, 7, 9, 11, 2), each as far as its step.
    by_ref = {ref: step for step, ref in outcome.cases.items()}
    cases = {by_ref[c.reference]: c for c in Case.objects.prefetch_related("plates")}
    assert {step: (c.state, c.plates.get().plate_id) for step, c in cases.items()} == {
        "requested": ("requested", p[3].pk),
        "fee_assessed": ("fee_assessed", p[5].pk),
        "paid": ("paid", p[7].pk),
        "ordered": ("ordered", p[9].pk),
        "delivered": ("delivered", p[11].pk),
        "closed": ("closed", p[2].pk),
    }
    assert (cases["ordered"].source, cases["ordered"].fee_waived) == ("office_initiative", True)
    assert [r.amount for r in Receipt.objects.order_by("number")] == [200, 200, 200]
    assert DoorPlate.objects.get(pk=p[2].pk).condition == "ok"  # collected and closed
    assert dict(DoorPlate.objects.filter(condition_evidence=DEMO_NOTE).values_list("pk", "condition")) == {
        p[4].pk: "missing",
        p[6].pk: "damaged",
        p[8].pk: "old_style",
        p["5F2"].pk: "missing",
    }
    again = ensure_reissue_demo(min_plates=5)
    assert (again.fees, again.office, again.conditions, again.cases) == (0, DEMO_OFFICE, 0, {})
    assert (Case.objects.count(), FeeSchedule.objects.count(), ServicePoint.objects.count()) == (6, 3, 1)
    # The demo's notices have letters to prepare (the plates marked, none with a case).
    batch = notice_batch_create(scope_kind="village", scope_id=street["a"].pk, conditions=["missing", "damaged",
                                "old_style"], actor=clerk)  # fmt: skip
    assert (batch.letter_count, NoticeBatch.objects.count()) == (4, 1)
