"""The paper fallback: ROC and Gregorian dates, the A4 sheet as PDF (pages, text, bilingual headings, CJK font),
who may print, and the key-in form (saved as paper findings, idempotent on a resend, per-row refusals, a
supervisor keying in for the surveyor)."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from pypdf import PdfReader

from geo_portal.census.models import Finding, Task
from geo_portal.census.office.dates import english_date, english_datetime, roc_date, roc_datetime
from geo_portal.census.office.printing import task_sheet_pdf
from geo_portal.census.office.sheets import task_sheet
from geo_portal.census.services import task_claim, task_reassign
from tests.census.office.conftest import NOW

pytestmark = pytest.mark.django_db


def test_dates_in_the_roc_calendar_in_chinese_and_gregorian_in_english():
    assert roc_date(dt.date(2026, 12, 2)) == "民國115年12月2日"
    assert roc_date(dt.date(1912, 1, 1)) == "民國1年1月1日"
    assert roc_date(dt.date(1911, 10, 10)) == "民國前1年10月10日"
    assert english_date(dt.date(2026, 12, 2)) == "2 December 2026"
    assert roc_datetime(dt.datetime(2026, 3, 4, 7, 5)) == "民國115年3月4日 07:05"
    assert english_datetime(dt.datetime(2026, 3, 4, 17, 45)) == "4 March 2026, 17:45"


def pdf_text(data: bytes) -> tuple[int, str]:
    reader = PdfReader(io.BytesIO(data))
    return len(reader.pages), " ".join(" ".join(page.extract_text().split()) for page in reader.pages)


def fonts(data: bytes) -> set[str]:
    reader = PdfReader(io.BytesIO(data))
    names = set()
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            names.add(str(font.get_object()["/BaseFont"]).split("+", 1)[-1])
    return names


def test_the_sheet_is_an_a4_pdf_in_walking_order_with_bilingual_headings(campaign, staff):
    task = task_claim(task_id=campaign.tasks.get(number=1).pk, user=staff["surveyor"], now=NOW)
    printed = NOW + dt.timedelta(hours=2)
    data = task_sheet_pdf(task=task, stops=task_sheet(task), printed_at=printed, printed_by="sup1")
    assert data.startswith(b"%PDF-")
    pages, text = pdf_text(data)
    assert pages == 1
    page = PdfReader(io.BytesIO(data)).pages[0]
    assert (round(float(page.mediabox.width)), round(float(page.mediabox.height))) == (842, 595)  # A4 landscape, pt
    for heading in ("門牌清查紀錄表", "Door-plate census sheet", "調查員", "Surveyor", "良好", "OK", "遺失", "Missing",
                    "略過", "Skipped", "第 1 / 1 頁", "Page 1 of 1"):  # fmt: skip
        assert heading in text, heading
    assert "民國115年11月10日 11:00" in text and "10 November 2026, 11:00" in text  # printed at, Taipei time
    assert "民國115年11月1日至民國115年12月31日" in text and "1 November 2026 to 31 December 2026" in text
    assert "民國115年11月10日 17:00" in text  # the claim expires 8 hours after 09:00
    walked = [m.group(1) for m in re.finditer(r"(光復路二段\d+號)(?!\d*樓)", text)]
    assert walked[:3] == ["光復路二段1號", "光復路二段3號", "光復路二段5號"]
    assert "光復路二段5號2樓" in text  # the unit plate listed under its entrance
    assert "sur1" in text and "115年東區門牌清查" in text
    assert fonts(data) == {"Noto-Sans-CJK-TC", "Noto-Sans-CJK-TC-Bold"}  # one CJK font for both languages


def test_a_long_task_runs_over_pages_with_the_heading_repeated(campaign, staff):
    task = campaign.tasks.get(number=1)
    stops = task_sheet(task)
    many = [s.__class__(**{**s.__dict__, "seq": i + 1}) for i in range(40) for s in stops[:1]]
    data = task_sheet_pdf(task=task, stops=many, printed_at=NOW, printed_by="sup1")
    pages, text = pdf_text(data)
    assert pages == 4
    assert text.count("Entrance, in walking order") == 4  # the table head on every page
    assert "Page 4 of 4" in text


def test_who_may_print_the_sheet(campaign, staff, as_user, client):
    task = campaign.tasks.get(number=1)
    url = f"/census/tasks/{task.pk}/sheet.pdf"
    assert client.get(url)["Location"] == f"/staff/login/?next={url}"
    response = as_user("supervisor").get(url)
    assert (response.status_code, response["Content-Type"]) == (200, "application/pdf")
    assert response["Content-Disposition"] == f'inline; filename="census-{campaign.pk}-task-1.pdf"'
    assert pdf_text(response.content)[0] == 1
    assert as_user("surveyor").get(url).status_code == 403  # not their task
    task_claim(task_id=task.pk, user=staff["surveyor"])
    assert as_user("surveyor").get(url).status_code == 200
    assert as_user("surveyor2").get(url).status_code == 403
    forbidden = as_user("clerk").get(url)
    assert forbidden.status_code == 403
    assert "Only a supervisor or the surveyor who holds the task can work on its paper sheet." in forbidden.content.decode()


def keyin_form(client, task: Task) -> dict[str, str]:
    """The key-in form's fields as rendered (hidden UUIDs and versions included), like a browser would send them."""
    html = client.get(f"/census/tasks/{task.pk}/key-in/").content.decode()
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', html))
    fields.update(re.findall(r'name="(observed_at)" value="([^"]*)"', html))
    return fields


def test_key_in_saves_paper_findings_once_and_answers_per_row(campaign, staff, as_user):
    task = task_claim(task_id=campaign.tasks.get(number=1).pk, user=staff["surveyor"])
    s1, s3, s5 = task.stops.order_by("seq")
    surveyor = as_user("surveyor")
    form = keyin_form(surveyor, task)
    assert set(form) == {
        "csrfmiddlewaretoken", "observed_at",
        *(f"s{s.pk}-{name}" for s in (s1, s3, s5) for name in ("uuid", "versions")),
        f"s{s1.pk}-plate", f"s{s3.pk}-plate",  # one plate: sent hidden; 5號 has two, chosen in a select
    }  # fmt: skip
    assert form[f"s{s5.pk}-versions"] == ",".join(f"{pid}:1" for pid in s5.plate_ids)
    form.pop("csrfmiddlewaretoken")
    form.update({
        "observed_at": "2026-11-10T10:30",
        f"s{s1.pk}-kind": "missing", f"s{s1.pk}-note": "+SUM(A1)",
        f"s{s3.pk}-kind": "wrong_position",  # no point given: refused for this row only
        f"s{s5.pk}-kind": "number_differs", f"s{s5.pk}-plate": str(s5.plate_ids[1]),
        f"s{s5.pk}-written_address": "光復路二段5號3樓",
    })  # fmt: skip
    response = surveyor.post(f"/census/tasks/{task.pk}/key-in/", form)
    html = response.content.decode()
    assert response.status_code == 200
    assert "2 findings saved, 0 already there, 1 refused." in html
    assert re.search(rf'id="stop-{s3.pk}" class="keyin-error".*?point: is required for this finding', html, re.S)
    stored = Finding.objects.order_by("stop__seq")
    assert [(f.stop_id, f.plate_id, f.kind, f.source, f.surveyor.username, f.device_id, f.note) for f in stored] == [
        (s1.pk, s1.plate_ids[0], "missing", "paper", "sur1", None, "+SUM(A1)"),
        (s5.pk, s5.plate_ids[1], "number_differs", "paper", "sur1", None, ""),
    ]
    assert [str(f.uuid) for f in stored] == [form[f"s{s1.pk}-uuid"], form[f"s{s5.pk}-uuid"]]
    assert stored[0].observed_at.isoformat() == "2026-11-10T02:30:00+00:00"

    # The same form again (a double click, a reload): nothing new; the fixed row goes through.
    form[f"s{s3.pk}-lat"], form[f"s{s3.pk}-lon"] = "24.771970", "121.001200"
    again = surveyor.post(f"/census/tasks/{task.pk}/key-in/", form)
    assert again.status_code == 302 and again["Location"] == f"/census/tasks/{task.pk}/key-in/"
    assert Finding.objects.count() == 3
    messages = [m.message for m in again.wsgi_request._messages]
    assert messages == ["1 findings saved, 2 already there, 0 refused."]
    assert Finding.objects.get(stop=s3).kind == "wrong_position"


def test_key_in_submits_the_task_when_asked_and_every_stop_is_done(campaign, staff, as_user):
    task = task_claim(task_id=campaign.tasks.get(number=1).pk, user=staff["surveyor"])
    stops = list(task.stops.order_by("seq"))
    surveyor = as_user("surveyor")
    form = keyin_form(surveyor, task)
    form.pop("csrfmiddlewaretoken")
    form.update({"observed_at": "2026-11-10T10:30", "submit_task": "on"})
    form.update({f"s{s.pk}-kind": "ok" for s in stops[:2]})
    response = surveyor.post(f"/census/tasks/{task.pk}/key-in/", form, follow=True)
    assert "1 stops have no finding yet: 光復路二段5號" in response.content.decode()
    task.refresh_from_db()
    assert task.state == "claimed"
    form[f"s{stops[2].pk}-kind"] = "skipped"
    form[f"s{stops[2].pk}-skip_reason"] = "大門深鎖"
    response = surveyor.post(f"/census/tasks/{task.pk}/key-in/", form, follow=True)
    assert "Task #1 was submitted for validation." in response.content.decode()
    task.refresh_from_db()
    assert (task.state, task.submitted_by.username) == ("submitted", "sur1")


def test_a_supervisor_keys_in_for_the_surveyor_and_cannot_submit_for_them(campaign, staff, as_user):
    task = campaign.tasks.get(number=2)
    supervisor = as_user("supervisor")
    html = supervisor.get(f"/census/tasks/{task.pk}/key-in/").content.decode()
    assert "Nobody holds this task yet: give it to a surveyor first (reassign), then key in their sheet." in html
    task_reassign(task_id=task.pk, user=staff["supervisor"], to=staff["surveyor2"])
    html = supervisor.get(f"/census/tasks/{task.pk}/key-in/").content.decode()
    assert "You are keying in the sheet of sur2: the findings are saved as theirs." in html
    assert 'name="submit_task"' not in html
    form = keyin_form(supervisor, task)
    form.pop("csrfmiddlewaretoken")
    first = task.stops.order_by("seq").first()
    form.update({"observed_at": "2026-11-10T10:30", f"s{first.pk}-kind": "old_style"})
    response = supervisor.post(f"/census/tasks/{task.pk}/key-in/", form)
    assert response.status_code == 302
    finding = Finding.objects.get()
    assert (finding.surveyor.username, finding.source, finding.kind, finding.plate_id) == (
        "sur2",
        "paper",
        "old_style",
        first.plate_ids[0],
    )
    assert as_user("surveyor").get(f"/census/tasks/{task.pk}/key-in/").status_code == 403
    assert as_user("clerk").get(f"/census/tasks/{task.pk}/key-in/").status_code == 403


def test_key_in_with_nothing_chosen_says_so(campaign, staff, as_user):
    task = task_claim(task_id=campaign.tasks.get(number=1).pk, user=staff["surveyor"])
    surveyor = as_user("surveyor")
    form = keyin_form(surveyor, task)
    form.pop("csrfmiddlewaretoken")
    html = surveyor.post(f"/census/tasks/{task.pk}/key-in/", form).content.decode()
    assert "Nothing was entered: choose a finding for at least one stop." in html
    assert Finding.objects.count() == 0
