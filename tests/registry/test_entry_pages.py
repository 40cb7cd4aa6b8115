"""Registrars' entry pages for a household split (分戶), a merge (合戶) and a change of head (戶長變更): each reads the
household's members through the logging selector, enters a draft with the details the service checks, and shows
the service's refusals with their fields; applied through review, the register changes as entered."""

from __future__ import annotations

import html
import re

import pytest
from django.urls import reverse

from geo_portal.registry.models import AccessLog, Household, Membership, RegistrationEvent
from geo_portal.registry.services.events import event_apply, event_approve, event_submit
from tests.registry.conftest import login


@pytest.fixture(autouse=True)
def _english_pages(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"


def text(response) -> str:
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode())))


def review_and_apply(event, staff):
    event = event_submit(event_id=event.pk, actor=staff["ann"], version=event.version)
    event = event_approve(event_id=event.pk, actor=staff["bob"], version=event.version)
    return event_apply(event_id=event.pk, actor=staff["bob"], version=event.version)


DATES = {"effective_date": "2026-03-01", "declared_on": "2026-03-02"}


def test_a_split_moves_members_into_a_new_household_in_the_building(client, staff, world):
    household, people, plates = world["household"], world["people"], world["plates"]
    son, wife = people["陳小明"].pk, people["林美玲"].pk
    login(client, staff["ann"])
    url = reverse("registry:new-split", args=[household.pk])
    page = text(client.get(url))
    assert "New event: household split (分戶)" in page
    assert "林美玲 in the new household" in page and "陳小明 in the new household" in page
    assert "陳大明 in the new household" not in page  # the head cannot leave by a split
    assert ("ann", "registration", "household_members", url) in set(
        AccessLog.objects.values_list("username", "purpose", "selector", "endpoint")
    )
    base = DATES | {"new_number": "O0000077", "kind": "single", "plate": plates["5F2"].pk}
    page = text(client.post(url, base | {f"relation_{son}": "son"}))
    assert "members: a new household needs exactly one member whose relation is 'head' (0 given)" in page
    assert not RegistrationEvent.objects.filter(kind="split").exists()
    response = client.post(url, base | {f"relation_{son}": "head"})
    event = RegistrationEvent.objects.get(kind="split")
    assert response.url == reverse("registry:event", args=[event.pk])
    assert event.details["members"] == [{"person_id": son, "relation": "head"}]
    review_and_apply(event, staff)
    new = Household.objects.get(number="O0000077")
    assert (new.plate_id, new.head_id, new.kind) == (plates["5F2"].pk, son, "single")
    assert sorted(
        Membership.objects.filter(household=household, valid__upper_inf=True).values_list("person_id", flat=True)
    ) == sorted([people["陳大明"].pk, wife])


def test_a_merge_moves_every_member_into_another_household(client, staff, world):
    people = world["people"]
    wang = Household.objects.get(number="O0000040")
    da, xiao = Membership.objects.filter(household=wang).order_by("person__birth_date").values_list("person_id", flat=True)
    login(client, staff["ann"])
    url = reverse("registry:new-merge", args=[wang.pk])
    page = text(client.get(url))
    assert "Relation of 王大同 to the head of the other household" in page
    page = text(
        client.post(url, DATES | {"into_number": "O9999999", f"relation_{da}": "lodger", f"relation_{xiao}": "lodger"})
    )
    assert "There is no household with this number." in page
    page = text(client.post(url, DATES | {"into_number": "O0000001", f"relation_{da}": "lodger"}))
    assert "This field is required." in page
    client.post(url, DATES | {"into_number": "o0000001", f"relation_{da}": "lodger", f"relation_{xiao}": "relative"})
    event = RegistrationEvent.objects.get(kind="merge")
    assert event.details["into_household_id"] == world["household"].pk
    review_and_apply(event, staff)
    wang.refresh_from_db()
    assert str(wang.period.upper) == "2026-03-01"
    members = Membership.objects.filter(household=world["household"], valid__upper_inf=True)
    assert sorted(members.values_list("person__name", "relation")) == sorted(
        [("陳大明", "head"), ("林美玲", "spouse"), ("陳小明", "son"), ("王大同", "lodger"), ("王小同", "relative")]
    )
    assert people["陳大明"].pk in members.values_list("person_id", flat=True)


def test_a_change_of_head_names_the_new_head_and_every_relation(client, staff, world):
    household, people = world["household"], world["people"]
    head, wife, son = people["陳大明"].pk, people["林美玲"].pk, people["陳小明"].pk
    login(client, staff["ann"])
    url = reverse("registry:new-head-change", args=[household.pk])
    page = text(client.get(url))
    assert "New event: change of head (戶長變更)" in page and "Relation of 陳大明 to the new head" in page
    page = text(client.post(url, DATES | {"new_head": wife, f"relation_{head}": "spouse"}))
    assert f"relations: give the relation of person(s) {son}" in page
    client.post(url, DATES | {"new_head": wife, f"relation_{head}": "spouse", f"relation_{son}": "son"})
    event = RegistrationEvent.objects.get(kind="head_change")
    review_and_apply(event, staff)
    household.refresh_from_db()
    assert household.head_id == wife
    assert sorted(
        Membership.objects.filter(household=household, valid__upper_inf=True).values_list("person__name", "relation")
    ) == sorted([("林美玲", "head"), ("陳大明", "spouse"), ("陳小明", "son")])


def test_the_entry_pages_are_for_registrars_only(client, staff, world):
    login(client, staff["clerk"])
    for name in ("registry:new-split", "registry:new-merge", "registry:new-head-change"):
        assert client.get(reverse(name, args=[world["household"].pk])).status_code == 403
    assert AccessLog.objects.count() == 0
