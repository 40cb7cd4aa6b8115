"""Staff lifecycle: creating staff, changing roles, disabling a leaver (sessions end), password resets — each
recorded in the append-only RoleChange log, and only by an administrator."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.db import DatabaseError, transaction

from geo_portal.accounts.models import RoleChange, StaffProfile
from geo_portal.accounts.selectors import must_change_password, role_groups_of, roles_of
from geo_portal.accounts.services import (
    StaffChangeRefused,
    StaffPermissionDenied,
    staff_create,
    staff_disable,
    staff_enable,
    staff_reset_password,
    staff_set_roles,
)
from tests.accounts.factories import PASSWORD, make_staff

pytestmark = pytest.mark.django_db
User = get_user_model()


@pytest.fixture
def admin_user():
    return make_staff("ada", "administrator")


def changes(user) -> list[tuple]:
    return list(
        RoleChange.objects.filter(user=user)
        .order_by("pk")
        .values_list("kind", "actor__username", "roles_before", "roles_after", "active_before", "active_after", "reason")
    )


def test_staff_create_gives_roles_staff_flag_and_a_record(admin_user):
    carl, password = staff_create(actor=admin_user, username="carl", roles=["clerk", "reviewer"], email="c@example.org")
    assert password and carl.check_password(password)
    assert roles_of(carl) == {"clerk", "reviewer"}
    assert (carl.is_active, carl.is_staff, carl.is_superuser, carl.email) == (True, True, False, "c@example.org")
    assert must_change_password(carl) is True  # a generated password is someone else's choice
    assert changes(carl) == [("created", "ada", [], ["clerk", "reviewer"], False, True, "")]
    sue, _pw = staff_create(actor=None, username="sue", roles=["surveyor"], password=PASSWORD)
    assert sue.is_staff is False  # surveyors do not use the Django admin
    assert must_change_password(sue) is False
    assert changes(sue) == [("created", None, [], ["surveyor"], False, True, "")]


def test_staff_create_refusals(admin_user):
    clerk = make_staff("carl", "clerk")
    with pytest.raises(StaffPermissionDenied, match=r"^only an administrator may change staff accounts$"):
        staff_create(actor=clerk, username="eve", roles=["administrator"])
    with pytest.raises(StaffChangeRefused, match=r"^a user named 'CARL' already exists$"):
        staff_create(actor=admin_user, username="CARL", roles=["clerk"])
    with pytest.raises(StaffChangeRefused, match=r"^give at least one role; valid roles: surveyor, census_supervisor"):
        staff_create(actor=admin_user, username="nobody", roles=[])
    assert not User.objects.filter(username__in=["eve", "nobody"]).exists()


def test_role_changes_are_recorded_with_who_and_what(admin_user):
    carl = make_staff("carl", "clerk")
    change = staff_set_roles(actor=admin_user, user=carl, roles=["reviewer", "registrar"], reason="moved to review")
    assert role_groups_of(carl) == {"reviewer", "registrar"}
    assert (change.kind, change.actor, change.user) == ("roles", admin_user, carl)
    assert staff_set_roles(actor=admin_user, user=carl, roles=["registrar", "reviewer"]) is None  # no change, no record
    staff_set_roles(actor=admin_user, user=carl, roles=["surveyor"])
    carl.refresh_from_db()
    assert carl.is_staff is False
    assert changes(carl) == [
        ("created", None, [], ["clerk"], False, True, ""),
        ("roles", "ada", ["clerk"], ["registrar", "reviewer"], True, True, "moved to review"),
        ("roles", "ada", ["registrar", "reviewer"], ["surveyor"], True, True, ""),
    ]
    # The user object's permission cache follows the new roles at once.
    assert carl.has_perm("accounts.do_census_fieldwork") is True
    assert carl.has_perm("accounts.review_changes") is False


def test_only_an_administrator_changes_roles(admin_user):
    carl, rita = make_staff("carl", "clerk"), make_staff("rita", "reviewer")
    with pytest.raises(StaffPermissionDenied, match=r"^only an administrator may change staff accounts$"):
        staff_set_roles(actor=carl, user=rita, roles=["administrator"])
    with pytest.raises(StaffChangeRefused, match=r"^administrators cannot remove their own administrator role$"):
        staff_set_roles(actor=admin_user, user=admin_user, roles=["clerk"])
    assert role_groups_of(rita) == {"reviewer"} and changes(rita)[1:] == []


def test_disabled_users_session_is_rejected_on_the_next_request(client, admin_user):
    carl = make_staff("carl", "clerk")
    make_staff("rita", "reviewer")
    assert client.login(username="carl", password=PASSWORD)
    assert client.get("/staff/").status_code == 200
    other_client = client.__class__()
    assert other_client.login(username="rita", password=PASSWORD)
    assert Session.objects.count() == 2

    change = staff_disable(actor=admin_user, user=carl, reason="left the office")

    response = client.get("/staff/")
    assert (response.status_code, response["Location"]) == (302, "/staff/login/?next=/staff/")
    assert Session.objects.count() == 1  # carl's deleted, rita's kept
    assert other_client.get("/staff/").status_code == 200
    assert client.login(username="carl", password=PASSWORD) is False
    assert (change.kind, change.active_before, change.active_after, change.reason) == (
        "disabled",
        True,
        False,
        "left the office",
    )
    assert change.roles_before == change.roles_after == ["clerk"]
    assert roles_of(User.objects.get(pk=carl.pk)) == frozenset()  # no permissions while disabled
    with pytest.raises(StaffChangeRefused, match=r"^the account 'carl' is already disabled$"):
        staff_disable(actor=admin_user, user=carl, reason="again")

    staff_enable(actor=admin_user, user=carl, reason="came back")
    assert client.login(username="carl", password=PASSWORD) is True
    assert roles_of(User.objects.get(pk=carl.pk)) == {"clerk"}
    assert [c[0] for c in changes(carl)] == ["created", "disabled", "enabled"]


def test_disable_refusals(admin_user):
    carl = make_staff("carl", "clerk")
    with pytest.raises(StaffChangeRefused, match=r"^give a reason for disabling the account$"):
        staff_disable(actor=admin_user, user=carl, reason="  ")
    with pytest.raises(StaffChangeRefused, match=r"^administrators cannot disable their own account$"):
        staff_disable(actor=admin_user, user=admin_user, reason="bye")
    with pytest.raises(StaffPermissionDenied):
        staff_disable(actor=carl, user=admin_user, reason="coup")
    assert User.objects.filter(is_active=True).count() == 2


def test_password_reset_by_administrator_only(client, admin_user):
    carl = make_staff("carl", "clerk")
    assert client.login(username="carl", password=PASSWORD)
    with pytest.raises(StaffPermissionDenied):
        staff_reset_password(actor=carl, user=carl)
    new = staff_reset_password(actor=admin_user, user=carl)
    carl.refresh_from_db()
    assert len(new) == 20 and new != PASSWORD
    assert carl.check_password(new) and not carl.check_password(PASSWORD)
    assert StaffProfile.objects.get(user=carl).must_change_password is True
    assert client.get("/staff/").status_code == 302  # the old session ended
    assert changes(carl)[-1] == ("password_reset", "ada", ["clerk"], ["clerk"], True, True, "")


def test_role_change_log_is_append_only(admin_user):
    record = RoleChange.objects.get(user=admin_user)
    for attempt in (
        lambda: RoleChange.objects.filter(pk=record.pk).update(reason="rewritten"),
        lambda: RoleChange.objects.filter(pk=record.pk).delete(),
    ):
        refused = r"^pgtrigger: Cannot update or delete rows from accounts_rolechange table"
        with pytest.raises(DatabaseError, match=refused), transaction.atomic():
            attempt()
    assert RoleChange.objects.get(pk=record.pk).reason == ""
