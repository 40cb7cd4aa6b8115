"""The staff admin: roles are changed through the services (and recorded), accounts are disabled by an action,
role changes are read-only."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from geo_portal.accounts.models import RoleChange
from geo_portal.accounts.selectors import role_groups_of
from tests.accounts.factories import PASSWORD, make_staff, pass_second_factor

pytestmark = pytest.mark.django_db
User = get_user_model()


@pytest.fixture
def admin_client(client):
    make_staff("ada", "administrator")
    assert client.login(username="ada", password=PASSWORD)
    pass_second_factor(client)
    return client


def test_adding_staff_in_the_admin_goes_through_the_service(admin_client):
    response = admin_client.post(
        "/admin/auth/user/add/",
        {
            "username": "nina",
            "email": "nina@example.org",
            "usable_password": "true",
            "password1": "a long new secret 2026",
            "password2": "a long new secret 2026",
            "roles": ["clerk", "registrar"],
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    nina = User.objects.get(username="nina")
    assert response["Location"] == f"/admin/auth/user/{nina.pk}/change/"
    assert role_groups_of(nina) == {"clerk", "registrar"} and nina.check_password("a long new secret 2026")
    assert list(RoleChange.objects.filter(user=nina).values_list("kind", "actor__username", "roles_after")) == [
        ("created", "ada", ["clerk", "registrar"])
    ]


def test_changing_roles_in_the_admin_is_recorded_and_the_list_shows_roles(admin_client):
    carl = make_staff("carl", "clerk")
    page = admin_client.get(f"/admin/auth/user/{carl.pk}/change/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'name="roles" value="clerk"' in page and 'name="groups"' not in page
    response = admin_client.post(
        f"/admin/auth/user/{carl.pk}/change/",
        {"username": "carl", "email": "", "first_name": "", "last_name": "", "roles": ["reviewer"]},
    )
    assert response.status_code == 302
    assert role_groups_of(carl) == {"reviewer"}
    assert list(RoleChange.objects.filter(user=carl, kind="roles").values_list("roles_before", "roles_after")) == [
        (["clerk"], ["reviewer"])
    ]
    listing = admin_client.get("/admin/auth/user/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<td class="field-roles_display">reviewer</td>' in listing


def test_disable_action_and_read_only_role_changes(admin_client):
    carl = make_staff("carl", "clerk")
    response = admin_client.post("/admin/auth/user/", {"action": "disable_accounts", "_selected_action": [carl.pk]})
    assert response.status_code == 302
    carl.refresh_from_db()
    assert carl.is_active is False
    assert RoleChange.objects.filter(user=carl, kind="disabled").get().reason == "於管理介面停用"
    record = RoleChange.objects.filter(user=carl).first()
    assert admin_client.get(f"/admin/accounts/rolechange/{record.pk}/change/").status_code == 200  # view only
    assert admin_client.post(f"/admin/accounts/rolechange/{record.pk}/delete/").status_code == 403
    assert admin_client.get("/admin/accounts/rolechange/add/").status_code == 403
