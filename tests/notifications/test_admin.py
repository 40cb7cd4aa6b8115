"""The office's admin pages: the onboarding checklist, the dead-letter list and its re-delivery action."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from geo_portal.notifications.models import Agency, Message
from geo_portal.notifications.services import subscription_create, token_issue

pytestmark = pytest.mark.django_db


def test_the_checklist_shows_what_an_agency_still_needs(client, office, make_agency):
    agency = make_agency()
    client.force_login(office)
    url = reverse("admin:notifications_agency_change", args=[agency.pk])
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    for step in ("contact e-mail recorded", "data agreement signed", "API token issued", "subscription set up",
                 "a delivery acknowledged"):  # fmt: skip
        assert f"✘ {step}" in page
    token_issue(actor=office, agency=agency, event_kinds=["plate.created"], detail_levels=["ids"])
    subscription_create(actor=office, agency=agency, event_kinds=["plate.created"], url="http://127.0.0.1:9/h")
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "✔ API token issued" in page and "✔ subscription set up" in page and "✘ data agreement signed" in page
    listing = client.get(reverse("admin:notifications_agency_changelist"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "2 of 5 steps" in listing


def test_staff_re_deliver_dead_letters_from_the_list(client, office, make_agency):
    agency = make_agency()
    sub, _ = subscription_create(actor=office, agency=agency, event_kinds=["plate.created"], url="http://127.0.0.1:9/h")
    dead = Message.objects.create(subscription=sub, msg_id="msg_dead1", event_type="plate.created", payload="{}",
                                  channel="public", seq=1, status="dead", attempts=4, next_attempt_at=None)  # fmt: skip
    done = Message.objects.create(subscription=sub, msg_id="msg_done1", event_type="plate.created", payload="{}",
                                  channel="public", seq=2, status="delivered", delivered_at=timezone.now())  # fmt: skip
    client.force_login(office)
    changelist = reverse("admin:notifications_message_changelist")
    page = client.get(changelist + "?status__exact=dead", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "msg_dead1" in page and "msg_done1" not in page
    response = client.post(changelist, {"action": "redeliver", "_selected_action": [dead.pk, done.pk]},
                           HTTP_ACCEPT_LANGUAGE="en", follow=True)  # fmt: skip
    assert "only dead-lettered messages are re-delivered by hand: msg_done1" in response.content.decode()
    assert Message.objects.get(pk=dead.pk).status == "dead"
    response = client.post(changelist, {"action": "redeliver", "_selected_action": [dead.pk]},
                           HTTP_ACCEPT_LANGUAGE="en", follow=True)  # fmt: skip
    assert "1 messages queued for delivery again." in response.content.decode()
    assert Message.objects.get(pk=dead.pk).status == "pending"


def test_the_office_adds_an_agency_in_the_admin(client, office):
    client.force_login(office)
    response = client.post(
        reverse("admin:notifications_agency_add"),
        {"code": "tpc", "name": "台電新竹區營業處", "kind": "utility", "contact_email": "hook@tpc.example.tw",
         "active": "on", "tokens-TOTAL_FORMS": "0", "tokens-INITIAL_FORMS": "0", "subscriptions-TOTAL_FORMS": "0",
         "subscriptions-INITIAL_FORMS": "0"},
        HTTP_ACCEPT_LANGUAGE="en",
    )  # fmt: skip
    assert response.status_code == 302, response.content.decode()[:2000]
    agency = Agency.objects.get(code="tpc")
    assert (agency.name, agency.kind, agency.user.username, agency.active) == (
        "台電新竹區營業處",
        "utility",
        "agency:tpc",
        True,
    )
