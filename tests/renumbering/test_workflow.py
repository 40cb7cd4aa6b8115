"""Steps of a plan: two people (service and database), versions, conflicts block, bad input names its field."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from geo_portal.renumbering.models import Plan
from geo_portal.renumbering.services import (
    PlanRefused,
    StalePlan,
    plan_approve,
    plan_cancel,
    plan_draft_by_rule,
    plan_reject,
    plan_submit,
)

ON = dt.date(2026, 12, 1)


def rename(street, staff, actor="clerk", **kwargs):
    values = {
        "kind": "rename_road",
        "title": "改名",
        "effective_date": ON,
        "road_id": street["road"].pk,
        "new_road_name": "建功路二段",
    } | kwargs
    return plan_draft_by_rule(actor=staff[actor], district=street["district"], **values)


def test_the_author_cannot_approve_the_plan_nor_can_the_one_who_submitted_it(street, staff):
    plan = rename(street, staff)
    plan = plan_submit(plan_id=plan.pk, version=plan.version, actor=staff["clerk2"])
    for who in ("clerk", "clerk2"):
        with pytest.raises(PlanRefused) as refused:
            plan_approve(plan_id=plan.pk, version=plan.version, actor=staff[who])
        assert list(refused.value.errors) == ["actor"]  # clerks may not approve at all
    # A reviewer who drafted it is refused by the two-person rule.
    staff["reviewer"].user_permissions.add(*staff["clerk"].groups.first().permissions.all())
    mine = rename(street, staff, actor="reviewer", new_road_name="建中路二段")
    mine = plan_submit(plan_id=mine.pk, version=mine.version, actor=staff["reviewer"])
    with pytest.raises(PlanRefused) as refused:
        plan_approve(plan_id=mine.pk, version=mine.version, actor=staff["reviewer"])
    assert refused.value.errors == {
        "approved_by": [f"rita drafted or submitted plan {mine.number}: another person must approve it"]
    }
    approved = plan_approve(plan_id=plan.pk, version=plan.version, actor=staff["reviewer"], note="ok")
    assert (approved.status, approved.approved_by, approved.version) == ("approved", staff["reviewer"], 3)
    assert [(t.from_status, t.to_status, t.actor.username) for t in approved.transitions.all()] == [
        ("", "draft", "carl"),
        ("draft", "submitted", "cora"),
        ("submitted", "approved", "rita"),
    ]


def test_the_database_refuses_an_approval_by_the_author(street, staff):
    plan = rename(street, staff)
    with pytest.raises(IntegrityError, match="renumberingplan_approver_not_author"), transaction.atomic():
        Plan.objects.filter(pk=plan.pk).update(approved_by=staff["clerk"], approved_at=timezone.now())


def test_a_stale_version_names_who_changed_the_plan(street, staff):
    plan = rename(street, staff)
    plan_submit(plan_id=plan.pk, version=1, actor=staff["clerk"])
    with pytest.raises(StalePlan) as refused:
        plan_cancel(plan_id=plan.pk, version=1, actor=staff["clerk2"], note="x")
    [message] = refused.value.errors["version"]
    assert message.startswith(f"plan {plan.number} was changed by carl at ")
    assert message.endswith("(version 2, you saw 1); reload it")


def test_a_plan_with_conflicts_is_not_submitted_and_a_rejection_needs_a_reason(street, staff):
    p = street["plates"]
    bad = rename(street, staff, kind="renumber", road_id=None, plate_ids=[p[1].pk, p[9].pk], first_odd=1)
    with pytest.raises(PlanRefused) as refused:
        plan_submit(plan_id=bad.pk, version=bad.version, actor=staff["clerk"])
    assert refused.value.errors == {
        "item 2": [f"新竹市東區光復路二段3號 is already the active plate {p[3].pk}, which is not in the plan"],
        "conflicts": ["2 conflicts must be resolved first"],
    }
    assert Plan.objects.get(pk=bad.pk).status == "draft"
    plan = rename(street, staff)
    plan = plan_submit(plan_id=plan.pk, version=plan.version, actor=staff["clerk"])
    with pytest.raises(PlanRefused) as refused:
        plan_reject(plan_id=plan.pk, version=plan.version, actor=staff["reviewer"], note=" ")
    assert refused.value.errors == {"note": ["give the reason for the rejection"]}
    plan = plan_reject(plan_id=plan.pk, version=plan.version, actor=staff["reviewer"], note="名稱未定")
    assert plan.status == "rejected"
    with pytest.raises(PlanRefused) as refused:
        plan_approve(plan_id=plan.pk, version=plan.version, actor=staff["reviewer"])
    assert refused.value.errors == {
        "status": [f"plan {plan.number} is rejected: only a submitted plan can be approved or rejected"]
    }


@pytest.mark.parametrize(
    ("values", "errors"),
    [
        ({"new_road_name": "光復路二段"}, {"new_road_name": ["the new name is the road's present name"]}),
        ({"new_road_name": ""}, {"new_road_name": ["give the new road's name"]}),
        (
            {"new_road_name": "abc"},
            {"new_road_name": ["'abc' is not a road name the address parser reads back (e.g. 光復路二段)"]},
        ),
        ({"kind": "renumber", "first_odd": "x"}, {"first_odd": ["must be a whole number (got 'x')"]}),
        ({"kind": "renumber"}, {"first_odd": ["give the first odd number, the first even number, or both"]}),
        ({"kind": "teleport"}, {"kind": ["unknown rule 'teleport'"]}),
        ({"title": " "}, {"title": ["give the plan a title"]}),
        ({"road_id": 999999}, {"road": ["no road 999999 in 東區"]}),
    ],
)
def test_bad_rules_name_their_field_and_draft_nothing(street, staff, values, errors):
    with pytest.raises(PlanRefused) as refused:
        rename(street, staff, **values)
    assert refused.value.errors == errors
    assert Plan.objects.count() == 0


def test_only_clerks_draft(street, staff):
    with pytest.raises(PlanRefused) as refused:
        rename(street, staff, actor="ann")
    assert refused.value.errors == {"actor": ["ann may not draft renumbering plans"]}
