"""The supervisor's review pages: the queue of submitted tasks and conflicts, a task's findings (filter, conflict
shown with the plate as it is now), accept / reject / apply anyway / accept all, validate or send back, reassign,
split, release — every refusal of the census services shown as a message — the task map and staff-only photos."""

from __future__ import annotations

import io
import json
import re
from html import unescape

import pytest
from PIL import Image

from geo_portal.addresses.models import DoorPlate
from geo_portal.census.models import Finding, Task
from geo_portal.census.services import task_claim
from geo_portal.census.sync import attach_photo
from tests.census.office.conftest import uid

pytestmark = pytest.mark.django_db


def shown(response) -> list[str]:
    html = response.content.decode()
    return [unescape(m) for m in re.findall(r'<p class="census-message[^"]*" role="\w+">(.*?)</p>', html, re.S)]


def rows(html: str) -> list[tuple[str, str, str]]:
    """(finding id, kind, validation) per row of the findings table."""
    table = re.search(r'<table class="summary census-table" id="findings">.*?</table>', html, re.S).group(0)
    return [
        (fid, kind, review)
        for fid, kind, review in re.findall(
            r'<tr id="finding-(\d+)"[^>]*data-kind="(\w+)">.*?class="census-review census-review-(\w+)"', table, re.S
        )
    ]


def test_queue_of_submitted_tasks_and_conflicts(submitted, as_user):
    sup = as_user("supervisor2")
    html = sup.get("/census/tasks/submitted/").content.decode()
    table = re.search(r'id="submitted-tasks".*?</table>', html, re.S).group(0)
    cells = [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", table, re.S)]
    assert cells[6:9] == ["#1 光復路二段 單號 1–5", "115年東區門牌清查", "sur1"]
    assert cells[10:] == ["5", "1"]  # waiting, conflicts
    html = unescape(sup.get("/census/conflicts/").content.decode())
    assert "光復路二段1號" in html and "the plate changed since it was downloaded: version 1 → 2 by clerk1" in html
    assert as_user("surveyor").get("/census/tasks/submitted/").status_code == 403


def test_task_page_lists_findings_in_walking_order_and_shows_the_conflict(submitted, as_user):
    f = submitted
    html = unescape(as_user("supervisor2").get(f"/census/tasks/{f['task'].pk}/").content.decode())
    assert rows(html) == [
        (str(f["f1"].pk), "missing", "pending"),
        (str(f["f2"].pk), "wrong_position", "pending"),
        (str(f["f3"].pk), "ok", "pending"),
        (str(f["f4"].pk), "number_differs", "pending"),
        (str(f["f5"].pk), "unregistered", "pending"),
    ]
    conflict = re.search(rf'<tr id="finding-{f["f1"].pk}".*?</tr>', html, re.S).group(0)
    assert 'class="finding finding-conflict"' in conflict
    assert "the plate changed since it was downloaded: version 1 → 2 by clerk1" in conflict
    assert "The plate now: version 2, active, condition ok; last changed by clerk1" in conflict
    assert 'name="over_conflict" value="1" required' in conflict and "Apply anyway" in conflict
    assert "Accept all not in conflict (4)" in html
    assert "Written on the plate: 光復路二段5號3樓" in re.sub(r"<[^>]+>", "", html)
    filtered = as_user("supervisor2").get(f"/census/tasks/{f['task'].pk}/?kind=number_differs").content.decode()
    assert rows(filtered) == [(str(f["f4"].pk), "number_differs", "pending")]
    assert not re.search(r"<script(?![^>]*\bsrc=)|<style|\sstyle=", html)  # CSP: no inline script or style


def test_accept_and_reject_each_finding_with_the_refusals_shown(submitted, as_user):
    f = submitted
    sup = as_user("supervisor2")
    task_url = f"/census/tasks/{f['task'].pk}/"
    response = sup.post(f"/census/findings/{f['f3'].pk}/accept", {"kind": "ok"}, follow=True)
    assert response.redirect_chain == [(f"{task_url}?kind=ok#finding-{f['f3'].pk}", 302)]
    assert shown(response) == ["Finding accepted: condition set to ok (version 2)."]
    plate = DoorPlate.objects.get(pk=f["f3"].plate_id)
    assert (plate.condition, str(plate.last_checked_on), plate.updated_by) == ("ok", "2026-11-10", "sup2")

    response = sup.post(f"/census/findings/{f['f2'].pk}/reject", {"note": "  "}, follow=True)
    assert shown(response) == ["Say why the finding is rejected."]
    response = sup.post(f"/census/findings/{f['f2'].pk}/reject", {"note": "照片看不出側門"}, follow=True)
    assert shown(response) == ["Finding rejected."]
    assert Finding.objects.get(pk=f["f2"].pk).review_note == "照片看不出側門"
    response = sup.post(f"/census/findings/{f['f2'].pk}/accept", follow=True)
    assert shown(response) == ["This finding is already rejected."]

    response = sup.post(f"/census/findings/{f['f1'].pk}/accept", follow=True)
    [refusal] = shown(response)
    assert refusal.startswith("This finding is in conflict (the plate changed since it was downloaded: version 1 → 2")
    assert refusal.endswith("look at the plate as it is now and confirm to apply it anyway.")
    assert Finding.objects.get(pk=f["f1"].pk).review == "pending"
    response = sup.post(f"/census/findings/{f['f1'].pk}/accept", {"over_conflict": "1", "note": "現場確認"}, follow=True)
    assert shown(response) == ["Finding accepted: condition set to missing (version 3)."]
    assert DoorPlate.objects.get(pk=f["f1"].plate_id).condition == "missing"


def test_the_surveyor_and_other_roles_cannot_review(submitted, as_user, staff):
    f = submitted
    for role in ("surveyor", "clerk"):
        assert as_user(role).get(f"/census/tasks/{f['task'].pk}/").status_code == 403
        assert as_user(role).post(f"/census/findings/{f['f3'].pk}/accept").status_code == 403
    assert Finding.objects.get(pk=f["f3"].pk).review == "pending"


def test_accept_all_then_validate(submitted, as_user):
    f = submitted
    sup = as_user("supervisor2")
    url = f"/census/tasks/{f['task'].pk}"
    response = sup.post(f"{url}/validate", follow=True)
    assert shown(response) == ["5 findings still wait for a decision."]
    response = sup.post(f"{url}/accept-all", follow=True)
    assert shown(response) == ["4 findings accepted."]
    assert dict(Finding.objects.values_list("kind", "review")) == {
        "missing": "pending", "wrong_position": "accepted", "ok": "accepted", "number_differs": "accepted",
        "unregistered": "accepted",
    }  # fmt: skip
    sup.post(f"/census/findings/{f['f1'].pk}/reject", {"note": "已由承辦人更新"})
    response = sup.post(f"{url}/validate", follow=True)
    assert shown(response) == ["Finding rejected.", "Task #1 validated."]
    task = Task.objects.get(pk=f["task"].pk)
    assert (task.state, task.validated_by.username) == ("validated", "sup2")
    assert re.search(r"sup2: submitted → validated", unescape(response.content.decode()))


def test_send_back_needs_a_comment(submitted, as_user):
    sup = as_user("supervisor2")
    url = f"/census/tasks/{submitted['task'].pk}"
    assert shown(sup.post(f"{url}/send-back", {"comment": ""}, follow=True)) == [
        "Say what must be done again: a comment is required."
    ]
    response = sup.post(f"{url}/send-back", {"comment": "5號請重拍照片"}, follow=True)
    assert shown(response) == ["Task #1 sent back with your comments."]
    assert Task.objects.get(pk=submitted["task"].pk).state == "returned"
    assert "— <q>5號請重拍照片</q>" in response.content.decode()


def test_reassign_split_and_release(campaign, staff, as_user):
    sup = as_user("supervisor")
    task2, task3 = campaign.tasks.get(number=2), campaign.tasks.get(number=3)
    response = sup.post(f"/census/tasks/{task2.pk}/reassign", {"to": str(staff["surveyor2"].pk)}, follow=True)
    assert shown(response) == ["Task #2 given to sur2."]
    task2.refresh_from_db()
    assert (task2.state, task2.assignee.username) == ("claimed", "sur2")
    response = sup.post(f"/census/tasks/{task3.pk}/reassign", {"to": str(staff["surveyor2"].pk)}, follow=True)
    assert shown(response) == ["sur2 already holds 1 tasks, the most this campaign allows; submit or release one first."]
    response = sup.post(f"/census/tasks/{task3.pk}/reassign", {"to": str(staff["clerk"].pk)}, follow=True)
    assert shown(response) == ["Choose a surveyor of this campaign to give the task to."]
    response = sup.post(f"/census/tasks/{task2.pk}/split", {"parts": "2"}, follow=True)
    assert shown(response) == ["Task #2 is claimed: it cannot be split."]
    response = sup.post(f"/census/tasks/{task2.pk}/release", {"note": "sur2 請假"}, follow=True)
    assert shown(response) == ["Task #2 released; its findings so far are kept."]
    response = sup.post(f"/census/tasks/{task3.pk}/split", {"parts": "2"}, follow=True)
    assert response.redirect_chain == [(f"/census/campaigns/{campaign.pk}/", 302)]
    assert shown(response) == ["Task #3 split into #4 光復路二段 雙號 2–4、#5 光復路二段 雙號 6–8."]
    assert shown(sup.post(f"/census/tasks/{task3.pk}/split", {"parts": "x"}, follow=True)) == [
        "Say into how many parts (a whole number)."
    ]


def test_task_map_json(submitted, as_user):
    data = json.loads(as_user("supervisor2").get(f"/census/tasks/{submitted['task'].pk}/map.json").content)
    features = data["features"]
    assert [f["properties"]["role"] for f in features] == ["outline", "stop", "stop", "stop", "finding", "finding"]
    assert [f["properties"].get("label") for f in features[1:4]] == ["光復路二段1號", "光復路二段3號", "光復路二段5號"]
    assert [(f["properties"]["kind"], f["properties"]["conflict"]) for f in features[4:]] == [
        ("wrong_position", False),
        ("unregistered", False),
    ]


def jpeg() -> io.BytesIO:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 30, 30)).save(buffer, "JPEG")
    buffer.seek(0)
    return buffer


def test_photos_are_served_to_staff_only(submitted, staff, as_user, client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    f1 = submitted["f1"]
    Finding.objects.filter(pk=f1.pk).update(photo_expected=True)
    attach_photo(user=staff["surveyor"], finding_uuid=uid(1), upload=jpeg())
    url = f"/census/findings/{f1.pk}/photo"
    assert client.get(url)["Location"] == f"/staff/login/?next={url}"
    response = as_user("supervisor2").get(url)
    assert (response.status_code, response["Content-Type"], response["X-Content-Type-Options"]) == (
        200,
        "image/jpeg",
        "nosniff",
    )
    assert {"private", "no-store"} <= set(response["Cache-Control"].split(", "))
    assert Image.open(io.BytesIO(b"".join(response.streaming_content))).size == (64, 48)
    assert as_user("surveyor").get(url).status_code == 403
    assert as_user("clerk").get(url).status_code == 403  # not behind a proposal
    html = as_user("supervisor2").get(f"/census/tasks/{submitted['task'].pk}/").content.decode()
    assert f'<img class="census-photo" src="{url}" alt="Photo: missing" width="120" height="90">' in html
    assert as_user("supervisor2").get(f"/census/findings/{submitted['f3'].pk}/photo").status_code == 404
    assert "/media/" not in html


def test_a_released_task_in_another_state_is_refused_with_the_reason(campaign, staff, as_user):
    task = task_claim(task_id=campaign.tasks.get(number=1).pk, user=staff["surveyor"])
    sup = as_user("supervisor")
    response = sup.post(f"/census/tasks/{task.pk}/validate", follow=True)
    assert shown(response) == ["Task #1 is claimed: it cannot be validated."]
    html = response.content.decode()
    assert "Findings are validated once the surveyor has submitted the task." in html
