"""Resident notices: the plates of a village, campaign or road in the chosen conditions, previewed with what is skipped
and why; a batch in walking order with each plate's address as on the plate; its sending recorded per letter (date,
method, who); a re-run that skips what was sent (unless re-sent with a reason); discarding; bad input refused with
nothing written; the letters as PDF (one A4 page each, bilingual, both calendars, the fee or no fee, the office's
service point, the card's URL behind the QR code)."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone
from pypdf import PdfReader

from geo_portal.census.office.dates import english_date, roc_date
from geo_portal.reissue.errors import CaseRefused, StaleCase
from geo_portal.reissue.models import NoticeBatch, NoticeLetter
from geo_portal.reissue.notice_letters import letters_context, notice_letters_pdf, parts, print_batch
from geo_portal.reissue.notice_scope import preview, resolve_scope
from geo_portal.reissue.services import (
    PlateRequest,
    case_close,
    case_collected,
    case_open,
    fee_assess,
    notice_batch_create,
    notice_batch_discard,
    notice_batch_record_sent,
    order_create,
    order_delivered,
)
from tests.reissue.conftest import set_condition

pytestmark = pytest.mark.django_db

ALL = ["missing", "damaged", "old_style"]


def village(street):
    return {"scope_kind": "village", "scope_id": street["a"].pk}


def letters_of(batch: NoticeBatch) -> list[tuple]:
    return list(
        NoticeLetter.objects.filter(batch=batch)
        .order_by("seq")
        .values_list("seq", "plate_id", "condition", "lines", "status", "resend_of_id")
    )


def batch_events(batch_id: int) -> list[tuple]:
    """(channel, operation, cause, actor, status, letters) of the batch's change-log events, in order."""
    with connection.cursor() as cur:
        cur.execute(
            "SELECT t.channel, e.operation, e.cause, e.actor, e.data->>'status', (e.data->>'letter_count')::int "
            "FROM changes_event e JOIN changes_transaction t ON t.id = e.transaction_id "
            "WHERE e.entity = 'reissue_notice_batch' AND e.entity_id = %s ORDER BY e.transaction_id, e.ordinal",
            [batch_id],
        )
        return cur.fetchall()


def test_the_preview_counts_each_condition_and_what_is_skipped(street, staff, fees, office, conditions):
    scope, where = resolve_scope(kind="village", scope_id=street["a"].pk)
    assert scope.label == "東區甲里"
    shown = preview(scope=scope, where=where, conditions=ALL)
    assert [(r.condition, r.matching, r.sent, r.waiting, r.open_case, r.to_print) for r in shown.rows] == [
        ("missing", 2, 0, 0, 0, 2),
        ("damaged", 2, 0, 0, 0, 2),
        ("old_style", 1, 0, 0, 0, 1),
    ]
    assert (shown.total.matching, shown.total.to_print) == (5, 5)
    # An open case takes its plate out of the letters.
    case_open(source="office_initiative", plates=[PlateRequest(conditions[8].pk)], reason="missing", actor=staff["clerk"])
    shown = preview(scope=scope, where=where, conditions=["missing"])
    assert [(r.condition, r.matching, r.open_case, r.to_print) for r in shown.rows] == [("missing", 2, 1, 1)]
    road_scope, road_where = resolve_scope(kind="road", scope_id=street["road"].pk)
    assert road_scope.label == "東區光復路二段"
    assert preview(scope=road_scope, where=road_where, conditions=["damaged"]).total.to_print == 2
    assert resolve_scope(kind="village", scope_id=999_999) is None
    assert resolve_scope(kind="planet", scope_id=1) is None


def test_a_census_campaign_is_a_scope_of_the_plates_of_its_villages(campaign, street, staff, fees, office, conditions):
    scope, where = resolve_scope(kind="campaign", scope_id=campaign.pk)
    assert (scope.kind, scope.id, scope.label) == ("campaign", campaign.pk, "115年東區門牌清查")
    shown = preview(scope=scope, where=where, conditions=ALL)
    assert [(r.condition, r.matching, r.to_print) for r in shown.rows] == [
        ("missing", 2, 2),
        ("damaged", 2, 2),
        ("old_style", 1, 1),
    ]
    batch = notice_batch_create(scope_kind="campaign", scope_id=campaign.pk, conditions=["missing"], actor=staff["clerk"])
    assert (batch.scope_kind, batch.scope_label, batch.letter_count) == ("campaign", "115年東區門牌清查", 2)
    assert resolve_scope(kind="campaign", scope_id=999_999) is None


def test_a_batch_puts_the_letters_in_walking_order_with_the_address_as_on_the_plate(street, staff, office, conditions):
    batch = notice_batch_create(**village(street), conditions=ALL, actor=staff["clerk"])
    p = conditions
    assert (batch.scope_label, batch.conditions, batch.letter_count, batch.status, batch.version) == (
        "東區甲里",
        ["missing", "damaged", "old_style"],
        5,
        "prepared",
        1,
    )
    # One street: up the odd side from the office's end, back down the even side.
    assert letters_of(batch) == [
        (1, p[1].pk, "missing", "新竹市東區\n光復路二段\n1號", "prepared", None),
        (2, p[3].pk, "damaged", "新竹市東區\n光復路二段\n3號", "prepared", None),
        (3, p["5F2"].pk, "damaged", "新竹市東區\n光復路二段\n5號2樓", "prepared", None),
        (4, p[8].pk, "missing", "新竹市東區\n光復路二段\n8號", "prepared", None),
        (5, p[4].pk, "old_style", "新竹市東區\n光復路二段\n4號", "prepared", None),
    ]
    first = NoticeLetter.objects.get(batch=batch, seq=1)
    assert first.address_en == "No. 1, Sec. 2, Guangfu Rd., East Dist., Hsinchu City"
    assert first.number == f"N-{batch.pk}-0001"
    assert batch_events(batch.pk) == [("reissue", "insert", "staff:reissue_notice_batch", "clerk1", "prepared", 5)]


def test_letters_waiting_in_a_batch_or_already_sent_are_not_written_again(street, staff, office, conditions):
    first = notice_batch_create(**village(street), conditions=["missing"], actor=staff["clerk"])
    with pytest.raises(CaseRefused) as refused:
        notice_batch_create(**village(street), conditions=["missing"], actor=staff["clerk2"])
    assert refused.value.errors == {
        "scope": [
            "no plate of 東區甲里 needs a letter: 0 already told, 2 waiting in a batch not yet sent, 0 with an open case"
        ]
    }
    # Another condition is another letter; the plates waiting in the first batch are skipped whatever it is about.
    second = notice_batch_create(**village(street), conditions=ALL, actor=staff["clerk2"])
    assert [plate for _s, plate, *_ in letters_of(second)] == [conditions[3].pk, conditions["5F2"].pk, conditions[4].pk]
    today = timezone.localdate()
    notice_batch_record_sent(batch_id=first.pk, version=1, sent_on=today, method="post", actor=staff["clerk"])
    with pytest.raises(CaseRefused) as refused:
        notice_batch_create(**village(street), conditions=["missing"], actor=staff["clerk"])
    assert refused.value.errors["scope"][0].startswith("no plate of 東區甲里 needs a letter: 2 already told, 0 waiting")
    # A plate newly found missing gets its letter; those told before do not.
    set_condition(conditions[7], "missing")
    third = notice_batch_create(**village(street), conditions=["missing"], actor=staff["clerk"])
    assert [plate for _s, plate, *_ in letters_of(third)] == [conditions[7].pk]
    assert NoticeBatch.objects.count() == 3


def test_sending_is_recorded_per_letter_and_a_resend_needs_its_reason(street, staff, office, conditions):
    batch = notice_batch_create(**village(street), conditions=ALL, actor=staff["clerk"])
    sent_on = timezone.localdate()
    recorded = notice_batch_record_sent(
        batch_id=batch.pk, version=1, sent_on=sent_on, method="village_chief", not_sent=[3], actor=staff["clerk2"]
    )
    assert (recorded.status, recorded.sent_on, recorded.method, recorded.recorded_by, recorded.version) == (
        "sent",
        sent_on,
        "village_chief",
        staff["clerk2"],
        2,
    )
    rows = list(
        NoticeLetter.objects.filter(batch=batch).order_by("seq").values_list("seq", "status", "sent_on", "method", "sent_by")
    )
    clerk2 = staff["clerk2"].pk
    assert rows == [
        (1, "sent", sent_on, "village_chief", clerk2),
        (2, "sent", sent_on, "village_chief", clerk2),
        (3, "not_sent", None, "", None),
        (4, "sent", sent_on, "village_chief", clerk2),
        (5, "sent", sent_on, "village_chief", clerk2),
    ]
    # The letter not sent (5號2樓) is free for the next batch; the others are skipped.
    again = notice_batch_create(**village(street), conditions=ALL, actor=staff["clerk"])
    assert [(plate, resend) for _s, plate, _c, _l, _st, resend in letters_of(again)] == [(conditions["5F2"].pk, None)]
    notice_batch_discard(batch_id=again.pk, version=1, reason="printed on the wrong paper", actor=staff["clerk"])
    # Sent again on purpose: every plate, each letter naming the one it repeats.
    resent = notice_batch_create(
        **village(street), conditions=ALL, actor=staff["clerk"], resend_reason="village meeting asked for a reminder"
    )
    earlier = dict(NoticeLetter.objects.filter(batch=batch, status="sent").values_list("plate_id", "pk"))
    assert resent.resend_reason == "village meeting asked for a reminder"
    assert [(plate, resend) for _s, plate, _c, _l, _st, resend in letters_of(resent)] == [
        (conditions[1].pk, earlier[conditions[1].pk]),
        (conditions[3].pk, earlier[conditions[3].pk]),
        (conditions["5F2"].pk, None),
        (conditions[8].pk, earlier[conditions[8].pk]),
        (conditions[4].pk, earlier[conditions[4].pk]),
    ]


def test_a_plate_replaced_after_its_letter_gets_a_new_letter_when_it_goes_missing_again(street, staff, office, conditions):
    batch = notice_batch_create(**village(street), conditions=["old_style"], actor=staff["clerk"])
    notice_batch_record_sent(batch_id=batch.pk, version=1, sent_on=timezone.localdate(), method="post", actor=staff["clerk"])
    plate = conditions[4]
    case = case_open(source="office_initiative", plates=[PlateRequest(plate.pk)], reason="old_style", actor=staff["clerk"])
    case = fee_assess(case_id=case.pk, version=1, actor=staff["clerk"])
    order = order_create(cases={case.pk: case.version}, actor=staff["clerk"])
    order_delivered(order_id=order.pk, delivered_on=timezone.localdate(), actor=staff["clerk"])
    case = case_collected(case_id=case.pk, version=4, actor=staff["clerk"], collected_on=timezone.localdate())
    case_close(case_id=case.pk, version=5, actor=staff["clerk"])
    plate.refresh_from_db()
    assert plate.condition == "ok"
    set_condition(plate, "old_style")  # (a mistaken census entry, say) — the letter of last time no longer counts
    again = notice_batch_create(**village(street), conditions=["old_style"], actor=staff["clerk"])
    assert [(p, resend) for _s, p, _c, _l, _st, resend in letters_of(again)] == [(plate.pk, None)]
    assert [row[:2] + row[4:] for row in batch_events(batch.pk)] == [("reissue", "insert", "prepared", 1),
                                                                    ("reissue", "update", "sent", 1)]  # fmt: skip


def test_bad_input_is_refused_naming_the_field_and_nothing_is_written(street, staff, office, conditions):
    with pytest.raises(CaseRefused) as refused:
        notice_batch_create(scope_kind="county", scope_id=1, conditions=["lost"], actor=staff["clerk"])
    assert refused.value.errors == {
        "scope_kind": ["must be one of village, campaign, road"],
        "conditions": ["lost: must be among missing, damaged, old_style"],
    }
    with pytest.raises(CaseRefused) as refused:
        notice_batch_create(scope_kind="road", scope_id=424242, conditions=[], actor=staff["clerk"])
    assert refused.value.errors == {
        "scope_id": ["there is no road 424242"],
        "conditions": ["choose at least one plate condition"],
    }
    with pytest.raises(CaseRefused) as refused:
        notice_batch_create(**village(street), conditions=ALL, actor=staff["reviewer"])
    assert refused.value.errors == {"actor": ["boss1 may not prepare notice letters"]}
    office.active = False
    office.save()
    with pytest.raises(CaseRefused) as refused:
        notice_batch_create(**village(street), conditions=ALL, actor=staff["clerk"])
    assert list(refused.value.errors) == ["office"]
    assert NoticeBatch.objects.count() == 0
    office.active = True
    office.save()
    batch = notice_batch_create(**village(street), conditions=ALL, actor=staff["clerk"])
    today = timezone.localdate()
    with pytest.raises(CaseRefused) as refused:
        notice_batch_record_sent(batch_id=batch.pk, version=1, sent_on=today + dt.timedelta(days=1), method="fax",
                                 not_sent=[0, 6, 2], actor=staff["clerk"])  # fmt: skip
    assert refused.value.errors == {
        "sent_on": [f"{(today + dt.timedelta(days=1)).isoformat()} is in the future"],
        "method": ["must be one of post, hand, village_chief"],
        "not_sent": ["0 is not a letter of this batch (1 to 5)", "6 is not a letter of this batch (1 to 5)"],
    }
    with pytest.raises(CaseRefused) as refused:
        notice_batch_record_sent(batch_id=batch.pk, version=1, sent_on=today, method="post", not_sent=[1, 2, 3, 4, 5],
                                 actor=staff["clerk"])  # fmt: skip
    assert refused.value.errors == {"not_sent": ["no letter would be sent: discard the batch instead"]}
    with pytest.raises(StaleCase) as stale:
        notice_batch_record_sent(batch_id=batch.pk, version=7, sent_on=today, method="post", actor=staff["clerk"])
    assert str(stale.value).startswith(f"notice batch {batch.pk} was changed by clerk1 at ")
    with pytest.raises(CaseRefused) as refused:
        notice_batch_discard(batch_id=batch.pk, version=1, reason="  ", actor=staff["clerk"])
    assert refused.value.errors == {"reason": ["say why"]}
    assert set(NoticeLetter.objects.filter(batch=batch).values_list("status", flat=True)) == {"prepared"}
    assert NoticeBatch.objects.get(pk=batch.pk).version == 1
    notice_batch_record_sent(batch_id=batch.pk, version=1, sent_on=today, method="hand", actor=staff["clerk"])
    with pytest.raises(CaseRefused) as refused:
        notice_batch_discard(batch_id=batch.pk, version=2, reason="too late", actor=staff["clerk"])
    assert refused.value.errors == {
        "batch": [f"notice batch {batch.pk} is sent; only a prepared batch can be recorded or discarded"]
    }


def pdf_pages(data: bytes) -> list[str]:
    return [" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(data)).pages]


def test_the_letters_print_one_page_each_after_the_delivery_list(street, staff, fees, office, conditions):
    batch = notice_batch_create(**village(street), conditions=ALL, actor=staff["clerk"])
    pages = pdf_pages(notice_letters_pdf(batch, site_url="https://plates.example.tw"))
    assert len(pages) == 1 + 5
    listing = pages[0]
    for part in ("門牌補發通知單 遞送清單", "Door-plate notices — delivery list", "東區甲里", f"N-{batch.pk}"):
        assert part in listing, part
    assert listing.index("光復路二段1號") < listing.index("光復路二段3號") < listing.index("光復路二段8號")
    day = timezone.localdate()
    missing, damaged, old_style = pages[1], pages[2], pages[5]
    for part in (
        "門牌補發通知", "Notice: your door plate needs replacing", "新竹市東區", "光復路二段", "1號",
        "No. 1, Sec. 2, Guangfu Rd., East Dist., Hsinchu City", f"發文日期：{roc_date(day)}", english_date(day),
        f"通知單號：N-{batch.pk}-0001", "貴址門牌已遺失", "is missing", "國民身分證", "national ID card",
        "規費每面門牌新臺幣200元", "NT$200 per door plate", "新竹市東區戶政事務所", "地址：新竹市東區光復路二段2號",
        "No. 2, Sec. 2, Guangfu Rd., East Dist., Hsinchu City", "掃描查看門牌資料",
    ):  # fmt: skip
        assert part in missing, part
    assert "毀損或字跡不清" in damaged and "damaged or hard to read" in damaged
    assert "5號2樓" in pages[3] and "2F, No. 5, Sec. 2, Guangfu Rd., East Dist., Hsinchu City" in pages[3]
    assert "免收規費" in old_style and "no fee" in old_style and "新臺幣200元" not in old_style
    context = letters_context(batch, part=None, site_url="https://plates.example.tw")
    assert [p.card_url for p in context["letters"]][:2] == [
        f"https://plates.example.tw/?plate={conditions[1].pk}",
        f"https://plates.example.tw/?plate={conditions[3].pk}",
    ]
    assert context["letters"][0].qr_png.startswith("data:image/png;base64,")
    assert parts(batch) == [(1, 1, 5)]


@pytest.mark.django_db(transaction=True)
def test_the_command_prints_every_part_as_files_in_two_processes(street, staff, fees, office, conditions, tmp_path,
                                                                  monkeypatch):  # fmt: skip
    monkeypatch.setattr("geo_portal.reissue.notice_letters.PART_SIZE", 2)
    batch = notice_batch_create(**village(street), conditions=ALL, actor=staff["clerk"])
    out = io.StringIO()
    call_command("print_notices", batch.pk, "--out", str(tmp_path), "--jobs", "2", "--site-url", "https://x.tw",
                 stdout=out)  # fmt: skip
    names = [f"notices-N-{batch.pk}-part{n:02d}.pdf" for n in (1, 2, 3)]
    assert out.getvalue().splitlines() == [
        f"{tmp_path / names[0]}: 2 letters, 3 pages",
        f"{tmp_path / names[1]}: 2 letters, 3 pages",
        f"{tmp_path / names[2]}: 1 letters, 2 pages",
    ]
    third = pdf_pages((tmp_path / names[2]).read_bytes())
    assert "第 3 / 3 部分" in third[0] and "No. 4, Sec. 2, Guangfu Rd." in third[1]
    with pytest.raises(CommandError, match="there is no notice batch 999"):
        call_command("print_notices", 999, "--out", str(tmp_path), "--site-url", "https://x.tw")


def test_one_process_lays_the_batch_out_once_and_writes_each_part_to_its_file(street, staff, fees, office, conditions,
                                                                              tmp_path, monkeypatch):  # fmt: skip
    """The same files as two processes make (one document per part, see above): each part led by its delivery list,
    its pages numbered within the part."""
    monkeypatch.setattr("geo_portal.reissue.notice_letters.PART_SIZE", 2)
    batch = notice_batch_create(**village(street), conditions=ALL, actor=staff["clerk"])
    printed = print_batch(batch, folder=tmp_path, site_url="https://x.tw", jobs=1)
    assert [(p.part, p.path.name, p.letters, p.pages) for p in printed] == [
        (1, f"notices-N-{batch.pk}-part01.pdf", 2, 3),
        (2, f"notices-N-{batch.pk}-part02.pdf", 2, 3),
        (3, f"notices-N-{batch.pk}-part03.pdf", 1, 2),
    ]
    second = pdf_pages((tmp_path / f"notices-N-{batch.pk}-part02.pdf").read_bytes())
    assert "第 2 / 3 部分" in second[0] and second[0].endswith(f"N-{batch.pk} · 2/3 · 1")
    assert f"N-{batch.pk}-0003" in second[1] and second[1].endswith(f"N-{batch.pk} · 2/3 · 2")
    assert f"N-{batch.pk}-0004" in second[2] and second[2].endswith(f"N-{batch.pk} · 2/3 · 3")
    third = pdf_pages((tmp_path / f"notices-N-{batch.pk}-part03.pdf").read_bytes())
    assert "第 3 / 3 部分" in third[0] and f"N-{batch.pk}-0005" in third[1] and "No. 4, Sec. 2, Guangfu Rd." in third[1]
