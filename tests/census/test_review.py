"""Validation: accepting applies through the plate services (history, change log with the task as cause),
conflicts need an explicit confirmation, proposals go to a clerk, the re-issuance hand-off."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.db import connection
from django.utils import timezone

from geo_portal.addresses.models import DoorPlate
from geo_portal.addresses.plates import plate_set_condition
from geo_portal.census.models import Finding, Proposal
from geo_portal.census.review import (
    accept_all,
    finding_accept,
    finding_reject,
    proposal_confirm,
    proposal_reject,
)
from geo_portal.census.selectors import findings_needing_new_plate
from geo_portal.census.services import CensusRefused, task_claim, task_validate
from geo_portal.census.sync import sync_findings
from geo_portal.core.geo import transform_point
from tests.census.conftest import along

NOW = timezone.make_aware(dt.datetime(2026, 11, 10, 9, 0))


def uid(n: int) -> str:
    return str(uuid.UUID(int=n, version=4))


@pytest.fixture
def submitted(campaign, staff):
    """Task 1 (光復路二段 odd 1–5) submitted by sur1 with: 1號 missing, 3號 moved, 5號 ok, 5號2樓 number differs,
    an unregistered plate; 3號 was changed by a clerk before the sync → conflict on it."""
    task = task_claim(task_id=campaign.tasks.get(number=1).pk, user=staff["surveyor"], now=NOW)
    s1, s3, s5 = task.stops.order_by("seq")
    p = transform_point(along(13), 4326)
    moved = transform_point(along(3).__class__(along(3).x + 6, along(3).y + 8, srid=3826), 4326)
    base = {"task": task.pk, "observed_at": NOW.isoformat(), "plate_version": 1}
    records = [
        {**base, "uuid": uid(1), "stop": s1.pk, "plate": s1.plate_ids[0], "kind": "missing"},
        {**base, "uuid": uid(2), "stop": s3.pk, "plate": s3.plate_ids[0], "kind": "wrong_position",
         "point": {"lon": moved.x, "lat": moved.y}, "note": "門牌在側門"},
        {**base, "uuid": uid(3), "stop": s5.pk, "plate": s5.plate_ids[0], "kind": "ok"},
        {**base, "uuid": uid(4), "stop": s5.pk, "plate": s5.plate_ids[1], "kind": "number_differs",
         "written_address": "光復路二段5號3樓"},
        {"task": task.pk, "observed_at": NOW.isoformat(), "uuid": uid(5), "kind": "unregistered",
         "written_address": "光復路二段13號", "point": {"lon": p.x, "lat": p.y}},
    ]  # fmt: skip
    plate_set_condition(plate_id=s1.plate_ids[0], version=1, condition="ok", checked_on=dt.date(2026, 11, 9), actor="clerk1")
    result = sync_findings(user=staff["surveyor"], device=None, records=records, submit=[task.pk], now=NOW)
    assert result.submitted == {task.pk: "submitted"}
    return {"task": task, "stops": (s1, s3, s5), **{f"f{i}": Finding.objects.get(uuid=uid(i)) for i in range(1, 6)}}


def plate_events(plate_id: int) -> list[tuple[str, str, str]]:
    with connection.cursor() as cur:
        cur.execute(
            "SELECT e.operation, e.cause, e.actor FROM changes_event e WHERE e.entity = 'plate' AND e.entity_id = %s "
            "ORDER BY e.transaction_id, e.ordinal",
            [plate_id],
        )
        return cur.fetchall()


def test_accepting_applies_through_the_plate_services_with_the_task_as_cause(submitted, staff):
    sup = staff["supervisor"]
    f3 = finding_accept(finding_id=submitted["f3"].pk, user=sup)
    plate = DoorPlate.objects.get(pk=f3.plate_id)
    assert (plate.condition, plate.last_checked_on, plate.version, plate.updated_by) == (
        "ok",
        dt.date(2026, 11, 10),
        2,
        "sup1",
    )
    assert plate.condition_evidence == f"census task #1 finding {uid(3)}"
    assert (f3.review, f3.outcome, f3.needs_new_plate) == ("accepted", "condition set to ok (version 2)", False)
    task_id = submitted["task"].pk
    assert plate_events(plate.pk)[-1] == ("update", f"census_task:{task_id}", "sup1")
    f2 = finding_accept(finding_id=submitted["f2"].pk, user=sup)
    assert f2.outcome == "moved 10.0 m (version 2)"
    moved = DoorPlate.objects.get(pk=f2.plate_id)
    assert (round(moved.geom.x - along(3).x, 3), round(moved.geom.y - along(3).y, 3)) == (6.0, 8.0)


def test_a_conflict_is_applied_only_when_the_supervisor_says_so(submitted, staff):
    f1 = submitted["f1"]
    assert f1.conflict is True
    with pytest.raises(CensusRefused) as err:
        finding_accept(finding_id=f1.pk, user=staff["supervisor"])
    assert str(err.value).startswith("This finding is in conflict (the plate changed since it was downloaded: version 1 → 2")
    f1 = finding_accept(finding_id=f1.pk, user=staff["supervisor"], over_conflict=True)
    plate = DoorPlate.objects.get(pk=f1.plate_id)
    assert (plate.condition, plate.version) == ("missing", 3)
    assert (f1.needs_new_plate, list(findings_needing_new_plate())) == (True, [f1])


def test_proposals_go_to_a_clerk_who_confirms_with_a_parsed_address(submitted, staff):
    sup, clerk = staff["supervisor"], staff["clerk"]
    accepted, refusals = accept_all(task_id=submitted["task"].pk, user=sup)
    assert (accepted, refusals) == (4, [])  # the conflict waits for an explicit decision
    open_ = Proposal.objects.order_by("finding__uuid")
    assert [(p.finding.kind, p.status) for p in open_] == [("number_differs", "open"), ("unregistered", "open")]
    with pytest.raises(CensusRefused) as err:
        proposal_confirm(proposal_id=open_[1].pk, user=sup, address="光復路二段13號")
    assert str(err.value) == "sup1 may not confirm plate proposals."
    with pytest.raises(CensusRefused) as err:
        proposal_confirm(proposal_id=open_[1].pk, user=clerk, address="中山路13號")
    assert str(err.value) == "There is no road 中山路 in this district."
    created = proposal_confirm(proposal_id=open_[1].pk, user=clerk, address="新竹市東區光復路二段13號")
    assert (created.status, created.plate.address, created.plate.updated_by) == (
        "confirmed",
        "新竹市東區光復路二段13號",
        "clerk1",
    )
    changed = proposal_confirm(proposal_id=open_[0].pk, user=clerk, address="光復路二段5號3樓")
    assert changed.plate.address == "新竹市東區光復路二段5號3樓"
    assert plate_events(changed.plate.pk)[-1][1] == f"census_task:{submitted['task'].pk}"
    with pytest.raises(CensusRefused) as err:
        proposal_reject(proposal_id=open_[0].pk, user=clerk, note="x")
    assert str(err.value) == f"Proposal {open_[0].pk} is not open."


def test_rules_of_validation(submitted, staff):
    with pytest.raises(CensusRefused) as err:
        finding_accept(finding_id=submitted["f3"].pk, user=staff["surveyor"])
    assert str(err.value) == "sur1 may not validate census findings."
    with pytest.raises(CensusRefused) as err:
        finding_reject(finding_id=submitted["f3"].pk, user=staff["supervisor"], note=" ")
    assert str(err.value) == "Say why the finding is rejected."
    finding_reject(finding_id=submitted["f3"].pk, user=staff["supervisor"], note="照片是別的門")
    with pytest.raises(CensusRefused) as err:
        finding_accept(finding_id=submitted["f3"].pk, user=staff["supervisor2"])
    assert str(err.value) == "This finding is already rejected."
    for key in ("f1", "f2", "f4", "f5"):
        finding_reject(finding_id=submitted[key].pk, user=staff["supervisor"], note="重查")
    task = task_validate(task_id=submitted["task"].pk, user=staff["supervisor2"])
    assert (task.state, task.validated_by) == ("validated", staff["supervisor2"])
    assert DoorPlate.objects.filter(condition="unknown").count() == 10
