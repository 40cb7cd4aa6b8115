"""The staff pages of re-issuance (sign-in and role, the counter with the geocoder, a case's actions, fees, orders,
findings and reports) and the public status page (throttled, never any personal data)."""

from __future__ import annotations

import re
from html import unescape

import pytest
from django.test import Client
from django.utils import timezone

from geo_portal.reissue.models import Case, FeeSchedule, Installation, ProductionOrder, Receipt
from geo_portal.reissue.services import (
    PlateRequest,
    case_open,
    fee_assess,
    order_create,
    payment_record,
)
from tests.accounts.factories import PASSWORD
from tests.reissue.conftest import APPLICANT, jpeg, lonlat_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def client():
    """An anonymous visitor reading English (the site's default is zh-Hant; these tests read the English text)."""
    return Client(HTTP_ACCEPT_LANGUAGE="en")


def messages_of(response) -> list[str]:
    html = response.content.decode()
    return [unescape(m) for m in re.findall(r'<p class="reissue-message[^"]*" role="\w+">(.*?)</p>', html, re.S)]


def text_of(response) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", response.content.decode())).split())


STAFF_PAGES = ["/reissue/", "/reissue/counter/", "/reissue/fees/", "/reissue/orders/", "/reissue/sources/"]


@pytest.mark.parametrize("url", STAFF_PAGES)
def test_staff_pages_need_sign_in_and_a_re_issue_role(url, client, as_user, staff):
    response = client.get(url)
    assert (response.status_code, response["Location"]) == (302, f"/staff/login/?next={url}")
    denied = as_user("surveyor").get(url)
    assert denied.status_code == 403
    assert "This page is for the staff who handle plate re-issuance." in text_of(denied) or (
        "This is for clerks who handle re-issue cases." in text_of(denied)
    )
    assert as_user("clerk").get(url).status_code == 200


def test_reviewers_read_but_do_not_open_cases(as_user, counter_case):
    boss = as_user("reviewer")
    assert boss.get("/reissue/").status_code == 200
    assert boss.get(f"/reissue/cases/{counter_case.pk}/").status_code == 200
    assert boss.get("/reissue/counter/").status_code == 403
    response = boss.post(f"/reissue/cases/{counter_case.pk}/assess", {"version": 1})
    assert response.status_code == 403
    assert Case.objects.get(pk=counter_case.pk).state == "requested"


def test_the_counter_finds_the_plate_in_any_written_form_and_opens_a_case(as_user, street, fees):
    clerk = as_user("clerk")
    page = clerk.get("/reissue/counter/", {"q": "新竹市東區光復路2段7號"})
    text = text_of(page)
    assert "新竹市東區光復路二段7號" in text and "Open a case for 新竹市東區光復路二段7號" in text
    plate = street["plates"][7]
    response = clerk.post(
        "/reissue/counter/",
        {"plate": plate.pk, "q": "光復路2段7號", "source": "counter", "plate_kind": "standard", "quantity": "2",
         "reason": "missing", "name": "王小明", "phone": "03-5234567", "email": "ming@example.tw"},
        follow=True,
    )  # fmt: skip
    case = Case.objects.get()
    assert response.redirect_chain == [(f"/reissue/cases/{case.pk}/", 302)]
    assert messages_of(response) == [
        f"Case {case.reference} opened. Give the resident this reference number to follow the case."
    ]
    text = text_of(response)
    assert "王小明" in text and "ming@example.tw" in text  # staff see the applicant
    again = clerk.get("/reissue/counter/", {"q": "光復路二段7號"})
    assert f"Already in open case {case.reference}." in text_of(again)
    refused = clerk.post(
        "/reissue/counter/",
        {"plate": plate.pk, "q": "光復路二段7號", "source": "counter", "plate_kind": "standard", "quantity": "1",
         "reason": "missing", "name": ""},
        follow=True,
    )  # fmt: skip
    assert messages_of(refused) == [
        f"plates[0].plate: door plate {plate.pk} (新竹市東區光復路二段7號) already has open case {case.reference}",
        "applicant.name: the applicant's name is required for a request at the counter",
    ]
    nothing = clerk.get("/reissue/counter/", {"q": "光復路二段999號"})
    assert "No door plate matches this address." in text_of(nothing)


def test_a_case_walks_its_steps_on_its_page(as_user, counter_case, staff, media, settings):
    clerk, pk = as_user("clerk"), counter_case.pk
    page = f"/reissue/cases/{pk}/"
    response = clerk.post(f"{page}assess", {"version": 1}, follow=True)
    assert messages_of(response) == ["Fee assessed: NT$400."]
    response = clerk.post(f"{page}pay", {"version": 2, "method": "cash", "amount": "4OO"}, follow=True)
    assert messages_of(response) == ["Amount (NT$): Enter a whole number of NT dollars, such as 200."]
    response = clerk.post(f"{page}pay", {"version": 2, "method": "cash", "amount": "-400"}, follow=True)
    assert messages_of(response) == ["amount: must not be negative (got -400)"]
    response = clerk.post(f"{page}pay", {"version": 1, "method": "cash", "amount": "400"}, follow=True)
    assert messages_of(response)[0].startswith(f"case {counter_case.reference} was changed by clerk1 at ")
    response = clerk.post(f"{page}pay", {"version": 2, "method": "cash", "amount": "NT$400"}, follow=True)
    receipt = Receipt.objects.get()
    assert messages_of(response) == [f"Payment recorded; receipt {receipt.display_number} issued."]
    pdf = clerk.get(f"/reissue/receipts/{receipt.pk}.pdf")
    assert (pdf.status_code, pdf["Content-Type"], pdf.content[:5]) == (200, "application/pdf", b"%PDF-")
    order = order_create(cases={pk: 3}, actor=staff["clerk"])
    response = clerk.post(f"/reissue/orders/{order.pk}/delivered", {"delivered_on": "115/01/01"}, follow=True)
    assert messages_of(response) == [f"delivered_on: {'2026-01-01'} is before the order was made"]
    today = timezone.localdate()
    roc = f"{today.year - 1911}/{today.month:02d}/{today.day:02d}"
    response = clerk.post(f"/reissue/orders/{order.pk}/delivered", {"delivered_on": roc}, follow=True)
    assert messages_of(response) == ["Delivery recorded; the plates can be installed or collected."]
    photo = jpeg(lonlat=lonlat_of(counter_case.plates.get().plate, 2, 2))
    response = clerk.post(
        f"{page}install",
        {"version": 5, "photo": photo, "installer": "陳師傅",
         "installed_on": f"民國{today.year - 1911}年{today.month}月{today.day}日"},
        follow=True,
    )  # fmt: skip
    assert messages_of(response) == ["Installation recorded; the plate is shown as ok."]
    assert Installation.objects.get().distance_m == 2.8
    photo_response = clerk.get(f"{page}photo")
    assert (photo_response.status_code, photo_response["Content-Type"]) == (200, "image/jpeg")
    assert "no-store" in photo_response["Cache-Control"]
    response = clerk.post(f"{page}close", {"version": 6}, follow=True)
    assert messages_of(response) == ["Case closed."]
    assert Case.objects.get(pk=pk).state == "closed"
    assert "Nothing for you to do on this case now." in text_of(response)


def test_a_reviewer_voids_a_receipt_and_refunds_on_the_page(as_user, counter_case, staff):
    fee_assess(case_id=counter_case.pk, version=1, actor=staff["clerk"])
    receipt = payment_record(case_id=counter_case.pk, version=2, method="cash", amount=400, actor=staff["clerk"])
    boss = as_user("reviewer")
    page = f"/reissue/cases/{counter_case.pk}/"
    assert "Void receipt" in text_of(boss.get(page)) and "Void receipt" not in text_of(as_user("clerk").get(page))
    response = boss.post(f"{page}void-receipt", {"version": 3, "receipt": receipt.pk, "reason": "typed twice"}, follow=True)
    assert messages_of(response) == [f"Receipt {receipt.display_number} voided."]
    response = as_user("clerk").post(f"{page}cancel", {"version": 4, "reason": ""}, follow=True)
    assert messages_of(response) == ["reason: say why"]
    response = as_user("clerk").post(f"{page}cancel", {"version": 4, "reason": "resident moved away"}, follow=True)
    assert messages_of(response) == ["Case cancelled."]


def test_the_fee_schedule_page(as_user, fees):
    boss, clerk = as_user("reviewer"), as_user("clerk")
    text = text_of(clerk.get("/reissue/fees/"))
    assert "door plate NT$200 2026-01-01" in text and "Add the fee" not in text
    assert (
        clerk.post("/reissue/fees/", {"plate_kind": "standard", "amount": "250", "valid_from": "116/01/01"}).status_code
        == 403
    )
    for amount, message in (("2OO", "Fee (NT$): Enter a whole number of NT dollars, such as 200."),
                            ("-5", "amount: must not be negative (got -5)")):  # fmt: skip
        response = boss.post("/reissue/fees/", {"plate_kind": "standard", "amount": amount, "valid_from": "116/01/01"},
                             follow=True)  # fmt: skip
        assert messages_of(response) == [message]
    response = boss.post("/reissue/fees/", {"plate_kind": "standard", "amount": "1,250", "valid_from": "民國116年1月1日"},
                         follow=True)  # fmt: skip
    assert messages_of(response) == ["Fee for door plate: NT$1250 from 2027-01-01."]
    assert "NT$1250 from 2027-01-01" in text_of(response)
    assert FeeSchedule.objects.count() == 4


def test_orders_page_makes_an_order_with_its_sheets(as_user, street, staff, fees):
    cases = []
    for n in (4, 1):
        case = case_open(source="counter", plates=[PlateRequest(street["plates"][n].pk)], reason="missing",
                         applicant=APPLICANT, actor=staff["clerk"])  # fmt: skip
        fee_assess(case_id=case.pk, version=1, actor=staff["clerk"])
        payment_record(case_id=case.pk, version=2, method="cash", amount=200, actor=staff["clerk"])
        cases.append(case)
    clerk = as_user("clerk")
    listing = text_of(clerk.get("/reissue/orders/"))
    assert cases[0].reference in listing and cases[1].reference in listing
    response = clerk.post("/reissue/orders/", {"case": [c.pk for c in cases], **{f"version-{c.pk}": "3" for c in cases},
                                              "note": "urgent"}, follow=True)  # fmt: skip
    order = ProductionOrder.objects.get()
    assert messages_of(response) == [f"Order {order.pk} made; print its sheet for the plate maker."]
    text = text_of(response)
    assert text.index("新竹市東區 光復路二段 1號") < text.index("新竹市東區 光復路二段 4號")
    csv = clerk.get(f"/reissue/orders/{order.pk}/sheet.csv")
    assert (csv["Content-Type"], csv.content[:3]) == ("text/csv; charset=utf-8", b"\xef\xbb\xbf")
    assert clerk.get(f"/reissue/orders/{order.pk}/sheet.pdf").content[:5] == b"%PDF-"
    response = clerk.post("/reissue/orders/", {"case": [cases[0].pk], f"version-{cases[0].pk}": "4"}, follow=True)
    assert messages_of(response) == [
        f"cases[{cases[0].reference}]: case {cases[0].reference} is ordered from the plate maker; order needs it to be "
        "fee assessed, paid"
    ]


def test_findings_and_reports_become_cases_from_the_sources_page(as_user, findings, staff):
    clerk = as_user("clerk")
    text = text_of(clerk.get("/reissue/sources/"))
    assert "新竹市東區光復路二段1號 · missing" in text and "新竹市東區光復路二段3號 · damaged or illegible" in text
    response = clerk.post(f"/reissue/findings/{findings['missing'].pk}/open", {"plate_kind": "standard", "quantity": 1},
                          follow=True)  # fmt: skip
    case = Case.objects.get()
    assert messages_of(response) == [f"Case {case.reference} opened."]
    assert "新竹市東區光復路二段1號" not in text_of(clerk.get("/reissue/sources/"))


def test_the_resident_who_comes_with_a_finding_is_recorded_as_the_applicant(as_user, findings, staff):
    """The one-step form takes the resident's name, phone and e-mail (the receipt's address); a bad address is refused
    naming the field, and no case is opened."""
    clerk = as_user("clerk")
    url = f"/reissue/findings/{findings['damaged'].pk}/open"
    refused = clerk.post(url, {"plate_kind": "standard", "quantity": 1, "name": "陳小華", "email": "not-an-address"},
                         follow=True)  # fmt: skip
    assert messages_of(refused) == ["applicant.email: is not an e-mail address"]
    assert not Case.objects.exists()
    applicant = {"name": "陳小華", "phone": "03-5250000", "email": "hua@example.tw"}
    clerk.post(url, {"plate_kind": "standard", "quantity": 1, **applicant})
    case = Case.objects.get()
    assert (case.source, case.source_id) == ("census_finding", findings["damaged"].pk)
    assert (case.applicant.name, case.applicant.phone, case.applicant.email) == tuple(applicant.values())
    page = text_of(clerk.get(f"/reissue/cases/{case.pk}/"))
    assert "Name 陳小華 Phone 03-5250000 E-mail hua@example.tw" in page


def test_the_public_status_page_shows_the_step_and_no_personal_data(client, counter_case, staff):
    fee_assess(case_id=counter_case.pk, version=1, actor=staff["clerk"], note="told 王小明 by phone")
    response = client.get("/reissue/status/", {"ref": counter_case.reference.lower()})
    assert response.status_code == 200
    html = response.content.decode()
    text = text_of(response)
    case = Case.objects.get(pk=counter_case.pk)
    assert f"{case.reference}: fee assessed" in text
    assert f"Next step expected by {case.due_on:%Y-%m-%d}" in text
    assert "新竹市東區光復路二段7號" in text
    today = timezone.localdate().isoformat()
    assert f"requested {today} fee assessed {today} paid not yet" in text
    for secret in ("王小明", "03-5234567", "ming@example.tw", "clerk1", "told", "NT$"):
        assert secret not in html, secret
    assert 'aria-current="step"' in html


def test_the_public_status_page_for_unknown_and_malformed_references_and_its_throttle(client, counter_case, settings):
    assert client.get("/reissue/status/").status_code == 200
    unknown = client.get("/reissue/status/", {"ref": "RI-20261202-22222"})
    assert (unknown.status_code, "No case has this reference number." in text_of(unknown)) == (404, True)
    malformed = client.get("/reissue/status/", {"ref": "<script>"})
    assert malformed.status_code == 404
    assert "A reference number looks like RI-20261202-7K3Q9." in text_of(malformed)
    assert "<script>" not in malformed.content.decode()
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {
        **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "case_status": "2/minute"}}  # fmt: skip
    fresh = Client(HTTP_ACCEPT_LANGUAGE="en", REMOTE_ADDR="10.0.0.9")
    codes = [fresh.get("/reissue/status/", {"ref": counter_case.reference}).status_code for _ in range(3)]
    assert codes == [200, 200, 429]


def test_every_page_renders_in_traditional_chinese(counter_case, staff, findings):
    fee_assess(case_id=counter_case.pk, version=1, actor=staff["clerk"])
    receipt = payment_record(case_id=counter_case.pk, version=2, method="cash", amount=400, actor=staff["clerk"])
    order = order_create(cases={counter_case.pk: 3}, actor=staff["clerk"])
    pages = {
        "clerk": ["/reissue/", "/reissue/counter/?q=光復路二段7號", f"/reissue/cases/{counter_case.pk}/", "/reissue/fees/",
                  "/reissue/orders/", f"/reissue/orders/{order.pk}/", "/reissue/sources/"],
        "reviewer": ["/reissue/dashboard/", f"/reissue/cases/{counter_case.pk}/"],
    }  # fmt: skip
    for name, urls in pages.items():
        client = Client()  # no Accept-Language: the site's default, zh-Hant
        assert client.login(username=staff[name].username, password=PASSWORD)
        for url in urls:
            response = client.get(url)
            assert response.status_code == 200, url
            assert '<html lang="zh-Hant">' in response.content.decode(), url
    status = Client().get("/reissue/status/", {"ref": counter_case.reference})
    assert status.status_code == 200 and receipt.display_number not in status.content.decode()
