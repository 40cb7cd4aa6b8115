"""The resident-notice pages: sign-in and roles, the preview of counts, preparing a batch, its letters and printed
parts, recording the sending and discarding — each refusal shown field by field with nothing written."""

from __future__ import annotations

import io

import pytest
from django.test import Client
from django.utils import timezone
from pypdf import PdfReader

from geo_portal.reissue.models import NoticeBatch, NoticeLetter
from tests.accounts.factories import PASSWORD
from tests.reissue.test_notices import ALL

pytestmark = pytest.mark.django_db


def texts(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


def test_only_signed_in_staff_of_reissuance_see_the_notices(street, staff, as_user):
    assert Client().get("/reissue/notices/").status_code == 302
    assert as_user("surveyor").get("/reissue/notices/").status_code == 403
    reviewer = as_user("reviewer")
    assert reviewer.get("/reissue/notices/").status_code == 200
    refused = reviewer.post("/reissue/notices/", {"scope": f"village:{street['a'].pk}", "conditions": ALL})
    assert refused.status_code == 403
    assert NoticeBatch.objects.count() == 0


def test_a_clerk_previews_prepares_prints_and_records_a_batch(street, staff, fees, office, conditions, as_user):
    clerk = as_user("clerk")
    scope = f"village:{street['a'].pk}"
    page = clerk.get("/reissue/notices/")
    body = page.content.decode()
    assert f'<option value="{scope}">東區甲里 (5)</option>' in body
    assert f'<option value="road:{street["road"].pk}">東區光復路二段 (5)</option>' in body
    shown = clerk.get("/reissue/notices/", {"scope": scope, "conditions": ["missing", "damaged"]})
    preview = shown.context["preview"]
    assert [(r.condition, r.matching, r.to_print) for r in preview.rows] == [("missing", 2, 2), ("damaged", 2, 2)]
    assert "Prepare 4 letters" in shown.content.decode()
    made = clerk.post("/reissue/notices/", {"scope": scope, "conditions": ["missing", "damaged"]}, follow=True)
    batch = NoticeBatch.objects.get()
    assert made.redirect_chain == [(f"/reissue/notices/{batch.pk}/", 302)]
    assert texts(made) == ["4 letters prepared in walking order: print them, then record the sending."]
    body = made.content.decode()
    assert f'href="/reissue/notices/{batch.pk}/letters.pdf?part=1"' in body
    assert (
        body.index("新竹市東區光復路二段1號") < body.index("新竹市東區光復路二段3號") < body.index("新竹市東區光復路二段8號")
    )
    pdf = clerk.get(f"/reissue/notices/{batch.pk}/letters.pdf", {"part": "1"})
    assert (pdf.status_code, pdf["Content-Type"]) == (200, "application/pdf")
    assert len(PdfReader(io.BytesIO(pdf.content)).pages) == 1 + 4
    assert clerk.get(f"/reissue/notices/{batch.pk}/letters.pdf", {"part": "2"}).status_code == 404
    # Bad input: a date in the future, an unknown method, letters named wrongly — nothing recorded.
    refused = clerk.post(f"/reissue/notices/{batch.pk}/sent", {"version": 1, "sent_on": "2999-01-01", "method": "post",
                                                                "not_sent": "9"}, follow=True)  # fmt: skip
    assert texts(refused) == [
        "sent_on: 2999-01-01 is in the future",
        "not_sent: 9 is not a letter of this batch (1 to 4)",
    ]
    refused = clerk.post(f"/reissue/notices/{batch.pk}/sent", {"version": 1, "sent_on": "昨天", "method": "post"},
                         follow=True)  # fmt: skip
    assert texts(refused) == ["Sent on: Enter a date such as 115/12/02, 民國115年12月2日 or 2026-12-02."]
    assert NoticeBatch.objects.get().status == "prepared"
    today = timezone.localdate()
    roc = f"{today.year - 1911}/{today.month:02d}/{today.day:02d}"
    done = clerk.post(f"/reissue/notices/{batch.pk}/sent", {"version": 1, "sent_on": roc, "method": "hand",
                                                             "not_sent": "2"}, follow=True)  # fmt: skip
    assert texts(done) == ["Sending recorded: 3 letters."]
    assert list(NoticeLetter.objects.order_by("seq").values_list("status", "sent_on", "method")) == [
        ("sent", today, "hand"),
        ("not_sent", None, ""),
        ("sent", today, "hand"),
        ("sent", today, "hand"),
    ]
    again = clerk.post(f"/reissue/notices/{batch.pk}/sent", {"version": 1, "sent_on": roc, "method": "hand"}, follow=True)
    assert texts(again)[0].startswith(f"notice batch {batch.pk} was changed by clerk1 at ")
    # The next preview counts the letters sent as told; the one not sent is to print again.
    shown = clerk.get("/reissue/notices/", {"scope": scope, "conditions": ["missing", "damaged"]})
    assert (shown.context["preview"].total.sent, shown.context["preview"].total.to_print) == (3, 1)


def test_a_resend_needs_its_reason_and_a_batch_can_be_discarded(street, staff, office, conditions, as_user):
    clerk = as_user("clerk")
    scope = f"road:{street['road'].pk}"
    clerk.post("/reissue/notices/", {"scope": scope, "conditions": ["old_style"]}, follow=True)
    batch = NoticeBatch.objects.get()
    clerk.post(f"/reissue/notices/{batch.pk}/sent", {"version": 1, "sent_on": timezone.localdate().isoformat(),
                                                      "method": "post"}, follow=True)  # fmt: skip
    refused = clerk.post("/reissue/notices/", {"scope": scope, "conditions": ["old_style"], "resend": "on"}, follow=True)
    assert texts(refused) == ["Why they are told again: Say why the letters are sent again."]
    refused = clerk.post("/reissue/notices/", {"scope": scope, "conditions": ["old_style"]}, follow=True)
    assert texts(refused) == [
        "scope: no plate of 東區光復路二段 needs a letter: 1 already told, 0 waiting in a batch not yet sent, "
        "0 with an open case"
    ]
    made = clerk.post("/reissue/notices/", {"scope": scope, "conditions": ["old_style"], "resend": "on",
                                            "resend_reason": "the first letter was lost"}, follow=True)  # fmt: skip
    second = NoticeBatch.objects.latest("pk")
    assert (second.resend_reason, second.letter_count) == ("the first letter was lost", 1)
    assert "(sent again)" in made.content.decode()
    gone = clerk.post(f"/reissue/notices/{second.pk}/discard", {"version": 1, "reason": "duplicate"}, follow=True)
    assert texts(gone) == ["Batch discarded; its plates can be written to again."]
    assert NoticeBatch.objects.get(pk=second.pk).status == "discarded"
    assert "Record as sent" not in gone.content.decode()
    assert (
        clerk.post("/reissue/notices/", {"scope": "planet:1", "conditions": ["old_style"]}, follow=True).status_code == 200
    )
    assert NoticeBatch.objects.count() == 2


def test_the_notice_pages_render_in_traditional_chinese(street, staff, office, conditions):
    client = Client()  # no Accept-Language: the site's default, zh-Hant
    assert client.login(username=staff["clerk"].username, password=PASSWORD)
    scope = f"village:{street['a'].pk}"
    made = client.post("/reissue/notices/", {"scope": scope, "conditions": ALL}, follow=True)
    batch_page = f"/reissue/notices/{NoticeBatch.objects.get().pk}/"
    assert made.redirect_chain == [(batch_page, 302)]
    for url in ("/reissue/notices/", f"/reissue/notices/?scope={scope}&conditions=missing", batch_page):
        response = client.get(url)
        assert response.status_code == 200, url
        assert '<html lang="zh-Hant">' in response.content.decode(), url
