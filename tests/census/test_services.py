"""Campaigns and the task state machine: who may do what, from which state, and the record of every step."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.gis.geos import Polygon
from django.utils import timezone

from geo_portal.census.models import Campaign, Task
from geo_portal.census.services import (
    CensusRefused,
    campaign_create,
    campaign_split,
    release_lapsed_claims,
    task_claim,
    task_extend,
    task_release,
    task_send_back,
    task_split,
    task_submit,
    task_validate,
)
from geo_portal.census.sync import sync_findings
from tests.census.conftest import START
from tests.conftest import X0, Y0

NOW = timezone.make_aware(dt.datetime(2026, 11, 10, 9, 0))


def trail(task: Task) -> list[tuple[str, str, str, str]]:
    return [
        (t.action, t.from_state, t.to_state, t.actor.username if t.actor else "system")
        for t in task.transitions.order_by("id")
    ]


def test_split_task_sizes_and_stops_exactly(campaign):
    tasks = list(campaign.tasks.order_by("number"))
    assert [(t.label, t.side, t.stop_count, t.plate_count) for t in tasks] == [
        ("光復路二段 單號 1–5", "odd", 3, 4),
        ("光復路二段 單號 7–11", "odd", 3, 3),
        ("光復路二段 雙號 2–8", "even", 4, 4),
    ]
    assert [s.label for s in tasks[0].stops.order_by("seq")] == ["光復路二段1號", "光復路二段3號", "光復路二段5號"]
    assert all(t.geom.covers(s.geom) for t in tasks for s in t.stops.all())
    assert campaign.split_at is not None


def test_campaign_create_refuses_bad_input(street, staff):
    kw = {"name": "x", "district": street["district"], "created_by": staff["supervisor"], "starts_on": START}
    with pytest.raises(CensusRefused) as err:
        campaign_create(
            ends_on=START - dt.timedelta(days=1),
            villages=[street["a"]],
            target_min_stops=9,
            target_max_stops=5,
            fold_max_stops=2,
            **kw,
        )
    assert str(err.value) == (
        "ends_on: is before starts_on; target_max_stops: task sizes must satisfy 1 ≤ smallest ≤ largest ≤ 500"
    )
    with pytest.raises(CensusRefused) as err:
        campaign_create(ends_on=START, **kw)
    assert str(err.value) == "area: give either villages or a drawn area, not both and not neither"
    far = Polygon(((0, 0), (10, 0), (10, 10), (0, 0)), srid=3826)
    with pytest.raises(CensusRefused) as err:
        campaign_create(ends_on=START, area=far, **kw)
    assert str(err.value) == "area: lies outside 東區"
    with pytest.raises(CensusRefused) as err:
        campaign_create(ends_on=START, villages=[street["a"]], **{**kw, "created_by": staff["surveyor"]})
    assert str(err.value) == "sur1 may not create census campaigns."
    assert Campaign.objects.count() == 0


def test_drawn_area_takes_only_plates_inside(street, staff):
    box = Polygon.from_bbox((X0 + 100, Y0 + 400, X0 + 165, Y0 + 600))
    box.srid = 3826
    c = campaign_create(name="局部", district=street["district"], area=box, starts_on=START, ends_on=START,
                        created_by=staff["supervisor"])  # fmt: skip
    summary = campaign_split(campaign_id=c.pk, actor=staff["supervisor"])
    assert (summary.tasks, summary.stops, summary.plates) == (2, 6, 7)


def test_claim_lifecycle_with_every_transition_recorded(campaign, staff):
    sur, sup, sup2 = staff["surveyor"], staff["supervisor"], staff["supervisor2"]
    task = campaign.tasks.get(number=1)
    task = task_claim(task_id=task.pk, user=sur, now=NOW)
    assert (task.state, task.assignee, task.lock_expires_at) == ("claimed", sur, NOW + dt.timedelta(hours=8))
    task = task_extend(task_id=task.pk, user=sur, now=NOW + dt.timedelta(hours=1))
    assert task.lock_expires_at == NOW + dt.timedelta(hours=9)
    with pytest.raises(CensusRefused) as err:
        task_submit(task_id=task.pk, user=sur, now=NOW)
    assert str(err.value) == "3 stops have no finding yet: 光復路二段1號、光復路二段3號、光復路二段5號"
    records = [
        {"uuid": f"00000000-0000-4000-8000-00000000000{i}", "task": task.pk, "stop": stop.pk, "plate": stop.plate_ids[0],
         "plate_version": 1, "kind": "ok", "observed_at": (NOW + dt.timedelta(minutes=i)).isoformat()}
        for i, stop in enumerate(task.stops.order_by("seq"))
    ]  # fmt: skip
    result = sync_findings(user=sur, device=None, records=records, submit=[task.pk], now=NOW + dt.timedelta(hours=2))
    assert result.as_dict()["stored"] == 3 and result.submitted == {task.pk: "submitted"}
    with pytest.raises(CensusRefused) as err:
        task_send_back(task_id=task.pk, user=sup, comment="  ")
    assert str(err.value) == "Say what must be done again: a comment is required."
    task = task_send_back(task_id=task.pk, user=sup, comment="3號的照片看不清楚")
    assert (task.state, task.assignee, task.submitted_by) == ("returned", None, None)
    task = task_claim(task_id=task.pk, user=sur, now=NOW + dt.timedelta(hours=3))
    task = task_submit(task_id=task.pk, user=sur, now=NOW + dt.timedelta(hours=3))
    with pytest.raises(CensusRefused) as err:
        task_validate(task_id=task.pk, user=sup2)
    assert str(err.value) == "3 findings still wait for a decision."
    assert trail(task) == [
        ("claim", "ready", "claimed", "sur1"),
        ("extend", "claimed", "claimed", "sur1"),
        ("submit", "claimed", "submitted", "sur1"),
        ("send_back", "submitted", "returned", "sup1"),
        ("claim", "returned", "claimed", "sur1"),
        ("submit", "claimed", "submitted", "sur1"),
    ]
    assert task.transitions.get(action="send_back").note == "3號的照片看不清楚"


def test_claims_are_exclusive_capped_and_lapse(campaign, staff):
    sur, sur2 = staff["surveyor"], staff["surveyor2"]
    t1, t2 = campaign.tasks.get(number=1), campaign.tasks.get(number=2)
    task_claim(task_id=t1.pk, user=sur, now=NOW)
    with pytest.raises(CensusRefused) as err:
        task_claim(task_id=t1.pk, user=sur2, now=NOW)
    assert str(err.value) == "Task #1 is claimed by sur1 until 2026-11-10 17:00."
    with pytest.raises(CensusRefused) as err:
        task_claim(task_id=t2.pk, user=sur, now=NOW)
    assert str(err.value) == "sur1 already holds 1 tasks, the most this campaign allows; submit or release one first."
    with pytest.raises(CensusRefused) as err:
        task_claim(task_id=t2.pk, user=staff["clerk"], now=NOW)
    assert str(err.value) == "clerk1 may not do census field work."
    # After the lock lapses, anyone may claim; the lapse is recorded with no actor.
    task = task_claim(task_id=t1.pk, user=sur2, now=NOW + dt.timedelta(hours=8, seconds=1))
    assert (task.assignee, task.last_assignee) == (sur2, sur2)
    assert trail(task) == [
        ("claim", "ready", "claimed", "sur1"),
        ("lapse", "claimed", "ready", "system"),
        ("claim", "ready", "claimed", "sur2"),
    ]
    assert task.transitions.get(action="lapse").note == "The claim lapsed at 2026-11-10 17:00."


def test_release_lapsed_claims_job(campaign, staff):
    t1 = campaign.tasks.get(number=1)
    task_claim(task_id=t1.pk, user=staff["surveyor"], now=NOW)
    assert release_lapsed_claims(now=NOW + dt.timedelta(hours=7)) == 0
    assert release_lapsed_claims(now=NOW + dt.timedelta(hours=8)) == 1
    t1.refresh_from_db()
    assert (t1.state, t1.assignee, t1.lock_expires_at, t1.last_assignee) == ("ready", None, None, staff["surveyor"])
    with pytest.raises(CensusRefused) as err:
        task_submit(task_id=t1.pk, user=staff["surveyor"], now=NOW + dt.timedelta(hours=9))
    assert str(err.value) == "Your claim on task #1 lapsed; claim it again to submit (your findings are kept)."


def test_illegal_transitions_are_refused(campaign, staff):
    t1 = campaign.tasks.get(number=1)
    with pytest.raises(CensusRefused) as err:
        task_validate(task_id=t1.pk, user=staff["supervisor"])
    assert str(err.value) == "Task #1 is ready: it cannot be validated."
    with pytest.raises(CensusRefused) as err:
        task_release(task_id=t1.pk, user=staff["surveyor"])
    assert str(err.value) == "Task #1 is ready: it cannot be released."
    with pytest.raises(CensusRefused) as err:
        task_extend(task_id=t1.pk, user=staff["surveyor"])
    assert str(err.value) == "Task #1 is ready: it cannot be extended."


def test_supervisor_never_validates_own_survey(campaign, staff):
    sup = staff["supervisor"]
    sup.groups.add(*staff["surveyor"].groups.all())
    sup = type(sup).objects.get(pk=sup.pk)  # a fresh object: permissions are cached per instance
    t1 = campaign.tasks.get(number=3)
    task_claim(task_id=t1.pk, user=sup, now=NOW)
    records = [
        {"uuid": f"10000000-0000-4000-8000-00000000000{i}", "task": t1.pk, "stop": s.pk, "plate": s.plate_ids[0],
         "plate_version": 1, "kind": "skipped", "skip_reason": "無法進入", "observed_at": NOW.isoformat()}
        for i, s in enumerate(t1.stops.all())
    ]  # fmt: skip
    sync_findings(user=sup, device=None, records=records, submit=[t1.pk], now=NOW)
    with pytest.raises(CensusRefused) as err:
        task_validate(task_id=t1.pk, user=sup)
    assert str(err.value) == "You surveyed task #3: another supervisor must review it."


def test_split_a_task_in_two_along_the_walking_order(campaign, staff):
    t3 = campaign.tasks.get(number=3)
    parts = task_split(task_id=t3.pk, user=staff["supervisor"], parts=2)
    assert [(p.number, p.label, [s.label for s in p.stops.order_by("seq")]) for p in parts] == [
        (4, "光復路二段 雙號 2–4", ["光復路二段2號", "光復路二段4號"]),
        (5, "光復路二段 雙號 6–8", ["光復路二段6號", "光復路二段8號"]),
    ]
    t3.refresh_from_db()
    assert t3.state == "split" and t3.stops.count() == 0
    with pytest.raises(CensusRefused) as err:
        task_claim(task_id=t3.pk, user=staff["surveyor"], now=NOW)
    assert str(err.value) == "Task #3 is split into smaller tasks: it cannot be claimed."


def test_resplit_refused_once_work_started(campaign, staff):
    task_claim(task_id=campaign.tasks.get(number=1).pk, user=staff["surveyor"], now=NOW)
    with pytest.raises(CensusRefused) as err:
        campaign_split(campaign_id=campaign.pk, actor=staff["supervisor"])
    assert str(err.value) == "Campaign 115年東區門牌清查 cannot be split again: work on its tasks has started."
