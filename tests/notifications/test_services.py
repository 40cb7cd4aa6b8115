"""Agencies, tokens and subscriptions: the rules of who may receive what, and every refusal with its reason."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from geo_portal.notifications import kinds
from geo_portal.notifications.errors import NotAllowed, NotificationRefused
from geo_portal.notifications.models import Agency, AgencyToken, Subscription
from geo_portal.notifications.services import (
    agency_authorise,
    agency_create,
    secret_rotate,
    subscription_create,
    token_issue,
    token_revoke,
    token_rotate,
    token_use,
)
from geo_portal.notifications.services.subscriptions import active_secrets
from tests.accounts.factories import make_staff

pytestmark = pytest.mark.django_db


def test_an_agency_is_an_account_of_its_own_that_cannot_sign_in(office):
    agency = agency_create(actor=office, code="nhi-hsinchu", name="健保署北區業務組", kind="health_insurance")
    assert agency.user.username == "agency:nhi-hsinchu"
    assert not agency.user.has_usable_password()
    assert not agency.user.is_staff
    assert agency.private_kinds == []


def test_agency_refusals_name_each_field(office):
    agency_create(actor=office, code="post", name="郵局", kind="post")
    with pytest.raises(NotificationRefused) as exc:
        agency_create(actor=office, code="post", name=" ", kind="bank")
    assert exc.value.errors == {
        "code": "an agency with code post exists already",
        "name": "is required",
        "kind": "unknown kind 'bank'",
    }
    assert Agency.objects.count() == 1


def test_only_staff_with_the_permission_manage_agencies(db):
    clerk = make_staff("carl", "clerk")
    with pytest.raises(NotAllowed, match=r"carl may not do this \(needs notifications.manage_agencies\)"):
        agency_create(actor=clerk, code="tax", name="國稅局", kind="tax")
    assert Agency.objects.count() == 0


def test_an_unknown_event_kind_is_a_clear_error_and_nothing_is_made(make_agency, office):
    agency = make_agency()
    with pytest.raises(NotificationRefused) as exc:
        subscription_create(
            actor=office, agency=agency, event_kinds=["plate.created", "plate.moved"], url="http://127.0.0.1:9/h"
        )
    assert exc.value.errors == {
        "event_kinds": "unknown event kind(s) 'plate.moved'; known kinds: plate.created, plate.retired, "
        "plate.renumbered, road.renamed, registration.death, registration.move_in, registration.move_out, "
        "registration.address_change, registration.birth, registration.renumbering"
    }
    assert Subscription.objects.count() == 0


def test_registration_kinds_only_where_the_office_authorised_them(make_agency, office):
    agency = make_agency()
    with pytest.raises(NotificationRefused) as exc:
        subscription_create(actor=office, agency=agency, event_kinds=["registration.death"], url="http://127.0.0.1:9/h")
    assert exc.value.errors == {"event_kinds": "the office has not authorised Agency nhi to receive registration.death"}
    with pytest.raises(NotificationRefused) as exc:
        agency_authorise(actor=office, agency=agency, private_kinds=["registration.death"], reference="", version=1)
    assert exc.value.errors == {"reference": "name the letter or agreement that authorises it"}
    with pytest.raises(NotificationRefused) as exc:
        agency_authorise(actor=office, agency=agency, private_kinds=["plate.created"], reference="x", version=1)
    assert exc.value.errors == {"private_kinds": "plate.created are public: no authorisation needed"}
    agency = agency_authorise(
        actor=office, agency=agency, private_kinds=["registration.death"], reference="函 112-1", version=1
    )
    assert (agency.private_kinds, agency.authorised_by, agency.version) == (["registration.death"], office, 2)
    with pytest.raises(NotificationRefused) as exc:
        agency_authorise(actor=office, agency=agency, private_kinds=[], reference="", version=1)
    assert exc.value.errors == {"version": "the agency was changed by someone else meanwhile; reload it"}
    sub, secret = subscription_create(
        actor=office, agency=agency, event_kinds=["registration.death", "plate.retired"], url="http://127.0.0.1:9/h"
    )
    # Stored in the published order, whatever order they were asked in.
    assert sub.event_kinds == ["plate.retired", "registration.death"]
    assert secret.startswith("whsec_") and active_secrets(sub.pk) == [secret]


@pytest.mark.parametrize(
    ("require", "url", "reason"),
    [
        (True, "http://agency.example.tw/hooks", "must be https (notifications carry registration events)"),
        (True, "http://127.0.0.1:8000/hooks", "must be https (notifications carry registration events)"),
        (False, "http://agency.example.tw/hooks", "plain http is allowed for loopback test receivers only; use https"),
        (False, "ftp://agency.example.tw/", "give an absolute http(s) URL, e.g. https://agency.example.tw/hooks/addresses"),
        (False, "https://u:p@agency.example.tw/", "must not carry a user name or password (the signature authenticates "
         "the office)"),
    ],
)  # fmt: skip
def test_endpoints_must_be_https_in_production(make_agency, office, settings, require, url, reason):
    settings.NOTIFICATIONS_REQUIRE_HTTPS = require
    agency = make_agency()
    with pytest.raises(NotificationRefused) as exc:
        subscription_create(actor=office, agency=agency, event_kinds=["plate.created"], url=url)
    assert exc.value.errors == {"url": reason}
    sub, _ = subscription_create(
        actor=office, agency=agency, event_kinds=["plate.created"], url="https://agency.example.tw/hooks"
    )
    assert sub.status == "active"


def test_a_digest_subscription_has_no_url(make_agency, office):
    agency = make_agency()
    with pytest.raises(NotificationRefused) as exc:
        subscription_create(
            actor=office, agency=agency, event_kinds=["plate.created"], mode="digest", url="https://a.example.tw/"
        )
    assert exc.value.errors == {"url": "a digest subscription has no URL (the agency downloads its files)"}
    with pytest.raises(NotificationRefused) as exc:
        subscription_create(actor=office, agency=agency, event_kinds=["plate.created"], mode="fax")
    assert exc.value.errors == {"mode": "unknown delivery 'fax'; choose webhook or digest"}


def test_a_token_works_until_revoked_and_only_with_its_secret(make_agency, office):
    agency = make_agency(private=("registration.death",))
    row, text = token_issue(
        actor=office, agency=agency, event_kinds=["registration.death", "plate.created"], detail_levels=["person", "ids"]
    )
    assert text.startswith(f"gpa_{row.prefix}_") and row.digest != text and text not in str(row.__dict__)
    grant = token_use(token=text)
    assert (grant.agency_code, grant.user, grant.event_kinds, grant.detail_levels) == (
        "nhi", agency.user, frozenset({"registration.death", "plate.created"}), ("ids", "person")
    )  # fmt: skip
    assert AgencyToken.objects.get(pk=row.pk).last_used_at is not None
    assert token_use(token=text[:-1] + ("A" if text[-1] != "A" else "B")) is None
    assert token_use(token="gpa_nonsense") is None
    assert token_use(token="") is None
    token_revoke(actor=office, token=row)
    assert token_use(token=text) is None


def test_a_de_authorised_kind_leaves_the_token_at_once(make_agency, office):
    agency = make_agency(private=("registration.death",))
    _, text = token_issue(actor=office, agency=agency, event_kinds=["registration.death"], detail_levels=["ids"])
    agency_authorise(actor=office, agency=agency, private_kinds=[], reference="", version=agency.version)
    assert token_use(token=text).event_kinds == frozenset()


def test_token_scopes_are_checked(make_agency, office):
    agency = make_agency()
    with pytest.raises(NotificationRefused) as exc:
        token_issue(actor=office, agency=agency, event_kinds=["registration.move_in"], detail_levels=["everything"])
    assert exc.value.errors == {
        "event_kinds": "the office has not authorised Agency nhi to receive registration.move_in",
        "detail_levels": "choose from ids, address, person",
    }


def test_rotation_keeps_the_old_token_working_through_the_overlap(make_agency, office):
    agency = make_agency()
    old, old_text = token_issue(actor=office, agency=agency, event_kinds=["plate.created"], detail_levels=["ids"])
    new, new_text = token_rotate(actor=office, token=old, overlap=timedelta(hours=2))
    old.refresh_from_db()
    assert old.replaced_by == new and new.event_kinds == ["plate.created"] and new.detail_levels == ["ids"]
    assert timedelta(hours=1, minutes=59) < old.expires_at - timezone.now() <= timedelta(hours=2)
    assert token_use(token=old_text).token_id == old.pk
    assert token_use(token=new_text).token_id == new.pk
    with pytest.raises(NotificationRefused) as exc:
        token_rotate(actor=office, token=old)
    assert exc.value.errors == {"token": f"token gpa_{old.prefix}_… was rotated already"}
    AgencyToken.objects.filter(pk=old.pk).update(expires_at=timezone.now() - timedelta(seconds=1))  # overlap over
    assert token_use(token=old_text) is None
    assert token_use(token=new_text).token_id == new.pk


def test_secret_rotation_signs_with_both_until_the_overlap_ends(make_agency, office):
    agency = make_agency()
    sub, first = subscription_create(actor=office, agency=agency, event_kinds=["plate.created"], url="http://127.0.0.1:9/")
    second = secret_rotate(actor=office, subscription=sub, overlap=timedelta(hours=1))
    assert active_secrets(sub.pk) == [second, first]
    sub.secrets.filter(secret=first).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert active_secrets(sub.pk) == [second]


def test_check_kinds_orders_and_refuses():
    assert kinds.check_kinds(["road.renamed", "plate.created"]) == ("plate.created", "road.renamed")
    with pytest.raises(kinds.UnknownEventKind, match=r"unknown event kind\(s\) 'x', 'y'; known kinds: plate.created"):
        kinds.check_kinds(["y", "plate.created", "x"])


def _change(entity, operation, data, cause="staff", channel="public"):
    return kinds.Change(channel, 1, 1, "2026-01-01T00:00:00+00:00", cause, entity, 7, operation, data)


@pytest.mark.parametrize(
    ("change", "road", "retired", "expected"),
    [
        (_change("plate", "insert", {"status": "active"}), None, False, ["plate.created"]),
        (_change("plate", "update", {"status": "retired", "successors": []}), None, False, ["plate.retired"]),
        (_change("plate", "update", {"status": "retired", "successors": [8]}), None, False, ["plate.renumbered"]),
        (_change("plate", "update", {"status": "retired", "successors": []}), None, True, []),
        (_change("plate", "update", {"status": "active"}, "renumbering_plan"), None, False, ["plate.renumbered"]),
        (_change("plate", "update", {"status": "active", "condition": "missing"}), None, False, []),
        (_change("plate", "delete", None), None, False, []),
        (_change("road", "update", {"name": "新路"}), "舊路", False, ["road.renamed"]),
        (_change("road", "update", {"name": "舊路"}), "舊路", False, []),
        (_change("road", "update", {"name": "新路"}), None, False, []),
        (_change("registration", "update", {"kind": "death"}, channel="registry"), None, False, ["registration.death"]),
        (_change("registration", "update", {"kind": "split"}, channel="registry"), None, False, []),
    ],
)
def test_classify(change, road, retired, expected):
    assert kinds.classify(change, known_road_name=road, plate_was_retired=retired) == expected
