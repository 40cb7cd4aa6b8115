"""Renumbering certificates per household (門牌整編證明): registrars only, each head read written to the register's
access log, bilingual with the ROC date; refused (and nothing logged) before the apply, for a household the plan did
not move, and for staff who may not read persons."""

from __future__ import annotations

import pytest
from django.utils import timezone
from django.utils.translation import override

from geo_portal.census.office.dates import roc_date
from geo_portal.registry.access import Access
from geo_portal.registry.errors import AccessDenied
from geo_portal.registry.models import AccessLog
from geo_portal.renumbering.households import CertificateRefused, plan_households
from geo_portal.renumbering.services import plan_apply, plan_approve, plan_draft_by_rule, plan_submit
from tests.renumbering.test_pages import login, pdf_text


def renamed(street, staff, *, apply: bool = True):
    plan = plan_draft_by_rule(
        actor=staff["clerk"], district=street["district"], kind="rename_road", title="光復路二段 → 建功路二段",
        effective_date=timezone.localdate(), road_id=street["road"].pk, new_road_name="建功路二段",
    )  # fmt: skip
    plan = plan_submit(plan_id=plan.pk, version=plan.version, actor=staff["clerk"])
    plan = plan_approve(plan_id=plan.pk, version=plan.version, actor=staff["reviewer"])
    return plan_apply(plan_id=plan.pk, version=plan.version, actor=staff["clerk"]) if apply else plan


def access(user) -> Access:
    return Access(user=user, purpose="certificate", endpoint="/test/", note="")


def test_each_household_gets_its_certificate_and_each_read_is_logged(world, street, staff, client):
    plan = renamed(street, staff)
    lines = plan_households(plan=plan, access=access(staff["ann"]))
    assert [(h.household_number, h.head_name, h.old_address, h.new_address) for h in lines] == [
        ("O0000001", "陳大明", "新竹市東區光復路二段5號2樓", "新竹市東區建功路二段5號2樓"),
        ("O0000040", "王大同", "新竹市東區光復路二段5號3樓", "新竹市東區建功路二段5號3樓"),
    ]
    logged = AccessLog.objects.order_by("id")
    assert [(r.person.name, r.username, r.purpose, r.selector, r.fields, r.note) for r in logged] == [
        (
            "陳大明",
            "ann",
            "certificate",
            "renumbering.plan_households",
            ["name", "household", "address"],
            f"({plan.number})",
        ),
        (
            "王大同",
            "ann",
            "certificate",
            "renumbering.plan_households",
            ["name", "household", "address"],
            f"({plan.number})",
        ),
    ]

    # Through the page: one household by its number (posted, never in the URL), bilingual, the ROC date in Chinese.
    login(client, staff["bob"])
    response = client.post(f"/renumbering/plans/{plan.pk}/household-certificates.pdf", {"household": "o0000040"})
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]
    [page] = pdf_text(response.content)
    text = page.replace(" ", "")
    for expected in (plan.number, "O0000040", "王大同", "新竹市東區光復路二段5號3樓", "新竹市東區建功路二段5號3樓",
                     roc_date(timezone.localdate()).replace(" ", ""), "門牌整編證明", "Householdnumber"):  # fmt: skip
        assert expected in text, expected
    assert "陳大明" not in text
    assert list(AccessLog.objects.filter(username="bob").values_list("person__name", "endpoint")) == [
        ("王大同", f"/renumbering/plans/{plan.pk}/household-certificates.pdf")
    ]
    every = client.post(f"/renumbering/plans/{plan.pk}/household-certificates.pdf", {"household": ""})
    assert len(pdf_text(every.content)) == 2
    assert AccessLog.objects.filter(username="bob").count() == 3
    page = client.get(f"/renumbering/plans/{plan.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'id="household-certificates"' in page and "陳大明" not in page


def test_refusals_read_and_log_nothing(world, street, staff, client):
    approved = renamed(street, staff, apply=False)
    with override("en"), pytest.raises(CertificateRefused) as refused:
        plan_households(plan=approved, access=access(staff["ann"]))
    assert refused.value.errors == {
        "plan": [f"plan {approved.number} is approved: household certificates are issued once it is applied"]
    }
    plan = plan_apply(plan_id=approved.pk, version=approved.version, actor=staff["clerk"])
    with override("en"), pytest.raises(CertificateRefused) as refused:
        plan_households(plan=plan, access=access(staff["ann"]), household_number="O0000099")
    assert refused.value.errors == {"household": [f"household O0000099 was not moved by plan {plan.number}"]}
    with pytest.raises(AccessDenied):  # clerks draft and apply plans; they do not read persons
        plan_households(plan=plan, access=access(staff["clerk"]))
    assert AccessLog.objects.count() == 0

    login(client, staff["clerk"])
    response = client.post(f"/renumbering/plans/{plan.pk}/household-certificates.pdf", {"household": "O0000001"})
    assert response.status_code == 403
    assert 'id="household-certificates"' not in client.get(f"/renumbering/plans/{plan.pk}/").content.decode()
    login(client, staff["ann"])
    assert client.get(f"/renumbering/plans/{plan.pk}/household-certificates.pdf").status_code == 405
    response = client.post(
        f"/renumbering/plans/{plan.pk}/household-certificates.pdf", {"household": "X1"}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 302
    page = client.get(response["Location"], HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert f"household: household X1 was not moved by plan {plan.number}" in page
    assert AccessLog.objects.count() == 0
