"""The registry's agency endpoint: an agency's token reads what its scopes allow, and every read is in the access log."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from geo_portal.notifications.services import token_issue, token_revoke
from geo_portal.registry.details import Death
from geo_portal.registry.models import AccessLog
from tests.registry.conftest import through_review

pytestmark = pytest.mark.django_db


@pytest.fixture
def death(family, staff):
    son = family["people"]["陳小明"]
    event = through_review("death", Death(person_id=son.pk), dt.date(2026, 11, 30), by=staff["ann"], reviewer=staff["bob"])
    return event, son


def get(client, event_id: int, token: str | None, detail: str | None = None):
    url = reverse("registry:agency-event", args=[event_id]) + (f"?detail={detail}" if detail else "")
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return client.get(url, headers=headers)


def test_no_token_or_a_bad_one_is_401_and_logs_nothing(client, death):
    event, _ = death
    before = AccessLog.objects.count()
    for token in (None, "gpa_000000000000_nope"):
        response = get(client, event.pk, token)
        assert response.status_code == 401
        assert response.json() == {"error": "a valid agency token is required (Authorization: Bearer gpa_…)"}
        assert response["WWW-Authenticate"] == 'Bearer realm="geo_portal agencies"'
    assert AccessLog.objects.count() == before


def test_scopes_decide_what_is_read_and_each_read_is_logged(client, death, make_agency, office, family):
    event, son = death
    agency = make_agency(private=("registration.death",))
    _, ids_only = token_issue(actor=office, agency=agency, event_kinds=["registration.death"], detail_levels=["ids"])
    _, persons = token_issue(
        actor=office, agency=agency, event_kinds=["registration.death"], detail_levels=["ids", "address", "person"]
    )
    before = AccessLog.objects.count()

    response = get(client, event.pk, ids_only, "person")
    assert (response.status_code, response.json()) == (403, {"error": "this token may not read the person detail level"})
    response = get(client, event.pk, ids_only, "all")
    assert (response.status_code, response.json()) == (
        400, {"error": "detail: unknown level 'all'; choose ids, address, person"}
    )  # fmt: skip
    assert AccessLog.objects.count() == before

    response = get(client, event.pk, ids_only)
    assert response.status_code == 200 and response["Cache-Control"].startswith("max-age=0")
    assert response.json() == {
        "event_id": event.pk, "kind": "registration.death", "effective_date": "2026-11-30",
        "applied_at": event.applied_at.isoformat(), "person_ids": [son.pk],
        "household_ids": [family["household"].pk], "plate_ids": event.plate_ids,
    }  # fmt: skip

    response = get(client, event.pk, persons, "person")
    body = response.json()
    assert body["persons"] == [
        {"id": son.pk, "name": "陳小明", "sex": "M", "birth_date": "2010-01-20", "death_date": "2026-11-30"}
    ]
    assert [p["id"] for p in body["plates"]] == sorted(event.plate_ids)
    logs = list(AccessLog.objects.order_by("id")[before:].values_list("user", "purpose", "person", "fields", "endpoint"))
    assert logs == [
        (agency.user.pk, "agency", son.pk, ["household"], "registry:agency-event"),
        (agency.user.pk, "agency", son.pk, ["name", "sex", "birth_date", "death_date", "household", "address"],
         "registry:agency-event"),
    ]  # fmt: skip


def test_a_kind_the_token_or_the_agency_lacks_is_refused(client, death, family, make_agency, office):
    event, _ = death
    agency = make_agency(private=("registration.move_in",))
    _, token = token_issue(actor=office, agency=agency, event_kinds=["registration.move_in"], detail_levels=["ids"])
    response = get(client, event.pk, token)
    assert (response.status_code, response.json()) == (403, {"error": "this token may not read registration.death events"})
    # The move-in of the family is readable; a revoked token reads nothing.
    assert get(client, family["event"].pk, token).status_code == 200
    token_revoke(actor=office, token=agency.tokens.get())
    assert get(client, family["event"].pk, token).status_code == 401


def test_an_event_not_applied_or_unknown_is_404(client, make_agency, office, db):
    agency = make_agency(private=("registration.death",))
    _, token = token_issue(actor=office, agency=agency, event_kinds=["registration.death"], detail_levels=["ids"])
    response = get(client, 999999, token)
    assert (response.status_code, response.json()) == (404, {"error": "no applied registration event 999999"})
